"""The whole training study, as one JSON-ready record (``tools/training_study.py``).

The protocol, fixed before any test metric is computed:

1. MNIST-1D (:mod:`~embedbook.training.data`): train, validation (held out from the
   generator's training signals) and test (the generator's test split).
2. Every loss trains from the same initial weights of each seed on the same pairs,
   with Adam, validated every :data:`~embedbook.training.train.EVAL_EVERY` steps;
   a run stops when validation MAP@R has not improved for
   :data:`~embedbook.training.train.PATIENCE` validations, or at the budget of
   :data:`~embedbook.training.train.STEPS` steps, and keeps its best weights.
3. Each loss's margin is the one of its grid (:data:`GRIDS`) with the best mean
   validation MAP@R over :data:`SEEDS`.
4. Only then are the test signals embedded: once, for each loss at its chosen
   margin (and the ablations), and for the baselines.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from . import data as _data
from . import distributed as _distributed
from . import losses as _losses
from . import metrics as _metrics
from . import model as _model
from . import train as _train

SEEDS = (0, 1, 2)
#: The margins each loss is tried with. Cosine margins lie in [-1, 1]; distance
#: margins have the embeddings' units (the record's ``scale`` says what they are).
GRIDS: dict[str, tuple[float, ...]] = {
    "cosine": (0.0, 0.5, 0.75, 1.0),
    "hinge_similarity": (0.0, 0.5),
    "hinge_l2": (0.1, 0.3, 1.0),
    "contrastive": (0.1, 0.3, 1.0),
    "triplet": (0.1, 0.3, 1.0),
}
#: Losses that take the cosine loss's chosen margin (the same loss, computed
#: another way: the hinge on 1 - cos gets 1 - m).
SAME_AS_COSINE = ("cosine_embedloss", "hinge_cos")
#: The losses of the class-disjoint check.
DISJOINT_LOSSES = ("cosine", "contrastive", "triplet")
#: Steps of the per-step comparisons the chapter quotes.
FIRST_STEPS = 5
#: The slice the chapter re-runs live with the loops of ``loop_torch`` and
#: ``loop_paddle``: a small MNIST-1D generated with the same arguments but
#: ``num_samples`` signals (80 to train, 20 to test), a few steps of small batches.
#: (The chapter's cells also run on an emulated CPU, where a convolution's step costs
#: seconds.)
LIVE: dict[str, Any] = {"num_samples": 100, "steps": 3, "batch": 8, "margin": 0.75, "seed": 0}


def _window_means(values: list[float], width: int) -> list[float]:
    return [float(np.mean(values[i:i + width])) for i in range(0, len(values), width)]


def _record(run: _train.Run, test: dict[str, float] | None) -> dict[str, Any]:
    out = run.record()
    losses = out.pop("losses")
    out["first_losses"] = losses[:FIRST_STEPS]
    out["loss_curve"] = _window_means(losses, _train.EVAL_EVERY)
    out["final_loss"] = float(np.mean(losses[-_train.EVAL_EVERY:]))
    out["best_val"] = next(v for v in out["val_curve"] if v["step"] == run.best_step) \
        if out["val_curve"] else None
    out["test"] = test
    return out


def mean_cos(emb: np.ndarray, pairs: int = 2000, seed: int = 0) -> float:
    """Mean cosine between the embeddings of ``pairs`` random pairs of distinct rows:
    near 1 when the embeddings have collapsed onto one direction."""
    rng = np.random.default_rng(seed)
    i = rng.integers(len(emb), size=pairs)
    j = (i + rng.integers(1, len(emb), size=pairs)) % len(emb)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    return float(np.mean((unit[i] * unit[j]).sum(1)))


def live_slice() -> dict[str, Any]:
    """The chapter's live cells: both loops on :data:`LIVE`'s small data set.
    Returns each loop's last loss and test precision@1."""
    from . import loop_paddle, loop_torch

    small = _data.make(num_samples=LIVE["num_samples"])
    args = (small["x"], small["y"], small["x_test"], small["y_test"])
    kw = {k: LIVE[k] for k in ("steps", "batch", "margin", "seed")}
    return {name: dict(zip(("loss", "p_at_1"), loop.train(*args, **kw)))
            for name, loop in (("torch", loop_torch), ("paddle", loop_paddle))}


Nets = dict[tuple[Any, ...], _train.Run]  # (framework, loss, seed, margin, hard) -> its run


