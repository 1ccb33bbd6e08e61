"""``python -m planning ledger ...``: the connection ledger from the command line.

Commands (each step records ``--who``, the operating-system user by default, and ``--at``,
now by default)::

    python -m planning ledger file LEDGER (--csv FILE | --set KEY=VALUE ...) [--network INP
                                   [--placement YAML]] [--who NAME] [--at TIME]
    python -m planning ledger assess LEDGER [ID ...] (--network INP [--placement YAML]
                                   | --verdict pass|"pass with conditions"|fail)
    python -m planning ledger approve|reject|connect|withdraw LEDGER ID [ID ...] [--note TEXT]
                                   [--force]   (approve only: over a failed assessment)
    python -m planning ledger steps LEDGER --csv FILE     # a batch of steps, all or none
    python -m planning ledger clock LEDGER [--year YYYY] [policy options]
    python -m planning ledger export LEDGER --out DIR [--xlsx] [policy options]

Policy options (the plan's missing numbers are parameters): ``--days-350-without N``,
``--days-350-with M``, ``--fast-track-days D``, ``--median-target-days 0.5``. A batch
with a bad row stores nothing and prints every bad row (row, field, message); exit status 2.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path

from application.i18n import _

STEP_COMMANDS = ("approve", "reject", "connect", "withdraw")


def _default_who() -> str:
    try:
        return os.environ.get("PLANNER_USER") or getpass.getuser()
    except (KeyError, OSError):
        return ""


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("a date-time as YYYY-MM-DD HH:MM, got {text!r}").format(text=text)) from None


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(_("KEY=VALUE, got {text!r}").format(text=text))
    return key.strip(), value.strip()


def add_parser(sub) -> None:
    """Add the ``ledger`` command and its subcommands to the CLI's subparsers."""
    led = sub.add_parser("ledger", help=_("the connection ledger: file, assess, approve or "
                                          "reject, connect; the clock; export"))
    lsub = led.add_subparsers(dest="ledger_command", required=True)

    def common(p, ids: bool = False):
        p.add_argument("ledger", type=Path, help=_("ledger file (.sqlite; created by file)"))
        if ids:
            p.add_argument("ids", nargs="*", help=_("application ids"))
        p.add_argument("--who", default=_default_who(),
                       help=_("who makes this step (default: %(default)s)"))
        p.add_argument("--at", type=_time, help=_("when, YYYY-MM-DD HH:MM (default: now)"))
        p.add_argument("--note", default="", help=_("a note kept with the step"))
        p.add_argument("--quiet", action="store_true", help=_("print nothing on success"))

    def network(p):
        p.add_argument("--network", type=Path, help=_("network (.inp or .gpkg) to check or "
                                                      "assess against"))
        p.add_argument("--placement", type=Path, help=_("placement file of the network"))

    def policy(p):
        p.add_argument("--days-350-without", type=int, default=None,
                       help=_('"350" service without external line, working days (N: '
                              'missing from the plan text)'))
        p.add_argument("--days-350-with", type=int, default=None,
                       help=_('"350" service with external line, working days (M: missing '
                              'from the plan text)'))
        p.add_argument("--fast-track-days", type=int, default=None,
                       help=_('"11000" working days (default 1)'))
        p.add_argument("--median-target-days", type=float, default=None,
                       help=_("business users' annual median target, working days "
                              "(default 0.5)"))

    f = lsub.add_parser("file", help=_("file one application (--set) or a CSV batch (--csv)"))
    common(f)
    network(f)
    f.add_argument("--csv", type=Path, help=_("CSV of applications (columns: the "
                                              "application fields, filed_at, who)"))
    f.add_argument("--set", type=_pair, action="append", default=[], metavar="KEY=VALUE",
                   help=_("one field of a single application (application_id=A-1 node=J10 "
                          "demand_l_s=1.5 ...)"))
    a = lsub.add_parser("assess", help=_("assess filed applications and record it"))
    common(a, ids=True)
    network(a)
    policy(a)
    a.add_argument("--verdict", choices=("pass", "pass with conditions", "fail"),
                   help=_("record a verdict reached elsewhere (no network run)"))
    for name in STEP_COMMANDS:
        s = lsub.add_parser(name, help=_("{step} applications (one transaction)").format(
            step=name))
        common(s, ids=True)
        if name == "approve":
            s.add_argument("--force", action="store_true",
                           help=_("approve over a failed assessment (recorded)"))
    st = lsub.add_parser("steps", help=_("record a CSV of steps (all or none)"))
    common(st)
    st.add_argument("--csv", type=Path, required=True,
                    help=_("CSV: application_id, step, at, who, note, verdict"))
    c = lsub.add_parser("clock", help=_("the connection clock and the annual median"))
    common(c)
    policy(c)
    c.add_argument("--year", type=int, help=_("only applications connected in this year"))
    e = lsub.add_parser("export", help=_("write the ledger, its events, the clock and the "
                                         "median as CSV (and XLSX)"))
    common(e)
    policy(e)
    e.add_argument("--out", type=Path, required=True, help=_("output folder (created)"))
    e.add_argument("--xlsx", action="store_true", help=_("also write ledger.xlsx"))


