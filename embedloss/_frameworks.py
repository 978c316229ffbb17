"""The few array operations the losses need, for NumPy, PyTorch and Paddle.

Each backend is a small class of static methods with the same names, so a loss is
written once against ``xp`` and runs on whichever framework its inputs come from.
PyTorch and Paddle are imported only when one of their tensors is seen: a torch
tensor cannot exist unless ``torch`` is already in ``sys.modules``, so looking there
costs nothing and imports nothing.
"""
from __future__ import annotations

import logging
import math
import os
import sys
import warnings

import numpy as np

LOW_PRECISION = ("float16", "bfloat16")


def import_paddle():
    """Import Paddle without the noise it makes on import.

    ``import paddle`` warns about a missing ccache (with the venv's absolute path),
    sets the root logger to INFO with a stderr handler of its own, and lets its C++
    logging (glog) write warnings straight to stderr. This silences glog below
    ERROR (unless ``GLOG_minloglevel`` is already set), drops the ccache warning and
    puts the root logger back as it was. Every import of Paddle in embedloss goes
    through here.
    """
    if sys.modules.get("paddle") is not None:
        return sys.modules["paddle"]
    os.environ.setdefault("GLOG_minloglevel", "2")
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No ccache found")
        import paddle
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    return paddle


class NumpyBackend:
    name = "numpy"

    @staticmethod
    def owns(x):
        return isinstance(x, np.ndarray)

    @staticmethod
    def dtype_name(x):
        return "bfloat16" if x.dtype.name == "bfloat16" else x.dtype.name

    @staticmethod
    def is_floating(x):
        return np.issubdtype(x.dtype, np.floating)

    @staticmethod
    def is_real_number(x):
        return np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)

    @staticmethod
    def cast(x, dtype):
        return x.astype(dtype, copy=False)

    @staticmethod
    def float32_of(x):
        return np.float32

    @staticmethod
    def where(cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def clamp_min0(x):
        return np.maximum(x, 0)

    @staticmethod
    def sqrt(x):
        return np.sqrt(x)

    @staticmethod
    def row_scale(x):
        """max |x| over the last axis, 1 where that is 0 (a constant: no gradient)."""
        s = np.max(np.abs(x), axis=-1, keepdims=True)
        return np.where(s == 0, np.ones_like(s), s)

    @staticmethod
    def reduce(loss, reduction):
        if reduction == "mean":
            return np.asarray(loss.mean())
        if reduction == "sum":
            return np.asarray(loss.sum())
        return np.asarray(loss)

    @staticmethod
    def only_plus_minus_one(x):
        """True when every value is exactly 1 or -1 (NaN is not)."""
        if x.size == 0:
            return True
        a = np.abs(x)
        return float(a.min()) == 1.0 and float(a.max()) == 1.0

    @staticmethod
    def unique_values(x):
        return np.unique(x).tolist()

    @staticmethod
    def device(x):
        return "cpu"


class _TensorBackend:
    """Reductions as the tensor frameworks' own losses do them (``.mean()``, ``.sum()``)."""

    @staticmethod
    def reduce(loss, reduction):
        if reduction == "mean":
            return loss.mean()
        if reduction == "sum":
            return loss.sum()
        return loss


class TorchBackend(_TensorBackend):
    name = "torch"

    @staticmethod
    def owns(x):
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(x, torch.Tensor)

    @staticmethod
    def dtype_name(x):
        return str(x.dtype).replace("torch.", "")

    @staticmethod
    def is_floating(x):
        return x.is_floating_point()

    @staticmethod
    def is_real_number(x):
        return not x.is_complex()

    @staticmethod
    def cast(x, dtype):
        return x.to(dtype)

    @staticmethod
    def float32_of(x):
        return sys.modules["torch"].float32

    @staticmethod
    def where(cond, a, b):
        return sys.modules["torch"].where(cond, a, b)

    @staticmethod
    def clamp_min0(x):
        return x.clamp_min(0)

    @staticmethod
    def sqrt(x):
        return x.sqrt()

    @staticmethod
    def row_scale(x):
        with sys.modules["torch"].no_grad():
            s = x.abs().amax(dim=-1, keepdim=True)
            return s.masked_fill(s == 0, 1)

    @staticmethod
    def only_plus_minus_one(x):
        """True when every value is exactly 1 or -1 (one reduction: this runs on every call)."""
        if x.numel() == 0:
            return True
        lo, hi = x.abs().aminmax()  # NaN propagates into both
        return lo.item() == 1 and hi.item() == 1

    @staticmethod
    def unique_values(x):
        return x.detach().unique().cpu().tolist()

    @staticmethod
    def device(x):
        return x.device


class PaddleBackend(_TensorBackend):
    name = "paddle"

    @staticmethod
    def owns(x):
        paddle = sys.modules.get("paddle")
        return paddle is not None and isinstance(x, paddle.Tensor)

    @staticmethod
    def dtype_name(x):
        return str(x.dtype).replace("paddle.", "")

    @staticmethod
    def is_floating(x):
        return sys.modules["paddle"].is_floating_point(x)

    @staticmethod
    def is_real_number(x):
        return not sys.modules["paddle"].is_complex(x)

    @staticmethod
    def cast(x, dtype):
        return x.astype(dtype)

    @staticmethod
    def float32_of(x):
        return sys.modules["paddle"].float32

    @staticmethod
    def where(cond, a, b):
        return sys.modules["paddle"].where(cond, a, b)

    @staticmethod
    def clamp_min0(x):
        return sys.modules["paddle"].clip(x, min=0.0)

    @staticmethod
    def sqrt(x):
        return sys.modules["paddle"].sqrt(x)

    @staticmethod
    def row_scale(x):
        paddle = sys.modules["paddle"]
        s = x.detach().abs().max(axis=-1, keepdim=True)
        # not `s == 0`: Paddle's float == is |a - b| < 1e-15, true for a row of 1e-30s
        return paddle.where(s > 0, s, paddle.ones_like(s))

    @staticmethod
    def only_plus_minus_one(x):
        """True when every value is exactly 1 or -1. Compared in Python: Paddle's float
        ``==`` is ``|a - b| < 1e-15``, not exact."""
        if math.prod(x.shape) == 0:
            return True
        x = x.detach()
        if PaddleBackend.dtype_name(x) in LOW_PRECISION:  # no CPU abs/min/max kernels for these
            x = x.astype("float32")
        a = sys.modules["paddle"].abs(x)
        return float(a.min()) == 1.0 and float(a.max()) == 1.0

    @staticmethod
    def unique_values(x):
        x = x.detach()
        if PaddleBackend.dtype_name(x) in LOW_PRECISION:  # no CPU unique kernel for these
            x = x.astype("float32")
        return sys.modules["paddle"].unique(x).cpu().numpy().tolist()

    @staticmethod
    def device(x):
        return str(x.place)


BACKENDS = (NumpyBackend, TorchBackend, PaddleBackend)
