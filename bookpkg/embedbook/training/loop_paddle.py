"""Embeddings of MNIST-1D with CosineEmbeddingLoss: a whole loop in Paddle."""
import numpy as np
import paddle
import paddle.nn.functional as F  # noqa: F811 (replaces PyTorch's F)


def train(x, y, x_test, y_test, steps=150, batch=32, margin=0.75, seed=0):
    paddle.seed(seed)  # the encoder's initial weights
    rng = np.random.default_rng(seed)  # the pairs
    x, x_test = (paddle.to_tensor(v, dtype="float32")[:, None]
                 for v in (x, x_test))  # (signals, 1 channel, 40)
    net = paddle.nn.Sequential(  # a 1-D CNN: 40 samples -> 16 numbers
        paddle.nn.Conv1D(1, 32, 5, padding=2), paddle.nn.ReLU(),
        paddle.nn.Conv1D(32, 32, 3, stride=2, padding=1), paddle.nn.ReLU(),
        paddle.nn.Conv1D(32, 32, 3, padding=1), paddle.nn.ReLU(),
        paddle.nn.AdaptiveMaxPool1D(1), paddle.nn.Flatten(),
        paddle.nn.Linear(32, 16))
    opt = paddle.optimizer.Adam(learning_rate=3e-3,
                                parameters=net.parameters())
    label = paddle.concat([paddle.ones([batch]), -paddle.ones([batch])])
    index = np.arange(len(y))
    for _ in range(steps):
        a = rng.integers(len(y), size=batch)  # anchors; for each, a
        p = [rng.choice(index[(y == y[i]) & (index != i)]) for i in a]
        n = [rng.choice(index[y != y[i]]) for i in a]  # same, other digit
        rows = paddle.to_tensor(np.concatenate([a, p, n]))
        ea, ep, en = paddle.split(net(paddle.gather(x, rows)), 3)
        loss = F.cosine_embedding_loss(paddle.concat([ea, ea]),
                                       paddle.concat([ep, en]), label,
                                       margin=margin)
        opt.clear_grad()
        loss.backward()
        opt.step()
    with paddle.no_grad():  # evaluation: precision@1 by cosine
        e = F.normalize(net(x_test), axis=1)
        nearest = (e @ e.T - 2 * paddle.eye(len(e))).argmax(1).numpy()
    return loss.item(), float((y_test[nearest] == y_test).mean())
