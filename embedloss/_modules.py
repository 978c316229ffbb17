"""What the torch ``Module`` and the paddle ``Layer`` classes share: options checked
once at construction, ``forward`` calling the one implementation, and the repr."""
from __future__ import annotations

from ._cosine import cosine_embedding_loss
from ._hinge import hinge_embedding_loss
from ._validation import check_cosine_options, check_hinge_options


class CosineModuleMixin:
    def _set_options(self, margin, reduction, eps, stable, validate):
        check_cosine_options(type(self).__name__, margin, reduction, eps, validate)
        self.margin, self.reduction, self.eps, self.stable, self.validate = margin, reduction, eps, stable, validate

    def forward(self, x1, x2, target):
        """The loss of ``x1``, ``x2`` and ``target`` (see :func:`embedloss.cosine_embedding_loss`)."""
        return cosine_embedding_loss(x1, x2, target, margin=self.margin, reduction=self.reduction,
                                     eps=self.eps, stable=self.stable, validate=self.validate)

    def extra_repr(self):
        return (f"margin={self.margin}, reduction={self.reduction!r}, eps={self.eps:g}, stable={self.stable}"
                + _validate_repr(self.validate))


class HingeModuleMixin:
    def _set_options(self, margin, reduction, validate):
        check_hinge_options(type(self).__name__, margin, reduction, validate)
        self.margin, self.reduction, self.validate = margin, reduction, validate

    def forward(self, input, target):
        """The loss of ``input`` and ``target`` (see :func:`embedloss.hinge_embedding_loss`)."""
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction,
                                    validate=self.validate)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}" + _validate_repr(self.validate)


def _validate_repr(validate):
    """The default is left out of the repr (as PyTorch's modules print only what they have)."""
    return "" if validate == "auto" else f", validate={validate!r}"
