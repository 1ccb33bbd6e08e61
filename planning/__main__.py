"""``python -m planning run STUDY.yaml --out DIR``: run a saved study headless (see cli.py)."""

import sys

from planning.studies.cli import main

sys.exit(main())
