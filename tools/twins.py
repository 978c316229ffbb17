"""Run the other libraries' twins of the two losses, and the deployment matrix, in side
venvs; write ``book/data/twins.json``.

None of these libraries joins the book's environment. Run with the book's Python:

    python tools/twins.py                  # build the side venvs if needed, run, write
    python tools/twins.py --build-only     # only the venvs

Each group gets its own venv under ``.venv-twins/<group>/`` (git-ignored), created by
``python3.11 -m venv`` and filled with the exact pins of ``GROUPS`` and, after the first
resolve, ``tools/twins_constraints/<group>.txt`` (the whole ``pip freeze`` of that venv:
every transitive version is pinned from then on). torch is always ``torch==2.13.0``,
the CPU wheel on this machine's disk. In each venv ``tools/twins_probe.py`` computes
every library's value on the seed tutorial's data (drawn here with
``torch.manual_seed(20)`` and handed over as a ``.npz``), runs the conversions and the
exported graphs; this process then recomputes ``embedloss.reference`` and asserts each
conversion equal to ``CosineEmbeddingLoss`` before writing the record.
``tests/test_twins.py`` re-checks the record without the side venvs.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / ".venv-twins"
CONSTRAINTS = ROOT / "tools" / "twins_constraints"
RECORD = ROOT / "book" / "data" / "twins.json"
PROBE = ROOT / "tools" / "twins_probe.py"

#: group -> exact pins of what it installs (transitive pins: tools/twins_constraints).
GROUPS: dict[str, list[str]] = {
    "torch": ["torch==2.13.0", "pytorch-metric-learning==2.9.0",
              "sentence-transformers==6.2.0", "onnx==1.23.2", "onnxruntime==1.31.1",
              "onnxscript==0.7.2"],
    "jax": ["jax==0.10.2", "jaxlib==0.10.2", "optax==0.2.8", "keras==3.15.1"],
    "mindspore": ["mindspore==2.10.0", "numpy==1.26.4"],
    "mxnet": ["mxnet==1.9.1", "numpy==1.23.5"],
    "paddle": ["paddlepaddle==3.3.1", "paddle2onnx==2.1.0", "onnxruntime==1.31.1"],
}
#: Seed tutorial: CosineEmbeddingLoss(margin=0.2), and the hinge on 1 - cos, margin 0.2.
MARGIN = 0.2


def _python(group: str) -> Path:
    return VENVS / group / "bin" / "python"


def _dir_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return round(total / 2**20, 1)


def build(group: str) -> dict:
    """Create the group's venv (if absent) with its pins; return what it cost."""
    venv = VENVS / group
    start = time.monotonic()
    built = False
    if not _python(group).exists():
        built = True
        subprocess.run([shutil.which("python3.11") or "python3.11", "-m", "venv", str(venv)],
                       check=True)
        cmd = [str(_python(group)), "-m", "pip", "install", "--quiet", *GROUPS[group]]
        pinned = CONSTRAINTS / f"{group}.txt"
        if pinned.exists():
            cmd += ["-c", str(pinned)]
        log = subprocess.run(cmd, capture_output=True, text=True)
        if log.returncode != 0:
            shutil.rmtree(venv)
            return {"installed": False, "seconds": round(time.monotonic() - start, 1),
                    "error": log.stderr.strip().splitlines()[-3:]}
    freeze = subprocess.run([str(_python(group)), "-m", "pip", "freeze"], check=True,
                            capture_output=True, text=True).stdout
    CONSTRAINTS.mkdir(exist_ok=True)
    pinned = CONSTRAINTS / f"{group}.txt"
    if not pinned.exists():
        pinned.write_text(f"# pip freeze of .venv-twins/{group} (tools/twins.py)\n" + freeze)
    return {"installed": True, "built_now": built,
            "seconds": round(time.monotonic() - start, 1), "size_mb": _dir_mb(venv),
            "freeze": freeze.split()}


