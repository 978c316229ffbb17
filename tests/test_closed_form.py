"""cosine_embedding_loss(..., closed_form=True): the closed-form backward
(embedloss._closed_form) against the float64 formula, gradcheck, the native loss's
values, and its refusals where it cannot run.

The float64 gradient is autograd's through embedloss's float64 formula (eps exactly
1e-12; its values are tested against embedloss.reference elsewhere). The bound is
embedloss._closed_form.GRAD_BOUND: the largest error as a fraction of the largest
gradient, the measure the cost page records for both the closed form and native
PyTorch.
"""
from __future__ import annotations

import numpy as np
import pytest

import embedloss
from embedloss._closed_form import GRAD_BOUND
from embedloss._types import REDUCTIONS
from embedloss.testing import cosine_pairs

torch = pytest.importorskip("torch")
F = torch.nn.functional

MARGINS = (-0.5, 0.0, 0.2, 0.9)


def _data(n=40, d=24, seed=0, zero_rows=True):
    x1, x2, y = cosine_pairs(np.random.default_rng(seed), n, d)
    x2 = x2 * 3.0
    if zero_rows:  # a zero row in each input: the eps-dominated case
        x1[1], x2[2] = 0.0, 0.0
    return x1, x2, y


def _grads(x1, x2, y, dtype, g=None, **kwargs):
    a = torch.tensor(x1, dtype=dtype, requires_grad=True)
    b = torch.tensor(x2, dtype=dtype, requires_grad=True)
    loss = embedloss.cosine_embedding_loss(a, b, torch.tensor(y, dtype=dtype), **kwargs)
    loss.backward(None if g is None else torch.tensor(g, dtype=dtype))
    return loss.detach(), torch.cat([a.grad, b.grad]).double()


def _relative_error(g, ref):
    return float((g - ref).abs().max() / ref.abs().max())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", MARGINS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradients_within_the_bound_of_float64(reduction, margin, dtype):
    x1, x2, y = _data(seed=int(10 * margin) + 10)
    g = np.random.default_rng(1).standard_normal(len(y)) if reduction == "none" else None
    _, ref = _grads(x1, x2, y, torch.float64, g, margin=margin, reduction=reduction)
    _, ours = _grads(x1, x2, y, getattr(torch, dtype), g, margin=margin, reduction=reduction, closed_form=True)
    assert _relative_error(ours, ref) <= GRAD_BOUND[dtype]


@pytest.mark.parametrize("options", [{"eps": 1e-11}, {"eps": 0.5}, {"stable": True}, {"stable": True, "eps": 0.0}])
def test_gradients_with_other_options(options):
    x1, x2, y = _data(zero_rows="eps" in options and options["eps"] > 0)
    for dtype in ("float32", "float64"):
        _, ref = _grads(x1, x2, y, torch.float64, margin=0.2, **options)
        _, ours = _grads(x1, x2, y, getattr(torch, dtype), margin=0.2, closed_form=True, **options)
        assert _relative_error(ours, ref) <= GRAD_BOUND[dtype]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", MARGINS)
def test_float32_values_are_the_native_loss_bit_for_bit(reduction, margin):
    x1, x2, y = _data(n=33, d=7)
    a, b, t = (torch.tensor(v, dtype=torch.float32) for v in (x1, x2, y))
    ours = embedloss.cosine_embedding_loss(a, b, t, margin=margin, reduction=reduction, closed_form=True)
    assert torch.equal(ours, F.cosine_embedding_loss(a, b, t, margin=margin, reduction=reduction))


def test_float64_values_are_embedlosss_formula():
    x1, x2, y = _data()
    a, b, t = (torch.tensor(v) for v in (x1, x2, y))
    for reduction in REDUCTIONS:
        ours = embedloss.cosine_embedding_loss(a, b, t, margin=0.2, reduction=reduction, closed_form=True)
        ref = embedloss.reference.cosine_embedding_loss(x1, x2, y, margin=0.2, reduction=reduction)
        np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [-0.5, 0.0, 0.3, 0.9])
@pytest.mark.parametrize("stable", [False, True])
def test_gradcheck(reduction, margin, stable):
    x1, x2, y = cosine_pairs(np.random.default_rng(10), 6, 4, avoid_margin=margin, gap=1e-2)
    a = torch.tensor(x1, requires_grad=True)
    b = torch.tensor(x2 * 3.0, requires_grad=True)
    t = torch.tensor(y)
    assert torch.autograd.gradcheck(
        lambda a, b: embedloss.cosine_embedding_loss(a, b, t, margin=margin, reduction=reduction, stable=stable,
                                                     closed_form=True), (a, b))


def test_gradcheck_unbatched():
    x1, x2, _ = cosine_pairs(np.random.default_rng(11), 1, 5, avoid_margin=-0.8, gap=1e-2)
    a, b = torch.tensor(x1[0], requires_grad=True), torch.tensor(x2[0], requires_grad=True)
    for y in (1.0, -1.0):
        assert torch.autograd.gradcheck(lambda a, b, y=y: embedloss.cosine_embedding_loss(
            a, b, torch.tensor(y), margin=-0.8, closed_form=True), (a, b))


