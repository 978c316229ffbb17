"""Gradients: torch.autograd.gradcheck in float64 for both losses, and embedloss's
gradients equal to the native function's in torch and in Paddle.

The generated data keeps every -1 pair away from the kink of the hinge (cos == margin
for the cosine loss, x == margin for the hinge loss). At the kink the subgradient is a
convention that the frameworks do not share (torch's clamp_min passes the gradient at
the tie, Paddle's relu and clip do not), so tied points would compare conventions, not
implementations; see embedloss.testing.cosine_pairs / hinge_distances.
"""
from __future__ import annotations

import numpy as np
import pytest

import embedloss
from embedloss._types import REDUCTIONS
from embedloss.testing import GRAD_TOLERANCE, cosine_pairs, hinge_distances


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [-0.5, 0.0, 0.3, 0.9])
@pytest.mark.parametrize("stable", [False, True])
def test_cosine_gradcheck(reduction, margin, stable):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x1, x2, y = cosine_pairs(rng, 6, 4, avoid_margin=margin, gap=1e-2)
    a = torch.tensor(x1, requires_grad=True)
    b = torch.tensor(x2 * 3.0, requires_grad=True)
    t = torch.tensor(y)
    assert torch.autograd.gradcheck(
        lambda a, b: embedloss.cosine_embedding_loss(a, b, t, margin=margin, reduction=reduction, stable=stable),
        (a, b))


def test_cosine_gradcheck_unbatched_and_eps():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    x1, x2, _ = cosine_pairs(rng, 1, 5, avoid_margin=-0.8, gap=1e-2)
    a, b = torch.tensor(x1[0], requires_grad=True), torch.tensor(x2[0], requires_grad=True)
    for y, eps in ((1.0, 1e-12), (-1.0, 1e-11), (-1.0, 0.5)):
        assert torch.autograd.gradcheck(
            lambda a, b, y=y, eps=eps: embedloss.cosine_embedding_loss(a, b, torch.tensor(y), margin=-0.8, eps=eps),
            (a, b))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [-0.5, 0.5, 1.0, 2.0])
def test_hinge_gradcheck(reduction, margin):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x, y = hinge_distances(rng, (3, 4), avoid_margin=margin, gap=1e-2)
    xt, t = torch.tensor(x, requires_grad=True), torch.tensor(y)
    assert torch.autograd.gradcheck(
        lambda x: embedloss.hinge_embedding_loss(x, t, margin=margin, reduction=reduction), (xt,))


def test_gradcheck_would_catch_a_wrong_gradient():
    """The check above is not vacuous: a loss whose backward is off by a factor fails it."""
    torch = pytest.importorskip("torch")

    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return 1.01 * g

    rng = np.random.default_rng(13)
    x, y = hinge_distances(rng, (5,), avoid_margin=1.0)
    xt, t = torch.tensor(x, requires_grad=True), torch.tensor(y)
    assert not torch.autograd.gradcheck(lambda x: embedloss.hinge_embedding_loss(Wrong.apply(x), t), (xt,),
                                        raise_exception=False)


def _grads(fw, fn, arrays, dtype, n_leaves):
    leaves = [fw.leaf(a, dtype) for a in arrays[:n_leaves]]
    rest = [fw.array(a, dtype) for a in arrays[n_leaves:]]
    fw.backward(fn(*leaves, *rest))
    return [fw.grad(t) for t in leaves]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [-1.0, -0.3, 0.0, 0.4, 1.0])
def test_cosine_gradients_equal_native(tensor_fw, dtype, reduction, margin):
    fw = tensor_fw
    rng = np.random.default_rng(14)
    arrays = cosine_pairs(rng, 10, 6, avoid_margin=margin)
    kw = dict(margin=margin, reduction=reduction)
    ours = _grads(fw, lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, eps=fw.native_eps, **kw),
                  arrays, dtype, 2)
    theirs = _grads(fw, lambda a, b, t: fw.native("cosine")(a, b, t, **kw), arrays, dtype, 2)
    for g_ours, g_theirs in zip(ours, theirs):
        assert np.any(g_ours != 0)
        np.testing.assert_allclose(g_ours, g_theirs, **GRAD_TOLERANCE[dtype]._asdict())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [-1.0, 0.0, 0.7, 1.0, 2.0])
def test_hinge_gradients_equal_native(tensor_fw, dtype, reduction, margin):
    fw = tensor_fw
    rng = np.random.default_rng(15)
    arrays = hinge_distances(rng, (4, 5), avoid_margin=margin)
    kw = dict(margin=margin, reduction=reduction)
    (ours,) = _grads(fw, lambda x, t: embedloss.hinge_embedding_loss(x, t, **kw), arrays, dtype, 1)
    (theirs,) = _grads(fw, lambda x, t: fw.native("hinge")(x, t, **kw), arrays, dtype, 1)
    assert np.any(ours != 0)
    np.testing.assert_allclose(ours, theirs, **GRAD_TOLERANCE[dtype]._asdict())


def test_zero_row_gradient_equals_native(tensor_fw):
    """A zero row: cos = 0 with a finite (large) gradient, the same as the native's."""
    fw = tensor_fw
    x1 = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    x2 = np.array([[1.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    arrays = (x1, x2, np.array([1.0, -1.0]))
    for stable in (False, True):
        ours = _grads(fw, lambda a, b, t, stable=stable: embedloss.cosine_embedding_loss(
            a, b, t, margin=-0.5, eps=fw.native_eps, stable=stable), arrays, "float64", 2)
        theirs = _grads(fw, lambda a, b, t: fw.native("cosine")(a, b, t, margin=-0.5), arrays, "float64", 2)
        for g_ours, g_theirs in zip(ours, theirs):
            assert np.all(np.isfinite(g_ours))
            np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-11)  # large: amplified by 1/sqrt(eps)


def test_stable_gradient_equals_plain_gradient_for_ordinary_rows(tensor_fw):
    fw = tensor_fw
    rng = np.random.default_rng(16)
    arrays = cosine_pairs(rng, 8, 5, avoid_margin=0.1)
    plain = _grads(fw, lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.1), arrays, "float64", 2)
    stable = _grads(fw, lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.1, stable=True),
                    arrays, "float64", 2)
    for g_plain, g_stable in zip(plain, stable):
        np.testing.assert_allclose(g_stable, g_plain, rtol=1e-9, atol=1e-14)
