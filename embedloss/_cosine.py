"""CosineEmbeddingLoss, once, for NumPy arrays, torch tensors and paddle tensors."""
# (no `from __future__ import annotations`: the signature shows the Literal, not its name)

from typing import Any

from ._closed_form import check_closed_form, cosine_closed_form
from ._dispatch import OWNER_BY_TYPE, before_call
from ._types import Array, Backend, Reduction, Validate
from ._validation import checked_cosine_call

NAME = "cosine_embedding_loss"


def cosine_embedding_loss(x1: Array, x2: Array, target: Array, *, margin: float = 0.0,
                          reduction: Reduction = "mean", eps: float = 1e-12, stable: bool = False,
                          validate: Validate = "auto", closed_form: bool = False) -> Array:
    r"""Cosine embedding loss of pairs of rows, labelled similar (1) or dissimilar (-1).

    .. math::

        \cos_i = \frac{x_{1,i} \cdot x_{2,i}}
                      {\sqrt{(\lVert x_{1,i} \rVert^2 + \varepsilon)\,(\lVert x_{2,i} \rVert^2 + \varepsilon)}}

        \ell_i = \begin{cases} 1 - \cos_i & y_i = 1 \\
                               \max(0, \cos_i - \text{margin}) & y_i = -1 \end{cases}

    followed by the reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Label values are checked wherever the native loss runs, in the way each place allows:

    * eager NumPy, Paddle, and PyTorch on the CPU (or any device with
      ``validate="sync"``): one read of the labels (one host sync); a bad label
      raises ``ValueError`` listing the values found.
    * ``torch.compile`` (``fullgraph=True``, dynamic shapes), ``torch.export``,
      meta and FakeTensor inputs: ``torch._assert_async`` in the graph; a bad label
      raises ``RuntimeError`` when the graph runs on the CPU.
    * CUDA (``validate="auto"`` or ``"async"``): no host sync, and CUDA graphs
      capture the check; a bad label fires a device-side assert, reported at the
      next sync, after which the CUDA context is unusable (as with an out-of-range
      class in ``cross_entropy``). ``validate="sync"`` gives the ``ValueError``
      instead, for one sync per call.
    * ``torch.func.vmap`` (also ``vmap(grad(...))``): a value can be neither read
      nor asserted on; a sample with a bad label gets a NaN loss and NaN
      gradients. ``grad`` and ``jacrev`` alone check as eager code does.
    * ``paddle.jit.to_static``: in AST mode (``full_graph=True``) an ``Assert`` op
      in the program prints the labels and raises ``ValueError`` when it runs; SOT
      mode checks as eager code does.

    Shapes, dtypes and options are checked in every mode, before any work (under
    ``torch.compile(fullgraph=True)`` Dynamo reports such an error as
    ``Unsupported: Observed exception`` carrying the message). In PyTorch the loss
    itself is PyTorch's own op whenever the formula is the same (float32, ``eps=1e-12``,
    not ``stable``), so values and gradients equal the native loss bit for bit.

    Args:
        x1, x2: arrays of shape ``(N, D)``, or ``(D,)`` for one pair; NumPy arrays,
            torch tensors or paddle tensors, of one dtype and framework. Integer
            and bool embeddings are computed in the framework's default float dtype
            (as PyTorch does).
        target: labels of shape ``(N,)`` (``()`` for one pair; with paddle tensors
            also ``(1,)``, the shape Paddle's own loss wants), every value 1 or -1;
            integer or floating.
        margin: for ``y = -1``, cosines up to ``margin`` cost nothing. In ``[-1, 1]``.
        reduction: ``"none"`` (shape ``(N,)``), ``"mean"`` or ``"sum"`` (scalars).
        eps: added to each squared norm. ``1e-12`` reproduces PyTorch (whose C++
            adds it as a float32, 9.99999996e-13: float32 torch inputs run PyTorch's
            own op; in float64 the difference shows only next to zero rows),
            ``1e-11`` Paddle (whose source writes ``10e-12``).
        stable: divide each row by its largest magnitude first, so that the cosine
            does not depend on the rows' scale: no overflow for huge rows, no
            swamping by ``eps`` for tiny ones. A zero row still gives cosine 0.
        validate: how label values are checked where reading them costs a host
            sync: ``"auto"`` (default) reads them on the CPU and asserts on other
            devices, ``"sync"`` always reads them, ``"async"`` always asserts.

    Returns:
        The loss, of the inputs' framework, device and (floating) dtype. float16 and bfloat16
        are computed in float32 (and, under ``torch.autocast``, returned in float32,
        as PyTorch's own loss does).

    Raises:
        TypeError: inputs that are not real arrays of one framework and dtype, a
            ``closed_form`` that is not a bool.
        ValueError: a target value other than 1 or -1, mismatched or wrong-rank
            shapes (a target of shape ``(N, 1)`` included), a margin outside
            ``[-1, 1]`` or not finite, an unknown reduction or validate,
            ``"mean"`` of an empty batch, or ``closed_form=True`` where it cannot
            run (NumPy, Paddle, compiled or transformed code).

    Example:
        >>> import numpy as np
        >>> import embedloss
        >>> x1 = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> x2 = np.array([[1.0, 0.0], [1.0, 0.0]])
        >>> y = np.array([1, -1])
        >>> embedloss.cosine_embedding_loss(x1, x2, y, reduction="none").round(4)
        array([0.    , 0.7071])
    """
    before_call()  # the backends' hook (Paddle's: before any helper runs under to_static's AST mode)
    loss: Array
    xp = OWNER_BY_TYPE.get(type(x1))
    if closed_form is False and xp is not None and xp.plain_cosine is not None:  # the common call, at once
        loss = xp.plain_cosine(x1, x2, target, margin, reduction, eps, stable, validate)
        if loss is not None:
            return loss
    xp, bad_labels, plain = checked_cosine_call(NAME, x1, x2, target, margin, reduction, eps, validate)
    if closed_form is not False and check_closed_form(NAME, closed_form, xp.name, x1):
        loss = _cosine(xp, bad_labels, x1, x2, target, float(margin), reduction, float(eps), stable, closed_form=True)
    elif plain and (native := xp.native_cosine(eps, stable, x1.dtype)) is not None:  # type: ignore[attr-defined]
        loss = native(x1, x2, target, margin, reduction)
    else:
        loss = _cosine(xp, bad_labels, x1, x2, target, float(margin), reduction, float(eps), stable)
    return loss


