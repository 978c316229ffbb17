"""Shared fixtures: one helper object per framework, the hypothesis profile, CUDA skips.

Nothing here imports torch or paddle at collection time unless a test asks for that
framework; paddle tests are skipped where Paddle is not installed (the GPU machine).
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
from opinfo import NATIVE_EPS, TOL  # noqa: F401 (re-exported to the tests)

from embedloss.reference import as_float64 as numpy64  # noqa: F401 (re-exported to the tests)

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # property tests skip themselves
    settings = None
else:
    # >= 200 examples per property test in CI; HYPOTHESIS_PROFILE=thorough for a deep local run.
    settings.register_profile("ci", max_examples=200, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("thorough", max_examples=3000, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _cuda_available():
    if importlib.util.find_spec("torch") is None:
        return False
    import torch
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    if any("cuda" in item.keywords for item in items) and not _cuda_available():
        skip = pytest.mark.skip(reason="needs a CUDA device (torch sees none)")
        for item in items:
            if "cuda" in item.keywords:
                item.add_marker(skip)


class Framework:
    """The few things a test needs from one framework, with one interface."""

    def __init__(self, name, device="cpu"):
        self.name, self.device = name, device
        if name == "torch":
            import torch
            self.mod = torch
        elif name == "paddle":
            pytest.importorskip("paddle")
            from embedloss._frameworks import import_paddle
            self.mod = import_paddle()
        else:
            self.mod = np

    def __repr__(self):
        return f"Framework({self.name!r}, {self.device!r})"

    def array(self, a, dtype=None):
        """A framework array from a NumPy array (dtype: a name such as 'float32')."""
        a = np.asarray(a)
        if self.name == "numpy":
            return a.astype(dtype) if dtype else a
        if self.name == "torch":
            t = self.mod.from_numpy(a.copy()).to(self.device)  # (not ascontiguousarray: it makes 0-d 1-d)
            return t.to(getattr(self.mod, dtype)) if dtype else t
        t = self.mod.to_tensor(a)
        return t.astype(dtype) if dtype else t

    def leaf(self, a, dtype):
        """A differentiable leaf with the values of NumPy array ``a``."""
        t = self.array(a, dtype)
        if self.name == "torch":
            return t.detach().requires_grad_(True)
        t.stop_gradient = False
        return t

    def grad(self, t):
        return numpy64(t.grad)

    def backward(self, loss):
        (loss if tuple(loss.shape) == () else loss.sum()).backward()

    def dtype_name(self, x):
        return str(x.dtype).replace("torch.", "").replace("paddle.", "")

    def native(self, loss):
        """The framework's own functional loss, or None for NumPy."""
        if self.name == "torch":
            return getattr(self.mod.nn.functional, f"{loss}_embedding_loss")
        if self.name == "paddle":
            return getattr(self.mod.nn.functional, f"{loss}_embedding_loss")
        return None

    @property
    def native_eps(self):
        """The eps the native cosine loss adds (opinfo.NATIVE_EPS)."""
        return NATIVE_EPS[self.name]


@pytest.fixture(params=["numpy", "torch", "paddle"])
def fw(request):
    return Framework(request.param)


@pytest.fixture(params=["torch", "paddle"])
def tensor_fw(request):
    """A framework with autograd and a native loss to compare with."""
    return Framework(request.param)


@pytest.fixture
def torch_fw():
    return Framework("torch")


@pytest.fixture
def paddle_fw():
    return Framework("paddle")


def cosine_batch(rng, n, d, *, avoid_margin=None, gap=1e-3):
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


def hinge_batch(rng, shape, *, avoid_margin=None, gap=1e-3):
    """Distances in [-0.5, 2.5) and labels ±1 (float64 NumPy); with ``avoid_margin``,
    no distance within ``gap`` of the margin (the relu/clamp tie, see cosine_batch)."""
    x = rng.uniform(-0.5, 2.5, size=shape)
    if avoid_margin is not None:
        near = np.abs(x - avoid_margin) <= gap
        x = np.where(near, x + 4 * gap, x)
    y = np.where(rng.random(shape) < 0.5, 1.0, -1.0)
    return np.asarray(x), np.asarray(y)


