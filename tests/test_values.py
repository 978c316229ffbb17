"""Values: embedloss against the float64 reference and the native PyTorch / Paddle
functions, for every reduction, margins across their range, unbatched inputs, float32
and float64, on NumPy, torch and paddle inputs; plus the module classes."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import TOL, Framework, cosine_batch, hinge_batch, numpy64
from opinfo import COSINE_MARGINS, DTYPES, HINGE_MARGINS, REDUCTIONS

import embedloss
from embedloss import reference


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", COSINE_MARGINS)
def test_cosine_matches_reference_and_native(fw, dtype, reduction, margin):
    rng = np.random.default_rng(1)
    x1, x2, y = cosine_batch(rng, 12, 7)
    args = [fw.array(a, dtype) for a in (x1, x2, y)]
    out = embedloss.cosine_embedding_loss(*args, margin=margin, reduction=reduction)

    assert type(out) is type(args[0]) and fw.dtype_name(out) == dtype
    assert tuple(out.shape) == ((12,) if reduction == "none" else ())
    cast = [a.astype(dtype) for a in (x1, x2, y)]  # the reference sees exactly the inputs
    expected = reference.cosine_embedding_loss(*cast, margin=margin, reduction=reduction)
    np.testing.assert_allclose(numpy64(out), expected, **TOL[dtype])

    native = fw.native("cosine")
    if native is not None:  # the native function with its own eps, embedloss given the same eps
        ours = embedloss.cosine_embedding_loss(*args, margin=margin, reduction=reduction, eps=fw.native_eps)
        theirs = native(*args, margin=margin, reduction=reduction)
        np.testing.assert_allclose(numpy64(ours), numpy64(theirs), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", HINGE_MARGINS)
def test_hinge_matches_reference_and_native(fw, dtype, reduction, margin):
    rng = np.random.default_rng(2)
    x, y = hinge_batch(rng, (5, 3, 2))
    args = [fw.array(a, dtype) for a in (x, y)]
    out = embedloss.hinge_embedding_loss(*args, margin=margin, reduction=reduction)

    assert type(out) is type(args[0]) and fw.dtype_name(out) == dtype
    assert tuple(out.shape) == ((5, 3, 2) if reduction == "none" else ())
    expected = reference.hinge_embedding_loss(x.astype(dtype), y, margin=margin, reduction=reduction)
    np.testing.assert_allclose(numpy64(out), expected, **TOL[dtype])

    native = fw.native("hinge")
    if native is not None:
        theirs = native(*args, margin=margin, reduction=reduction)
        np.testing.assert_allclose(numpy64(out), numpy64(theirs), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_unbatched(fw, dtype, reduction):
    rng = np.random.default_rng(3)
    x1, x2, y = cosine_batch(rng, 2, 9)
    for i in range(2):  # one similar pair, one dissimilar pair
        args = [fw.array(x1[i], dtype), fw.array(x2[i], dtype), fw.array(np.asarray(y[i]), dtype)]
        out = embedloss.cosine_embedding_loss(*args, margin=-0.3, reduction=reduction)
        assert tuple(out.shape) == ()
        expected = reference.cosine_embedding_loss(x1[i].astype(dtype), x2[i].astype(dtype), y[i],
                                                   margin=-0.3, reduction=reduction)
        np.testing.assert_allclose(numpy64(out), expected, **TOL[dtype])
        batched = embedloss.cosine_embedding_loss(*[fw.array(a[i:i + 1], dtype) for a in (x1, x2, y)],
                                                  margin=-0.3, reduction="sum")
        np.testing.assert_allclose(numpy64(out), numpy64(batched), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_unbatched_matches_native_torch(torch_fw, dtype, reduction):
    rng = np.random.default_rng(4)
    x1, x2, y = cosine_batch(rng, 1, 9)
    args = [torch_fw.array(x1[0], dtype), torch_fw.array(x2[0], dtype), torch_fw.array(np.asarray(-1.0), dtype)]
    ours = embedloss.cosine_embedding_loss(*args, margin=-0.9, reduction=reduction)
    theirs = torch_fw.native("cosine")(*args, margin=-0.9, reduction=reduction)
    assert tuple(ours.shape) == tuple(theirs.shape) == ()
    np.testing.assert_allclose(numpy64(ours), numpy64(theirs), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_hinge_zero_dim(fw, dtype):
    x, y = fw.array(np.asarray(0.4), dtype), fw.array(np.asarray(-1.0), dtype)
    out = embedloss.hinge_embedding_loss(x, y, margin=1.0, reduction="none")
    assert tuple(out.shape) == ()
    np.testing.assert_allclose(numpy64(out), 0.6, rtol=1e-6)


def test_integer_targets_are_fine(fw):
    rng = np.random.default_rng(5)
    x1, x2, y = cosine_batch(rng, 6, 4)
    yi = y.astype(np.int64)
    a = embedloss.cosine_embedding_loss(fw.array(x1), fw.array(x2), fw.array(yi), margin=0.1)
    b = embedloss.cosine_embedding_loss(fw.array(x1), fw.array(x2), fw.array(y), margin=0.1)
    np.testing.assert_allclose(numpy64(a), numpy64(b), rtol=0, atol=0)
    x, yh = hinge_batch(rng, (6,))
    a = embedloss.hinge_embedding_loss(fw.array(x), fw.array(yh.astype(np.int32)))
    np.testing.assert_allclose(numpy64(a), reference.hinge_embedding_loss(x, yh), rtol=1e-12)


def test_sum_of_empty_batch_is_zero(fw):
    x1 = fw.array(np.zeros((0, 3)))
    y = fw.array(np.zeros((0,)))
    out = embedloss.cosine_embedding_loss(x1, x1, y, reduction="sum")
    assert float(numpy64(out)) == 0.0
    out = embedloss.hinge_embedding_loss(y, y, reduction="none")
    assert tuple(out.shape) == (0,)


def test_seed_tutorial_values():
    """The seed tutorial's example (torch.manual_seed(20), 100x128 randn) through embedloss
    equals native torch exactly: same formula, same operation order."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    torch.manual_seed(20)
    a, b = torch.randn(100, 128), torch.randn(100, 128)
    y = 2 * torch.empty(100).random_(2) - 1
    assert embedloss.cosine_embedding_loss(a, b, y, margin=0.2).item() == \
        F.cosine_embedding_loss(a, b, y, margin=0.2).item()
    x = 1 - torch.cosine_similarity(a, b)
    assert embedloss.hinge_embedding_loss(x, y, margin=0.2).item() == \
        F.hinge_embedding_loss(x, y, margin=0.2).item()
    np.testing.assert_allclose(embedloss.hinge_embedding_loss(x, y, margin=0.2).item(), 0.4938560426235199,
                               rtol=1e-6)  # the published value, to float32 rounding


