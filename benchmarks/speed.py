"""Forward + backward time of embedloss against native PyTorch (CPU, float32).

N=4096 pairs of D=512 rows, reduction "mean". Each repeat times both implementations
back to back, in alternating order, so drifts in machine load hit both alike; the
ratio printed is median(embedloss) / median(native) from this one run. Target: <= 1.10.
On a shared machine the medians wander; the ratio of the fastest repeats, printed
beside it, is the less noisy cross-check.

    .venv/bin/python benchmarks/speed.py [--repeats 30] [--threads 0]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

import embedloss

N, D = 4096, 512


def cases():
    g = torch.Generator().manual_seed(0)
    x1 = torch.randn(N, D, generator=g)
    x2 = torch.randn(N, D, generator=g)
    y = torch.randint(0, 2, (N,), generator=g).float() * 2 - 1
    dist = torch.rand(N, generator=g) * 2
    return {
        "cosine": ((x1, x2, y), 2,
                   lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.2),
                   lambda a, b, t: F.cosine_embedding_loss(a, b, t, margin=0.2)),
        "hinge": ((dist, y), 1,
                  lambda x, t: embedloss.hinge_embedding_loss(x, t, margin=1.0),
                  lambda x, t: F.hinge_embedding_loss(x, t, margin=1.0)),
    }


def step(fn, args, n_grad):
    leaves = [a.detach().requires_grad_(True) for a in args[:n_grad]]
    start = time.perf_counter()
    fn(*leaves, *args[n_grad:]).backward()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), N={N}, D={D}, float32, "
          f"forward+backward, {args.repeats} interleaved repeats")
    worst = 0.0
    for name, (inputs, n_grad, ours, native) in cases().items():
        for _ in range(3):  # warm up both
            step(ours, inputs, n_grad), step(native, inputs, n_grad)
        t_ours, t_native = [], []
        for i in range(args.repeats):
            pair = [(ours, t_ours), (native, t_native)]
            for fn, times in (pair if i % 2 == 0 else pair[::-1]):
                times.append(step(fn, inputs, n_grad))
        m_ours, m_native = statistics.median(t_ours), statistics.median(t_native)
        ratio = m_ours / m_native
        worst = max(worst, ratio)
        print(f"{name:<7} embedloss {m_ours * 1e3:8.3f} ms   native {m_native * 1e3:8.3f} ms   "
              f"ratio {ratio:.3f}   (ratio of the fastest repeats {min(t_ours) / min(t_native):.3f})")
    print(f"worst ratio {worst:.3f} (target <= 1.10): {'ok' if worst <= 1.10 else 'OVER'}")


if __name__ == "__main__":
    main()
