"""MNIST-1D, generated offline, split three ways, and the pairs each step trains on.

MNIST-1D (Greydanus, 2020) is built procedurally from ten 1-D templates of the
digits, with random padding, translation, shear, scaling and noise:
``mnist1d.data.make_dataset`` generates its 5,000 signals of length 40 (4,000 to
train, 1,000 to test) offline in about two seconds and writes nothing. (Its
``get_dataset`` tries a download first and writes a pickle into the working
directory: not used here.)
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

#: The generator's seed (the package's default): the data set is the published one.
DATA_SEED = 42
#: How many of the 4,000 training signals are held out as the validation split.
VALIDATION = 1000
#: Anchors per step; each gets one positive and one negative.
BATCH = 32
#: Random negatives from which hard-negative mining picks the hardest.
HARD_CANDIDATES = 8
#: The class-disjoint check (Musgrave et al. 2020): train on these digits, retrieve
#: the others.
SEEN_CLASSES = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Split:
    """Signals as float32 arrays of shape (n, 1, 40) (one channel), labels int64.

    ``train`` trains; ``val`` (held out from the generator's training signals)
    chooses margins and stopping points; ``test`` (the generator's own test split)
    is evaluated once, with the choices made."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def make(seed: int = DATA_SEED, num_samples: int = 5000) -> dict[str, np.ndarray]:
    """``mnist1d.data.make_dataset`` with the default arguments, ``seed`` and
    ``num_samples``, without its side effects on the caller: it reseeds Python's
    ``random`` and NumPy's global generator, whose states are restored here.
    Returns its dict (``x``, ``y``, ``x_test``, ``y_test``, float64 and int)."""
    if not isinstance(seed, int) or not isinstance(num_samples, int) or num_samples < 10:
        raise ValueError(f"make: `seed` and `num_samples` must be integers, num_samples >= 10, "
                         f"but got seed={seed!r}, num_samples={num_samples!r}. "
                         "Pass e.g. make(0, 4000).")
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed, args.num_samples = seed, num_samples
    states = random.getstate(), np.random.get_state()
    try:
        return make_dataset(args)
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])


def load(seed: int = DATA_SEED) -> Split:
    """The three splits: the generator's 4,000 training signals less the last
    :data:`VALIDATION` (train), those last ones (validation; the generator shuffles
    before splitting, so they are a random subset), and its 1,000 test signals."""
    data = make(seed)
    x = data["x"].astype(np.float32)[:, None, :]
    y = data["y"].astype(np.int64)
    cut = len(y) - VALIDATION
    return Split(x[:cut], y[:cut], x[cut:], y[cut:],
                 data["x_test"].astype(np.float32)[:, None, :],
                 data["y_test"].astype(np.int64))


def class_disjoint(split: Split) -> Split:
    """The open-set variant: train on the training and validation signals of
    :data:`SEEN_CLASSES`, test on the test signals of the other digits (no
    validation split: the arrays are empty)."""
    x = np.concatenate([split.x_train, split.x_val])
    y = np.concatenate([split.y_train, split.y_val])
    seen, unseen = np.isin(y, SEEN_CLASSES), ~np.isin(split.y_test, SEEN_CLASSES)
    return Split(x[seen], y[seen], x[:0], y[:0], split.x_test[unseen], split.y_test[unseen])


def sample_steps(y: np.ndarray, seed: int, steps: int, batch: int = BATCH,
                 candidates: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The training order, drawn once in NumPy so that both frameworks see it.

    Returns int arrays ``anchor, positive`` of shape (steps, batch) and ``negative``
    of shape (steps, batch, candidates): indices into ``y``, positives of the
    anchor's class (never the anchor itself), negatives of any other class. The
    first k steps do not depend on how many follow.
    """
    if steps < 1 or batch < 1 or candidates < 1:
        raise ValueError(f"sample_steps: `steps`, `batch` and `candidates` must be >= 1, but got "
                         f"steps={steps}, batch={batch}, candidates={candidates}.")
    y = np.asarray(y)
    rng = np.random.default_rng([seed, 1])
    # The signals sorted by class: class c occupies order[start[c]:start[c] + count[c]].
    order = np.argsort(y, kind="stable")
    classes, start, count = np.unique(y[order], return_index=True, return_counts=True)
    if len(classes) < 2 or count.min() < 2:
        sizes = dict(zip(classes.tolist(), count.tolist()))
        raise ValueError(f"sample_steps: `y` must hold two classes or more, each with two members "
                         f"or more, but got class sizes {sizes}. Pass a larger split.")
    slot = np.empty(len(y), dtype=np.int64)  # each signal's place within its class
    slot[order] = np.arange(len(y)) - np.repeat(start, count)
    cls = np.searchsorted(classes, y)
    anchor = np.empty((steps, batch), dtype=np.int64)
    positive = np.empty_like(anchor)
    negative = np.empty((steps, batch, candidates), dtype=np.int64)
    for step in range(steps):  # step by step: the first k steps never depend on how many follow
        a = rng.integers(len(y), size=batch)
        c = cls[a]
        j = rng.integers(count[c] - 1)  # any other member of the anchor's class
        positive[step] = order[start[c] + j + (j >= slot[a])]
        k = rng.integers((len(y) - count[c])[:, None], size=(batch, candidates))
        negative[step] = order[k + (k >= start[c][:, None]) * count[c][:, None]]  # skip the class
        anchor[step] = a
    return anchor, positive, negative
