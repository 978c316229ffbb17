"""Which backend runs a call: the registry of backends, the cache from array type to
backend, and the lookup that checks one call's arrays.

A framework is one backend module (see :class:`embedloss._types.Backend`) and one line
of ``BACKENDS``; everything that names the frameworks (the error for a foreign array,
``embedloss.testing.EPS``) reads it from here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from ._numpy import NumpyBackend
from ._paddle import PaddleBackend
from ._torch import TorchBackend
from ._types import Backend

#: Every backend, in the order their names are listed in messages.
BACKENDS: tuple[Backend, ...] = (NumpyBackend, TorchBackend, PaddleBackend)

#: type -> backend: one dict lookup per array on every call after the first.
OWNER_BY_TYPE: dict[type, Backend] = {}


def fail(exc: type[Exception], caller: str, arg: str, expected: str, received: str, fix: str = "") -> NoReturn:
    """Raise ``exc("<caller>: `<arg>` <expected>, but got <received>. <fix>")``, the one message shape."""
    message = f"{caller}: `{arg}` {expected}, but got {received}."
    raise exc(f"{message} {fix}" if fix else message)  # (no str methods: torch.compile traces this too)


def _one_of(names: list[str]) -> str:
    """``"a, b or c"``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


ARRAY_KINDS = _one_of([b.array_name for b in BACKENDS])  # "a NumPy array, a torch.Tensor or a paddle.Tensor"


def _before_every_call(hooks: tuple[Callable[[], None], ...]) -> Callable[[], None]:
    """One function running the backends' ``before_call`` hooks (a loop only when
    several backends have one: paddle.jit.to_static may rewrite this function's code)."""
    if not hooks:
        return lambda: None
    if len(hooks) == 1:
        return hooks[0]

    def run_all() -> None:
        for hook in hooks:
            hook()
    return run_all


#: What every loss calls first (Paddle: mark embedloss as not to be rewritten by
#: ``paddle.jit.to_static``, before any helper is reached).
before_call = _before_every_call(tuple(b.before_call for b in BACKENDS if b.before_call is not None))


def describe(x: object) -> str:
    """A received value as messages show it: its type and shape, or its repr (cut)."""
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"{type(x).__module__}.{type(x).__qualname__} of shape {tuple(shape)}"
    return f"{type(x).__qualname__} {x!r}"[:120]


def owner(caller: str, arg: str, x: object) -> Backend:
    """The backend that owns ``x`` (cached by type); TypeError for anything else."""
    backend = OWNER_BY_TYPE.get(type(x))
    if backend is None:
        backend = next((b for b in BACKENDS if b.owns(x)), None)
        if backend is None:
            fail(TypeError, caller, arg, f"must be {ARRAY_KINDS}", describe(x),
                 "Convert it first, e.g. `np.asarray(value, dtype=np.float32)`.")
        OWNER_BY_TYPE[type(x)] = backend
    return backend


def backend_of(caller: str, **arrays: Any) -> Backend:
    """The one backend that owns every array; TypeError for foreign or mixed ones,
    ValueError for arrays on different devices."""
    owners = [owner(caller, arg, x) for arg, x in arrays.items()]
    backend = owners[0]
    if any(b is not backend for b in owners):
        kinds = ", ".join(f"{arg}: {b.name}" for arg, b in zip(arrays, owners))
        fail(TypeError, caller, "/".join(arrays), "must all come from one framework", kinds,
             "Convert them to one framework before the call.")
    devices = [backend.device(x) for x in arrays.values()]
    if any(d != devices[0] for d in devices):
        where = ", ".join(f"{arg} on {d}" for arg, d in zip(arrays, devices))
        fail(ValueError, caller, "/".join(arrays), "must be on one device", where,
             "Move them with `.to(device)` first.")
    return backend
