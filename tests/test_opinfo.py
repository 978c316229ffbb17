"""Every case of the case table (embedloss.testing, one LossInfo record per loss) through
every variant, written once:
{function, module class, the frameworks' functional signatures, reference} x
{NumPy, torch, Paddle, torch on CUDA} x {eager, compiled with fullgraph, vmap,
to_static}, each compared with the float64 reference under the one tolerance table,
and (eager) with the framework's own loss where that accepts the call. Every refused
call of the table raises its exception with its message, in every framework."""
from __future__ import annotations

import linecache
import re

import numpy as np
import pytest
from conftest import Framework, numpy64, tol

import embedloss
from embedloss._types import REDUCTIONS
from embedloss.testing import (
    EPS,
    LOSSES,
    LOW_PRECISION,
    NATIVE_FRAMEWORKS,
    STATIC_PADDLE_TOLERANCE,
    error_inputs,
    reference_inputs,
    sample_inputs,
)

# (implementation, framework, mode) that exist: the reference is NumPy-only and eager;
# compiling and vmap are PyTorch's, to_static is Paddle's.
VARIANTS = [("function", fw, "eager") for fw in ("numpy", "torch", "paddle", "cuda")] + \
           [("module", fw, "eager") for fw in ("torch", "paddle", "cuda")] + \
           [("functional", fw, "eager") for fw in ("torch", "paddle")] + \
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
    info = LOSSES[loss]
    if impl == "module":
        return getattr(getattr(embedloss, fw.name), info.module)(**kwargs)
    if impl == "functional":  # the framework's own signature: positional margin, Paddle's eps
        fn = getattr(getattr(embedloss, fw.name).functional, info.function)
        return lambda *arrays: fn(*arrays, kwargs.get("margin", info.default_margin),
                                  reduction=kwargs.get("reduction", "mean"))
    fn = info.reference_implementation() if impl == "reference" else info.implementation()
    return _named(fn, info.arrays, kwargs)


def _named(fn, names, kwargs):
    """``fn`` with its array arguments as named parameters, not *args (paddle.jit.to_static
    reads the signature), the keyword arguments bound."""
    params = ", ".join(names)
    source = f"def call({params}):\n    return fn({params}, **kwargs)\n"
    filename = f"<call({params})>"  # (in linecache, so that to_static can read the source)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = {"fn": fn, "kwargs": kwargs}
    exec(compile(source, filename, "exec"), scope)
    return scope["call"]


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
    return [convert(a, sample.dtype) for a in inputs] + [convert(target, sample.target_dtype)]


def _expected(loss, sample, args, **extra):
    """The float64 reference on exactly the values the framework holds (low precision rounded)."""
    arrays = [numpy64(a) for a in args]
    if loss == "cosine" and arrays[0].ndim == 1 and arrays[-1].ndim == 1:  # one pair, label (1,)
        arrays = [arrays[0][None], arrays[1][None], arrays[2]]
    kwargs = {k: v for k, v in sample.kwargs.items() if k != "stable"}
    return LOSSES[loss].reference_implementation()(*arrays, **kwargs, **sample.reference, **extra)


def _cases(slow_only):
    for loss in LOSSES:
        for sample in sample_inputs(loss):
            if slow_only and not sample.core:
                continue
            yield pytest.param(loss, sample, id=repr(sample))


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
    reason = sample.skips.get(impl) or sample.skips.get(mode)
    if reason:
        pytest.skip(reason)
    fw = _framework(fw_name)
    if fw.name not in sample.frameworks:
        pytest.skip("the row does not apply here")
    args = _arrays(fw, sample)
    out = _run(_callable(loss, impl, fw, sample.kwargs), fw, mode, args)
    # the frameworks' functional signatures add that framework's eps
    extra = {"eps": EPS[fw.name]} if impl == "functional" and LOSSES[loss].uses_eps else {}
    expected = _expected(loss, sample, args, **extra)
    assert tuple(out.shape) == expected.shape
    if impl != "reference":
        assert fw.dtype_name(out) == sample.output_dtype(fw.name) and type(out) is type(args[0])
    dtype = sample.output_dtype(fw.name)
    tolerance = STATIC_PADDLE_TOLERANCE[dtype]._asdict() if mode == "to_static" else tol(dtype)
    np.testing.assert_allclose(numpy64(out), expected, **tolerance)


