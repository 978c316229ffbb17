"""Hypothesis property tests: random shapes, values, margins, labels, reductions and
dtypes; embedloss against the float64 reference and (where one exists) the native
function. At least 200 examples per loss per backend (the "ci" profile in conftest.py).

Values only here: a random point can sit exactly on the hinge's kink (x == margin,
cos == margin), where the frameworks' subgradients differ by convention; gradients are
compared in test_gradients.py on data that keep away from it."""
from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from conftest import Framework, numpy64  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import array_shapes, arrays  # noqa: E402

import embedloss  # noqa: E402
from embedloss import reference  # noqa: E402
from embedloss._types import REDUCTIONS  # noqa: E402
from embedloss.testing import TOLERANCE  # noqa: E402

BACKENDS = ["numpy", "torch", "paddle"]
# absolute tolerances for losses of size ~1 (cosines, and distances below 1e3 scaled down): the
# table's rtol, times 2 (float32) and 10 (float64) for random shapes and values up to 1e3
ATOL = {"float32": 2 * TOLERANCE["float32"].rtol, "float64": 10 * TOLERANCE["float64"].rtol}
ELEMENTS = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
LABELS = st.sampled_from([1.0, -1.0])
_frameworks = {}


def framework(name):
    if name not in _frameworks:
        _frameworks[name] = Framework(name)
    return _frameworks[name]


def at_least_200(test):
    """Never fewer than 200 examples, whatever the active profile says."""
    return settings(max_examples=max(200, settings().max_examples))(test)


@st.composite
def cosine_cases(draw):
    unbatched = draw(st.booleans())
    n, d = draw(st.integers(0, 6)), draw(st.integers(1, 6))
    shape = (d,) if unbatched else (n, d)
    x1 = draw(arrays(np.float64, shape, elements=ELEMENTS))
    x2 = draw(arrays(np.float64, shape, elements=ELEMENTS))
    y = draw(arrays(np.float64, () if unbatched else (n,), elements=LABELS))
    return dict(x1=x1, x2=x2, y=y, margin=draw(st.floats(-1.0, 1.0)),
                dtype=draw(st.sampled_from(["float32", "float64"])),
                reduction=draw(st.sampled_from(REDUCTIONS)), stable=draw(st.booleans()))


@st.composite
def hinge_cases(draw):
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    x = draw(arrays(np.float64, shape, elements=ELEMENTS))
    y = draw(arrays(np.float64, shape, elements=LABELS))
    return dict(x=x, y=y, margin=draw(st.floats(-10.0, 10.0)), dtype=draw(st.sampled_from(["float32", "float64"])),
                reduction=draw(st.sampled_from(REDUCTIONS)))


def _unit_max(x):
    s = np.abs(x).max(axis=-1, keepdims=True, initial=0.0)
    return x / np.where(s == 0, 1.0, s)


def _check_reductions(fn, none_value, size, dtype, atol):
    """mean and sum agree with the 'none' output."""
    total = numpy64(fn("sum"))
    np.testing.assert_allclose(total, numpy64(none_value).sum(), rtol=1e-5 if dtype == "float32" else 1e-12,
                               atol=atol * max(1, size))
    if size:
        np.testing.assert_allclose(numpy64(fn("mean")) * size, total, rtol=1e-5 if dtype == "float32" else 1e-12,
                                   atol=atol * size)


