"""What the two source documents print, typed once: the seed tutorial's means and
per-pair hinge losses, and the example of Paddle's API page of ``HingeEmbeddingLoss``.
The book's chapters, the parity report (``embedbook.parity``) and its tests compare
with them; they are the book's data, not the library's.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Union

#: The 3x3 input of the example on Paddle's Chinese API page of ``HingeEmbeddingLoss``.
PADDLE_PAGE_INPUT = ((1.0, -2.0, 3.0), (0.0, -1.0, 2.0), (1.0, 0.0, 1.0))
#: The 3x3 label of the same example.
PADDLE_PAGE_LABEL = ((-1.0, 1.0, -1.0), (1.0, 1.0, 1.0), (1.0, -1.0, 1.0))


@dataclass(frozen=True)
class Published:
    """One example of a source document and the value it prints."""

    source: Literal["tutorial", "paddle_page", "docstring"]
    description: str
    loss: Literal["cosine", "hinge"]
    margin: float
    reduction: Literal["none", "mean", "sum"]
    #: the value as printed there (a float, or nested tuples for reduction="none")
    value: Union[float, tuple[tuple[float, ...], ...]]


_TUTORIAL_DATA = ("torch.manual_seed(20), a, b = randn(100, 128), "
                  "y = 2 * empty(100).random_(2) - 1")

#: ``{key: Published}``: the tutorial's cosine and hinge means and the example of
#: Paddle's API page, each with the value the document prints. The tutorial's inputs
#: are drawn by ``torch.manual_seed(20)`` (see ``description``); the Paddle page's are
#: ``PADDLE_PAGE_INPUT`` and ``PADDLE_PAGE_LABEL``.
PUBLISHED: Mapping[str, Published] = {
    "cosine_mean": Published(
        "tutorial", f"seed tutorial: {_TUTORIAL_DATA}, CosineEmbeddingLoss(margin=0.2)",
        "cosine", 0.2, "mean", 0.49418219923973083),
    "hinge_mean": Published(
        "tutorial", "seed tutorial: the same a, b, y; x = 1 - cosine_similarity(a, b), "
        "HingeEmbeddingLoss(margin=0.2)", "hinge", 0.2, "mean", 0.4938560426235199),
    "paddle_page_hinge_none": Published(
        "paddle_page", "Paddle API page: 3x3 input and label, "
        "HingeEmbeddingLoss(margin=1.0, reduction='none')", "hinge", 1.0, "none",
        ((0.0, -2.0, 0.0), (0.0, -1.0, 2.0), (1.0, 1.0, 1.0))),
    "paddle_page_hinge_mean": Published(
        "paddle_page", "Paddle API page: the same 3x3 example, reduction='mean'",
        "hinge", 1.0, "mean", 0.22222222),
}

#: The tutorial's ``reduction="none"`` hinge losses, typed as published.
TUTORIAL_HINGE_NONE = (
    0.0000, 1.0821, 0.0000, 1.0337, 1.0798, 0.0000, 1.0582, 0.0000, 0.8795,
    0.0000, 1.1377, 0.0000, 0.9727, 1.0088, 0.0000, 0.0000, 0.0000, 0.0000,
    0.0000, 0.9941, 1.0539, 0.0000, 0.0000, 0.0000, 1.1907, 0.9647, 0.8875,
    0.8585, 0.9471, 0.0000, 0.0000, 0.9677, 0.0000, 0.0000, 0.0000, 0.8393,
    0.0000, 0.9900, 1.1510, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000,
    0.9491, 0.9202, 0.0000, 0.9338, 1.0044, 0.0000, 1.1716, 1.0480, 0.8654,
    0.8302, 0.0000, 0.8969, 0.0000, 0.0000, 1.0293, 0.0000, 1.1107, 0.8257,
    0.9162, 1.0796, 1.0330, 0.0000, 0.9933, 0.0000, 0.0000, 1.0066, 0.0000,
    0.0000, 0.0000, 0.0000, 0.9410, 0.8609, 1.0060, 0.0000, 0.8454, 0.0000,
    1.0362, 0.0000, 1.0253, 1.0560, 1.0759, 0.9888, 0.0000, 1.0147, 0.8566,
    0.9453, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.9874, 0.0000, 0.0000,
    1.0352,
)
