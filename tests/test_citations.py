"""Every citation in the book has an entry in book/references.bib.

The pages cite with MyST's {cite} roles ({cite}`key`, {cite:p}`a,b`, ...), in Markdown
pages and in the Markdown cells of notebooks. A key without an entry would render as a
dangling citation (and warn in the strict build); this test names the page and the key.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from embedbook import toc

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {cite:ps}`a` ...
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
ENTRY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.M)


def bib_keys(text):
    return set(ENTRY.findall(text))


def cited_keys(markdown):
    return [key.strip() for group in CITE.findall(markdown) for key in group.split(",")]


def page_markdown(path):
    """The Markdown of a page: a .md file, or a notebook's Markdown cells."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def pages():
    found = []
    for entry in toc.toc_entries(ROOT):
        for suffix in (".ipynb", ".md"):
            if (ROOT / entry).with_suffix(suffix).exists():
                found.append((ROOT / entry).with_suffix(suffix))
    return found


def test_the_parsers_see_what_sphinx_sees():
    assert cited_keys("x {cite}`a` y {cite:p}`b, c` z {cite:t}`d`") == ["a", "b", "c", "d"]
    assert bib_keys("@misc{one,\n title={x}}\n@inproceedings{two-2,\n}") == {"one", "two-2"}


def test_the_bibliography_is_in_the_book():
    assert BIB.is_file()
    assert any("{bibliography}" in page_markdown(p) for p in pages()), \
        "no page of _toc.yml holds a {bibliography} directive"


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.name)
def test_every_citation_has_an_entry(path):
    keys = bib_keys(BIB.read_text(encoding="utf-8"))
    missing = sorted(set(cited_keys(page_markdown(path))) - keys)
    assert not missing, f"{path.name} cites keys with no entry in {BIB.name}: {missing}"


def test_a_missing_key_is_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("A fact {cite}`seed-tutorial,no-such-key`.", encoding="utf-8")
    keys = bib_keys(BIB.read_text(encoding="utf-8"))
    assert set(cited_keys(page_markdown(page))) - keys == {"no-such-key"}
