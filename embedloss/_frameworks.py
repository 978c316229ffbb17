"""The few array operations the losses need, for NumPy, PyTorch and Paddle.

Each backend is a small class of static methods with the same names, so a loss is
written once against ``xp`` and runs on whichever framework its inputs come from.
PyTorch and Paddle are imported only when one of their tensors is seen: a torch
tensor cannot exist unless ``torch`` is already in ``sys.modules``, so looking there
costs nothing and imports nothing.

How a backend checks label values (``label_check``) depends on where the call runs:

``"sync"``
    read the values now (one host sync) and raise ``ValueError`` listing them: eager
    NumPy, Paddle and CPU PyTorch, and any device with ``validate="sync"``;
``"async"``
    put an assertion into the computation, read by nobody now: compiled, exported and
    fake/meta PyTorch calls (``torch._assert_async``), CUDA calls with
    ``validate="auto"`` or ``"async"``, and Paddle static graphs (``Assert``);
``"mask"``
    inside ``torch.func.vmap``, which can neither read a value nor batch an assertion:
    a sample with a bad label gets a NaN loss.
"""
from __future__ import annotations

import logging
import math
import os
import sys
import threading
import warnings

import numpy as np

_PADDLE_IMPORT = threading.Lock()
_PADDLE_LOG_FORMAT = "[%(asctime)-15s] [%(levelname)8s] %(filename)s:%(lineno)s - %(message)s"


def import_paddle():
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


def _import_paddle_quietly():
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
_registered = set()  # (a set, not a global flag: the AST converter may rewrite this function too)


def register_with_paddle():
    """Once Paddle is imported: mark the embedloss package as not to be rewritten by
    ``paddle.jit.to_static``'s AST mode (``full_graph=True``), whose rewriting of loops
    over Python objects breaks (``'UndefinedVar' has no attribute 'owns'``). Every loss
    calls it first, so the mark is set before any of its helpers is reached."""
    paddle = sys.modules.get("paddle")
    if paddle is not None and not _registered:
        _registered.add(True)
        paddle.jit.ignore_module([sys.modules[_PACKAGE]])


class NumpyBackend:
    name = "numpy"

    @staticmethod
    def owns(x):
        return isinstance(x, np.ndarray)

    @staticmethod
    def dtype_name(x):
        return x.dtype.name

    @staticmethod
    def is_floating(x):
        return np.issubdtype(x.dtype, np.floating)

    @staticmethod
    def is_integer_or_floating(x):
        return np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)  # (not bool)

    @staticmethod
    def device(x):
        return "cpu"

    @staticmethod
    def upcast(*arrays):
        """float16 arrays as float32, and the dtype to return the loss in (None: as computed)."""
        if arrays[0].dtype != np.float16:
            return arrays, None
        return tuple(a.astype(np.float32) for a in arrays), np.float16

    @staticmethod
    def cast(x, dtype):
        return x if dtype is None else x.astype(dtype, copy=False)

    @staticmethod
    def native_cosine(eps, stable, dtype):
        """A function ``(x1, x2, target, margin, reduction)`` computing the loss in one
        call, or None: NumPy has no cosine embedding loss of its own."""
        return None

    @staticmethod
    def native_hinge():
        return None

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
    def square(x):
        return np.square(x)

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
    def label_check(target, validate):
        return "sync"

    @staticmethod
    def all_plus_minus_one(x):
        """True when every value is exactly 1 or -1 (NaN is not; an empty array is)."""
        return np.count_nonzero(np.abs(x) != 1) == 0  # (the fastest NumPy spelling for small arrays)

    @staticmethod
    def unique_values(x):
        return np.unique(x).tolist()


