"""The second CPU of `make test`: nbval in a Jupyter kernel under QEMU user-mode emulation
(`python -m embedbook emulated`). Without qemu-x86_64 it skips, and says so,
except under CI=true, where a skipped pass fails."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from embedbook import emulated as notebook

ROOT = Path(__file__).resolve().parents[1]


def _in_ci():
    return os.environ.get("CI", "").lower() == "true"


def test_without_qemu_the_pass_skips_and_says_so_except_in_ci(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "false")
    assert notebook.emulated([]) == 0
    assert "emulated-CPU nbval pass skipped" in capsys.readouterr().out
    monkeypatch.setenv("CI", "true")
    assert notebook.emulated([]) == 1
    assert "emulated-CPU nbval pass FAILED" in capsys.readouterr().out


def _capability_notebook(path, stored):
    """A one-cell notebook, stored as if it had printed `stored` for torch's vector ISA."""
    cell = nbformat.v4.new_code_cell(
        "import torch\nprint(torch.backends.cpu.get_cpu_capability())", execution_count=1,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")])
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)


def test_the_emulated_kernel_runs_on_the_emulated_cpu(tmp_path):
    """nbval passes where the stored output says AVX2 (QEMU's Haswell has no AVX-512)
    and fails where it says anything else: the kernel really runs on the emulated CPU."""
    if shutil.which(notebook.EMULATOR) is None:
        if _in_ci():
            pytest.fail(f"{notebook.EMULATOR} is missing under CI=true (apt-get install qemu-user)")
        pytest.skip(f"{notebook.EMULATOR} not installed (Debian: apt-get install qemu-user)")
    _capability_notebook(tmp_path / "avx2.ipynb", "AVX2")
    _capability_notebook(tmp_path / "avx512.ipynb", "AVX512")
    code = ("import sys; from embedbook import emulated as notebook; "
            "sys.exit(notebook.emulated(['-q', *sys.argv[1:]]))")
    run = subprocess.run([sys.executable, "-c", code, "avx2.ipynb", "avx512.ipynb"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert "1 failed, 1 passed" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
    assert "avx512.ipynb::Cell 0" in run.stdout, run.stdout[-3000:]
