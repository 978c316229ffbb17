"""The encoder: a small 1-D CNN, its weights drawn once in NumPy for both frameworks.

``Conv1d(1, 32, 5, padding=2)``, ReLU, ``Conv1d(32, 32, 3, stride=2, padding=1)``,
ReLU, ``Conv1d(32, 32, 3, padding=1)``, ReLU, a global max-pool, ``Linear(32, DIM)``:
6,928 parameters. The weights and biases are drawn from ``U(-1/sqrt(fan_in),
1/sqrt(fan_in))``, PyTorch's default for these layers, so that the Euclidean
losses' margins meet embeddings of PyTorch's usual scale.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: The embedding's dimension.
DIM = 16
#: Channels of the convolutions.
CHANNELS = 32
#: (in, out, kernel, stride, padding) of each convolution.
CONVS = ((1, CHANNELS, 5, 1, 2), (CHANNELS, CHANNELS, 3, 2, 1), (CHANNELS, CHANNELS, 3, 1, 1))
#: How far (relative) two float32 forward passes of the same weights on the same signals
#: may differ when their kernels sum in different orders (AVX2 against AVX-512, PyTorch
#: against Paddle): a sum of n float32 products is within n * 2**-24 of the exact one
#: (first order), and the layers' relative errors add up, so the bound is the number of
#: terms each output of each layer sums (convolutions: in * kernel, plus the bias; the
#: linear layer: channels, plus the bias) times 2**-24. A training step changes this:
#: Adam's update divides by the gradient's own scale, so a gradient near 0 whose last
#: bits differ can move a weight by up to the learning rate either way; only the first
#: step's loss (before any update) is bounded so.
FORWARD_RTOL = (sum(c_in * k + 1 for c_in, _, k, _, _ in CONVS) + CHANNELS + 1) * 2.0 ** -24


def init_weights(seed: int, dim: int = DIM) -> list[np.ndarray]:
    """The initial parameters, float32, in PyTorch's layout and order: each
    convolution's weight (out, in, kernel) and bias, then the linear layer's
    weight (dim, channels) and bias. Paddle's Conv1D takes the same layout, its
    Linear the transpose."""
    rng = np.random.default_rng([seed, 0])
    params = []
    for c_in, c_out, k, _, _ in CONVS:
        bound = 1 / np.sqrt(c_in * k)
        params += [rng.uniform(-bound, bound, (c_out, c_in, k)), rng.uniform(-bound, bound, c_out)]
    bound = 1 / np.sqrt(CHANNELS)
    params += [rng.uniform(-bound, bound, (dim, CHANNELS)), rng.uniform(-bound, bound, dim)]
    return [p.astype(np.float32) for p in params]


def torch_encoder(weights: list[np.ndarray]) -> Any:
    """A ``torch.nn.Sequential`` holding ``weights`` (see :func:`init_weights`)."""
    import torch
    from torch import nn

    layers: list[nn.Module] = []
    for c_in, c_out, k, stride, pad in CONVS:
        layers += [nn.Conv1d(c_in, c_out, k, stride=stride, padding=pad), nn.ReLU()]
    net = nn.Sequential(*layers, nn.AdaptiveMaxPool1d(1), nn.Flatten(),
                        nn.Linear(CHANNELS, weights[-1].shape[0]))
    with torch.no_grad():
        for param, value in zip(net.parameters(), weights, strict=True):
            param.copy_(torch.from_numpy(value))
    return net


def paddle_encoder(weights: list[np.ndarray]) -> Any:
    """A ``paddle.nn.Sequential`` holding ``weights`` (the linear weight transposed)."""
    from embedloss import import_paddle

    paddle = import_paddle()
    nn = paddle.nn
    layers = []
    for c_in, c_out, k, stride, pad in CONVS:
        layers += [nn.Conv1D(c_in, c_out, k, stride=stride, padding=pad), nn.ReLU()]
    net = nn.Sequential(*layers, nn.AdaptiveMaxPool1D(1), nn.Flatten(),
                        nn.Linear(CHANNELS, weights[-1].shape[0]))
    values = [*weights[:-2], weights[-2].T.copy(), weights[-1]]
    for param, value in zip(net.parameters(), values, strict=True):
        param.set_value(value)
    return net


def embed(net: Any, x: np.ndarray) -> np.ndarray:
    """Embeddings of ``x`` (NumPy, (n, 1, 40)) by a PyTorch or Paddle encoder, as
    float64 NumPy."""
    import sys

    if "torch" in sys.modules:
        import torch

        if isinstance(net, torch.nn.Module):
            with torch.no_grad():
                return net(torch.from_numpy(np.ascontiguousarray(x))).double().numpy()
    from embedloss import import_paddle

    paddle = import_paddle()
    with paddle.no_grad():
        return net(paddle.to_tensor(x)).numpy().astype(np.float64)
