"""``python -m planning.leakage ARGS``: forwards to ``python -m planning leakage ARGS``
(:mod:`application.cli`, the one command line)."""

import sys

from application.cli import main

sys.exit(main(["leakage", *sys.argv[1:]]))
