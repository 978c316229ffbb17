"""What tests of these losses share, as ``torch.testing`` does for PyTorch: one record
per loss and one case table, written once and read by the library's tests, the book's
parity report and the notebooks.

NumPy only: importing this module imports neither torch nor Paddle.

``LOSSES``
    one :class:`LossInfo` per loss (as PyTorch's OpInfo): its function and module
    names, the reference, the shape rule, the default margin, and its samples, error
    inputs and reference inputs. A new loss is one more record.
``sample_inputs(loss)``
    every accepted call as data (:class:`Sample`): shapes x reductions x margins x
    dtypes (float16 and bfloat16 included), NaN, Inf, non-contiguous, empty, integer
    and bool embeddings, broadcast hinge targets, Paddle's one-pair label of shape
    ``[1]``, and the rows of the parity report (``parity=True``); which frameworks'
    own losses refuse a row (``refused_by``) and which variants skip it (``skips``).
``error_inputs(loss)``
    every refused call (:class:`ErrorInput`): the exception type and a regex of the
    message.
``reference_inputs(loss)``
    the docstrings' examples, with the values they print.
``TOLERANCE``, ``GRAD_TOLERANCE``, ``STATIC_PADDLE_TOLERANCE``
    (rtol, atol) by dtype: the one tolerance table.
``EPS``
    the eps each framework's own cosine loss adds to the squared norms (from the backends).
``cosine_pairs``, ``hinge_distances``
    the one generator of correlated pairs and of distances.

The book's own data (the tutorial's published values, the example of Paddle's API
page) is the book's: ``embedbook.published``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ._dispatch import BACKENDS
from ._validation import COSINE_MARGIN_RANGE, REDUCTIONS

__all__ = [
    "COSINE", "DTYPES", "EPS", "FRAMEWORKS", "GRAD_TOLERANCE", "HINGE", "LOSSES", "LOW_PRECISION",
    "STATIC_PADDLE_TOLERANCE", "TOLERANCE", "ErrorInput", "LossInfo", "Sample", "Tolerance", "cosine_pairs",
    "error_inputs", "hinge_distances", "parity_samples", "reference_inputs", "sample_inputs",
]

#: A loss's key in ``LOSSES`` ("cosine", "hinge").
Loss = str
#: Every backend's name (from the registry, ``embedloss._dispatch.BACKENDS``).
FRAMEWORKS: frozenset[str] = frozenset(b.name for b in BACKENDS)
#: The frameworks that have their own losses to compare with.
NATIVE_FRAMEWORKS: frozenset[str] = frozenset(b.name for b in BACKENDS if b.native_eps is not None)

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

#: The eps each framework's own cosine loss adds to the squared norms (its backend's
#: ``native_eps``). PyTorch's Loss.cpp declares ``constexpr float EPSILON = 1e-12``
#: (added as a float32, 9.99999996e-13, which is what adding 1e-12 to a float32 tensor
#: adds); Paddle's loss.py writes ``10e-12``. embedloss's default is PyTorch's.
EPS: Mapping[str, float] = {b.name: b.native_eps for b in BACKENDS if b.native_eps is not None}

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
    variants (compiled, vmap, to_static). ``parity`` rows make the parity report.
    ``refused_by`` names the frameworks whose own loss refuses the call (an exception:
    tests check that it does), ``expected_native_failure`` marks rows where the native
    formula is known to give a wrong answer. ``reference`` holds extra keyword
    arguments of the float64 reference (``eps=0``: the exact cosine). ``skips`` maps a
    variant (``"reference"``, ``"native"``, ``"functional"``, ``"to_static"``) to the
    reason it does not run the row; it is derived from the row (``_skips``).
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
    skips: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.skips:
            object.__setattr__(self, "skips", _skips(self))

    def __repr__(self) -> str:
        return f"{self.loss}-{self.name}-{self.dtype}-" + "-".join(f"{k}={v}" for k, v in self.kwargs.items())

    def output_dtype(self, framework: str) -> str:
        """The dtype of the loss: the inputs', or for integer and bool embeddings the
        framework's default float dtype (float32 in torch and Paddle, float64 in NumPy)."""
        if self.dtype.startswith(("float", "bfloat")):
            return self.dtype
        return "float64" if framework == "numpy" else "float32"


