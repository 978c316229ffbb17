"""The record of the other libraries' twins and of the deployment matrix
(``book/data/twins.json``, written by ``tools/twins.py`` in side venvs) against
``embedloss.reference``, recomputed here in the book's environment: no side venv needed.
"""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from embedloss import reference

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
RECORD = json.loads((ROOT / "book" / "data" / "twins.json").read_text())


def _tool():
    spec = importlib.util.spec_from_file_location("twins", ROOT / "tools" / "twins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()


@pytest.fixture(scope="module")
def references():
    torch.manual_seed(20)
    a, b = torch.randn(100, 128), torch.randn(100, 128)
    y = 2 * torch.empty(100).random_(2) - 1
    cos = torch.nn.functional.cosine_similarity(a.double(), b.double()).numpy()
    return {"cosine": float(reference.cosine_embedding_loss(a, b, y, margin=TOOL.MARGIN)),
            "hinge": float(reference.hinge_embedding_loss(1 - cos, y, margin=TOOL.MARGIN))}


def test_the_record_was_made_on_the_seed_data(references):
    assert RECORD["seed"]["margin"] == TOOL.MARGIN
    assert math.isclose(RECORD["seed"]["reference_cosine"], references["cosine"], rel_tol=1e-12)
    assert math.isclose(RECORD["seed"]["reference_hinge_on_distance"], references["hinge"],
                        rel_tol=1e-12)


def test_every_library_of_the_page_has_a_row():
    libraries = {r["library"] for r in RECORD["rows"]}
    assert {"MindSpore", "optax", "Keras", "pytorch-metric-learning",
            "sentence-transformers", "MXNet"} <= libraries


@pytest.mark.parametrize("group", list(TOOL.GROUPS))
def test_the_versions_are_the_pins(group):
    entry = RECORD["groups"][group]
    assert entry["installed"], entry.get("error")
    for pin in TOOL.GROUPS[group]:
        name, version = pin.split("==")
        assert entry["versions"][name].split("+")[0] == version, (group, name)
        assert pin in entry["freeze"] or f"{pin}+cpu" in entry["freeze"], (group, pin)


@pytest.mark.parametrize("row", RECORD["rows"], ids=lambda r: f"{r['library']}:{r['api']}")
def test_each_conversion_equals_the_reference(row, references):
    if "error" in row:  # a call that failed where it was run: the page says so
        assert row["error"] and "value" not in row
        return
    assert math.isfinite(row["value"])
    assert (row["conversion"] is None) != (row["no_conversion"] is None), \
        "a row has either a conversion or the reason why none exists"
    if row["conversion"] is None:
        return
    compile(row["conversion"], row["api"], "exec")  # the code shown is Python
    assert max(map(len, row["conversion"].splitlines())) <= 79
    assert row["converted_equal"] is True
    assert abs(row["converted"] - references[row["reference"]]) <= RECORD["tolerance"]


def test_the_labelled_twins_equal_the_reference_as_called(references):
    """MindSpore's and MXNet's losses are PyTorch's: no conversion but the call."""
    for row in RECORD["rows"]:
        if row["library"] in ("MindSpore", "MXNet") and "error" not in row:
            assert abs(row["value"] - references[row["reference"]]) <= RECORD["tolerance"]


def _reference_of(loss):
    return "hinge" if "Hinge" in loss else "cosine"


@pytest.mark.parametrize("cell", RECORD["deployment"], ids=lambda c: c["loss"])
def test_each_exported_graph_computes_the_eager_value(cell, references):
    assert abs(cell["eager"] - references[_reference_of(cell["loss"])]) <= RECORD["tolerance"]
    bad = cell["eager_bad_label"]["result"]
    assert bad == ("raises" if cell["loss"].startswith("embedloss") else "value")
    ran = [k for k, v in cell.items() if isinstance(v, dict) and "value" in v
           and k != "eager_bad_label"]
    assert ran, "at least one exported form ran"
    for key in ran:
        assert abs(cell[key]["value"] - cell["eager"]) <= RECORD["tolerance"], key
        assert cell[key]["bad_label"]["result"] in ("raises", "NaN", "value")


def test_the_native_losses_accept_label_zero_where_embedloss_raises():
    by = {(c["framework"], c["loss"]): c for c in RECORD["deployment"]}
    assert by[("PyTorch", "embedloss.torch.CosineEmbeddingLoss")]["torch.export"][
        "bad_label"]["result"] == "raises"
    assert by[("PyTorch", "torch.nn.CosineEmbeddingLoss")]["torch.export"][
        "bad_label"]["result"] == "value"
    assert np.isfinite(by[("Paddle", "paddle.nn.CosineEmbeddingLoss")]["eager"])
