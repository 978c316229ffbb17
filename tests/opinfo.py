"""Both losses described once, as data, in the way PyTorch's OpInfo describes its ops.

``sample_inputs(loss)``
    shapes x reductions x margins x dtypes, plus NaN, Inf, non-contiguous and empty
    cases: every one is compared with :mod:`embedloss.reference` by test_opinfo.py in
    every variant (function, module class, reference; NumPy, torch, Paddle, torch on
    CUDA; eager, compiled with fullgraph, vmap, to_static).
``error_inputs(loss)``
    bad arguments, the exception type and a regex of the message.
``reference_inputs(loss)``
    published examples with their expected values.

The tables every test file shares live here too: the reductions (from embedloss
itself), one tolerance table and the eps each framework's own cosine loss adds.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from embedloss._validation import REDUCTIONS

# One tolerance table: (rtol, atol) by dtype, for values and for gradients. float16 and
# bfloat16 are computed in float32 and rounded once to 11 and 8 significant bits.
TOL = {"float64": dict(rtol=1e-12, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-6),
       "float16": dict(rtol=1e-3, atol=1e-3), "bfloat16": dict(rtol=8e-3, atol=8e-3)}
# In a Paddle static graph (to_static) a Python float operand is kept as a float32
# attribute: float64 `x - 0.2` is off by 3e-9 there, native code included.
STATIC_PADDLE_TOL = {"float64": TOL["float32"], "float32": TOL["float32"]}
GRAD_TOL = {"float64": dict(rtol=1e-10, atol=1e-13), "float32": dict(rtol=1e-5, atol=1e-7)}

# The eps each framework's own cosine loss adds to the squared norms: PyTorch's Loss.cpp
# declares `constexpr float EPSILON = 1e-12` (a float32: 9.99999996e-13 in float64),
# Paddle writes 10e-12. embedloss's default is 1e-12.
NATIVE_EPS = {"numpy": 1e-12, "torch": float(np.float32(1e-12)), "paddle": 1e-11}

COSINE_MARGINS = (-1.0, -0.5, 0.0, 0.2, 0.5, 1.0)
HINGE_MARGINS = (-1.0, 0.0, 0.5, 1.0, 2.0)
DTYPES = ("float32", "float64")


@dataclass
class Sample:
    """One call: float64 NumPy arrays (the inputs, then the target) and keyword arguments."""
    name: str
    arrays: tuple
    kwargs: dict = field(default_factory=dict)
    dtype: str = "float32"
    noncontiguous: bool = False
    core: bool = False  # also run in the slow variants (compiled, vmap, to_static)

    def __repr__(self):
        return f"{self.name}-{self.dtype}-" + "-".join(f"{k}={v}" for k, v in self.kwargs.items())


@dataclass
class ErrorInput:
    name: str
    arrays: tuple
    kwargs: dict
    exc: type
    match: str


def _cosine_pairs(rng, n, d):
    x1 = rng.standard_normal((n, d))
    rho = rng.uniform(-1.0, 1.0, size=(n, 1))
    x2 = rho * x1 + np.sqrt(1.0 - rho**2) * rng.standard_normal((n, d))
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return x1, x2, y


def sample_inputs(loss):
    rng = np.random.default_rng(0)
    samples = []
    if loss == "cosine":
        x1, x2, y = _cosine_pairs(rng, 6, 5)
        for dtype in DTYPES:
            for reduction in REDUCTIONS:
                for margin in COSINE_MARGINS:
                    samples.append(Sample("batch", (x1, x2, y), dict(margin=margin, reduction=reduction), dtype,
                                          core=margin == 0.2 and dtype == "float32"))
                samples.append(Sample("unbatched", (x1[1], x2[1], y[1:2].reshape(())),
                                      dict(margin=-0.3, reduction=reduction), dtype, core=dtype == "float64"))
                samples.append(Sample("non-contiguous", (x1, x2, y), dict(margin=0.2, reduction=reduction), dtype,
                                      noncontiguous=True, core=dtype == "float64"))
                samples.append(Sample("stable", (x1 * 1e3, x2, y), dict(reduction=reduction, stable=True), dtype))
            nan, inf = x1.copy(), x1.copy()
            nan[0, 2], inf[2, 1] = math.nan, math.inf  # rows labelled 1: the loss there is NaN
            samples.append(Sample("NaN", (nan, x2, y), dict(reduction="none"), dtype, core=True))
            samples.append(Sample("Inf", (inf, x2, y), dict(reduction="none"), dtype, core=True))
            samples.append(Sample("empty", (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)),
                                  dict(reduction="sum"), dtype))
    else:
        x = rng.uniform(-0.5, 2.5, size=(4, 3))
        y = np.where(rng.random((4, 3)) < 0.5, 1.0, -1.0)
        for dtype in DTYPES:
            for reduction in REDUCTIONS:
                for margin in HINGE_MARGINS:
                    samples.append(Sample("batch", (x, y), dict(margin=margin, reduction=reduction), dtype,
                                          core=margin == 0.5 and dtype == "float32"))
                samples.append(Sample("1-D", (x[0], y[0]), dict(margin=1.0, reduction=reduction), dtype,
                                      core=dtype == "float64"))
                samples.append(Sample("non-contiguous", (x, y), dict(margin=0.5, reduction=reduction), dtype,
                                      noncontiguous=True, core=dtype == "float64"))
            special = x.copy()
            special[y == 1] = np.where(np.arange((y == 1).sum()) == 0, math.nan, math.inf)
            special[y == -1] = math.inf  # max(0, margin - inf) = 0
            samples.append(Sample("NaN and Inf", (special, y), dict(reduction="none"), dtype, core=True))
            samples.append(Sample("0-d", (np.asarray(0.4), np.asarray(-1.0)), dict(reduction="none"), dtype))
            samples.append(Sample("empty", (np.zeros((0, 3)), np.zeros((0, 3))), dict(reduction="sum"), dtype))
    return samples


def _msg(*parts):
    return ".*".join(re.escape(p) for p in parts)


def error_inputs(loss):
    ones = np.ones((4, 3))
    y = np.array([1.0, -1.0, 1.0, -1.0])
    if loss == "cosine":
        name = "cosine_embedding_loss"
        return [
            ErrorInput("labels 0/1", (ones, ones, np.array([0.0, 1.0, 1.0, 0.0])), {}, ValueError,
                       _msg("`target` must contain only 1 and -1, but got the values {0, 1}.", "2 * target - 1")),
            ErrorInput("label NaN", (ones, ones, np.array([1.0, math.nan, 1.0, -1.0])), {}, ValueError,
                       _msg("`target` must contain only 1 and -1, but got the values", "nan")),
            ErrorInput("target (N, 1)", (ones, ones, y[:, None]), {}, ValueError,
                       _msg(f"{name}: `target` must have shape (4,) for inputs of shape (4, 3), but got shape (4, 1).",
                            "target.reshape(-1)")),
            ErrorInput("x2 broadcast", (ones, ones[:1], y), {}, ValueError,
                       _msg("`x2` must have the shape of x1 (4, 3) (no broadcasting), but got shape (1, 3).")),
            ErrorInput("rank 3", (ones[None], ones[None], y), {}, ValueError,
                       _msg("`x1` must have shape (N, D) or (D,), but got shape (1, 4, 3).")),
            ErrorInput("margin 1.5", (ones, ones, y), dict(margin=1.5), ValueError,
                       _msg("`margin` must lie in [-1, 1], but got 1.5.")),
            ErrorInput("margin NaN", (ones, ones, y), dict(margin=math.nan), ValueError,
                       _msg("`margin` must be finite, but got nan.")),
            ErrorInput("reduction", (ones, ones, y), dict(reduction="avg"), ValueError,
                       _msg("`reduction` must be 'none', 'mean' or 'sum', but got 'avg'.")),
            ErrorInput("eps", (ones, ones, y), dict(eps=-1.0), ValueError,
                       _msg("`eps` must be a finite number >= 0, but got -1.0.")),
            ErrorInput("validate", (ones, ones, y), dict(validate="later"), ValueError,
                       _msg("`validate` must be 'auto', 'sync' or 'async', but got 'later'.")),
            ErrorInput("mean of empty", (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)), {}, ValueError,
                       _msg("`reduction` cannot be 'mean' over an empty batch, but got 0 elements.")),
        ]
    name = "hinge_embedding_loss"
    return [
        ErrorInput("labels 0/1", (ones[0], np.array([0.0, 1.0, 1.0])), {}, ValueError,
                   _msg("`target` must contain only 1 and -1, but got the values {0, 1}.")),
        ErrorInput("target broadcast", (ones, ones[:1]), {}, ValueError,
                   _msg(f"{name}: `target` must have the shape of input (4, 3) (no broadcasting), "
                        "but got shape (1, 3).")),
        ErrorInput("margin inf", (ones, ones), dict(margin=math.inf), ValueError,
                   _msg("`margin` must be finite, but got inf.")),
        ErrorInput("reduction", (ones, ones), dict(reduction=None), ValueError,
                   _msg("`reduction` must be 'none', 'mean' or 'sum', but got None.")),
        ErrorInput("mean of empty", (np.zeros(0), np.zeros(0)), {}, ValueError,
                   _msg("`reduction` cannot be 'mean' over an empty batch")),
    ]


def reference_inputs(loss):
    """(sample, expected float64 output): published examples."""
    if loss == "cosine":
        x1 = np.array([[1.0, 0.0], [1.0, 1.0]])
        x2 = np.array([[1.0, 0.0], [1.0, 0.0]])
        return [(Sample("docstring example", (x1, x2, np.array([1.0, -1.0])), dict(reduction="none"), "float32"),
                 np.array([0.0, math.sqrt(0.5)]))]  # (float64 would show eps: 1 - 1/(1 + 1e-12))
    x = np.array([[1.0, -2.0, 3.0], [0.0, -1.0, 2.0], [1.0, 0.0, 1.0]])
    y = np.array([[-1.0, 1.0, -1.0], [1.0, 1.0, 1.0], [1.0, -1.0, 1.0]])
    return [(Sample("Paddle API page", (x, y), dict(margin=1.0, reduction="none"), "float32"),
             np.array([[0.0, -2.0, 0.0], [0.0, -1.0, 2.0], [1.0, 1.0, 1.0]])),
            (Sample("Paddle API page, mean", (x, y), dict(margin=1.0), "float32"), np.asarray(2 / 9))]
