"""One training step of the cosine loss on two CPU processes (gloo, 127.0.0.1 only),
compared with one process on the whole batch: PyTorch's DistributedDataParallel and
Paddle's DataParallel, with equal and unequal shards, and two per-rank losses."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import data as _data
from . import model as _model

#: How the check splits one batch of ``BATCH`` anchors (each giving a similar and a
#: dissimilar pair) between two ranks: equal shards, then unequal ones.
SHARDS = {"equal": (_data.BATCH // 2, _data.BATCH // 2),
          "unequal": (3 * _data.BATCH // 4, _data.BATCH // 4)}
#: The two per-rank losses the check compares. The first is the shard's mean; the
#: second is the shard's sum divided by the global number of pairs and multiplied by
#: the number of ranks (data-parallel engines average the ranks' gradients, so that
#: factor makes their average the gradient of the global sum divided by the global
#: count, the global mean).
RANK_LOSSES = ("mean", "sum / global count")
#: The cosine margin of the check.
MARGIN = 0.5


def batch(split: _data.Split) -> dict[str, np.ndarray]:
    """The batch the check uses: step 0 of seed 0, as the signals of its anchors,
    positives and negatives (``xa``, ``xp``, ``xn``)."""
    a, p, n = _data.sample_steps(split.y_train, 0, steps=1)
    return {"xa": split.x_train[a[0]], "xp": split.x_train[p[0]], "xn": split.x_train[n[0, :, 0]]}


def _shard(b: dict[str, np.ndarray], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The similar and dissimilar pairs of anchors ``lo:hi``: inputs and targets."""
    x1 = np.concatenate([b["xa"][lo:hi], b["xa"][lo:hi]])
    x2 = np.concatenate([b["xp"][lo:hi], b["xn"][lo:hi]])
    target = np.concatenate([np.ones(hi - lo), -np.ones(hi - lo)]).astype(np.float32)
    return x1, x2, target


def _rank_loss(loss_sum: Any, count: int, kind: str, n_global: int, world: int) -> Any:
    """One rank's loss from the sum of its ``count`` per-pair losses: the shard's
    mean, or ``world * sum / n_global``, whose average over the ranks is the global
    mean (see :data:`RANK_LOSSES`)."""
    if kind == "mean":
        return loss_sum / count
    return loss_sum * world / n_global


def single_process(b: dict[str, np.ndarray], framework: str = "torch") -> tuple[float, np.ndarray]:
    """Loss (the mean over all pairs) and flat gradient of the cosine loss on the
    whole batch, in one process: what the distributed runs must reproduce."""
    x1, x2, target = _shard(b, 0, len(b["xa"]))
    if framework == "torch":
        import torch as fw

        net, tensor = _model.torch_encoder(_model.init_weights(0)), fw.from_numpy
    else:
        from embedloss import import_paddle

        fw = import_paddle()
        net, tensor = _model.paddle_encoder(_model.init_weights(0)), fw.to_tensor
    loss = fw.nn.functional.cosine_embedding_loss(net(tensor(x1)), net(tensor(x2)), tensor(target),
                                                  margin=MARGIN)
    loss.backward()
    return loss.item(), _flat_grad(net, framework)


def _flat_grad(net: Any, framework: str) -> np.ndarray:
    grads = [q.grad.numpy() for q in net.parameters()]
    if framework == "paddle":  # the linear weight is stored transposed
        grads[-2] = grads[-2].T
    return np.concatenate([g.ravel() for g in grads]).astype(np.float64)


