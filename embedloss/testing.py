"""What tests of these losses share, as ``torch.testing`` does for PyTorch: the
published examples of the two source documents, with the values they print.

NumPy only: importing this module imports neither torch nor Paddle.

``PUBLISHED`` maps a key to a :class:`Published` example. The tutorial's inputs are
drawn by ``torch.manual_seed(20)`` (see ``description``); Paddle's API page gives its
inputs here (``PADDLE_PAGE_INPUT``, ``PADDLE_PAGE_LABEL``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

__all__ = ["PADDLE_PAGE_INPUT", "PADDLE_PAGE_LABEL", "PUBLISHED", "Published"]

#: The 3x3 input and label of the example on Paddle's Chinese API page of
#: ``HingeEmbeddingLoss``.
PADDLE_PAGE_INPUT = ((1.0, -2.0, 3.0), (0.0, -1.0, 2.0), (1.0, 0.0, 1.0))
PADDLE_PAGE_LABEL = ((-1.0, 1.0, -1.0), (1.0, 1.0, 1.0), (1.0, -1.0, 1.0))


@dataclass(frozen=True)
class Published:
    """One example of a source document and the value it prints."""

    source: Literal["tutorial", "paddle_page"]
    description: str
    loss: Literal["cosine", "hinge"]
    margin: float
    reduction: Literal["none", "mean", "sum"]
    #: the value as printed there (a float, or nested lists for reduction="none")
    value: Union[float, tuple]


_TUTORIAL_DATA = ("torch.manual_seed(20), a, b = randn(100, 128), "
                  "y = 2 * empty(100).random_(2) - 1")

PUBLISHED = {
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
