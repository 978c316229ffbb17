"""Run the book's CUDA cells on a machine that has a GPU but no Jupyter or Paddle.

    python tools/gpu_cells.py book/cosine.ipynb book/hinge.ipynb ...

Executes each notebook's code cells in order in one namespace (matplotlib on Agg,
``myst_nb.glue`` and ``IPython.display`` stubbed), carries on past cells that need
Paddle, and reports every cell that mentions ``cuda``: its output, or its exception.
Exits 1 if a CUDA cell failed. This is how the GPU paths were exercised on the
accelerator machine, where the notebooks themselves cannot run.
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback
import types

import matplotlib

matplotlib.use("Agg")


def _stub(name, **attrs):
    if name in sys.modules:
        return
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module


def main(paths):
    _stub("myst_nb", glue=lambda *a, **k: None)
    _stub("IPython", version_info=(0,), get_ipython=lambda: None)
    _stub("IPython.display", display=print, Markdown=str, HTML=str, Image=lambda *a, **k: None)
    failed = 0
    for path in paths:
        cells = [c for c in json.load(open(path))["cells"] if c["cell_type"] == "code"]
        namespace = {"__name__": "__main__"}
        skipped = 0
        for i, cell in enumerate(cells, 1):
            source = "".join(cell["source"])
            source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            tags = set(cell.get("metadata", {}).get("tags", []))
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(source, f"{path}[{i}]", "exec"), namespace)
                error = None
            except Exception as exc:  # noqa: BLE001 - reported below
                error = exc
            if "cuda" not in source:
                if error is not None and "raises-exception" not in tags:
                    skipped += 1
                    print(f"(cell {i} did not run here: {type(error).__name__}: {str(error)[:80]})")
                continue
            print(f"=== {path} code cell {i}")
            print(out.getvalue().rstrip())
            if error is not None:
                failed += 1
                print("FAILED:", "".join(traceback.format_exception_only(type(error), error)).strip())
        print(f"=== {path}: {skipped} non-CUDA cells could not run here (Paddle or Jupyter missing)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