def _skips(sample: Sample) -> dict[str, str]:
    """The variants that cannot run ``sample``, and why (``Sample.skips``)."""
    skips = {}
    if "stable" in sample.kwargs:
        skips["reference"] = "the reference has no stable option: it is what stable is compared with"
        skips["native"] = "the frameworks' own losses have no stable option"
    elif sample.expected_native_failure:
        skips["native"] = "the native formula is known to fail on the row"
    if sample.dtype not in DTYPES:
        skips.setdefault("reference", "the reference computes in float64 from float32/float64 rows only")
    if sample.dtype in LOW_PRECISION:
        skips["to_static"] = "low precision in a static graph: not a row of the slow variants"
    if set(sample.kwargs) - {"margin", "reduction"}:
        skips["functional"] = "the frameworks' signatures take margin and reduction only"
    return skips


@dataclass(frozen=True)
class ErrorInput:
    """One refused call: the arrays (float64 NumPy, or of the dtype they hold), the
    keyword arguments, the exception type and a regex of its message.

    ``reads_values``: the refusal needs the label values, which a compiled graph
    cannot read (it asserts instead: tests/test_transforms.py); ``skips`` as in
    :class:`Sample` (variants ``"reference"``, ``"compiled"``).
    """

    loss: Loss
    name: str
    arrays: tuple[np.ndarray, ...]
    kwargs: Mapping[str, Any]
    exc: type[Exception]
    match: str
    frameworks: frozenset[str] = FRAMEWORKS
    dtype: str | None = None  # cast the inputs (not the target) to this dtype
    reads_values: bool = False
    skips: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.skips:
            return
        skips = {}
        if self.dtype or "validate" in self.kwargs or self.arrays[-1].dtype.kind not in "fiu":
            skips["reference"] = "the reference reads every array as float64 and has no validate option"
        if self.reads_values:
            skips["compiled"] = "a graph cannot read label values: it asserts (tests/test_transforms.py)"
        elif self.exc is TypeError or "torch" not in self.frameworks:
            skips["compiled"] = "dtype errors and rows without torch are checked eagerly only"
        object.__setattr__(self, "skips", skips)


def _msg(*parts: str) -> str:
    """A regex matching the literal parts in order, anything between them."""
    return ".*".join(re.escape(p) for p in parts)


#: Paddle's own losses refuse float16 and bfloat16 on the CPU, and its cosine loss
#: refuses one pair of shape (D,) with a 0-d label, and integer or bool embeddings.
PADDLE_REFUSES_LOW_PRECISION = frozenset({"paddle"})
PADDLE_REFUSES_UNBATCHED = frozenset({"paddle"})


