"""The NumPy backend (see :class:`embedloss._types.Backend`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._types import LabelCheck, NativeCosine, NativeHinge


class NumpyBackend:
    name = "numpy"

    @staticmethod
    def owns(x: object) -> bool:
        return isinstance(x, np.ndarray)

    @staticmethod
    def device(x: Any) -> object:
        return "cpu"

    @staticmethod
    def dtype_name(x: Any) -> str:
        return str(x.dtype.name)

    @staticmethod
    def is_floating(x: Any) -> bool:
        return bool(np.issubdtype(x.dtype, np.floating))

    @staticmethod
    def is_integer(x: Any) -> bool:
        return bool(np.issubdtype(x.dtype, np.integer))  # (not bool)

    @staticmethod
    def is_bool(x: Any) -> bool:
        return bool(x.dtype == np.bool_)

    @staticmethod
    def accepts_plain_call(arrays: tuple[Any, ...], target: Any, validate: str) -> bool:
        return False  # the general checks cost little next to NumPy's own work

    @staticmethod
    def to_default_float(*arrays: Any) -> tuple[Any, ...]:
        return tuple(a.astype(np.float64) for a in arrays)

    @staticmethod
    def upcast(*arrays: Any) -> tuple[tuple[Any, ...], Any]:
        if arrays[0].dtype != np.float16:
            return arrays, None
        return tuple(a.astype(np.float32) for a in arrays), np.float16

    @staticmethod
    def cast(x: Any, dtype: Any) -> Any:
        return x if dtype is None else x.astype(dtype, copy=False)

    @staticmethod
    def native_cosine(eps: float, stable: bool, dtype: Any) -> NativeCosine | None:
        return None  # NumPy has no cosine embedding loss of its own

    @staticmethod
    def native_hinge() -> NativeHinge | None:
        return None

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)

    @staticmethod
    def clamp_min0(x: Any) -> Any:
        return np.maximum(x, 0)

    @staticmethod
    def sqrt(x: Any) -> Any:
        return np.sqrt(x)

    @staticmethod
    def square(x: Any) -> Any:
        return np.square(x)

    @staticmethod
    def row_scale(x: Any) -> Any:
        s = np.max(np.abs(x), axis=-1, keepdims=True)
        return np.where(s == 0, np.ones_like(s), s)

    @staticmethod
    def reduce(loss: Any, reduction: str) -> Any:
        if reduction == "mean":
            return np.asarray(loss.mean())
        if reduction == "sum":
            return np.asarray(loss.sum())
        return np.asarray(loss)

    @staticmethod
    def label_check(target: Any, validate: str) -> LabelCheck:
        return LabelCheck.READ

    @staticmethod
    def all_plus_minus_one(x: Any) -> bool:
        if x.size <= 64:  # (a Python set is the cheapest test of a few labels)
            return set(x.ravel().tolist()) <= {1, -1}
        return bool(np.count_nonzero(np.abs(x) != 1) == 0)

    @staticmethod
    def assert_plus_minus_one(x: Any, message: str) -> None:
        raise NotImplementedError("NumPy reads its labels (LabelCheck.READ)")

    @staticmethod
    def bad_label_mask(x: Any) -> Any:
        return np.abs(x) != 1

    @staticmethod
    def nan_for_bad_labels(bad: Any, target: Any, arrays: tuple[Any, ...], *,
                           per_row: bool) -> tuple[tuple[Any, ...], Any]:
        raise NotImplementedError("only inside torch.func.vmap (LabelCheck.MASK)")

    @staticmethod
    def unique_values(x: Any) -> list[float]:
        return list(np.unique(x).tolist())
