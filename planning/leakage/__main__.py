"""``python -m planning.leakage ltown-example --out DIR`` (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