@pytest.mark.parametrize("fw_name", sorted(NATIVE_FRAMEWORKS, reverse=True))
@pytest.mark.parametrize("loss, sample", list(_cases(slow_only=False)))
def test_sample_matches_native(loss, sample, fw_name):
    """embedloss given the framework's eps equals the framework's own loss wherever
    that accepts the call; where the table says the framework refuses the call
    (``refused_by``), its own loss raises."""
    fw = _framework(fw_name)
    if fw.name not in sample.frameworks:
        pytest.skip("the row does not apply here")
    if "native" in sample.skips:
        pytest.skip(sample.skips["native"])
    args = _arrays(fw, sample)
    if fw.name in sample.refused_by:
        with pytest.raises(Exception):  # noqa: B017 - the framework's own exception, of its own type
            fw.native(loss)(*args, **sample.kwargs)
        return
    kwargs = dict(sample.kwargs, **({"eps": EPS[fw.name]} if LOSSES[loss].uses_eps else {}))
    ours = LOSSES[loss].implementation()(*args, **kwargs)
    theirs = fw.native(loss)(*args, **sample.kwargs)
    if fw.name == "paddle" and loss == "hinge" and tuple(ours.shape) == () and tuple(theirs.shape) == (1,):
        theirs = theirs.reshape([])  # (Paddle's 0-d hinge returns shape (1,): see the parity report)
    assert tuple(ours.shape) == tuple(theirs.shape)
    # low precision: both round a float32 answer once (PyTorch may keep more in between)
    dtype = sample.output_dtype(fw.name)
    rtol, atol = tol(dtype).values()
    if sample.dtype in LOW_PRECISION:
        rtol, atol = 2 * rtol, 2 * atol
    np.testing.assert_allclose(numpy64(ours), numpy64(theirs), rtol=rtol, atol=atol)


@pytest.mark.parametrize("impl", ["function", "module", "reference"])
@pytest.mark.parametrize("fw_name", ["numpy", "torch", "paddle"])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_error_inputs(loss, fw_name, impl):
    if impl == "module" and fw_name == "numpy" or impl == "reference" and fw_name != "numpy":
        pytest.skip("NumPy has no module classes; the reference reads anything as float64 NumPy")
    fw = _framework(fw_name)
    info = LOSSES[loss]
    for err in error_inputs(loss):
        if fw.name not in err.frameworks or impl in err.skips:
            continue
        *inputs, target = err.arrays
        args = [fw.array(a, err.dtype) for a in inputs] + [fw.array(target)]
        # a module checks its options at construction, under its class name; the arrays
        # are checked by the function its forward calls, under the function's name
        match = err.match
        if impl == "module" and err.kwargs:
            match = match.replace(info.function, info.module)
        elif impl == "reference":
            match = match.replace(info.function, f"reference.{info.function}")
        with pytest.raises(err.exc, match=match):
            _callable(loss, impl, fw, err.kwargs)(*args)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_error_inputs_compiled(loss):
    """Under fullgraph, Dynamo reports an exception escaping the graph as Unsupported
    ("Observed exception"), carrying embedloss's message; bad label values, which a
    graph cannot read, raise from its assertion instead (test_transforms.py)."""
    fw = _framework("torch")
    for err in error_inputs(loss):
        if "compiled" in err.skips:
            continue
        fw.mod._dynamo.reset()
        *inputs, target = err.arrays
        with pytest.raises(Exception, match=err.match.replace(r"\ ", " ")):
            _run(_callable(loss, "function", fw, err.kwargs), fw, "compiled",
                 [fw.array(a, err.dtype) for a in inputs] + [fw.array(target)])


@pytest.mark.parametrize("fw_name", ["numpy", "torch", "paddle"])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_reference_inputs(loss, fw_name):
    fw = _framework(fw_name)
    for sample, expected in reference_inputs(loss):
        for impl in ("function", "reference"):
            out = _callable(loss, impl, fw, sample.kwargs)(*_arrays(fw, sample))
            np.testing.assert_allclose(numpy64(out), expected, **tol(sample.dtype))


def test_the_tables_cover_what_the_issue_lists():
    """Shapes x reductions x margins x dtypes (float16 and bfloat16 included), NaN, Inf,
    non-contiguous, empty, integer embeddings, broadcast hinge targets, Paddle's one pair."""
    for loss in LOSSES:
        samples = sample_inputs(loss)
        assert reference_inputs(loss) and error_inputs(loss)
        names = {s.name for s in samples}
        assert {"non-contiguous", "empty"} <= names and any(re.search("NaN", n) for n in names)
        assert any(re.search("Inf", n) for n in names)
        assert {s.kwargs.get("reduction") for s in samples} >= set(REDUCTIONS)
        assert {s.dtype for s in samples} >= {"float16", "bfloat16", "float32", "float64"}
        assert sum(s.core for s in samples) >= 3 and any(s.parity for s in samples)
    assert {"int64 embeddings", "bool embeddings", "one pair, label [1]"} <= {s.name for s in sample_inputs("cosine")}
    assert any(s.name.startswith("target broadcast") for s in sample_inputs("hinge"))


