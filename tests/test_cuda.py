"""CUDA: the same checks on a GPU (skipped where torch sees none; Paddle is not needed).

Inputs are generated on the CPU with NumPy and moved to the device."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import Framework, numpy64, tol

import embedloss
from embedloss import reference
from embedloss._types import REDUCTIONS
from embedloss.testing import GRAD_TOLERANCE, cosine_pairs, hinge_distances

pytestmark = pytest.mark.cuda


@pytest.fixture
def gpu():
    pytest.importorskip("torch")
    return Framework("torch", device="cuda")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_values_on_cuda(gpu, dtype, reduction):
    rng = np.random.default_rng(0)
    x1, x2, y = cosine_pairs(rng, 32, 16)
    args = [gpu.array(a, dtype) for a in (x1, x2, y)]
    out = embedloss.cosine_embedding_loss(*args, margin=0.2, reduction=reduction)
    assert out.device.type == "cuda" and gpu.dtype_name(out) == dtype
    expected = reference.cosine_embedding_loss(*[a.astype(dtype) for a in (x1, x2, y)], margin=0.2,
                                               reduction=reduction)
    np.testing.assert_allclose(numpy64(out), expected, **tol(dtype))
    native = gpu.native("cosine")(*args, margin=0.2, reduction=reduction)
    np.testing.assert_allclose(numpy64(out), numpy64(native), **tol(dtype))

    x, t = hinge_distances(rng, (4, 8))
    xt, tt = gpu.array(x, dtype), gpu.array(t, dtype)
    out = embedloss.hinge_embedding_loss(xt, tt, margin=0.7, reduction=reduction)
    assert out.device.type == "cuda"
    np.testing.assert_allclose(numpy64(out), reference.hinge_embedding_loss(x.astype(dtype), t, margin=0.7,
                                                                             reduction=reduction), **tol(dtype))
    np.testing.assert_allclose(numpy64(out), numpy64(gpu.native("hinge")(xt, tt, margin=0.7, reduction=reduction)),
                               **tol(dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradients_on_cuda_equal_native_and_cpu(gpu, dtype):
    cpu = Framework("torch")
    rng = np.random.default_rng(1)
    x1, x2, y = cosine_pairs(rng, 16, 8, avoid_margin=0.1)
    grads = {}
    for name, f in (("gpu", gpu), ("cpu", cpu)):
        for impl in ("ours", "native"):
            a, b = f.leaf(x1, dtype), f.leaf(x2, dtype)
            fn = embedloss.cosine_embedding_loss if impl == "ours" else f.native("cosine")
            fn(a, b, f.array(y, dtype), margin=0.1).backward()
            grads[name, impl] = np.concatenate([f.grad(a), f.grad(b)])
    grad_tol = GRAD_TOLERANCE[dtype]._asdict()
    np.testing.assert_allclose(grads["gpu", "ours"], grads["gpu", "native"], **grad_tol)
    np.testing.assert_allclose(grads["gpu", "ours"], grads["cpu", "ours"], **grad_tol)


def test_gradcheck_on_cuda(gpu):
    torch = gpu.mod
    rng = np.random.default_rng(2)
    x1, x2, y = cosine_pairs(rng, 5, 4, avoid_margin=0.0, gap=1e-2)
    a = torch.tensor(x1, device="cuda", requires_grad=True)
    b = torch.tensor(x2, device="cuda", requires_grad=True)
    t = torch.tensor(y, device="cuda")
    for stable in (False, True):
        def loss(a, b, stable=stable):
            return embedloss.cosine_embedding_loss(a, b, t, stable=stable)
        assert torch.autograd.gradcheck(loss, (a, b))
    x, yh = hinge_distances(rng, (6,), avoid_margin=1.0, gap=1e-2)
    xt = torch.tensor(x, device="cuda", requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: embedloss.hinge_embedding_loss(x, torch.tensor(yh, device="cuda")),
                                    (xt,))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_on_cuda(gpu, dtype):
    rng = np.random.default_rng(3)
    x1, x2, y = cosine_pairs(rng, 16, 8)
    a, b = gpu.leaf(x1, dtype), gpu.leaf(x2, dtype)
    out = embedloss.cosine_embedding_loss(a, b, gpu.array(y), reduction="none")
    assert gpu.dtype_name(out) == dtype and out.device.type == "cuda"
    expected = reference.cosine_embedding_loss(numpy64(a), numpy64(b), y, reduction="none")
    np.testing.assert_allclose(numpy64(out), expected, **tol(dtype))
    out.sum().backward()
    assert gpu.dtype_name(a.grad) == dtype and bool(a.grad.isfinite().all())


@pytest.mark.parametrize("scale", [1e-30, 1e-20, 1.0, 1e20, 1e30], ids=lambda s: f"{s:.0e}")
def test_stable_on_cuda(gpu, scale):
    rng = np.random.default_rng(4)
    x1, x2, y = cosine_pairs(rng, 16, 16)
    x1, x2 = (x1 * scale).astype(np.float32), ((0.8 * x1 + 0.2 * x2) * scale).astype(np.float32)
    out = embedloss.cosine_embedding_loss(gpu.array(x1), gpu.array(x2), gpu.array(y), reduction="none", stable=True)
    exact = reference.cosine_embedding_loss(x1, x2, y, eps=0.0, reduction="none")
    np.testing.assert_allclose(numpy64(out), exact, rtol=0, atol=2e-6)


def test_cpu_and_cuda_tensors_in_one_call(gpu):
    torch = gpu.mod
    with pytest.raises(ValueError, match=r"`x1/x2/target` must be on one device, but got x1 on cpu, x2 on cuda:0"):
        embedloss.cosine_embedding_loss(torch.ones(2, 3), torch.ones(2, 3, device="cuda"), torch.ones(2))
    with pytest.raises(ValueError, match=r"`input/target` must be on one device"):
        embedloss.hinge_embedding_loss(torch.ones(2, device="cuda"), torch.ones(2))


def test_target_errors_on_cuda(gpu):
    torch = gpu.mod
    x = torch.ones(3, 2, device="cuda")
    with pytest.raises(ValueError, match=r"the values \{0, 1\}.*2 \* target - 1"):
        embedloss.cosine_embedding_loss(x, x, torch.tensor([0, 1, 1], device="cuda"))


def test_parity_cli_on_cuda(gpu, tmp_path):
    path = tmp_path / "parity-cuda.json"
    done = subprocess.run([sys.executable, "-m", "embedbook", "parity", "--device", "cuda", "--json", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(path.read_text())
    assert data["environment"]["device"] != "cpu" and data["environment"]["cuda"]
    rows = data["cpu_vs_device"]
    assert {(r["loss"], r["dtype"], r["implementation"]) for r in rows} == {
        (loss, dtype, impl) for loss in ("cosine", "hinge") for dtype in ("float32", "float64")
        for impl in ("embedloss", "torch")}
    assert all(r["ok"] for r in rows)
    assert all(c["max_abs_diff"]["paddle"] is None for c in data["cases"])  # Paddle runs on the CPU only


# ---------------------------------------------------------------- no host sync on CUDA

def _cuda_batch(gpu, dtype="float32"):
    x1, x2, y = cosine_pairs(np.random.default_rng(5), 64, 32)
    return [gpu.array(a, dtype) for a in (x1, x2, y)]


def test_cuda_hot_path_has_no_host_sync(gpu):
    """Under set_sync_debug_mode("error") any host sync raises: the default call, its
    backward and the module classes run without one; validate='sync' does sync (so the
    test can fail)."""
    torch = gpu.mod
    import embedloss.torch as et

    x1, x2, y = _cuda_batch(gpu)
    a = x1.clone().requires_grad_(True)
    dist = (x1 - x2).norm(dim=1)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        embedloss.cosine_embedding_loss(a, x2, y, margin=0.2).backward()
        et.CosineEmbeddingLoss(margin=0.2)(x1, x2, y)
        embedloss.hinge_embedding_loss(dist, y, margin=1.0)
        et.HingeEmbeddingLoss()(dist, y)
        with pytest.raises(RuntimeError, match="synchroniz"):
            embedloss.cosine_embedding_loss(x1, x2, y, validate="sync")
    finally:
        torch.cuda.set_sync_debug_mode("default")


def test_cuda_sync_validation_names_the_values(gpu):
    x1, x2, y = _cuda_batch(gpu)
    y[3] = 0.5
    with pytest.raises(ValueError, match=r"the values \{-1, 0.5, 1\}"):
        embedloss.cosine_embedding_loss(x1, x2, y, validate="sync")


def test_cuda_graph_capture_and_replay(gpu):
    torch = gpu.mod
    x1, x2, y = _cuda_batch(gpu)
    expected = gpu.native("cosine")(x1, x2, y, margin=0.2)
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):  # warm-up on a side stream, as the CUDA-graph docs do
        embedloss.cosine_embedding_loss(x1, x2, y, margin=0.2)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = embedloss.cosine_embedding_loss(x1, x2, y, margin=0.2)
    x1.mul_(2.0)  # the cosine does not change with scale: replay gives the same loss
    graph.replay()
    torch.cuda.synchronize()
    assert torch.equal(out, expected)


@pytest.mark.parametrize("dynamic", [False, True])
def test_compile_on_cuda_equals_native(gpu, dynamic):
    torch = gpu.mod
    x1, x2, y = _cuda_batch(gpu)
    compiled = torch.compile(lambda a, b, t: embedloss.cosine_embedding_loss(a, b, t, margin=0.2),
                             fullgraph=True, dynamic=dynamic)
    native = torch.compile(lambda a, b, t: gpu.native("cosine")(a, b, t, margin=0.2), fullgraph=True,
                           dynamic=dynamic)
    assert torch.equal(compiled(x1, x2, y), native(x1, x2, y))
    torch.testing.assert_close(compiled(x1, x2, y), gpu.native("cosine")(x1, x2, y, margin=0.2))
