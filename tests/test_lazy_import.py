"""`import embedloss` imports neither torch nor paddle; NumPy inputs never import them;
each framework is imported only when its module classes are used."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import numpy as np
import embedloss
from embedloss import reference
seen = {"after_import": [m for m in ("torch", "paddle") if m in sys.modules]}
x = np.ones((2, 3), dtype=np.float32)
embedloss.cosine_embedding_loss(x, x, np.array([1, -1]), stable=True)
embedloss.hinge_embedding_loss(x, -np.ones((2, 3)))
reference.cosine_embedding_loss(x, x, np.array([1, -1]))
try:
    embedloss.hinge_embedding_loss([1.0], [1.0])
except TypeError:
    pass
seen["after_numpy_calls"] = [m for m in ("torch", "paddle") if m in sys.modules]
if MODULE:
    getattr(embedloss, MODULE)
    seen["after_attribute"] = [m for m in ("torch", "paddle") if m in sys.modules]
print(json.dumps(seen))
"""


def _probe(module=""):
    out = subprocess.run([sys.executable, "-c", PROBE.replace("MODULE", repr(module))], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_and_numpy_calls_import_no_framework():
    seen = _probe()
    assert seen == {"after_import": [], "after_numpy_calls": []}


def test_module_classes_import_only_their_framework():
    pytest.importorskip("torch")
    assert _probe("torch")["after_attribute"] == ["torch"]


def test_paddle_module_classes_import_paddle():
    pytest.importorskip("paddle")
    assert "paddle" in _probe("paddle")["after_attribute"]