# ---------------------------------------------------------------- calls the table cannot hold

@pytest.mark.parametrize("bad", [[1.0, 2.0], 3.0, "abc", None])
def test_not_an_array(bad):
    with pytest.raises(TypeError, match=re.escape("hinge_embedding_loss: `input` must be a NumPy array, a "
                                                  "torch.Tensor or a paddle.Tensor, but got")):
        embedloss.hinge_embedding_loss(bad, np.ones(2))
    with pytest.raises(TypeError, match=re.escape("cosine_embedding_loss: `target` must be a NumPy array")):
        embedloss.cosine_embedding_loss(np.ones(2), np.ones(2), bad)


@pytest.mark.parametrize("other", ["torch", "paddle"])
def test_two_frameworks_in_one_call(other):
    f = Framework(other)
    x = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match=re.escape("cosine_embedding_loss: `x1/x2/target` must all come from one "
                                                  f"framework, but got x1: numpy, x2: {other}, target: numpy.")):
        embedloss.cosine_embedding_loss(x, f.array(x), np.ones(2))


def test_two_torch_devices():
    torch = _framework("torch").mod
    x = torch.ones(2, 3)
    with pytest.raises(ValueError, match=re.escape("cosine_embedding_loss: `x1/x2/target` must be on one device, "
                                                   "but got x1 on cpu, x2 on meta, target on cpu.")):
        embedloss.cosine_embedding_loss(x, torch.ones(2, 3, device="meta"), torch.ones(2))


def test_inputs_of_two_dtypes(fw):
    x1, x2 = fw.array(np.ones((2, 3)), "float32"), fw.array(np.ones((2, 3)), "float64")
    with pytest.raises(TypeError, match=re.escape("`x1/x2` must share one dtype, but got x1: float32, x2: float64.")):
        embedloss.cosine_embedding_loss(x1, x2, fw.array(np.ones(2)))


def test_torch_legacy_size_average_and_reduce_as_pytorch():
    """embedloss.torch.functional maps size_average/reduce with PyTorch's own helper:
    the same reduction and the same deprecation warning as torch.nn.functional."""
    import warnings

    torch = _framework("torch").mod
    import embedloss.torch.functional as ours

    x1, x2, y = torch.rand(4, 3), torch.rand(4, 3), torch.tensor([1.0, -1.0, 1.0, -1.0])
    legacy = [(None, None), (False, None), (None, False), (True, True), (False, True), (True, False), (False, False)]
    for size_average, reduce in legacy:
        for name, args in (("cosine_embedding_loss", (x1, x2, y, 0.2)), ("hinge_embedding_loss", (x1, y[:3], 0.5))):
            results, messages = [], []
            for module in (ours, torch.nn.functional):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    results.append(getattr(module, name)(*args, size_average, reduce))
                messages.append([(w.category, str(w.message)) for w in caught])
            torch.testing.assert_close(results[0], results[1], rtol=0, atol=0)
            assert messages[0] == messages[1]
            assert len(messages[0]) == (0 if size_average is None and reduce is None else 1)


def test_functional_signatures_are_the_frameworks():
    import inspect

    torch = _framework("torch").mod
    import embedloss.torch.functional as tf
    for name in (info.function for info in LOSSES.values()):
        assert list(inspect.signature(getattr(tf, name)).parameters) == \
            list(inspect.signature(getattr(torch.nn.functional, name)).parameters)
        assert [p.default for p in inspect.signature(getattr(tf, name)).parameters.values()] == \
            [p.default for p in inspect.signature(getattr(torch.nn.functional, name)).parameters.values()]
    paddle = _framework("paddle").mod
    import embedloss.paddle.functional as pf
    for name in (info.function for info in LOSSES.values()):
        ours, theirs = inspect.signature(getattr(pf, name)), inspect.signature(getattr(paddle.nn.functional, name))
        assert list(ours.parameters) == list(theirs.parameters)
        assert [p.default for p in ours.parameters.values()] == [p.default for p in theirs.parameters.values()]
