"""Time of embedloss against the native losses, as ratios, in several runs.

For each framework (PyTorch, and Paddle when installed), each loss and each size
(8x16 and 4096x512 pairs, float32, CPU, reduction "mean", labels checked), it times
the forward pass and forward+backward. Each repeat times embedloss and the native
loss back to back, in alternating order, so drifts in machine load hit both alike;
a run's ratio is median(embedloss) / median(native). Each case is measured in
``--runs`` separate runs (default 3), all printed, and judged by their median.
Targets: <= 1.3 at 8x16, <= 1.10 at 4096x512.

    .venv/bin/python benchmarks/speed.py [--runs 3] [--repeats 30] [--threads 1] [--framework torch]
                                         [--sizes 8x16] [--clock cpu]

``--threads N`` sets the CPU threads of both frameworks (OMP/MKL before they are
imported, and torch.set_num_threads); 0 keeps each framework's default.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import embedloss

SIZES = {"8x16": ((8, 16), 1.3, 200), "4096x512": ((4096, 512), 1.10, 1)}  # shape, target, calls per timing


def _data(n, d):
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((n, d), dtype=np.float32), rng.standard_normal((n, d), dtype=np.float32)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0).astype(np.float32)
    dist = (rng.random((n, d)) * 2).astype(np.float32)  # the hinge loss of an n x d batch of distances
    y_dist = np.where(rng.random((n, d)) < 0.5, 1.0, -1.0).astype(np.float32)
    return x1, x2, y, dist, y_dist


def _torch_cases(n, d):
    import torch
    F = torch.nn.functional
    x1, x2, y, dist, y_dist = (torch.from_numpy(a) for a in _data(n, d))

    def leaf(t, grad):
        return t.detach().requires_grad_(True) if grad else t

    def run(fn, arrays, backward):
        out = fn(*[leaf(a, backward) for a in arrays[:-1]], arrays[-1])
        if backward:
            out.backward()

    return run, {
        "cosine": ((x1, x2, y), lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.2),
                   lambda a, b, t: F.cosine_embedding_loss(a, b, t, margin=0.2)),
        "hinge": ((dist, y_dist), lambda x, t: embedloss.hinge_embedding_loss(x, t, margin=1.0),
                  lambda x, t: F.hinge_embedding_loss(x, t, margin=1.0)),
    }


def _paddle_cases(n, d):
    paddle = embedloss.import_paddle()
    F = paddle.nn.functional
    x1, x2, y, dist, y_dist = (paddle.to_tensor(a) for a in _data(n, d))

    def run(fn, arrays, backward):
        leaves = [a.detach() for a in arrays[:-1]]
        for a in leaves:
            a.stop_gradient = not backward
        out = fn(*leaves, arrays[-1])
        if backward:
            out.backward()

    # eps=1e-11: Paddle's own eps, so both compute the same numbers
    return run, {
        "cosine": ((x1, x2, y), lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.2, eps=1e-11),
                   lambda a, b, t: F.cosine_embedding_loss(a, b, t, margin=0.2)),
        "hinge": ((dist, y_dist), lambda x, t: embedloss.hinge_embedding_loss(x, t, margin=1.0),
                  lambda x, t: F.hinge_embedding_loss(x, t, margin=1.0)),
    }


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = time.perf_counter


def _time(run, fn, arrays, backward, calls):
    start = _clock()
    for _ in range(calls):
        run(fn, arrays, backward)
    return (_clock() - start) / calls


def compare(run, arrays, ours, native, backward, calls, repeats):
    """(median ours, median native, ratio of medians, ratio of minima), interleaved."""
    for _ in range(3):
        _time(run, ours, arrays, backward, calls), _time(run, native, arrays, backward, calls)
    t_ours, t_native = [], []
    for i in range(repeats):
        pair = [(ours, t_ours), (native, t_native)]
        for fn, times in (pair if i % 2 == 0 else pair[::-1]):
            times.append(_time(run, fn, arrays, backward, calls))
    m_ours, m_native = statistics.median(t_ours), statistics.median(t_native)
    return m_ours, m_native, m_ours / m_native, min(t_ours) / min(t_native)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: each framework's default)")
    parser.add_argument("--framework", choices=["torch", "paddle", "both"], default="both")
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall",
                        help="wall (default) or cpu: this process's CPU time, less sensitive to other "
                             "processes on a shared machine")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    args = parser.parse_args(argv)
    global _clock
    _clock = CLOCKS[args.clock]
    if args.threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    frameworks = ["torch", "paddle"] if args.framework == "both" else [args.framework]
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{args.runs} runs of {args.repeats} interleaved repeats; ratio = median(embedloss) / median(native) "
          f"per run, {args.clock} clock; threads: {args.threads or 'default'} (torch {torch.get_num_threads()}); "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    over = []
    for framework in frameworks:
        if framework == "paddle":
            try:
                import paddle  # noqa: F401
            except ImportError:
                print("paddle: not installed, skipped")
                continue
        for size in args.sizes:
            shape, target, calls = SIZES[size]
            run, cases = (_torch_cases if framework == "torch" else _paddle_cases)(*shape)
            for name, (arrays, ours, native) in cases.items():
                for backward in (False, True):
                    results = [compare(run, arrays, ours, native, backward, calls, args.repeats)
                               for _ in range(args.runs)]
                    ratios = [r[2] for r in results]
                    ratio = statistics.median(ratios)
                    step = "fwd+bwd" if backward else "forward"
                    flag = "ok" if ratio <= target else "OVER"
                    print(f"{framework:<6} {size:<8} {name:<6} {step:<7} native {results[0][1] * 1e6:9.1f} us  "
                          f"ratios {' '.join(f'{r:5.2f}' for r in ratios)}  median {ratio:5.2f}  "
                          f"target <= {target:.2f} {flag}")
                    if ratio > target:
                        over.append(f"{framework} {size} {name} {step}")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("all within target" if not over else "over target: " + "; ".join(over))


if __name__ == "__main__":
    main()
