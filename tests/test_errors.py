"""Every bad input of issue 3 raises, with a message that names the argument, the
expectation, what was received and the likely fix."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import embedloss
from embedloss import reference

COS = "cosine_embedding_loss"
HINGE = "hinge_embedding_loss"


def msg(*parts):
    """A regex matching the literal parts in order, anything between them."""
    return ".*".join(re.escape(p) for p in parts)


def pairs(fw, n=4, d=3, dtype="float32", labels=None):
    rng = np.random.default_rng(0)
    y = np.array([1, -1] * (n // 2) + [1] * (n % 2), dtype=dtype) if labels is None else np.asarray(labels)
    return fw.array(rng.standard_normal((n, d)), dtype), fw.array(rng.standard_normal((n, d)), dtype), fw.array(y)


# ---------------------------------------------------------------- target values

@pytest.mark.parametrize("loss", ["cosine", "hinge"])
def test_zero_one_labels_suggest_the_mapping(fw, loss):
    x1, x2, y = pairs(fw, labels=[0.0, 1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=msg("`target` must contain only 1 and -1, but got the values {0, 1}.",
                                             "Map them to {-1, 1} with `2 * target - 1`.")):
        if loss == "cosine":
            embedloss.cosine_embedding_loss(x1, x2, y)
        else:
            embedloss.hinge_embedding_loss(fw.array(np.ones(4, np.float32)), y)


@pytest.mark.parametrize("labels, shown", [([1.0, -1.0, 2.0, 1.0], "{-1, 1, 2}"),
                                           ([1.0, -1.0, 0.5, 1.0], "{-1, 0.5, 1}"),
                                           ([1.0, -1.0, math.nan, 1.0], "nan")])
def test_other_labels_are_listed(fw, labels, shown):
    x1, x2, y = pairs(fw, labels=np.asarray(labels, dtype=np.float64))
    x1, x2 = fw.array(np.ones((4, 3))), fw.array(np.ones((4, 3)))
    with pytest.raises(ValueError, match=msg(f"{COS}: `target` must contain only 1 and -1, but got the values",
                                             shown, "Use 1 for similar pairs and -1 for dissimilar ones.")):
        embedloss.cosine_embedding_loss(x1, x2, y)


def test_labels_close_to_one_are_not_one(fw):
    """Exact: 1 + 1e-15 is not 1 (Paddle's own float == would call it equal)."""
    y = fw.array(np.array([1.0 + 4e-16, -1.0]))
    x = fw.array(np.ones(2))
    with pytest.raises(ValueError, match=msg(f"{HINGE}: `target` must contain only 1 and -1")):
        embedloss.hinge_embedding_loss(x, y)


def test_many_bad_labels_are_shortened(fw):
    y = fw.array(np.arange(20, dtype=np.float64))
    with pytest.raises(ValueError, match=msg("the values {0, 1, 2, 3, 4, 5, 6, 7, ...}")):
        embedloss.hinge_embedding_loss(fw.array(np.ones(20)), y)


def test_boolean_target_is_a_type_error(fw):
    y = fw.array(np.array([True, False]))
    with pytest.raises(TypeError, match=msg(f"{HINGE}: `target` must hold the numbers 1 and -1",
                                            "but got dtype bool", "`2 * labels - 1`")):
        embedloss.hinge_embedding_loss(fw.array(np.ones(2)), y)


# ---------------------------------------------------------------- shapes

def test_target_of_shape_n_1_is_refused(fw):
    x1, x2, _ = pairs(fw)
    y = fw.array(np.ones((4, 1), dtype=np.float32))
    with pytest.raises(ValueError, match=msg(f"{COS}: `target` must have shape (4,) for inputs of shape (4, 3), "
                                             "but got shape (4, 1).", "target.reshape(-1)",
                                             "broadcasts silently")):
        embedloss.cosine_embedding_loss(x1, x2, y)


def test_target_of_wrong_length(fw):
    x1, x2, _ = pairs(fw)
    with pytest.raises(ValueError, match=msg("`target` must have shape (4,)", "but got shape (3,).",
                                             "Give one label per pair of rows.")):
        embedloss.cosine_embedding_loss(x1, x2, fw.array(np.ones(3)))


def test_unbatched_target_must_be_0d(fw):
    x = fw.array(np.ones(3))
    with pytest.raises(ValueError, match=msg("`target` must have shape () for inputs of shape (3,), "
                                             "but got shape (1,).",
                                             "pass a 0-d target")):
        embedloss.cosine_embedding_loss(x, x, fw.array(np.ones(1)))


def test_x2_of_another_shape(fw):
    x1, _, y = pairs(fw)
    with pytest.raises(ValueError, match=msg(f"{COS}: `x2` must have the shape of x1 (4, 3) (no broadcasting), "
                                             "but got shape (1, 3).")):
        embedloss.cosine_embedding_loss(x1, fw.array(np.ones((1, 3), np.float32)), y)


@pytest.mark.parametrize("shape", [(2, 3, 4), ()])
def test_cosine_inputs_of_wrong_rank(fw, shape):
    x = fw.array(np.ones(shape, np.float32))
    with pytest.raises(ValueError, match=msg(f"{COS}: `x1` must have shape (N, D) or (D,), but got shape {shape}.")):
        embedloss.cosine_embedding_loss(x, x, fw.array(np.ones(2)))


@pytest.mark.parametrize("target_shape, fix", [((3, 1), "Drop the trailing axis of length 1"),
                                               ((3,), "Drop the trailing axis of length 1"),
                                               ((1, 3), "Give one label per element of input.")])
def test_hinge_shapes_must_match_exactly(fw, target_shape, fix):
    x = fw.array(np.ones((3,) if target_shape == (3, 1) else (3, 1)))
    y = fw.array(np.ones(target_shape))
    with pytest.raises(ValueError, match=msg(f"{HINGE}: `target` must have the shape of input",
                                             "(no broadcasting), but got shape", fix)):
        embedloss.hinge_embedding_loss(x, y)


# ---------------------------------------------------------------- options

@pytest.mark.parametrize("reduction", ["avg", "elementwise_mean", None, "MEAN"])
def test_unknown_reduction(fw, reduction):
    x1, x2, y = pairs(fw)
    with pytest.raises(ValueError, match=msg(f"{COS}: `reduction` must be 'none', 'mean' or 'sum', "
                                             f"but got {reduction!r}.", "size_average/reduce")):
        embedloss.cosine_embedding_loss(x1, x2, y, reduction=reduction)
    with pytest.raises(ValueError, match=msg(f"{HINGE}: `reduction` must be")):
        embedloss.hinge_embedding_loss(x1, fw.array(np.ones((4, 3))), reduction=reduction)


@pytest.mark.parametrize("margin", [1.5, -1.01, 2])
def test_cosine_margin_outside_minus_one_one(fw, margin):
    x1, x2, y = pairs(fw)
    with pytest.raises(ValueError, match=msg(f"{COS}: `margin` must lie in [-1, 1], but got {margin!r}.",
                                             "0 to 0.5 is usual")):
        embedloss.cosine_embedding_loss(x1, x2, y, margin=margin)


@pytest.mark.parametrize("margin", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("loss", ["cosine", "hinge"])
def test_margin_not_finite(fw, loss, margin):
    x1, x2, y = pairs(fw)
    name = COS if loss == "cosine" else HINGE
    with pytest.raises(ValueError, match=msg(f"{name}: `margin` must be finite, but got {margin!r}.")):
        if loss == "cosine":
            embedloss.cosine_embedding_loss(x1, x2, y, margin=margin)
        else:
            embedloss.hinge_embedding_loss(x1, fw.array(np.ones((4, 3))), margin=margin)


@pytest.mark.parametrize("margin", ["0.5", None, True])
def test_margin_not_a_number(fw, margin):
    x = fw.array(np.ones(3))
    with pytest.raises(TypeError, match=msg(f"{HINGE}: `margin` must be a real number, but got",
                                            "margin=float(m)")):
        embedloss.hinge_embedding_loss(x, x, margin=margin)


def test_integer_and_numpy_margins_are_fine():
    x = np.ones(3)
    assert embedloss.hinge_embedding_loss(x, -x, margin=2) == 1.0
    assert embedloss.hinge_embedding_loss(x, -x, margin=np.float32(2.0)) == 1.0


@pytest.mark.parametrize("eps", [-1e-12, math.inf, math.nan])
def test_bad_eps(fw, eps):
    x1, x2, y = pairs(fw)
    with pytest.raises(ValueError, match=msg(f"{COS}: `eps` must be a finite number >= 0, but got {eps!r}.")):
        embedloss.cosine_embedding_loss(x1, x2, y, eps=eps)


@pytest.mark.parametrize("loss", ["cosine", "hinge"])
def test_mean_of_empty_batch(fw, loss):
    x, y = fw.array(np.zeros((0, 3))), fw.array(np.zeros((0,)))
    with pytest.raises(ValueError, match=msg("`reduction` cannot be 'mean' over an empty batch, but got 0 elements.",
                                             "reduction='sum'")):
        if loss == "cosine":
            embedloss.cosine_embedding_loss(x, x, y)
        else:
            embedloss.hinge_embedding_loss(y, y)


# ---------------------------------------------------------------- types

@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_non_floating_inputs(fw, dtype):
    x = fw.array(np.ones((2, 3), dtype=dtype))
    with pytest.raises(TypeError, match=msg(f"{COS}: `x1` must have a floating dtype", f"but got {dtype}.",
                                            "Cast it")):
        embedloss.cosine_embedding_loss(x, x, fw.array(np.ones(2)))


def test_complex_inputs(fw):
    x = fw.array(np.ones(3, dtype=np.complex64))
    with pytest.raises(TypeError, match=msg(f"{HINGE}: `input` must have a floating dtype", "complex64")):
        embedloss.hinge_embedding_loss(x, fw.array(np.ones(3)))


def test_inputs_of_two_dtypes(fw):
    x1 = fw.array(np.ones((2, 3)), "float32")
    x2 = fw.array(np.ones((2, 3)), "float64")
    with pytest.raises(TypeError, match=msg(f"{COS}: `x1/x2` must share one dtype, but got x1: float32, "
                                            "x2: float64.")):
        embedloss.cosine_embedding_loss(x1, x2, fw.array(np.ones(2)))


@pytest.mark.parametrize("bad", [[1.0, 2.0], 3.0, "abc", None])
def test_not_an_array(bad):
    with pytest.raises(TypeError, match=msg(f"{HINGE}: `input` must be a NumPy array, a torch.Tensor or a "
                                            "paddle.Tensor, but got", "np.asarray(value, dtype=np.float32)")):
        embedloss.hinge_embedding_loss(bad, np.ones(2))
    with pytest.raises(TypeError, match=msg(f"{COS}: `target` must be a NumPy array")):
        embedloss.cosine_embedding_loss(np.ones(2), np.ones(2), bad)


@pytest.mark.parametrize("other", ["torch", "paddle"])
def test_two_frameworks_in_one_call(other):
    from conftest import Framework

    f = Framework(other)
    x = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match=msg(f"{COS}: `x1/x2/target` must all come from one framework, "
                                            f"but got x1: numpy, x2: {other}, target: numpy.",
                                            "Convert them to one framework")):
        embedloss.cosine_embedding_loss(x, f.array(x), np.ones(2))


def test_two_torch_devices(torch_fw):
    torch = torch_fw.mod
    x = torch.ones(2, 3)
    with pytest.raises(ValueError, match=msg(f"{COS}: `x1/x2/target` must be on one device, but got "
                                             "x1 on cpu, x2 on meta, target on cpu.", "Move them")):
        embedloss.cosine_embedding_loss(x, torch.ones(2, 3, device="meta"), torch.ones(2))


# ---------------------------------------------------------------- the reference checks too

def test_reference_refuses_the_same_inputs():
    with pytest.raises(ValueError, match=msg("reference.cosine_embedding_loss: `target` must have shape (2,)")):
        reference.cosine_embedding_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 1)))
    with pytest.raises(ValueError, match=msg("reference.hinge_embedding_loss: `target` must contain only 1 and -1")):
        reference.hinge_embedding_loss(np.ones(2), np.array([0, 1]))
    with pytest.raises(ValueError, match=msg("reference.hinge_embedding_loss: `reduction` must be")):
        reference.hinge_embedding_loss(np.ones(2), np.ones(2), reduction="avg")
    with pytest.raises(ValueError, match=msg("reference.cosine_embedding_loss: `margin` must lie in [-1, 1]")):
        reference.cosine_embedding_loss(np.ones(2), np.ones(2), np.ones(()), margin=3.0)
    with pytest.raises(ValueError, match=msg("reference.hinge_embedding_loss: `reduction` cannot be 'mean'")):
        reference.hinge_embedding_loss(np.ones(0), np.ones(0))
