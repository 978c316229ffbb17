"""Embeddings of MNIST-1D with CosineEmbeddingLoss: a whole loop in PyTorch."""
import numpy as np
import torch
import torch.nn.functional as F


def train(x, y, x_test, y_test, steps=150, batch=32, margin=0.75, seed=0):
    torch.manual_seed(seed)  # the encoder's initial weights
    rng = np.random.default_rng(seed)  # the pairs
    x, x_test = (torch.tensor(v, dtype=torch.float32)[:, None]
                 for v in (x, x_test))  # (signals, 1 channel, 40)
    net = torch.nn.Sequential(  # a 1-D CNN: 40 samples -> 16 numbers
        torch.nn.Conv1d(1, 32, 5, padding=2), torch.nn.ReLU(),
        torch.nn.Conv1d(32, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv1d(32, 32, 3, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveMaxPool1d(1), torch.nn.Flatten(),
        torch.nn.Linear(32, 16))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    target = torch.cat([torch.ones(batch), -torch.ones(batch)])
    index = np.arange(len(y))
    for _ in range(steps):
        a = rng.integers(len(y), size=batch)  # anchors; for each, a
        p = [rng.choice(index[(y == y[i]) & (index != i)]) for i in a]
        n = [rng.choice(index[y != y[i]]) for i in a]  # same, other digit
        ea, ep, en = net(x[np.concatenate([a, p, n])]).split(batch)
        loss = F.cosine_embedding_loss(torch.cat([ea, ea]),
                                       torch.cat([ep, en]), target,
                                       margin=margin)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():  # evaluation: precision@1 by cosine
        e = F.normalize(net(x_test), dim=1)
        nearest = (e @ e.T - 2 * torch.eye(len(e))).argmax(1).numpy()
    return loss.item(), float((y_test[nearest] == y_test).mean())
