"""The chapter's two training loops: code cells of ``book/training.ipynb``, copied into
``loop_torch.py`` and ``loop_paddle.py`` (which the study's live slice imports).

The cells are the one source. Each is marked in its metadata with the module it
becomes (``{"embedbook": {"module": "embedbook/training/loop_torch.py"}}``); a module
is its docstring, then the cell's code. After editing a loop cell, rewrite the
modules with ``python -m embedbook.training.loops``; ``tests/test_training.py`` fails
while a module and its cell differ.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # bookpkg/embedbook
NOTEBOOK = PACKAGE.parents[1] / "book" / "training.ipynb"
DOCSTRINGS = {
    "embedbook/training/loop_torch.py":
        "Embeddings of MNIST-1D with CosineEmbeddingLoss: a whole loop in PyTorch.",
    "embedbook/training/loop_paddle.py":
        "Embeddings of MNIST-1D with CosineEmbeddingLoss: a whole loop in Paddle.",
}


def cells(notebook: Path = NOTEBOOK) -> dict[str, str]:
    """The loop cells of ``notebook``: module path (under bookpkg/) -> cell code."""
    found: dict[str, str] = {}
    for cell in json.loads(Path(notebook).read_text())["cells"]:
        module = cell.get("metadata", {}).get("embedbook", {}).get("module")
        if module is not None:
            if cell["cell_type"] != "code" or module in found or module not in DOCSTRINGS:
                raise ValueError(f"{notebook}: the cell marked module={module!r} must be one "
                                 f"code cell, for one of {sorted(DOCSTRINGS)}")
            found[module] = "".join(cell["source"])
    missing = set(DOCSTRINGS) - set(found)
    if missing:
        raise ValueError(f"{notebook}: no cell marked for {sorted(missing)}")
    return found


def modules(notebook: Path = NOTEBOOK) -> dict[Path, str]:
    """What each module's file must hold: its docstring, then its cell's code."""
    return {PACKAGE.parent / module: f'"""{DOCSTRINGS[module]}"""\n{code.rstrip()}\n'
            for module, code in cells(notebook).items()}


def main() -> int:
    for path, text in modules().items():
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(PACKAGE.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
