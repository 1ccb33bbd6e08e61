"""``python -m planning.capacity --out DIR``: write the demo review (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