def _policy(args):
    from planning.connections import Policy

    kw = {}
    for arg, field in (("days_350_without", "days_350_without_external_line"),
                       ("days_350_with", "days_350_with_external_line"),
                       ("fast_track_days", "fast_track_days"),
                       ("median_target_days", "median_target_days")):
        if getattr(args, arg, None) is not None:
            kw[field] = getattr(args, arg)
    return Policy(**kw)


def _study(args, ledger, policy=None):
    """A ConnectionStudy on ``--network`` (None without one)."""
    if args.network is None:
        return None
    from application.connection_study import connection_study
    from application.network_run import open_network
    from application.placement_files import read_placement

    opened = open_network(args.network)
    if args.placement is not None:
        from dataclasses import replace

        opened = replace(opened, placement=read_placement(args.placement, opened.net))
    return connection_study(opened, policy, ledger)


def _say(args, line: str) -> None:
    if not args.quiet:
        print(line)


def run(args) -> int:
    """Run a ``ledger`` subcommand; returns the exit status (2 for bad input)."""
    from application.connection_ledger import open_ledger_file
    from planning.connections import LedgerBatchError

    cmd = args.ledger_command
    ledger = open_ledger_file(args.ledger, create=cmd == "file")
    try:
        return _COMMANDS[cmd](args, ledger)
    except LedgerBatchError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        print(exc.errors.to_string(index=False), file=sys.stderr)
        return 2
    finally:
        ledger.close()


def _file(args, ledger) -> int:
    from application.connection_ledger import file_csv, file_one

    if (args.csv is None) == (not args.set):
        raise ValueError(_("give either --csv FILE or --set KEY=VALUE fields"))
    study = _study(args, ledger)
    if args.csv is not None:
        ids = file_csv(ledger, args.csv, who=args.who, check=study, at=args.at)
    else:
        ids = [file_one(ledger, dict(args.set), who=args.who, at=args.at, check=study)]
    _say(args, _("filed {n}: {ids}").format(n=len(ids), ids=", ".join(ids)))
    return 0


def _assess(args, ledger) -> int:
    from application.connection_ledger import assess_pending, step_many

    ids = args.ids or None
    if args.verdict is not None:
        if not ids:
            raise ValueError(_("--verdict needs the application ids"))
        n = step_many(ledger, "assess", ids, who=args.who, at=args.at, note=args.note,
                      verdict=args.verdict)
        _say(args, _("assessed {n}: {verdict}").format(n=n, verdict=args.verdict))
        return 0
    study = _study(args, ledger, _policy(args))
    if study is None:
        raise ValueError(_("assess needs --network (or --verdict)"))
    table = assess_pending(ledger, study, ids, who=args.who, at=args.at)
    if not args.quiet:
        if table.empty:
            print(_("nothing to assess"))
        else:
            print(table[["verdict", "customer_min_pressure_m", "track"]].to_string())
    return 0


def _step(args, ledger) -> int:
    from application.connection_ledger import step_many

    if not args.ids:
        raise ValueError(_("give the application ids"))
    n = step_many(ledger, args.ledger_command, args.ids, who=args.who, at=args.at,
                  note=args.note, force=getattr(args, "force", False))
    _say(args, _("{step}: {n} recorded").format(step=args.ledger_command, n=n))
    return 0


def _steps(args, ledger) -> int:
    from application.connection_ledger import record_steps_csv

    n = record_steps_csv(ledger, args.csv, who=args.who)
    _say(args, _("{n} steps recorded").format(n=n))
    return 0


def _clock(args, ledger) -> int:
    from application.connection_ledger import ledger_tables

    policy = _policy(args)
    tables = ledger_tables(ledger, policy)
    clock, median = tables["clock"], tables["median"]
    if args.year is not None:
        clock = clock[clock["connected_at"].dt.year == args.year]
        median = median[median["year"] == args.year]
    if not args.quiet:
        shown = ["status", "track", "assess_days", "decide_days", "connect_days",
                 "total_days", "due_on", "compliance"]
        print(clock[shown].to_string(float_format=lambda v: f"{v:.3f}"))
        for r in median.itertuples():
            mark = _("meets") if r.meets_target else _("misses")
            print(_("{year}: business users' median {days:.3f} working days over {n} "
                    "connections; target <= {target:g}: {mark}").format(
                year=r.year, days=r.median_days, n=r.business_connected,
                target=r.target_days, mark=mark))
    return 0


def _export(args, ledger) -> int:
    from application.connection_ledger import write_ledger_exports

    written = write_ledger_exports(ledger, args.out, _policy(args), xlsx=args.xlsx)
    _say(args, _("{n} files written to {out}").format(n=len(written), out=args.out))
    return 0


_COMMANDS = {"file": _file, "assess": _assess, "steps": _steps, "clock": _clock,
             "export": _export, **{name: _step for name in STEP_COMMANDS}}
