"""``paddle.nn.Layer`` classes for both losses (importing this module imports Paddle)."""
from __future__ import annotations

from ._frameworks import import_paddle
from ._modules import CosineModuleMixin, HingeModuleMixin
from ._validation import Reduction, Validate

paddle = import_paddle()

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss"]


class CosineEmbeddingLoss(CosineModuleMixin, paddle.nn.Layer):
    """Layer form of :func:`embedloss.cosine_embedding_loss`; options are checked here, once.

    Pass ``eps=1e-11`` to reproduce ``paddle.nn.CosineEmbeddingLoss`` to rounding.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.CosineEmbeddingLoss(margin=0.2, eps=1e-11)
        >>> x = paddle.ones([2, 3])
        >>> float(loss(x, x, paddle.to_tensor([1, 1])))
        0.0
    """

    def __init__(self, margin: float = 0.0, reduction: Reduction = "mean", eps: float = 1e-12,
                 stable: bool = False, validate: Validate = "auto"):
        paddle.nn.Layer.__init__(self)
        self._set_options(margin, reduction, eps, stable, validate)


class HingeEmbeddingLoss(HingeModuleMixin, paddle.nn.Layer):
    """Layer form of :func:`embedloss.hinge_embedding_loss`; options are checked here, once.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.HingeEmbeddingLoss(margin=1.0)
        >>> x, y = paddle.to_tensor([0.5, 0.5]), paddle.to_tensor([1, -1])
        >>> float(loss(x, y))
        0.5
    """

    def __init__(self, margin: float = 1.0, reduction: Reduction = "mean", validate: Validate = "auto"):
        paddle.nn.Layer.__init__(self)
        self._set_options(margin, reduction, validate)
