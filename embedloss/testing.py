"""What tests of these losses share, as ``torch.testing`` does for PyTorch: one case
table, written once and read by the library's tests, the book's parity report and the
notebooks.

NumPy only: importing this module imports neither torch nor Paddle.

``sample_inputs(loss)``
    every accepted call as data (:class:`Sample`): shapes x reductions x margins x
    dtypes (float16 and bfloat16 included), NaN, Inf, non-contiguous, empty, integer
    and bool embeddings, broadcast hinge targets, Paddle's one-pair label of shape
    ``[1]``, and the rows of the parity report (``parity=True``).
``error_inputs(loss)``
    every refused call (:class:`ErrorInput`): the exception type and a regex of the
    message.
``reference_inputs(loss)``
    the published examples, with the values they print (from ``PUBLISHED``).
``TOLERANCE``, ``GRAD_TOLERANCE``, ``STATIC_PADDLE_TOLERANCE``
    (rtol, atol) by dtype: the one tolerance table.
``EPS``
    the eps each framework's own cosine loss adds to the squared norms.
``cosine_pairs``, ``hinge_distances``
    the one generator of correlated pairs and of distances.
``PUBLISHED``
    the two source documents' examples (:class:`Published`); the tutorial's inputs
    are drawn by ``torch.manual_seed(20)`` (see ``description``), Paddle's API page
    gives its inputs here (``PADDLE_PAGE_INPUT``, ``PADDLE_PAGE_LABEL``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Union

import numpy as np

from ._validation import REDUCTIONS, Reduction

__all__ = [
    "DTYPES", "EPS", "GRAD_TOLERANCE", "LOW_PRECISION", "PADDLE_PAGE_INPUT", "PADDLE_PAGE_LABEL", "PUBLISHED",
    "STATIC_PADDLE_TOLERANCE", "TOLERANCE", "ErrorInput", "Published", "Sample", "Tolerance", "cosine_pairs",
    "error_inputs", "hinge_distances", "reference_inputs", "sample_inputs",
]

Loss = Literal["cosine", "hinge"]
Framework = Literal["numpy", "torch", "paddle"]
FRAMEWORKS: frozenset[str] = frozenset({"numpy", "torch", "paddle"})

# ---------------------------------------------------------------- tolerances and eps


class Tolerance(NamedTuple):
    """Relative and absolute tolerance, as ``numpy.testing.assert_allclose`` takes them."""

    rtol: float
    atol: float


#: Values by dtype. float16 and bfloat16 are computed in float32 and rounded once to
#: 11 and 8 significant bits. The parity report's tolerance is ``rtol * max(1, max|ref|)``.
TOLERANCE: Mapping[str, Tolerance] = {
    "float64": Tolerance(1e-12, 1e-12), "float32": Tolerance(1e-5, 1e-6),
    "float16": Tolerance(1e-3, 1e-3), "bfloat16": Tolerance(8e-3, 8e-3),
}
#: Tolerances of gradients by dtype; in low precision, 4 roundings of the output dtype
#: times the largest gradient.
GRAD_TOLERANCE: Mapping[str, Tolerance] = {
    "float64": Tolerance(1e-10, 1e-13), "float32": Tolerance(1e-5, 1e-7),
    "float16": Tolerance(0.0, 4e-3), "bfloat16": Tolerance(0.0, 3.2e-2),
}
#: In a Paddle static graph (``to_static``) a Python float operand is kept as a float32
#: attribute: float64 ``x - 0.2`` is off by 3e-9 there, native code included.
STATIC_PADDLE_TOLERANCE: Mapping[str, Tolerance] = {"float64": TOLERANCE["float32"], "float32": TOLERANCE["float32"]}

#: The eps each framework's own cosine loss adds to the squared norms. PyTorch's
#: Loss.cpp declares ``constexpr float EPSILON = 1e-12`` (added as a float32,
#: 9.99999996e-13, which is what adding 1e-12 to a float32 tensor adds); Paddle's
#: loss.py writes ``10e-12``. embedloss's default is PyTorch's.
EPS: Mapping[str, float] = {"torch": 1e-12, "paddle": 1e-11}

#: The dtypes every implementation computes in.
DTYPES = ("float32", "float64")
#: The half-precision dtypes, which embedloss computes in float32 and returns as they came.
LOW_PRECISION = ("float16", "bfloat16")
COSINE_MARGINS = (-1.0, -0.5, 0.0, 0.2, 0.5, 1.0)
HINGE_MARGINS = (-1.0, 0.0, 0.5, 1.0, 2.0)

# ---------------------------------------------------------------- the generators


def cosine_pairs(rng: np.random.Generator, n: int, d: int, *, avoid_margin: float | None = None,
                 gap: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs whose cosines spread over [-1, 1]; labels half 1, half -1 (float64 NumPy).

    With ``avoid_margin=m`` the cosines of the -1 pairs stay at least ``gap`` away from
    ``m``: at cos == m the clamp's subgradient is a convention (torch's clamp_min passes
    the gradient at the tie, Paddle's clip does not), so tied points are left out of
    gradient comparisons on purpose.
    """
    while True:
        x1 = rng.standard_normal((n, d))
        rho = rng.uniform(-1.0, 1.0, size=(n, 1))
        x2 = rho * x1 + np.sqrt(1.0 - rho**2) * rng.standard_normal((n, d))
        y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
        rng.shuffle(y)
        if avoid_margin is None:
            return x1, x2, y
        cos = (x1 * x2).sum(1) / np.sqrt((x1 * x1).sum(1) * (x2 * x2).sum(1))
        if np.all(np.abs(cos - avoid_margin) > gap):
            return x1, x2, y


