"""The digits study's building blocks (embedbook.digits): the retrieval metrics
against hand-checked examples and a brute-force reference, the pair sampler, the
encoder in both frameworks, and the loss equalities the chapter relies on."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from embedbook import digits

pytest.importorskip("torch")


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
    m = digits.retrieval_metrics(unit_vectors([0, 10, 25, 42, 90]), list("AABBA"))
    assert m == pytest.approx({"p_at_1": 3 / 5, "map_at_r": 2 / 5}, abs=1e-15)
    # Angles 0 (A), 20 (B), 30 (A), 50 (A), 110 (B):
    #   0 (A):  20 B, 30 A             R=2: P@1 0, AP@R (0 + 1/2)/2 = 0.25
    #  20 (B):  30 A                   R=1: 0, 0
    #  30 (A):  20 B, 50 A             R=2: 0, 0.25
    #  50 (A):  30 A, 20 B             R=2: 1, (1 + 0)/2 = 0.5
    # 110 (B):  50 A                   R=1: 0, 0
    m = digits.retrieval_metrics(unit_vectors([0, 20, 30, 50, 110]) * [[1], [3], [0.5], [2], [7]],
                                 list("ABAAB"))
    assert m == pytest.approx({"p_at_1": 1 / 5, "map_at_r": 1 / 5}, abs=1e-15)


def brute_force(emb, labels):
    """Musgrave et al.'s definitions, one query at a time, with Python loops."""
    p1, aps = [], []
    for q in range(len(emb)):
        sims = []
        for j in range(len(emb)):
            if j != q:
                cos = emb[q] @ emb[j] / (np.linalg.norm(emb[q]) * np.linalg.norm(emb[j]))
                sims.append((-cos, j))
        ranked = [labels[j] == labels[q] for _, j in sorted(sims)]
        r = sum(ranked)
        p1.append(float(ranked[0]))
        hits, ap = 0, 0.0
        for i, hit in enumerate(ranked[:r], 1):
            hits += hit
            ap += hits / i if hit else 0.0
        aps.append(ap / r if r else 0.0)
    return np.mean(p1), np.mean(aps)


def test_metrics_match_brute_force():
    rng = np.random.default_rng(0)
    emb, labels = rng.standard_normal((60, 5)), rng.integers(0, 4, 60)
    m = digits.retrieval_metrics(emb, labels)
    assert (m["p_at_1"], m["map_at_r"]) == pytest.approx(brute_force(emb, labels), abs=1e-12)


def test_split_is_by_class_and_sampler_is_valid():
    x_tr, y_tr, x_te, y_te = digits.split(*digits.load())
    assert set(y_tr) == set(digits.TRAIN_CLASSES) and set(y_te) == set(digits.TEST_CLASSES)
    assert len(y_tr) + len(y_te) == 1797
    a, p, n = digits.sample_steps(y_tr, 0, steps=5, candidates=3)
    assert a.shape == p.shape == (5, digits.BATCH) and n.shape == (5, digits.BATCH, 3)
    assert np.all(y_tr[a] == y_tr[p]) and np.all(a != p)
    assert np.all(y_tr[n] != y_tr[a][..., None])
    again = digits.sample_steps(y_tr, 0, steps=5, candidates=3)
    assert all(np.array_equal(u, v) for u, v in zip((a, p, n), again))


def test_same_initial_encoder_in_both_frameworks():
    if importlib.util.find_spec("paddle") is None:
        pytest.skip("needs paddle")
    x = digits.load()[0][:50]
    weights = digits.init_weights(3)
    t = digits.embed(digits.torch_encoder(weights), x)
    p = digits.embed(digits.paddle_encoder(weights), x)
    np.testing.assert_allclose(t, p, rtol=1e-5, atol=1e-6)


def test_cosine_trajectories_are_identical_for_a_few_steps():
    runs = {name: digits.train_torch(name, 0, steps=3)[1]["loss"]
            for name in ("cosine", "cosine_embedloss", "hinge_cos")}
    assert runs["cosine"] == runs["cosine_embedloss"] == runs["hinge_cos"]


def test_summary():
    runs = [{"loss": "a", "seed": s, "v": v} for s, v in enumerate((1.0, 2.0, 3.0))]
    mean, std, n = digits.summary(runs, "v", loss="a")
    assert (mean, n) == (2.0, 3) and std == pytest.approx(np.sqrt(2 / 3))


def test_first_steps_do_not_depend_on_how_many_follow():
    y = digits.split(*digits.load())[1]
    short, long = digits.sample_steps(y, 1, steps=3), digits.sample_steps(y, 1, steps=10)
    assert all(np.array_equal(s, t[:3]) for s, t in zip(short, long))