def seed_data(path: Path) -> None:
    """The seed tutorial's a, b, y (torch.manual_seed(20)), saved for the probes."""
    import numpy as np
    import torch

    torch.manual_seed(20)
    a = torch.randn(100, 128)
    b = torch.randn(100, 128)
    y = 2 * torch.empty(100).random_(2) - 1
    np.savez(path, a=a.numpy(), b=b.numpy(), y=y.numpy())


def probe(group: str, data: Path, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KERAS_BACKEND="jax",
               GLOG_minloglevel="2", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="")
    start = time.monotonic()
    run = subprocess.run([str(_python(group)), str(PROBE), group, str(data), str(out)],
                         capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    seconds = round(time.monotonic() - start, 1)
    if run.returncode != 0 or not out.exists():
        raise RuntimeError(f"probe {group} failed:\n{run.stdout}\n{run.stderr}")
    result = json.loads(out.read_text())
    result["seconds"] = seconds
    return result


#: float32 results of a mean over 100 pairs against the float64 reference
TOLERANCE = 1e-6


def check(rows: list[dict], references: dict[str, float]) -> None:
    """Every conversion the probes ran equals the reference value of its loss
    (``CosineEmbeddingLoss``, or for a hinge twin ``HingeEmbeddingLoss`` on 1 - cos)."""
    for row in rows:
        if row.get("converted") is not None:
            ref = references[row["reference"]]
            row["converted_equal"] = abs(row["converted"] - ref) <= TOLERANCE
            assert row["converted_equal"], (row["library"], row["api"], row["converted"], ref)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--groups", nargs="*", default=list(GROUPS))
    parser.add_argument("--record", type=Path, default=RECORD)
    args = parser.parse_args()
    start = time.monotonic()
    VENVS.mkdir(exist_ok=True)
    builds = {g: build(g) for g in args.groups}
    print(json.dumps({g: {k: v for k, v in b.items() if k != "freeze"}
                      for g, b in builds.items()}, indent=1))
    if args.build_only:
        return
    sys.path[:0] = [str(ROOT)]
    import numpy as np
    import torch

    from embedloss import reference

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "seed.npz"
        seed_data(data)
        arrays = np.load(data)
        ref_cos = float(reference.cosine_embedding_loss(
            arrays["a"], arrays["b"], arrays["y"], margin=MARGIN))
        cos = (arrays["a"].astype(np.float64) * arrays["b"]).sum(1) / (
            np.linalg.norm(arrays["a"].astype(np.float64), axis=1)
            * np.linalg.norm(arrays["b"].astype(np.float64), axis=1))
        ref_hinge = float(reference.hinge_embedding_loss(1 - cos, arrays["y"], margin=MARGIN))
        results = {}
        for g in args.groups:
            if builds[g]["installed"]:
                results[g] = probe(g, data, Path(tmp) / f"{g}.json")
    rows = [row for g in results for row in results[g]["rows"]]
    check(rows, {"cosine": ref_cos, "hinge": ref_hinge})
    record = {
        "command": "python tools/twins.py",
        "environment": {
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "machine": platform.machine(), "python": platform.python_version(),
            "book_torch": torch.__version__.split("+")[0],
            "cpu": _cpu_name(),
        },
        "tolerance": TOLERANCE,
        "seed": {"data": "torch.manual_seed(20); a, b = randn(100, 128); "
                         "y = 2 * empty(100).random_(2) - 1",
                 "margin": MARGIN, "reference_cosine": ref_cos,
                 "reference_hinge_on_distance": ref_hinge},
        "groups": {g: {**{k: v for k, v in builds[g].items() if k != "built_now"},
                       **({"versions": results[g]["versions"],
                           "probe_seconds": results[g]["seconds"]} if g in results else {})}
                   for g in args.groups},
        "rows": rows,
        "deployment": [d for g in results for d in results[g].get("deployment", [])],
        "seconds": round(time.monotonic() - start, 1),
    }
    args.record.write_text(json.dumps(record, indent=1, sort_keys=False) + "\n")
    print(f"wrote {args.record.relative_to(ROOT)}: {len(rows)} rows, "
          f"{len(record['deployment'])} deployment cells, {record['seconds']} s")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