def hinge_distances(rng: np.random.Generator, shape: tuple[int, ...], *, avoid_margin: float | None = None,
                    gap: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Distances in [-0.5, 2.5) and labels ±1 (float64 NumPy); with ``avoid_margin``,
    no distance within ``gap`` of the margin (the relu/clamp tie, see cosine_pairs)."""
    x = rng.uniform(-0.5, 2.5, size=shape)
    if avoid_margin is not None:
        x = np.where(np.abs(x - avoid_margin) <= gap, x + 4 * gap, x)
    y = np.where(rng.random(shape) < 0.5, 1.0, -1.0)
    return np.asarray(x), np.asarray(y)


# ---------------------------------------------------------------- the rows


@dataclass(frozen=True)
class Sample:
    """One accepted call: float64 NumPy arrays (the inputs, then the target), the
    keyword arguments, and the dtype the inputs are cast to (the target keeps its own
    dtype, unless ``target_dtype`` names one).

    ``frameworks`` lists where the row applies. ``core`` rows also run in the slow
    variants (compiled, vmap, to_static). ``parity`` rows make the parity report;
    there ``refused_by`` names natives that refuse the call and
    ``expected_native_failure`` marks rows where the native formula is known to fail.
    ``reference`` holds extra keyword arguments of the float64 reference (``eps=0``:
    the exact cosine).
    """

    loss: Loss
    name: str
    arrays: tuple[np.ndarray, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    dtype: str = "float32"
    target_dtype: str | None = None
    noncontiguous: bool = False
    core: bool = False
    frameworks: frozenset[str] = FRAMEWORKS
    parity: bool = False
    refused_by: frozenset[str] = frozenset()
    expected_native_failure: bool = False
    reference: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"{self.loss}-{self.name}-{self.dtype}-" + "-".join(f"{k}={v}" for k, v in self.kwargs.items())

    def output_dtype(self, framework: str) -> str:
        """The dtype of the loss: the inputs', or for integer and bool embeddings the
        framework's default float dtype (float32 in torch and Paddle, float64 in NumPy)."""
        if self.dtype.startswith(("float", "bfloat")):
            return self.dtype
        return "float64" if framework == "numpy" else "float32"


@dataclass(frozen=True)
class ErrorInput:
    """One refused call: the arrays (float64 NumPy, or of the dtype they hold), the
    keyword arguments, the exception type and a regex of its message."""

    loss: Loss
    name: str
    arrays: tuple[np.ndarray, ...]
    kwargs: Mapping[str, Any]
    exc: type[Exception]
    match: str
    frameworks: frozenset[str] = FRAMEWORKS
    dtype: str | None = None  # cast the inputs (not the target) to this dtype


def _msg(*parts: str) -> str:
    """A regex matching the literal parts in order, anything between them."""
    return ".*".join(re.escape(p) for p in parts)


def _cosine_samples() -> Iterator[Sample]:
    rng = np.random.default_rng(0)
    x1, x2, y = cosine_pairs(rng, 6, 5)
    for dtype in DTYPES:
        for reduction in REDUCTIONS:
            for margin in COSINE_MARGINS:
                yield Sample("cosine", "batch", (x1, x2, y), dict(margin=margin, reduction=reduction), dtype,
                             core=margin == 0.2 and dtype == "float32")
            yield Sample("cosine", "unbatched", (x1[1], x2[1], y[1:2].reshape(())),
                         dict(margin=-0.3, reduction=reduction), dtype, core=dtype == "float64")
            yield Sample("cosine", "non-contiguous", (x1, x2, y), dict(margin=0.2, reduction=reduction), dtype,
                         noncontiguous=True, core=dtype == "float64")
            yield Sample("cosine", "stable", (x1 * 1e3, x2, y), dict(reduction=reduction, stable=True), dtype)
        nan, inf = x1.copy(), x1.copy()
        first_similar, next_similar = np.flatnonzero(y == 1)[:2]
        nan[first_similar, 2], inf[next_similar, 1] = math.nan, math.inf  # rows labelled 1: the loss there is NaN
        yield Sample("cosine", "NaN", (nan, x2, y), dict(reduction="none"), dtype, core=True)
        yield Sample("cosine", "Inf", (inf, x2, y), dict(reduction="none"), dtype, core=True)
        yield Sample("cosine", "empty", (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)),
                     dict(reduction="sum"), dtype)
        yield Sample("cosine", "integer target", (x1, x2, y.astype(np.int64)), dict(margin=0.1), dtype)
    for dtype in LOW_PRECISION:
        frameworks = FRAMEWORKS if dtype == "float16" else FRAMEWORKS - {"numpy"}  # (NumPy has no bfloat16)
        for reduction in REDUCTIONS:
            yield Sample("cosine", "batch", (x1, x2, y), dict(margin=0.1, reduction=reduction), dtype,
                         frameworks=frameworks)
        yield Sample("cosine", "low-precision target", (x1, x2, y), dict(margin=0.1), dtype, target_dtype=dtype,
                     frameworks=frameworks)
        # squared norms 9e4 > 65504 (float16's largest): accumulated in float32, fine
        # (PyTorch's own loss returns NaN for them in float16)
        big = np.full((2, 4), 300.0)
        yield Sample("cosine", "squares overflow float16",
                     (big, big * np.array([[1.0] * 4, [1.0, -1.0, 1.0, -1.0]]), np.array([1.0, -1.0])),
                     dict(reduction="none"), dtype, frameworks=frameworks, expected_native_failure=True)
    # PyTorch computes integer and bool embeddings in the default float dtype
    counts = np.array([[1, 0, 2, 3], [0, 0, 1, 1], [4, 1, 0, 0]])
    for dtype in ("int64", "int32", "bool"):
        yield Sample("cosine", f"{dtype} embeddings", (counts, counts[::-1], np.array([1.0, -1.0, 1.0])),
                     dict(margin=0.1, reduction="none"), dtype)
    # Paddle's one pair: inputs of shape (D,) with a label of shape [1] (Paddle refuses [])
    yield Sample("cosine", "one pair, label [1]", (x1[0], x2[0], y[:1]), dict(reduction="none"), "float32",
                 frameworks=frozenset({"paddle"}))
    yield from _parity_cosine()


