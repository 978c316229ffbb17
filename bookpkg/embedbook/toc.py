"""The book's table of contents, ``_toc.yml``, read in one place.

``python -m embedbook toc`` prints the notebooks it lists, one a line (the Makefile's
default ``NB``); the harness tests, the browser test and the reproducibility page call
:func:`toc_entries`.
"""
from __future__ import annotations

from pathlib import Path


def toc_entries(root: str | Path = ".") -> list[str]:
    """The pages of the book's ``_toc.yml`` in its order, as written there (``book/intro``,
    ``book/quickstart``, ...): every ``root:`` and ``file:`` entry. The harness tests,
    the browser test and the book's reproducibility page all read the toc through this."""
    entries = []
    for line in (Path(root) / "_toc.yml").read_text(encoding="utf-8").splitlines():
        key, _, value = line.strip().lstrip("- ").partition(":")
        if key in ("root", "file") and value.strip():
            entries.append(value.strip())
    return entries


def toc_notebooks(root: str | Path = ".") -> list[str]:
    """The notebooks of the table of contents, in its order (``book/intro.ipynb`` is
    listed only if it exists: a Markdown page is not a notebook)."""
    return [f"{e}.ipynb" for e in toc_entries(root) if (Path(root) / f"{e}.ipynb").is_file()]
