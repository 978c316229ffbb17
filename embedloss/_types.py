"""The types the package is written against: the options' literals, the label-check
mode, and the interface every backend (NumPy, PyTorch, Paddle) implements."""
from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar

#: A NumPy array, a ``torch.Tensor`` or a ``paddle.Tensor``; a loss returns the type it
#: was given (array in, array out).
Array = TypeVar("Array")
Reduction = Literal["none", "mean", "sum"]
Validate = Literal["auto", "sync", "async"]
REDUCTIONS: tuple[str, ...] = typing.get_args(Reduction)
VALIDATE_MODES: tuple[str, ...] = typing.get_args(Validate)


class LabelCheck(enum.Enum):
    """How a backend checks label values where a call runs (``Backend.label_check``)."""

    #: read the values now (one host sync) and raise ``ValueError`` listing them: eager
    #: NumPy, Paddle and CPU PyTorch, and any device with ``validate="sync"``
    READ = "read"
    #: put an assertion into the computation, read by nobody now: compiled, exported
    #: and fake/meta PyTorch calls (``torch._assert_async``), CUDA calls with
    #: ``validate="auto"`` or ``"async"``, and Paddle static graphs (``Assert``)
    ASSERT = "assert"
    #: inside ``torch.func.vmap``, which can neither read a value nor batch an
    #: assertion: a sample with a bad label gets a NaN loss
    MASK = "mask"


NativeCosine = Callable[[Any, Any, Any, float, str], Any]
NativeHinge = Callable[[Any, Any, float, str], Any]


class Backend(Protocol):
    """The few array operations and checks the losses need, one class per framework.

    Each backend is a class of static methods with these names, so a loss is written
    once against ``xp`` and runs on whichever framework its inputs come from.
    """

    #: the framework's name in messages and tables ("numpy", "torch", "paddle")
    name: str

    # (read-only class attributes, declared as properties)
    @property
    def array_name(self) -> str:
        """How a message names the framework's arrays ("a torch.Tensor")."""
        ...
    @property
    def native_eps(self) -> float | None:
        """The eps the framework's own cosine loss adds to each squared norm (None: it has none)."""
        ...
    @property
    def one_pair_target_shapes(self) -> tuple[tuple[int, ...], ...]:
        """The target shapes one pair of shape ``(D,)`` takes: ``()``, and for Paddle
        also ``(1,)``, the shape its own loss wants."""
        ...
    @property
    def before_call(self) -> Callable[[], None] | None:
        """Called first by every loss, before any check (None: nothing to do)."""
        ...

    @staticmethod
    def owns(x: object) -> bool: ...
    @staticmethod
    def device(x: Any) -> object: ...
    @staticmethod
    def dtype_name(x: Any) -> str: ...
    @staticmethod
    def is_floating(x: Any) -> bool: ...
    @staticmethod
    def is_integer(x: Any) -> bool:
        """An integer dtype, bool excluded."""
        ...
    @staticmethod
    def is_bool(x: Any) -> bool: ...
    # (read-only class attributes, declared as properties)
    @property
    def plain_hinge(self) -> Callable[..., Any] | None:
        """The common eager hinge call, checked and computed in one function
        ``(input, target, margin, reduction, validate)``: the loss, or None for any
        other call (the general checks then take it). None: no such shortcut."""
        ...
    @property
    def plain_cosine(self) -> Callable[..., Any] | None:
        """The same for the cosine loss, ``(x1, x2, target, margin, reduction, eps,
        stable, validate)``."""
        ...

    @staticmethod
    def accepts_plain_call(arrays: tuple[Any, ...], target: Any, validate: str) -> bool:
        """True for the backend's common eager call whose labels are all 1 or -1 (read
        once, cheaply); the caller then checks only shapes and options. False sends the
        call through the general checks, which raise for anything wrong."""
        ...
    @staticmethod
    def to_default_float(*arrays: Any) -> tuple[Any, ...]:
        """Integer or bool arrays in the framework's default float dtype (as PyTorch
        computes its cosine loss of integer embeddings)."""
        ...
    @staticmethod
    def upcast(*arrays: Any) -> tuple[tuple[Any, ...], Any]:
        """float16/bfloat16 arrays as float32, and the dtype to return the loss in (None: as computed)."""
        ...
    @staticmethod
    def cast(x: Any, dtype: Any) -> Any: ...
    @staticmethod
    def native_cosine(eps: float, stable: bool, dtype: Any) -> NativeCosine | None:
        """A function ``(x1, x2, target, margin, reduction)`` computing the loss in one
        native call, or None where the framework has none with the same formula."""
        ...
    @staticmethod
    def native_hinge() -> NativeHinge | None: ...
    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any: ...
    @staticmethod
    def clamp_min0(x: Any) -> Any: ...
    @staticmethod
    def sqrt(x: Any) -> Any: ...
    @staticmethod
    def square(x: Any) -> Any: ...
    @staticmethod
    def row_scale(x: Any) -> Any:
        """max |x| over the last axis, 1 where that is 0 (a constant: no gradient)."""
        ...
    @staticmethod
    def reduce(loss: Any, reduction: str) -> Any: ...
    @staticmethod
    def label_check(target: Any, validate: str) -> LabelCheck: ...
    @staticmethod
    def all_plus_minus_one(x: Any) -> bool:
        """True when every value is exactly 1 or -1 (NaN is not; an empty array is): one host sync."""
        ...
    @staticmethod
    def assert_plus_minus_one(x: Any, message: str) -> None: ...
    @staticmethod
    def bad_label_mask(x: Any) -> Any: ...
    @staticmethod
    def nan_for_bad_labels(bad: Any, target: Any, arrays: tuple[Any, ...], *,
                           per_row: bool) -> tuple[tuple[Any, ...], Any]: ...
    @staticmethod
    def unique_values(x: Any) -> list[float]: ...


class NoLabelMask:
    """What a backend that never runs inside ``torch.func.vmap`` (where labels are
    masked, ``LabelCheck.MASK``) has for the two masking methods."""

    @staticmethod
    def bad_label_mask(x: Any) -> Any:
        raise NotImplementedError("only inside torch.func.vmap (LabelCheck.MASK)")

    @staticmethod
    def nan_for_bad_labels(bad: Any, target: Any, arrays: tuple[Any, ...], *,
                           per_row: bool) -> tuple[tuple[Any, ...], Any]:
        raise NotImplementedError("only inside torch.func.vmap (LabelCheck.MASK)")


class TensorReduce:
    """Reductions as the tensor frameworks' own losses do them (``.mean()``, ``.sum()``)."""

    @staticmethod
    def reduce(loss: Any, reduction: str) -> Any:
        if reduction == "mean":
            return loss.mean()
        if reduction == "sum":
            return loss.sum()
        return loss