def _hinge_samples() -> Iterator[Sample]:
    rng = np.random.default_rng(1)
    x, y = hinge_distances(rng, (4, 3))
    for dtype in DTYPES:
        for reduction in REDUCTIONS:
            for margin in HINGE_MARGINS:
                yield Sample("hinge", "batch", (x, y), dict(margin=margin, reduction=reduction), dtype,
                             core=margin == 0.5 and dtype == "float32")
            yield Sample("hinge", "1-D", (x[0], y[0]), dict(margin=1.0, reduction=reduction), dtype,
                         core=dtype == "float64")
            yield Sample("hinge", "non-contiguous", (x, y), dict(margin=0.5, reduction=reduction), dtype,
                         noncontiguous=True, core=dtype == "float64")
            # a target that broadcasts to the input's shape (PyTorch's OpInfo: (5, 5) against (1, 5))
            yield Sample("hinge", "target broadcast (1, 3)", (x, y[:1]), dict(margin=0.5, reduction=reduction),
                         dtype, core=dtype == "float32" and reduction == "mean")
        special = x.copy()
        special[y == 1] = np.where(np.arange((y == 1).sum()) == 0, math.nan, math.inf)
        special[y == -1] = math.inf  # max(0, margin - inf) = 0
        yield Sample("hinge", "NaN and Inf", (special, y), dict(reduction="none"), dtype, core=True)
        yield Sample("hinge", "0-d", (np.asarray(0.4), np.asarray(-1.0)), dict(reduction="none"), dtype)
        yield Sample("hinge", "empty", (np.zeros((0, 3)), np.zeros((0, 3))), dict(reduction="sum"), dtype)
        yield Sample("hinge", "integer target", (x, y.astype(np.int32)), dict(margin=1.0), dtype)
        yield Sample("hinge", "target broadcast (3,)", (x, y[0]), dict(reduction="none"), dtype)
    for dtype in LOW_PRECISION:
        frameworks = FRAMEWORKS if dtype == "float16" else FRAMEWORKS - {"numpy"}
        for reduction in REDUCTIONS:
            yield Sample("hinge", "batch", (x, y), dict(margin=1.0, reduction=reduction), dtype,
                         frameworks=frameworks)
        yield Sample("hinge", "low-precision target", (x, y), dict(margin=2.0), dtype, target_dtype=dtype,
                     frameworks=frameworks)
    yield from _parity_hinge()


