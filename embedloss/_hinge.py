"""HingeEmbeddingLoss, once, for NumPy arrays, torch tensors and paddle tensors."""
from __future__ import annotations

import math

from . import _validation as v
from ._frameworks import LOW_PRECISION

NAME = "hinge_embedding_loss"


def hinge_embedding_loss(input, target, *, margin=1.0, reduction="mean"):
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
        target: labels of exactly the shape of ``input`` (no broadcasting), every
            value 1 or -1; integer or floating.
        margin: dissimilar pairs closer than ``margin`` are pushed apart. Finite.
        reduction: ``"none"`` (shape of ``input``), ``"mean"`` or ``"sum"`` (scalars).

    Returns:
        The loss, of the input's framework, device and dtype. float16 and bfloat16
        are computed in float32.

    Raises:
        TypeError: an input that is not a floating array, or arrays of two frameworks.
        ValueError: a target value other than 1 or -1, a target of another shape,
            a margin that is not finite, an unknown reduction, or ``"mean"`` of an
            empty input.

    Example:
        >>> import numpy as np
        >>> import embedloss
        >>> x = np.array([0.3, 0.3, 1.5])
        >>> y = np.array([1, -1, -1])
        >>> embedloss.hinge_embedding_loss(x, y, reduction="none")
        array([0.3, 0.7, 0. ])
    """
    xp = v.backend_of(NAME, input=input, target=target)
    v.check_floating(NAME, xp, input=input)
    v.check_same_shape(NAME, input, target)
    v.check_target(NAME, xp, target)
    v.check_margin(NAME, margin)
    v.check_reduction(NAME, reduction)
    v.check_not_empty(NAME, math.prod(input.shape), reduction)

    margin, dtype = float(margin), input.dtype
    low = xp.dtype_name(input) in LOW_PRECISION
    if low:
        input = xp.cast(input, xp.float32_of(input))
    loss = xp.where(target == 1, input, xp.clamp_min0(margin - input))
    loss = xp.reduce(loss, reduction)
    return xp.cast(loss, dtype) if low else loss
