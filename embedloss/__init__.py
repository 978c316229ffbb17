"""CosineEmbeddingLoss and HingeEmbeddingLoss for NumPy, PyTorch and Paddle.

``import embedloss`` imports neither torch nor paddle: a framework is imported when
its tensors are passed in, or when ``embedloss.torch`` / ``embedloss.paddle`` (the
module classes, and ``functional``: the frameworks' own signatures) is first used.
NumPy is the only requirement.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from . import reference
from ._cosine import cosine_embedding_loss
from ._hinge import hinge_embedding_loss
from ._paddle import import_paddle

__all__ = ["cosine_embedding_loss", "hinge_embedding_loss", "import_paddle", "reference"]
__version__ = "0.1.0"


def __getattr__(name: str) -> ModuleType:
    if name in ("torch", "paddle"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
