"""Shared fixtures: one helper object per framework, the hypothesis profile, CUDA skips.
The cases themselves, the generators and the tolerances are embedloss.testing's.

Nothing here imports torch or paddle at collection time unless a test asks for that
framework; torch and paddle tests are skipped where that framework is not installed
(NumPy alone is a supported install; the GPU machine has no Paddle).
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from embedloss.reference import as_float64 as numpy64  # noqa: F401 (re-exported to the tests)
from embedloss.testing import EPS, LOSSES, TOLERANCE

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


# The slow parts, marked here by file (pyproject.toml registers the markers), so that
# `make check` can leave them out: -m "not slow and not browser and not emulated and not study".
MARKS_BY_FILE = {
    "test_browser.py": "browser",          # headless Chromium against the built book
    "test_jupyterlab.py": "browser",       # headless Chromium driving `jupyter lab book/`
    "test_emulated_cpu.py": "emulated",    # nbval in a kernel on an emulated CPU (QEMU)
    "test_training_study.py": "study",     # re-runs the training study and checks its record
    "test_transforms.py": "slow",          # torch.compile, export, vmap: seconds per case
    "test_paddle_static.py": "slow",       # paddle.jit.to_static
    "test_properties.py": "slow",          # hypothesis, >= 200 examples per property
    "test_parity.py": "slow",              # the parity report, run several times
    "test_lazy_import.py": "slow",         # fresh interpreters importing torch and Paddle
}
SLOW_TESTS = ("test_sample_transformed", "test_error_inputs_compiled")  # (test_opinfo.py)


def pytest_collection_modifyitems(config, items):
    for item in items:
        mark = MARKS_BY_FILE.get(item.path.name)
        if mark is None and getattr(item, "originalname", None) in SLOW_TESTS:  # (nbval cells have none)
            mark = "slow"
        if mark is not None:
            item.add_marker(getattr(pytest.mark, mark))
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
            self.mod = pytest.importorskip("torch")
        elif name == "paddle":
            pytest.importorskip("paddle")
            from embedloss import import_paddle
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
        if self.name in ("torch", "paddle"):
            return getattr(self.mod.nn.functional, LOSSES[loss].function)
        return None

    @property
    def native_eps(self):
        """The eps the native cosine loss adds, as it adds it in float64: PyTorch's C++
        adds ``embedloss.testing.EPS["torch"]`` as a float32 (9.99999996e-13)."""
        if self.name == "paddle":
            return EPS["paddle"]
        return float(np.float32(EPS["torch"]))


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


def tol(dtype):
    """The table's tolerance of ``dtype`` as keyword arguments of ``assert_allclose``."""
    return TOLERANCE[dtype]._asdict()