def test_paddle_page_hinge_example(fw):
    """Paddle's API page: 3x3 input and label, margin 1.0."""
    x = fw.array(np.array([[1, -2, 3], [0, -1, 2], [1, 0, 1]], dtype=np.float32))
    y = fw.array(np.array([[-1, 1, -1], [1, 1, 1], [1, -1, 1]], dtype=np.float32))
    none = embedloss.hinge_embedding_loss(x, y, margin=1.0, reduction="none")
    np.testing.assert_array_equal(numpy64(none), [[0, -2, 0], [0, -1, 2], [1, 1, 1]])
    np.testing.assert_allclose(numpy64(embedloss.hinge_embedding_loss(x, y, margin=1.0)), 2 / 9, rtol=1e-7)


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
    x1, x2, y = (f.array(a, "float32") for a in cosine_batch(rng, 8, 5))
    for kw in ({}, {"margin": 0.3, "reduction": "sum"}, {"margin": -0.2, "reduction": "none", "eps": 1e-11},
               {"stable": True}):
        layer = mod.CosineEmbeddingLoss(**kw)
        np.testing.assert_array_equal(numpy64(layer(x1, x2, y)),
                                      numpy64(embedloss.cosine_embedding_loss(x1, x2, y, **kw)))
    x, yh = (f.array(a, "float32") for a in hinge_batch(rng, (4, 3)))
    for kw in ({}, {"margin": 0.5, "reduction": "none"}):
        layer = mod.HingeEmbeddingLoss(**kw)
        np.testing.assert_array_equal(numpy64(layer(x, yh)),
                                      numpy64(embedloss.hinge_embedding_loss(x, yh, **kw)))
    base = f.mod.nn.Module if name == "torch" else f.mod.nn.Layer
    assert isinstance(mod.CosineEmbeddingLoss(), base) and isinstance(mod.HingeEmbeddingLoss(), base)
    assert "margin=0.5" in repr(mod.HingeEmbeddingLoss(margin=0.5))


@pytest.mark.parametrize("name", ["torch", "paddle"])
def test_module_classes_check_options_at_construction(name):
    if name == "paddle":
        pytest.importorskip("paddle")
    mod = getattr(embedloss, name)
    with pytest.raises(ValueError, match=r"CosineEmbeddingLoss: `margin` must lie in \[-1, 1\], but got 1\.5"):
        mod.CosineEmbeddingLoss(margin=1.5)
    with pytest.raises(ValueError, match=r"HingeEmbeddingLoss: `reduction` must be 'none', 'mean' or 'sum', "
                                         r"but got 'avg'"):
        mod.HingeEmbeddingLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"CosineEmbeddingLoss: `eps` must be a finite number >= 0"):
        mod.CosineEmbeddingLoss(eps=-1.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_same_operations_give_the_native_bits(tensor_fw, dtype, reduction):
    """Where embedloss runs the native operations (PyTorch: the native op itself; Paddle:
    the same ops, given Paddle's eps), values and gradients equal native bit for bit."""
    fw = tensor_fw
    rng = np.random.default_rng(7)
    x1, x2, y = cosine_batch(rng, 16, 8, avoid_margin=0.2, gap=1e-2)
    eps = {"torch": 1e-12, "paddle": 1e-11}[fw.name]
    results = []
    for fn in (lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.2, reduction=reduction, eps=eps),
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
    x, y = hinge_batch(np.random.default_rng(8), (6, 5), avoid_margin=0.7, gap=1e-2)
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