# The parity report's rows (embedbook.parity): batches of N x D, seeded per row.
PARITY_N, PARITY_D = 64, 32
PARITY_MARGINS_COSINE = (-1.0, -0.5, 0.0, 0.5, 1.0)
PARITY_MARGINS_HINGE = (-1.0, 0.0, 0.5, 2.0)


def _parity_cosine() -> Iterator[Sample]:
    rng = np.random.default_rng(20)
    for dtype in DTYPES:
        batch = cosine_pairs(rng, PARITY_N, PARITY_D)
        for reduction in REDUCTIONS:
            yield Sample("cosine", "random batch", batch, dict(margin=0.2, reduction=reduction), dtype, parity=True)
        for margin in PARITY_MARGINS_COSINE:
            yield Sample("cosine", "margin sweep", batch, dict(margin=margin, reduction="none"), dtype, parity=True)
        yield Sample("cosine", "unbatched", (batch[0][0], batch[1][0], batch[2][0].reshape(())),
                     dict(margin=0.2, reduction="none"), dtype, parity=True, refused_by=frozenset({"paddle"}))
        x1, x2, y = (a.copy() for a in batch)
        x1[::7], x2[3::11] = 0.0, 0.0
        yield Sample("cosine", "zero rows, stable", (x1, x2, y), dict(margin=0.0, reduction="none", stable=True),
                     dtype, parity=True)
    # float32 rows whose squared norms overflow (1e20, 1e30) or are swamped by eps
    # (1e-20, 1e-30), compared with the exact cosine; float64 has no such row here, as
    # the float64 reference would fail too.
    x1, x2, y = cosine_pairs(rng, PARITY_N, PARITY_D)
    x2 = 0.9 * x1 + 0.1 * x2  # similar pairs: the native answer (loss 1) is far off
    for scale in (1e-30, 1e-20, 1e20, 1e30):
        yield Sample("cosine", f"rows of scale {scale:.0e}", (x1 * scale, x2 * scale, y),
                     dict(margin=0.0, reduction="none", stable=True), "float32", parity=True,
                     expected_native_failure=True, reference=dict(eps=0.0))


def _parity_hinge() -> Iterator[Sample]:
    rng = np.random.default_rng(21)
    for dtype in DTYPES:
        batch = hinge_distances(rng, (PARITY_N,))
        for reduction in REDUCTIONS:
            yield Sample("hinge", "random batch", batch, dict(margin=1.0, reduction=reduction), dtype, parity=True)
        for margin in PARITY_MARGINS_HINGE:
            yield Sample("hinge", "margin sweep", batch, dict(margin=margin, reduction="none"), dtype, parity=True)
        yield Sample("hinge", "N-D (4, 5, 6)", hinge_distances(rng, (4, 5, 6)), dict(margin=1.0, reduction="none"),
                     dtype, parity=True)
    # Paddle returns shape (1,) for a 0-d hinge input (the reference, torch: shape ()).
    for dtype in DTYPES:
        yield Sample("hinge", "0-d", hinge_distances(rng, ()), dict(margin=1.0, reduction="none"), dtype,
                     parity=True, expected_native_failure=True)


