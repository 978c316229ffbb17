"""The training study of the chapter "The losses at work", in full.

    python tools/training_study.py --json book/data/training_study.json

Trains the encoder of :mod:`embedbook.training` on MNIST-1D with every loss, every
margin of its grid and every seed, chooses each loss's margin on the validation
split, evaluates the test split once with those margins, repeats the cosine loss
with hard negatives and in Paddle, runs the class-disjoint check, the chapter's two
loops on their live slice, and the distributed check on two CPU processes (PyTorch
DDP and Paddle DataParallel, gloo, 127.0.0.1). Writes the record (with the command,
the environment, the CPU, the load, the date, and the wall and CPU time) that the
chapter renders; ``tests/test_training_study.py`` re-runs this script, asserts every
claim of the chapter (``embedbook.training.claims``) on the fresh run, and compares its
numbers with the record's within bounds derived from the spread between seeds (another
CPU's kernels round differently, and training amplifies the difference).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedbook.kernel import setup  # noqa: E402
from embedbook.provenance import cpu_model  # noqa: E402
from embedbook.training import study  # noqa: E402


def environment() -> dict[str, object]:
    """Versions, CPU, vector ISA, threads, cores and date of this run."""
    import torch

    return {"python": platform.python_version(),
            **{name: version(name).split("+")[0] for name in
               ("torch", "paddlepaddle", "numpy", "scikit-learn", "mnist1d")},
            "cpu": cpu_model(), "arch": platform.machine(), "cores": os.cpu_count(),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--json", metavar="PATH", help="write the record to PATH")
    args = parser.parse_args(argv)
    setup()  # one thread per framework, Paddle's import noise silenced
    start, load_before = time.perf_counter(), os.getloadavg()[0]
    record, seconds, cpu = study.timed(lambda: study.study(progress=lambda what: print(
        f"{time.perf_counter() - start:5.1f} s  {what}", flush=True)))
    record = {"command": " ".join(["python tools/training_study.py",
                                   *(argv if argv is not None else sys.argv[1:])]),
              "environment": environment(), "seconds": round(seconds, 1),
              "cpu_seconds": round(cpu, 1),
              "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)], **record}
    print(f"done in {seconds:.0f} s (this process's CPU time {cpu:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