def study(progress: Callable[[str], None] = print) -> dict[str, Any]:
    """The whole study, as a JSON-ready dict. Keys: ``config``; ``baselines``
    (validation and test); ``scale`` (median distances between embeddings of random
    pairs); ``selection`` (each loss's grid, mean validation MAP@R per margin, the
    chosen margin); ``runs`` (every run, with ``test`` metrics for the runs at the
    chosen margins and the ablations, ``None`` for the others); ``trajectories``
    (runs that must agree, compared step by step); ``class_disjoint``; ``live``
    (:func:`live_slice`); ``distributed`` (:func:`distributed.check` for both)."""
    split = _data.load()
    record: dict[str, Any] = {"config": _config(split)}
    progress("baselines")
    record["baselines"] = {"val": _baselines(split, split.x_val, split.y_val),
                           "test": _baselines(split, split.x_test, split.y_test)}
    init = [_model.embed(_model.torch_encoder(_model.init_weights(s)), split.x_val) for s in SEEDS]
    record["scale"] = {"init": [_metrics.median_distance(e) for e in init]}
    record["val_mean_cos_init"] = [mean_cos(e) for e in init]
    runs: list[dict[str, Any]] = []
    nets: Nets = {}
    selection, chosen = _select_margins(split, runs, nets, record["scale"], progress)
    _at_the_cosine_margin(split, chosen, runs, nets, progress)
    record["selection"], record["chosen"], record["runs"] = selection, chosen, runs
    m = chosen["cosine"]
    record["trajectories"] = [
        _gap(nets, (fw, name, s, m, False), ("torch", "cosine", s, m, False))
        for fw, name in (("torch", "cosine_embedloss"), ("torch", "hinge_cos"), ("paddle", "cosine"))
        for s in SEEDS]
    progress(f"class-disjoint: train on digits {_data.SEEN_CLASSES}, test on the others")
    record["class_disjoint"] = _class_disjoint(split, chosen)
    progress("the chapter's loops, PyTorch and Paddle, on the live slice")
    record["live"] = live_slice()
    progress("two processes: PyTorch DDP, then Paddle DataParallel (gloo)")
    record["distributed"] = {fw: _distributed.check(split, fw) for fw in ("torch", "paddle")}
    return record


def _config(split: _data.Split) -> dict[str, Any]:
    """The study's settings, as the record states them."""
    return {
        "data_seed": _data.DATA_SEED, "train": len(split.y_train), "val": len(split.y_val),
        "test": len(split.y_test), "signal_length": int(split.x_train.shape[-1]),
        "dim": _model.DIM, "parameters": int(sum(w.size for w in _model.init_weights(0))),
        "batch": _data.BATCH, "steps": _train.STEPS, "lr": _train.LR,
        "eval_every": _train.EVAL_EVERY, "patience": _train.PATIENCE, "seeds": list(SEEDS),
        "grids": {k: list(v) for k, v in GRIDS.items()}, "hard_candidates": _data.HARD_CANDIDATES,
        "seen_classes": list(_data.SEEN_CLASSES), "live": LIVE}


