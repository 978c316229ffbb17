"""Every case of tests/opinfo.py through every variant, written once:
{function, module class, reference} x {NumPy, torch, Paddle, torch on CUDA} x
{eager, compiled with fullgraph, vmap, to_static}, each compared with the float64
reference under the one tolerance table."""
from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import Framework, numpy64
from opinfo import STATIC_PADDLE_TOL, TOL, error_inputs, reference_inputs, sample_inputs

import embedloss
from embedloss import reference

LOSSES = ("cosine", "hinge")
CLASS = {"cosine": "CosineEmbeddingLoss", "hinge": "HingeEmbeddingLoss"}
FUNCTION = {"cosine": "cosine_embedding_loss", "hinge": "hinge_embedding_loss"}
# (implementation, framework, mode) that exist: the reference is NumPy-only and eager;
# compiling and vmap are PyTorch's, to_static is Paddle's.
VARIANTS = [("function", fw, "eager") for fw in ("numpy", "torch", "paddle", "cuda")] + \
           [("module", fw, "eager") for fw in ("torch", "paddle", "cuda")] + \
           [("reference", "numpy", "eager")] + \
           [(impl, fw, "compiled") for impl in ("function", "module") for fw in ("torch", "cuda")] + \
           [("function", "torch", "vmap")] + \
           [(impl, "paddle", "to_static") for impl in ("function", "module")]


def _framework(name):
    if name == "cuda":
        torch = pytest.importorskip("torch")
        if not torch.cuda.is_available():
            pytest.skip("needs a CUDA device (torch sees none)")
        return Framework("torch", device="cuda")
    return Framework(name)


def _callable(loss, impl, fw, kwargs):
    if impl == "module":
        return getattr(getattr(embedloss, fw.name), CLASS[loss])(**kwargs)
    fn = getattr(reference if impl == "reference" else embedloss, FUNCTION[loss])
    # named parameters, not *args: paddle.jit.to_static reads the signature
    if loss == "cosine":
        def call(x1, x2, target):
            return fn(x1, x2, target, **kwargs)
    else:
        def call(input, target):
            return fn(input, target, **kwargs)
    return call


def _run(fn, fw, mode, args):
    if mode == "compiled":
        fw.mod._dynamo.reset()
        return fw.mod.compile(fn, fullgraph=True)(*args)
    if mode == "to_static":
        return fw.mod.jit.to_static(fn, full_graph=True)(*args)
    if mode == "vmap":  # two copies of the sample as one batch: each must be the sample's loss
        out = fw.mod.func.vmap(fn)(*[fw.mod.stack([a, a]) for a in args])
        np.testing.assert_array_equal(numpy64(out[0]), numpy64(out[1]))
        return out[0]
    return fn(*args)


def _arrays(fw, sample):
    def convert(a, dtype):
        if sample.noncontiguous and a.ndim == 2:
            t = fw.array(np.ascontiguousarray(a.T), dtype).T
            assert fw.name != "torch" or not t.is_contiguous()
            return t
        return fw.array(a, dtype)
    *inputs, target = sample.arrays
    return [convert(a, sample.dtype) for a in inputs] + [convert(target, None)]


def _cases(slow_only):
    for loss in LOSSES:
        for sample in sample_inputs(loss):
            if slow_only and not sample.core:
                continue
            yield pytest.param(loss, sample, id=f"{loss}-{sample!r}")


@pytest.mark.parametrize("impl, fw_name, mode", [v for v in VARIANTS if v[2] == "eager"],
                         ids=lambda v: str(v))
@pytest.mark.parametrize("loss, sample", list(_cases(slow_only=False)))
def test_sample_eager(loss, sample, impl, fw_name, mode):
    _check_sample(loss, sample, impl, fw_name, mode)


@pytest.mark.parametrize("impl, fw_name, mode", [v for v in VARIANTS if v[2] != "eager"],
                         ids=lambda v: str(v))
