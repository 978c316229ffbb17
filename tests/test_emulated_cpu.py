"""The second CPU of `make test`: nbval in a Jupyter kernel under QEMU user-mode emulation
(`python -m embedbook emulated`). Without qemu-x86_64 it skips, and says so,
except under CI=true, where a skipped pass fails."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
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


def _fake_qemu(monkeypatch, tmp_path, printed="qemu-x86_64 version 10.0.2"):
    qemu = tmp_path / notebook.EMULATOR
    qemu.write_text(f"#!/bin/sh\necho '{printed}'\n")
    qemu.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(qemu))
    return qemu


@pytest.mark.parametrize("printed, torch_preloaded", [
    ("qemu-x86_64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)", False),
    ("qemu-x86_64 version 9.2.0", False),
    ("qemu-x86_64 version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)", True),
    ("qemu-x86_64 version 11.1.0", True),
    ("an emulator that prints no version", False)])
def test_torch_is_preloaded_only_under_a_qemu_that_runs_the_pass_so(
        monkeypatch, tmp_path, printed, torch_preloaded):
    """QEMU 7.2 faults in the training chapter with torch preloaded; 10.0.2 runs it."""
    qemu = _fake_qemu(monkeypatch, tmp_path, printed)
    calls = []
    monkeypatch.setattr(notebook, "nbval", lambda *args: calls.append(args) or 0)
    assert notebook.emulated([]) == 0
    (_, _, _, prefix, preload, _), = calls
    assert prefix == (str(qemu), "-cpu", notebook.EMULATED_CPU)
    assert ("torch" in preload) is torch_preloaded
    assert set(notebook.PRELOAD) <= set(preload)


def test_with_after_pytest_waits_for_the_file_and_prints_nothing_before(monkeypatch, tmp_path, capsys):
    """make test starts the emulated pass with its native pass (`--after FILE`): the
    server starts at once; pytest, and the pass's first line, wait for the file."""
    _fake_qemu(monkeypatch, tmp_path)
    go = tmp_path / "native-done"
    seen = []

    def fake_nbval(pytest_args, name, display_name, prefix, preload, ready):
        threading.Timer(0.3, go.touch).start()
        seen.append(capsys.readouterr().out)
        seen.append(ready())
        seen.append(go.exists())
        return 0
    monkeypatch.setattr(notebook, "nbval", fake_nbval)
    assert notebook.emulated([], after=str(go)) == 0
    assert seen == ["", True, True]
    out = capsys.readouterr().out
    assert "its kernel server started in" in out and "beside the native pass" in out, out
    assert "exit 0" in out, out


def test_a_waiting_pass_gives_up_when_its_parent_ends(monkeypatch, tmp_path):
    """An interrupted make test leaves no emulated server waiting for ever."""
    parents = iter([4242, 4242, 1])
    monkeypatch.setattr(os, "getppid", lambda: next(parents))
    assert notebook.wait_for(str(tmp_path / "never"), poll=0.01) is False


def test_a_server_whose_wait_fails_runs_no_pytest(monkeypatch):
    from embedbook import preloaded

    def no_pytest(*args, **kwargs):
        raise AssertionError("pytest ran although ready() said False")
    monkeypatch.setattr(preloaded.subprocess, "run", no_pytest)
    assert preloaded.nbval(["-q"], modules=(), ready=lambda: False) == 1


SIMD = """from numpy._core._multiarray_umath import __cpu_features__ as has
print(next(isa for isa in ("AVX512F", "AVX2", "SSE2") if has[isa]).rstrip("F"))"""
#: Each notebook's kernel leaves a mark in its own process and finds none of another's.
LEAVE_A_MARK = """import os, sys
assert not hasattr(sys, "marked_by"), f"a kernel of another notebook ran here: {sys.marked_by}"
sys.marked_by = os.getpid()
with open("kernels.txt", "a") as f:
    print(os.getpid(), os.getppid(), "embedloss" in sys.modules, file=f)"""


def _capability_notebook(path, stored):
    """A notebook stored as if it had printed `stored` for the widest vector ISA that
    NumPy finds on the CPU (its first cell), whose second cell leaves its kernel's mark
    (LEAVE_A_MARK). (NumPy, not torch: it imports in 1 s under emulation, torch in 15.)"""
    cells = [nbformat.v4.new_code_cell(SIMD, execution_count=1,
                 outputs=[nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")]),
             nbformat.v4.new_code_cell(LEAVE_A_MARK, execution_count=2)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_the_emulated_kernel_runs_on_the_emulated_cpu(tmp_path):
    """nbval passes where the stored output says AVX2 (QEMU's Haswell has no AVX-512)
    and fails where it says anything else: the kernel really runs on the emulated CPU.
    Each notebook has a kernel of its own, forked by the server (embedbook.preloaded),
    with what the server imported (here embedloss) already imported."""
    if shutil.which(notebook.EMULATOR) is None:
        if _in_ci():
            pytest.fail(f"{notebook.EMULATOR} is missing under CI=true (apt-get install qemu-user)")
        pytest.skip(f"{notebook.EMULATOR} not installed (Debian: apt-get install qemu-user)")
    _capability_notebook(tmp_path / "avx2.ipynb", "AVX2")
    _capability_notebook(tmp_path / "avx512.ipynb", "AVX512")
    code = ("import sys; from embedbook import emulated as notebook; "
            "sys.exit(notebook.emulated(['-q', *sys.argv[1:]], "
            "preload=('ipykernel.kernelapp', 'embedloss')))")
    run = subprocess.run([sys.executable, "-c", code, "avx2.ipynb", "avx512.ipynb"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert "1 failed, 3 passed" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
    assert "avx512.ipynb::Cell 0" in run.stdout, run.stdout[-3000:]
    kernels = [line.split() for line in (tmp_path / "kernels.txt").read_text().splitlines()]
    assert len(kernels) == 2 and kernels[0][0] != kernels[1][0], kernels  # two processes
    assert kernels[0][1] == kernels[1][1], kernels  # forked by one server
    assert all(preloaded == "True" for *_, preloaded in kernels), kernels


def test_the_kernel_server_starts_no_thread():
    """The server forks its kernels: no other thread may run in it then (a thread that
    holds a lock at the fork leaves the lock held in the kernel for ever). Natively, what
    it imports (torch too, as the native pass preloads it) starts none."""
    code = ("import threading; from embedbook import preloaded; "
            "preloaded.preload(preloaded.PRELOAD_NATIVE); "
            "import os; print(threading.active_count(), len(os.listdir('/proc/self/task')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["1", "1"], run.stdout
