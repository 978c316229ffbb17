"""The tutorial's two seeded means on x86 and on an EMULATED ARM64 CPU (QEMU user mode).

    python tools/arm64_seed_means.py                      # this interpreter: JSON to stdout
    python tools/arm64_seed_means.py --record book/data/arm64_seed_means.json

Without ``--record`` the script computes the tutorial's example as written (seed 20, two
100x128 ``randn`` batches, labels ``2 * random_(2) - 1``; ``nn.CosineEmbeddingLoss`` and
``nn.HingeEmbeddingLoss`` on ``1 - cosine_similarity``, both with margin 0.2) under the
interpreter running it and prints one JSON object: the two means, the sums of the
per-pair losses, a SHA-256 of the per-pair float32 bytes, ``platform.machine()``, the
torch and numpy versions and the vector ISA torch dispatched to
(``torch.backends.cpu.get_cpu_capability()``).

With ``--record PATH`` it runs that computation once natively (``--native``, by default
this interpreter) and once for each pair of an emulated CPU model (``--qemu-cpu``) and an
aarch64 site directory holding torch and numpy (``--site``), as

    PYTHONPATH=SITE qemu-aarch64 -cpu CPU -L ROOT ROOT/usr/bin/python3.11 THIS_SCRIPT

and writes one JSON file with the command line, the date, the host CPU and one entry per
run. The ARM64 entries come from QEMU's emulation of an ARM64 CPU on an x86 host, NOT
from ARM64 hardware: QEMU executes the aarch64 instructions of PyPI's aarch64 wheels
exactly (float32 adds and multiplies round as IEEE 754 requires), so the order in which
torch sums, which depends on its vector width, is what the record shows; the timings are
the emulator's. How ROOT and the site directories were made (Debian's arm64 Python 3.11
unpacked with ``dpkg -x``; ``pip install --target`` with ``--platform`` flags) is told in
``book/data/README.md``. Only torch, numpy and the standard library are used.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time

TUTORIAL = {"cosine": 0.49418219923973083, "hinge": 0.4938560426235199}


def measure() -> dict:
    """The tutorial's two examples, each from its own ``manual_seed(20)``, as it wrote them."""
    import numpy
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(20)
    a = torch.randn(100, 128, requires_grad=True)
    b = torch.randn(100, 128, requires_grad=True)
    y = 2 * torch.empty(100).random_(2) - 1
    cosine = nn.CosineEmbeddingLoss(margin=0.2)(a, b, y).item()
    cos_pairs = F.cosine_embedding_loss(a, b, y, margin=0.2, reduction="none").detach()

    torch.manual_seed(20)
    a = torch.randn(100, 128, requires_grad=True)
    b = torch.randn(100, 128, requires_grad=True)
    x = 1 - torch.cosine_similarity(a, b)
    y = 2 * torch.empty(100).random_(2) - 1
    hinge = nn.HingeEmbeddingLoss(margin=0.2)(x, y).item()
    hinge_pairs = F.hinge_embedding_loss(x, y, margin=0.2, reduction="none").detach()

    def digest(t):
        return hashlib.sha256(t.contiguous().numpy().astype("<f4").tobytes()).hexdigest()

    return {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "cosine": cosine,
        "hinge": hinge,
        "cosine_none_sum": cos_pairs.sum().item(),
        "hinge_none_sum": hinge_pairs.sum().item(),
        "cosine_pairs_sha256": digest(cos_pairs),
        "hinge_pairs_sha256": digest(hinge_pairs),
        "cosine_is_tutorial": cosine == TUTORIAL["cosine"],
        "hinge_is_tutorial": hinge == TUTORIAL["hinge"],
    }


def host_cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_one(argv: list, env_extra: dict) -> tuple:
    """Run this script (no options) under ``argv``; return (its JSON, seconds)."""
    env = dict(os.environ, **env_extra)
    start = time.monotonic()
    proc = subprocess.run(argv + [os.path.abspath(__file__)], env=env, capture_output=True,
                          text=True, check=False)
    seconds = round(time.monotonic() - start, 2)
    # QEMU writes "TCG doesn't support requested feature" warnings to stderr: not results.
    if proc.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout), seconds


def record(args) -> dict:
    runs = []
    values, seconds = run_one([args.native], {})
    runs.append({"emulated": False, "interpreter": args.native, "seconds": seconds, **values})
    python = os.path.join(args.root, "usr/bin/python3.11")
    qemu_version = subprocess.run([args.qemu, "--version"], capture_output=True, text=True,
                                  check=True).stdout.splitlines()[0]
    for site in args.site:
        for cpu in args.qemu_cpu:
            argv = [args.qemu, "-cpu", cpu, "-L", args.root, python]
            values, seconds = run_one(argv, {"PYTHONPATH": site})
            runs.append({
                "emulated": True,
                "emulator": qemu_version,
                "qemu_cpu": cpu,
                "emulator_command": f"PYTHONPATH={site} {shlex.join(argv)} <script>",
                "seconds": seconds,
                **values,
            })
            print(f"{cpu:34} torch {values['torch']:10} {values['cpu_capability']:8} "
                  f"cosine {values['cosine']!r} hinge {values['hinge']!r} ({seconds} s)",
                  file=sys.stderr)
    return {
        "what": "The tutorial's seeded CosineEmbeddingLoss and HingeEmbeddingLoss means "
                "(torch.manual_seed(20), 100x128 randn pairs, margin 0.2) natively and on "
                "EMULATED ARM64 CPUs: qemu-aarch64 user mode on an x86 host, not ARM64 "
                "hardware.",
        "command": "python " + shlex.join(["tools/arm64_seed_means.py"] + sys.argv[1:]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host_cpu": host_cpu(),
        "host_machine": platform.machine(),
        "tutorial": TUTORIAL,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", metavar="PATH", help="run every configuration, write JSON")
    parser.add_argument("--native", default=sys.executable, help="native Python with torch")
    parser.add_argument("--qemu", default="qemu-aarch64", help="QEMU user-mode emulator")
    parser.add_argument("--root", default="/tmp/arm64/root",
                        help="arm64 root with usr/bin/python3.11 (qemu -L)")
    parser.add_argument("--site", action="append",
                        help="aarch64 site dir with torch+numpy, repeatable "
                             "(default: /tmp/arm64/site-torch*)")
    parser.add_argument("--qemu-cpu", action="append",
                        help="qemu -cpu model, repeatable (default: neoverse-n1, max, "
                             "max,sve-default-vector-length=32)")
    args = parser.parse_args()
    if not args.record:
        print(json.dumps(measure(), indent=1))
        return
    args.site = args.site or sorted(glob.glob("/tmp/arm64/site-torch*"))
    args.qemu_cpu = args.qemu_cpu or ["neoverse-n1", "max", "max,sve-default-vector-length=32"]
    report = record(args)
    with open(args.record, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