def _cosine(xp: Backend, bad_labels: Any, x1: Any, x2: Any, target: Any, margin: float, reduction: str, eps: float,
            stable: bool, closed_form: bool = False) -> Any:
    """The loss of checked arguments."""
    if not xp.is_floating(x1):  # integer and bool embeddings: in the default float dtype, as PyTorch does
        x1, x2 = xp.to_default_float(x1, x2)
    if len(x1.shape) == 1 and len(target.shape) == 1:  # one pair labelled (1,) (Backend.one_pair_target_shapes)
        x1, x2 = x1[None], x2[None]
    (x1, x2), out_dtype = xp.upcast(x1, x2)
    if bad_labels is not None:  # inside torch.func.vmap: NaN loss and gradients for those samples
        (x1, x2), target = xp.nan_for_bad_labels(bad_labels, target, (x1, x2), per_row=True)
    native = None if closed_form else xp.native_cosine(eps, stable, x1.dtype)
    if closed_form:
        if stable:
            x1, x2 = x1 / xp.row_scale(x1), x2 / xp.row_scale(x2)
        if len(x1.shape) == 1:  # one pair: as a batch of one
            loss = cosine_closed_form(x1[None], x2[None], target[None], margin, reduction, eps)
            loss = loss[0] if reduction == "none" else loss
        else:
            loss = cosine_closed_form(x1, x2, target, margin, reduction, eps)
    elif native is not None:
        loss = native(x1, x2, target, margin, reduction)
    else:
        if stable:
            x1, x2 = x1 / xp.row_scale(x1), x2 / xp.row_scale(x2)
        dot = (x1 * x2).sum(-1)
        cos = dot / xp.sqrt((xp.square(x1).sum(-1) + eps) * (xp.square(x2).sum(-1) + eps))
        loss = xp.reduce(xp.where(target == 1, 1 - cos, xp.clamp_min0(cos - margin)), reduction)
    return xp.cast(loss, out_dtype)
