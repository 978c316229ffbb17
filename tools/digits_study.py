"""The digits training study of the chapter "The losses at work", in full.

    python tools/digits_study.py --json book/data/digits_study.json

Trains the encoder of :mod:`embedbook.digits` with every loss for every seed, sweeps
the cosine margin, mines hard negatives, repeats the runs in Paddle, and runs the
distributed check on two CPU processes (PyTorch DDP and Paddle DataParallel, gloo,
127.0.0.1). Writes the record (with the command, the environment, the CPU and the
date) that the chapter renders; ``tests/test_digits_study.py`` re-runs this script
and checks the record against the fresh run within stated tolerances.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedbook import digits  # noqa: E402
from embedbook.kernel import setup  # noqa: E402
from embedbook.provenance import cpu_model  # noqa: E402


def environment():
    """Versions, CPU, vector ISA, threads and date of this run."""
    import torch

    return {"python": platform.python_version(),
            **{name: version(name).split("+")[0] for name in
               ("torch", "paddlepaddle", "numpy", "scikit-learn")},
            "cpu": cpu_model(), "arch": platform.machine(),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", metavar="PATH", help="write the record to PATH")
    args = parser.parse_args(argv)
    setup()  # one thread per framework, Paddle's import noise silenced
    start = time.perf_counter()
    record = digits.study(progress=lambda what: print(
        f"{time.perf_counter() - start:5.1f} s  {what}", flush=True))
    seconds = time.perf_counter() - start
    record = {"command": " ".join(["python tools/digits_study.py",
                                   *(argv if argv is not None else sys.argv[1:])]),
              "environment": environment(), "seconds": round(seconds, 1), **record}
    print(f"done in {seconds:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
