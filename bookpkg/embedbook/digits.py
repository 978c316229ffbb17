"""Learning embeddings of scikit-learn's 8x8 digits with pair losses.

The training study of the book's chapter "The losses at work": the script
``tools/digits_study.py`` runs all of it and writes ``book/data/digits_study.json``;
the chapter renders that record and re-runs a few steps of each loss live. Both call
the functions here, so the numbers in the record and in the chapter come from one
implementation.

The protocol:

- **Data**: ``sklearn.datasets.load_digits`` (1,797 images, 10 classes, no download),
  pixels scaled to ``[0, 1]`` and centred by the training images' mean.
- **Open-set split by class** (Musgrave, Belongie and Lim, "A Metric Learning Reality
  Check", ECCV 2020): the encoder trains on the digits ``TRAIN_CLASSES`` and is
  evaluated by retrieval among the digits ``TEST_CLASSES``, never seen in training.
- **Pairs**: each step draws ``BATCH`` anchors; each gets one positive (same digit)
  and one negative (another digit). Pair losses see the balanced pairs
  (anchor, positive, +1) and (anchor, negative, -1); the triplet loss sees the
  triplets. Every loss sees the same images in the same order. With ``hard=True`` the
  negative is the most similar of ``HARD_CANDIDATES`` random negatives under the
  current encoder (hard-negative mining).
- **Encoder**: an MLP ``64 -> HIDDEN -> DIM`` with a ReLU, whose initial weights are
  drawn once in NumPy (:func:`init_weights`) and loaded into PyTorch or Paddle.
- **Training**: plain SGD (learning rate ``LR``) for ``STEPS`` steps.
- **Metrics** (:func:`retrieval_metrics`): precision@1 and MAP@R, as Musgrave et al.
  define them, of cosine nearest neighbours among the held-out images, each image
  a query against all the others (leave one out), computed here in float64 NumPy.
"""
from __future__ import annotations

import numpy as np

TRAIN_CLASSES = (0, 1, 2, 3, 4)
TEST_CLASSES = (5, 6, 7, 8, 9)
HIDDEN, DIM = 64, 16
BATCH = 64
STEPS = 200
LR = 0.05
LOG_EVERY = 10
HARD_CANDIDATES = 8
#: Each loss's margin in the study: cosine margin m for the cosine losses (the hinge
#: on 1 - cos gets 1 - m), distance margins for the Euclidean ones.
MARGINS = {"cosine": 0.5, "cosine_embedloss": 0.5, "hinge_cos": 0.5,
           "hinge_similarity": 0.5, "hinge_l2": 1.0, "contrastive": 1.0,
           "triplet": 1.0}
#: What each loss is, in words (the chapter's tables use these).
DESCRIPTIONS = {
    "cosine": "CosineEmbeddingLoss (native)",
    "cosine_embedloss": "embedloss.cosine_embedding_loss",
    "hinge_cos": "HingeEmbeddingLoss on 1 - cos",
    "hinge_similarity": "HingeEmbeddingLoss on cos (not a distance)",
    "hinge_l2": "HingeEmbeddingLoss on the L2 distance",
    "contrastive": "contrastive loss (Hadsell et al. 2006)",
    "triplet": "TripletMarginLoss",
}
#: The study's losses, by key, in the order of its tables (the keys of ``DESCRIPTIONS``).
LOSSES = tuple(DESCRIPTIONS)


# ------------------------------------------------------------------ data

