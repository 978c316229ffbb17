"""Code shown in tabs, and run: the snippets of the front door, the quick start, the
cheat sheet and the page of common errors.

A snippet is a string of Python. :func:`run` executes it in a namespace (a notebook's
globals) and returns what a reader would see in a console: what it printed, the value
of its last line if that line is an expression (as the REPL shows it), or the
exception it raised, whole (:func:`message`). :func:`tabs` runs one snippet per
framework and displays them as one sphinx-design tab-set, each tab the code and its
output; the tabs are synchronised across the book (``:sync-group: framework``), so a
reader who picks "Paddle" once sees Paddle in every tab-set.

The code a reader sees is the code that ran, and nbval compares the displayed Markdown
(code and output together), so a snippet that stops printing what it printed fails
the check. A cell that calls :func:`tabs` is tagged ``remove-input`` and carries the
metadata ``{"mystnb": {"markdown_format": "myst"}}``, which makes MyST-NB parse its
Markdown output as MyST, where the ``tab-set`` directive exists.
"""
from __future__ import annotations

import ast
import contextlib
import io
import warnings
from typing import Any

from embedbook.tables import message
from embedbook.text import wrap

#: The tab label of each framework, and its key for synchronising tab-sets.
SYNC = {"PyTorch": "torch", "Paddle": "paddle", "embedloss": "embedloss", "NumPy": "numpy"}


class Result:
    """What running a snippet showed: ``text`` (printed output, then the last value or
    the exception), ``value`` (the last expression's value, else None) and
    ``error`` (the exception, else None)."""

    def __init__(self, text: str, value: Any = None, error: BaseException | None = None) -> None:
        self.text, self.value, self.error = text, value, error

    def __repr__(self) -> str:
        return self.text


def run(code: str, namespace: dict[str, Any] | None = None) -> Result:
    """Execute ``code`` in ``namespace`` (a fresh one if None); return a :class:`Result`.
    Warnings are not shown (a console prints them on stderr, with a path of the machine)."""
    namespace = {} if namespace is None else namespace
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out, value = io.StringIO(), None
    error: BaseException | None = None
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(compile(tree, "<snippet>", "exec"), namespace)
            if isinstance(last, ast.Expr):
                value = eval(compile(ast.Expression(last.value), "<snippet>", "eval"), namespace)
        except Exception as exc:  # shown to the reader, as a console shows it
            error = exc
    text = out.getvalue()
    if error is not None:
        text += message(error) + "\n"
    elif value is not None:
        text += repr(value) + "\n"
    return Result(text.rstrip("\n"), value, error)


def _fence(text: str, lang: str) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def tab_markdown(snippets: dict[str, str], namespaces: dict[str, dict[str, Any]] | None = None,
                 ) -> tuple[dict[str, Result], str]:
    """The MyST of one tab-set, and the results: ``({label: Result}, markdown)``.
    ``namespaces`` maps a label to the namespace its snippet runs in (default: a fresh
    one per snippet)."""
    results, parts = {}, ["::::{tab-set}", ":sync-group: framework", ""]
    for label, code in snippets.items():
        code = code.strip("\n")
        result = results[label] = run(code, (namespaces or {}).get(label))
        parts += [f":::{{tab-item}} {label}", f":sync: {SYNC.get(label, label.lower())}", "",
                  _fence(code, "python"), ""]
        if result.text:
            parts += [_fence(result.text, "text"), ""]
        parts.append(":::")
    parts.append("::::")
    return results, "\n".join(parts)


def tabs(snippets: dict[str, str], namespaces: dict[str, dict[str, Any]] | None = None) -> dict[str, Result]:
    """Run each snippet of ``{tab label: code}`` and display them as one synchronised
    tab-set. Each snippet runs in a fresh namespace of its own (it must stand alone, as
    a reader copies it), or in ``namespaces[label]`` where given (a page that keeps
    using what the snippet defined). Returns ``{label: Result}`` for the cell to
    assert on."""
    from IPython.display import Markdown, display

    results, markdown = tab_markdown(snippets, namespaces)
    display(Markdown(markdown))
    return results


# --- The data the porting rows and the error entries call with ------------------------

_DATA = '''
import math

import embedloss
import numpy as np
{imports}
a = T([[0.5, -1.0, 2.0], [1.0, 0.5, 0.0], [-0.3, 0.8, 0.4], [1.0, 1.0, 1.0]])
b = T([[1.0, -0.5, 1.5], [-1.0, 0.5, 0.3], [0.2, 1.0, -0.6], [2.0, 0.1, 0.9]])
y = T([1, -1, 1, -1])  # labels
y01 = T([1, 0, 1, 0])  # the same labels, written 0/1 (a mistake)
d = T([0.3, 1.5, 0.2, 0.8])  # distances, for the hinge loss
ah, bh, dh = {half}
tiny = T([[1e-6, 0.0]])  # a row of norm 1e-6


def zero_row_grad():  # norm of the gradient at a zero row
{grad}
'''
_IMPORTS = {
    "PyTorch": "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\nT = torch.tensor",
    "Paddle": "import paddle\nimport paddle.nn.functional as F\nfrom paddle import nn\n\nT = paddle.to_tensor",
}
_HALF = {"PyTorch": "a.half(), b.half(), d.half()",
         "Paddle": '(t.astype("float16") for t in (a, b, d))'}
_GRAD = {
    "PyTorch": "    z = torch.zeros(1, 3, requires_grad=True)\n"
               "    F.cosine_embedding_loss(z, b[:1], T([1])).backward()\n"
               "    return z.grad.norm()",
    "Paddle": "    z = paddle.zeros([1, 3])\n    z.stop_gradient = False\n"
              "    F.cosine_embedding_loss(z, b[:1], T([1])).backward()\n"
              "    return z.grad.norm()",
}


def porting_data() -> dict[str, str]:
    """``{"PyTorch": code, "Paddle": code}``: the same small batch in each framework,
    with ``F`` (its functional module), ``nn`` and ``T`` (its tensor constructor), as
    the cheat sheet's rows and the errors page's entries use them. Shown with
    :func:`tabs`, run into one namespace per framework."""
    return {k: _DATA.format(imports=_IMPORTS[k], half=_HALF[k], grad=_GRAD[k]).strip("\n") + "\n"
            for k in _IMPORTS}


def error_entry(namespace: dict[str, Any], code: str, phrase: str) -> None:
    """Run ``code``, which must raise, in ``namespace``; display the code and what the
    library printed (:func:`message`), wrapped to the code column at spaces
    (:func:`embedbook.text.wrap`: no word cut), and check that the message holds
    ``phrase``, the text of the entry's heading, so that a search for it lands on the
    entry. Returns nothing (the cell shows only the displayed code and message)."""
    from IPython.display import Markdown, display

    result = run(code, namespace)
    assert result.error is not None, f"{code!r} did not raise"
    assert phrase in message(result.error), (phrase, message(result.error))
    shown = wrap(result.text)
    assert " ".join(shown.split()) == " ".join(result.text.split())  # every word, whole
    display(Markdown(_fence(code, "python") + "\n\n" + _fence(shown, "text")))