def _cosine_samples() -> Iterator[Sample]:
    rng = np.random.default_rng(0)
    x1, x2, y = cosine_pairs(rng, 6, 5)
    for dtype in DTYPES:
        for reduction in REDUCTIONS:
            for margin in COSINE_MARGINS:
                yield Sample("cosine", "batch", (x1, x2, y), dict(margin=margin, reduction=reduction), dtype,
                             core=margin == 0.2 and dtype == "float32")
            yield Sample("cosine", "unbatched", (x1[1], x2[1], y[1:2].reshape(())),
                         dict(margin=-0.3, reduction=reduction), dtype, core=dtype == "float64",
                         refused_by=PADDLE_REFUSES_UNBATCHED)
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
                         frameworks=frameworks, refused_by=PADDLE_REFUSES_LOW_PRECISION)
        yield Sample("cosine", "low-precision target", (x1, x2, y), dict(margin=0.1), dtype, target_dtype=dtype,
                     frameworks=frameworks, refused_by=PADDLE_REFUSES_LOW_PRECISION)
        # squared norms 9e4 > 65504 (float16's largest): accumulated in float32, fine
        # (PyTorch's own loss returns NaN for them in float16)
        big = np.full((2, 4), 300.0)
        yield Sample("cosine", "squares overflow float16",
                     (big, big * np.array([[1.0] * 4, [1.0, -1.0, 1.0, -1.0]]), np.array([1.0, -1.0])),
                     dict(reduction="none"), dtype, frameworks=frameworks, expected_native_failure=True,
                     refused_by=PADDLE_REFUSES_LOW_PRECISION)
    # PyTorch computes integer and bool embeddings in the default float dtype
    counts = np.array([[1, 0, 2, 3], [0, 0, 1, 1], [4, 1, 0, 0]])
    for dtype in ("int64", "int32", "bool"):
        yield Sample("cosine", f"{dtype} embeddings", (counts, counts[::-1], np.array([1.0, -1.0, 1.0])),
                     dict(margin=0.1, reduction="none"), dtype, refused_by=frozenset({"paddle"}))
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
                         frameworks=frameworks, refused_by=PADDLE_REFUSES_LOW_PRECISION)
        yield Sample("hinge", "low-precision target", (x, y), dict(margin=2.0), dtype, target_dtype=dtype,
                     frameworks=frameworks, refused_by=PADDLE_REFUSES_LOW_PRECISION)
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
                     dict(margin=0.2, reduction="none"), dtype, parity=True, refused_by=PADDLE_REFUSES_UNBATCHED)
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


# ---------------------------------------------------------------- the refused calls

_ONES = np.ones((4, 3))
_Y = np.array([1.0, -1.0, 1.0, -1.0])
_COSINE = "cosine_embedding_loss"
_HINGE = "hinge_embedding_loss"


def _cosine_errors() -> Iterator[ErrorInput]:
    yield from _cosine_label_errors()
    yield from _cosine_shape_errors()
    yield from _cosine_option_errors()
    yield ErrorInput("cosine", "complex inputs", (_ONES, _ONES, _Y), {}, TypeError,
                     _msg(f"{_COSINE}: `x1` must have a real dtype (floating, integer or bool)", "complex64"),
                     dtype="complex64")


def _cosine_label_errors() -> Iterator[ErrorInput]:
    ones = _ONES
    for name, target, match in (
            ("labels 0/1", [0.0, 1.0, 1.0, 0.0], _msg("`target` must contain only 1 and -1, but got the values {0, 1}.",
                                                     "Map them to {-1, 1} with `2 * target - 1`.")),
            ("label 2", [1.0, -1.0, 2.0, 1.0],
             _msg(f"{_COSINE}: `target` must contain only 1 and -1, but got the values {{-1, 1, 2}}.",
                  "Use 1 for similar pairs and -1 for dissimilar ones.")),
            ("label 0.5", [1.0, -1.0, 0.5, 1.0], _msg("but got the values {-1, 0.5, 1}.")),
            ("label NaN", [1.0, math.nan, 1.0, -1.0],
             _msg("`target` must contain only 1 and -1, but got the values", "nan"))):
        yield ErrorInput("cosine", name, (ones, ones, np.array(target)), {}, ValueError, match, reads_values=True)
    yield ErrorInput("cosine", "bool target", (ones, ones, np.array([True, False, True, False])), {}, TypeError,
                     _msg(f"{_COSINE}: `target` must hold the numbers 1 and -1", "but got dtype bool",
                          "`2 * labels - 1`"))
    yield ErrorInput("cosine", "complex target", (ones, ones, _Y.astype(np.complex64)), {}, TypeError,
                     _msg("`target` must hold the numbers 1 and -1", "but got dtype complex64"))


