"""Tests of the verification harness itself: the table of contents, the stored
notebooks, the sanitize file, and proof that nbval fails when an output changes."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from embedbook import lint, toc

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
MACHINE_PATHS = re.compile(r"(/tmp/|/root/|/home/|/work/|/Users/|site-packages|/usr/lib/python|/opt/|[A-Z]:\\)")
# A version with its build tag (2.13.0+cpu, 2.11.0+cu130): a reader's build differs.
BUILD_TAG = re.compile(r"\b\d+\.\d+(?:\.\d+)?\+(?:cpu|cu\d+|rocm[\d.]+|xpu)\b")
RAISES = {"raises-exception", "nbval-raises-exception"}


def toc_entries():
    return [ROOT / entry for entry in toc.toc_entries(ROOT)]


def toc_notebooks():
    return [p.with_suffix(".ipynb") for p in toc_entries() if p.with_suffix(".ipynb").exists()]


def test_every_toc_entry_exists():
    missing = [str(p.relative_to(ROOT)) for p in toc_entries()
               if not (p.with_suffix(".ipynb").exists() or p.with_suffix(".md").exists())]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_notebooks())
    found = {p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert found, "no notebooks under book/"
    missing = sorted(str(p.relative_to(ROOT)) for p in found - listed)
    assert not missing, f"notebooks missing from _toc.yml: {missing}"


@pytest.mark.parametrize("path", toc_notebooks(), ids=lambda p: p.name)
def test_notebook_is_stored_executed_and_clean(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), \
        "execution counts must run 1..n: re-run the notebook top to bottom in a fresh kernel (make notebooks)"
    for i, cell in enumerate(code, 1):
        tags = set(cell.get("metadata", {}).get("tags", []))
        for out in cell["outputs"]:
            where = f"{path.name}, code cell {i}"
            if out["output_type"] == "error":
                assert tags & RAISES, f"{where}: error output ({out['ename']}) in a cell not tagged raises-exception"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), \
                f"{where}: stderr in the stored output: {''.join(out['text'])[:200]!r}"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", "")) \
                + json.dumps(out.get("evalue", "")) + json.dumps(out.get("traceback", []))
            match = MACHINE_PATHS.search(text)
            assert not match, f"{where}: output shows a machine path ({match.group(0)}...)"
            match = BUILD_TAG.search(text)
            assert not match, f"{where}: output shows a build tag ({match.group(0)}): print the public version"


@pytest.mark.parametrize("path", toc_notebooks(), ids=lambda p: p.name)
def test_every_cell_whose_output_nbval_ignores_asserts(path):
    silent = [f"Cell {n}: {first}" for n, first, asserts in lint.ignored_cells(path) if not asserts]
    assert not silent, (f"{path.name}: nbval ignores these cells' outputs and they assert nothing, so "
                        f"nothing checks them: {silent}")


def test_ignored_cells_are_found_and_judged(tmp_path):
    import nbformat

    cells = [nbformat.v4.new_code_cell("print(1)"),
             nbformat.v4.new_code_cell("x = 2\nprint(x)", metadata={"tags": ["nbval-ignore-output"]}),
             nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\n%time y = 3\nassert y == 3"),
             nbformat.v4.new_code_cell("np.testing.assert_allclose(1, 1)", metadata={"tags": ["nbval-skip"]})]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert lint.ignored_cells(path) == [(1, "x = 2", False), (2, "# NBVAL_IGNORE_OUTPUT", True),
                                            (3, "np.testing.assert_allclose(1, 1)", True)]


def sanitize_rules():
    # The same expression nbval 0.11 uses to read the file.
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZE.read_text(), re.M)


def test_sanitize_rules_are_all_read_and_hide_no_numbers():
    blocks = SANITIZE.read_text().count("\nregex:")
    rules = sanitize_rules()
    assert len(rules) == blocks >= 4, "a rule nbval cannot read (an empty replace:?)"
    sample = "0.4941822290420532 tensor([0.0000, 1.0821]) Tensor(shape=[3], dtype=float32) 1e-12 128 100"
    for regex, replace in rules:
        assert re.sub(regex, replace, sample) == sample, f"rule {regex!r} changes numbers"
    torch_out = "tensor([0.5000, 0.2500], device='cuda:0', grad_fn=<AddBackward0>)"
    cleaned = torch_out
    for regex, replace in rules:
        cleaned = re.sub(regex, replace, cleaned)
    assert cleaned == "tensor([0.5000, 0.2500], grad_fn=<AddBackward0>)"


def _nbval(path):
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", str(SANITIZE), str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent, timeout=300)


def test_nbval_fails_when_a_printed_number_changes(tmp_path):
    source = ROOT / "book" / "quickstart.ipynb"
    nb = json.loads(source.read_text())
    intact = tmp_path / "intact.ipynb"
    intact.write_text(json.dumps(nb))
    ok = _nbval(intact)
    assert ok.returncode == 0, "the unchanged copy must pass, or the next check proves nothing:\n" + ok.stdout[-3000:]

    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", ""))
            match = re.search(r"\d\.\d{4}", text)
            if out.get("name") == "stdout" and match:
                printed = match.group()
                wrong = printed[:-1] + str((int(printed[-1]) + 1) % 10)
                out["text"] = text[:match.start()] + wrong + text[match.end():]
                break
        else:
            continue
        break
    else:
        pytest.fail("no printed number with 4 decimals found in the quickstart notebook to change")
    changed = tmp_path / "changed.ipynb"
    changed.write_text(json.dumps(nb))
    bad = _nbval(changed)
    assert bad.returncode == 1, bad.stdout[-3000:]
    assert wrong in bad.stdout and printed in bad.stdout, "nbval should report the changed number"


NO_GPU_NOTE = "No GPU run of this page is recorded yet"


def test_no_gpu_note_only_while_no_gpu_run_is_recorded():
    """The pages' "No GPU run ... recorded yet" note is prose (translated in the Chinese
    edition), so it cannot follow the record by itself: once book/data/gpu_parity.json
    lands, every page that still carries the note fails here until it is rewritten."""
    pages = [p for p in toc_notebooks() if NO_GPU_NOTE in p.read_text(encoding="utf-8")]
    assert pages, f"no page carries the note {NO_GPU_NOTE!r}: update this test"
    if (ROOT / "book" / "data" / "gpu_parity.json").exists():
        names = [p.name for p in pages]
        pytest.fail(f"a GPU run is recorded (book/data/gpu_parity.json), but {names} still say "
                    f"{NO_GPU_NOTE!r}: replace the note with the recorded run")
