"""``paddle.nn.Layer`` classes for both losses (importing this module imports Paddle)."""
from __future__ import annotations

from . import _validation as v
from ._cosine import cosine_embedding_loss
from ._frameworks import import_paddle
from ._hinge import hinge_embedding_loss

paddle = import_paddle()

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss"]


class CosineEmbeddingLoss(paddle.nn.Layer):
    """Layer form of :func:`embedloss.cosine_embedding_loss`; options are checked here, once.

    Pass ``eps=1e-11`` to reproduce ``paddle.nn.CosineEmbeddingLoss`` to rounding.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.CosineEmbeddingLoss(margin=0.2, eps=1e-11)
        >>> float(loss(paddle.ones([2, 3]), paddle.ones([2, 3]), paddle.to_tensor([1, 1])))
        0.0
    """

    def __init__(self, margin=0.0, reduction="mean", eps=1e-12, stable=False):
        super().__init__()
        name = type(self).__name__
        v.check_margin(name, margin, low=-1.0, high=1.0)
        v.check_reduction(name, reduction)
        v.check_eps(name, eps)
        self.margin, self.reduction, self.eps, self.stable = margin, reduction, eps, stable

    def forward(self, x1, x2, target):
        return cosine_embedding_loss(x1, x2, target, margin=self.margin, reduction=self.reduction,
                                     eps=self.eps, stable=self.stable)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}, eps={self.eps:g}, stable={self.stable}"


class HingeEmbeddingLoss(paddle.nn.Layer):
    """Layer form of :func:`embedloss.hinge_embedding_loss`; options are checked here, once.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.HingeEmbeddingLoss(margin=1.0)
        >>> float(loss(paddle.to_tensor([0.5, 0.5]), paddle.to_tensor([1, -1])))
        0.5
    """

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__()
        name = type(self).__name__
        v.check_margin(name, margin)
        v.check_reduction(name, reduction)
        self.margin, self.reduction = margin, reduction

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}"
