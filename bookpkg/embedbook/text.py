"""Text that fits the page's code column: long lines (error messages, above all) wrapped
at word boundaries, each word kept whole, so a message stays complete and searchable."""
from __future__ import annotations

import textwrap

#: The width of the book's code column, in characters (book/ruff.toml uses the same).
COLUMN = 79


def wrap(text: str, width: int = COLUMN, indent: str = "    ") -> str:
    """``text`` with every line longer than ``width`` broken at spaces; continuation
    lines start with ``indent``. Words are never split (a word longer than the column
    stays on a line of its own), so searching the output for a phrase of the message
    still finds it, across at most a line break.

    >>> print(wrap("ValueError: " + "word " * 20, width=40))
    ValueError: word word word word word
        word word word word word word word
        word word word word word word word
        word
    """
    out = []
    for line in text.splitlines() or [""]:
        if len(line) <= width:
            out.append(line)
            continue
        out.extend(textwrap.wrap(line, width=width, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


def print_wrapped(text: object, width: int = COLUMN) -> None:
    """Print ``str(text)`` wrapped to the column (:func:`wrap`)."""
    print(wrap(str(text), width))