@pytest.mark.parametrize("loss, sample", list(_cases(slow_only=True)))
def test_sample_transformed(loss, sample, impl, fw_name, mode):
    _check_sample(loss, sample, impl, fw_name, mode)


def _check_sample(loss, sample, impl, fw_name, mode):
    if impl == "reference" and "stable" in sample.kwargs:
        pytest.skip("the reference has no stable option: it is what stable is compared with")
    fw = _framework(fw_name)
    args = _arrays(fw, sample)
    out = _run(_callable(loss, impl, fw, sample.kwargs), fw, mode, args)
    ref_kwargs = {k: v for k, v in sample.kwargs.items() if k != "stable"}
    expected = getattr(reference, FUNCTION[loss])(*[a.astype(sample.dtype) for a in sample.arrays[:-1]],
                                                   sample.arrays[-1], **ref_kwargs)
    assert tuple(out.shape) == expected.shape
    if impl != "reference":
        assert fw.dtype_name(out) == sample.dtype and type(out) is type(args[0])
    tol = STATIC_PADDLE_TOL if mode == "to_static" else TOL
    np.testing.assert_allclose(numpy64(out), expected, **tol[sample.dtype])


@pytest.mark.parametrize("impl", ["function", "module"])
@pytest.mark.parametrize("fw_name", ["numpy", "torch", "paddle"])
@pytest.mark.parametrize("loss", LOSSES)
def test_error_inputs(loss, fw_name, impl):
    if impl == "module" and fw_name == "numpy":
        pytest.skip("NumPy has no module classes")
    fw = _framework(fw_name)
    for err in error_inputs(loss):
        args = [fw.array(a) for a in err.arrays]
        # a module checks its options at construction, under its class name; the arrays
        # are checked by the function its forward calls, under the function's name
        match = err.match.replace(FUNCTION[loss], CLASS[loss]) if impl == "module" and err.kwargs else err.match
        with pytest.raises(err.exc, match=match):
            _callable(loss, impl, fw, err.kwargs)(*args)


@pytest.mark.parametrize("loss", LOSSES)
def test_error_inputs_compiled(loss):
    """Under fullgraph, Dynamo reports an exception escaping the graph as Unsupported
    ("Observed exception"), carrying embedloss's message; bad label values, which a
    graph cannot read, raise from its assertion instead (test_transforms.py)."""
    fw = _framework("torch")
    for err in error_inputs(loss):
        if err.name.startswith("label"):
            continue
        fw.mod._dynamo.reset()
        with pytest.raises(Exception, match=err.match.replace(r"\ ", " ")):
            _run(_callable(loss, "function", fw, err.kwargs), fw, "compiled", [fw.array(a) for a in err.arrays])


@pytest.mark.parametrize("fw_name", ["numpy", "torch", "paddle"])
@pytest.mark.parametrize("loss", LOSSES)
def test_reference_inputs(loss, fw_name):
    fw = _framework(fw_name)
    for sample, expected in reference_inputs(loss):
        for impl in ("function", "reference"):
            out = _callable(loss, impl, fw, sample.kwargs)(*_arrays(fw, sample))
            np.testing.assert_allclose(numpy64(out), expected, **TOL[sample.dtype])


def test_the_tables_cover_what_the_issue_lists():
    """Shapes x reductions x margins x dtypes, NaN, Inf, non-contiguous and empty cases."""
    for loss in LOSSES:
        samples = sample_inputs(loss)
        names = {s.name for s in samples}
        assert {"non-contiguous", "empty"} <= names and any(re.search("NaN", n) for n in names)
        assert any(re.search("Inf", n) for n in names)
        assert {s.kwargs.get("reduction") for s in samples} >= set(embedloss._validation.REDUCTIONS)
        assert {s.dtype for s in samples} == {"float32", "float64"}
        assert sum(s.core for s in samples) >= 3
