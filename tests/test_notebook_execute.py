"""`python -m embedbook execute` (behind `make notebooks`): it stores the outputs
and records, in the notebook's metadata, what the book's reproducibility page shows."""
from __future__ import annotations

import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version

import nbformat

from embedbook.kernel import print_versions
from embedbook.provenance import cpu_model, execute


def test_execute_stores_outputs_and_records_versions_and_time(tmp_path):
    path = tmp_path / "tiny.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nbformat.write(nb, path)

    execute([str(path)])

    done = nbformat.read(path, as_version=4)
    cell = done.cells[0]
    assert cell.execution_count == 1
    assert cell.outputs[0]["text"] == "42\n"
    recorded = done.metadata["embedloss"]
    assert recorded["execution"]["seconds"] >= 0
    assert recorded["versions"]["python"] == platform.python_version()
    for name in ("torch", "paddlepaddle", "numpy", "jupyter-book"):
        assert recorded["versions"][name] == _installed(name), name
    machine = recorded["machine"]
    assert machine["cpu"] == cpu_model() and machine["arch"] == platform.machine()
    assert machine["threads"] == 1  # what setup() pins
    assert machine["cores"] == os.cpu_count()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", machine["date"])
    assert machine["commit"] is None or re.match(r"[0-9a-f]{12}\b", machine["commit"])
    if _installed("torch"):
        import torch

        assert machine["torch_cpu_capability"] == torch.backends.cpu.get_cpu_capability()


def test_public_versions_drop_the_build_tag(capsys):
    print_versions()
    printed = capsys.readouterr().out
    assert "+" not in printed
    if _installed("torch"):
        assert f"torch  {_installed('torch').split('+')[0]}\n" in printed


def _installed(name):
    try:
        return version(name)
    except PackageNotFoundError:  # e.g. no Paddle on a GPU machine
        return None
