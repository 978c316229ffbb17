"""float16 and bfloat16: computed in float32, returned in the input dtype, in torch and
Paddle (and float16 in NumPy), also where Paddle's own loss refuses them."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import Framework, cosine_batch, hinge_batch, numpy64
from opinfo import REDUCTIONS, TOL

import embedloss
from embedloss import reference

# rounding of the float32 answer to the output dtype (8 and 11 significant bits): opinfo.TOL
RTOL = {dtype: TOL[dtype]["rtol"] for dtype in ("float16", "bfloat16")}
CASES = [("torch", "float16"), ("torch", "bfloat16"), ("paddle", "float16"), ("paddle", "bfloat16"),
         ("numpy", "float16")]


@pytest.mark.parametrize("name, dtype", CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_low_precision(name, dtype, reduction):
    fw = Framework(name)
    rng = np.random.default_rng(0)
    x1, x2, y = cosine_batch(rng, 12, 8)
    a, b = fw.array(x1, dtype), fw.array(x2, dtype)
    out = embedloss.cosine_embedding_loss(a, b, fw.array(y), margin=0.1, reduction=reduction)
    assert fw.dtype_name(out) == dtype
    # the reference on exactly the low-precision inputs
    expected = reference.cosine_embedding_loss(numpy64(a), numpy64(b), y, margin=0.1, reduction=reduction)
    np.testing.assert_allclose(numpy64(out), expected, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("name, dtype", CASES)
def test_hinge_low_precision(name, dtype):
    fw = Framework(name)
    rng = np.random.default_rng(1)
    x, y = hinge_batch(rng, (6, 5))
    a = fw.array(x, dtype)
    for reduction in REDUCTIONS:
        out = embedloss.hinge_embedding_loss(a, fw.array(y), margin=1.0, reduction=reduction)
        assert fw.dtype_name(out) == dtype
        expected = reference.hinge_embedding_loss(numpy64(a), y, margin=1.0, reduction=reduction)
        np.testing.assert_allclose(numpy64(out), expected, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("name, dtype", [c for c in CASES if c[0] != "numpy"])
def test_low_precision_gradients(name, dtype):
    fw = Framework(name)
    rng = np.random.default_rng(2)
    x1, x2, y = cosine_batch(rng, 6, 5, avoid_margin=0.2, gap=0.05)
    a, b = fw.leaf(x1, dtype), fw.leaf(x2, dtype)
    fw.backward(embedloss.cosine_embedding_loss(a, b, fw.array(y), margin=0.2, reduction="sum"))
    assert fw.dtype_name(a.grad) == dtype
    a64, b64 = fw.leaf(numpy64(a), "float64"), fw.leaf(numpy64(b), "float64")
    fw.backward(embedloss.cosine_embedding_loss(a64, b64, fw.array(y), margin=0.2, reduction="sum"))
    scale = np.abs(fw.grad(a64)).max()
    np.testing.assert_allclose(fw.grad(a), fw.grad(a64), rtol=0, atol=4 * RTOL[dtype] * scale)


@pytest.mark.parametrize("name, dtype", CASES)
def test_float16_rows_whose_squares_overflow(name, dtype):
    """Rows of 300: sum of squares 9e4 > 65504 (float16 max); accumulated in float32: fine."""
    fw = Framework(name)
    x1 = np.full((2, 4), 300.0)
    x2 = np.array([[300.0, 300.0, 300.0, 300.0], [300.0, -300.0, 300.0, -300.0]])
    out = embedloss.cosine_embedding_loss(fw.array(x1, dtype), fw.array(x2, dtype), fw.array(np.array([1.0, -1.0])),
                                          reduction="none")
    np.testing.assert_allclose(numpy64(out), [0.0, 0.0], atol=1e-3)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_paddle_refuses_what_embedloss_accepts(dtype):
    """Paddle 3.3's own losses raise for float16/bfloat16 on the CPU; embedloss computes them."""
    fw = Framework("paddle")
    rng = np.random.default_rng(3)
    x1, x2, y = cosine_batch(rng, 4, 3)
    a, b, t = fw.array(x1, dtype), fw.array(x2, dtype), fw.array(y, "float32")
    with pytest.raises(Exception):  # noqa: B017 - the point is that Paddle refuses; its error type varies
        fw.native("cosine")(a, b, t)
    with pytest.raises(Exception):  # noqa: B017
        fw.native("hinge")(a, fw.array(np.ones((4, 3)), dtype))
    out = embedloss.cosine_embedding_loss(a, b, t)
    expected = reference.cosine_embedding_loss(numpy64(a), numpy64(b), y)
    np.testing.assert_allclose(numpy64(out), expected, rtol=RTOL[dtype], atol=RTOL[dtype])
    out = embedloss.hinge_embedding_loss(a, fw.array(np.ones((4, 3)), dtype))
    np.testing.assert_allclose(numpy64(out), numpy64(a).mean(), rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_torch_low_precision_matches_native_to_rounding(torch_fw, dtype):
    rng = np.random.default_rng(4)
    x1, x2, y = cosine_batch(rng, 10, 6)
    a, b, t = torch_fw.array(x1, dtype), torch_fw.array(x2, dtype), torch_fw.array(y, dtype)
    ours = embedloss.cosine_embedding_loss(a, b, t, reduction="none")
    theirs = torch_fw.native("cosine")(a, b, t, reduction="none")
    np.testing.assert_allclose(numpy64(ours), numpy64(theirs), rtol=2 * RTOL[dtype], atol=2 * RTOL[dtype])


@pytest.mark.parametrize("name, dtype", CASES)
def test_low_precision_targets_are_checked(name, dtype):
    fw = Framework(name)
    x = fw.array(np.ones(3), "float32")
    with pytest.raises(ValueError, match=r"`target` must contain only 1 and -1, but got the values \{0, 1\}"):
        embedloss.hinge_embedding_loss(x, fw.array(np.array([0.0, 1.0, 1.0]), dtype))
    out = embedloss.hinge_embedding_loss(x, fw.array(np.array([1.0, -1.0, 1.0]), dtype), margin=2.0)
    np.testing.assert_allclose(numpy64(out), 1.0)
