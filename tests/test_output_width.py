"""No output line a reader sees is wider than the book's code column (79 characters).

The fast twin of the browser test's check (tests/sitecheck.py, "output line wider than
the column"): it reads the stored notebooks, without a build or a browser. What counts
is what the built page shows of a code cell's output: printed text and errors, the
plain-text form of a value that has no richer form, and the code blocks inside a
Markdown output (the errors page's messages, the tabs of the quick start). Glued values,
tables and figures are not lines of text; cells whose output is removed are not shown.
Wrap a long line with ``embedbook.text.wrap`` or ``print_wrapped`` (words kept whole).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from embedbook import toc
from embedbook.text import COLUMN

ROOT = Path(__file__).resolve().parents[1]
#: Forms that myst-nb renders in place of text/plain (its HTML priority list).
RICHER = ("text/html", "image/png", "image/jpeg", "image/svg+xml", "text/markdown", "text/latex")
REMOVED = {"remove-output", "remove-cell"}
FENCE = re.compile(r"^(`{3,}|~{3,})")


def _fenced_lines(markdown):
    """The lines inside the code fences of a Markdown text (the rest renders as prose,
    tables or directives, which wrap)."""
    lines, fence = [], None
    for line in markdown.splitlines():
        match = FENCE.match(line.strip())
        if fence is None:
            if match:
                fence = match.group(1)
        elif line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
            fence = None
        else:
            lines.append(line)
    return lines


def _shown_lines(output):
    kind = output["output_type"]
    if kind == "stream":
        return "".join(output["text"]).splitlines()
    if kind == "error":
        return [f"{output['ename']}: {output['evalue']}"]
    data = output.get("data", {})
    if "text/markdown" in data:
        return _fenced_lines("".join(data["text/markdown"]))
    if "text/plain" in data and not any(k in data for k in RICHER):
        return "".join(data["text/plain"]).splitlines()
    return []


def wide_output_lines(notebook, width=COLUMN):
    """[(cell index, line length, line)] for every shown output line over ``width``."""
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code" or REMOVED & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            found += [(index, len(line), line) for line in _shown_lines(output) if len(line) > width]
    return found


def _report(wide):
    return "\n".join(f"  cell {i}: {n} characters: {line[:100]!r}" for i, n, line in wide)


@pytest.mark.parametrize("path", toc.toc_notebooks(ROOT), ids=lambda p: Path(p).name)
def test_no_output_line_is_wider_than_the_column(path):
    wide = wide_output_lines(json.loads((ROOT / path).read_text(encoding="utf-8")))
    assert not wide, (f"{path}: output lines wider than {COLUMN} characters (wrap them with "
                      f"embedbook.text.wrap or print_wrapped):\n{_report(wide)}")


def test_a_wide_line_is_caught():
    long = "ValueError: " + "word " * 20
    fenced = f"```python\nF(a, b)\n```\n\n```text\n{long}\n```\n| {'x' * 90} |\n"
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["short\n", long + "\n"]}]},
        {"cell_type": "code", "metadata": {}, "outputs": [
            {"output_type": "display_data", "data": {"text/markdown": fenced, "text/plain": "<M>"}}]},
        {"cell_type": "code", "metadata": {}, "outputs": [
            {"output_type": "execute_result", "data": {"text/plain": long}}]},
        {"cell_type": "code", "metadata": {}, "outputs": [  # a figure: its text/plain is not shown
            {"output_type": "display_data", "data": {"image/png": "", "text/plain": long}}]},
        {"cell_type": "code", "metadata": {"tags": ["remove-output"]}, "outputs": [
            {"output_type": "stream", "name": "stdout", "text": long}]},
        {"cell_type": "markdown", "metadata": {}, "source": long},
    ]
    wide = wide_output_lines({"cells": cells})
    assert [(i, n) for i, n, _ in wide] == [(0, len(long)), (1, len(long)), (2, len(long))], wide
    assert wide_output_lines({"cells": cells[3:]}) == []
    from embedbook.text import wrap

    wrapped = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [
        {"output_type": "stream", "name": "stdout", "text": wrap(long)}]}]}
    assert wide_output_lines(wrapped) == []
