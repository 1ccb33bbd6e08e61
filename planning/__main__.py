"""``python -m planning run STUDY.yaml --out DIR``: forwards to the application layer's one
command line (:mod:`application.cli`)."""

import sys

from application.cli import main

sys.exit(main())
