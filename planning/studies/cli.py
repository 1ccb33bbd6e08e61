"""Command line: ``python -m planning run STUDY.yaml --out DIR`` (also ``check`` and ``kinds``).

Runs a saved study without the app and writes its tables, layers and plots to ``--out``.
Exit status: 0 on success; 2 for a bad or unknown study file, a bad network or registry,
a kind whose planning module has not landed, an ``--out`` folder that already holds files
(``--force`` replaces an earlier run's folder) or bad arguments (argparse); 3 when the run
wrote its files but stopped short (``INCOMPLETE.txt`` and ``"complete": false`` in
``manifest.json`` say why). The run is written to a hidden folder beside ``--out`` and
renamed into place at the end (see :mod:`planning.studies.outdir`). ``--time-limit`` (and
the size limit of shutdown and connection studies) are in :mod:`planning.studies.limits`.
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
    from planning.capacity import RegistryError
    from planning.studies import KindNotAvailable, ScenarioFileError

    return (ScenarioFileError, models.NetworkInputError, gis.GisInputError, RegistryError,
            KindNotAvailable, FileNotFoundError, KeyError, ValueError)


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"a positive number of minutes, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planning",
        description="Run saved planner studies (scenario files) without the app.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a study file and write its outputs")
    run.add_argument("study", type=Path, help="study file (.yaml), e.g. scenarios/demo/*.yaml")
    run.add_argument("--out", required=True, type=Path, help="output folder (created)")
    run.add_argument("--time-limit", type=_minutes, metavar="MIN",
                     help="stop the run after MIN minutes (default $PLANNER_MAX_RUN_MINUTES "
                          "or 60)")
    run.add_argument("--force", action="store_true",
                     help="replace an --out folder an earlier run wrote")
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    check = sub.add_parser("check", help="check study files without running them")
    check.add_argument("studies", type=Path, nargs="+")
    sub.add_parser("kinds", help="list the study kinds and whether each can run here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    from planning.studies import KINDS, load_study, run_study
    from planning.studies.files import read_study
    from planning.studies.kinds import PARSERS
    from planning.studies.placement_files import PARSERS as PLACEMENT

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
    from planning.studies import limits
    from planning.studies.outdir import OutputFolderError, read_manifest, run_folder

    try:
        minutes = args.time_limit or limits.default_minutes()
        study = load_study(args.study)
        limits.show_progress(not args.quiet)
        with limits.time_limit(minutes), \
                run_folder(args.out, force=args.force,
                           meta={"study": study.source, "kind": study.kind}) as folder:
            written = run_study(study, folder)
        manifest = read_manifest(args.out, verify=False)
    except (*errors, OutputFolderError, limits.RunLimitError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the output folder cannot be written (permissions, disk full)
        print(f"error: cannot write the run to {args.out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    return _report(f"{study.kind} {study.name!r}", written, args, manifest)


def _report(what: str, written: Sequence[Path], args, manifest: dict) -> int:
    """Print what a run wrote; the exit status (EXIT_INCOMPLETE when it stopped short)."""
    from planning.studies.outdir import EXIT_INCOMPLETE

    for problem in manifest["problems"]:
        print(f"warning: incomplete run: {problem}", file=sys.stderr)
    if not args.quiet:
        print(f"{what}: {len(written)} files written to {args.out}")
        for path in written:
            print(f"  {Path(path).name}")
    return 0 if manifest["complete"] else EXIT_INCOMPLETE