@pytest.mark.parametrize("backend", BACKENDS)
@at_least_200
@given(case=cosine_cases())
def test_cosine_property(backend, case):
    fw = framework(backend)
    dtype, reduction, margin = case["dtype"], case["reduction"], case["margin"]
    arrays_ = [case["x1"].astype(dtype), case["x2"].astype(dtype), case["y"]]
    args = [fw.array(a) for a in arrays_]
    n = case["y"].size

    def ours(red, eps=1e-12):
        return embedloss.cosine_embedding_loss(*args, margin=margin, reduction=red, eps=eps, stable=case["stable"])

    if n == 0 and reduction == "mean":
        with pytest.raises(ValueError, match="cannot be 'mean' over an empty batch"):
            ours("mean")
        return
    out = ours(reduction)
    assert fw.dtype_name(out) == dtype
    assert tuple(out.shape) == (tuple(case["y"].shape) if reduction == "none" else ())
    got = numpy64(out)
    assert np.all(np.isfinite(got))
    if reduction == "none":  # each loss is in [0, 2] (1 - cos, or cos - margin with cos <= 1)
        assert np.all((got >= -ATOL[dtype]) & (got <= 2 + ATOL[dtype]))
    atol = ATOL[dtype] * max(1, n)
    if case["stable"]:  # by definition: each row divided by its largest magnitude (1 for a zero row) first
        scaled = [_unit_max(a.astype(np.float64)) for a in arrays_[:2]]
        expected = reference.cosine_embedding_loss(*scaled, arrays_[2], margin=margin, reduction=reduction)
    else:
        expected = reference.cosine_embedding_loss(*arrays_, margin=margin, reduction=reduction)
    np.testing.assert_allclose(got, expected, rtol=0, atol=atol)
    _check_reductions(ours, ours("none"), n, dtype, ATOL[dtype])

    native = fw.native("cosine")
    if native is None or n == 0 or case["stable"] or (backend == "paddle" and case["y"].ndim == 0):
        return  # (Paddle's native cosine loss takes no unbatched input)
    theirs = native(*args, margin=margin, reduction=reduction)
    np.testing.assert_allclose(numpy64(ours(reduction, fw.native_eps)), numpy64(theirs), rtol=0, atol=atol)


@pytest.mark.parametrize("backend", BACKENDS)
@at_least_200
@given(case=hinge_cases())
def test_hinge_property(backend, case):
    fw = framework(backend)
    dtype, reduction, margin = case["dtype"], case["reduction"], case["margin"]
    x = case["x"].astype(dtype)
    args = [fw.array(x), fw.array(case["y"])]
    size = x.size

    def ours(red):
        return embedloss.hinge_embedding_loss(*args, margin=margin, reduction=red)

    if size == 0 and reduction == "mean":
        with pytest.raises(ValueError, match="cannot be 'mean' over an empty batch"):
            ours("mean")
        return
    out = ours(reduction)
    assert fw.dtype_name(out) == dtype
    assert tuple(out.shape) == (x.shape if reduction == "none" else ())
    expected = reference.hinge_embedding_loss(x, case["y"], margin=margin, reduction=reduction)
    scale = max(1.0, float(np.abs(x).max(initial=0.0)), abs(margin))  # float32 rounds relative to these
    atol = ATOL[dtype] * scale * max(1, size)
    np.testing.assert_allclose(numpy64(out), expected, rtol=0, atol=atol)
    _check_reductions(ours, ours("none"), size, dtype, ATOL[dtype] * scale)

    native = fw.native("hinge")
    if native is None or size == 0 or (backend == "paddle" and x.ndim == 0):
        return  # (Paddle returns shape (1,) for a 0-d input: see the parity report)
    theirs = native(*args, margin=margin, reduction=reduction)
    np.testing.assert_allclose(numpy64(out), numpy64(theirs), rtol=0, atol=atol)


@pytest.mark.parametrize("backend", BACKENDS)
@at_least_200
@given(case=cosine_cases(), k1=st.integers(-100, 100), k2=st.integers(-100, 100))
def test_stable_is_exactly_scale_free(backend, case, k1, k2):
    """With stable=True, scaling a row by a power of two (exact in floating point) gives
    bit-identical losses, in float64 over 2**-100 .. 2**100."""
    fw = framework(backend)
    x1, x2, y = case["x1"], case["x2"], case["y"]
    tiny = np.finfo(np.float64).tiny
    for x, k in ((x1, k1), (x2, k2)):  # exact only while no value becomes subnormal
        hypothesis.assume(np.all((x == 0) | (np.abs(np.ldexp(x, k)) >= tiny)))
    if y.size == 0:
        return
    base = embedloss.cosine_embedding_loss(fw.array(x1), fw.array(x2), fw.array(y), margin=case["margin"],
                                           reduction="none", stable=True)
    scaled = embedloss.cosine_embedding_loss(fw.array(np.ldexp(x1, k1)), fw.array(np.ldexp(x2, k2)), fw.array(y),
                                             margin=case["margin"], reduction="none", stable=True)
    np.testing.assert_array_equal(numpy64(scaled), numpy64(base))
