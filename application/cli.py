"""The one command line: ``python -m planning run STUDY.yaml --out DIR`` and friends.

Commands::

    python -m planning run STUDY.yaml --out DIR [--time-limit MIN] [--force] [--quiet]
                                                              # run a saved study headless
    python -m planning check STUDY.yaml ...                   # check study files only
    python -m planning kinds                                  # the study kinds
    python -m planning capacity --out DIR [--data DIR] [--whatif FILE] [--years 2020-2030]
                                [--swmm] [--force] [--quiet]  # 2025 capacity review
    python -m planning leakage ltown-example --out DIR [--months 1-12] [--sample-days N]
                                [--chunk-days 7] [--leaks FILE] [--network FILE] [--force]
                                [--quiet]
    python -m planning leakage assess SETTINGS.yaml [--out DIR] [--force] [--quiet]
    python -m planning ledger file|assess|approve|reject|connect|withdraw|steps|clock|export
                                LEDGER ... [--who NAME] [--at TIME]   # application.ledger_cli

``python -m planning.capacity ARGS`` and ``python -m planning.leakage ARGS`` forward here
(``capacity ARGS``, ``leakage ARGS``). Exit status: 0 on success; 2 for bad input of any
kind (a :class:`models.PlannerError`: study file, network, registry, GIS or leakage input;
a missing file; bad arguments), an ``--out`` folder that already holds files (``--force``
replaces an earlier run's folder), an ``--out`` that cannot be written, or a run over a size
or time limit; 3 when a study run wrote its files but stopped short (``INCOMPLETE.txt`` and
``"complete": false`` in ``manifest.json`` say why). Every run is written to a hidden
folder beside ``--out`` and renamed into place at the end, with a ``manifest.json``
(:mod:`application.outdir`). ``--time-limit`` (and the size limit of shutdown and
connection studies) are in :mod:`application.limits`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from models import PlannerError

__all__ = ["main"]

INPUT_ERRORS = (PlannerError, FileNotFoundError, KeyError, ValueError)
"""What a bad input raises: reported in one line, exit status 2."""


def _span(what: str, low: int, high: int):
    """An argparse type reading FIRST-LAST (or one value) within ``low``-``high``."""
    def parse(text: str) -> range:
        try:
            first, _, last = text.partition("-")
            start, stop = int(first), int(last or first)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{what} as FIRST-LAST, got {text!r}") from exc
        if not low <= start <= stop <= high:
            raise argparse.ArgumentTypeError(f"{what} as FIRST-LAST, got {text!r}")
        return range(start, stop + 1)
    return parse


def _minutes(text: str) -> float:
    """An argparse type: a positive, finite number of minutes."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"a positive number of minutes, got {text!r}")
    return value


def _force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="replace an --out folder an earlier run wrote")


def _parser() -> argparse.ArgumentParser:
    from application.capacity_whatif import DEMO_REGISTRY
    from planning.leakage import LTOWN_LEAKS, LTOWN_NETWORK

    parser = argparse.ArgumentParser(
        prog="python -m planning",
        description="Run saved planner studies (scenario files) and reviews without the app.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a study file and write its outputs")
    run.add_argument("study", type=Path, help="study file (.yaml), e.g. scenarios/demo/*.yaml")
    run.add_argument("--out", required=True, type=Path, help="output folder (created)")
    run.add_argument("--time-limit", type=_minutes, metavar="MIN",
                     help="stop the run after MIN minutes (default $PLANNER_MAX_RUN_MINUTES "
                          "or 60)")
    _force(run)
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    check = sub.add_parser("check", help="check study files without running them")
    check.add_argument("studies", type=Path, nargs="+")
    sub.add_parser("kinds", help="list the study kinds")

    cap = sub.add_parser("capacity", help="2025 wastewater and reclaimed-water capacity "
                         "review: gap table and plots")
    cap.add_argument("--out", required=True, type=Path, help="output folder (created)")
    cap.add_argument("--data", type=Path, default=DEMO_REGISTRY,
                     help="registry folder (default: the Kunming demo, %(default)s)")
    cap.add_argument("--whatif", type=Path,
                     help="what-if: JSON or capacity_whatif study (see docs/capacity.md)")
    cap.add_argument("--years", type=_span("years", 1900, 2100), default=range(2020, 2031),
                     help="years to report, FIRST-LAST (default 2020-2030)")
    cap.add_argument("--swmm", action="store_true",
                     help="also run the trunk-sewer check through EPA SWMM 5 (needs pyswmm)")
    _force(cap)
    cap.add_argument("--quiet", action="store_true", help="print nothing on success")

    leak = sub.add_parser("leakage", help="leakage studies (plan §14, §16)")
    lsub = leak.add_subparsers(dest="leakage_command", required=True)
    lt = lsub.add_parser("ltown-example", help="L-Town 2019 leaks: leakage and rate by month")
    lt.add_argument("--out", required=True, type=Path, help="output folder (created)")
    lt.add_argument("--network", type=Path, default=LTOWN_NETWORK, help="L-Town INP")
    lt.add_argument("--leaks", type=Path, default=LTOWN_LEAKS, help="BattLeDIM leak list")
    lt.add_argument("--months", type=_span("months", 1, 12), default=range(1, 13),
                    help="months to simulate, FIRST-LAST (default 1-12)")
    lt.add_argument("--chunk-days", type=int, default=7,
                    help="longest run, days; incipient leak areas are stepped per run")
    lt.add_argument("--sample-days", type=int, default=None,
                    help="simulate only N days per month and scale (quick look)")
    _force(lt)
    lt.add_argument("--quiet", action="store_true", help="print nothing on success")
    asm = lsub.add_parser("assess", help="CJJ 92-2016 rates of a leakage_settings file")
    asm.add_argument("settings", type=Path, help="leakage_settings YAML file")
    asm.add_argument("--out", type=Path, help="write leakage_assessment.csv here")
    _force(asm)
    asm.add_argument("--quiet", action="store_true", help="print nothing on success")

    from application.ledger_cli import add_parser as add_ledger

    add_ledger(sub)
    return parser


