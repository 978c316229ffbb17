"""What produced each notebook's outputs, and the executor that records it.

``python -m embedbook execute NOTEBOOK...`` (``make notebooks``) re-executes notebooks
top to bottom in a fresh kernel, stores their outputs and records in each notebook's
metadata: versions, CPU, vector ISA, threads, date, commit.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from typing import Any

from .kernel import setup, version_of

# Recorded in each notebook's metadata by `execute`; the book's reproducibility page reads them.
_RECORDED_VERSIONS = ("torch", "paddlepaddle", "numpy", "jupyter-book")


def _versions() -> dict[str, str | None]:
    import platform

    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in _RECORDED_VERSIONS:
        found[name] = version_of(name)
    return found


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (Linux's
    ``/proc/cpuinfo``; elsewhere ``platform.processor()``)."""
    import platform
    from pathlib import Path

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _machine(threads: int, where: str = ".") -> dict[str, Any]:
    """What a notebook's outputs were produced on: CPU, the vector instruction set
    torch's CPU kernels dispatch to, the thread count, the date and the commit."""
    import datetime
    import platform
    import subprocess

    capability = None
    if importlib.util.find_spec("torch") is not None:
        import torch

        capability = torch.backends.cpu.get_cpu_capability()

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", where, *args], capture_output=True, text=True,
                                  timeout=10)
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short=12", "HEAD")
    if commit and git("status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    return {"cpu": cpu_model(), "arch": platform.machine(), "torch_cpu_capability": capability,
            "threads": threads, "cores": os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
            "commit": commit}


def execute(paths: Sequence[str], timeout: int = 600) -> None:
    """Re-run each notebook in a fresh kernel of this Python and write it back.

    Each notebook's metadata ``embedloss`` records what produced its outputs: the
    versions of Python, torch, paddlepaddle, numpy and jupyter-book, the machine (CPU
    model, the vector ISA torch dispatches to, the thread count that :func:`setup`
    pins, the date, the git commit) and the seconds the execution took. The book's
    reproducibility page is generated from them.
    """
    import inspect
    import time

    import nbformat
    from nbclient import NotebookClient

    versions = _versions()
    machine = _machine(inspect.signature(setup).parameters["threads"].default,
                       where=os.path.dirname(os.path.abspath(paths[0])) if paths else ".")
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
        seconds = time.perf_counter() - start
        nb.metadata["embedloss"] = {"execution": {"seconds": round(seconds, 1)}, "versions": versions,
                                    "machine": machine}
        nbformat.write(nb, path)
        print(f"{path}: executed in {seconds:.1f} s")

