"""The PyTorch backend (see :class:`embedloss._types.Backend`).

torch is never imported here: a torch tensor cannot exist unless ``torch`` is already
in ``sys.modules``, so looking there costs nothing and imports nothing.
"""
from __future__ import annotations

import ctypes
import math
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from ._numpy import NumpyBackend, _pm1_layout
from ._types import LabelCheck, NativeCosine, NativeHinge, TensorReduce

_REDUCTION_ENUM = {"none": 0, "mean": 1, "sum": 2}  # as torch.nn._reduction.get_enum
# (ctypes.string_at without its Python wrapper, where this ctypes has it)
_string_at = getattr(ctypes, "_string_at", ctypes.string_at)


def _first_plain_call(name: str, *args: Any) -> Any:
    """The first plain call: build the plain calls (:func:`_plain_calls`), put them in
    the backend's place of this function, and run the call (under torch.compile nothing
    is built: the general checks take the call)."""
    torch = sys.modules["torch"]
    if torch.compiler.is_compiling():
        return None
    hinge, cosine = _plain_calls(torch, _fast or _fast_refs())
    TorchBackend.plain_hinge, TorchBackend.plain_cosine = staticmethod(hinge), staticmethod(cosine)
    return (hinge if name == "hinge" else cosine)(*args)


