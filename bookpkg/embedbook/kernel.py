"""Kernel set-up and version printing: the first cells of every notebook.

In a notebook, the first code cell is::

    from embedbook.kernel import setup; setup()
"""
from __future__ import annotations

import importlib.util
import os
import sys

from embedloss import import_paddle


def setup(*, threads: int = 1) -> None:
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


def print_versions() -> None:
    """Print the versions of torch, Paddle and NumPy that a notebook runs with.

    Only the public version is printed (``2.13.0``, not ``2.13.0+cpu``): the local
    tag names the build (CPU, CUDA 12.6, ...), which differs between readers' machines
    and changes no output of this book. The full versions, with the build, are
    recorded in each notebook's metadata by :func:`execute`.
    """
    for label, name in (("torch ", "torch"), ("paddle", "paddlepaddle"), ("numpy ", "numpy")):
        print(label, _public(version_of(name)))


def _public(version: str | None) -> str | None:
    return None if version is None else version.split("+")[0]


def version_of(name: str) -> str | None:
    """The installed version of distribution ``name``, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None

