"""Where study files live: the shipped demo and the folder the app saves to.

Exports :data:`SCENARIOS_DIR`, :data:`DEMO_DIR`, :data:`DEMO_NETWORK`,
:data:`DEMO_PLACEMENT`, :func:`studies_dir`, :func:`study_files` and :func:`study_file_name`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
"""The project's ``scenarios/`` folder."""
DEMO_DIR = SCENARIOS_DIR / "demo"
"""The demo: C-Town (CC BY 4.0) placed in Kunming, with example studies."""
DEMO_NETWORK = DEMO_DIR / "ctown_batadal.inp"
"""The demo network."""
DEMO_PLACEMENT = DEMO_DIR / "placement.yaml"
"""Where the demo network sits (EPSG:4543)."""
STUDIES_ENV = "PLANNER_STUDIES_DIR"
"""Environment variable that moves the folder the app saves studies to (tests use it)."""


def studies_dir() -> Path:
    """Folder the app saves studies to: ``$PLANNER_STUDIES_DIR`` or ``scenarios/studies``."""
    return Path(os.environ.get(STUDIES_ENV) or SCENARIOS_DIR / "studies")


def study_files() -> list[Path]:
    """Study files offered for loading: the demo examples and the saved studies, by name."""
    files: list[Path] = []
    for folder in (DEMO_DIR, studies_dir()):
        if folder.is_dir():
            files += sorted(p for p in folder.glob("*.yaml") if p.name != DEMO_PLACEMENT.name)
    return files


def study_file_name(name: str, kind: str) -> str:
    """A safe file name for a study: ``<kind>-<name as a slug>.yaml``."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).strip("-").lower()[:60]
    return f"{kind}-{slug or 'study'}.yaml"