def _plain_calls(torch: Any, fast: _FastRefs) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The common eager call of each loss, checked and computed in one function:
    PyTorch's own loss, or None for any other call (which the general checks then
    take, raising for anything wrong). Every torch object they read is bound here
    once, as a closure variable (the cheapest lookup: these run on every call).

    Accepted: plain (not subclassed, not fake) CPU tensors of float32 (cosine: and
    ``eps=1e-12``, not ``stable``, where PyTorch's own op computes the formula; see
    :meth:`TorchBackend.native_cosine`) or float64 (hinge), labels of a real dtype
    (not bool, not negated, strided), ``validate="auto"``, no compiling, functorch
    transform (``vmap``, ``grad``) or dispatch mode (fake tensors,
    ``make_fx``/``torch.export`` tracing, a user's mode); the usual shapes (hinge: the
    target of the input's shape; cosine: ``(N, D)`` pairs and ``N`` labels) and
    options (a finite margin, in ``[-1, 1]`` for the cosine; a known reduction,
    ``"mean"`` of a non-empty batch); and every label 1 or -1, read once: a few
    contiguous float labels as bytes straight from the tensor's memory (no NumPy
    view, no torch op), compared as :meth:`NumpyBackend.all_plus_minus_one` compares
    them; other labels through a NumPy view. The general checks test each of these
    conditions again, with its error message: this only decides that none can fail.
    """
    Tensor, float32, float64, strided = torch.Tensor, torch.float32, torch.float64, torch.strided
    is_compiling, peek, key_included = fast.is_compiling, fast.peek, fast.key_included
    python_key, label_dtypes, label_bytes = fast.Python, fast.label_dtypes, fast.float_label_bytes
    native_hinge, native_cosine = torch.hinge_embedding_loss, torch.cosine_embedding_loss
    enums, numbers, inf, string_at = _REDUCTION_ENUM, (float, int), math.inf, _string_at

    def labels_ok(target: Any) -> bool:
        layout = label_bytes.get(target.dtype)
        if layout is not None and target.is_contiguous() and 0 < (n := target.nbytes) <= _RAW_BYTES:
            sign_to_plus, one = layout
            return bool(string_at(target.data_ptr(), n).translate(sign_to_plus) == one * (n // len(one)))
        return _labels_plus_minus_one(fast, target)

    def plain_hinge(input: Any, target: Any, margin: float, reduction: str, validate: str) -> Any:
        if validate != "auto" or type(input) is not Tensor or type(target) is not Tensor or is_compiling():
            return None
        dtype = input.dtype
        if ((dtype is float32 or dtype is float64) and input.is_cpu and target.is_cpu
                and target.layout is strided and not target.is_neg() and target.dtype in label_dtypes
                and type(margin) in numbers and -inf < margin < inf
                and type(reduction) is str and (enum := enums.get(reduction)) is not None
                and (enum != 1 or input.numel() != 0)
                and peek() is None and not key_included(python_key)  # (before is_same_size, an aten op)
                and input.is_same_size(target) and labels_ok(target)):
            return native_hinge(input, target, margin, enum)
        return None

    def plain_cosine(x1: Any, x2: Any, target: Any, margin: float, reduction: str, eps: float, stable: bool,
                     validate: str) -> Any:
        if (validate != "auto" or type(x1) is not Tensor or type(x2) is not Tensor or type(target) is not Tensor
                or is_compiling()):
            return None
        if (x1.dtype is float32 and x2.dtype is float32 and type(eps) is float and eps == 1e-12 and stable is False
                and x1.is_cpu and x2.is_cpu and target.is_cpu
                and target.layout is strided and not target.is_neg() and target.dtype in label_dtypes
                and x1.dim() == 2 and target.dim() == 1 and len(target) == len(x1)
                and type(margin) in numbers and -1.0 <= margin <= 1.0
                and type(reduction) is str and (enum := enums.get(reduction)) is not None
                and (enum != 1 or len(x1) != 0)
                and peek() is None and not key_included(python_key)  # (before is_same_size, an aten op)
                and x1.is_same_size(x2) and labels_ok(target)):
            return native_cosine(x1, x2, target, margin, enum)
        return None

    return plain_hinge, plain_cosine


class TorchBackend(TensorReduce):
    name = "torch"
    array_name = "a torch.Tensor"
    #: Loss.cpp's ``constexpr float EPSILON = 1e-12`` (added as a float32, 9.99999996e-13,
    #: which is what adding 1e-12 to a float32 tensor adds)
    native_eps = 1e-12
    one_pair_target_shapes = ((),)
    before_call = None
    # the plain calls (see _plain_calls), built by the first
    plain_hinge = staticmethod(lambda *args: _first_plain_call("hinge", *args))
    plain_cosine = staticmethod(lambda *args: _first_plain_call("cosine", *args))

    @staticmethod
    def owns(x: object) -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(x, torch.Tensor)

    @staticmethod
    def device(x: Any) -> object:
        return x.device

    @staticmethod
    def dtype_name(x: Any) -> str:
        return str(x.dtype).replace("torch.", "")

    @staticmethod
    def is_floating(x: Any) -> bool:
        return bool(x.is_floating_point())

    @staticmethod
    def is_integer(x: Any) -> bool:
        return not x.is_floating_point() and not x.is_complex() and x.dtype != sys.modules["torch"].bool

    @staticmethod
    def is_bool(x: Any) -> bool:
        return bool(x.dtype == sys.modules["torch"].bool)

    @staticmethod
    def accepts_plain_call(arrays: tuple[Any, ...], target: Any, validate: str) -> bool:
        """The common eager call, accepted for the price of one read of the labels.

        Plain (not subclassed, not fake) CPU tensors, ``arrays`` all float32 or all
        float64, labels of a real dtype (not bool), ``validate="auto"``, and no
        compiling, functorch transform (``vmap``, ``grad``) or dispatch mode (fake
        tensors, ``make_fx``/``torch.export`` tracing, a user's mode): for such a call
        the general checks reduce to reading the labels once, through a NumPy view
        (no copy, no torch op).
        """
        fast = _fast
        if fast is None:  # (the first call; under torch.compile nothing below is traced)
            if validate != "auto" or sys.modules["torch"].compiler.is_compiling():
                return False
            fast = _fast_refs()
        elif validate != "auto" or fast.is_compiling():
            return False
        dtype = arrays[0].dtype
        if dtype is not fast.float32 and dtype is not fast.float64:
            return False
        plain = fast.Tensor
        for x in arrays:
            if type(x) is not plain or x.dtype is not dtype or not x.is_cpu:
                return False
        if (type(target) is not plain or not target.is_cpu or target.dtype not in fast.label_dtypes
                or target.layout is not fast.strided or target.is_neg()):  # (NumPy reads neither sparse nor neg-bit)
            return False
        if fast.peek() is not None or fast.key_included(fast.Python):  # a functorch transform, a dispatch mode
            return False
        return _labels_plus_minus_one(fast, target)

    @staticmethod
    def to_default_float(*arrays: Any) -> tuple[Any, ...]:
        dtype = sys.modules["torch"].get_default_dtype()
        return tuple(a.to(dtype) for a in arrays)

    @staticmethod
    def upcast(*arrays: Any) -> tuple[tuple[Any, ...], Any]:
        """float16/bfloat16 tensors as float32, and the dtype to return the loss in: the
        input's, or float32 (None) under ``torch.autocast``, as the native losses do."""
        torch = sys.modules["torch"]
        dtype = arrays[0].dtype
        if dtype is not torch.float16 and dtype is not torch.bfloat16:  # (torch dtypes are singletons)
            return arrays, None
        back = None if torch.is_autocast_enabled(arrays[0].device.type) else dtype
        return tuple(t.float() for t in arrays), back

    @staticmethod
    def cast(x: Any, dtype: Any) -> Any:
        return x if dtype is None else x.to(dtype)

    @staticmethod
    def native_cosine(eps: float, stable: bool, dtype: Any) -> NativeCosine | None:
        """PyTorch's own op computes exactly the formula for labels 1 and -1, in one
        call, when eps is 1e-12 and the dtype float32: it adds its eps as a float32
        (9.99999996e-13), which is what adding 1e-12 to a float32 tensor adds."""
        if stable or eps != 1e-12 or dtype != sys.modules["torch"].float32:
            return None
        return _torch_cosine

    @staticmethod
    def native_hinge() -> NativeHinge | None:
        """PyTorch's own op: for labels 1 and -1 the same values, in one call."""
        return _torch_hinge

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return sys.modules["torch"].where(cond, a, b)

    @staticmethod
    def clamp_min0(x: Any) -> Any:
        return x.clamp_min(0)

    @staticmethod
    def sqrt(x: Any) -> Any:
        return x.sqrt()

    @staticmethod
    def square(x: Any) -> Any:
        return x.square()

    @staticmethod
    def row_scale(x: Any) -> Any:
        with sys.modules["torch"].no_grad():
            s = x.abs().amax(dim=-1, keepdim=True)
            return s.masked_fill(s == 0, 1)

    @staticmethod
    def label_check(target: Any, validate: str) -> LabelCheck:
        torch = sys.modules["torch"]
        if torch.compiler.is_compiling() or not _holds_values(torch, target):
            return LabelCheck.ASSERT
        if torch._C._functorch.peek_interpreter_stack() is not None and _inside_vmap(torch):
            return LabelCheck.MASK
        if validate == "auto":
            return LabelCheck.READ if target.is_cpu else LabelCheck.ASSERT
        if validate == "sync" and not (target.is_cuda and torch.cuda.is_current_stream_capturing()):
            return LabelCheck.READ
        return LabelCheck.ASSERT

    @staticmethod
    def all_plus_minus_one(x: Any) -> bool:
        """A plain CPU tensor is read through a NumPy view (no copy, no torch op), others on their device."""
        torch = sys.modules["torch"]
        if x.is_cpu and type(x) is torch.Tensor and x.layout is torch.strided and not x.is_neg() and _numpy_readable(x):
            return NumpyBackend.all_plus_minus_one(x.numpy())
        return bool(x.abs().eq(1).all())

    @staticmethod
    def assert_plus_minus_one(x: Any, message: str) -> None:
        sys.modules["torch"]._assert_async(x.abs().eq(1).all(), message)

    @staticmethod
    def bad_label_mask(x: Any) -> Any:
        return x.abs() != 1

    @staticmethod
    def nan_for_bad_labels(bad: Any, target: Any, arrays: tuple[Any, ...], *,
                           per_row: bool) -> tuple[tuple[Any, ...], Any]:
        """Inside vmap: the inputs of samples with a bad label times NaN, and their label
        set to 1, so that their loss and gradients are NaN (a 0 from a ``where`` would
        hide them). ``per_row``: one label per row of the inputs (the cosine loss);
        otherwise the labels broadcast to the input's shape (the hinge loss)."""
        torch = sys.modules["torch"]
        scale = torch.where(bad, math.nan, 1.0)
        if per_row:
            arrays = tuple(a * scale.reshape(scale.shape + (1,) * (a.dim() - scale.dim())) for a in arrays)
        else:
            arrays = tuple(a * scale for a in arrays)
        return arrays, torch.where(bad, 1, target)

    @staticmethod
    def unique_values(x: Any) -> list[float]:
        return list(x.detach().unique().cpu().tolist())


def _torch_cosine(x1: Any, x2: Any, target: Any, margin: float, reduction: str) -> Any:
    return sys.modules["torch"].cosine_embedding_loss(x1, x2, target, margin, _REDUCTION_ENUM[reduction])


def _torch_hinge(input: Any, target: Any, margin: float, reduction: str) -> Any:
    return sys.modules["torch"].hinge_embedding_loss(input, target, margin, _REDUCTION_ENUM[reduction])


class _FastRefs(NamedTuple):
    """What the fast accept reads on every call, looked up once."""

    is_compiling: Any
    Tensor: Any
    float32: Any
    float64: Any
    label_dtypes: frozenset[Any]  # the label dtypes NumPy can view
    peek: Any  # the functorch interpreter stack (vmap, grad, ...): None outside any
    key_included: Any  # whether a dispatch key is on: Python is, while any dispatch mode is active
    Python: Any
    strided: Any
    float_label_bytes: dict[Any, tuple[bytes, bytes]]  # float dtype -> NumPy's byte layout of 1 and -1


_fast: _FastRefs | None = None


def _fast_refs() -> _FastRefs:
    global _fast
    torch = sys.modules["torch"]
    _fast = _FastRefs(
        torch.compiler.is_compiling, torch.Tensor, torch.float32, torch.float64,
        frozenset({torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16, torch.int8,
                   torch.uint8}),
        torch._C._functorch.peek_interpreter_stack, torch._C._dispatch_tls_is_dispatch_key_included,
        torch._C.DispatchKey.Python, torch.strided,
        _float_label_bytes({torch.float16: "float16", torch.float32: "float32", torch.float64: "float64"}))
    return _fast


def _float_label_bytes(dtypes: dict[Any, str]) -> dict[Any, tuple[bytes, bytes]]:
    """torch dtype -> (the byte table mapping -1 to 1, the bytes of 1), in the tensor's (native) byte order."""
    out = {}
    for torch_dtype, name in dtypes.items():
        sign_to_plus, one = _pm1_layout(name)
        if sign_to_plus is not None:
            out[torch_dtype] = (sign_to_plus, one)
    return out


_RAW_BYTES = 1 << 15  # float labels up to this size are read as bytes from the tensor's memory


def _labels_plus_minus_one(fast: _FastRefs, t: Any) -> bool:
    """Every value of ``t`` (a plain, strided, not negated CPU tensor of a label dtype
    that holds its data) is 1 or -1. A few contiguous float labels are read as bytes
    straight from the tensor's memory (``data_ptr``, ``nbytes``: no NumPy view, no
    torch op) and compared as :meth:`NumpyBackend.all_plus_minus_one` compares them;
    other labels through a NumPy view."""
    layout = fast.float_label_bytes.get(t.dtype)
    if layout is not None and t.is_contiguous() and 0 < (n := t.nbytes) <= _RAW_BYTES:
        sign_to_plus, one = layout
        return bool(_string_at(t.data_ptr(), n).translate(sign_to_plus) == one * (n // len(one)))
    return NumpyBackend.all_plus_minus_one(t.detach().numpy() if t.requires_grad else t.numpy())


def _tracing_or_fake(torch: Any) -> bool:
    """True while ``make_fx``/``torch.export`` trace or a FakeTensorMode is active."""
    modes = torch._C._TorchDispatchModeKey
    return torch._C._get_dispatch_mode(modes.FAKE) is not None or torch._C._get_dispatch_mode(modes.PROXY) is not None


def _holds_values(torch: Any, t: Any) -> bool:
    """False for tensors without data: meta tensors, FakeTensors, and tensors seen
    while ``make_fx``/``torch.export`` trace or a FakeTensorMode is active."""
    if t.is_meta or _tracing_or_fake(torch):
        return False
    fake = sys.modules.get("torch._subclasses.fake_tensor")
    return fake is None or not isinstance(t, fake.FakeTensor)


def _numpy_readable(x: Any) -> bool:
    torch = sys.modules["torch"]
    return not x.requires_grad and x.dtype != torch.bfloat16 and torch._C._functorch.peek_interpreter_stack() is None


def _inside_vmap(torch: Any) -> bool:
    vmap = torch._C._functorch.TransformType.Vmap
    return any(level.key() == vmap for level in torch._C._functorch.get_interpreter_stack())
