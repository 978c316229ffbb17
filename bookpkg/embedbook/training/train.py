"""Training runs in PyTorch and Paddle: the same encoder weights, the same pairs,
Adam, and early stopping on the validation split. Both return a :class:`Run`."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from . import data as _data
from . import losses as _losses
from . import metrics as _metrics
from . import model as _model

#: The step budget of a run.
STEPS = 150
#: Adam's learning rate (both frameworks' defaults otherwise).
LR = 3e-3
#: Validation every so many steps (and before the first).
EVAL_EVERY = 25
#: Stop after this many validations without a better MAP@R; keep the best weights.
PATIENCE = 3


@dataclass
class Run:
    """One training run, in either framework.

    ``losses`` holds the loss of every step taken; ``val_curve`` the validation
    metrics at steps 0, ``EVAL_EVERY``, ... (empty without a validation split);
    ``best_step`` the step whose weights the run kept (the best validation MAP@R,
    or the last step without validation); ``norms`` the mean norm of the
    validation (or training) embeddings at each validation; ``grad_cos`` the largest
    ``|cos|`` between an embedding and the loss's gradient with respect to it at
    the first step (PyTorch only). ``net`` is the trained encoder (with the kept weights), ``last`` a copy of it
    with the weights of the last step taken; neither is recorded.
    """

    framework: str
    loss: str
    seed: int
    margin: float
    hard_negatives: bool
    budget: int
    losses: list[float] = field(default_factory=list)
    val_curve: list[dict[str, float]] = field(default_factory=list)
    norms: list[float] = field(default_factory=list)
    best_step: int = 0
    grad_cos: float | None = None
    seconds: float = 0.0
    net: Any = field(default=None, repr=False, compare=False)
    last: Any = field(default=None, repr=False, compare=False)

    @property
    def steps_run(self) -> int:
        return len(self.losses)

    def record(self) -> dict[str, Any]:
        """The run as a JSON-ready dict, without the encoder."""
        out = asdict(self)  # deep-copies the fields, net included: drop it
        out.pop("net")
        out.pop("last")
        out["steps_run"] = self.steps_run
        return out


class _Stopper:
    """Validation every ``EVAL_EVERY`` steps; remembers the best weights."""

    def __init__(self, run: Run, x_val: np.ndarray, y_val: np.ndarray,
                 state: Any, load: Any) -> None:
        self.run, self.x_val, self.y_val = run, x_val, y_val
        self.state, self.load = state, load
        self.best, self.best_state, self.since = -1.0, None, 0

    def check(self, step: int) -> bool:
        """Validate at ``step``; True when training should stop."""
        if len(self.y_val) == 0:
            return False
        emb = _model.embed(self.run.net, self.x_val)
        self.run.norms.append(float(np.linalg.norm(emb, axis=1).mean()))
        m = _metrics.retrieval_metrics(emb, self.y_val)
        self.run.val_curve.append({"step": step, **m})
        if m["map_at_r"] > self.best:
            self.best, self.best_state, self.since = m["map_at_r"], self.state(), 0
            self.run.best_step = step
        else:
            self.since += 1
        return self.since >= PATIENCE

    def finish(self, step: int) -> None:
        import copy

        self.run.last = self.run.net
        if len(self.y_val) == 0:
            self.run.best_step = step
        elif self.run.best_step != step and self.best_state is not None:
            self.run.last = copy.deepcopy(self.run.net)
            self.load(self.best_state)


def _check_args(loss: str, table: dict[str, Any], margin: float, steps: int) -> None:
    _losses.lookup(table, loss)
    if not isinstance(margin, (int, float)):
        raise TypeError(f"train: `margin` must be a float, but got {type(margin).__name__}. "
                        "Pass a number, e.g. margin=0.5.")
    if steps < 1:
        raise ValueError(f"train: `steps` must be a positive number of steps, but got {steps}.")



def _stopper(run: Run, split: Any, validate: bool, net: Any, load: Callable[[Any], Any]) -> _Stopper:
    """Early stopping on the validation split (on no data when ``validate`` is off),
    checked once before the first step; ``load`` is the framework's state-dict setter."""
    x_val, y_val = (split.x_val, split.y_val) if validate else (split.x_train[:0], split.y_train[:0])
    stopper = _Stopper(run, x_val, y_val,
                       lambda: {k: v.clone() for k, v in net.state_dict().items()}, load)
    stopper.check(0)
    return stopper

