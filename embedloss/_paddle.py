"""The Paddle backend (see :class:`embedloss._types.Backend`), and Paddle's quiet import.

Paddle is never imported here except by :func:`import_paddle`: a paddle tensor cannot
exist unless ``paddle`` is already in ``sys.modules``.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from typing import Any

import numpy as np

from ._numpy import NumpyBackend
from ._types import LabelCheck, NativeCosine, NativeHinge, NoLabelMask, TensorReduce

_PADDLE_IMPORT = threading.Lock()
_PADDLE_LOG_FORMAT = "[%(asctime)-15s] [%(levelname)8s] %(filename)s:%(lineno)s - %(message)s"


def import_paddle() -> Any:
    """Import Paddle without the noise it makes on import; safe to call from any thread.

    ``import paddle`` warns about a missing ccache (with the venv's absolute path), gives
    the root logger (when it has no handler) a stderr handler of its own and the level
    INFO, and lets its C++ logging (glog) write warnings straight to stderr. This
    silences glog below ERROR (unless ``GLOG_minloglevel`` is already set), ignores that
    one warning, and takes back exactly the handler and level Paddle set: handlers and
    filters other threads add meanwhile are left alone. It also tells Paddle's
    dynamic-to-static (AST) converter to run embedloss as it is (its code works on
    static values), see ``register_with_paddle``.
    """
    paddle = sys.modules.get("paddle")
    if paddle is None:
        with _PADDLE_IMPORT:
            paddle = sys.modules.get("paddle")
            if paddle is None:
                paddle = _import_paddle_quietly()
    register_with_paddle()
    return paddle


def _import_paddle_quietly() -> Any:
    os.environ.setdefault("GLOG_minloglevel", "2")
    warnings.filterwarnings("ignore", message="No ccache found", category=UserWarning)
    root = logging.getLogger()
    level, before = root.level, set(root.handlers)
    import paddle
    added = [h for h in root.handlers if h not in before and getattr(h.formatter, "_fmt", None) == _PADDLE_LOG_FORMAT]
    for handler in added:
        root.removeHandler(handler)
    if added:
        root.setLevel(level)
    return paddle


_PACKAGE = __package__
_registered: set[bool] = set()  # (a set, not a global flag: the AST converter may rewrite this function too)


def register_with_paddle() -> None:
    """Once Paddle is imported: mark the embedloss package as not to be rewritten by
    ``paddle.jit.to_static``'s AST mode (``full_graph=True``), whose rewriting of loops
    over Python objects breaks (``'UndefinedVar' has no attribute 'owns'``). Every loss
    calls it first (``PaddleBackend.before_call``), so the mark is set before any of its
    helpers is reached."""
    paddle = sys.modules.get("paddle")
    if paddle is not None and not _registered:
        _registered.add(True)
        paddle.jit.ignore_module([sys.modules[_PACKAGE]])


class PaddleBackend(NoLabelMask, TensorReduce):
    name = "paddle"
    array_name = "a paddle.Tensor"
    native_eps = 1e-11  # loss.py writes ``10e-12``
    one_pair_target_shapes = ((), (1,))  # (1,): the shape Paddle's own loss wants for one pair
    before_call = staticmethod(register_with_paddle)
    plain_hinge = None  # (no shortcut: see Backend.plain_hinge)
    plain_cosine = None

    @staticmethod
    def owns(x: object) -> bool:
        paddle = sys.modules.get("paddle")
        return paddle is not None and isinstance(x, (paddle.Tensor, paddle.pir.Value))

    @staticmethod
    def device(x: Any) -> object:
        return x.place if sys.modules["paddle"].in_dynamic_mode() else "static graph"

    @staticmethod
    def dtype_name(x: Any) -> str:
        name = str(x.dtype).replace("paddle.", "")
        return {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32", "fp64": "float64"}.get(name, name)

    @staticmethod
    def is_floating(x: Any) -> bool:
        return x.dtype in _paddle_dtypes()["floating"]  # (a set: faster than paddle.is_floating_point)

    @staticmethod
    def is_integer(x: Any) -> bool:
        return x.dtype in _paddle_dtypes()["integer"]

    @staticmethod
    def is_bool(x: Any) -> bool:
        return bool(x.dtype == sys.modules["paddle"].bool)

    @staticmethod
    def accepts_plain_call(arrays: tuple[Any, ...], target: Any, validate: str) -> bool:
        return False  # (Paddle's own dispatch costs more than the general checks)

    @staticmethod
    def to_default_float(*arrays: Any) -> tuple[Any, ...]:
        dtype = sys.modules["paddle"].get_default_dtype()
        return tuple(a.astype(dtype) for a in arrays)

    @staticmethod
    def upcast(*arrays: Any) -> tuple[tuple[Any, ...], Any]:
        dtype = arrays[0].dtype
        if dtype not in _paddle_dtypes()["low precision"]:
            return arrays, None
        return tuple(t.astype("float32") for t in arrays), dtype

    @staticmethod
    def cast(x: Any, dtype: Any) -> Any:
        return x if dtype is None else x.astype(dtype)

    @staticmethod
    def native_cosine(eps: float, stable: bool, dtype: Any) -> NativeCosine | None:
        return None  # Paddle's own loss refuses float16 and unbatched pairs: use the formula

    @staticmethod
    def native_hinge() -> NativeHinge | None:
        return None

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return sys.modules["paddle"].where(cond, a, b)

    @staticmethod
    def clamp_min0(x: Any) -> Any:
        return sys.modules["paddle"].clip(x, min=0.0)

    @staticmethod
    def sqrt(x: Any) -> Any:
        return sys.modules["paddle"].sqrt(x)

    @staticmethod
    def square(x: Any) -> Any:
        """(not ``x * x``: its backward adds two gradients, an extra pass over the batch)"""
        return sys.modules["paddle"].square(x)

    @staticmethod
    def row_scale(x: Any) -> Any:
        paddle = sys.modules["paddle"]
        s = x.detach().abs().max(axis=-1, keepdim=True)
        # not `s == 0`: Paddle's float == is |a - b| < 1e-15, true for a row of 1e-30s
        return paddle.where(s > 0, s, paddle.ones_like(s))

    @staticmethod
    def label_check(target: Any, validate: str) -> LabelCheck:
        return LabelCheck.READ if sys.modules["paddle"].in_dynamic_mode() else LabelCheck.ASSERT

    @staticmethod
    def all_plus_minus_one(x: Any) -> bool:
        """One copy to NumPy (the one sync), compared there; Paddle's float ``==`` is
        ``|a - b| < 1e-15``, not exact."""
        return NumpyBackend.all_plus_minus_one(_numpy_of(x))

    @staticmethod
    def assert_plus_minus_one(x: Any, message: str) -> None:
        """In a static graph (``to_static``): an ``Assert`` op, which prints the labels
        and raises ValueError when it runs (Paddle's Assert takes no message)."""
        paddle = sys.modules["paddle"]
        ok = paddle.all(paddle.abs(x.astype("float32")) == 1)
        paddle.static.nn.control_flow.Assert(ok, [x], summarize=8)  # prints the labels; raises ValueError

    @staticmethod
    def unique_values(x: Any) -> list[float]:
        return list(np.unique(_numpy_of(x)).tolist())


_PADDLE_DTYPES: dict[str, set[Any]] = {}


def _paddle_dtypes() -> dict[str, set[Any]]:
    if not _PADDLE_DTYPES:
        paddle = sys.modules["paddle"]
        low = {paddle.float16, paddle.bfloat16}
        _PADDLE_DTYPES.update({"low precision": low, "floating": low | {paddle.float32, paddle.float64},
                               "integer": {paddle.int8, paddle.uint8, paddle.int16, paddle.int32, paddle.int64}})
    return _PADDLE_DTYPES


def _numpy_of(x: Any) -> Any:
    """A paddle tensor's values in NumPy (float16/bfloat16 through float32: NumPy has no bfloat16)."""
    x = x.detach()
    if x.dtype in _paddle_dtypes()["low precision"]:
        x = x.astype("float32")
    return x.numpy()
