"""Tables of what calls do, the book's one helper for them: a page runs a call, and a
row says in words what happened (``raised ValueError``, ``returned float16``,
``returned 0.2488``); :func:`markdown_table` displays the rows as one table. The
cheat sheet, the porting guide, the differences pages and the hinge chapter use these,
and no page defines its own."""
from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from embedloss.reference import as_float64

#: Build-specific parts of Paddle's messages: the C++ source file and line that raised,
#: ``(at /paddle/paddle/phi/...:220)``, and a trailing ``[Hint: ...]``.
NOISE = re.compile(r"\s*\(at [^()]*:\d+\)|\s*\[Hint:.*$")


# Paddle appends a C++ summary to some messages; a reader's build prints another one.
_PADDLE_TAIL = re.compile(r"\n\s*-{5,}.*", re.S)


def message(exc: BaseException) -> str:
    """An exception as a console prints its last line, ``TypeError: ...``, whole: every
    line of its message, less what depends on how Paddle was built (``NOISE``: the C++
    file and line that raised, a trailing ``[Hint: ...]``, a C++ summary)."""
    text = _PADDLE_TAIL.sub("", str(exc)).strip()
    lines = [NOISE.sub("", line).rstrip() for line in text.splitlines()]
    return f"{type(exc).__name__}: " + "\n".join(line for line in lines if line.strip())


def dtype_of(x: Any) -> str:
    """A tensor's or array's dtype without its framework's prefix: ``float32``."""
    return str(x.dtype).replace("torch.", "").replace("paddle.", "")


def _describe(result: Any, show: str, fmt: str = ".4f") -> str:
    modules = tuple(m.nn.Module if name == "torch" else m.nn.Layer
                    for name in ("torch", "paddle") if (m := sys.modules.get(name)) is not None)
    if result is None:
        return "returned None"
    if modules and isinstance(result, modules):
        return "accepted"
    if show == "shape":
        return f"returned shape {tuple(result.shape)}"
    if show == "dtype":
        return f"returned {dtype_of(result)}"
    v = as_float64(result)
    return f"returned {v.item():{fmt}}" if v.size == 1 else f"returned shape {v.shape}"


def outcome(call: Callable[[], Any], show: str = "value", kind_only: bool = False, fmt: str = ".4f") -> str:
    """Run ``call()`` and say in words what happened, for a table row:
    ``raised ValueError`` (with ``kind_only``), else the exception whole
    (:func:`message`); ``accepted`` for a built module; or what it returned: the value to
    4 decimals (``show="value"``, or the format ``fmt``), the shape (``"shape"``) or
    the dtype (``"dtype"``). Warnings are silenced."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except Exception as exc:  # every exception is a row of a table
        return f"raised {type(exc).__name__}" if kind_only else message(exc)
    return _describe(result, show, fmt)


class Code(str):
    """A table cell's text to show as inline code (``markdown_table`` keeps it as is)."""


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Display a Markdown table, as one output. Markdown punctuation in the cells is
    escaped, except in :class:`Code` parts; a cell may be a list of parts (text and
    :class:`Code`), shown one after another."""
    from IPython.display import Markdown, display

    def part(text: Any) -> str:
        if isinstance(text, Code):
            return "`" + str(text).replace("|", "\\|").replace("\n", " ") + "`"
        return re.sub(r"([\\`*_<>\[\]|#])", r"\\\1", str(text)).replace("\n", " ")

    def cell(value: Any) -> str:
        return "".join(part(p) for p in value) if isinstance(value, list) else part(value)

    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    display(Markdown("\n".join(lines)))


