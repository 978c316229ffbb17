"""The losses with the signatures of ``torch.nn.functional``: a port changes one import.

    import embedloss.torch.functional as F   # was: import torch.nn.functional as F
    F.cosine_embedding_loss(input1, input2, target, 0.5)

The deprecated ``size_average`` and ``reduce`` are handled by PyTorch's own
``torch.nn._reduction.legacy_get_string``: the same reduction and the same warning.
Checks, errors and values are those of :func:`embedloss.cosine_embedding_loss` and
:func:`embedloss.hinge_embedding_loss` (labels are validated; the eps is PyTorch's).
"""
from __future__ import annotations

from typing import cast

import torch
from torch.nn import _reduction

from .._cosine import cosine_embedding_loss as _cosine
from .._hinge import hinge_embedding_loss as _hinge
from .._types import Reduction

__all__ = ["cosine_embedding_loss", "hinge_embedding_loss"]


def _reduction_of(size_average: bool | None, reduce: bool | None, reduction: str) -> Reduction:
    """The reduction to use; size_average and reduce, when given, as PyTorch maps them."""
    if size_average is not None or reduce is not None:
        reduction = _reduction.legacy_get_string(size_average, reduce)
    return cast(Reduction, reduction)  # (any other string: the loss raises, naming it)


def cosine_embedding_loss(input1: torch.Tensor, input2: torch.Tensor, target: torch.Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> torch.Tensor:
    """``torch.nn.functional.cosine_embedding_loss``, checked (see :func:`embedloss.cosine_embedding_loss`).

    Example:
        >>> import torch
        >>> import embedloss.torch.functional as F
        >>> a, y = torch.ones(2, 3), torch.tensor([1, -1])
        >>> F.cosine_embedding_loss(a, a, y, 0.5).item()
        0.25
    """
    return _cosine(input1, input2, target, margin=margin, reduction=_reduction_of(size_average, reduce, reduction))


def hinge_embedding_loss(input: torch.Tensor, target: torch.Tensor, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> torch.Tensor:
    """``torch.nn.functional.hinge_embedding_loss``, checked (see :func:`embedloss.hinge_embedding_loss`).

    Example:
        >>> import torch
        >>> import embedloss.torch.functional as F
        >>> d, y = torch.tensor([0.5, 0.5]), torch.tensor([1, -1])
        >>> F.hinge_embedding_loss(d, y, 2.0).item()
        1.0
    """
    return _hinge(input, target, margin=margin, reduction=_reduction_of(size_average, reduce, reduction))
