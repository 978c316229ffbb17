"""What the torch ``Module`` and the paddle ``Layer`` classes share: options checked
once at construction, and a ``forward`` that calls the one implementation."""
from __future__ import annotations

from . import _validation as v
from ._cosine import cosine_embedding_loss
from ._hinge import hinge_embedding_loss


class CosineOptions:
    def _set_options(self, margin, reduction, eps, stable):
        name = type(self).__name__
        v.check_margin(name, margin, low=-1.0, high=1.0)
        v.check_reduction(name, reduction)
        v.check_eps(name, eps)
        self.margin, self.reduction, self.eps, self.stable = margin, reduction, eps, stable

    def forward(self, x1, x2, target):
        """The loss of ``x1``, ``x2`` and ``target`` (see :func:`embedloss.cosine_embedding_loss`)."""
        return cosine_embedding_loss(x1, x2, target, margin=self.margin, reduction=self.reduction,
                                     eps=self.eps, stable=self.stable)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}, eps={self.eps:g}, stable={self.stable}"


class HingeOptions:
    def _set_options(self, margin, reduction):
        name = type(self).__name__
        v.check_margin(name, margin)
        v.check_reduction(name, reduction)
        self.margin, self.reduction = margin, reduction

    def forward(self, input, target):
        """The loss of ``input`` and ``target`` (see :func:`embedloss.hinge_embedding_loss`)."""
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}"
