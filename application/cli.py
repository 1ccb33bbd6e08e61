"""Command line: ``python -m planning run STUDY.yaml --out DIR`` (also ``check`` and ``kinds``).

Runs a saved study without the app and writes its tables, layers and plots to ``--out``.
Exit status: 0 on success; 2 for a bad or unknown study file, a bad network or registry,
a kind whose planning module has not landed, or bad arguments (argparse).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]



def _input_errors() -> tuple[type[BaseException], ...]:
    import gis
    import models
    from application import KindNotAvailable, ScenarioFileError
    from planning.capacity import RegistryError

    return (ScenarioFileError, models.NetworkInputError, gis.GisInputError, RegistryError,
            KindNotAvailable, FileNotFoundError, KeyError, ValueError)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planning",
        description="Run saved planner studies (scenario files) without the app.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a study file and write its outputs")
    run.add_argument("study", type=Path, help="study file (.yaml), e.g. scenarios/demo/*.yaml")
    run.add_argument("--out", required=True, type=Path, help="output folder (created)")
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    check = sub.add_parser("check", help="check study files without running them")
    check.add_argument("studies", type=Path, nargs="+")
    sub.add_parser("kinds", help="list the study kinds and whether each can run here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    from application import KINDS, load_study, run_study
    from application.files import read_study
    from application.kinds import PARSERS
    from application.placement_files import PARSERS as PLACEMENT

    if args.command == "kinds":
        for kind in KINDS.values():
            state = "runs" if kind.available() else f"file format only ({kind.module} pending)"
            print(f"{kind.name:<26} v{kind.version}  {kind.title}: {state}")
        return 0
    errors = _input_errors()
    if args.command == "check":
        status = 0
        for path in args.studies:
            try:
                study = read_study(path, {**PARSERS, **PLACEMENT})
            except errors as exc:
                print(f"error: {exc}", file=sys.stderr)
                status = 2
            else:
                print(f"ok: {path} ({study.kind} v{study.version})")
        return status
    try:
        study = load_study(args.study)
        written = run_study(study, args.out)
    except errors as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"{study.kind} {study.name!r}: {len(written)} files written to {args.out}")
        for path in written:
            print(f"  {Path(path).name}")
    return 0