def load():
    """The digits as ``(x, y)``: ``x`` float32 of shape (1797, 64), pixels / 16,
    centred by the mean image of the training classes; ``y`` the digit (int64)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data / 16.0
    y = digits.target.astype(np.int64)
    x = x - x[np.isin(y, TRAIN_CLASSES)].mean(0)
    return x.astype(np.float32), y


def split(x, y):
    """``(x_train, y_train, x_test, y_test)``: the split by class, not by sample."""
    train, test = np.isin(y, TRAIN_CLASSES), np.isin(y, TEST_CLASSES)
    return x[train], y[train], x[test], y[test]


def sample_steps(y, seed, steps=STEPS, batch=BATCH, candidates=1):
    """The training order, drawn once in NumPy so that both frameworks see it.

    Returns int arrays ``anchor, positive`` of shape (steps, batch) and ``negative``
    of shape (steps, batch, candidates): indices into ``y``, positives of the
    anchor's class (never the anchor itself), negatives of any other class.
    """
    rng = np.random.default_rng([seed, 1])
    by_class = {c: np.flatnonzero(y == c) for c in np.unique(y)}
    others = {c: np.flatnonzero(y != c) for c in by_class}
    anchor = np.empty((steps, batch), dtype=np.int64)
    positive = np.empty_like(anchor)
    negative = np.empty((steps, batch, candidates), dtype=np.int64)
    for step in range(steps):  # step by step: the first k steps never depend on
        for i in range(batch):  # how many follow
            a = anchor[step, i] = rng.integers(len(y))
            same = by_class[y[a]]
            p = a
            while p == a:
                p = same[rng.integers(len(same))]
            positive[step, i] = p
            other = others[y[a]]
            negative[step, i] = other[rng.integers(len(other), size=candidates)]
    return anchor, positive, negative


# ------------------------------------------------------------------ encoder

def init_weights(seed, hidden=HIDDEN, dim=DIM):
    """Initial weights of the MLP ``64 -> hidden -> dim``, float32 NumPy, as
    ``[w1, b1, w2, b2]`` with ``w`` of shape (in, out) (Paddle's layout; PyTorch
    takes the transpose). He-normal weights, zero biases."""
    rng = np.random.default_rng([seed, 0])
    w1 = rng.standard_normal((64, hidden)) * np.sqrt(2.0 / 64)
    w2 = rng.standard_normal((hidden, dim)) * np.sqrt(2.0 / hidden)
    return [w.astype(np.float32) for w in
            (w1, np.zeros(hidden), w2, np.zeros(dim))]


def torch_encoder(weights):
    """A ``torch.nn.Sequential`` MLP holding ``weights`` (see :func:`init_weights`)."""
    import torch

    w1, b1, w2, b2 = weights
    net = torch.nn.Sequential(torch.nn.Linear(w1.shape[0], w1.shape[1]),
                              torch.nn.ReLU(),
                              torch.nn.Linear(w2.shape[0], w2.shape[1]))
    with torch.no_grad():
        for param, value in zip(net.parameters(), (w1.T, b1, w2.T, b2)):
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return net


def paddle_encoder(weights):
    """A ``paddle.nn.Sequential`` MLP holding ``weights``."""
    from embedloss import import_paddle

    paddle = import_paddle()
    w1, b1, w2, b2 = weights
    net = paddle.nn.Sequential(paddle.nn.Linear(w1.shape[0], w1.shape[1]),
                               paddle.nn.ReLU(),
                               paddle.nn.Linear(w2.shape[0], w2.shape[1]))
    for param, value in zip(net.parameters(), (w1, b1, w2, b2)):
        param.set_value(value)
    return net


# ------------------------------------------------------------------ losses

def torch_cosine(a, b, eps=1e-12):
    """Row-wise cosine with the same operations, in the same order, as PyTorch's
    ``cosine_embedding_loss`` (``aten/src/ATen/native/Loss.cpp``), so that the hinge
    loss on ``1 - cos`` sees bit for bit the cosine that the cosine loss sees."""
    dot = (a * b).sum(1)
    mag1 = (a * a).sum(1) + eps
    mag2 = (b * b).sum(1) + eps
    return dot / (mag1 * mag2).sqrt()


def torch_loss(name, a, p, n, margin):
    """The loss ``name`` (one of :data:`LOSSES`) of anchors ``a``, positives ``p``
    and negatives ``n`` (embeddings, PyTorch), with ``margin``; ``'mean'`` over the
    2 * batch pairs (over the batch triplets for ``'triplet'``)."""
    import torch
    import torch.nn.functional as F

    import embedloss

    if name == "triplet":
        return F.triplet_margin_loss(a, p, n, margin=margin)
    x1, x2 = torch.cat([a, a]), torch.cat([p, n])
    y = torch.cat([torch.ones(len(a)), -torch.ones(len(a))])
    if name == "cosine":
        return F.cosine_embedding_loss(x1, x2, y, margin=margin)
    if name == "cosine_embedloss":
        return embedloss.cosine_embedding_loss(x1, x2, y, margin=margin)
    if name == "hinge_cos":
        return F.hinge_embedding_loss(1 - torch_cosine(x1, x2), y,
                                      margin=1 - margin)
    if name == "hinge_similarity":
        return F.hinge_embedding_loss(torch_cosine(x1, x2), y, margin=margin)
    d = F.pairwise_distance(x1, x2)
    if name == "hinge_l2":
        return F.hinge_embedding_loss(d, y, margin=margin)
    if name == "contrastive":
        return torch.where(y == 1, d ** 2, F.relu(margin - d) ** 2).mean() / 2
    raise ValueError(f"unknown loss {name!r}; expected one of {LOSSES}")


def paddle_loss(name, a, p, n, margin):
    """:func:`torch_loss` in Paddle, for the losses Paddle ships natively."""
    from embedloss import import_paddle

    paddle = import_paddle()
    F = paddle.nn.functional
    if name == "triplet":
        return F.triplet_margin_loss(a, p, n, margin=margin)
    x1, x2 = paddle.concat([a, a]), paddle.concat([p, n])
    y = paddle.concat([paddle.ones([a.shape[0]]), -paddle.ones([a.shape[0]])])
    if name == "cosine":
        return F.cosine_embedding_loss(x1, x2, y, margin=margin)
    if name == "hinge_cos":
        cos = F.cosine_similarity(x1, x2, axis=1)
        return F.hinge_embedding_loss(1 - cos, y, margin=1 - margin)
    d = F.pairwise_distance(x1, x2)
    if name == "hinge_l2":
        return F.hinge_embedding_loss(d, y, margin=margin)
    if name == "contrastive":
        return paddle.where(y == 1, d ** 2, F.relu(margin - d) ** 2).mean() / 2
    raise ValueError(f"loss {name!r} is not run in Paddle")


PADDLE_LOSSES = ("cosine", "hinge_cos", "hinge_l2", "contrastive", "triplet")


# ------------------------------------------------------------------ training

def train_torch(name, seed, *, steps=STEPS, margin=None, hard=False,
                x=None, y=None, log_every=LOG_EVERY):
    """Train the encoder of seed ``seed`` with loss ``name`` in PyTorch.

    Returns ``(net, history)``: the trained ``torch.nn.Sequential`` and a dict of
    lists, ``loss`` (every step), ``norm`` (mean embedding norm of the step's
    anchors, every ``log_every`` steps, and after the last), ``grad_norm`` (the mean
    norm of the loss's gradient with respect to those embeddings, every
    ``log_every`` steps), ``grad_cos`` (the largest ``|cos|`` between an embedding
    and the loss's gradient with respect to it, at the first step), and
    ``cos_similar`` and ``cos_dissimilar`` (after training, the mean cosine of the
    last step's similar and dissimilar pairs), and the same of the first step's
    pairs before training (``cos_similar_start``, ``cos_dissimilar_start``).
    """
    import torch

    if x is None:
        x, y = split(*load())[:2]
    margin = MARGINS[name] if margin is None else margin
    net = torch_encoder(init_weights(seed))
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    xt = torch.from_numpy(x)
    anchor, positive, negative = sample_steps(
        y, seed, steps, candidates=HARD_CANDIDATES if hard else 1)
    history = {"loss": [], "norm": [], "grad_norm": [], "grad_cos": None}
    for step in range(steps):
        neg = negative[step]
        if hard:
            neg = _hardest(net, xt, anchor[step], neg)
        else:
            neg = neg[:, 0]
        emb = net(xt[np.concatenate([anchor[step], positive[step], neg])])
        emb.retain_grad()
        a, p, n = emb.split(len(neg))
        loss = torch_loss(name, a, p, n, margin)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            cos = torch.nn.functional.cosine_similarity
            history["cos_similar_start"] = cos(a, p).mean().item()
            history["cos_dissimilar_start"] = cos(a, n).mean().item()
            g, e = emb.grad.double(), emb.detach().double()
            cos = (g * e).sum(1) / (g.norm(dim=1) * e.norm(dim=1) + 1e-300)
            history["grad_cos"] = float(cos.abs().max())
        if step % log_every == 0:
            history["norm"].append(float(a.detach().norm(dim=1).mean()))
            history["grad_norm"].append(
                float(emb.grad[:len(neg)].norm(dim=1).mean()))
        history["loss"].append(loss.item())
        opt.step()
    with torch.no_grad():
        history["norm"].append(float(net(xt[anchor[-1]]).norm(dim=1).mean()))
        a, p, n = (net(xt[i]) for i in
                   (anchor[-1], positive[-1], negative[-1, :, 0]))
        cos = torch.nn.functional.cosine_similarity
        history["cos_similar"] = float(cos(a, p).mean())
        history["cos_dissimilar"] = float(cos(a, n).mean())
    return net, history


def _hardest(net, xt, anchors, candidates):
    """For each anchor, the candidate negative with the highest cosine to it."""
    import torch

    with torch.no_grad():
        a = torch.nn.functional.normalize(net(xt[anchors]), dim=1)
        c = torch.nn.functional.normalize(net(xt[candidates.ravel()]), dim=1)
        sim = (c.reshape(*candidates.shape, -1) * a[:, None]).sum(-1)
    return candidates[np.arange(len(anchors)), sim.argmax(1).numpy()]


def train_paddle(name, seed, *, steps=STEPS, margin=None, x=None, y=None):
    """:func:`train_torch` in Paddle (no mining), from the same initial weights and
    the same pairs. Returns ``(net, losses)``."""
    from embedloss import import_paddle

    paddle = import_paddle()
    if x is None:
        x, y = split(*load())[:2]
    margin = MARGINS[name] if margin is None else margin
    net = paddle_encoder(init_weights(seed))
    opt = paddle.optimizer.SGD(learning_rate=LR, parameters=net.parameters())
    xp = paddle.to_tensor(x)
    anchor, positive, negative = sample_steps(y, seed, steps)
    losses = []
    for step in range(steps):
        rows = np.concatenate([anchor[step], positive[step], negative[step, :, 0]])
        a, p, n = paddle.split(net(paddle.gather(xp, paddle.to_tensor(rows))), 3)
        loss = paddle_loss(name, a, p, n, margin)
        opt.clear_grad()
        loss.backward()
        losses.append(loss.item())
        opt.step()
    return net, losses


def embed(net, x):
    """Embeddings of ``x`` (NumPy) by a PyTorch or Paddle encoder, as float64 NumPy."""
    import sys

    if "torch" in sys.modules:
        import torch

        if isinstance(net, torch.nn.Module):
            with torch.no_grad():
                return net(torch.from_numpy(x)).double().numpy()
    from embedloss import import_paddle

    paddle = import_paddle()
    with paddle.no_grad():
        return net(paddle.to_tensor(x)).numpy().astype(np.float64)


# ------------------------------------------------------------------ metrics

def retrieval_metrics(emb, labels):
    """Precision@1 and MAP@R of cosine nearest-neighbour retrieval, leave one out.

    Each row of ``emb`` is a query; the references are all the other rows, ranked
    by cosine similarity (float64; ties broken by index). With ``R`` the number of
    references of the query's class, following Musgrave et al. (2020):

    - precision@1: 1 if the nearest reference has the query's label, else 0;
    - MAP@R: ``(1/R) * sum_{i=1..R} P(i)``, where ``P(i)`` is the precision among
      the first ``i`` references if the ``i``-th has the query's label, else 0.

    Both are averaged over the queries. Returns ``{"p_at_1": ..., "map_at_r": ...}``.
    """
    emb = np.asarray(emb, dtype=np.float64)
    labels = np.asarray(labels)
    unit = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-300)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    order = np.argsort(-sim, axis=1, kind="stable")[:, :-1]  # self is last
    hits = labels[order] == labels[:, None]
    r = hits.sum(1)
    ranks = np.arange(1, hits.shape[1] + 1)
    precision = np.cumsum(hits, axis=1) / ranks
    within_r = ranks[None, :] <= r[:, None]
    map_at_r = (precision * hits * within_r).sum(1) / np.maximum(r, 1)
    return {"p_at_1": float(hits[:, 0].mean()), "map_at_r": float(map_at_r.mean())}


def pca_embedding(x_train, x_test, dim=DIM):
    """The baseline: ``x_test`` projected on the first ``dim`` principal axes of
    ``x_train`` (exact SVD, float64)."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, svd_solver="full").fit(x_train.astype(np.float64))
    return pca.transform(x_test.astype(np.float64))


def projection_2d(emb):
    """Unit-normalised embeddings projected on their own first two principal
    axes (float64), the chapter's before/after picture; signs fixed so that each
    axis's largest coordinate is positive."""
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    centred = unit - unit.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    sign = np.sign(coords[np.abs(coords).argmax(0), [0, 1]])
    return coords * sign


# ------------------------------------------------------------------ two processes

#: How the distributed check splits one batch of ``BATCH`` anchors (each giving a
#: similar and a dissimilar pair) between two ranks: equal shards, then unequal ones.
SHARDS = {"equal": (BATCH // 2, BATCH // 2), "unequal": (3 * BATCH // 4, BATCH // 4)}
#: The two per-rank losses the check compares. The first is the shard's mean; the
#: second is the shard's sum divided by the global number of pairs and multiplied by
#: the number of ranks (data-parallel engines average the ranks' gradients, so that
#: factor makes their average the gradient of the global sum divided by the global
#: count, the global mean).
RANK_LOSSES = ("mean", "sum / global count")


def _distributed_batch():
    """The batch the distributed check uses: step 0 of seed 0, as pair arrays
    ``(rows1, rows2, target)`` of indices into the training images and labels."""
    x, y = split(*load())[:2]
    anchor, positive, negative = sample_steps(y, 0, steps=1)
    a, p, n = anchor[0], positive[0], negative[0, :, 0]
    return x, a, p, n


def _shard_pairs(a, p, n, lo, hi):
    """The similar and dissimilar pairs of anchors ``lo:hi``."""
    rows1 = np.concatenate([a[lo:hi], a[lo:hi]])
    rows2 = np.concatenate([p[lo:hi], n[lo:hi]])
    target = np.concatenate([np.ones(hi - lo), -np.ones(hi - lo)])
    return rows1, rows2, target.astype(np.float32)


def _rank_loss(loss_sum, count, kind, n_global, world):
    """One rank's loss from the sum of its ``count`` per-pair losses: the shard's
    mean, or ``world * sum / n_global``, whose average over the ranks is the global
    mean (see :data:`RANK_LOSSES`)."""
    if kind == "mean":
        return loss_sum / count
    return loss_sum * world / n_global


def single_process_gradients(framework="torch"):
    """Loss (the mean over all pairs) and flat gradient of the cosine loss on the
    whole batch, in one process: what the distributed runs must reproduce."""
    x, a, p, n = _distributed_batch()
    rows1, rows2, target = _shard_pairs(a, p, n, 0, len(a))
    if framework == "torch":
        import torch as fw

        net, tensor = torch_encoder(init_weights(0)), fw.from_numpy
    else:
        from embedloss import import_paddle

        fw = import_paddle()
        net, tensor = paddle_encoder(init_weights(0)), fw.to_tensor
    loss = fw.nn.functional.cosine_embedding_loss(
        net(tensor(x[rows1])), net(tensor(x[rows2])), tensor(target), margin=MARGINS["cosine"])
    loss.backward()
    grads = [q.grad.numpy().ravel() for q in net.parameters()]
    return loss.item(), np.concatenate(grads).astype(np.float64)


def _torch_worker(rank, world, port, out):
    """One rank of the PyTorch check: DDP over gloo on 127.0.0.1."""
    import os

    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    x, a, p, n = _distributed_batch()
    found = {}
    for shard, sizes in SHARDS.items():
        lo = sum(sizes[:rank])
        rows1, rows2, target = _shard_pairs(a, p, n, lo, lo + sizes[rank])
        for kind in RANK_LOSSES:
            net = DistributedDataParallel(torch_encoder(init_weights(0)))
            emb = net(torch.from_numpy(x[np.concatenate([rows1, rows2])]))
            losses = torch.nn.functional.cosine_embedding_loss(
                *emb.split(len(target)), torch.from_numpy(target),
                margin=MARGINS["cosine"], reduction="none")
            loss = _rank_loss(losses.sum(), len(target), kind,
                              2 * len(a), world)
            loss.backward()  # DDP all-reduces (averages) the gradients here
            value = loss.detach().clone()
            dist.all_reduce(value)  # the sum over ranks, then / world
            found[f"{shard}|{kind}|loss"] = value.item() / world
            found[f"{shard}|{kind}|grad"] = np.concatenate(
                [q.grad.numpy().ravel() for q in net.parameters()])
    np.savez(os.path.join(out, f"torch{rank}.npz"), **found)
    dist.destroy_process_group()


def _paddle_worker(out):
    """One rank of the Paddle check: ``paddle.DataParallel`` over gloo."""
    import os

    from embedloss import import_paddle

    paddle = import_paddle()
    dist = paddle.distributed
    dist.init_parallel_env()
    rank, world = dist.get_rank(), dist.get_world_size()
    x, a, p, n = _distributed_batch()
    found = {}
    for shard, sizes in SHARDS.items():
        lo = sum(sizes[:rank])
        rows1, rows2, target = _shard_pairs(a, p, n, lo, lo + sizes[rank])
        for kind in RANK_LOSSES:
            net = paddle.DataParallel(paddle_encoder(init_weights(0)))
            emb = net(paddle.to_tensor(x[np.concatenate([rows1, rows2])]))
            losses = paddle.nn.functional.cosine_embedding_loss(
                *paddle.split(emb, 2), paddle.to_tensor(target),
                margin=MARGINS["cosine"], reduction="none")
            loss = _rank_loss(losses.sum(), len(target), kind,
                              2 * len(a), world)
            loss.backward()
            value = loss.detach().clone()
            dist.all_reduce(value)
            found[f"{shard}|{kind}|loss"] = value.item() / world
            found[f"{shard}|{kind}|grad"] = np.concatenate(
                [q.grad.numpy().ravel() for q in net.parameters()])
    np.savez(os.path.join(out, f"paddle{rank}.npz"), **found)


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def distributed_check(framework="torch", world=2):
    """Run the cosine loss's training step on ``world`` CPU processes (gloo,
    127.0.0.1 only) and compare with one process on the whole batch.

    For each sharding in :data:`SHARDS` and each per-rank loss in
    :data:`RANK_LOSSES`, returns the loss averaged over the ranks, the global mean
    it should equal, the gradient after the engine's all-reduce on rank 0, and the
    largest difference from the single-process gradient. PyTorch runs under
    ``torch.nn.parallel.DistributedDataParallel`` launched by
    ``torch.multiprocessing.spawn``; Paddle under ``paddle.DataParallel`` launched
    by ``paddle.distributed.spawn``. An engine that fails is reported as
    ``{"ok": False, "error": "<type>: <message>"}``.
    """
    import tempfile

    full_loss, full_grad = single_process_gradients(framework)
    with tempfile.TemporaryDirectory() as out:
        try:
            if framework == "torch":
                import torch.multiprocessing as mp

                mp.spawn(_torch_worker, args=(world, _free_port(), out),
                         nprocs=world, join=True)
            else:
                from embedloss import import_paddle

                import_paddle().distributed.spawn(
                    _paddle_worker, args=(out,), nprocs=world, backend="gloo",
                    ips="127.0.0.1")
            ranks = [dict(np.load(f"{out}/{framework}{r}.npz"))
                     for r in range(world)]
        except Exception as error:  # reported, with its message, in the record
            message = " ".join(str(error).split())[:500]
            return {"ok": False, "error": f"{type(error).__name__}: {message}"}
    cases = []
    for shard, sizes in SHARDS.items():
        for kind in RANK_LOSSES:
            grads = [r[f"{shard}|{kind}|grad"].astype(np.float64) for r in ranks]
            cases.append({
                "shards": shard, "pairs_per_rank": [2 * s for s in sizes],
                "rank_loss": kind,
                "loss": float(ranks[0][f"{shard}|{kind}|loss"]),
                "global_mean": full_loss,
                "grad_max_abs_diff": float(np.abs(grads[0] - full_grad).max()),
                "grad_ranks_equal": bool(np.array_equal(grads[0], grads[1])),
            })
    return {"ok": True, "world_size": world,
            "grad_max_abs": float(np.abs(full_grad).max()), "cases": cases}


# ------------------------------------------------------------------ the study

SEEDS = (0, 1, 2)
#: Cosine margins of the margin sweep: the range [-1, 1] that both frameworks accept.
SWEEP = (-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)
#: Steps whose losses the chapter re-runs live and compares with the record.
LIVE_STEPS = 5


def _run_record(framework, name, seed, net, losses, x_tr, y_tr, x_te, y_te,
                margin, hard=False, history=None):
    test = retrieval_metrics(embed(net, x_te), y_te)
    seen = retrieval_metrics(embed(net, x_tr), y_tr)
    run = {"framework": framework, "loss": name, "seed": seed,
           "margin": margin, "hard_negatives": hard,
           "p_at_1": test["p_at_1"], "map_at_r": test["map_at_r"],
           "seen_p_at_1": seen["p_at_1"], "seen_map_at_r": seen["map_at_r"],
           "first_losses": losses[:LIVE_STEPS],
           "loss_curve": [float(np.mean(losses[i:i + LOG_EVERY]))
                          for i in range(0, len(losses), LOG_EVERY)],
           "final_loss": float(np.mean(losses[-LOG_EVERY:]))}
    if history is not None:
        run.update({k: history[k] for k in (
            "norm", "grad_norm", "grad_cos", "cos_similar", "cos_dissimilar",
            "cos_similar_start", "cos_dissimilar_start")})
    return run


def study(progress=print):
    """The whole study, as a JSON-ready dict (see ``tools/digits_study.py``).

    Keys: ``config``; ``baselines`` (raw pixels, PCA, the untrained encoders);
    ``runs`` (one per framework, loss, seed, margin and sampling, with metrics on
    the held-out classes, on the seen classes, the loss curve and, in PyTorch, the
    embeddings' norms); ``trajectories`` (the largest difference between the
    per-step losses of runs that must agree); ``projection`` (2-D views of the
    held-out embeddings before and after training, seed 0, cosine loss);
    ``distributed`` (:func:`distributed_check` for PyTorch and Paddle).
    """
    x_tr, y_tr, x_te, y_te = split(*load())
    data = dict(x_tr=x_tr, y_tr=y_tr, x_te=x_te, y_te=y_te)
    record = {"config": {
        "train_classes": list(TRAIN_CLASSES), "test_classes": list(TEST_CLASSES),
        "train_images": len(y_tr), "test_images": len(y_te),
        "hidden": HIDDEN, "dim": DIM, "batch": BATCH, "steps": STEPS, "lr": LR,
        "log_every": LOG_EVERY, "seeds": list(SEEDS), "margins": MARGINS,
        "sweep": list(SWEEP), "hard_candidates": HARD_CANDIDATES}}
    init = []
    for s in SEEDS:
        net = torch_encoder(init_weights(s))
        seen = retrieval_metrics(embed(net, x_tr), y_tr)
        init.append({**retrieval_metrics(embed(net, x_te), y_te),
                     "seen_p_at_1": seen["p_at_1"],
                     "seen_map_at_r": seen["map_at_r"]})
    record["baselines"] = {
        "raw pixels": retrieval_metrics(x_te, y_te),
        f"PCA to {DIM} dimensions": retrieval_metrics(
            pca_embedding(x_tr, x_te), y_te),
        "untrained encoder": {k: float(np.mean([m[k] for m in init]))
                              for k in init[0]}}

    runs, losses = [], {}

    def add(framework, name, seed, margin=None, hard=False):
        margin = MARGINS[name] if margin is None else margin
        if framework == "torch":
            net, history = train_torch(name, seed, margin=margin, hard=hard,
                                       x=x_tr, y=y_tr)
            steps = history["loss"]
        else:
            net, steps = train_paddle(name, seed, margin=margin, x=x_tr, y=y_tr)
            history = None
        losses[framework, name, seed, margin, hard] = steps
        runs.append(_run_record(framework, name, seed, net, steps, **data,
                                margin=margin, hard=hard, history=history))
        return net

    for name in LOSSES:
        progress(f"PyTorch, {name}, seeds {SEEDS}")
        for seed in SEEDS:
            net = add("torch", name, seed)
            if name == "cosine" and seed == 0:
                record["projection"] = {
                    "labels": y_te.tolist(),
                    "before": _rounded(projection_2d(embed(
                        torch_encoder(init_weights(0)), x_te))),
                    "after": _rounded(projection_2d(embed(net, x_te)))}
    progress(f"PyTorch, cosine margin sweep {SWEEP}")
    for margin in SWEEP:
        for seed in SEEDS:
            if margin != MARGINS["cosine"]:
                add("torch", "cosine", seed, margin)
    progress("PyTorch, cosine with hard negatives")
    for seed in SEEDS:
        add("torch", "cosine", seed, hard=True)
    progress(f"Paddle, {PADDLE_LOSSES}")
    for name in PADDLE_LOSSES:
        for seed in SEEDS:
            add("paddle", name, seed)
    record["runs"] = runs

    def gap(one, other):
        a, b = np.array(losses[one]), np.array(losses[other])
        return {"identical": bool(np.array_equal(a, b)),
                "max_abs_diff": float(np.abs(a - b).max()),
                "max_abs_diff_first_steps":
                    float(np.abs(a - b)[:LIVE_STEPS].max())}

    pairs = [(("torch", "cosine_embedloss"), ("torch", "cosine")),
             (("torch", "hinge_cos"), ("torch", "cosine"))]
    pairs += [(("paddle", name), ("torch", name)) for name in PADDLE_LOSSES]
    record["trajectories"] = [
        {"run": list(one), "against": list(other), "seed": seed,
         **gap((*one, seed, MARGINS[one[1]], False),
               (*other, seed, MARGINS[other[1]], False))}
        for one, other in pairs for seed in SEEDS]
    progress("two processes: PyTorch DDP, then Paddle DataParallel (gloo)")
    record["distributed"] = {fw: distributed_check(fw)
                             for fw in ("torch", "paddle")}
    return record


def _rounded(coords, decimals=4):
    return np.round(coords, decimals).tolist()


def summary(runs, key, **where):
    """Mean and standard deviation (ddof 0) over seeds of ``key`` for the runs that
    match ``where`` (e.g. ``framework="torch", loss="cosine", margin=0.5``);
    returns ``(mean, std, n)``."""
    values = [r[key] for r in runs
              if all(r[k] == v for k, v in where.items())]
    return float(np.mean(values)), float(np.std(values)), len(values)