def test_a_wrong_gradient_fails_the_bound():
    """The bound is not vacuous: the gradient of the loss with the opposite sign of the
    label-1 term (an easy slip in a hand-written backward) is far outside it."""
    x1, x2, y = _data()
    _, ref = _grads(x1, x2, y, torch.float64, margin=0.2)
    _, flipped = _grads(x1, x2, -y, torch.float64, margin=0.2)
    assert _relative_error(flipped, ref) > 1e3 * GRAD_BOUND["float32"]


def test_the_tie_passes_the_gradient_as_native_does():
    """cos == margin for a -1 pair: torch's clamp_min passes the gradient; so does the closed form."""
    a = torch.tensor([[1.0, 0.0]], requires_grad=True)
    b = torch.tensor([[0.0, 1.0]], requires_grad=True)
    t = torch.tensor([-1.0])
    F.cosine_embedding_loss(a, b, t, margin=0.0).backward()
    native = torch.cat([a.grad, b.grad])
    a.grad = b.grad = None
    embedloss.cosine_embedding_loss(a, b, t, margin=0.0, closed_form=True).backward()
    assert torch.equal(torch.cat([a.grad, b.grad]), native) and native.abs().sum() > 0


def test_one_input_requiring_grad():
    x1, x2, y = _data()
    a, b = torch.tensor(x1, requires_grad=True), torch.tensor(x2)
    embedloss.cosine_embedding_loss(a, b, torch.tensor(y), closed_form=True).backward()
    ref = torch.tensor(x1, requires_grad=True)
    embedloss.cosine_embedding_loss(ref, b, torch.tensor(y)).backward()
    assert b.grad is None and _relative_error(a.grad, ref.grad) <= GRAD_BOUND["float64"]


def test_half_precision_is_computed_in_float32():
    x1, x2, y = _data(zero_rows=False)
    for dtype in (torch.float16, torch.bfloat16):
        a, b = torch.tensor(x1, dtype=dtype), torch.tensor(x2, dtype=dtype)
        t = torch.tensor(y)
        ours = embedloss.cosine_embedding_loss(a, b, t, closed_form=True)
        assert ours.dtype == dtype
        assert torch.equal(ours, embedloss.cosine_embedding_loss(a, b, t))


def test_labels_are_still_checked():
    a, b = torch.ones(3, 2), torch.ones(3, 2)
    with pytest.raises(ValueError, match=r"`target` must contain only 1 and -1, but got the values \{0, 1\}"):
        embedloss.cosine_embedding_loss(a, b, torch.tensor([1.0, 0.0, 1.0]), closed_form=True)


def test_twice_differentiable_is_refused():
    a = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, 3, dtype=torch.float64)
    loss = embedloss.cosine_embedding_loss(a, b, torch.tensor([1.0, -1.0, 1.0, -1.0]), margin=-1.0,
                                           closed_form=True)
    with pytest.raises(RuntimeError, match=r"`closed_form=True` gives a gradient that is not differentiable again"):
        torch.autograd.grad(loss, a, create_graph=True)
    (g,) = torch.autograd.grad(loss, a)  # (once is fine)
    assert g.shape == a.shape


def test_refused_outside_eager_torch():
    x1, x2, y = _data(n=4, d=3, zero_rows=False)
    with pytest.raises(ValueError, match=r"`closed_form` works with torch tensors only, but got True with numpy"):
        embedloss.cosine_embedding_loss(x1, x2, y, closed_form=True)
    with pytest.raises(TypeError, match=r"`closed_form` must be True or False, but got int 1"):
        embedloss.cosine_embedding_loss(torch.tensor(x1), torch.tensor(x2), torch.tensor(y), closed_form=1)
    a, b, t = torch.tensor(x1), torch.tensor(x2), torch.tensor(y)
    eager_only = r"`closed_form` runs eagerly only"
    with pytest.raises(ValueError, match=eager_only):
        torch.func.vmap(lambda u, v: embedloss.cosine_embedding_loss(u, v, t, closed_form=True))(a[None], b[None])
    with pytest.raises(ValueError, match=eager_only):
        torch.func.grad(lambda u: embedloss.cosine_embedding_loss(u, b, t, closed_form=True))(a)
    with pytest.raises(ValueError, match=eager_only):
        embedloss.cosine_embedding_loss(a.to("meta"), b.to("meta"), t.to("meta"), closed_form=True)
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode(), pytest.raises(ValueError, match=eager_only):
        embedloss.cosine_embedding_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2), closed_form=True)


def test_refused_with_paddle():
    paddle = embedloss.import_paddle() if _has_paddle() else pytest.skip("paddle is not installed")
    x = paddle.ones([2, 3])
    with pytest.raises(ValueError, match=r"`closed_form` works with torch tensors only, but got True with paddle"):
        embedloss.cosine_embedding_loss(x, x, paddle.ones([2]), closed_form=True)


def _has_paddle():
    import importlib.util

    return importlib.util.find_spec("paddle") is not None


@pytest.mark.slow
def test_refused_under_torch_compile_fullgraph():
    a, b, t = torch.ones(2, 3), torch.ones(2, 3), torch.ones(2)
    fn = torch.compile(lambda u, v: embedloss.cosine_embedding_loss(u, v, t, closed_form=True), fullgraph=True,
                       backend="eager")
    with pytest.raises(Exception, match=r"`closed_form` runs eagerly only"):
        fn(a, b)
