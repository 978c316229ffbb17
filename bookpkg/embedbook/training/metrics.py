"""Retrieval metrics (Musgrave, Belongie and Lim 2020), baselines, summaries."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def retrieval_metrics(emb: np.ndarray, labels: Any, metric: str = "cosine") -> dict[str, float]:
    """Precision@1 and MAP@R of nearest-neighbour retrieval, leave one out.

    Each row of ``emb`` is a query; the references are all the other rows, ranked
    by cosine similarity (``metric="cosine"``) or Euclidean distance
    (``"euclidean"``), in float64, ties broken by index (only the first ``R``
    ranks are sorted: of references tied exactly at rank ``R``, the one kept may
    not be the first by index). With ``R`` the number of
    references of the query's class:

    - precision@1: 1 if the nearest reference has the query's label, else 0;
    - MAP@R: ``(1/R) * sum_{i=1..R} P(i)``, where ``P(i)`` is the precision among
      the first ``i`` references if the ``i``-th has the query's label, else 0.

    Both are averaged over the queries. Returns ``{"p_at_1": ..., "map_at_r": ...}``.
    """
    emb = np.asarray(emb, dtype=np.float64).reshape(len(emb), -1)
    labels = np.asarray(labels)
    if len(labels) != len(emb) or len(emb) < 2:
        raise ValueError(f"retrieval_metrics: `emb` and `labels` must hold at least 2 embeddings and "
                         f"one label each, but got {len(emb)} embeddings and {len(labels)} labels.")
    if metric == "cosine":
        unit = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-300)
        score = unit @ unit.T
    elif metric == "euclidean":
        sq = (emb ** 2).sum(1)
        score = -(sq[:, None] + sq[None, :] - 2 * emb @ emb.T)  # -distance^2: same order
    else:
        raise ValueError(f"retrieval_metrics: `metric` must be 'cosine' or 'euclidean', "
                         f"but got {metric!r}.")
    np.fill_diagonal(score, -np.inf)
    # Only the first R ranks count (R_max for the largest class): partition, then
    # sort those by score, ties by index.
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    r = counts[inverse] - 1
    k = max(int(r.max()), 1)
    top = np.argpartition(-score, k - 1, axis=1)[:, :k]
    top_score = np.take_along_axis(score, top, axis=1)
    order = np.take_along_axis(top, np.lexsort((top, -top_score), axis=1), axis=1)
    hits = labels[order] == labels[:, None]
    ranks = np.arange(1, k + 1)
    precision = np.cumsum(hits, axis=1) / ranks
    within_r = ranks[None, :] <= r[:, None]
    map_at_r = (precision * hits * within_r).sum(1) / np.maximum(r, 1)
    return {"p_at_1": float(hits[:, 0].mean()), "map_at_r": float(map_at_r.mean())}


def pca_embedding(x_train: np.ndarray, x_test: np.ndarray, dim: int) -> np.ndarray:
    """The baseline: ``x_test`` projected on the first ``dim`` principal axes of
    ``x_train`` (exact SVD, float64)."""
    from sklearn.decomposition import PCA

    flat = [np.asarray(v, dtype=np.float64).reshape(len(v), -1) for v in (x_train, x_test)]
    return PCA(n_components=dim, svd_solver="full").fit(flat[0]).transform(flat[1])


def median_distance(emb: np.ndarray, pairs: int = 2000, seed: int = 0) -> float:
    """Median Euclidean distance between the embeddings of ``pairs`` random pairs of
    distinct rows: the scale a distance margin is measured against."""
    rng = np.random.default_rng(seed)
    i = rng.integers(len(emb), size=pairs)
    j = (i + rng.integers(1, len(emb), size=pairs)) % len(emb)
    return float(np.median(np.linalg.norm(emb[i] - emb[j], axis=1)))


def summary(runs: Iterable[dict[str, Any]], key: str, **where: Any) -> tuple[float, float, int]:
    """Mean and standard deviation (ddof 0) of ``key`` over the runs that match
    ``where`` (e.g. ``framework="torch", loss="cosine"``); returns
    ``(mean, std, n)``. A ValueError when no run matches."""
    values = [r[key] for r in runs if all(k in r and r[k] == v for k, v in where.items())]
    if not values:
        raise ValueError(f"summary: no run matches {where}")
    return float(np.mean(values)), float(np.std(values)), len(values)
