"""The training study of the chapter "The losses at work": embeddings of MNIST-1D
learnt with pair and triplet losses, in PyTorch and Paddle.

The script ``tools/training_study.py`` runs all of it (:func:`study.study`) and
writes ``book/data/training_study.json``; the chapter renders that record and
re-runs a slice live. Modules, one concern each:

- :mod:`~embedbook.training.data`: MNIST-1D generated offline, the train /
  validation / test split, the pair sampler;
- :mod:`~embedbook.training.model`: the 1-D CNN, its weights drawn in NumPy;
- :mod:`~embedbook.training.losses`: the losses, as tables ``{name: function}``;
- :mod:`~embedbook.training.train`: training with early stopping, in both
  frameworks, returning one :class:`~embedbook.training.train.Run`;
- :mod:`~embedbook.training.metrics`: P@1, MAP@R, baselines, summaries;
- :mod:`~embedbook.training.distributed`: one step on two processes (DDP, Paddle
  DataParallel, gloo on 127.0.0.1);
- :mod:`~embedbook.training.loop_torch`, :mod:`~embedbook.training.loop_paddle`:
  the short loops the chapter shows, self-contained;
- :mod:`~embedbook.training.study`: the whole study.
"""
