"""Where test and benchmark networks live (one place for fixture paths).

In benchmarks/ (not tests/) so that benchmarks never import tests: tests import benchmarks.
"""

from __future__ import annotations

from pathlib import Path

import wntr

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
LOCAL_NETWORKS = DATA / "networks"
SHARED_NETWORKS = REPO.parent / "shared" / "networks"
_WNTR = Path(wntr.__file__).resolve().parent
WNTR_LIBRARY = _WNTR / "library" / "networks"
WNTR_TESTING = _WNTR / "tests" / "networks_for_testing"

WNTR_NETWORKS = ["Net1", "Net2", "Net3", "Net6", "ky4", "ky10", "Anytown"]
LOCAL = ["ltown_battledim", "ctown_batadal", "kl", "micropolis_v1"]
SHARED_ONLY = ["bwsn_network2"]


def network_path(name: str) -> Path:
    """Path of a named benchmark network (without ``.inp``).

    Looks in the wntr package, then ``tests/data/networks``, then ``../shared/networks``.
    Raises ``FileNotFoundError`` if it is nowhere.
    """
    for folder in (WNTR_LIBRARY, WNTR_TESTING, LOCAL_NETWORKS, SHARED_NETWORKS):
        p = folder / f"{name}.inp"
        if p.exists():
            return p
    raise FileNotFoundError(f"network {name!r} not found")


def available(names: list[str]) -> list[str]:
    """The subset of ``names`` present on this machine."""
    out = []
    for n in names:
        try:
            network_path(n)
            out.append(n)
        except FileNotFoundError:
            pass
    return out
