"""The specification: both losses in NumPy float64, as literally as the formulas.

Everything else in embedloss, and the native PyTorch and Paddle functions, is tested
against these. They take anything ``np.asarray`` accepts, torch tensors and paddle
tensors (copied to float64 on the CPU), compute in float64 and return float64 NumPy
arrays.
No shortcuts: one row, one cosine, one case of the definition at a time.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._numpy import NumpyBackend
from ._types import Reduction
from ._validation import (
    COSINE_MARGIN_RANGE,
    bad_label_mask,
    check_cosine_shapes,
    check_eps,
    check_hinge_shapes,
    check_margin,
    check_not_empty,
    check_reduction,
)


def as_float64(x: Any) -> np.ndarray:
    """A float64 NumPy copy of anything array-like: a NumPy array or list, a torch tensor
    (any device, requiring grad or not, bfloat16 included) or a paddle tensor. The
    reference functions read their inputs through it; tests and the book compare
    results with it.

    Example:
        >>> import torch
        >>> from embedloss.reference import as_float64
        >>> as_float64(torch.tensor([0.5, 1.0], requires_grad=True))
        array([0.5, 1. ])
    """
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().double().numpy()
    elif type(x).__module__.startswith("paddle"):
        x = x.detach().astype("float64").numpy()
    return np.asarray(x, dtype=np.float64)


def _reduce(losses: np.ndarray, reduction: str, name: str) -> np.ndarray:
    check_reduction(name, reduction)
    if reduction == "none":
        return losses
    check_not_empty(name, losses, reduction)
    return np.asarray(losses.mean() if reduction == "mean" else losses.sum())


def cosine_embedding_loss(x1: Any, x2: Any, target: Any, *, margin: float = 0.0, reduction: Reduction = "mean",
                          eps: float = 1e-12) -> np.ndarray:
    r"""Reference cosine embedding loss in float64.

    .. math::

        \ell_i = \begin{cases} 1 - \cos(a_i, b_i) & y_i = 1 \\
                               \max(0, \cos(a_i, b_i) - \text{margin}) & y_i = -1 \end{cases}

        \cos(a, b) = \frac{a \cdot b}{\sqrt{(a \cdot a + \varepsilon)(b \cdot b + \varepsilon)}}

    Args:
        x1, x2: ``(N, D)`` or ``(D,)``; target: ``(N,)`` or ``()``, values 1 or -1.
        margin: in ``[-1, 1]``; reduction: ``"none"``, ``"mean"`` or ``"sum"``.
        eps: added to each squared norm; ``eps=0`` gives the exact cosine (and NaN
            for a zero row).

    Raises the same ValueError/TypeError as :func:`embedloss.cosine_embedding_loss`.

    Example:
        >>> from embedloss import reference
        >>> a, b = [[1.0, 0.0]], [[1.0, 1.0]]
        >>> loss = reference.cosine_embedding_loss(a, b, [-1], margin=0.5)
        >>> round(float(loss), 6)
        0.207107
    """
    name = "reference.cosine_embedding_loss"
    a, b, y = (as_float64(t) for t in (x1, x2, target))
    check_cosine_shapes(name, a, b, y)
    bad_label_mask(name, NumpyBackend, y)
    check_margin(name, margin, bounds=COSINE_MARGIN_RANGE)
    check_eps(name, eps)
    unbatched = a.ndim == 1
    a, b, y = np.atleast_2d(a), np.atleast_2d(b), np.atleast_1d(y)
    losses = np.empty(len(y))
    for i in range(len(y)):
        cos = np.dot(a[i], b[i]) / np.sqrt((np.dot(a[i], a[i]) + eps) * (np.dot(b[i], b[i]) + eps))
        losses[i] = 1.0 - cos if y[i] == 1 else max(0.0, cos - margin)
    return _reduce(losses.reshape(()) if unbatched else losses, reduction, name)


def hinge_embedding_loss(input: Any, target: Any, *, margin: float = 1.0,
                         reduction: Reduction = "mean") -> np.ndarray:
    r"""Reference hinge embedding loss in float64.

    .. math::

        \ell_i = \begin{cases} x_i & y_i = 1 \\ \max(0, \text{margin} - x_i) & y_i = -1 \end{cases}

    ``input`` of any shape, ``target`` of a shape that broadcasts to it, labels 1 or -1;
    ``margin`` finite.

    Example:
        >>> from embedloss import reference
        >>> x, y = [0.3, 0.3, 1.5], [1, -1, -1]
        >>> reference.hinge_embedding_loss(x, y, reduction="none")
        array([0.3, 0.7, 0. ])
    """
    name = "reference.hinge_embedding_loss"
    x, y = as_float64(input), as_float64(target)
    check_hinge_shapes(name, x, y)
    bad_label_mask(name, NumpyBackend, y)
    check_margin(name, margin)
    y = np.broadcast_to(y, x.shape)
    losses = np.empty(x.shape)
    for i in np.ndindex(x.shape):
        losses[i] = x[i] if y[i] == 1 else max(0.0, margin - x[i])
    return _reduce(losses, reduction, name)