def sample_inputs(loss: Loss) -> list[Sample]:
    """Every accepted call of ``loss`` ("cosine" or "hinge") in the table."""
    return list(_cosine_samples() if loss == "cosine" else _hinge_samples())


def parity_samples() -> list[Sample]:
    """The parity report's rows, cosine first."""
    return [s for s in sample_inputs("cosine") + sample_inputs("hinge") if s.parity]


_ErrorRow = tuple[str, tuple[np.ndarray, ...], dict[str, Any], type[Exception], str]


def error_inputs(loss: Loss) -> list[ErrorInput]:
    """Every refused call of ``loss`` in the table."""
    ones = np.ones((4, 3))
    y = np.array([1.0, -1.0, 1.0, -1.0])
    no_paddle = FRAMEWORKS - {"paddle"}
    if loss == "cosine":
        name = "cosine_embedding_loss"
        rows: list[_ErrorRow] = [
            ("labels 0/1", (ones, ones, np.array([0.0, 1.0, 1.0, 0.0])), {}, ValueError,
             _msg("`target` must contain only 1 and -1, but got the values {0, 1}.",
                  "Map them to {-1, 1} with `2 * target - 1`.")),
            ("label 2", (ones, ones, np.array([1.0, -1.0, 2.0, 1.0])), {}, ValueError,
             _msg(f"{name}: `target` must contain only 1 and -1, but got the values {{-1, 1, 2}}.",
                  "Use 1 for similar pairs and -1 for dissimilar ones.")),
            ("label 0.5", (ones, ones, np.array([1.0, -1.0, 0.5, 1.0])), {}, ValueError,
             _msg("but got the values {-1, 0.5, 1}.")),
            ("label NaN", (ones, ones, np.array([1.0, math.nan, 1.0, -1.0])), {}, ValueError,
             _msg("`target` must contain only 1 and -1, but got the values", "nan")),
            ("bool target", (ones, ones, np.array([True, False, True, False])), {}, TypeError,
             _msg(f"{name}: `target` must hold the numbers 1 and -1", "but got dtype bool", "`2 * labels - 1`")),
            ("complex target", (ones, ones, y.astype(np.complex64)), {}, TypeError,
             _msg("`target` must hold the numbers 1 and -1", "but got dtype complex64")),
            ("target (N, 1)", (ones, ones, y[:, None]), {}, ValueError,
             _msg(f"{name}: `target` must have shape (4,) for inputs of shape (4, 3), but got shape (4, 1).",
                  "target.reshape(-1)", "broadcasts silently")),
            ("target of another length", (ones, ones, y[:3]), {}, ValueError,
             _msg("`target` must have shape (4,)", "but got shape (3,).", "Give one label per pair of rows.")),
            ("x2 broadcast", (ones, ones[:1], y), {}, ValueError,
             _msg(f"{name}: `x2` must have the shape of x1 (4, 3) (no broadcasting), but got shape (1, 3).")),
            ("rank 3", (ones[None], ones[None], y), {}, ValueError,
             _msg(f"{name}: `x1` must have shape (N, D) or (D,), but got shape (1, 4, 3).")),
            ("rank 0", (ones[0, 0], ones[0, 0], y), {}, ValueError,
             _msg("`x1` must have shape (N, D) or (D,), but got shape ().")),
            ("margin 1.5", (ones, ones, y), dict(margin=1.5), ValueError,
             _msg(f"{name}: `margin` must lie in [-1, 1], but got 1.5.", "0 to 0.5 is usual")),
            ("margin -1.01", (ones, ones, y), dict(margin=-1.01), ValueError, _msg("`margin` must lie in [-1, 1]")),
            ("margin 2", (ones, ones, y), dict(margin=2), ValueError, _msg("`margin` must lie in [-1, 1], but got 2.")),
            ("margin NaN", (ones, ones, y), dict(margin=math.nan), ValueError,
             _msg("`margin` must be finite, but got nan.")),
            ("margin -inf", (ones, ones, y), dict(margin=-math.inf), ValueError,
             _msg("`margin` must be finite, but got -inf.")),
            ("reduction avg", (ones, ones, y), dict(reduction="avg"), ValueError,
             _msg(f"{name}: `reduction` must be 'none', 'mean' or 'sum', but got 'avg'.", "size_average/reduce")),
            ("reduction MEAN", (ones, ones, y), dict(reduction="MEAN"), ValueError,
             _msg("`reduction` must be 'none', 'mean' or 'sum', but got 'MEAN'.")),
            ("eps -1", (ones, ones, y), dict(eps=-1.0), ValueError,
             _msg(f"{name}: `eps` must be a finite number >= 0, but got -1.0.")),
            ("eps inf", (ones, ones, y), dict(eps=math.inf), ValueError,
             _msg("`eps` must be a finite number >= 0, but got inf.")),
            ("validate", (ones, ones, y), dict(validate="later"), ValueError,
             _msg("`validate` must be 'auto', 'sync' or 'async', but got 'later'.")),
            ("mean of empty", (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)), {}, ValueError,
             _msg("`reduction` cannot be 'mean' over an empty batch, but got 0 elements.", "reduction='sum'")),
        ]
        errors = [ErrorInput("cosine", *row) for row in rows]
        errors += [
            ErrorInput("cosine", "one pair, target (1,)", (ones[0], ones[0], y[:1]), {}, ValueError,
                       _msg("`target` must have shape () for inputs of shape (3,), but got shape (1,).",
                            "pass a 0-d target"), frameworks=no_paddle),
            ErrorInput("cosine", "complex inputs", (ones, ones, y), {}, TypeError,
                       _msg(f"{name}: `x1` must have a real dtype (floating, integer or bool)", "complex64"),
                       dtype="complex64"),
        ]
        return errors
    name = "hinge_embedding_loss"
    rows = [
        ("labels 0/1", (ones[0], np.array([0.0, 1.0, 1.0])), {}, ValueError,
         _msg("`target` must contain only 1 and -1, but got the values {0, 1}.")),
        ("label 1 + 4e-16", (np.ones(2), np.array([1.0 + 4e-16, -1.0])), {}, ValueError,  # (Paddle's == says 1)
         _msg(f"{name}: `target` must contain only 1 and -1")),
        ("many bad labels", (np.ones(20), np.arange(20.0)), {}, ValueError,
         _msg("the values {0, 1, 2, 3, 4, 5, 6, 7, ...}")),
        ("bool target", (np.ones(2), np.array([True, False])), {}, TypeError,
         _msg(f"{name}: `target` must hold the numbers 1 and -1", "but got dtype bool", "`2 * labels - 1`")),
        ("target that enlarges (N, 1)", (ones[:, 0], np.ones((4, 1))), {}, ValueError,
         _msg(f"{name}: `target` must broadcast to the shape of input (4,), but got shape (4, 1).",
              "target.reshape(input.shape)")),
        ("target of more elements", (ones[:1], ones), {}, ValueError,
         _msg("`target` must broadcast to the shape of input (1, 3), but got shape (4, 3).",
              "Give one label per element of input")),
        ("target of another length", (ones, np.ones(2)), {}, ValueError,
         _msg("`target` must broadcast to the shape of input (4, 3), but got shape (2,).")),
        ("margin inf", (ones, ones), dict(margin=math.inf), ValueError, _msg("`margin` must be finite, but got inf.")),
        ("margin '0.5'", (ones, ones), dict(margin="0.5"), TypeError,
         _msg(f"{name}: `margin` must be a real number, but got", "margin=float(m)")),
        ("margin None", (ones, ones), dict(margin=None), TypeError, _msg("`margin` must be a real number")),
        ("margin True", (ones, ones), dict(margin=True), TypeError, _msg("`margin` must be a real number")),
        ("reduction None", (ones, ones), dict(reduction=None), ValueError,
         _msg("`reduction` must be 'none', 'mean' or 'sum', but got None.")),
        ("mean of empty", (np.zeros(0), np.zeros(0)), {}, ValueError,
         _msg("`reduction` cannot be 'mean' over an empty batch")),
    ]
    errors = [ErrorInput("hinge", *row) for row in rows]
    errors += [
        # (PyTorch's hinge loss refuses integer and bool inputs too)
        ErrorInput("hinge", "int64 distances", (ones, ones), {}, TypeError,
                   _msg(f"{name}: `input` must have a floating dtype", "but got int64.", "Cast it"), dtype="int64"),
        ErrorInput("hinge", "bool distances", (ones, ones), {}, TypeError,
                   _msg("`input` must have a floating dtype", "but got bool."), dtype="bool"),
        ErrorInput("hinge", "complex distances", (ones, ones), {}, TypeError,
                   _msg("`input` must have a floating dtype", "complex64"), dtype="complex64"),
    ]
    return errors


