"""The NumPy backend (see :class:`embedloss._types.Backend`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._types import LabelCheck, NativeCosine, NativeHinge, NoLabelMask

_PM1_BYTES: dict[Any, tuple[bytes | None, bytes]] = {}  # dtype -> _pm1_layout(dtype)
_CHUNK = 1 << 15  # labels compared at a time


def _pm1_layout(dtype: Any) -> tuple[bytes | None, bytes]:
    """(a byte table mapping -1's sign byte to 1's, or None; the bytes of 1) for ``dtype``.

    The table is given for a float dtype whose 1 and -1 differ in one byte only, and
    whose 1 holds that byte's value nowhere else (so no other byte can be mapped into
    place): float16, float32 and float64, either byte order."""
    one = np.ones((), dtype).tobytes()
    if np.dtype(dtype).kind == "f":
        minus = np.array(-1, dtype).tobytes()
        differ = [j for j in range(len(one)) if one[j] != minus[j]]
        if len(differ) == 1 and one.count(one[differ[0]]) == 1:
            s = differ[0]
            return bytes.maketrans(minus[s:s + 1], one[s:s + 1]), one
    return None, np.ones((), np.dtype(dtype).newbyteorder("=")).tobytes()  # (np.abs returns native order)


class NumpyBackend(NoLabelMask):
    name = "numpy"
    array_name = "a NumPy array"
    native_eps = None
    one_pair_target_shapes = ((),)
    before_call = None
    plain_hinge = None  # (no shortcut: see Backend.plain_hinge)
    plain_cosine = None

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
        """Every value is exactly 1 or -1 (NaN, -0.0 and 1 + 1e-16 are not). A few
        labels are compared as bytes (1 has one representation in every real dtype):
        for floats, -1 is 1 with the sign byte changed, so mapping that byte makes
        every label 1; for integers, |x| is compared. Many are counted in chunks."""
        if x.size > _CHUNK:  # many labels: |x| != 1 counted in chunks that stay in the cache
            flat = x.reshape(-1)
            return not any(np.count_nonzero(np.abs(flat[i:i + _CHUNK]) != 1) for i in range(0, flat.size, _CHUNK))
        layout = _PM1_BYTES.get(x.dtype)
        if layout is None:
            layout = _PM1_BYTES[x.dtype] = _pm1_layout(x.dtype)
        sign_to_plus, one = layout
        if sign_to_plus is not None:
            return bool(x.tobytes().translate(sign_to_plus) == one * x.size)
        return bool(np.abs(x).tobytes() == one * x.size)

    @staticmethod
    def assert_plus_minus_one(x: Any, message: str) -> None:
        raise NotImplementedError("NumPy reads its labels (LabelCheck.READ)")

    @staticmethod
    def unique_values(x: Any) -> list[float]:
        return list(np.unique(x).tolist())
