"""Checks shared by every loss. Each raises with one message shape:

``<caller>: `<argument>` <what was expected>, but got <what was received>. <likely fix>``

where ``<caller>`` is the name the user called (``cosine_embedding_loss``,
``CosineEmbeddingLoss``, ``reference.hinge_embedding_loss``).
"""
from __future__ import annotations

import math
import numbers
import sys
from typing import Any, NamedTuple, cast

from ._dispatch import OWNER_BY_TYPE, backend_of, describe, fail
from ._numpy import NumpyBackend
from ._types import REDUCTIONS, VALIDATE_MODES, Backend, LabelCheck, Reduction, Validate

__all__ = ["REDUCTIONS", "VALIDATE_MODES", "Reduction", "Validate", "backend_of"]  # (and the checks below)

COSINE_MARGIN_RANGE = (-1.0, 1.0)
_FINITE = (-sys.float_info.max, sys.float_info.max)  # (the hinge margin need only be finite)
_PLAIN_NUMBERS = (float, int)  # (by type: bool, a subclass of int, is not one)


class CheckedCall(NamedTuple):
    """What the checks of one call hand the loss: the backend of its arrays, None or
    (inside ``torch.func.vmap`` only) the mask of the labels that are not 1 or -1, and
    whether the call is the backend's plain one (``Backend.accepts_plain_call``:
    float32/float64 eager arrays, nothing to cast, mask or reshape)."""

    backend: Backend
    bad_labels: Any
    plain: bool = False


_ACCEPTED: dict[Backend, CheckedCall] = {}


def _accepted(xp: Backend) -> CheckedCall:
    """``CheckedCall(xp, None, plain=True)``, made once per backend (the fast path allocates nothing)."""
    checked = _ACCEPTED.get(xp)
    if checked is None:
        checked = _ACCEPTED[xp] = CheckedCall(xp, None, plain=True)
    return checked


# ---------------------------------------------------------------- one call per loss

def usual_options(margin: float, bounds: tuple[float, float], reduction: str, validate: str, eps: float = 0.0,
                  _plain: tuple[type, ...] = _PLAIN_NUMBERS, _reductions: tuple[str, ...] = REDUCTIONS,
                  _modes: tuple[str, ...] = VALIDATE_MODES, _inf: float = math.inf) -> bool:
    """True for the options almost every call passes (a plain number in the margin's
    closed ``bounds``, a known reduction and validate, a plain finite eps >= 0):
    accepted at once, without the checks one by one, which run for anything else.
    (The constants are bound as defaults: local names are faster on every call.)"""
    lo, hi = bounds
    return (type(margin) in _plain and lo <= margin <= hi and type(reduction) is str and reduction in _reductions
            and type(validate) is str and validate in _modes and type(eps) in _plain and 0.0 <= eps < _inf)


def checked_cosine_call(caller: str, x1: Any, x2: Any, target: Any, margin: float, reduction: str, eps: float,
                        validate: str) -> CheckedCall:
    """Every check of one cosine call (each raises on a bad argument)."""
    xp = OWNER_BY_TYPE.get(type(x1))
    if xp is not None and xp.accepts_plain_call((x1, x2), target, validate):  # the common eager call, cheaply:
        s1, st = x1.shape, target.shape  # (N, D) pairs, N labels, the usual options: accepted at once
        if (len(s1) == 2 and s1 == x2.shape and len(st) == 1 and st[0] == s1[0] and (s1[0] or reduction != "mean")
                and usual_options(margin, COSINE_MARGIN_RANGE, reduction, validate, eps)):
            return _ACCEPTED.get(xp) or _accepted(xp)  # (made once per backend: no call after the first)
    # every other call (and any bad argument, which raises here)
    xp = backend_of(caller, x1=x1, x2=x2, target=target)
    check_embedding_dtypes(caller, xp, x1, x2)
    check_cosine_shapes(caller, x1, x2, target, xp)
    check_cosine_options(caller, margin, reduction, eps, validate)
    check_not_empty(caller, target, reduction)
    return CheckedCall(xp, bad_label_mask(caller, xp, target, validate))


def checked_hinge_call(caller: str, input: Any, target: Any, margin: float, reduction: str,
                       validate: str) -> CheckedCall:
    """Every check of one hinge call (each raises on a bad argument)."""
    xp = OWNER_BY_TYPE.get(type(input))
    if xp is not None and xp.accepts_plain_call((input,), target, validate):  # the common eager call, cheaply:
        si = input.shape  # labels of the input's shape, the usual options: accepted at once
        if (target.shape == si and usual_options(margin, _FINITE, reduction, validate)
                and (reduction != "mean" or 0 not in si)):
            return _ACCEPTED.get(xp) or _accepted(xp)  # (made once per backend: no call after the first)
    # every other call (and any bad argument, which raises here)
    xp = backend_of(caller, input=input, target=target)
    check_floating(caller, xp, input=input)
    check_hinge_shapes(caller, input, target)
    check_hinge_options(caller, margin, reduction, validate)
    check_not_empty(caller, input, reduction)
    return CheckedCall(xp, bad_label_mask(caller, xp, target, validate))


