"""``paddle.nn.Layer`` classes for both losses and ``functional``, the
losses with the signatures of ``paddle.nn.functional`` (importing this module imports Paddle)."""
from __future__ import annotations

from typing import Any

from .._modules import CosineModuleMixin, HingeModuleMixin
from .._paddle import import_paddle
from .._types import Reduction, Validate
from . import functional

paddle = import_paddle()
_Layer: Any = paddle.nn.Layer  # (Paddle is not analysed by the type checker: its classes are Any)

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss", "functional"]


class CosineEmbeddingLoss(CosineModuleMixin, _Layer):
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
                 stable: bool = False, validate: Validate = "auto") -> None:
        _Layer.__init__(self)
        self._set_options(margin, reduction, eps, stable, validate)


class HingeEmbeddingLoss(HingeModuleMixin, _Layer):
    """Layer form of :func:`embedloss.hinge_embedding_loss`; options are checked here, once.

    Example:
        >>> import paddle, embedloss.paddle
        >>> loss = embedloss.paddle.HingeEmbeddingLoss(margin=1.0)
        >>> x, y = paddle.to_tensor([0.5, 0.5]), paddle.to_tensor([1, -1])
        >>> float(loss(x, y))
        0.5
    """

    def __init__(self, margin: float = 1.0, reduction: Reduction = "mean", validate: Validate = "auto") -> None:
        _Layer.__init__(self)
        self._set_options(margin, reduction, validate)
