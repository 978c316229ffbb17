"""The plain call of the torch backend (embedloss._torch._plain_calls): the common eager
call, checked and computed in one function, reading a few float labels as bytes from
the tensor's memory. Every label layout it may meet must get the verdict of the
general checks: the native loss for labels 1 and -1, the ValueError otherwise.
"""
from __future__ import annotations

import numpy as np
import pytest

import embedloss

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _labels(n, dtype=torch.float32, seed=0):
    rng = np.random.default_rng(seed)
    return torch.tensor(np.where(rng.random(n) < 0.5, 1.0, -1.0)).to(dtype)


def _layouts(n):
    """Labels 1/-1 of length n in every layout the plain call must handle."""
    base = _labels(n)
    wide = _labels(3 * n)
    yield "contiguous", base
    yield "float64", base.double()
    yield "float16", base.half()
    yield "int64", base.long()
    yield "int8", base.to(torch.int8)
    yield "strided", wide[::3]
    yield "offset", wide[n:2 * n]
    yield "negated view", base._neg_view()
    yield "requires grad", base.clone().requires_grad_()
    yield "expanded", torch.ones(1).expand(n)


BAD_VALUES = [0.0, 2.0, -0.5, float("nan"), "1 + eps", float("inf"), -0.0]  # eps: of the labels' dtype


@pytest.mark.parametrize("n", [1, 8, 4096, 20000])  # 20000 float32 labels: more than the byte read takes
def test_hinge_labels_in_every_layout(n):
    x = torch.rand(n) * 2
    for name, y in _layouts(n):
        got = embedloss.hinge_embedding_loss(x, y)
        assert torch.equal(got, F.hinge_embedding_loss(x, y.detach().float())), name


@pytest.mark.parametrize("n", [1, 8, 5000])
def test_cosine_labels_in_every_layout(n):
    a, b = torch.randn(n, 4), torch.randn(n, 4)
    for name, y in _layouts(n):
        got = embedloss.cosine_embedding_loss(a, b, y, margin=0.2)
        assert torch.equal(got, F.cosine_embedding_loss(a, b, y.detach().float(), margin=0.2)), name


@pytest.mark.parametrize("where", [0, 5, -1])
@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_a_bad_label_anywhere_is_refused(where, value, dtype):
    y = _labels(8, dtype)
    y[where] = 1.0 + torch.finfo(dtype).eps if value == "1 + eps" else value
    x = torch.rand(8)
    with pytest.raises(ValueError, match="`target` must contain only 1 and -1"):
        embedloss.hinge_embedding_loss(x, y)
    with pytest.raises(ValueError, match="`target` must contain only 1 and -1"):
        embedloss.cosine_embedding_loss(torch.randn(8, 3), torch.randn(8, 3), y)


def test_a_bad_label_behind_a_view_is_refused():
    wide = _labels(24)
    wide[7] = 0.0  # outside the slice below: the slice is fine
    assert torch.equal(embedloss.hinge_embedding_loss(torch.ones(8), wide[8:16]),
                       F.hinge_embedding_loss(torch.ones(8), wide[8:16]))
    wide[15] = 0.0  # inside it
    with pytest.raises(ValueError, match=r"got the values \{(-1, )?0(, 1)?\}"):
        embedloss.hinge_embedding_loss(torch.ones(8), wide[8:16])
    neg = torch.tensor([1.0, -1.0, 0.5])._neg_view()  # memory holds 1, -1, 0.5; the values -1, 1, -0.5
    with pytest.raises(ValueError, match="`target` must contain only 1 and -1"):
        embedloss.hinge_embedding_loss(torch.ones(3), neg)


def test_labels_changed_in_place_are_read_again():
    x, y = torch.rand(8), _labels(8)
    embedloss.hinge_embedding_loss(x, y)
    y.numpy()[3] = 0.0  # (through a NumPy view: torch's version counter does not see it)
    with pytest.raises(ValueError, match="`target` must contain only 1 and -1"):
        embedloss.hinge_embedding_loss(x, y)


def test_bool_labels_and_empty_batches_take_the_general_checks():
    with pytest.raises(TypeError, match="`target` must hold the numbers 1 and -1"):
        embedloss.hinge_embedding_loss(torch.rand(3), torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="cannot be 'mean' over an empty batch"):
        embedloss.hinge_embedding_loss(torch.rand(0), torch.ones(0))
    assert embedloss.hinge_embedding_loss(torch.rand(0), torch.ones(0), reduction="sum").item() == 0.0
    with pytest.raises(ValueError, match="cannot be 'mean' over an empty batch"):
        embedloss.cosine_embedding_loss(torch.rand(0, 3), torch.rand(0, 3), torch.ones(0))


def test_options_the_plain_call_leaves_to_the_general_checks():
    x, y = torch.rand(4), _labels(4)
    with pytest.raises(ValueError, match="`reduction` must be"):
        embedloss.hinge_embedding_loss(x, y, reduction=["mean"])
    with pytest.raises(ValueError, match="`margin` must be finite"):
        embedloss.hinge_embedding_loss(x, y, margin=float("inf"))
    with pytest.raises(TypeError, match="`margin` must be a real number"):
        embedloss.hinge_embedding_loss(x, y, margin=True)
    with pytest.raises(ValueError, match="`target` must broadcast"):
        embedloss.hinge_embedding_loss(x, y[:, None])
    a = torch.randn(4, 3)
    with pytest.raises(ValueError, match="`margin` must lie in"):
        embedloss.cosine_embedding_loss(a, a, y, margin=1.5)
    with pytest.raises(ValueError, match=r"`target` must have shape \(4,\)"):
        embedloss.cosine_embedding_loss(a, a, y[:, None])
    # eps other than PyTorch's, stable, float64: the formula, not the native op (the same values here)
    for kwargs in ({"eps": 1e-11}, {"stable": True}):
        got = embedloss.cosine_embedding_loss(a, a * 2, y, **kwargs)
        assert torch.allclose(got, F.cosine_embedding_loss(a, a * 2, y), atol=1e-6)