def check_cosine_options(caller: str, margin: float, reduction: str, eps: float, validate: str = "auto") -> None:
    if usual_options(margin, COSINE_MARGIN_RANGE, reduction, validate, eps):
        return  # (anything else is checked one by one)
    check_margin(caller, margin, bounds=COSINE_MARGIN_RANGE)
    check_reduction(caller, reduction)
    check_eps(caller, eps)
    check_validate(caller, validate)


def check_hinge_options(caller: str, margin: float, reduction: str, validate: str = "auto") -> None:
    if usual_options(margin, _FINITE, reduction, validate):
        return
    check_margin(caller, margin)
    check_reduction(caller, reduction)
    check_validate(caller, validate)


# ---------------------------------------------------------------- arrays

def check_floating(caller: str, xp: Backend, **arrays: Any) -> None:
    """Inputs must be real floating arrays of one dtype."""
    for arg, x in arrays.items():
        if not xp.is_floating(x):
            fail(TypeError, caller, arg, "must have a floating dtype (float16, bfloat16, float32 or float64)",
                 xp.dtype_name(x), f"Cast it, e.g. `{arg}.astype('float32')` or `{arg}.float()`.")
    _check_one_dtype(caller, xp, arrays)


def check_embedding_dtypes(caller: str, xp: Backend, x1: Any, x2: Any) -> None:
    """Embeddings must be real (floating, integer or bool: integer and bool ones are
    computed in the default float dtype, as PyTorch does) and of one dtype."""
    for arg, x in (("x1", x1), ("x2", x2)):
        if not (xp.is_floating(x) or xp.is_integer(x) or xp.is_bool(x)):
            fail(TypeError, caller, arg, "must have a real dtype (floating, integer or bool)", xp.dtype_name(x),
                 f"Take the real part, or cast it, e.g. `{arg}.real.astype('float32')`.")
    _check_one_dtype(caller, xp, {"x1": x1, "x2": x2})


def _check_one_dtype(caller: str, xp: Backend, arrays: dict[str, Any]) -> None:
    first, *others = arrays.values()
    if any(x.dtype != first.dtype for x in others):
        fail(TypeError, caller, "/".join(arrays), "must share one dtype",
             ", ".join(f"{a}: {xp.dtype_name(x)}" for a, x in arrays.items()), "Cast one to the other's dtype.")


def bad_label_mask(caller: str, xp: Backend, target: Any, validate: str = "auto") -> Any:
    """Checks that target values are exactly 1 or -1 (any real dtype, not bool), and
    returns the mask of bad labels where they can only be masked, else None.

    Where the values can be read now (``LabelCheck.READ``) a bad value raises
    ValueError listing the values found; in compiled, exported, CUDA (unless
    ``validate="sync"``) and Paddle static code an assertion in the graph raises when
    it runs (``LabelCheck.ASSERT``); inside ``torch.func.vmap`` (``LabelCheck.MASK``)
    the mask of bad labels is returned, for the loss to make those samples NaN.
    """
    if not (xp.is_integer(target) or xp.is_floating(target)):
        fail(TypeError, caller, "target", "must hold the numbers 1 and -1 (an integer or floating dtype)",
             f"dtype {xp.dtype_name(target)}", "Build it as `2 * labels - 1` from 0/1 labels.")
    how = xp.label_check(target, validate)
    if how is LabelCheck.MASK:
        return xp.bad_label_mask(target)
    if how is LabelCheck.ASSERT:
        xp.assert_plus_minus_one(target, f"{caller}: `target` must contain only 1 and -1, but got another value "
                                 "(found by an assertion in a compiled graph or on an accelerator, which cannot "
                                 "show it). Run the call eagerly with validate='sync' to see the values.")
    elif not xp.all_plus_minus_one(target):
        found = xp.unique_values(target)
        shown = ", ".join(_fmt(value) for value in found[:8]) + (", ..." if len(found) > 8 else "")
        fix = ("Labels in {0, 1}? Map them to {-1, 1} with `2 * target - 1`."
               if set(found) <= {0, 1} else "Use 1 for similar pairs and -1 for dissimilar ones.")
        fail(ValueError, caller, "target", "must contain only 1 and -1", f"the values {{{shown}}}", fix)
    return None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# ---------------------------------------------------------------- options

