"""What the torch ``Module`` and the paddle ``Layer`` classes share: options checked
once at construction, ``forward`` calling the one implementation, and the repr."""
from __future__ import annotations

from typing import Any

from ._cosine import cosine_embedding_loss
from ._hinge import hinge_embedding_loss
from ._types import Reduction, Validate
from ._validation import check_cosine_options, check_hinge_options


class CosineModuleMixin:
    margin: float
    reduction: Reduction
    eps: float
    stable: bool
    validate: Validate

    def _set_options(self, margin: float, reduction: Reduction, eps: float, stable: bool,
                     validate: Validate) -> None:
        check_cosine_options(type(self).__name__, margin, reduction, eps, validate)
        self.margin, self.reduction, self.eps, self.stable, self.validate = margin, reduction, eps, stable, validate

    def forward(self, x1: Any, x2: Any, target: Any) -> Any:
        """The loss of ``x1``, ``x2`` and ``target`` (see :func:`embedloss.cosine_embedding_loss`)."""
        return cosine_embedding_loss(x1, x2, target, margin=self.margin, reduction=self.reduction,
                                     eps=self.eps, stable=self.stable, validate=self.validate)

    def extra_repr(self) -> str:
        return (f"margin={self.margin}, reduction={self.reduction!r}, eps={self.eps:g}, stable={self.stable}"
                + _validate_repr(self.validate))


class HingeModuleMixin:
    margin: float
    reduction: Reduction
    validate: Validate

    def _set_options(self, margin: float, reduction: Reduction, validate: Validate) -> None:
        check_hinge_options(type(self).__name__, margin, reduction, validate)
        self.margin, self.reduction, self.validate = margin, reduction, validate

    def forward(self, input: Any, target: Any) -> Any:
        """The loss of ``input`` and ``target`` (see :func:`embedloss.hinge_embedding_loss`)."""
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction,
                                    validate=self.validate)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}" + _validate_repr(self.validate)


def _validate_repr(validate: str) -> str:
    """The default is left out of the repr (as PyTorch's modules print only what they have)."""
    return "" if validate == "auto" else f", validate={validate!r}"
