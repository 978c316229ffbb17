"""paddle.jit.to_static in both modes (AST with full_graph=True, and SOT): embedloss
runs, equals eager, and a bad label still raises (ValueError from the static Assert)."""
from __future__ import annotations

import gc
import subprocess
import sys

import numpy as np
import pytest
from conftest import Framework

import embedloss
from embedloss.testing import cosine_pairs, hinge_distances


@pytest.fixture
def paddle():
    return Framework("paddle").mod


@pytest.fixture
def frozen_heap():
    """Set the objects that exist now aside from the garbage collector while the test
    runs (``gc.freeze``). SOT runs a full ``gc.collect()`` after each frame it
    translates (``start_translate`` in paddle/jit/sot/opcode_translator/executor/
    executor_cache.py, Paddle 3.3.1), and the time of a full collection grows with the
    heap: in a pytest worker that has run the torch.compile tests, the first SOT test
    took 26-37 s against 9 s alone. What the test itself makes is still collected."""
    gc.freeze()
    yield
    gc.unfreeze()


def _cosine(a, b, t):
    return embedloss.cosine_embedding_loss(a, b, t, margin=0.2)


def _hinge(x, t):
    return embedloss.hinge_embedding_loss(x, t, margin=0.5)


def _args(paddle, loss):
    rng = np.random.default_rng(0)
    arrays = cosine_pairs(rng, 8, 16) if loss == "cosine" else hinge_distances(rng, (8, 16))
    return [paddle.to_tensor(a.astype("float32")) for a in arrays]


@pytest.mark.parametrize("full_graph", [True, False], ids=["ast", "sot"])
@pytest.mark.parametrize("loss", ["cosine", "hinge"])
@pytest.mark.parametrize("form", ["function", "layer"])
def test_to_static_equals_eager_and_raises_on_bad_labels(paddle, frozen_heap, full_graph, loss, form):
    import embedloss.paddle as ep

    if form == "function":
        fn = _cosine if loss == "cosine" else _hinge
    else:
        fn = ep.CosineEmbeddingLoss(margin=0.2) if loss == "cosine" else ep.HingeEmbeddingLoss(margin=0.5)
    args = _args(paddle, loss)
    eager = fn(*args)
    static = paddle.jit.to_static(fn, full_graph=full_graph)
    np.testing.assert_allclose(static(*args).numpy(), eager.numpy(), rtol=1e-6, atol=1e-7)
    bad = args[-1].numpy().copy()
    bad.reshape(-1)[1] = 0.5
    with pytest.raises(ValueError, match=r"AssertOp must be true|`target` must contain only 1 and -1"):
        static(*args[:-1], paddle.to_tensor(bad))


def test_to_static_works_when_paddle_is_imported_after_embedloss(tmp_path):
    """The AST mode needs embedloss marked 'run as is' before it converts a loss; the
    loss marks it itself on its first call, so the import order does not matter."""
    pytest.importorskip("paddle")
    script = tmp_path / "order.py"  # a file: to_static reads the source of the function it converts
    script.write_text(
        "import numpy as np\n"
        "import embedloss\n"
        "import paddle\n"
        "def f(x, t):\n"
        "    return embedloss.hinge_embedding_loss(x, t, margin=0.5)\n"
        "x = paddle.to_tensor(np.array([0.2, 0.9], 'float32'))\n"
        "t = paddle.to_tensor(np.array([1.0, -1.0], 'float32'))\n"
        "print(float(paddle.jit.to_static(f, full_graph=True)(x, t)))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(0.1)


def test_import_paddle_takes_back_only_its_own_handler():
    """import_paddle removes the root handler Paddle adds and restores the level; a
    handler another thread adds meanwhile stays, and the warnings filters are not swapped."""
    pytest.importorskip("paddle")
    code = (
        "import logging, sys, threading, warnings\n"
        "root = logging.getLogger()\n"
        "mine = logging.NullHandler()\n"
        "add = root.addHandler\n"
        "def add_then_mine(handler):  # another thread adds its handler just after Paddle's\n"
        "    add(handler)\n"
        "    if handler is not mine:\n"
        "        add(mine); warnings.filterwarnings('ignore', 'x-y-z')\n"
        "root.addHandler = add_then_mine\n"
        "from embedloss import _paddle\n"
        "threads = [threading.Thread(target=_paddle.import_paddle) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert 'paddle' in sys.modules\n"
        "assert root.handlers == [mine], root.handlers\n"
        "assert root.level == logging.WARNING, root.level\n"
        "assert any(f[1] is not None and f[1].pattern == 'x-y-z' for f in warnings.filters)\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
    assert "No ccache found" not in done.stderr
