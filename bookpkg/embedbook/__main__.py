"""``python -m embedloss parity [--device cpu|cuda] [--json PATH]``: the parity report."""
from __future__ import annotations

import sys

USAGE = "usage: python -m embedloss parity [--device cpu|cuda] [--json PATH]"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "parity":
        print(f"{USAGE}\nunknown command {argv[0]!r}", file=sys.stderr)
        return 2
    from . import parity

    return parity.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
