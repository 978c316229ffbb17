r"""The cosine embedding loss in PyTorch with a closed-form backward: one
``torch.autograd.Function`` in place of the dozen autograd nodes of the native loss.

Per pair :math:`i`, with :math:`a = \lVert x_1 \rVert^2 + \varepsilon`,
:math:`b = \lVert x_2 \rVert^2 + \varepsilon`, :math:`r = 1/\sqrt{ab}` and
:math:`c = (x_1 \cdot x_2)\, r`,

.. math::

    \frac{\partial c}{\partial x_1} = r\, x_2 - \frac{c}{a}\, x_1, \qquad
    \frac{\partial c}{\partial x_2} = r\, x_1 - \frac{c}{b}\, x_2

(exact, ``eps`` included: :math:`\partial a / \partial x_1 = 2 x_1`, and
:math:`\partial r / \partial x_1 = -r\, x_1 / a`). The loss's gradient is
:math:`s_i\, \partial c_i / \partial x`, where

* :math:`s_i = -g_i` for a label 1 (:math:`\ell = 1 - c`);
* :math:`s_i = g_i` for a label -1 with :math:`c_i \ge \text{margin}`, else 0
  (:math:`\ell = \max(0, c - \text{margin})`; at the tie the gradient passes, as
  PyTorch's ``clamp_min`` does);

and :math:`g_i` is the incoming gradient: ``grad_output[i]`` for ``"none"``,
``grad_output`` for ``"sum"``, ``grad_output / N`` for ``"mean"``.

The forward pass runs the native loss's operations in its order
(``aten/src/ATen/native/Loss.cpp``), so the loss's value is the native one bit for
bit; the gradient is the same function rounded differently (bounded by
:data:`GRAD_BOUND`). The backward is not differentiable again: a backward pass with
``create_graph=True`` raises, rather than give second derivatives of 0.

torch is imported when the function is first built, never by importing this module.
"""
from __future__ import annotations

import sys
from typing import Any

from ._dispatch import fail

#: The closed form's largest gradient error against float64 (embedloss's formula), as a
#: fraction of the largest gradient, by dtype: what the tests hold it to.
GRAD_BOUND = {"float32": 1e-6, "float64": 1e-13}

_function: Any = None


def closed_form_function() -> Any:
    """The ``torch.autograd.Function`` (built on first use)."""
    global _function
    if _function is None:
        _function = _build(sys.modules["torch"])
    return _function


def cosine_closed_form(x1: Any, x2: Any, target: Any, margin: float, reduction: str, eps: float) -> Any:
    """The cosine embedding loss of checked (N, D) float tensors and labels 1/-1,
    with the closed-form backward (see the module's docstring)."""
    return closed_form_function().apply(x1, x2, target, float(margin), reduction, float(eps))


def _build(torch: Any) -> Any:
    class ClosedFormCosine(torch.autograd.Function):  # type: ignore[misc]  # (torch is Any here)
        @staticmethod
        def forward(ctx: Any, x1: Any, x2: Any, target: Any, margin: float, reduction: str, eps: float) -> Any:
            buf = torch.mul(x1, x2)  # (one (N, D) buffer for the three products)
            dot = buf.sum(1)
            mag1 = torch.mul(x1, x1, out=buf).sum(1) + eps
            mag2 = torch.mul(x2, x2, out=buf).sum(1) + eps
            del buf
            denom = (mag1 * mag2).sqrt_()
            cos = dot / denom
            similar = target == 1
            loss = torch.where(similar, 1 - cos, (cos - margin).clamp_min_(0))
            ctx.save_for_backward(x1, x2, cos, mag1, mag2, denom, similar)
            ctx.margin, ctx.reduction = margin, reduction
            if reduction == "mean":
                return loss.mean()
            return loss.sum() if reduction == "sum" else loss

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            if torch.is_grad_enabled():  # create_graph=True: a gradient of this gradient would be silently 0
                raise RuntimeError(
                    "cosine_embedding_loss: `closed_form=True` gives a gradient that is not differentiable again, "
                    "but the backward pass was asked for a graph (create_graph=True, e.g. for a gradient "
                    "penalty or a Hessian). Use closed_form=False there.")
            x1, x2, cos, mag1, mag2, denom, similar = ctx.saved_tensors
            if ctx.reduction == "mean":
                grad = grad / len(cos)
            # s = dloss/dcos: -1 (label 1), 1 where cos >= margin (label -1), else 0
            s = torch.where(similar, -grad, torch.where(cos >= ctx.margin, grad, 0))
            u = (s / denom)[:, None]  # s r
            g1 = g2 = None
            if ctx.needs_input_grad[0]:
                g1 = (x2 * u).addcmul_(x1, (s * cos / mag1)[:, None], value=-1)
            if ctx.needs_input_grad[1]:
                g2 = (x1 * u).addcmul_(x2, (s * cos / mag2)[:, None], value=-1)
            return g1, g2, None, None, None, None

    return ClosedFormCosine


def check_closed_form(caller: str, closed_form: object, backend_name: str, x: Any) -> bool:
    """Whether the call asks for the closed form, which runs on eager torch tensors only:
    TypeError for a ``closed_form`` that is not a bool, ValueError for NumPy or Paddle
    arrays, and under ``torch.compile``, ``torch.export``, functorch transforms
    (``vmap``, ``grad``), dispatch modes (FakeTensor, ``make_fx``) and meta tensors."""
    if closed_form is False:
        return False
    if closed_form is not True:
        received = f"{type(closed_form).__qualname__} {closed_form!r}"[:120]
        fail(TypeError, caller, "closed_form", "must be True or False", received,
             "Pass a bool, e.g. `closed_form=True`.")
    if backend_name != "torch":
        fail(ValueError, caller, "closed_form", "works with torch tensors only", f"True with {backend_name} arrays",
                "Leave it False: the closed form is a torch.autograd.Function.")
    torch = sys.modules["torch"]
    modes = torch._C._TorchDispatchModeKey
    if (torch.compiler.is_compiling() or torch._C._functorch.peek_interpreter_stack() is not None
            or torch._C._get_dispatch_mode(modes.FAKE) is not None
            or torch._C._get_dispatch_mode(modes.PROXY) is not None
            or torch._C._dispatch_tls_is_dispatch_key_included(torch._C.DispatchKey.Python) or x.is_meta):
        fail(ValueError, caller, "closed_form", "runs eagerly only (its backward is Python code that no graph holds)",
                "True under torch.compile, torch.export, a functorch transform (vmap, grad), a dispatch mode "
                "or meta tensors", "Leave it False there: the native loss compiles and transforms.")
    return True