def check_reduction(caller: str, reduction: object) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        fail(ValueError, caller, "reduction", "must be 'none', 'mean' or 'sum'", repr(reduction),
             "('none' keeps one loss per sample; PyTorch's deprecated size_average/reduce map to 'mean'/'sum'.)")


def check_validate(caller: str, validate: object) -> None:
    if not isinstance(validate, str) or validate not in VALIDATE_MODES:
        fail(ValueError, caller, "validate", "must be 'auto', 'sync' or 'async'", repr(validate),
             "'sync' reads the labels on the host (one sync), 'async' asserts on the device, "
             "'auto' picks 'sync' on the CPU and 'async' elsewhere.")


def check_margin(caller: str, margin: object, *, bounds: tuple[float, float] = (-math.inf, math.inf)) -> None:
    if type(margin) is not float and (isinstance(margin, bool) or not isinstance(margin, numbers.Real)):
        fail(TypeError, caller, "margin", "must be a real number", describe(margin),
             "Pass a Python float, e.g. `margin=float(m)`.")
    value = cast(float, margin)  # a real number (under torch.compile perhaps a symbolic one)
    if not -math.inf < value < math.inf:  # (not math.isfinite: a compiled module's margin may be symbolic)
        fail(ValueError, caller, "margin", "must be finite", repr(margin), "Pass a finite float.")
    if not bounds[0] <= value <= bounds[1]:
        fail(ValueError, caller, "margin", f"must lie in [{bounds[0]:g}, {bounds[1]:g}]", repr(margin),
             "A cosine margin compares with cos(a, b), which lies in [-1, 1]; PyTorch suggests 0 to 0.5; "
             "choose it on a validation split.")


def check_eps(caller: str, eps: object) -> None:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (0 <= float(eps) < math.inf):
        fail(ValueError, caller, "eps", "must be a finite number >= 0", repr(eps),
             "Use 1e-12 (PyTorch) or 1e-11 (Paddle).")


# ---------------------------------------------------------------- shapes

def check_cosine_shapes(caller: str, x1: Any, x2: Any, target: Any, xp: Backend = NumpyBackend) -> None:
    """(N, D), (N, D), (N,) or unbatched (D,), (D,), () (or another of the backend's
    ``one_pair_target_shapes``: Paddle's (1,))."""
    s1, s2, st = tuple(x1.shape), tuple(x2.shape), tuple(target.shape)
    if len(s1) not in (1, 2):
        fail(ValueError, caller, "x1", "must have shape (N, D) or (D,)", f"shape {s1}",
             "Flatten the extra axes, e.g. `x1.reshape(len(x1), -1)`.")
    if s1 != s2:
        fail(ValueError, caller, "x2", f"must have the shape of x1 {s1} (no broadcasting)", f"shape {s2}",
             "Expand it explicitly if one row should be compared with every row.")
    want = s1[:1] if len(s1) == 2 else ()
    if st != want and not (want == () and st in xp.one_pair_target_shapes):
        if want == ():
            fix = "One pair takes one label: pass a 0-d target, e.g. `target.reshape(())`."
        elif st == want + (1,):
            fix = "Squeeze the trailing axis: `target.reshape(-1)`; (N, 1) broadcasts silently in PyTorch."
        else:
            fix = "Give one label per pair of rows."
        fail(ValueError, caller, "target", f"must have shape {want} for inputs of shape {s1}",
             f"shape {st}", fix)


def check_hinge_shapes(caller: str, input: Any, target: Any) -> None:
    """A target of the input's shape, or of a shape that broadcasts to it without
    enlarging the result (PyTorch and Paddle broadcast both ways: an (N, 1) target
    against an (N,) input gives an (N, N) loss there)."""
    si, st = tuple(input.shape), tuple(target.shape)
    if st != si and (len(st) > len(si) or any(t != 1 and t != s for t, s in zip(reversed(st), reversed(si)))):
        trailing_one = st == si + (1,) or si == st + (1,)
        fix = ("Drop the trailing axis of length 1: `target.reshape(input.shape)`."
               if trailing_one else "Give one label per element of input, or labels that broadcast to it.")
        fail(ValueError, caller, "target", f"must broadcast to the shape of input {si}", f"shape {st}", fix)


def check_not_empty(caller: str, x: Any, reduction: str) -> None:
    """``"mean"`` needs at least one element of ``x`` (any array with a shape)."""
    if reduction == "mean" and 0 in tuple(x.shape):
        fail(ValueError, caller, "reduction", "cannot be 'mean' over an empty batch", "0 elements",
             "Use reduction='sum' (which gives 0) or skip the empty batch.")