class _TensorBackend:
    """Reductions as the tensor frameworks' own losses do them (``.mean()``, ``.sum()``)."""

    @staticmethod
    def reduce(loss, reduction):
        if reduction == "mean":
            return loss.mean()
        if reduction == "sum":
            return loss.sum()
        return loss

    @staticmethod
    def cast(x, dtype):
        return x if dtype is None else x.astype(dtype)


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
    def is_integer_or_floating(x):
        return not x.is_complex() and x.dtype != sys.modules["torch"].bool

    @staticmethod
    def device(x):
        return x.device

    @staticmethod
    def upcast(*tensors):
        """float16/bfloat16 tensors as float32, and the dtype to return the loss in: the
        input's, or float32 (None) under ``torch.autocast``, as the native losses do."""
        torch = sys.modules["torch"]
        dtype = tensors[0].dtype
        if dtype != torch.float16 and dtype != torch.bfloat16:
            return tensors, None
        back = None if torch.is_autocast_enabled(tensors[0].device.type) else dtype
        return tuple(t.float() for t in tensors), back

    @staticmethod
    def cast(x, dtype):
        return x if dtype is None else x.to(dtype)

    @staticmethod
    def native_cosine(eps, stable, dtype):
        """PyTorch's own op computes exactly the formula for labels 1 and -1, in one
        call, when eps is 1e-12 and the dtype float32: it adds its eps as a float32
        (9.99999996e-13), which is what adding 1e-12 to a float32 tensor adds."""
        if stable or eps != 1e-12 or dtype != sys.modules["torch"].float32:
            return None
        return _torch_cosine

    @staticmethod
    def native_hinge():
        """PyTorch's own op: for labels 1 and -1 the same values, in one call."""
        return _torch_hinge

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
    def square(x):
        return x.square()

    @staticmethod
    def row_scale(x):
        with sys.modules["torch"].no_grad():
            s = x.abs().amax(dim=-1, keepdim=True)
            return s.masked_fill(s == 0, 1)

    @staticmethod
    def label_check(target, validate):
        torch = sys.modules["torch"]
        if torch.compiler.is_compiling() or not _holds_values(torch, target):
            return "async"
        if torch._C._functorch.peek_interpreter_stack() is not None and _inside_vmap(torch):
            return "mask"
        if validate == "auto":
            return "sync" if target.is_cpu else "async"
        if validate == "sync" and not (target.is_cuda and torch.cuda.is_current_stream_capturing()):
            return "sync"
        return "async"

    @staticmethod
    def all_plus_minus_one(x):
        """True when every value is exactly 1 or -1: one host sync. A plain CPU tensor
        is read through a NumPy view (no copy, no torch op), others on their device."""
        if x.is_cpu and type(x) is sys.modules["torch"].Tensor and _numpy_readable(x):
            return NumpyBackend.all_plus_minus_one(x.numpy())
        return bool(x.abs().eq(1).all())

    @staticmethod
    def assert_plus_minus_one(x, message):
        sys.modules["torch"]._assert_async(x.abs().eq(1).all(), message)

    @staticmethod
    def not_plus_minus_one(x):
        return x.abs() != 1

    @staticmethod
    def nan_for_bad_labels(bad, target, *arrays):
        """Inside vmap: the inputs of samples with a bad label times NaN, and their label
        set to 1, so that their loss and gradients are NaN (a 0 from a ``where`` would hide them)."""
        torch = sys.modules["torch"]
        scale = torch.where(bad, math.nan, 1.0)
        arrays = tuple(a * scale.reshape(scale.shape + (1,) * (a.dim() - scale.dim())) for a in arrays)
        return arrays, torch.where(bad, 1, target)

    @staticmethod
    def unique_values(x):
        return x.detach().unique().cpu().tolist()


_REDUCTION_ENUM = {"none": 0, "mean": 1, "sum": 2}  # as torch.nn._reduction.get_enum


def _torch_cosine(x1, x2, target, margin, reduction):
    return sys.modules["torch"].cosine_embedding_loss(x1, x2, target, margin, _REDUCTION_ENUM[reduction])


def _torch_hinge(input, target, margin, reduction):
    return sys.modules["torch"].hinge_embedding_loss(input, target, margin, _REDUCTION_ENUM[reduction])


def _tracing_or_fake(torch):
    """True while ``make_fx``/``torch.export`` trace or a FakeTensorMode is active."""
    modes = torch._C._TorchDispatchModeKey
    return torch._C._get_dispatch_mode(modes.FAKE) is not None or torch._C._get_dispatch_mode(modes.PROXY) is not None


def _holds_values(torch, t):
    """False for tensors without data: meta tensors, FakeTensors, and tensors seen
    while ``make_fx``/``torch.export`` trace or a FakeTensorMode is active."""
    if t.is_meta or _tracing_or_fake(torch):
        return False
    fake = sys.modules.get("torch._subclasses.fake_tensor")
    return fake is None or not isinstance(t, fake.FakeTensor)


