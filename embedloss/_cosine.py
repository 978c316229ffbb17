"""CosineEmbeddingLoss, once, for NumPy arrays, torch tensors and paddle tensors."""
from __future__ import annotations

import math

from . import _validation as v
from ._frameworks import LOW_PRECISION

NAME = "cosine_embedding_loss"


def cosine_embedding_loss(x1, x2, target, *, margin=0.0, reduction="mean", eps=1e-12, stable=False):
    r"""Cosine embedding loss of pairs of rows, labelled similar (1) or dissimilar (-1).

    .. math::

        \cos_i = \frac{x_{1,i} \cdot x_{2,i}}
                      {\sqrt{(\lVert x_{1,i} \rVert^2 + \varepsilon)\,(\lVert x_{2,i} \rVert^2 + \varepsilon)}}

        \ell_i = \begin{cases} 1 - \cos_i & y_i = 1 \\
                               \max(0, \cos_i - \text{margin}) & y_i = -1 \end{cases}

    followed by the reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Args:
        x1, x2: arrays of shape ``(N, D)``, or ``(D,)`` for one pair; NumPy arrays,
            torch tensors or paddle tensors, floating, of one dtype and framework.
        target: labels of shape ``(N,)`` (``()`` for one pair), every value 1 or -1;
            integer or floating.
        margin: for ``y = -1``, cosines up to ``margin`` cost nothing. In ``[-1, 1]``.
        reduction: ``"none"`` (shape ``(N,)``), ``"mean"`` or ``"sum"`` (scalars).
        eps: added to each squared norm. ``1e-12`` reproduces PyTorch (whose C++
            adds it as a float32, 9.99999996e-13, which shows only next to zero rows),
            ``1e-11`` Paddle (whose source writes ``10e-12``).
        stable: divide each row by its largest magnitude first, so that the cosine
            does not depend on the rows' scale: no overflow for huge rows, no
            swamping by ``eps`` for tiny ones. A zero row still gives cosine 0.

    Returns:
        The loss, of the inputs' framework, device and dtype. float16 and bfloat16
        are computed in float32.

    Raises:
        TypeError: inputs that are not floating arrays of one framework and dtype.
        ValueError: a target value other than 1 or -1, mismatched or wrong-rank
            shapes (a target of shape ``(N, 1)`` included), a margin outside
            ``[-1, 1]`` or not finite, an unknown reduction, or ``"mean"`` of an
            empty batch.

    Example:
        >>> import numpy as np
        >>> import embedloss
        >>> x1 = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> x2 = np.array([[1.0, 0.0], [1.0, 0.0]])
        >>> y = np.array([1, -1])
        >>> embedloss.cosine_embedding_loss(x1, x2, y, reduction="none").round(4)
        array([0.    , 0.7071])
    """
    xp = v.backend_of(NAME, x1=x1, x2=x2, target=target)
    v.check_floating(NAME, xp, x1=x1, x2=x2)
    v.check_cosine_shapes(NAME, x1, x2, target)
    v.check_target(NAME, xp, target)
    v.check_margin(NAME, margin, low=-1.0, high=1.0)
    v.check_reduction(NAME, reduction)
    v.check_eps(NAME, eps)
    v.check_not_empty(NAME, math.prod(target.shape), reduction)

    margin, eps, dtype = float(margin), float(eps), x1.dtype
    low = xp.dtype_name(x1) in LOW_PRECISION
    if low:
        x1, x2 = xp.cast(x1, xp.float32_of(x1)), xp.cast(x2, xp.float32_of(x2))
    if stable:
        x1, x2 = x1 / xp.row_scale(x1), x2 / xp.row_scale(x2)
    dot = (x1 * x2).sum(-1)
    cos = dot / xp.sqrt(((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps))
    loss = xp.where(target == 1, 1 - cos, xp.clamp_min0(cos - margin))
    loss = xp.reduce(loss, reduction)
    return xp.cast(loss, dtype) if low else loss