def _run(args) -> int:
    from application import limits
    from application.kinds import load_study, run_study
    from application.outdir import EXIT_INCOMPLETE, read_manifest, run_folder

    minutes = args.time_limit or limits.default_minutes()
    study = load_study(args.study)
    limits.show_progress(not args.quiet)
    with limits.time_limit(minutes), \
            run_folder(args.out, force=args.force,
                       meta={"study": study.source, "kind": study.kind}) as folder:
        written = run_study(study, folder)
    manifest = read_manifest(args.out, verify=False)
    for problem in manifest["problems"]:
        print(f"warning: incomplete run: {problem}", file=sys.stderr)
    if not args.quiet:
        print(f"{study.kind} {study.name!r}: {len(written)} files written to {args.out}")
        for path in written:
            print(f"  {Path(path).name}")
    return 0 if manifest["complete"] else EXIT_INCOMPLETE


def _check(args) -> int:
    from application.files import read_study
    from application.kinds import PARSERS
    from application.placement_files import PARSERS as PLACEMENT

    status = 0
    for path in args.studies:
        try:
            study = read_study(path, {**PARSERS, **PLACEMENT})
        except INPUT_ERRORS as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 2
        else:
            print(f"ok: {path} ({study.kind} v{study.version})")
    return status


def _kinds(args) -> int:
    from application.kinds import KINDS

    for kind in KINDS.values():
        print(f"{kind.name:<26} v{kind.version}  {kind.title}")
    return 0


def _capacity(args) -> int:
    from application.capacity_review import write_review
    from application.capacity_whatif import read_whatif, trunk_of
    from application.outdir import run_folder
    from planning.capacity import load_registry

    registry = load_registry(args.data)
    whatif = read_whatif(args.whatif) if args.whatif else None
    trunk = trunk_of(Path(args.data))
    if args.swmm and trunk is None:
        raise ValueError(f"--swmm: no trunk_nodes/trunk_conduits in {args.data}")
    with run_folder(args.out, force=args.force, meta={"kind": "capacity_review"}) as tmp:
        written = write_review(registry, tmp, whatif=whatif, years=args.years,
                               trunk=trunk, swmm=args.swmm)
    if not args.quiet:
        _print_gaps(args.out / "gap_table.csv")
        print(f"{len(written)} files written to {args.out}")
    return 0


def _print_gaps(path: Path) -> None:
    import pandas as pd

    from application.capacity_whatif import show_value

    gaps = pd.read_csv(path, keep_default_na=False, na_values=[""])
    width = max(len(label) for label in gaps["label"])
    for _, g in gaps.iterrows():
        mark = " *" if g["illustrative"] else ""
        print(f"{g['label']:<{width}}  target {show_value(g['target'], g['unit']):>13}  "
              f"projected {show_value(g['projected'], g['unit']):>13}  {g['status']}{mark}")
    if gaps["illustrative"].any():
        print("* uses illustrative (invented) demo rows; see the illustrative column")


def _leakage(args) -> int:
    return _ltown(args) if args.leakage_command == "ltown-example" else _assess(args)


def _ltown(args) -> int:
    import models
    from application.leakage_files import write_ltown_example
    from application.outdir import run_folder
    from planning.leakage import ltown_monthly, read_battledim_leaks

    net = models.load_network(args.network)
    leaks = read_battledim_leaks(args.leaks)
    say = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    example = ltown_monthly(net, leaks, months=list(args.months), chunk_days=args.chunk_days,
                            sample_days=args.sample_days, progress=say)
    with run_folder(args.out, force=args.force, meta={"kind": "ltown_example"}) as tmp:
        written = write_ltown_example(example, tmp)
    if not args.quiet:
        shown = example.monthly[["supplied_m3", "registered_m3", "leakage_m3",
                                 "gross_loss_rate_pct", "leaks_active"]]
        print(shown.to_string(float_format=lambda v: f"{v:,.1f}"))
        for note in example.notes:
            print(f"note: {note}")
        print(f"{len(written)} files written to {args.out}")
    return 0


def _assess(args) -> int:
    """The reported part of a ``leakage_settings`` study, read and checked like ``run``."""
    from application.files import ScenarioFileError
    from application.kinds import load_study
    from application.leakage_files import write_assessment
    from application.leakage_study import reported_assessment

    study = load_study(args.settings, "leakage_settings")
    result = reported_assessment(study.body, study.source)
    if result is None:
        raise ScenarioFileError(study.source, "supplied_m3",
                                "missing: no reported figures (supplied_m3, registered_m3)")
    if args.out:
        from application.outdir import run_folder

        with run_folder(args.out, force=args.force, meta={"kind": "cjj92_assessment"}) as tmp:
            write_assessment(result, tmp)
    if not args.quiet:
        print(result.to_series().to_string())
    return 0


def _ledger(args) -> int:
    from application.ledger_cli import run

    return run(args)


_COMMANDS = {"run": _run, "check": _check, "kinds": _kinds, "capacity": _capacity,
             "leakage": _leakage, "ledger": _ledger}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except INPUT_ERRORS as exc:  # PlannerError: also --out holding an older run, a limit
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the output folder cannot be written (permissions, disk full)
        out = getattr(args, "out", None)
        where = f"cannot write the run to {out}: " if out else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
