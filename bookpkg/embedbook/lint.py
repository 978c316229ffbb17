"""Cells whose output nbval does not compare: each must still assert.

``python -m embedbook ignored NOTEBOOK...`` lists them and fails if one asserts nothing.
"""
from __future__ import annotations

import os
from collections.abc import Iterable

IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORE_COMMENTS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")


def ignored_cells(path: str | os.PathLike[str]) -> list[tuple[int, str, bool]]:
    """The code cells of a notebook whose output nbval does not compare, as
    ``(nbval's cell number, first source line, whether the cell asserts)``.

    A cell "asserts" when its code holds an ``assert`` or ``raise`` statement, or calls
    a function whose name starts with ``assert`` (``np.testing.assert_allclose``,
    ``torch.testing.assert_close``): an ignored output is acceptable only where the
    cell still checks what holds on every machine.
    """
    import ast
    import json

    found = []
    code = [c for c in json.loads(open(path, encoding="utf-8").read())["cells"]
            if c["cell_type"] == "code"]
    for number, cell in enumerate(code):
        source = "".join(cell["source"])
        tags = set(cell.get("metadata", {}).get("tags", []))
        if not (tags & IGNORE_TAGS or any(c in source for c in IGNORE_COMMENTS)):
            continue
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                            for line in source.splitlines())
        asserts = any(isinstance(node, (ast.Assert, ast.Raise)) or (
            isinstance(node, ast.Call) and
            getattr(node.func, "attr", getattr(node.func, "id", "")).startswith("assert"))
            for node in ast.walk(ast.parse(python)))
        found.append((number, source.strip().splitlines()[0] if source.strip() else "", asserts))
    return found


def list_ignored(paths: Iterable[str]) -> int:
    """Print every ignored cell of ``paths``; 1 when one asserts nothing, else 0."""
    bad = 0
    for path in paths:
        for number, first, asserts in ignored_cells(path):
            bad += not asserts
            verdict = "asserts" if asserts else "ASSERTS NOTHING"
            print(f"nbval ignores the output of {path}::Cell {number} ({verdict}): {first}")
    return 1 if bad else 0

