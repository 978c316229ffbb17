"""The parity report: `python -m embedbook parity` exits 0 on the CPU and writes JSON; a
broken implementation makes it exit 1; documented native failures do not."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import embedloss
from embedbook import parity
from embedbook.__main__ import main
from embedbook.published import PADDLE_PAGE_INPUT, PADDLE_PAGE_LABEL, PUBLISHED
from embedloss._types import REDUCTIONS

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def report():
    return parity.run("cpu")


def test_cli_exits_0_and_writes_json(tmp_path):
    path = tmp_path / "parity.json"
    done = subprocess.run([sys.executable, "-m", "embedbook", "parity", "--json", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("all ok")
    data = json.loads(path.read_text())
    assert set(data) == {"environment", "cases", "seed_examples", "command"}
    assert data["command"] == f"python -m embedbook parity --json {path}"
    assert data["environment"]["device"] == "cpu"
    assert len(data["environment"]["date"]) == 10  # YYYY-MM-DD, in the file only


def test_report_shape(report):
    env = report["environment"]
    assert set(env) >= {"python", "numpy", "torch", "paddle", "device", "cuda", "driver"}
    keys = {"case", "loss", "dtype", "reduction", "margin", "max_abs_diff", "tolerance", "ok",
            "expected_native_failure"}
    losses, reductions, dtypes = set(), set(), set()
    for case in report["cases"]:
        assert keys <= set(case)
        assert set(case["max_abs_diff"]) == {"embedloss", "torch", "paddle"}
        losses.add(case["loss"]), reductions.add(case["reduction"]), dtypes.add(case["dtype"])
    assert losses == {"cosine", "hinge"} and reductions == set(REDUCTIONS)
    assert dtypes == {"float32", "float64"}
    assert set(report["seed_examples"]) == {"cosine_mean", "hinge_mean", "paddle_page_hinge_none",
                                            "paddle_page_hinge_mean"}
    json.dumps(report)  # JSON-ready


def test_every_case_ok_and_natives_fail_where_documented(report):
    assert parity.all_ok(report)
    failing = [c for c in report["cases"] if c["expected_native_failure"]]
    # the 0-d hinge case is Paddle's (shape (1,)): it fails only where Paddle is installed
    zero_d = [c for c in failing if c["case"] == "0-d"]
    assert len(zero_d) == 2
    assert all(c["native_failed"] == (report["environment"]["paddle"] is not None) for c in zero_d)
    # the extreme-scale rows really defeat the native formula, and embedloss is within tolerance
    scaled = [c for c in failing if c["case"].startswith("rows of scale")]
    assert len(scaled) == 4
    for c in scaled:
        assert c["native_failed"]
        assert c["stable"] and c["max_abs_diff"]["embedloss"] <= c["tolerance"]
        assert not c["max_abs_diff"]["torch"] <= c["tolerance"]  # NaN or far off


def test_seed_examples(report):
    seeds = report["seed_examples"]
    cos, hinge = seeds["cosine_mean"], seeds["hinge_mean"]
    assert cos["embedloss"] == cos["torch"] and hinge["embedloss"] == hinge["torch"]
    np.testing.assert_allclose(cos["torch"], cos["published"], rtol=1e-6)
    np.testing.assert_allclose(hinge["torch"], hinge["published"], rtol=1e-6)
    assert seeds["paddle_page_hinge_none"]["embedloss"] == seeds["paddle_page_hinge_none"]["published"]
    np.testing.assert_allclose(seeds["paddle_page_hinge_mean"]["embedloss"], 2 / 9, rtol=1e-7)


def test_paddle_column_present_when_paddle_is(report):
    pytest.importorskip("paddle")
    assert report["environment"]["paddle"]
    assert all(c["max_abs_diff"]["paddle"] is not None for c in report["cases"]
               if not (c["case"] == "unbatched" and c["loss"] == "cosine"))
    assert report["seed_examples"]["cosine_mean"]["paddle"] is not None


def test_table_lists_every_case(report):
    table = parity.format_table(report)
    assert len([line for line in table.splitlines() if line.startswith(("random batch", "margin sweep",
                                                                        "unbatched", "rows of scale"))]) \
        == len([c for c in report["cases"] if not c["case"].startswith(("zero rows", "N-D", "0-d"))])
    assert "native fails (documented)" in table and table.endswith("all ok")


def _broken_cosine(real, *, only_stable=False):
    def broken(*args, **kwargs):
        out = real(*args, **kwargs)
        if only_stable and not kwargs.get("stable"):
            return out
        return out * 1.001 + 1e-3
    return broken


def test_a_broken_implementation_makes_it_exit_1(monkeypatch, capsys):
    monkeypatch.setattr(embedloss, "cosine_embedding_loss", _broken_cosine(embedloss.cosine_embedding_loss))
    assert main(["parity"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "disagreement(s) beyond tolerance" in out


def test_a_broken_stable_path_fails_even_in_documented_cases(monkeypatch):
    monkeypatch.setattr(embedloss, "cosine_embedding_loss",
                        _broken_cosine(embedloss.cosine_embedding_loss, only_stable=True))
    report = parity.run("cpu")
    bad = [c for c in report["cases"] if not c["ok"]]
    assert bad and all(c["stable"] for c in bad)
    assert any(c["expected_native_failure"] for c in bad)


def test_a_broken_hinge_fails_too(monkeypatch):
    real = embedloss.hinge_embedding_loss
    monkeypatch.setattr(embedloss, "hinge_embedding_loss", lambda x, t, **kw: real(x, t, **kw) * 0.999)
    assert not parity.all_ok(parity.run("cpu"))


def test_cuda_without_a_gpu_is_an_error(capsys):
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert main(["parity", "--device", "cuda"]) == 2
    assert "needs a CUDA device" in capsys.readouterr().err


def test_usage_errors(capsys):
    from embedbook.__main__ import main as entry
    assert entry([]) == 2
    assert entry(["frobnicate"]) == 2
    assert entry(["--help"]) == 0


def test_an_unexpected_native_exception_fails_the_case(monkeypatch):
    import torch

    def refuses(*args, **kwargs):
        raise RuntimeError("no")

    monkeypatch.setattr(torch.nn.functional, "hinge_embedding_loss", refuses)
    monkeypatch.setattr(parity, "_seed_examples", lambda device, paddle: {})
    report = parity.run("cpu")
    hinge = [c for c in report["cases"] if c["loss"] == "hinge"]
    assert all(c["native_errors"]["torch"] == "RuntimeError: no" for c in hinge)
    assert not any(c["ok"] for c in hinge if not c["expected_native_failure"])


RECORD = Path(__file__).resolve().parents[1] / "book" / "data" / "cpu_parity.json"


def test_the_recorded_cpu_run_agrees_with_a_fresh_run(report):
    """book/data/cpu_parity.json (rendered by the frameworks chapter) is a record of one
    CPU. On this machine a fresh run must list the same cases and agree with it within
    each case's tolerance (last bits may differ: another CPU sums in another order)."""
    recorded = json.loads(RECORD.read_text())
    assert recorded["command"] == "python -m embedbook parity --json book/data/cpu_parity.json"
    assert recorded["environment"]["cpu"] and recorded["environment"]["date"]
    key = ("case", "loss", "dtype", "reduction", "margin", "stable")
    assert [[c[k] for k in key] for c in recorded["cases"]] == [[c[k] for k in key] for c in report["cases"]]
    assert parity.all_ok(recorded)
    for old, new in zip(recorded["cases"], report["cases"]):
        for who, then in old["max_abs_diff"].items():
            now = new["max_abs_diff"][who]
            if then is None or now is None or np.isnan(then) or np.isnan(now):
                assert (then is None) == (now is None) and np.isnan(then or 0) == np.isnan(now or 0), (old, who)
            elif not old["expected_native_failure"] or who == "embedloss":
                assert abs(then - now) <= old["tolerance"], (old["case"], who, then, now)
    for name, old in recorded["seed_examples"].items():
        new = report["seed_examples"][name]
        for who in ("torch", "embedloss", "paddle"):
            if isinstance(old[who], float) and new[who] is not None:
                assert abs(old[who] - new[who]) <= np.spacing(np.float32(old["published"])), (name, who)


