"""``python -m embedbook COMMAND ...``: the book's harness on the command line.

The Makefile's targets call these.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: python -m embedbook COMMAND ...
  execute NOTEBOOK...           re-execute, store outputs, record provenance
  emulated [--after FILE] [PYTEST ARGS] NB...
                                nbval in a kernel on an emulated CPU (QEMU);
                                --after: start its server now, pytest once FILE exists
  ignored NOTEBOOK...           list the cells whose output nbval ignores
  toc                           the notebooks of _toc.yml, one a line
  parity [--device cpu|cuda] [--json PATH]   the parity report
  edition build|catalogs LANGUAGE   build an edition, or refresh its catalogs"""


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "execute" and args:
        from .provenance import execute

        execute(args)
        return 0
    if command == "emulated" and args:
        from .emulated import emulated

        if args[0] == "--after" and len(args) > 2:
            return emulated(args[2:], after=args[1])
        return emulated(args)
    if command == "ignored" and args:
        from .lint import list_ignored

        return list_ignored(args)
    if command == "toc":
        from .toc import toc_notebooks

        print("\n".join(toc_notebooks()))
        return 0
    if command == "edition":
        from .edition import main as edition

        return edition(args)
    if command == "parity":
        from . import parity

        return parity.main(args)
    print(USAGE, file=sys.stderr if command not in ("-h", "--help") else sys.stdout)
    return 0 if command in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
