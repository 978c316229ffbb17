"""The book's own package: what its notebooks, pages, scripts and tests share.

Not part of the library. ``embedloss`` (the losses) is installed alone and imports
nothing of this package; this package imports ``embedloss`` and the book's tools
(Jupyter, nbval, matplotlib, scikit-learn). Modules, one concern each:

- :mod:`embedbook.kernel`: a notebook's first cell (``setup()``), version printing;
- :mod:`embedbook.tables`: the one helper for rows that say what a call did
  (``outcome``, ``message``) and for Markdown tables (``markdown_table``);
- :mod:`embedbook.sheet`: snippets run and shown in synchronised tabs (``tabs``): the
  front door, the quick start, the cheat sheet, the page of common errors;
- :mod:`embedbook.provenance`: what produced a notebook's outputs, the executor
  behind ``make notebooks``;
- :mod:`embedbook.emulated`: ``make test``'s nbval pass on an emulated CPU;
- :mod:`embedbook.lint`: cells whose output nbval ignores must assert;
- :mod:`embedbook.toc`: ``_toc.yml``, parsed here only;
- :mod:`embedbook.parity`: the parity report of embedloss and the frameworks;
- :mod:`embedbook.training`: the training study (MNIST-1D), a subpackage.

The command line, ``python -m embedbook COMMAND``, is in :mod:`embedbook.__main__`.
"""