def _torch_worker(rank: int, world: int, port: int, out: str) -> None:
    """One rank of the PyTorch check: DDP over gloo on 127.0.0.1."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    b = dict(np.load(os.path.join(out, "batch.npz")))
    found = {}
    for shard, sizes in SHARDS.items():
        lo = sum(sizes[:rank])
        x1, x2, target = _shard(b, lo, lo + sizes[rank])
        for kind in RANK_LOSSES:
            net = DistributedDataParallel(_model.torch_encoder(_model.init_weights(0)))
            emb = net(torch.from_numpy(np.concatenate([x1, x2])))
            losses = torch.nn.functional.cosine_embedding_loss(
                *emb.split(len(target)), torch.from_numpy(target), margin=MARGIN, reduction="none")
            loss = _rank_loss(losses.sum(), len(target), kind, 2 * len(b["xa"]), world)
            loss.backward()  # DDP all-reduces (averages) the gradients here
            value = loss.detach().clone()
            dist.all_reduce(value)  # the sum over ranks, then / world
            found[f"{shard}|{kind}|loss"] = value.item() / world
            found[f"{shard}|{kind}|grad"] = _flat_grad(net.module, "torch")
    np.savez(os.path.join(out, f"torch{rank}.npz"), **found)
    dist.destroy_process_group()


def _paddle_worker(out: str) -> None:
    """One rank of the Paddle check: ``paddle.DataParallel`` over gloo."""
    from embedloss import import_paddle

    paddle = import_paddle()
    dist = paddle.distributed
    dist.init_parallel_env()
    rank, world = dist.get_rank(), dist.get_world_size()
    b = dict(np.load(os.path.join(out, "batch.npz")))
    found = {}
    for shard, sizes in SHARDS.items():
        lo = sum(sizes[:rank])
        x1, x2, target = _shard(b, lo, lo + sizes[rank])
        for kind in RANK_LOSSES:
            inner = _model.paddle_encoder(_model.init_weights(0))
            net = paddle.DataParallel(inner)
            emb = net(paddle.to_tensor(np.concatenate([x1, x2])))
            losses = paddle.nn.functional.cosine_embedding_loss(
                *paddle.split(emb, 2), paddle.to_tensor(target), margin=MARGIN, reduction="none")
            loss = _rank_loss(losses.sum(), len(target), kind, 2 * len(b["xa"]), world)
            loss.backward()
            value = loss.detach().clone()
            dist.all_reduce(value)
            found[f"{shard}|{kind}|loss"] = value.item() / world
            found[f"{shard}|{kind}|grad"] = _flat_grad(inner, "paddle")
    np.savez(os.path.join(out, f"paddle{rank}.npz"), **found)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check(split: _data.Split, framework: str = "torch", world: int = 2) -> dict[str, Any]:
    """Run the cosine loss's training step on ``world`` CPU processes (gloo,
    127.0.0.1 only) and compare with one process on the whole batch.

    For each sharding in :data:`SHARDS` and each per-rank loss in
    :data:`RANK_LOSSES`, returns the loss averaged over the ranks, the global mean
    it should equal, and the largest difference between the gradient after the
    engine's all-reduce on rank 0 and the single-process gradient. PyTorch runs
    under ``DistributedDataParallel`` launched by ``torch.multiprocessing.spawn``;
    Paddle under ``paddle.DataParallel`` launched by ``paddle.distributed.spawn``.
    An engine that fails is reported as ``{"ok": False, "error": "<type>: <message>"}``.
    """
    import tempfile

    if framework not in ("torch", "paddle"):
        raise ValueError(f"check: `framework` must be 'torch' or 'paddle', but got {framework!r}.")
    b = batch(split)
    full_loss, full_grad = single_process(b, framework)
    with tempfile.TemporaryDirectory() as out:
        np.savez(os.path.join(out, "batch.npz"), xa=b["xa"], xp=b["xp"], xn=b["xn"])
        try:
            if framework == "torch":
                import torch.multiprocessing as mp

                mp.spawn(_torch_worker, args=(world, _free_port(), out), nprocs=world, join=True)
            else:
                from embedloss import import_paddle

                import_paddle().distributed.spawn(_paddle_worker, args=(out,), nprocs=world,
                                                  backend="gloo", ips="127.0.0.1")
            ranks = [dict(np.load(f"{out}/{framework}{r}.npz")) for r in range(world)]
        except Exception as error:  # reported, with its message, in the record
            message = " ".join(str(error).split())[:500]
            return {"ok": False, "error": f"{type(error).__name__}: {message}"}
    cases = []
    for shard, sizes in SHARDS.items():
        for kind in RANK_LOSSES:
            grads = [r[f"{shard}|{kind}|grad"].astype(np.float64) for r in ranks]
            cases.append({
                "shards": shard, "pairs_per_rank": [2 * s for s in sizes], "rank_loss": kind,
                "loss": float(ranks[0][f"{shard}|{kind}|loss"]), "global_mean": full_loss,
                "grad_max_abs_diff": float(np.abs(grads[0] - full_grad).max()),
                "grad_ranks_equal": bool(np.array_equal(grads[0], grads[1])),
            })
    return {"ok": True, "world_size": world, "grad_max_abs": float(np.abs(full_grad).max()),
            "cases": cases}