def _cosine_shape_errors() -> Iterator[ErrorInput]:
    ones, y = _ONES, _Y
    rows: list[tuple[str, tuple[np.ndarray, ...], str]] = [
        ("target (N, 1)", (ones, ones, y[:, None]),
         _msg(f"{_COSINE}: `target` must have shape (4,) for inputs of shape (4, 3), but got shape (4, 1).",
              "target.reshape(-1)", "broadcasts silently")),
        ("target of another length", (ones, ones, y[:3]),
         _msg("`target` must have shape (4,)", "but got shape (3,).", "Give one label per pair of rows.")),
        ("x2 broadcast", (ones, ones[:1], y),
         _msg(f"{_COSINE}: `x2` must have the shape of x1 (4, 3) (no broadcasting), but got shape (1, 3).")),
        ("rank 3", (ones[None], ones[None], y), _msg(f"{_COSINE}: `x1` must have shape (N, D) or (D,), but got "
                                                     "shape (1, 4, 3).")),
        ("rank 0", (ones[0, 0], ones[0, 0], y), _msg("`x1` must have shape (N, D) or (D,), but got shape ().")),
    ]
    for name, arrays, match in rows:
        yield ErrorInput("cosine", name, arrays, {}, ValueError, match)
    # (1,) is the one-pair label of backends that admit it (Paddle's own loss wants it)
    yield ErrorInput("cosine", "one pair, target (1,)", (ones[0], ones[0], y[:1]), {}, ValueError,
                     _msg("`target` must have shape () for inputs of shape (3,), but got shape (1,).",
                          "pass a 0-d target"),
                     frameworks=frozenset(b.name for b in BACKENDS if (1,) not in b.one_pair_target_shapes))
    yield ErrorInput("cosine", "mean of empty", (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)), {}, ValueError,
                     _msg("`reduction` cannot be 'mean' over an empty batch, but got 0 elements.", "reduction='sum'"))


def _cosine_option_errors() -> Iterator[ErrorInput]:
    rows: list[tuple[str, dict[str, Any], str]] = [
        ("margin 1.5", dict(margin=1.5), _msg(f"{_COSINE}: `margin` must lie in [-1, 1], but got 1.5.",
                                              "PyTorch suggests 0 to 0.5; choose it on a validation split.")),
        ("margin -1.01", dict(margin=-1.01), _msg("`margin` must lie in [-1, 1]")),
        ("margin 2", dict(margin=2), _msg("`margin` must lie in [-1, 1], but got 2.")),
        ("margin NaN", dict(margin=math.nan), _msg("`margin` must be finite, but got nan.")),
        ("margin -inf", dict(margin=-math.inf), _msg("`margin` must be finite, but got -inf.")),
        ("reduction avg", dict(reduction="avg"),
         _msg(f"{_COSINE}: `reduction` must be 'none', 'mean' or 'sum', but got 'avg'.", "size_average/reduce")),
        ("reduction MEAN", dict(reduction="MEAN"),
         _msg("`reduction` must be 'none', 'mean' or 'sum', but got 'MEAN'.")),
        ("eps -1", dict(eps=-1.0), _msg(f"{_COSINE}: `eps` must be a finite number >= 0, but got -1.0.")),
        ("eps inf", dict(eps=math.inf), _msg("`eps` must be a finite number >= 0, but got inf.")),
        ("validate", dict(validate="later"), _msg("`validate` must be 'auto', 'sync' or 'async', but got 'later'.")),
    ]
    for name, kwargs, match in rows:
        yield ErrorInput("cosine", name, (_ONES, _ONES, _Y), kwargs, ValueError, match)


