"""What the cosine embedding loss costs on the CPU: the record of the cost page.

    python tools/cost_study.py --json book/data/cost_study.json

For batches of N pairs of D-dimensional float32 rows (N from 8 to 65,536, D from 16
to 512; reduction "mean", margin 0.2, labels half 1, half -1), it times one
forward+backward pass of

- ``torch``: ``torch.nn.functional.cosine_embedding_loss``;
- ``embedloss``: ``embedloss.cosine_embedding_loss`` on torch tensors (PyTorch's own op
  after the checks);
- ``closed_form``: the same with ``closed_form=True`` (one autograd node, the
  closed-form gradient);
- ``paddle``: ``paddle.nn.functional.cosine_embedding_loss``;

and, in the same interleaved repeats, a floor: the bytes any forward+backward pass
must move, read both inputs once and write both gradients once (``x1.clone()`` and
``x2.clone()`` in torch). Each repeat runs every implementation once, in an order
that rotates, so drifts in the machine's load hit all alike; each time is the median
of the repeats, measured with this process's CPU clock (one thread: other processes
on a shared machine slow it less than the wall clock).

It then times one step of the training chapter's loop (``embedbook.training``: the
encoder's forward pass on 3 x 32 signals, the loss on 64 pairs of 16-dimensional
embeddings, backward, Adam) with each implementation, and the loss's
forward+backward alone on embeddings of that shape: the loss's share of a step.

The closed form's gradient is compared with float64 (embedloss's formula, eps 1e-12)
at each size, next to native PyTorch's: the largest error relative to the largest
gradient.

The record names the CPU, the threads, the versions, the date, the load average and
the run's time; ``tests/test_cost_record.py`` checks its shape and consistency.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bookpkg"))

from embedbook.kernel import setup  # noqa: E402
from embedbook.provenance import cpu_model  # noqa: E402

#: Batch sizes and dimensions of the grid.
BATCHES = (8, 64, 512, 4096, 65536)
DIMS = (16, 128, 512)
#: The implementations, in the record's order.
IMPLEMENTATIONS = {
    "torch": "torch.nn.functional.cosine_embedding_loss",
    "embedloss": "embedloss.cosine_embedding_loss (torch tensors)",
    "closed_form": "embedloss.cosine_embedding_loss(..., closed_form=True)",
    "paddle": "paddle.nn.functional.cosine_embedding_loss",
}
FLOOR = "x1.clone() and x2.clone(): both inputs read once, both gradients written once"
MARGIN = 0.2
#: Each timing lasts at least this long (CPU seconds): small sizes loop.
MIN_TIMING = 0.02


def environment() -> dict[str, object]:
    """Versions, CPU, vector ISA, threads, cores and date of this run."""
    import torch

    return {"python": platform.python_version(),
            **{name: version(name).split("+")[0] for name in ("torch", "paddlepaddle", "numpy", "embedloss")},
            "cpu": cpu_model(), "arch": platform.machine(), "cores": os.cpu_count(),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")}


def _pairs(n: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng([n, d])
    x1 = rng.standard_normal((n, d), dtype=np.float32)
    x2 = rng.standard_normal((n, d), dtype=np.float32)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0).astype(np.float32)
    return x1, x2, y


def _steps(n: int, d: int) -> dict[str, object]:
    """One callable per implementation (and the floor): a forward+backward pass."""
    import paddle
    import torch
    import torch.nn.functional as F

    import embedloss

    x1, x2, y = _pairs(n, d)
    a, b, t = torch.from_numpy(x1), torch.from_numpy(x2), torch.from_numpy(y)
    pa, pb, pt = paddle.to_tensor(x1), paddle.to_tensor(x2), paddle.to_tensor(y)

    def torch_step(loss):
        def step():
            u, v = a.detach().requires_grad_(), b.detach().requires_grad_()
            loss(u, v, t).backward()
        return step

    def paddle_step():
        u, v = pa.detach(), pb.detach()
        u.stop_gradient = v.stop_gradient = False
        paddle.nn.functional.cosine_embedding_loss(u, v, pt, margin=MARGIN).backward()

    return {
        "floor": lambda: (a.clone(), b.clone()),
        "torch": torch_step(lambda u, v, t: F.cosine_embedding_loss(u, v, t, margin=MARGIN)),
        "embedloss": torch_step(lambda u, v, t: embedloss.cosine_embedding_loss(u, v, t, margin=MARGIN)),
        "closed_form": torch_step(lambda u, v, t: embedloss.cosine_embedding_loss(u, v, t, margin=MARGIN,
                                                                                  closed_form=True)),
        "paddle": paddle_step,
    }


def interleaved(fns: dict[str, object], repeats: int) -> dict[str, float]:
    """Median CPU seconds per call of each function, timed in interleaved repeats."""
    clock = time.process_time
    calls = {}
    for name, fn in fns.items():  # warm up, and choose the calls per timing
        fn()
        start = clock()
        fn()
        calls[name] = max(1, int(MIN_TIMING / max(clock() - start, 1e-6)))
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, k = fns[name], calls[name]
            start = clock()
            for _ in range(k):
                fn()
            times[name].append((clock() - start) / k)
    return {name: statistics.median(ts) for name, ts in times.items()}


def gradient_errors(n: int, d: int) -> dict[str, float]:
    """Largest |gradient - float64 gradient| / largest |float64 gradient|, for native
    PyTorch and the closed form (float32), against embedloss's formula in float64."""
    import torch
    import torch.nn.functional as F

    import embedloss

    x1, x2, y = _pairs(n, d)
    grads = {}
    for name, dtype, loss in (
            ("float64", torch.float64, lambda u, v, t: embedloss.cosine_embedding_loss(u, v, t, margin=MARGIN)),
            ("torch", torch.float32, lambda u, v, t: F.cosine_embedding_loss(u, v, t, margin=MARGIN)),
            ("closed_form", torch.float32, lambda u, v, t: embedloss.cosine_embedding_loss(
                u, v, t, margin=MARGIN, closed_form=True))):
        u = torch.tensor(x1, dtype=dtype, requires_grad=True)
        v = torch.tensor(x2, dtype=dtype, requires_grad=True)
        loss(u, v, torch.tensor(y, dtype=dtype)).backward()
        grads[name] = torch.cat([u.grad, v.grad]).double()
    ref = grads.pop("float64")
    scale = float(ref.abs().max())
    return {name: float((g - ref).abs().max()) / scale for name, g in grads.items()}


