"""The losses with the signatures of ``paddle.nn.functional``: a port changes one import.

    import embedloss.paddle.functional as F   # was: import paddle.nn.functional as F
    F.cosine_embedding_loss(input1, input2, label, 0.5, "mean")

The cosine loss adds Paddle's eps (``10e-12``, ``PaddleBackend.native_eps``), so
values match Paddle's to rounding; ``name`` is accepted and unused, as in Paddle's
dynamic mode. Checks and errors are those of :func:`embedloss.cosine_embedding_loss`
and :func:`embedloss.hinge_embedding_loss` (labels are validated; float16, bfloat16
and one pair of shape ``(D,)`` with a label of shape ``[1]`` or ``[]`` work).
"""
from __future__ import annotations

from typing import Any

from .._cosine import cosine_embedding_loss as _cosine
from .._hinge import hinge_embedding_loss as _hinge
from .._paddle import PaddleBackend, import_paddle
from .._types import Reduction

paddle = import_paddle()

__all__ = ["cosine_embedding_loss", "hinge_embedding_loss"]

_EPS = 1e-11  # (PaddleBackend.native_eps: Paddle's loss.py writes 10e-12)
assert PaddleBackend.native_eps == _EPS


def cosine_embedding_loss(input1: Any, input2: Any, label: Any, margin: float = 0, reduction: Reduction = "mean",
                          name: str | None = None) -> Any:
    """``paddle.nn.functional.cosine_embedding_loss``, checked (see :func:`embedloss.cosine_embedding_loss`).

    Example:
        >>> import paddle
        >>> import embedloss.paddle.functional as F
        >>> x, y = paddle.ones([2, 3]), paddle.to_tensor([1, -1])
        >>> round(float(F.cosine_embedding_loss(x, x, y, 0.5)), 6)
        0.25
    """
    return _cosine(input1, input2, label, margin=margin, reduction=reduction, eps=_EPS)


def hinge_embedding_loss(input: Any, label: Any, margin: float = 1.0, reduction: Reduction = "mean",
                         name: str | None = None) -> Any:
    """``paddle.nn.functional.hinge_embedding_loss``, checked (see :func:`embedloss.hinge_embedding_loss`).

    Example:
        >>> import paddle
        >>> import embedloss.paddle.functional as F
        >>> d, y = paddle.to_tensor([0.5, 0.5]), paddle.to_tensor([1, -1])
        >>> float(F.hinge_embedding_loss(d, y, 2.0))
        1.0
    """
    return _hinge(input, label, margin=margin, reduction=reduction)