# ---------------------------------------------------------------- the published examples

#: The 3x3 input and label of the example on Paddle's Chinese API page of
#: ``HingeEmbeddingLoss``.
PADDLE_PAGE_INPUT = ((1.0, -2.0, 3.0), (0.0, -1.0, 2.0), (1.0, 0.0, 1.0))
#: The 3x3 label of the same example.
PADDLE_PAGE_LABEL = ((-1.0, 1.0, -1.0), (1.0, 1.0, 1.0), (1.0, -1.0, 1.0))


@dataclass(frozen=True)
class Published:
    """One example of a source document and the value it prints."""

    source: Literal["tutorial", "paddle_page", "docstring"]
    description: str
    loss: Loss
    margin: float
    reduction: Reduction
    #: the value as printed there (a float, or nested tuples for reduction="none")
    value: Union[float, tuple[tuple[float, ...], ...]]


_TUTORIAL_DATA = ("torch.manual_seed(20), a, b = randn(100, 128), "
                  "y = 2 * empty(100).random_(2) - 1")

#: ``{key: Published}``: the tutorial's cosine and hinge means and the example of
#: Paddle's API page, each with the value the document prints.
PUBLISHED: Mapping[str, Published] = {
    "cosine_mean": Published(
        "tutorial", f"seed tutorial: {_TUTORIAL_DATA}, CosineEmbeddingLoss(margin=0.2)",
        "cosine", 0.2, "mean", 0.49418219923973083),
    "hinge_mean": Published(
        "tutorial", "seed tutorial: the same a, b, y; x = 1 - cosine_similarity(a, b), "
        "HingeEmbeddingLoss(margin=0.2)", "hinge", 0.2, "mean", 0.4938560426235199),
    "paddle_page_hinge_none": Published(
        "paddle_page", "Paddle API page: 3x3 input and label, "
        "HingeEmbeddingLoss(margin=1.0, reduction='none')", "hinge", 1.0, "none",
        ((0.0, -2.0, 0.0), (0.0, -1.0, 2.0), (1.0, 1.0, 1.0))),
    "paddle_page_hinge_mean": Published(
        "paddle_page", "Paddle API page: the same 3x3 example, reduction='mean'",
        "hinge", 1.0, "mean", 0.22222222),
}


def reference_inputs(loss: Loss) -> list[tuple[Sample, np.ndarray]]:
    """(sample, expected float64 output): the published examples whose inputs are
    written out (the tutorial's are drawn by torch: see ``PUBLISHED``)."""
    if loss == "cosine":
        x1 = np.array([[1.0, 0.0], [1.0, 1.0]])
        x2 = np.array([[1.0, 0.0], [1.0, 0.0]])
        # embedloss's docstring example (float32: float64 would show eps, 1 - 1/(1 + 1e-12))
        return [(Sample("cosine", "docstring example", (x1, x2, np.array([1.0, -1.0])), dict(reduction="none")),
                 np.array([0.0, math.sqrt(0.5)]))]
    x, y = np.array(PADDLE_PAGE_INPUT), np.array(PADDLE_PAGE_LABEL)
    out = []
    for key in ("paddle_page_hinge_none", "paddle_page_hinge_mean"):
        p = PUBLISHED[key]
        expected = np.array(p.value) if key.endswith("none") else np.asarray(2 / 9)  # (printed: 0.22222222)
        out.append((Sample("hinge", p.description, (x, y), dict(margin=p.margin, reduction=p.reduction)), expected))
    return out