def training_step(repeats: int) -> dict[str, object]:
    """One step of the training chapter's loop with each implementation, and the loss alone."""
    import torch
    import torch.nn.functional as F

    import embedloss
    from embedbook.training import data, model

    split = data.load()
    anchor, positive, negative = data.sample_steps(split.y_train, 0, 1)
    rows = np.concatenate([anchor[0], positive[0], negative[0, :, 0]])
    xt = torch.from_numpy(split.x_train[rows])
    batch = len(anchor[0])
    target = torch.cat([torch.ones(batch), -torch.ones(batch)])
    losses = {
        "torch": lambda u, v, t: F.cosine_embedding_loss(u, v, t, margin=0.75),
        "embedloss": lambda u, v, t: embedloss.cosine_embedding_loss(u, v, t, margin=0.75),
        "closed_form": lambda u, v, t: embedloss.cosine_embedding_loss(u, v, t, margin=0.75, closed_form=True),
    }
    net = model.torch_encoder(model.init_weights(0))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    with torch.no_grad():
        emb = net(xt)
    a0, p0, n0 = emb.split(batch)
    e1, e2 = torch.cat([a0, a0]), torch.cat([p0, n0])

    def step(loss):
        def run():
            a, p, n = net(xt).split(batch)
            value = loss(torch.cat([a, a]), torch.cat([p, n]), target)
            opt.zero_grad()
            value.backward()
            opt.step()
        return run

    def alone(loss):
        def run():
            loss(e1.detach().requires_grad_(), e2.detach().requires_grad_(), target).backward()
        return run

    fns = {f"step_{k}": step(f) for k, f in losses.items()} | {f"loss_{k}": alone(f) for k, f in losses.items()}
    t = interleaved(fns, repeats)
    return {"batch": batch, "pairs": 2 * batch, "dim": int(emb.shape[1]), "signals": int(len(rows)),
            "margin": 0.75, "optimizer": "Adam(lr=3e-3)",
            "step_seconds": {k: t[f"step_{k}"] for k in losses},
            "loss_seconds": {k: t[f"loss_{k}"] for k in losses},
            "share": {k: t[f"loss_{k}"] / t[f"step_{k}"] for k in losses}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--json", metavar="PATH", help="write the record to PATH")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats per size (default 7)")
    args = parser.parse_args(argv)
    setup()  # one thread per framework, Paddle's import noise silenced
    import embedloss

    embedloss.import_paddle()
    start, cpu_start, load_before = time.perf_counter(), time.process_time(), os.getloadavg()[0]
    sizes = []
    for d in DIMS:
        for n in BATCHES:
            fns = _steps(n, d)
            t = interleaved(fns, args.repeats if n * d < 2**24 else max(3, args.repeats // 2))
            floor = t.pop("floor")
            sizes.append({"n": n, "d": d, "bytes": 4 * n * d * 4, "floor_seconds": floor, "seconds": t,
                          "over_floor": {k: v / floor for k, v in t.items()},
                          "over_torch": {k: v / t["torch"] for k, v in t.items()},
                          "grad_error": gradient_errors(n, d) if n * d <= 2**21 else None})
            print(f"{time.perf_counter() - start:6.1f} s  {n:6d} x {d:3d}  floor {floor * 1e6:10.1f} us  "
                  + "  ".join(f"{k} {v / floor:7.1f}" for k, v in t.items()), flush=True)
            del fns
    step = training_step(args.repeats)
    print(f"{time.perf_counter() - start:6.1f} s  training step: share "
          + "  ".join(f"{k} {v:.3f}" for k, v in step["share"].items()), flush=True)
    record = {"command": " ".join(["python tools/cost_study.py", *(argv if argv is not None else sys.argv[1:])]),
              "environment": environment(),
              "seconds": round(time.perf_counter() - start, 1),
              "cpu_seconds": round(time.process_time() - cpu_start, 1),
              "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
              "clock": "process CPU time (time.process_time), median of interleaved repeats",
              "repeats": args.repeats, "dtype": "float32", "reduction": "mean", "margin": MARGIN,
              "batches": list(BATCHES), "dims": list(DIMS),
              "implementations": IMPLEMENTATIONS, "floor": FLOOR,
              "sizes": sizes, "training_step": step}
    print(f"done in {record['seconds']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
