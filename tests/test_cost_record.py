"""The cost page's record (book/data/cost_study.json, from tools/cost_study.py): its
shape and its consistency, never its times (they depend on the machine and its load).
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "book" / "data" / "cost_study.json"
sys.path.insert(0, str(ROOT / "tools"))

import cost_study  # noqa: E402

ENVIRONMENT = {"python", "torch", "paddlepaddle", "numpy", "embedloss", "cpu", "arch", "cores",
               "torch_cpu_capability", "threads", "date"}


@pytest.fixture(scope="module")
def record():
    return json.loads(RECORD.read_text())


def test_the_command_and_environment(record):
    assert record["command"] == "python tools/cost_study.py --json book/data/cost_study.json"
    env = record["environment"]
    assert set(env) >= ENVIRONMENT
    assert env["threads"] >= 1 and env["cores"] >= 1 and env["cpu"]
    assert len(env["date"]) == 10 and env["date"][4] == "-" and env["date"][7] == "-"
    assert record["seconds"] > 0 and record["cpu_seconds"] > 0 and len(record["load_average"]) == 2


def test_every_size_is_present_once(record):
    assert record["batches"] == list(cost_study.BATCHES) and record["dims"] == list(cost_study.DIMS)
    assert min(record["batches"]) <= 8 and max(record["batches"]) >= 65536
    assert min(record["dims"]) <= 16 and max(record["dims"]) >= 512
    got = [(s["n"], s["d"]) for s in record["sizes"]]
    assert sorted(got) == sorted((n, d) for n in record["batches"] for d in record["dims"])
    assert len(set(got)) == len(got)


def test_every_size_times_every_implementation_against_a_positive_floor(record):
    impls = list(cost_study.IMPLEMENTATIONS)
    assert list(record["implementations"]) == impls
    for s in record["sizes"]:
        assert s["bytes"] == 4 * s["n"] * s["d"] * 4  # two inputs read, two gradients written, float32
        assert s["floor_seconds"] > 0
        assert list(s["seconds"]) == impls and all(t > 0 for t in s["seconds"].values())


def test_ratios_are_the_times_ratios(record):
    for s in record["sizes"]:
        for impl, t in s["seconds"].items():
            assert math.isclose(s["over_floor"][impl], t / s["floor_seconds"], rel_tol=1e-9), (s["n"], s["d"])
            assert math.isclose(s["over_torch"][impl], t / s["seconds"]["torch"], rel_tol=1e-9)
        assert s["over_torch"]["torch"] == 1.0


def test_gradient_errors_where_measured(record):
    measured = [s for s in record["sizes"] if s["grad_error"] is not None]
    assert {(s["n"], s["d"]) for s in measured} == {
        (s["n"], s["d"]) for s in record["sizes"] if s["n"] * s["d"] <= 2**21}
    for s in measured:
        assert set(s["grad_error"]) == {"torch", "closed_form"}
        assert all(0 <= e < 1e-3 for e in s["grad_error"].values())  # float32 errors, not garbage


def test_the_training_step(record):
    step = record["training_step"]
    assert step["pairs"] == 2 * step["batch"] and step["signals"] == 3 * step["batch"]
    for impl in ("torch", "embedloss", "closed_form"):
        assert step["step_seconds"][impl] > 0 and step["loss_seconds"][impl] > 0
        assert math.isclose(step["share"][impl], step["loss_seconds"][impl] / step["step_seconds"][impl],
                            rel_tol=1e-9)


def test_the_training_step_is_the_chapters():
    """The step the record times uses the training chapter's batch and dimension."""
    from embedbook.training import data, model

    record = json.loads(RECORD.read_text())
    assert record["training_step"]["batch"] == data.BATCH
    assert record["training_step"]["dim"] == model.DIM
