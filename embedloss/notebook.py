"""What the book's notebooks share: a quiet, deterministic setup, and re-execution.

In a notebook, the first code cell is::

    from embedloss.notebook import setup; setup()

Run as ``python -m embedloss.notebook execute NOTEBOOK...`` it re-executes notebooks
top to bottom in a fresh kernel and stores their outputs (``make notebooks``).
"""
from __future__ import annotations

import importlib.util
import os
import sys

from ._frameworks import import_paddle


def setup(*, threads=1):
    """Prepare a notebook so that its stored outputs are the same on every machine.

    - imports Paddle (if installed) without its import-time warning, its change of the
      root logger and its C++ log lines, none of which belong in a stored output;
    - limits PyTorch and Paddle to ``threads`` CPU threads, because a float32 sum can
      round differently when a different number of threads splits it;
    - makes matplotlib draw inline with the book's figure size;
    - shows an exception as its type and message only (``%xmode Minimal``): a full
      traceback names files by their absolute path on the machine that ran it.
    """
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    if importlib.util.find_spec("paddle") is not None:
        import_paddle()
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(threads)
    if importlib.util.find_spec("matplotlib") is not None:
        import matplotlib as mpl

        # An opaque white figure reads as a card on the site's dark theme too.
        mpl.rcParams.update({"figure.figsize": (6.4, 4.0), "figure.dpi": 100, "savefig.dpi": 100,
                             "figure.facecolor": "white", "savefig.facecolor": "white"})
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None:
        shell.InteractiveTB.set_mode(mode="Minimal")  # as %xmode Minimal, without its printout


def toc_entries(root="."):
    """The pages of the book's ``_toc.yml`` in its order, as written there (``book/intro``,
    ``book/quickstart``, ...): every ``root:`` and ``file:`` entry. The harness tests,
    the browser test and the book's reproducibility page all read the toc through this."""
    from pathlib import Path

    entries = []
    for line in (Path(root) / "_toc.yml").read_text(encoding="utf-8").splitlines():
        key, _, value = line.strip().lstrip("- ").partition(":")
        if key in ("root", "file") and value.strip():
            entries.append(value.strip())
    return entries


# Recorded in each notebook's metadata by `execute`; the book's reproducibility page reads them.
_RECORDED_VERSIONS = ("torch", "paddlepaddle", "numpy", "jupyter-book")


def _versions():
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in _RECORDED_VERSIONS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def execute(paths, timeout=600):
    """Re-run each notebook in a fresh kernel of this Python and write it back.

    Each notebook's metadata ``embedloss`` records what produced its outputs: the
    versions of Python, torch, paddlepaddle, numpy and jupyter-book, and the seconds
    the execution took. The book's reproducibility page is generated from them.
    """
    import time

    import nbformat
    from nbclient import NotebookClient

    versions = _versions()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
        seconds = time.perf_counter() - start
        nb.metadata["embedloss"] = {"execution": {"seconds": round(seconds, 1)}, "versions": versions}
        nbformat.write(nb, path)
        print(f"{path}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "execute":
        sys.exit("usage: python -m embedloss.notebook execute NOTEBOOK [NOTEBOOK ...]")
    execute(sys.argv[2:])