def _hinge_errors() -> Iterator[ErrorInput]:
    yield from _hinge_label_errors()
    yield from _hinge_shape_errors()
    yield from _hinge_option_errors()
    # (PyTorch's hinge loss refuses integer and bool inputs too)
    for dtype, match in (("int64", _msg(f"{_HINGE}: `input` must have a floating dtype", "but got int64.", "Cast it")),
                         ("bool", _msg("`input` must have a floating dtype", "but got bool.")),
                         ("complex64", _msg("`input` must have a floating dtype", "complex64"))):
        name = "complex distances" if dtype == "complex64" else f"{dtype} distances"
        yield ErrorInput("hinge", name, (_ONES, _ONES), {}, TypeError, match, dtype=dtype)


def _hinge_label_errors() -> Iterator[ErrorInput]:
    rows: list[tuple[str, tuple[np.ndarray, ...], str]] = [
        ("labels 0/1", (_ONES[0], np.array([0.0, 1.0, 1.0])),
         _msg("`target` must contain only 1 and -1, but got the values {0, 1}.")),
        ("label 1 + 4e-16", (np.ones(2), np.array([1.0 + 4e-16, -1.0])),  # (Paddle's == says 1)
         _msg(f"{_HINGE}: `target` must contain only 1 and -1")),
        ("many bad labels", (np.ones(20), np.arange(20.0)), _msg("the values {0, 1, 2, 3, 4, 5, 6, 7, ...}")),
    ]
    for name, arrays, match in rows:
        yield ErrorInput("hinge", name, arrays, {}, ValueError, match, reads_values=True)
    yield ErrorInput("hinge", "bool target", (np.ones(2), np.array([True, False])), {}, TypeError,
                     _msg(f"{_HINGE}: `target` must hold the numbers 1 and -1", "but got dtype bool",
                          "`2 * labels - 1`"))


def _hinge_shape_errors() -> Iterator[ErrorInput]:
    ones = _ONES
    rows: list[tuple[str, tuple[np.ndarray, ...], str]] = [
        ("target that enlarges (N, 1)", (ones[:, 0], np.ones((4, 1))),
         _msg(f"{_HINGE}: `target` must broadcast to the shape of input (4,), but got shape (4, 1).",
              "target.reshape(input.shape)")),
        ("target of more elements", (ones[:1], ones),
         _msg("`target` must broadcast to the shape of input (1, 3), but got shape (4, 3).",
              "Give one label per element of input")),
        ("target of another length", (ones, np.ones(2)),
         _msg("`target` must broadcast to the shape of input (4, 3), but got shape (2,).")),
        ("mean of empty", (np.zeros(0), np.zeros(0)), _msg("`reduction` cannot be 'mean' over an empty batch")),
    ]
    for name, arrays, match in rows:
        yield ErrorInput("hinge", name, arrays, {}, ValueError, match)


def _hinge_option_errors() -> Iterator[ErrorInput]:
    rows: list[tuple[str, dict[str, Any], type[Exception], str]] = [
        ("margin inf", dict(margin=math.inf), ValueError, _msg("`margin` must be finite, but got inf.")),
        ("margin '0.5'", dict(margin="0.5"), TypeError,
         _msg(f"{_HINGE}: `margin` must be a real number, but got", "margin=float(m)")),
        ("margin None", dict(margin=None), TypeError, _msg("`margin` must be a real number")),
        ("margin True", dict(margin=True), TypeError, _msg("`margin` must be a real number")),
        ("reduction None", dict(reduction=None), ValueError,
         _msg("`reduction` must be 'none', 'mean' or 'sum', but got None.")),
    ]
    for name, kwargs, exc, match in rows:
        yield ErrorInput("hinge", name, (_ONES, _ONES), kwargs, exc, match)


# ---------------------------------------------------------------- the docstrings' examples

def _cosine_references() -> Iterator[tuple[Sample, np.ndarray]]:
    """embedloss.cosine_embedding_loss's docstring example (float32: float64 would show
    eps, 1 - 1/(1 + 1e-12))."""
    x1 = np.array([[1.0, 0.0], [1.0, 1.0]])
    x2 = np.array([[1.0, 0.0], [1.0, 0.0]])
    yield (Sample("cosine", "docstring example", (x1, x2, np.array([1.0, -1.0])), dict(reduction="none")),
           np.array([0.0, math.sqrt(0.5)]))


