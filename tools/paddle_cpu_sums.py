"""Record Paddle's float32 row sums of the seed tutorial's data on two CPUs: this
machine's, and an emulated Haswell (QEMU user mode, `qemu-x86_64 -cpu Haswell-v4`:
AVX2 without AVX-512), and write them to book/data/paddle_cpu_sums.json.

    .venv/bin/python tools/paddle_cpu_sums.py

The appendix on float32 sums (book/appendix_float32.ipynb) renders the record: it shows
that Paddle's sums, unlike PyTorch's, depend on the CPU. Needs Debian's `qemu-user`
(about a minute under emulation). Each run prints one JSON object: the dot products
a_i . b_i, the squared norms |a_i|^2, the per-pair cosine losses (margin 0.2) and their
mean, all as Paddle computes them in float32, and the same dot products and squared
norms as PyTorch computes them.
"""
from __future__ import annotations

import datetime
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "book" / "data" / "paddle_cpu_sums.json"
EMULATED_CPU = "Haswell-v4"

CHILD = r"""
import json
from embedbook.kernel import setup
setup()
import numpy as np, paddle, torch
from embedbook.provenance import cpu_model
torch.manual_seed(20)
a = torch.randn(100, 128)
b = torch.randn(100, 128)
y = 2 * torch.empty(100).random_(2) - 1
A, B, Y = (t.numpy() for t in (a, b, y))
pa, pb, py = (paddle.to_tensor(v) for v in (A, B, Y))
losses = paddle.nn.functional.cosine_embedding_loss(pa, pb, py, margin=0.2,
                                                    reduction="none")
print(json.dumps({
    "cpu": cpu_model(),
    "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
    "paddle": paddle.__version__, "torch": torch.__version__.split("+")[0],
    "paddle_dot": (pa * pb).sum(-1).numpy().tolist(),
    "paddle_sq": paddle.square(pa).sum(-1).numpy().tolist(),
    "paddle_losses": losses.numpy().tolist(),
    "paddle_mean": float(losses.mean()),
    "torch_dot": (a * b).sum(1).numpy().tolist(),
    "torch_sq": (a * a).sum(1).numpy().tolist(),
}))
"""


def run(prefix):
    out = subprocess.run([*prefix, sys.executable, "-c", CHILD], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        sys.exit("qemu-x86_64 not found: apt-get install qemu-user")
    runs = []
    for prefix, emulated in (([], False), ([qemu, "-cpu", EMULATED_CPU], True)):
        record = run(prefix)
        record["emulated"] = emulated
        if emulated:
            record["cpu"] = f"{EMULATED_CPU} (emulated by QEMU on {runs[0]['cpu']})"
        runs.append(record)
    OUT.write_text(json.dumps({
        "what": "Paddle's and PyTorch's float32 row sums of the seed tutorial's data "
                "(torch.manual_seed(20), a, b = randn(100, 128)), natively and on an "
                "emulated CPU; written by tools/paddle_cpu_sums.py",
        "date": datetime.date.today().isoformat(), "machine": platform.machine(),
        "runs": runs}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
