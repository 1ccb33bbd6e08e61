"""``python -m planning.capacity ARGS``: forwards to ``python -m planning capacity ARGS``
(:mod:`application.cli`, the one command line)."""

import sys

from application.cli import main

sys.exit(main(["capacity", *sys.argv[1:]]))
