"""``torch.nn.Module`` classes for both losses (importing this module imports torch)."""
from __future__ import annotations

import torch

from . import _validation as v
from ._cosine import cosine_embedding_loss
from ._hinge import hinge_embedding_loss

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss"]


class CosineEmbeddingLoss(torch.nn.Module):
    """Module form of :func:`embedloss.cosine_embedding_loss`; options are checked here, once.

    Example:
        >>> import torch, embedloss.torch
        >>> loss = embedloss.torch.CosineEmbeddingLoss(margin=0.2)
        >>> loss(torch.ones(2, 3), torch.ones(2, 3), torch.tensor([1, 1])).item()
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


class HingeEmbeddingLoss(torch.nn.Module):
    """Module form of :func:`embedloss.hinge_embedding_loss`; options are checked here, once.

    Example:
        >>> import torch, embedloss.torch
        >>> loss = embedloss.torch.HingeEmbeddingLoss(margin=1.0)
        >>> loss(torch.tensor([0.5, 0.5]), torch.tensor([1, -1])).item()
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
