"""The docstrings: each public function shows its formula, arguments, errors and a
runnable example, and every example gives the output it shows."""
from __future__ import annotations

import ast
import doctest
import importlib
import re
from pathlib import Path

import pytest

import embedloss
from embedloss.testing import LOSSES

API_PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"


@pytest.mark.parametrize("fn", [info.implementation() for info in LOSSES.values()], ids=lambda f: f.__name__)
def test_public_functions_document_formula_args_errors_example(fn):
    doc = fn.__doc__
    for section in (".. math::", "Args:", "Returns:", "Raises:", "Example:", ">>> "):
        assert section in doc, f"{fn.__name__}: no {section!r} in the docstring"
    for word in ("ValueError", "TypeError", "margin", "reduction", "target"):
        assert word in doc


MODULES = [info.implementation().__module__ for info in LOSSES.values()] + [
    "embedloss.reference", "embedloss.torch", "embedloss.paddle", "embedloss.torch.functional",
    "embedloss.paddle.functional"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    framework = module.split(".")[1]
    if framework in ("torch", "paddle") or module == "embedloss.reference":  # (as_float64's example: torch)
        pytest.importorskip("paddle" if framework == "paddle" else "torch")
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if module != "embedloss.reference":
        assert result.attempted > 0


@pytest.mark.skipif(not API_PAGE.exists(), reason="the book's sources are not here (an installed package)")
@pytest.mark.parametrize("loss", list(LOSSES))
def test_api_page_documents_every_loss_of_the_registry(loss):
    """book/api.md renders every name that embedloss, embedloss.torch and embedloss.paddle
    export (automodule), and each record of embedloss.testing.LOSSES is exported there:
    its function, and its module class in each framework (tests/test_browser.py checks
    the built page)."""
    page = API_PAGE.read_text(encoding="utf-8")
    info = LOSSES[loss]
    assert info.function in embedloss.__all__
    assert re.search(r"^\.\. automodule:: embedloss\n   :members:$", page, re.M)
    for framework in ("torch", "paddle"):
        assert re.search(rf"^\.\. automodule:: embedloss\.{framework}\n   :members:$", page, re.M)
        assert info.module in _exported(Path(embedloss.__file__).parent / framework / "__init__.py")


def _exported(path):
    """A module's ``__all__``, read from its source (importing it would import its framework)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return ast.literal_eval(node.value)
    return []
