"""What the book's notebooks share, and the harness that verifies them.

In a notebook, the first code cell is::

    from embedloss.notebook import setup; setup()

On the command line (the Makefile's targets call these):

- ``python -m embedloss.notebook execute NOTEBOOK...`` re-executes notebooks top to
  bottom in a fresh kernel, stores their outputs and records in each notebook's
  metadata what produced them: versions, CPU, vector ISA, threads, date, commit
  (``make notebooks``);
- ``python -m embedloss.notebook emulated NOTEBOOK...`` runs nbval over the notebooks
  in a Jupyter kernel started under QEMU user-mode emulation of another x86-64 CPU
  model, ``EMULATED_CPU`` (the second pass of ``make test``);
- ``python -m embedloss.notebook ignored NOTEBOOK...`` lists the cells whose output
  nbval does not compare, and fails if one of them asserts nothing.
"""
from __future__ import annotations

import importlib.util
import os
import re
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


def print_versions():
    """Print the versions of torch, Paddle and NumPy that a notebook runs with.

    Only the public version is printed (``2.13.0``, not ``2.13.0+cpu``): the local
    tag names the build (CPU, CUDA 12.6, ...), which differs between readers' machines
    and changes no output of this book. The full versions, with the build, are
    recorded in each notebook's metadata by :func:`execute`.
    """
    for label, name in (("torch ", "torch"), ("paddle", "paddlepaddle"), ("numpy ", "numpy")):
        print(label, _public(_version_of(name)))


def _public(version):
    return None if version is None else version.split("+")[0]


def _version_of(name):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


# --- Tables of what calls do (the frameworks chapter's pages) -----------------------------

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
    from .reference import as_float64

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


# Recorded in each notebook's metadata by `execute`; the book's reproducibility page reads them.
_RECORDED_VERSIONS = ("torch", "paddlepaddle", "numpy", "jupyter-book")


def _versions():
    import platform

    found = {"python": platform.python_version()}
    for name in _RECORDED_VERSIONS:
        found[name] = _version_of(name)
    return found


def cpu_model():
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


def _machine(threads, where="."):
    """What a notebook's outputs were produced on: CPU, the vector instruction set
    torch's CPU kernels dispatch to, the thread count, the date and the commit."""
    import datetime
    import platform
    import subprocess

    capability = None
    if importlib.util.find_spec("torch") is not None:
        import torch

        capability = torch.backends.cpu.get_cpu_capability()

    def git(*args):
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


def execute(paths, timeout=600):
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


# --- The second CPU: nbval in a kernel under QEMU user-mode emulation -----------------

#: The CPU model that ``make test``'s second nbval pass emulates: AVX2 without
#: AVX-512, an Intel design (the native pass usually runs on a CPU with AVX-512).
#: AVX2 is the floor: torch and Paddle die with an illegal instruction on older
#: models (QEMU's ``SandyBridge``, ``Nehalem``).
EMULATED_CPU = "Haswell-v4"
EMULATOR = "qemu-x86_64"
EMULATED_KERNEL = "embedloss-emulated-cpu"


def emulated(pytest_args, cpu=EMULATED_CPU):
    """Run nbval (``pytest --nbval`` with ``pytest_args``) in a Jupyter kernel started
    under ``qemu-x86_64 -cpu <cpu>``: the same Python, venv and notebooks, another
    CPU. Returns pytest's exit status.

    Without ``qemu-x86_64`` (Debian's ``qemu-user``), or on a machine that is not
    x86-64, the pass is skipped with a message and returns 0, except under
    ``CI=true``, where a skipped pass is a failure (1).
    """
    import json
    import platform
    import shutil
    import subprocess
    import tempfile
    import time

    qemu = shutil.which(EMULATOR)
    why = (f"`{EMULATOR}` not found (Debian: apt-get install qemu-user)" if qemu is None
           else f"this machine is {platform.machine()}, not x86_64"
           if platform.machine() != "x86_64" else None)
    if why:
        in_ci = os.environ.get("CI", "").lower() == "true"
        print(f"emulated-CPU nbval pass {'FAILED' if in_ci else 'skipped'}: {why}", flush=True)
        return 1 if in_ci else 0
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "kernels", EMULATED_KERNEL)
        os.makedirs(spec)
        with open(os.path.join(spec, "kernel.json"), "w") as f:
            json.dump({"argv": [qemu, "-cpu", cpu, sys.executable, "-m", "ipykernel_launcher",
                                "-f", "{connection_file}"],
                       "display_name": f"Python 3 on an emulated {cpu}", "language": "python"}, f)
        env = dict(os.environ, JUPYTER_PATH=os.pathsep.join(
            p for p in (tmp, os.environ.get("JUPYTER_PATH")) if p))
        print(f"emulated-CPU nbval pass: kernels under `{EMULATOR} -cpu {cpu}` "
              f"(this machine: {cpu_model()})", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
                               "--nbval-kernel-name", EMULATED_KERNEL, *pytest_args], env=env)
        print(f"emulated-CPU nbval pass ({cpu}): exit {done.returncode}, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        return done.returncode


# --- Cells whose output nbval does not compare -------------------------------------------

IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORE_COMMENTS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")


def ignored_cells(path):
    """The code cells of a notebook whose output nbval does not compare, as
    ``(nbval's cell number, first source line, whether the cell asserts)``.

    A cell "asserts" when its code holds an ``assert`` or ``raise`` statement, or calls
    a function whose name starts with ``assert`` (``np.testing.assert_allclose``,
    ``torch.testing.assert_close``): an ignored output is acceptable only where the
    cell still checks what holds on every machine.
    """
    import ast
    import json

    found = []
    code = [c for c in json.loads(open(path, encoding="utf-8").read())["cells"]
            if c["cell_type"] == "code"]
    for number, cell in enumerate(code):
        source = "".join(cell["source"])
        tags = set(cell.get("metadata", {}).get("tags", []))
        if not (tags & IGNORE_TAGS or any(c in source for c in IGNORE_COMMENTS)):
            continue
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                            for line in source.splitlines())
        asserts = any(isinstance(node, (ast.Assert, ast.Raise)) or (
            isinstance(node, ast.Call) and
            getattr(node.func, "attr", getattr(node.func, "id", "")).startswith("assert"))
            for node in ast.walk(ast.parse(python)))
        found.append((number, source.strip().splitlines()[0] if source.strip() else "", asserts))
    return found


def _list_ignored(paths):
    bad = 0
    for path in paths:
        for number, first, asserts in ignored_cells(path):
            bad += not asserts
            verdict = "asserts" if asserts else "ASSERTS NOTHING"
            print(f"nbval ignores the output of {path}::Cell {number} ({verdict}): {first}")
    return 1 if bad else 0


USAGE = """usage: python -m embedloss.notebook COMMAND ...
  execute NOTEBOOK...           re-execute, store outputs, record provenance
  emulated [PYTEST ARGS] NB...  nbval in a kernel on an emulated CPU (QEMU)
  ignored NOTEBOOK...           list the cells whose output nbval ignores"""


def _main(argv):
    if len(argv) < 2 or argv[0] not in ("execute", "emulated", "ignored"):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] == "execute":
        execute(argv[1:])
        return 0
    if argv[0] == "emulated":
        return emulated(argv[1:])
    return _list_ignored(argv[1:])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