def _untrained(x: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    """Retrieval metrics of the untrained encoder (each seed's initial weights)."""
    untrained = [_metrics.retrieval_metrics(_model.embed(_model.torch_encoder(
        _model.init_weights(s)), x), y) for s in SEEDS]
    return {k: [m[k] for m in untrained] for k in untrained[0]}


def _baselines(split: _data.Split, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """What retrieval gets without training: the raw input, PCA, the untrained encoder."""
    return {
        "raw input, cosine": _metrics.retrieval_metrics(x, y),
        "raw input, Euclidean": _metrics.retrieval_metrics(x, y, metric="euclidean"),
        f"PCA to {_model.DIM} dimensions": _metrics.retrieval_metrics(
            _metrics.pca_embedding(split.x_train, x, _model.DIM), y),
        "untrained encoder": _untrained(x, y)}


def _test_metrics(split: _data.Split, run: _train.Run) -> dict[str, float]:
    return _metrics.retrieval_metrics(_model.embed(run.net, split.x_test), split.y_test)


def _select_margins(split: _data.Split, runs: list[dict[str, Any]], nets: Nets, scale: dict[str, Any],
                    progress: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, float]]:
    """Every loss of ``GRIDS`` at every margin and seed; the margin of the best mean
    validation MAP@R chosen; test metrics for the chosen margin's runs only. Appends
    the runs to ``runs`` and ``nets``, and the distance losses' scales to ``scale``."""
    selection, chosen = {}, {}
    for name, grid in GRIDS.items():
        progress(f"PyTorch, {name}, margins {grid}, seeds {SEEDS}")
        trials = {(m, s): _train.train_torch(name, s, split, margin=m) for m in grid for s in SEEDS}
        val = {m: float(np.mean([max(v["map_at_r"] for v in trials[m, s].val_curve)
                                 for s in SEEDS])) for m in grid}
        best = max(grid, key=lambda m: val[m])  # ties: the first of the grid
        selection[name] = {"grid": list(grid), "val_map_at_r": [val[m] for m in grid],
                           "chosen": best}
        chosen[name] = best
        for (m, s), run in trials.items():
            runs.append(_record(run, _test_metrics(split, run) if m == best else None))
            runs[-1]["val_mean_cos"] = mean_cos(_model.embed(run.net, split.x_val))
            runs[-1]["val_mean_cos_last_step"] = mean_cos(_model.embed(run.last, split.x_val))
            if name == "hinge_similarity" and m == best:  # what it trained towards
                runs[-1]["test_last_step"] = _metrics.retrieval_metrics(
                    _model.embed(run.last, split.x_test), split.y_test)
            nets["torch", name, s, m, False] = run
            if _losses.KIND[name] == "distance" and m == best:
                scale.setdefault(name, []).append(_metrics.median_distance(
                    _model.embed(run.net, split.x_val)))
    return selection, chosen


def _at_the_cosine_margin(split: _data.Split, chosen: dict[str, float], runs: list[dict[str, Any]],
                          nets: Nets, progress: Callable[[str], None]) -> None:
    """The runs at the cosine loss's chosen margin: the losses that must equal it
    (``SAME_AS_COSINE``), the cosine loss with hard negatives, and in Paddle."""
    m = chosen["cosine"]
    for name in SAME_AS_COSINE:
        progress(f"PyTorch, {name} at the cosine loss's margin {m}")
        chosen[name] = m
        for s in SEEDS:
            run = _train.train_torch(name, s, split, margin=m)
            runs.append(_record(run, _test_metrics(split, run)))
            nets["torch", name, s, m, False] = run
    progress("PyTorch, cosine loss with hard negatives")
    for s in SEEDS:
        run = _train.train_torch("cosine", s, split, margin=m, hard=True)
        runs.append(_record(run, _test_metrics(split, run)))
    progress(f"Paddle, cosine loss at margin {m}, seeds {SEEDS}")
    for s in SEEDS:
        run = _train.train_paddle("cosine", s, split, margin=m)
        runs.append(_record(run, _test_metrics(split, run)))
        nets["paddle", "cosine", s, m, False] = run


def _gap(nets: Nets, one: tuple[Any, ...], other: tuple[Any, ...]) -> dict[str, Any]:
    """Two runs that must agree, compared step by step."""
    a, b = nets[one].losses, nets[other].losses
    n = min(len(a), len(b))
    diff = np.abs(np.array(a[:n]) - np.array(b[:n]))
    return {"run": list(one[:2]), "against": list(other[:2]), "seed": one[2],
            "identical": a == b, "steps_compared": n,
            "max_abs_diff_first_steps": float(diff[:FIRST_STEPS].max()),
            "max_abs_diff_first_20": float(diff[:20].max()),
            "max_abs_diff": float(diff.max()),
            "abs_diff_curve": _window_means(diff.tolist(), _train.EVAL_EVERY)}


def _class_disjoint(split: _data.Split, chosen: dict[str, float]) -> dict[str, Any]:
    """Train on the digits ``SEEN_CLASSES``, retrieve among the others' test signals."""
    open_set = _data.class_disjoint(split)
    disjoint_runs = []
    for name in DISJOINT_LOSSES:
        for s in SEEDS:
            run = _train.train_torch(name, s, open_set, margin=chosen[name], validate=False)
            disjoint_runs.append(_record(run, _metrics.retrieval_metrics(
                _model.embed(run.net, open_set.x_test), open_set.y_test)))
    return {
        "train": len(open_set.y_train), "test": len(open_set.y_test),
        "baselines": {"raw input, cosine": _metrics.retrieval_metrics(open_set.x_test, open_set.y_test),
                      "untrained encoder": _untrained(open_set.x_test, open_set.y_test)},
        "runs": disjoint_runs}


def timed(function: Callable[[], Any]) -> tuple[Any, float, float]:
    """``function()``, its wall time and its process CPU time, in seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - wall, time.process_time() - cpu
