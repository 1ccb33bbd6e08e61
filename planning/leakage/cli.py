"""Command line of ``planning.leakage``.

``python -m planning.leakage ltown-example --out DIR [--months 1-12] [--sample-days N]
[--chunk-days 7] [--quiet]``
    Simulate L-Town with the BattLeDIM 2019 leaks (see :mod:`planning.leakage.ltown`) and
    write ``ltown_monthly_leakage.csv``, ``ltown_leakage_by_area.csv`` and
    ``ltown_monthly_leakage.png`` (each atomically). About 1-2 minutes for the year.

``python -m planning.leakage assess SETTINGS.yaml [--out DIR]``
    CJJ 92-2016 rates of a ``leakage_settings`` file (e.g.
    ``scenarios/demo/leakage_settings.yaml``); prints them, and writes
    ``leakage_assessment.csv`` with ``--out``.

Exit status 0 on success, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import LeakageInputError

__all__ = ["main"]


def _months(text: str) -> list[int]:
    try:
        first, _, last = text.partition("-")
        lo, hi = int(first), int(last or first)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"months as FIRST-LAST, got {text!r}") from exc
    if not 1 <= lo <= hi <= 12:
        raise argparse.ArgumentTypeError(f"months within 1-12, got {text!r}")
    return list(range(lo, hi + 1))


def _ltown(args) -> int:
    import models

    from .ltown import ltown_monthly, read_battledim_leaks
    from .output import write_ltown_example

    net = models.load_network(args.network)
    leaks = read_battledim_leaks(args.leaks)
    say = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    example = ltown_monthly(net, leaks, months=args.months, chunk_days=args.chunk_days,
                            sample_days=args.sample_days, progress=say)
    written = write_ltown_example(example, args.out)
    if not args.quiet:
        shown = example.monthly[["supplied_m3", "registered_m3", "leakage_m3",
                                 "gross_loss_rate_pct", "leaks_active"]]
        print(shown.to_string(float_format=lambda v: f"{v:,.1f}"))
        for note in example.notes:
            print(f"note: {note}")
        print(f"{len(written)} files written to {args.out}")
    return 0


def _assess(args) -> int:
    import yaml

    from .cjj92 import assess_settings
    from .output import write_assessment

    body = yaml.safe_load(Path(args.settings).read_text(encoding="utf-8")) or {}
    if not isinstance(body, dict):
        raise LeakageInputError("is not a mapping of fields", source=str(args.settings))
    result = assess_settings(body)
    if args.out:
        write_assessment(result, args.out)
    if not args.quiet:
        print(result.to_series().to_string())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    from .ltown import LTOWN_LEAKS, LTOWN_NETWORK

    parser = argparse.ArgumentParser(prog="python -m planning.leakage",
                                     description="Leakage studies (plan §14, §16).")
    sub = parser.add_subparsers(dest="command", required=True)
    lt = sub.add_parser("ltown-example", help="L-Town 2019 leaks: leakage and rate by month")
    lt.add_argument("--out", required=True, type=Path, help="output folder (created)")
    lt.add_argument("--network", type=Path, default=LTOWN_NETWORK, help="L-Town INP")
    lt.add_argument("--leaks", type=Path, default=LTOWN_LEAKS, help="BattLeDIM leak list")
    lt.add_argument("--months", type=_months, default=list(range(1, 13)),
                    help="months to simulate, FIRST-LAST (default 1-12)")
    lt.add_argument("--chunk-days", type=int, default=7,
                    help="longest run, days; incipient leak areas are stepped per run")
    lt.add_argument("--sample-days", type=int, default=None,
                    help="simulate only N days per month and scale (quick look)")
    lt.add_argument("--quiet", action="store_true", help="print nothing on success")
    asm = sub.add_parser("assess", help="CJJ 92-2016 rates of a leakage_settings file")
    asm.add_argument("settings", type=Path, help="leakage_settings YAML file")
    asm.add_argument("--out", type=Path, help="write leakage_assessment.csv here")
    asm.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        return _ltown(args) if args.command == "ltown-example" else _assess(args)
    except (LeakageInputError, FileNotFoundError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
