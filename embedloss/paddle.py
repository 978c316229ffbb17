"""``paddle.nn.Layer`` classes for both losses (importing this module imports Paddle)."""
from __future__ import annotations

from ._frameworks import import_paddle
from ._modules import CosineOptions, HingeOptions

paddle = import_paddle()

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss"]


class CosineEmbeddingLoss(CosineOptions, paddle.nn.Layer):
    """Layer form of :func:`embedloss.cosine_embedding_loss`; options are checked here, once.

    Pass ``eps=1e-11`` to reproduce ``paddle.nn.CosineEmbeddingLoss`` to rounding.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.CosineEmbeddingLoss(margin=0.2, eps=1e-11)
        >>> x = paddle.ones([2, 3])
        >>> float(loss(x, x, paddle.to_tensor([1, 1])))
        0.0
    """

    def __init__(self, margin=0.0, reduction="mean", eps=1e-12, stable=False):
        paddle.nn.Layer.__init__(self)
        self._set_options(margin, reduction, eps, stable)


class HingeEmbeddingLoss(HingeOptions, paddle.nn.Layer):
    """Layer form of :func:`embedloss.hinge_embedding_loss`; options are checked here, once.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.HingeEmbeddingLoss(margin=1.0)
        >>> x, y = paddle.to_tensor([0.5, 0.5]), paddle.to_tensor([1, -1])
        >>> float(loss(x, y))
        0.5
    """

    def __init__(self, margin=1.0, reduction="mean"):
        paddle.nn.Layer.__init__(self)
        self._set_options(margin, reduction)
