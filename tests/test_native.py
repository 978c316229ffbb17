"""embedloss next to the frameworks' own losses, beyond the case table
(test_opinfo.py compares every row with the native loss): where embedloss runs the
native operations the bits are the native's, float64 adds exactly the eps given, the
module classes equal the functions, and low precision (float16, bfloat16) gets
float32-accurate gradients, also where Paddle's own loss refuses it."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import Framework, numpy64

import embedloss
from embedloss import reference
from embedloss._types import REDUCTIONS
from embedloss.testing import DTYPES, EPS, GRAD_TOLERANCE, LOW_PRECISION, cosine_pairs, hinge_distances


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_same_operations_give_the_native_bits(tensor_fw, dtype, reduction):
    """Where embedloss runs the native operations (PyTorch: the native op itself; Paddle:
    the same ops, given Paddle's eps), values and gradients equal native bit for bit."""
    fw = tensor_fw
    x1, x2, y = cosine_pairs(np.random.default_rng(7), 16, 8, avoid_margin=0.2, gap=1e-2)
    results = []
    for fn in (lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.2, reduction=reduction,
                                                               eps=EPS[fw.name]),
               lambda a, b, t: fw.native("cosine")(a, b, t, margin=0.2, reduction=reduction)):
        a, b = fw.leaf(x1, dtype), fw.leaf(x2, dtype)
        out = fn(a, b, fw.array(y, dtype))
        fw.backward(out)
        results.append([numpy64(out), fw.grad(a), fw.grad(b)])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_gives_the_native_bits(tensor_fw, dtype, reduction):
    fw = tensor_fw
    x, y = hinge_distances(np.random.default_rng(8), (6, 5), avoid_margin=0.7, gap=1e-2)
    results = []
    for fn in (lambda v, t: embedloss.hinge_embedding_loss(v, t, margin=0.7, reduction=reduction),
               lambda v, t: fw.native("hinge")(v, t, margin=0.7, reduction=reduction)):
        v = fw.leaf(x, dtype)
        out = fn(v, fw.array(y, dtype))
        fw.backward(out)
        results.append([numpy64(out), fw.grad(v)])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_float64_adds_exactly_the_eps_it_is_given(torch_fw):
    """PyTorch's own op adds its eps as a float32 (9.99999996e-13); in float64 embedloss
    adds exactly 1e-12, so next to a zero row it agrees with the reference, not the op
    (the case hypothesis once found: a row of 1.19e-7)."""
    x1, x2, y = np.array([1.1920929e-07]), np.array([1.0]), np.asarray(1.0)
    args = [torch_fw.array(a, "float64") for a in (x1, x2, y)]
    ours = numpy64(embedloss.cosine_embedding_loss(*args, reduction="none"))
    np.testing.assert_allclose(ours, reference.cosine_embedding_loss(x1, x2, y, reduction="none"), rtol=0, atol=1e-15)
    native = numpy64(torch_fw.native("cosine")(*args, reduction="none"))
    assert abs(ours - native) > 1e-10


def test_torch_output_keeps_device_and_grad(torch_fw):
    x = torch_fw.leaf(np.ones((2, 3)), "float32")
    out = embedloss.cosine_embedding_loss(x, x * 2, torch_fw.array(np.array([1.0, -1.0])))
    assert out.device == x.device and out.requires_grad


# ---------------------------------------------------------------- module classes

@pytest.mark.parametrize("name", ["torch", "paddle"])
def test_module_classes_match_functions(name):
    f = Framework(name)
    mod = getattr(embedloss, name)
    rng = np.random.default_rng(6)
    x1, x2, y = (f.array(a, "float32") for a in cosine_pairs(rng, 8, 5))
    for kw in ({}, {"margin": 0.3, "reduction": "sum"}, {"margin": -0.2, "reduction": "none", "eps": 1e-11},
               {"stable": True}):
        layer = mod.CosineEmbeddingLoss(**kw)
        np.testing.assert_array_equal(numpy64(layer(x1, x2, y)),
                                      numpy64(embedloss.cosine_embedding_loss(x1, x2, y, **kw)))
    x, yh = (f.array(a, "float32") for a in hinge_distances(rng, (4, 3)))
    for kw in ({}, {"margin": 0.5, "reduction": "none"}):
        layer = mod.HingeEmbeddingLoss(**kw)
        np.testing.assert_array_equal(numpy64(layer(x, yh)),
                                      numpy64(embedloss.hinge_embedding_loss(x, yh, **kw)))
    base = f.mod.nn.Module if name == "torch" else f.mod.nn.Layer
    assert isinstance(mod.CosineEmbeddingLoss(), base) and isinstance(mod.HingeEmbeddingLoss(), base)
    assert "margin=0.5" in repr(mod.HingeEmbeddingLoss(margin=0.5))


@pytest.mark.parametrize("name", ["torch", "paddle"])
def test_module_classes_check_options_at_construction(name):
    mod = getattr(embedloss, Framework(name).name)
    with pytest.raises(ValueError, match=r"CosineEmbeddingLoss: `margin` must lie in \[-1, 1\], but got 1\.5"):
        mod.CosineEmbeddingLoss(margin=1.5)
    with pytest.raises(ValueError, match=r"HingeEmbeddingLoss: `reduction` must be 'none', 'mean' or 'sum', "
                                         r"but got 'avg'"):
        mod.HingeEmbeddingLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"CosineEmbeddingLoss: `eps` must be a finite number >= 0"):
        mod.CosineEmbeddingLoss(eps=-1.0)


# ---------------------------------------------------------------- low precision

@pytest.mark.parametrize("dtype", LOW_PRECISION)
def test_low_precision_gradients(tensor_fw, dtype):
    """Gradients of float16/bfloat16 inputs: float32's, rounded once to the input dtype."""
    fw = tensor_fw
    x1, x2, y = cosine_pairs(np.random.default_rng(2), 6, 5, avoid_margin=0.2, gap=0.05)
    a, b = fw.leaf(x1, dtype), fw.leaf(x2, dtype)
    fw.backward(embedloss.cosine_embedding_loss(a, b, fw.array(y), margin=0.2, reduction="sum"))
    assert fw.dtype_name(a.grad) == dtype
    a64, b64 = fw.leaf(numpy64(a), "float64"), fw.leaf(numpy64(b), "float64")
    fw.backward(embedloss.cosine_embedding_loss(a64, b64, fw.array(y), margin=0.2, reduction="sum"))
    scale = np.abs(fw.grad(a64)).max()
    np.testing.assert_allclose(fw.grad(a), fw.grad(a64), rtol=0, atol=GRAD_TOLERANCE[dtype].atol * scale)


@pytest.mark.parametrize("dtype", LOW_PRECISION)
def test_paddle_refuses_what_embedloss_accepts(paddle_fw, dtype):
    """Paddle 3.3's own losses raise for float16/bfloat16 on the CPU; embedloss computes
    them (its values: the case table's low-precision rows, test_opinfo.py)."""
    fw = paddle_fw
    x1, x2, y = cosine_pairs(np.random.default_rng(3), 4, 3)
    a, b, t = fw.array(x1, dtype), fw.array(x2, dtype), fw.array(y, "float32")
    with pytest.raises(Exception):  # noqa: B017 - the point is that Paddle refuses; its error type varies
        fw.native("cosine")(a, b, t)
    with pytest.raises(Exception):  # noqa: B017
        fw.native("hinge")(a, fw.array(np.ones((4, 3)), dtype))
    assert fw.dtype_name(embedloss.cosine_embedding_loss(a, b, t)) == dtype