def _hinge_references() -> Iterator[tuple[Sample, np.ndarray]]:
    """embedloss.hinge_embedding_loss's docstring example."""
    yield (Sample("hinge", "docstring example", (np.array([0.3, 0.3, 1.5]), np.array([1.0, -1.0, -1.0])),
                  dict(reduction="none")), np.array([0.3, 0.7, 0.0]))


# ---------------------------------------------------------------- one record per loss

@dataclass(frozen=True)
class LossInfo:
    """Everything the tests, the parity report and the book need to know about one
    loss, as PyTorch's OpInfo keeps it: where it lives, what it takes, and its cases.

    ``function`` is its name in ``embedloss``, ``embedloss.reference``, the frameworks'
    ``nn.functional`` and ``embedloss.<framework>.functional``; ``module`` its class
    in ``embedloss.<framework>`` and the frameworks' ``nn``. ``arrays`` names the
    array arguments in order (the target last). ``uses_eps``: the frameworks' own
    losses add their ``native_eps`` (see ``EPS``).
    """

    key: Loss
    function: str
    module: str
    arrays: tuple[str, ...]
    default_margin: float
    margin_range: tuple[float, float]
    #: the shapes the loss takes and returns (``reduction="none"``), as the docs say it
    shape_rule: str
    uses_eps: bool
    samples: Callable[[], Iterator[Sample]]
    errors: Callable[[], Iterator[ErrorInput]]
    references: Callable[[], Iterator[tuple[Sample, np.ndarray]]]

    def implementation(self) -> Callable[..., Any]:
        """``embedloss.<function>``."""
        import embedloss
        fn: Callable[..., Any] = getattr(embedloss, self.function)
        return fn

    def reference_implementation(self) -> Callable[..., Any]:
        """``embedloss.reference.<function>``, the float64 specification."""
        from . import reference
        fn: Callable[..., Any] = getattr(reference, self.function)
        return fn


#: The record of :func:`embedloss.cosine_embedding_loss` (and its module classes).
COSINE = LossInfo(
    "cosine", "cosine_embedding_loss", "CosineEmbeddingLoss", ("x1", "x2", "target"), 0.0, COSINE_MARGIN_RANGE,
    "x1, x2: (N, D), target: (N,) -> (N,); one pair: (D,), (D,), () -> ()", True,
    _cosine_samples, _cosine_errors, _cosine_references)
#: The record of :func:`embedloss.hinge_embedding_loss` (and its module classes).
HINGE = LossInfo(
    "hinge", "hinge_embedding_loss", "HingeEmbeddingLoss", ("input", "target"), 1.0, (-math.inf, math.inf),
    "input: any shape, target: broadcasts to it without enlarging it -> the input's shape", False,
    _hinge_samples, _hinge_errors, _hinge_references)
#: The record of every loss, keyed by ``LossInfo.key``; the tests, the parity report and
#: the API page iterate over it.
LOSSES: Mapping[Loss, LossInfo] = {info.key: info for info in (COSINE, HINGE)}


def sample_inputs(loss: Loss) -> list[Sample]:
    """Every accepted call of ``loss`` (a key of ``LOSSES``) in the table."""
    return list(LOSSES[loss].samples())


def parity_samples() -> list[Sample]:
    """The parity report's rows, in the order of ``LOSSES``."""
    return [s for loss in LOSSES for s in sample_inputs(loss) if s.parity]


def error_inputs(loss: Loss) -> list[ErrorInput]:
    """Every refused call of ``loss`` in the table."""
    return list(LOSSES[loss].errors())


def reference_inputs(loss: Loss) -> list[tuple[Sample, np.ndarray]]:
    """(sample, expected float64 output): the docstring examples of ``loss``."""
    return list(LOSSES[loss].references())
