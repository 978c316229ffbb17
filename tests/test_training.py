"""The training study's building blocks (embedbook.training): the retrieval metrics
against hand-checked examples and a brute-force reference, the data split, the pair
sampler, the encoder in both frameworks, the loss tables, the loss equalities the
chapter relies on, and the errors bad arguments get."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from embedbook.training import data, losses, metrics, model

pytest.importorskip("torch")

from embedbook.training import train  # noqa: E402


def unit_vectors(degrees):
    rad = np.deg2rad(degrees)
    return np.stack([np.cos(rad), np.sin(rad)], axis=1)


def test_metrics_hand_checked():
    # Angles 0, 10 (A), 25, 42 (B), 90 (A). Neighbours by angle:
    #   0 (A):  10 A, 25 B, ...        R=2: P@1 1, AP@R (1 + 0)/2 = 0.5
    #  10 (A):   0 A, 25 B, ...        R=2: P@1 1, AP@R 0.5
    #  25 (B):  10 A, 42 B, ...        R=1: P@1 0, AP@R 0
    #  42 (B):  25 B, ...              R=1: P@1 1, AP@R 1
    #  90 (A):  42 B, 25 B, ...        R=2: P@1 0, AP@R 0
    m = metrics.retrieval_metrics(unit_vectors([0, 10, 25, 42, 90]), list("AABBA"))
    assert m == pytest.approx({"p_at_1": 3 / 5, "map_at_r": 2 / 5}, abs=1e-15)
    # Angles 0 (A), 20 (B), 30 (A), 50 (A), 110 (B):
    #   0 (A):  20 B, 30 A             R=2: P@1 0, AP@R (0 + 1/2)/2 = 0.25
    #  20 (B):  30 A                   R=1: 0, 0
    #  30 (A):  20 B, 50 A             R=2: 0, 0.25
    #  50 (A):  30 A, 20 B             R=2: 1, (1 + 0)/2 = 0.5
    # 110 (B):  50 A                   R=1: 0, 0
    m = metrics.retrieval_metrics(unit_vectors([0, 20, 30, 50, 110]) * [[1], [3], [0.5], [2], [7]],
                                  list("ABAAB"))
    assert m == pytest.approx({"p_at_1": 1 / 5, "map_at_r": 1 / 5}, abs=1e-15)


def test_euclidean_metrics_hand_checked():
    # Points on a line: 0 (A), 1 (A), 3 (B), 7 (B). Nearest: 0->1 A, 1->0 A, 3->1 A, 7->3 B.
    m = metrics.retrieval_metrics(np.array([[0.0], [1.0], [3.0], [7.0]]), list("AABB"),
                                  metric="euclidean")
    assert m == pytest.approx({"p_at_1": 3 / 4, "map_at_r": 3 / 4}, abs=1e-15)


def brute_force(emb, labels, metric="cosine"):
    """Musgrave et al.'s definitions, one query at a time, with Python loops."""
    p1, aps = [], []
    for q in range(len(emb)):
        dists = []
        for j in range(len(emb)):
            if j != q:
                if metric == "cosine":
                    d = -emb[q] @ emb[j] / (np.linalg.norm(emb[q]) * np.linalg.norm(emb[j]))
                else:
                    d = np.linalg.norm(emb[q] - emb[j])
                dists.append((d, j))
        ranked = [labels[j] == labels[q] for _, j in sorted(dists)]
        r = sum(ranked)
        p1.append(float(ranked[0]))
        hits, ap = 0, 0.0
        for i, hit in enumerate(ranked[:r], 1):
            hits += hit
            ap += hits / i if hit else 0.0
        aps.append(ap / r if r else 0.0)
    return np.mean(p1), np.mean(aps)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_metrics_match_brute_force(metric):
    rng = np.random.default_rng(0)
    emb, labels = rng.standard_normal((60, 5)), rng.integers(0, 4, 60)
    m = metrics.retrieval_metrics(emb, labels, metric=metric)
    assert (m["p_at_1"], m["map_at_r"]) == pytest.approx(brute_force(emb, labels, metric), abs=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: metrics.retrieval_metrics(np.zeros((3, 2)), [0, 1]), "3 embeddings and 2 labels"),
    (lambda: metrics.retrieval_metrics(np.ones((3, 2)), [0, 1, 1], metric="l1"), "'l1'"),
    (lambda: metrics.summary([{"v": 1}], "v", loss="x"), "no run matches"),
    (lambda: data.sample_steps(np.arange(4), 0, steps=0), "steps=0"),
    (lambda: losses.lookup(losses.PADDLE_LOSSES, "hinge_similarity"), "but got 'hinge_similarity'"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.fixture(scope="module")
def split():
    return data.load()


def test_split_and_sampler(split):
    assert split.x_train.shape == (3000, 1, 40) and split.x_val.shape == (1000, 1, 40)
    assert split.x_test.shape == (1000, 1, 40) and split.x_train.dtype == np.float32
    assert set(split.y_train) == set(split.y_test) == set(range(10))
    a, p, n = data.sample_steps(split.y_train, 0, steps=5, candidates=3)
    assert a.shape == p.shape == (5, data.BATCH) and n.shape == (5, data.BATCH, 3)
    assert np.all(split.y_train[a] == split.y_train[p]) and np.all(a != p)
    assert np.all(split.y_train[n] != split.y_train[a][..., None])
    again = data.sample_steps(split.y_train, 0, steps=5, candidates=3)
    assert all(np.array_equal(u, v) for u, v in zip((a, p, n), again))
    longer = data.sample_steps(split.y_train, 0, steps=9, candidates=3)
    assert all(np.array_equal(u, v[:5]) for u, v in zip((a, p, n), longer))


def test_make_leaves_the_global_generators_alone():
    import random

    np.random.seed(7)
    random.seed(7)
    expected = np.random.random(), random.random()
    np.random.seed(7)
    random.seed(7)
    data.make(num_samples=20)
    assert (np.random.random(), random.random()) == expected


def test_class_disjoint(split):
    open_set = data.class_disjoint(split)
    assert set(open_set.y_train) == set(data.SEEN_CLASSES)
    assert not set(open_set.y_test) & set(data.SEEN_CLASSES) and len(open_set.y_val) == 0


def test_same_initial_encoder_in_both_frameworks(split):
    if importlib.util.find_spec("paddle") is None:
        pytest.skip("needs paddle")
    weights = model.init_weights(3)
    assert sum(w.size for w in weights) == 6928
    t = model.embed(model.torch_encoder(weights), split.x_test[:50])
    p = model.embed(model.paddle_encoder(weights), split.x_test[:50])
    np.testing.assert_allclose(t, p, rtol=1e-5, atol=1e-6)


def test_loss_tables():
    assert set(losses.TORCH_LOSSES) == set(losses.DESCRIPTIONS) == set(losses.KIND)
    assert set(losses.PADDLE_LOSSES) <= set(losses.TORCH_LOSSES)


def test_cosine_trajectories_are_identical_for_a_few_steps(split):
    runs = {name: train.train_torch(name, 0, split, margin=0.5, steps=3, validate=False).losses
            for name in ("cosine", "cosine_embedloss", "hinge_cos")}
    assert runs["cosine"] == runs["cosine_embedloss"] == runs["hinge_cos"]


def test_run_is_one_type_for_both_frameworks(split):
    run = train.train_torch("triplet", 1, split, margin=0.3, steps=2, validate=False)
    assert isinstance(run, train.Run) and run.steps_run == 2 and run.best_step == 2
    assert "net" not in run.record() and run.record()["steps_run"] == 2
    if importlib.util.find_spec("paddle") is not None:
        other = train.train_paddle("triplet", 1, split, margin=0.3, steps=2, validate=False)
        assert type(other) is type(run) and other.framework == "paddle"
        # the first loss: the same weights and signals, other kernels (model.FORWARD_RTOL);
        # after an Adam step no float32 bound holds (the study's drift check covers it)
        np.testing.assert_allclose(other.losses[0], run.losses[0], rtol=model.FORWARD_RTOL, atol=0)
        assert model.FORWARD_RTOL < 2e-5


def test_train_rejects_bad_arguments(split):
    with pytest.raises(ValueError, match="but got 'cosin'"):
        train.train_torch("cosin", 0, split, margin=0.5)
    with pytest.raises(TypeError, match="`margin` must be a float, but got str"):
        train.train_torch("cosine", 0, split, margin="0.5")


def test_summary():
    runs = [{"loss": "a", "seed": s, "v": v} for s, v in enumerate((1.0, 2.0, 3.0))]
    mean, std, n = metrics.summary(runs, "v", loss="a")
    assert (mean, n) == (2.0, 3) and std == pytest.approx(np.sqrt(2 / 3))


def test_loop_modules_are_the_notebook_cells():
    """The chapter's loop cells are the one source of loop_torch.py and loop_paddle.py
    (python -m embedbook.training.loops rewrites them)."""
    from embedbook.training import loops

    expected = loops.modules()
    assert {p.name for p in expected} == {"loop_torch.py", "loop_paddle.py"}
    for path, text in expected.items():
        assert path.read_text() == text, f"{path.name} differs from its cell: python -m embedbook.training.loops"
        assert "make_dataset" not in text and "def train(" in text


def test_loop_cells_are_marked_once(tmp_path):
    import json

    from embedbook.training import loops

    nb = json.loads(loops.NOTEBOOK.read_text())
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("embedbook", None)
    broken = tmp_path / "training.ipynb"
    broken.write_text(json.dumps(nb))
    with pytest.raises(ValueError, match="no cell marked for"):
        loops.cells(broken)
