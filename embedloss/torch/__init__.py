"""``torch.nn.Module`` classes for both losses and ``functional``, the
losses with the signatures of ``torch.nn.functional`` (importing this module imports torch)."""
from __future__ import annotations

import torch

from .._modules import CosineModuleMixin, HingeModuleMixin
from .._types import Reduction, Validate
from . import functional

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss", "functional"]


class CosineEmbeddingLoss(CosineModuleMixin, torch.nn.Module):
    """Module form of :func:`embedloss.cosine_embedding_loss`; options are checked here, once.

    Example:
        >>> import torch, embedloss.torch
        >>> loss = embedloss.torch.CosineEmbeddingLoss(margin=0.2)
        >>> loss(torch.ones(2, 3), torch.ones(2, 3), torch.tensor([1, 1])).item()
        0.0
    """

    def __init__(self, margin: float = 0.0, reduction: Reduction = "mean", eps: float = 1e-12,
                 stable: bool = False, validate: Validate = "auto") -> None:
        torch.nn.Module.__init__(self)
        self._set_options(margin, reduction, eps, stable, validate)


class HingeEmbeddingLoss(HingeModuleMixin, torch.nn.Module):
    """Module form of :func:`embedloss.hinge_embedding_loss`; options are checked here, once.

    Example:
        >>> import torch, embedloss.torch
        >>> loss = embedloss.torch.HingeEmbeddingLoss(margin=1.0)
        >>> loss(torch.tensor([0.5, 0.5]), torch.tensor([1, -1])).item()
        0.5
    """

    def __init__(self, margin: float = 1.0, reduction: Reduction = "mean", validate: Validate = "auto") -> None:
        torch.nn.Module.__init__(self)
        self._set_options(margin, reduction, validate)
