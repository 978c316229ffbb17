"""Checks shared by every loss. Each raises with one message shape:

``<function>: `<argument>` <what was expected>, but got <what was received>. <likely fix>``
"""
from __future__ import annotations

import math
import numbers

from ._frameworks import BACKENDS

REDUCTIONS = ("none", "mean", "sum")


def _fail(exc, func, arg, expected, received, fix=""):
    message = f"{func}: `{arg}` {expected}, but got {received}."
    raise exc(f"{message} {fix}".rstrip())


def _describe(x):
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"{type(x).__module__}.{type(x).__qualname__} of shape {tuple(shape)}"
    return f"{type(x).__qualname__} {x!r}"[:120]


def _owner(func, arg, x):
    for backend in BACKENDS:
        if backend.owns(x):
            return backend
    _fail(TypeError, func, arg, "must be a NumPy array, a torch.Tensor or a paddle.Tensor",
          _describe(x), "Convert it first, e.g. `np.asarray(value, dtype=np.float32)`.")


def backend_of(func, **arrays):
    """The one backend that owns every array; TypeError for foreign or mixed ones,
    ValueError for arrays on different devices."""
    found = {arg: _owner(func, arg, x) for arg, x in arrays.items()}
    backend = found[next(iter(arrays))]
    if any(b is not backend for b in found.values()):
        kinds = ", ".join(f"{arg}: {b.name}" for arg, b in found.items())
        _fail(TypeError, func, "/".join(found), "must all come from one framework", kinds,
              "Convert them to one framework before the call.")
    devices = [backend.device(x) for x in arrays.values()]
    if any(d != devices[0] for d in devices):
        where = ", ".join(f"{arg} on {d}" for arg, d in zip(arrays, devices))
        _fail(ValueError, func, "/".join(arrays), "must be on one device", where,
              "Move them with `.to(device)` first.")
    return backend


def check_floating(func, xp, **arrays):
    """Inputs must be real floating arrays of one dtype."""
    for arg, x in arrays.items():
        if not xp.is_floating(x):
            _fail(TypeError, func, arg, "must have a floating dtype (float16, bfloat16, float32 or float64)",
                  xp.dtype_name(x), f"Cast it, e.g. `{arg}.astype('float32')` or `{arg}.float()`.")
    dtypes = {arg: xp.dtype_name(x) for arg, x in arrays.items()}
    if len(set(dtypes.values())) > 1:
        _fail(TypeError, func, "/".join(dtypes), "must share one dtype",
              ", ".join(f"{a}: {d}" for a, d in dtypes.items()), "Cast one to the other's dtype.")


def check_target(func, xp, target):
    """Target values must be exactly 1 or -1 (any real dtype)."""
    if not xp.is_real_number(target) or xp.dtype_name(target) == "bool":
        _fail(TypeError, func, "target", "must hold the numbers 1 and -1 (an integer or floating dtype)",
              f"dtype {xp.dtype_name(target)}", "Build it as `2 * labels - 1` from 0/1 labels.")
    if not xp.only_plus_minus_one(target):
        found = xp.unique_values(target)
        shown = ", ".join(_fmt(v) for v in found[:8]) + (", ..." if len(found) > 8 else "")
        fix = ("Labels in {0, 1}? Map them to {-1, 1} with `2 * target - 1`."
               if set(found) <= {0, 1} else "Use 1 for similar pairs and -1 for dissimilar ones.")
        _fail(ValueError, func, "target", "must contain only 1 and -1", f"the values {{{shown}}}", fix)


def _fmt(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


def check_reduction(func, reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        _fail(ValueError, func, "reduction", "must be 'none', 'mean' or 'sum'", repr(reduction),
              "('none' keeps one loss per sample; PyTorch's deprecated size_average/reduce map to 'mean'/'sum'.)")


def check_margin(func, margin, *, low=-math.inf, high=math.inf):
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
        _fail(TypeError, func, "margin", "must be a real number", _describe(margin),
              "Pass a Python float, e.g. `margin=float(m)`.")
    if not math.isfinite(margin):
        _fail(ValueError, func, "margin", "must be finite", repr(margin), "Pass a finite float.")
    if not low <= margin <= high:
        _fail(ValueError, func, "margin", f"must lie in [{low:g}, {high:g}]", repr(margin),
              "A cosine margin compares with cos(a, b), which lies in [-1, 1]; 0 to 0.5 is usual.")


def check_eps(func, eps):
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (0 <= eps < math.inf):
        _fail(ValueError, func, "eps", "must be a finite number >= 0", repr(eps),
              "Use 1e-12 (PyTorch) or 1e-11 (Paddle).")


def check_cosine_shapes(func, x1, x2, target):
    """(N, D), (N, D), (N,) or unbatched (D,), (D,), ()."""
    s1, s2, st = tuple(x1.shape), tuple(x2.shape), tuple(target.shape)
    if len(s1) not in (1, 2):
        _fail(ValueError, func, "x1", "must have shape (N, D) or (D,)", f"shape {s1}",
              "Flatten the extra axes, e.g. `x1.reshape(len(x1), -1)`.")
    if s1 != s2:
        _fail(ValueError, func, "x2", f"must have the shape of x1 {s1} (no broadcasting)", f"shape {s2}",
              "Expand it explicitly if one row should be compared with every row.")
    want = s1[:1] if len(s1) == 2 else ()
    if st != want:
        if want == ():
            fix = "One pair takes one label: pass a 0-d target, e.g. `target.reshape(())`."
        elif st == want + (1,):
            fix = "Squeeze the trailing axis: `target.reshape(-1)`; (N, 1) broadcasts silently in PyTorch."
        else:
            fix = "Give one label per pair of rows."
        _fail(ValueError, func, "target", f"must have shape {want} for inputs of shape {s1}",
              f"shape {st}", fix)


def check_same_shape(func, input, target):
    si, st = tuple(input.shape), tuple(target.shape)
    if si != st:
        trailing_one = st == si + (1,) or si == st + (1,)
        fix = ("Drop the trailing axis of length 1: `target.reshape(input.shape)`."
               if trailing_one else "Give one label per element of input.")
        _fail(ValueError, func, "target", f"must have the shape of input {si} (no broadcasting)",
              f"shape {st}", fix)


def check_not_empty(func, size, reduction):
    if size == 0 and reduction == "mean":
        _fail(ValueError, func, "reduction", "cannot be 'mean' over an empty batch", "0 elements",
              "Use reduction='sum' (which gives 0) or skip the empty batch.")
