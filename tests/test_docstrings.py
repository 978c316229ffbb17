"""The docstrings: each public function shows its formula, arguments, errors and a
runnable example, and every example gives the output it shows."""
from __future__ import annotations

import doctest
import importlib

import pytest

import embedloss


@pytest.mark.parametrize("fn", [embedloss.cosine_embedding_loss, embedloss.hinge_embedding_loss],
                         ids=lambda f: f.__name__)
def test_public_functions_document_formula_args_errors_example(fn):
    doc = fn.__doc__
    for section in (".. math::", "Args:", "Returns:", "Raises:", "Example:", ">>> "):
        assert section in doc, f"{fn.__name__}: no {section!r} in the docstring"
    for word in ("ValueError", "TypeError", "margin", "reduction", "target"):
        assert word in doc


@pytest.mark.parametrize("module", ["embedloss._cosine", "embedloss._hinge", "embedloss.reference",
                                    "embedloss.torch", "embedloss.paddle", "embedloss.torch.functional",
                                    "embedloss.paddle.functional"])
def test_docstring_examples_run(module):
    framework = module.split(".")[1]
    if framework in ("torch", "paddle") or module == "embedloss.reference":  # (as_float64's example: torch)
        pytest.importorskip("paddle" if framework == "paddle" else "torch")
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if module != "embedloss.reference":
        assert result.attempted > 0
