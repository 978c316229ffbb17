"""The notebooks open where the README says: `.venv/bin/jupyter lab book/`, driven by
headless Chromium (Debian's, through Playwright, as tests/test_browser.py does).

The test copies book/ into a temporary directory (so that nothing JupyterLab writes,
checkpoints or an autosave, lands in the checkout), starts `jupyter lab book/` there on
127.0.0.1 and a free port with a token of its own (and `--allow-root`, so that it also
starts as root under CI), opens the quick start and the training chapter (their stored outputs removed), runs
all their cells from JupyterLab's
own "Run All Cells" command and requires that every code cell ran and that no output
is an error (but the deliberate ones, in cells tagged `raises-exception`, which JupyterLab
runs past as nbval does) or stderr. A copy of the quick start with one cell that raises must be
caught the same way. Under CI (`CI=true`) a missing browser or JupyterLab fails the
test; elsewhere it skips and says how to get them.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sitecheck import chromium, unavailable

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).with_name("jupyter")
NOTEBOOK = "quickstart.ipynb"
#: The notebooks run in JupyterLab: the quick start, and the training chapter, whose
#: two training loops are cells a reader runs there.
NOTEBOOKS = (NOTEBOOK, "training.ipynb")
BROKEN = "broken_quickstart.ipynb"
#: Seconds to wait for the server, and for all cells of one notebook to run.
START_TIMEOUT, RUN_TIMEOUT = 90, 240

pytestmark = pytest.mark.browser


_unavailable = unavailable  # (skipped here, failed under CI=true)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`jupyter lab book/` in a copy of the checkout's book/; yields (base URL, token)."""
    if not os.access(JUPYTER, os.X_OK) or shutil.which("jupyter-lab", path=str(JUPYTER.parent)) is None:
        _unavailable(f"JupyterLab is not installed next to {sys.executable} "
                     "(requirements.txt pins it): make venv")
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "book", work / "book", ignore=shutil.ignore_patterns("_build", "locales"))
    for name in NOTEBOOKS:  # as a reader would run them: no stored outputs
        nb = json.loads((work / "book" / name).read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        (work / "book" / name).write_text(json.dumps(nb))
    nb = json.loads((work / "book" / NOTEBOOK).read_text())
    nb["cells"].insert(2, {"cell_type": "code", "execution_count": None, "metadata": {},
                           "outputs": [], "source": ["raise ValueError('a cell that fails')"]})
    (work / "book" / BROKEN).write_text(json.dumps(nb))
    # JupyterLab's own settings and state in the temporary directory: autosave off.
    settings = work / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "JUPYTER_CONFIG_DIR": str(work / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bookpkg"),
                                          os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    port, token = _free_port(), secrets.token_hex(16)
    log = (work / "lab.log").open("w")
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "book/", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--allow-root", f"--IdentityProvider.token={token}", "--expose-app-in-browser",
         "--ServerApp.port_retries=0"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("`jupyter lab book/` did not start:\n" + (work / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 900})


# What the open notebook holds once its kernel is idle again: each code cell's execution
# count and outputs, from JupyterLab's own model of the notebook.
CELLS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = [];
    for (let j = 0; j < cell.outputs.length; j++) outputs.push(cell.outputs.get(j).toJSON());
    const tags = (cell.getMetadata ? cell.getMetadata('tags') : cell.metadata.tags) || [];
    out.push({count: cell.executionCount, outputs: outputs, tags: tags});
  }
  return {kernel: panel.sessionContext.session?.kernel?.status ?? null, cells: out};
}"""


def run_all(page, base, token, name):
    """Open `name` in JupyterLab, run all its cells, and return the code cells' state."""
    page.goto(f"{base}lab/tree/{name}?token={token}&reset")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'",
        timeout=START_TIMEOUT * 1000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        state = page.evaluate(CELLS_JS)
        busy = page.locator(".jp-InputPrompt", has_text="[*]").count()
        done = state["kernel"] == "idle" and busy == 0
        if done and (all(c["count"] is not None for c in state["cells"]) or any(
                o["output_type"] == "error" and "raises-exception" not in c["tags"]
                for c in state["cells"] for o in c["outputs"])):
            return state
        assert time.monotonic() < deadline, f"{name}: the cells did not finish in {RUN_TIMEOUT} s"
        time.sleep(1)


def problems(state):
    """Errors (but in cells tagged `raises-exception`, whose error the page shows on
    purpose), stderr and code cells that did not run, one line each."""
    found = []
    for i, cell in enumerate(state["cells"]):
        if cell["count"] is None:
            found.append(f"code cell {i} did not run")
        for o in cell["outputs"]:
            if o["output_type"] == "error" and "raises-exception" in cell["tags"]:
                continue  # an error the page shows on purpose (nbval checks which one)
            if o["output_type"] == "error":
                found.append(f"code cell {i}: {o['ename']}: {o['evalue']}")
            elif o["output_type"] == "stream" and o["name"] == "stderr":
                found.append(f"code cell {i} wrote to stderr: {''.join(o['text'])[:200]!r}")
    return found


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, page, name):
    base, token = lab
    state = run_all(page, base, token, name)
    stored = [c for c in json.loads((ROOT / "book" / name).read_text())["cells"]
              if c["cell_type"] == "code"]
    assert len(state["cells"]) == len(stored) > 0
    assert problems(state) == []
    assert any(c["outputs"] for c in state["cells"])  # the cells printed what they print


def test_a_failing_cell_is_caught(lab, page):
    base, token = lab
    found = problems(run_all(page, base, token, BROKEN))
    assert found and "ValueError: a cell that fails" in found[0], found
