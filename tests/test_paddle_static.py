"""paddle.jit.to_static in both modes (AST with full_graph=True, and SOT): embedloss
runs, equals eager, and a bad label still raises (ValueError from the static Assert)."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import Framework, cosine_batch, hinge_batch

import embedloss


@pytest.fixture
def paddle():
    return Framework("paddle").mod


def _cosine(a, b, t):
    return embedloss.cosine_embedding_loss(a, b, t, margin=0.2)


def _hinge(x, t):
    return embedloss.hinge_embedding_loss(x, t, margin=0.5)


def _args(paddle, loss):
    rng = np.random.default_rng(0)
    arrays = cosine_batch(rng, 8, 16) if loss == "cosine" else hinge_batch(rng, (8, 16))
    return [paddle.to_tensor(a.astype("float32")) for a in arrays]


@pytest.mark.parametrize("full_graph", [True, False], ids=["ast", "sot"])
@pytest.mark.parametrize("loss", ["cosine", "hinge"])
@pytest.mark.parametrize("form", ["function", "layer"])
def test_to_static_equals_eager_and_raises_on_bad_labels(paddle, full_graph, loss, form):
    import embedloss.paddle as ep

    if form == "function":
        fn = _cosine if loss == "cosine" else _hinge
    else:
        fn = ep.CosineEmbeddingLoss(margin=0.2) if loss == "cosine" else ep.HingeEmbeddingLoss(margin=0.5)
    args = _args(paddle, loss)
    eager = fn(*args)
    static = paddle.jit.to_static(fn, full_graph=full_graph)
    np.testing.assert_allclose(static(*args).numpy(), eager.numpy(), rtol=1e-6, atol=1e-7)
    bad = args[-1].numpy().copy()
    bad.reshape(-1)[1] = 0.5
    with pytest.raises(ValueError, match=r"AssertOp must be true|`target` must contain only 1 and -1"):
        static(*args[:-1], paddle.to_tensor(bad))
