"""The study's losses, as tables ``{name: function}`` for each framework.

Each function takes anchors ``a``, positives ``p`` and negatives ``n`` (a batch of
embeddings each) and a margin, and returns the mean loss: over the 2 * batch pairs
(anchor, positive, +1) and (anchor, negative, -1) for the pair losses, over the
batch triplets for the triplet loss.
"""
from __future__ import annotations

from typing import Any, Callable

#: What each loss is, in words, in the order of the chapter's tables.
DESCRIPTIONS: dict[str, str] = {
    "cosine": "CosineEmbeddingLoss (native)",
    "cosine_embedloss": "embedloss.cosine_embedding_loss",
    "hinge_cos": "HingeEmbeddingLoss on 1 - cos",
    "hinge_similarity": "HingeEmbeddingLoss on cos (wrong way round)",
    "hinge_l2": "HingeEmbeddingLoss on the L2 distance",
    "contrastive": "contrastive loss (Hadsell et al. 2006)",
    "triplet": "TripletMarginLoss",
}
#: The margin's kind: a cosine margin in [-1, 1] or a distance, with units.
KIND: dict[str, str] = {"cosine": "cosine", "cosine_embedloss": "cosine", "hinge_cos": "cosine",
                        "hinge_similarity": "cosine", "hinge_l2": "distance",
                        "contrastive": "distance", "triplet": "distance"}

LossFn = Callable[[Any, Any, Any, float], Any]


def torch_cosine(a: Any, b: Any, eps: float = 1e-12) -> Any:
    """Row-wise cosine with the same operations, in the same order, as PyTorch's
    ``cosine_embedding_loss`` (``aten/src/ATen/native/Loss.cpp``), so that the hinge
    loss on ``1 - cos`` sees bit for bit the cosine that the cosine loss sees."""
    dot = (a * b).sum(1)
    mag1 = (a * a).sum(1) + eps
    mag2 = (b * b).sum(1) + eps
    return dot / (mag1 * mag2).sqrt()


def _torch_pairs(a: Any, p: Any, n: Any) -> tuple[Any, Any, Any]:
    import torch

    y = torch.cat([torch.ones(len(a)), -torch.ones(len(a))])
    return torch.cat([a, a]), torch.cat([p, n]), y


def _t_cosine(a: Any, p: Any, n: Any, margin: float) -> Any:
    import torch.nn.functional as F

    return F.cosine_embedding_loss(*_torch_pairs(a, p, n), margin=margin)


def _t_cosine_embedloss(a: Any, p: Any, n: Any, margin: float) -> Any:
    import embedloss

    return embedloss.cosine_embedding_loss(*_torch_pairs(a, p, n), margin=margin)


def _t_hinge_cos(a: Any, p: Any, n: Any, margin: float) -> Any:
    import torch.nn.functional as F

    x1, x2, y = _torch_pairs(a, p, n)
    return F.hinge_embedding_loss(1 - torch_cosine(x1, x2), y, margin=1 - margin)


def _t_hinge_similarity(a: Any, p: Any, n: Any, margin: float) -> Any:
    import torch.nn.functional as F

    x1, x2, y = _torch_pairs(a, p, n)
    return F.hinge_embedding_loss(torch_cosine(x1, x2), y, margin=margin)


def _t_hinge_l2(a: Any, p: Any, n: Any, margin: float) -> Any:
    import torch.nn.functional as F

    x1, x2, y = _torch_pairs(a, p, n)
    return F.hinge_embedding_loss(F.pairwise_distance(x1, x2), y, margin=margin)


def _t_contrastive(a: Any, p: Any, n: Any, margin: float) -> Any:
    import torch
    import torch.nn.functional as F

    x1, x2, y = _torch_pairs(a, p, n)
    d = F.pairwise_distance(x1, x2)
    return torch.where(y == 1, d ** 2, F.relu(margin - d) ** 2).mean() / 2


def _t_triplet(a: Any, p: Any, n: Any, margin: float) -> Any:
    import torch.nn.functional as F

    return F.triplet_margin_loss(a, p, n, margin=margin)


#: PyTorch: every loss of the study.
TORCH_LOSSES: dict[str, LossFn] = {
    "cosine": _t_cosine, "cosine_embedloss": _t_cosine_embedloss, "hinge_cos": _t_hinge_cos,
    "hinge_similarity": _t_hinge_similarity, "hinge_l2": _t_hinge_l2,
    "contrastive": _t_contrastive, "triplet": _t_triplet}


def _paddle_pairs(a: Any, p: Any, n: Any) -> tuple[Any, Any, Any]:
    from embedloss import import_paddle

    paddle = import_paddle()
    y = paddle.concat([paddle.ones([a.shape[0]]), -paddle.ones([a.shape[0]])])
    return paddle.concat([a, a]), paddle.concat([p, n]), y


def _p_cosine(a: Any, p: Any, n: Any, margin: float) -> Any:
    from embedloss import import_paddle

    F = import_paddle().nn.functional
    return F.cosine_embedding_loss(*_paddle_pairs(a, p, n), margin=margin)


def _p_hinge_cos(a: Any, p: Any, n: Any, margin: float) -> Any:
    from embedloss import import_paddle

    F = import_paddle().nn.functional
    x1, x2, y = _paddle_pairs(a, p, n)
    return F.hinge_embedding_loss(1 - F.cosine_similarity(x1, x2, axis=1), y, margin=1 - margin)


def _p_hinge_l2(a: Any, p: Any, n: Any, margin: float) -> Any:
    from embedloss import import_paddle

    F = import_paddle().nn.functional
    x1, x2, y = _paddle_pairs(a, p, n)
    return F.hinge_embedding_loss(F.pairwise_distance(x1, x2), y, margin=margin)


def _p_contrastive(a: Any, p: Any, n: Any, margin: float) -> Any:
    from embedloss import import_paddle

    paddle = import_paddle()
    F = paddle.nn.functional
    x1, x2, y = _paddle_pairs(a, p, n)
    d = F.pairwise_distance(x1, x2)
    return paddle.where(y == 1, d ** 2, F.relu(margin - d) ** 2).mean() / 2


def _p_triplet(a: Any, p: Any, n: Any, margin: float) -> Any:
    from embedloss import import_paddle

    return import_paddle().nn.functional.triplet_margin_loss(a, p, n, margin=margin)


#: Paddle: the losses Paddle ships natively.
PADDLE_LOSSES: dict[str, LossFn] = {
    "cosine": _p_cosine, "hinge_cos": _p_hinge_cos, "hinge_l2": _p_hinge_l2,
    "contrastive": _p_contrastive, "triplet": _p_triplet}


def lookup(table: dict[str, LossFn], name: str) -> LossFn:
    """``table[name]``, or a ValueError naming the losses the table has."""
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"lookup: `loss` must be one of {sorted(table)}, but got {name!r}.") from None
