"""stable=True: the cosine does not depend on the rows' scale. float32 rows of any scale
from 1e-30 to 1e30 give the float64 exact answer (reference with eps=0) to float32
rounding, where the plain formula overflows (|x|^2 > 3.4e38) or is swamped by eps."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import numpy64

import embedloss
from embedloss import reference
from embedloss.testing import cosine_pairs

SCALES = [10.0**k for k in range(-30, 31, 5)]
ATOL = 2e-6  # float32 rounding of a cosine of 16-element rows (measured worst: a few 1e-7)


def _batch(scale1, scale2, n=16, d=16, seed=0):
    rng = np.random.default_rng(seed)
    x1, x2, y = cosine_pairs(rng, n, d)
    x2 = 0.8 * x1 + 0.2 * x2  # mostly similar pairs: the loss is far from the native's 1 or 0
    return (x1 * scale1).astype(np.float32), (x2 * scale2).astype(np.float32), y.astype(np.float32)


@pytest.mark.parametrize("scale", SCALES, ids=lambda s: f"{s:.0e}")
def test_stable_float32_matches_exact_float64(fw, scale):
    for scale2 in (scale, 1.0, 1.0 / scale):
        x1, x2, y = _batch(scale, scale2)
        exact = reference.cosine_embedding_loss(x1, x2, y, eps=0.0, reduction="none")
        out = embedloss.cosine_embedding_loss(fw.array(x1), fw.array(x2), fw.array(y), reduction="none",
                                              stable=True)
        assert fw.dtype_name(out) == "float32"
        np.testing.assert_allclose(numpy64(out), exact, rtol=0, atol=ATOL)


def test_one_batch_of_all_scales(fw):
    rng = np.random.default_rng(1)
    x1, x2, y = cosine_pairs(rng, len(SCALES), 8)
    x2 = 0.8 * x1 + 0.2 * x2
    s = np.array(SCALES)[:, None]
    x1, x2 = (x1 * s).astype(np.float32), (x2 * s[::-1]).astype(np.float32)
    exact = reference.cosine_embedding_loss(x1, x2, y, eps=0.0, margin=0.5, reduction="none")
    out = embedloss.cosine_embedding_loss(fw.array(x1), fw.array(x2), fw.array(y), margin=0.5,
                                          reduction="none", stable=True)
    np.testing.assert_allclose(numpy64(out), exact, rtol=0, atol=ATOL)


@pytest.mark.parametrize("scale", [1e-30, 1e-20, 1e20, 1e30], ids=lambda s: f"{s:.0e}")
def test_the_plain_formula_fails_on_these_rows(fw, scale):
    """The data above do exercise the problem: stable=False (the native formula) is off."""
    x1, x2, y = _batch(scale, scale)
    exact = reference.cosine_embedding_loss(x1, x2, y, eps=0.0, reduction="none")
    with np.errstate(all="ignore"):
        plain = numpy64(embedloss.cosine_embedding_loss(fw.array(x1), fw.array(x2), fw.array(y),
                                                        reduction="none"))
    assert not np.all(np.abs(plain - exact) < 0.1)


@pytest.mark.parametrize("scale", [1e-30, 1e-10, 1.0, 1e10, 1e30], ids=lambda s: f"{s:.0e}")
def test_stable_float32_gradient_matches_exact_float64(tensor_fw, scale):
    fw = tensor_fw
    x1, x2, y = _batch(scale, 1.0 / scale, n=8, d=6, seed=2)
    a, b = fw.leaf(x1, "float32"), fw.leaf(x2, "float32")
    fw.backward(embedloss.cosine_embedding_loss(a, b, fw.array(y), margin=0.3, reduction="sum", stable=True))
    # the exact gradient, float64 with eps=0 (float64 holds 1e30**2)
    a64, b64 = fw.leaf(x1, "float64"), fw.leaf(x2, "float64")
    fw.backward(embedloss.cosine_embedding_loss(a64, b64, fw.array(y, "float64"), margin=0.3,
                                                reduction="sum", eps=0.0))
    for g32, g64, s in ((fw.grad(a), fw.grad(a64), scale), (fw.grad(b), fw.grad(b64), 1.0 / scale)):
        assert np.all(np.isfinite(g32))
        np.testing.assert_allclose(g32 * s, g64 * s, rtol=0, atol=1e-5)  # |grad| ~ 1/scale


def test_zero_rows_give_the_native_loss(tensor_fw):
    fw = tensor_fw
    x1 = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    x2 = np.array([[1.0, -1.0, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    y = np.array([1.0, -1.0, -1.0], dtype=np.float32)
    args = [fw.array(a) for a in (x1, x2, y)]
    for margin in (-0.5, 0.0, 0.5):
        ours = embedloss.cosine_embedding_loss(*args, margin=margin, reduction="none", stable=True)
        theirs = fw.native("cosine")(*args, margin=margin, reduction="none")
        np.testing.assert_array_equal(numpy64(ours), numpy64(theirs))
        np.testing.assert_array_equal(numpy64(ours), [1.0, max(0.0, -margin), max(0.0, -margin)])


def test_stable_leaves_ordinary_rows_alone(fw):
    rng = np.random.default_rng(3)
    x1, x2, y = (fw.array(a, "float64") for a in cosine_pairs(rng, 20, 7))
    plain = embedloss.cosine_embedding_loss(x1, x2, y, margin=0.1, reduction="none")
    stable = embedloss.cosine_embedding_loss(x1, x2, y, margin=0.1, reduction="none", stable=True)
    # eps is added to the scaled squared norms, so it weighs differently: ~1e-12 apart
    np.testing.assert_allclose(numpy64(stable), numpy64(plain), rtol=0, atol=5e-12)
