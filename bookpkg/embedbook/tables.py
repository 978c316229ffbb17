"""Tables of what calls do: the frameworks chapter's pages run a call, and a row says
what happened (its exception, or its result)."""
from __future__ import annotations

import re
import sys

from embedloss.reference import as_float64

#: Build-specific parts of Paddle's messages: the C++ source file and line that raised,
#: ``(at /paddle/paddle/phi/...:220)``, and a trailing ``[Hint: ...]``.
NOISE = re.compile(r"\s*\(at [^()]*:\d+\)|\s*\[Hint:.*$")


def first_line(exc):
    """An exception's first line, without build-specific source locations (``NOISE``)."""
    lines = str(exc).strip().splitlines()
    return NOISE.sub("", lines[0]).strip() if lines else ""


def dtype_of(x):
    """A tensor's or array's dtype without its framework's prefix: ``float32``."""
    return str(x.dtype).replace("torch.", "").replace("paddle.", "")


def _describe(result, show):
    modules = tuple(m.nn.Module if name == "torch" else m.nn.Layer
                    for name in ("torch", "paddle") if (m := sys.modules.get(name)) is not None)
    if result is None:
        return "no error, returns None"
    if modules and isinstance(result, modules):
        return "accepted"
    if show == "shape":
        return f"ok, shape {tuple(result.shape)}"
    if show == "dtype":
        return f"ok, {dtype_of(result)}"
    v = as_float64(result)
    return f"returns {v.item():.4f}" if v.size == 1 else f"returns shape {v.shape}"


def outcome(call, show="value", kind_only=False):
    """Run ``call()`` and say what happened, for a table row: its exception's type (and,
    unless ``kind_only``, the first line of its message), ``accepted`` for a built
    module, or its result: the value to 4 decimals (``show="value"``), the shape
    (``"shape"``) or the dtype (``"dtype"``). Warnings are silenced."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except Exception as exc:  # every exception is a row of a table
        return type(exc).__name__ if kind_only else f"{type(exc).__name__}: {first_line(exc)}"
    return _describe(result, show)


def markdown_table(header, rows):
    """Display a Markdown table; Markdown punctuation in the cells is escaped."""
    from IPython.display import Markdown, display

    def cell(text):
        return re.sub(r"([\\`*_<>\[\]|#])", r"\\\1", str(text)).replace("\n", " ")

    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    display(Markdown("\n".join(lines)))