def train_torch(loss: str, seed: int, split: _data.Split, *, margin: float,
                steps: int = STEPS, hard: bool = False, validate: bool = True) -> Run:
    """Train the encoder of seed ``seed`` with the loss ``loss`` (a key of
    :data:`~embedbook.training.losses.TORCH_LOSSES`) in PyTorch, on
    ``split``'s training signals, with Adam, for at most ``steps`` steps.

    With ``validate`` (and a validation split), the run is validated every
    :data:`EVAL_EVERY` steps, stops after :data:`PATIENCE` validations without a
    better MAP@R and keeps the best weights. With ``hard``, each anchor's negative
    is the most similar (by cosine, under the current encoder) of
    :data:`~embedbook.training.data.HARD_CANDIDATES` random negatives.
    """
    import torch

    _check_args(loss, _losses.TORCH_LOSSES, margin, steps)
    fn = _losses.TORCH_LOSSES[loss]
    start = time.perf_counter()
    net = _model.torch_encoder(_model.init_weights(seed))
    run = Run("torch", loss, seed, float(margin), hard, steps, net=net)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    xt = torch.from_numpy(split.x_train)
    anchor, positive, negative = _data.sample_steps(
        split.y_train, seed, steps, candidates=_data.HARD_CANDIDATES if hard else 1)
    stopper = _stopper(run, split, validate, net, net.load_state_dict)
    step = 0
    for step in range(steps):
        neg = _hardest(net, xt, anchor[step], negative[step]) if hard else negative[step, :, 0]
        emb = net(xt[np.concatenate([anchor[step], positive[step], neg])])
        emb.retain_grad()
        a, p, n = emb.split(len(neg))
        value = fn(a, p, n, margin)
        opt.zero_grad()
        value.backward()
        if step == 0:
            g, e = emb.grad.double(), emb.detach().double()
            cos = (g * e).sum(1) / (g.norm(dim=1) * e.norm(dim=1) + 1e-300)
            run.grad_cos = float(cos.abs().max())
        run.losses.append(value.item())
        opt.step()
        if (step + 1) % EVAL_EVERY == 0 and stopper.check(step + 1):
            break
    stopper.finish(step + 1)
    run.seconds = time.perf_counter() - start
    return run


def _hardest(net: Any, xt: Any, anchors: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """For each anchor, the candidate negative with the highest cosine to it."""
    import torch

    with torch.no_grad():
        a = torch.nn.functional.normalize(net(xt[anchors]), dim=1)
        c = torch.nn.functional.normalize(net(xt[candidates.ravel()]), dim=1)
        sim = (c.reshape(*candidates.shape, -1) * a[:, None]).sum(-1)
    return candidates[np.arange(len(anchors)), sim.argmax(1).numpy()]


def train_paddle(loss: str, seed: int, split: _data.Split, *, margin: float,
                 steps: int = STEPS, validate: bool = True) -> Run:
    """:func:`train_torch` in Paddle (no mining; the losses of
    :data:`~embedbook.training.losses.PADDLE_LOSSES`), from the same initial
    weights, on the same pairs, with Paddle's Adam and the same stopping rule."""
    from embedloss import import_paddle

    paddle = import_paddle()
    _check_args(loss, _losses.PADDLE_LOSSES, margin, steps)
    fn = _losses.PADDLE_LOSSES[loss]
    start = time.perf_counter()
    net = _model.paddle_encoder(_model.init_weights(seed))
    run = Run("paddle", loss, seed, float(margin), False, steps, net=net)
    opt = paddle.optimizer.Adam(learning_rate=LR, parameters=net.parameters())
    x_train = paddle.to_tensor(split.x_train)
    anchor, positive, negative = _data.sample_steps(split.y_train, seed, steps)
    stopper = _stopper(run, split, validate, net, net.set_state_dict)
    step = 0
    for step in range(steps):
        rows = np.concatenate([anchor[step], positive[step], negative[step, :, 0]])
        emb = net(paddle.gather(x_train, paddle.to_tensor(rows)))
        a, p, n = paddle.split(emb, 3)
        value = fn(a, p, n, margin)
        opt.clear_grad()
        value.backward()
        run.losses.append(value.item())
        opt.step()
        if (step + 1) % EVAL_EVERY == 0 and stopper.check(step + 1):
            break
    stopper.finish(step + 1)
    run.seconds = time.perf_counter() - start
    return run
