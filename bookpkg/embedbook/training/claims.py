"""What the training chapter claims about a study record, in one place.

``book/training.ipynb`` states these about the record it renders, and
``tests/test_training_study.py`` asserts them again on a fresh run of
``tools/training_study.py``, on whatever x86-64 CPU runs it: long float32 runs drift
apart from one CPU to another (AVX2 against AVX-512 kernels round differently, and
training amplifies a last-bit difference), so a fresh run's single numbers differ
from the record's by about the spread between seeds, and which margin of a grid
validation picks can change to a neighbour. What the chapter concludes must hold on
every such run; :func:`failures` lists what does not.

Every check compares a trained loss's seed mean with a baseline or another loss, with
a bound in units of the seed standard deviation (``np.std`` over the seeds, as the
chapter prints it).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

METRICS = ("p_at_1", "map_at_r")
#: The losses that, in the chapter's words, "learn": all but the hinge fed the cosine.
LEARNERS = ("cosine", "cosine_embedloss", "hinge_cos", "hinge_l2", "contrastive", "triplet")
#: How many seed standard deviations each trained loss lies above the best baseline.
MAIN_GAP_SD = 3
#: The distance losses that set the scale of their embeddings to their margin, and
#: how close (relative) the median distance of random pairs comes to it.
SCALE_SETTERS, SCALE_TOLERANCE = ("hinge_l2", "contrastive"), 0.3


def test_values(rec: dict[str, Any], **where: Any) -> dict[str, list[float]]:
    """The test metrics (lists over seeds) of the runs matching ``where``."""
    found = [r["test"] for r in rec["runs"] if r["test"] is not None
             and all(r[k] == v for k, v in where.items())]
    if len(found) != len(rec["config"]["seeds"]):
        raise ValueError(f"test_values: expected one run per seed for {where}, found {len(found)}")
    return {k: [f[k] for f in found] for k in METRICS}


def trained(rec: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    """Each loss at its chosen margin (PyTorch, random negatives): test metrics per seed."""
    return {name: test_values(rec, framework="torch", loss=name, margin=m, hard_negatives=False)
            for name, m in rec["chosen"].items()}


def main_gaps(rec: dict[str, Any]) -> dict[tuple[str, str], float]:
    """For each learning loss and metric, its distance above the best baseline on the
    test split in units of its own seed standard deviation."""
    base = rec["baselines"]["test"]
    best = {k: max(np.mean(b[k]) for b in base.values()) for k in METRICS}
    runs = trained(rec)
    return {(n, k): float((np.mean(runs[n][k]) - best[k]) / max(np.std(runs[n][k]), 1e-12))
            for n in LEARNERS for k in METRICS}


def _claims(rec: dict[str, Any]) -> list[tuple[str, Callable[[], bool]]]:
    runs, base = trained(rec), rec["baselines"]["test"]
    mean = {n: {k: float(np.mean(v[k])) for k in METRICS} for n, v in runs.items()}
    sd = {n: {k: float(np.std(v[k])) for k in METRICS} for n, v in runs.items()}
    by: dict[tuple[Any, ...], list[dict[str, Any]]] = {
        (r["framework"], r["loss"], r["margin"], r["hard_negatives"]): [] for r in rec["runs"]}
    for r in rec["runs"]:
        by[r["framework"], r["loss"], r["margin"], r["hard_negatives"]].append(r)
    wrong = [r for r in rec["runs"] if r["loss"] == "hinge_similarity"]
    wrong_kept = [r for r in wrong if r["margin"] == rec["chosen"]["hinge_similarity"]]
    sel, m = rec["selection"], rec["chosen"]["cosine"]
    untrained_val = float(np.mean(rec["baselines"]["val"]["untrained encoder"]["map_at_r"]))
    at_one = by["torch", "cosine", 1.0, False]
    collapse = {mm: np.mean([r["val_mean_cos_last_step"] for r in by["torch", "cosine", mm, False]])
                for mm in sel["cosine"]["grid"]}
    hard = test_values(rec, framework="torch", loss="cosine", margin=m, hard_negatives=True)
    paddle = test_values(rec, framework="paddle", loss="cosine", margin=m)
    drift = [t for t in rec["trajectories"] if t["run"][0] == "paddle"]
    cd = rec["class_disjoint"]
    open_set = {n: {k: [r["test"][k] for r in cd["runs"] if r["loss"] == n] for k in METRICS}
                for n in {r["loss"] for r in cd["runs"]}}
    untrained = {k: float(np.mean(base["untrained encoder"][k])) for k in METRICS}
    open_untrained = {k: float(np.mean(cd["baselines"]["untrained encoder"][k])) for k in METRICS}

    def spread(*names: str, k: str = "map_at_r") -> float:
        return max(sd[n][k] for n in names)

    return [
        ("every loss but the hinge fed the cosine beats every baseline on the test split "
         f"by more than {MAIN_GAP_SD} seed standard deviations, in P@1 and MAP@R",
         lambda: min(main_gaps(rec).values()) > MAIN_GAP_SD),
        ("the cosine loss, embedloss's and the hinge on 1 - cos give the same test rows",
         lambda: runs["cosine"] == runs["cosine_embedloss"] == runs["hinge_cos"]),
        ("their runs are identical, step for step, bit for bit",
         lambda: all(t["identical"] and t["max_abs_diff"] == 0.0
                     for t in rec["trajectories"] if t["run"][0] == "torch")),
        ("the cosine and contrastive losses come out ahead of the triplet loss and the "
         "hinge on the L2 distance (test MAP@R)",
         lambda: min(mean[n]["map_at_r"] for n in ("cosine", "contrastive"))
         > max(mean[n]["map_at_r"] for n in ("triplet", "hinge_l2"))),
        ("the cosine and contrastive losses lie closer together than twice their seed spread",
         lambda: abs(mean["cosine"]["map_at_r"] - mean["contrastive"]["map_at_r"])
         < 2 * spread("cosine", "contrastive")),
        ("the hinge fed the cosine never improves on the initial weights on validation",
         lambda: all(r["best_step"] == 0 for r in wrong)),
        ("the weights it trains towards are below every baseline (test P@1)",
         lambda: max(r["test_last_step"]["p_at_1"] for r in wrong_kept)
         < min(np.mean(b["p_at_1"]) for b in base.values())),
        ("every margin of every grid beats the untrained encoder on validation, but the "
         "cosine loss's m = 1 and the hinge fed the cosine",
         lambda: all(v > untrained_val for n, s in sel.items() if n != "hinge_similarity"
                     for mm, v in zip(s["grid"], s["val_map_at_r"])
                     if not (n == "cosine" and mm == 1.0))),
        ("at m = 1 no validation beats the initial weights (the runs keep them)",
         lambda: all(r["best_step"] == 0 for r in at_one)),
        ("at m = 1 the embeddings of the last step collapse: their mean cosine exceeds the "
         "untrained encoder's and every smaller margin's",
         lambda: collapse[1.0] > np.mean(rec["val_mean_cos_init"])
         and collapse[1.0] > max(v for mm, v in collapse.items() if mm != 1.0)),
        ("validation keeps the margin with the best mean validation MAP@R",
         lambda: all(s["chosen"] == s["grid"][int(np.argmax(s["val_map_at_r"]))]
                     for s in sel.values())),
        ("the cosine loss's chosen margin is at least 1/2 (where its identity with the "
         "hinge on 1 - cos is exact)", lambda: 0.5 <= m < 1),
        ("the Euclidean pair losses set the embeddings' scale to their margin (within 30 %)",
         lambda: all(abs(np.mean(rec["scale"][n]) - rec["chosen"][n])
                     < SCALE_TOLERANCE * rec["chosen"][n] for n in SCALE_SETTERS)),
        ("the triplet loss's embeddings spread beyond its margin (more than twice it)",
         lambda: np.mean(rec["scale"]["triplet"]) > 2 * rec["chosen"]["triplet"]),
        ("hard negatives raise the cosine loss's test MAP@R by more than two seed "
         "standard deviations",
         lambda: np.mean(hard["map_at_r"]) - mean["cosine"]["map_at_r"]
         > 2 * max(float(np.std(hard["map_at_r"])), sd["cosine"]["map_at_r"])),
        ("PyTorch and Paddle agree to 1e-5 over the first steps",
         lambda: max(t["max_abs_diff_first_steps"] for t in drift) < 1e-5),
        ("then they drift apart (by more than 1e-4 over the run)",
         lambda: min(t["max_abs_diff"] for t in drift) > 1e-4),
        ("their test metrics agree within twice the seed spread",
         lambda: all(abs(mean["cosine"][k] - np.mean(paddle[k]))
                     < 2 * max(sd["cosine"][k], float(np.std(paddle[k]))) for k in METRICS)),
        ("on the unseen digits every loss beats both baselines (P@1)",
         lambda: min(np.mean(v["p_at_1"]) for v in open_set.values())
         > max(np.mean(b["p_at_1"]) for b in cd["baselines"].values())),
        ("on the unseen digits each loss's lead over the untrained encoder (MAP@R) is "
         "smaller than on the test split",
         lambda: all(np.mean(v["map_at_r"]) - open_untrained["map_at_r"]
                     < mean[n]["map_at_r"] - untrained["map_at_r"] for n, v in open_set.items())),
        ("under data parallelism, only unequal shards with a per-rank mean get a wrong "
         "gradient", lambda: all(
             d["ok"] and all((c["grad_max_abs_diff"] > 1e-3)
                             == (c["shards"] == "unequal" and c["rank_loss"] == "mean")
                             for c in d["cases"]) for d in rec["distributed"].values())),
    ]


def failures(rec: dict[str, Any]) -> list[str]:
    """The chapter's claims that ``rec`` (a study record) does not bear out."""
    failed = []
    for claim, holds in _claims(rec):
        try:
            ok = bool(holds())
        except (KeyError, ValueError, IndexError) as e:
            ok, claim = False, f"{claim} (could not be checked: {e!r})"
        if not ok:
            failed.append(claim)
    return failed


def claims(rec: dict[str, Any]) -> list[str]:
    """The claims, in words (the record is needed to build them, not to state them)."""
    return [claim for claim, _ in _claims(rec)]