def test_seed_examples_leave_the_global_rng_alone():
    import torch
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    examples = parity._seed_examples("cpu", None)
    assert torch.equal(torch.get_rng_state(), before)
    assert examples["cosine_mean"]["torch"] == pytest.approx(PUBLISHED["cosine_mean"].value, abs=1e-6)


@pytest.mark.parametrize("key", ["paddle_page_hinge_none", "paddle_page_hinge_mean"])
def test_paddle_page_example_as_printed(key):
    """The example of Paddle's API page: embedloss (NumPy arrays) and the reference give
    the values the page prints (mean: 2/9, printed as 0.22222222)."""
    example = PUBLISHED[key]
    x, y = np.array(PADDLE_PAGE_INPUT), np.array(PADDLE_PAGE_LABEL)
    expected = np.asarray(example.value) if example.reduction == "none" else np.asarray(2 / 9)
    assert float(np.max(np.abs(expected - example.value))) < 1e-8
    for fn in (embedloss.hinge_embedding_loss, embedloss.reference.hinge_embedding_loss):
        out = fn(x, y, margin=example.margin, reduction=example.reduction)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_a_gpu_record_renders(report):
    """The frameworks chapter renders book/data/gpu_parity.json when one is recorded
    (none is yet): a record of the CUDA report's form gives its three tables."""
    record = json.loads(json.dumps(report))  # a copy, as read from JSON
    record["environment"].update(device="A GPU", cuda="12.8", date="2026-12-07")
    record["cpu_vs_device"] = [
        {"loss": loss, "dtype": dtype, "implementation": impl, "value_max_abs_diff": 1e-7,
         "grad_max_abs_diff": 0.0, "tolerance": parity.RELATIVE_TOLERANCE[dtype], "ok": True}
        for dtype in ("float32", "float64") for loss in ("cosine", "hinge") for impl in ("embedloss", "torch")]
    env, device, seeds = parity.device_record_tables(record, report)
    assert ["device", "A GPU"] in env[1] and ["driver", "not recorded"] in env[1]
    assert len(device[1]) == 8 and device[1][0][3:] == ["1.0e-07", "0", "1e-05", "ok"]
    assert [row[0] for row in seeds[1]] == [parity.example_name(k) for k in report["seed_examples"]]
    assert all(len(row) == len(seeds[0]) for row in seeds[1])
    assert parity.all_ok(record)
    record["cpu_vs_device"][0]["ok"] = False
    assert not parity.all_ok(record) and parity.device_table(record)[1][0][-1] == "FAIL"
    assert "disagreement" in parity.format_table(record)
