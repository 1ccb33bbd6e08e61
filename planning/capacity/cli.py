"""Command line: ``python -m planning.capacity --out DIR [--data DIR] [--whatif FILE] [--swmm]``.

Writes the review of the demo registry (or ``--data``) to ``--out``: the gap table (CSV),
indicator tables and trajectory plots (PNG), and the trunk-sewer check when the data folder
has a trunk. Exit status 0 on success, 2 on a bad registry,
what-if or argument.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .registry import load_registry
from .schema import RegistryError
from .trunk import load_trunk
from .whatif import load_whatif

__all__ = ["DEMO_DATA", "main"]

#: The Kunming demo registry shipped with the project.
DEMO_DATA = Path(__file__).resolve().parents[2] / "scenarios" / "capacity"


def _years(text: str) -> range:
    try:
        first, _, last = text.partition("-")
        start, stop = int(first), int(last or first)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"years as FIRST-LAST, got {text!r}") from exc
    if stop < start:
        raise argparse.ArgumentTypeError(f"years as FIRST-LAST, got {text!r}")
    return range(start, stop + 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    from planning.studies.outdir import run_folder

    from .output import write_review

    parser = argparse.ArgumentParser(
        prog="python -m planning.capacity",
        description="2025 wastewater and reclaimed-water capacity review: gap table and plots.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    parser.add_argument("--data", type=Path, default=DEMO_DATA,
                        help="registry folder (default: the Kunming demo, %(default)s)")
    parser.add_argument("--whatif", type=Path, help="what-if JSON file (see docs/capacity.md)")
    parser.add_argument("--years", type=_years, default=range(2020, 2031),
                        help="years to report, FIRST-LAST (default 2020-2030)")
    parser.add_argument("--swmm", action="store_true",
                        help="also run the trunk-sewer check through EPA SWMM 5 (needs pyswmm)")
    parser.add_argument("--force", action="store_true",
                        help="replace an --out folder an earlier run wrote")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)

    try:
        registry = load_registry(args.data)
        whatif = load_whatif(args.whatif) if args.whatif else None
        has_trunk = any((args.data / f"trunk_nodes{ext}").exists() for ext in (".csv", ".gpkg"))
        trunk = load_trunk(args.data) if has_trunk else None
        if args.swmm and trunk is None:
            raise ValueError(f"--swmm: no trunk_nodes/trunk_conduits in {args.data}")
        with run_folder(args.out, force=args.force, meta={"kind": "capacity_review"}) as tmp:
            written = write_review(registry, tmp, whatif=whatif, years=args.years,
                                   trunk=trunk, swmm=args.swmm)
    except (RegistryError, FileNotFoundError, KeyError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2  # OutputFolderError is a ValueError: --out holds an older run
    if not args.quiet:
        _print_gaps(args.out / "gap_table.csv")
        print(f"{len(written)} files written to {args.out}")
    return 0


def _show(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "no data"
    if unit == "fraction":
        return f"{100 * value:.1f} %"
    if unit == "m3_per_d":
        return f"{value:,.0f} m³/d"
    return f"{value:,.1f} {unit}"


def _print_gaps(path: Path) -> None:
    import pandas as pd

    gaps = pd.read_csv(path, keep_default_na=False, na_values=[""])
    width = max(len(label) for label in gaps["label"])
    for _, g in gaps.iterrows():
        mark = " *" if g["illustrative"] else ""
        print(f"{g['label']:<{width}}  target {_show(g['target'], g['unit']):>13}  "
              f"projected {_show(g['projected'], g['unit']):>13}  {g['status']}{mark}")
    if gaps["illustrative"].any():
        print("* uses illustrative (invented) demo rows; see the illustrative column")
