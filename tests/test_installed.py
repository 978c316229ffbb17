"""The package as installed: every module of embedloss imports with what pyproject.toml
declares, NumPy alone for all but the framework modules, which need their extra.

`make test-numpy` runs the library's tests in a fresh venv holding NumPy, pytest and
hypothesis only, with embedloss installed from its wheel (EMBEDLOSS_INSTALLED=1):
there this proves that NumPy alone is a working install."""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
from pathlib import Path

import pytest

import embedloss

PACKAGE = Path(embedloss.__file__).parent
EXTRA = {"torch": "torch", "paddle": "paddlepaddle"}  # a subpackage of embedloss -> the extra it needs


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("name", list(_modules()))
def test_every_module_imports(name):
    framework = name.split(".")[1] if name.count(".") else None
    if framework in EXTRA and importlib.util.find_spec(framework) is None:
        with pytest.raises(ImportError, match=framework):  # the extra embedloss[torch] / [paddle]
            importlib.import_module(name)
        return
    importlib.import_module(name)


def test_the_extras_are_declared():
    requires = importlib.metadata.requires("embedloss") or []
    assert any(r.startswith("numpy") and "extra" not in r for r in requires)
    for extra, distribution in EXTRA.items():
        assert any(r.startswith(distribution) and f'extra == "{extra}"' in r for r in requires), requires


def test_installed_from_the_wheel_where_asked():
    """Under `make test-numpy`: the package is the installed one, not the checkout."""
    if os.environ.get("EMBEDLOSS_INSTALLED") != "1":
        pytest.skip("only under make test-numpy")
    assert "site-packages" in PACKAGE.parts
    assert (PACKAGE / "py.typed").exists()


def test_the_library_does_not_import_its_test_helpers():
    """embedloss.testing (the case table) is for tests: no other module imports it."""
    import ast
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "testing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n == "testing" or n.endswith(".testing") for n in names), path
