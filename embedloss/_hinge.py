"""HingeEmbeddingLoss, once, for NumPy arrays, torch tensors and paddle tensors."""
# (no `from __future__ import annotations`: the signature shows the Literal, not its name)

from typing import Any

from ._dispatch import OWNER_BY_TYPE, before_call
from ._types import Array, Backend, Reduction, Validate
from ._validation import checked_hinge_call

NAME = "hinge_embedding_loss"


def hinge_embedding_loss(input: Array, target: Array, *, margin: float = 1.0, reduction: Reduction = "mean",
                         validate: Validate = "auto") -> Array:
    r"""Hinge embedding loss of distances, labelled similar (1) or dissimilar (-1).

    .. math::

        \ell_i = \begin{cases} x_i & y_i = 1 \\
                               \max(0, \text{margin} - x_i) & y_i = -1 \end{cases}

    followed by the reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.
    ``x`` is meant to be a distance (non-negative): for ``y = 1`` the loss is ``x``
    itself, so a negative ``x`` gives a negative loss.

    Args:
        input: distances of any shape; a NumPy array, torch tensor or paddle tensor
            of a floating dtype.
        target: labels of the shape of ``input``, or of a shape that broadcasts to
            it without enlarging the result (``(1, 5)`` against ``(5, 5)``, not
            ``(N, 1)`` against ``(N,)``), every value 1 or -1; integer or floating.
        margin: dissimilar pairs closer than ``margin`` are pushed apart. Finite.
        reduction: ``"none"`` (shape of ``input``), ``"mean"`` or ``"sum"`` (scalars).
        validate: ``"auto"`` (default), ``"sync"`` or ``"async"``: how label values
            are checked where reading them costs a host sync. Every mode (eager,
            compiled and exported, CUDA, ``vmap``, ``to_static``) checks as listed
            for :func:`embedloss.cosine_embedding_loss`. In PyTorch the loss is
            PyTorch's own op (the same values for labels 1 and -1).

    Returns:
        The loss, of the input's framework, device and dtype. float16 and bfloat16
        are computed in float32 (and, under ``torch.autocast``, returned in float32,
        as PyTorch's own loss does).

    Raises:
        TypeError: an input that is not a floating array, or arrays of two frameworks.
        ValueError: a target value other than 1 or -1, a target that does not
            broadcast to the input's shape,
            a margin that is not finite, an unknown reduction or validate, or
            ``"mean"`` of an empty input.

    Example:
        >>> import numpy as np
        >>> import embedloss
        >>> x = np.array([0.3, 0.3, 1.5])
        >>> y = np.array([1, -1, -1])
        >>> embedloss.hinge_embedding_loss(x, y, reduction="none")
        array([0.3, 0.7, 0. ])
    """
    before_call()  # the backends' hook (Paddle's: before any helper runs under to_static's AST mode)
    xp = OWNER_BY_TYPE.get(type(input))
    if xp is not None and xp.plain_hinge is not None:  # the common call, checked and computed at once
        loss: Array = xp.plain_hinge(input, target, margin, reduction, validate)
        if loss is not None:
            return loss
    xp, bad_labels, plain = checked_hinge_call(NAME, input, target, margin, reduction, validate)
    if plain and (native := xp.native_hinge()) is not None:
        loss = native(input, target, margin, reduction)
    else:
        loss = _hinge(xp, bad_labels, input, target, float(margin), reduction)
    return loss


def _hinge(xp: Backend, bad_labels: Any, input: Any, target: Any, margin: float, reduction: str) -> Any:
    """The loss of checked arguments."""
    (input,), out_dtype = xp.upcast(input)
    if bad_labels is not None:  # inside torch.func.vmap: NaN loss and gradients for those samples
        (input,), target = xp.nan_for_bad_labels(bad_labels, target, (input,), per_row=False)
    native = xp.native_hinge()
    if native is not None:
        loss = native(input, target, margin, reduction)
    else:
        loss = xp.reduce(xp.where(target == 1, input, xp.clamp_min0(margin - input)), reduction)
    return xp.cast(loss, out_dtype)