def plain_cpu_labels(arrays, target):
    """The labels as a NumPy view when a call is the common eager one, else None.

    The common call: plain (not subclassed, not fake) CPU torch tensors, ``arrays`` all
    float32 or all float64, a label tensor of a real dtype that NumPy can view (no
    gradient, not bool), and no compiling, tracing, ``vmap`` or fake-tensor mode. For
    such a call the general checks reduce to reading the labels once; the losses take
    this fast path to accept a call, and any other call, or any failing check, takes
    the general path, which raises.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    plain = torch.Tensor
    for x in (*arrays, target):
        if type(x) is not plain or not x.is_cpu:
            return None
    dtype = arrays[0].dtype
    if dtype is not torch.float32 and dtype is not torch.float64:
        return None
    if any(x.dtype is not dtype for x in arrays) or torch.compiler.is_compiling():
        return None
    if _tracing_or_fake(torch) or not _numpy_readable(target):  # (vmap, grad, bfloat16 too)
        return None
    try:  # refuses sparse and negative-bit labels
        labels = target.numpy()
    except (RuntimeError, TypeError):
        return None
    return labels if labels.dtype.kind in "fiu" else None  # (bool and complex: the general path)


def _numpy_readable(x):
    torch = sys.modules["torch"]
    return not x.requires_grad and x.dtype != torch.bfloat16 and torch._C._functorch.peek_interpreter_stack() is None


def _inside_vmap(torch):
    vmap = torch._C._functorch.TransformType.Vmap
    return any(level.key() == vmap for level in torch._C._functorch.get_interpreter_stack())


class PaddleBackend(_TensorBackend):
    name = "paddle"

    @staticmethod
    def owns(x):
        paddle = sys.modules.get("paddle")
        return paddle is not None and isinstance(x, (paddle.Tensor, paddle.pir.Value))

    @staticmethod
    def dtype_name(x):
        name = str(x.dtype).replace("paddle.", "")
        return {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32", "fp64": "float64"}.get(name, name)

    @staticmethod
    def is_floating(x):
        return x.dtype in _paddle_dtypes()["floating"]  # (a set: faster than paddle.is_floating_point)

    @staticmethod
    def is_integer_or_floating(x):
        return x.dtype not in _paddle_dtypes()["complex or bool"]

    @staticmethod
    def device(x):
        return x.place if sys.modules["paddle"].in_dynamic_mode() else "static graph"

    @staticmethod
    def upcast(*tensors):
        """float16/bfloat16 tensors as float32, and the dtype to return the loss in."""
        dtype = tensors[0].dtype
        if dtype not in _paddle_dtypes()["low precision"]:
            return tensors, None
        return tuple(t.astype("float32") for t in tensors), dtype

    @staticmethod
    def native_cosine(eps, stable, dtype):
        return None  # Paddle's own loss refuses float16 and unbatched pairs: use the formula

    @staticmethod
    def native_hinge():
        return None

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
    def square(x):
        """(not ``x * x``: its backward adds two gradients, an extra pass over the batch)"""
        return sys.modules["paddle"].square(x)

    @staticmethod
    def row_scale(x):
        paddle = sys.modules["paddle"]
        s = x.detach().abs().max(axis=-1, keepdim=True)
        # not `s == 0`: Paddle's float == is |a - b| < 1e-15, true for a row of 1e-30s
        return paddle.where(s > 0, s, paddle.ones_like(s))

    @staticmethod
    def label_check(target, validate):
        return "sync" if sys.modules["paddle"].in_dynamic_mode() else "async"

    @staticmethod
    def all_plus_minus_one(x):
        """True when every value is exactly 1 or -1: one copy to NumPy (the one sync),
        compared there; Paddle's float ``==`` is ``|a - b| < 1e-15``, not exact."""
        return NumpyBackend.all_plus_minus_one(_numpy_of(x))

    @staticmethod
    def assert_plus_minus_one(x, message):
        """In a static graph (``to_static``): an ``Assert`` op, which prints the labels
        and raises ValueError when it runs (Paddle's Assert takes no message)."""
        paddle = sys.modules["paddle"]
        ok = paddle.all(paddle.abs(x.astype("float32")) == 1)
        paddle.static.nn.control_flow.Assert(ok, [x], summarize=8)  # prints the labels; raises ValueError

    @staticmethod
    def unique_values(x):
        return np.unique(_numpy_of(x)).tolist()


_PADDLE_DTYPES = {}


def _paddle_dtypes():
    if not _PADDLE_DTYPES:
        paddle = sys.modules["paddle"]
        low = {paddle.float16, paddle.bfloat16}
        _PADDLE_DTYPES.update({"low precision": low, "floating": low | {paddle.float32, paddle.float64},
                               "complex or bool": {paddle.complex64, paddle.complex128, paddle.bool}})
    return _PADDLE_DTYPES


def _numpy_of(x):
    """A paddle tensor's values in NumPy (float16/bfloat16 through float32: NumPy has no bfloat16)."""
    x = x.detach()
    if x.dtype in _paddle_dtypes()["low precision"]:
        x = x.astype("float32")
    return x.numpy()


BACKENDS = (NumpyBackend, TorchBackend, PaddleBackend)
