"""The connection ledger as a workflow for the app and the command line.

Exports :func:`open_ledger_file`, :func:`file_one`, :func:`file_csv`, :func:`record_steps_csv`,
:func:`assess_pending`, :func:`step_many`, :func:`ledger_tables`, :func:`ledger_xlsx_bytes`
and :func:`write_ledger_exports`. The Connections page's ledger panel and
``python -m planning ledger ...`` (:mod:`application.ledger_cli`) go through here; the rules,
the audit trail and the clock are :mod:`planning.connections` (``Ledger``,
``file_batch``, ``record_step_batch``, ``assess_filed``, ``connection_clock``,
``median_table``).

Export files (:func:`write_ledger_exports`): ``ledger.csv`` (one row per application, its
current status), ``ledger_events.csv`` (every step: who, when, when entered),
``connection_clock.csv`` (working days per step, track, deadline, compliance) and
``median_connection_time.csv`` (the business users' annual median against the target);
``ledger.xlsx`` with the four as sheets when asked.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from application.i18n import _
from application.writers import write_csv
from models.safe_export import safe_frame

EXPORT_FILES = ("ledger.csv", "ledger_events.csv", "connection_clock.csv",
                "median_connection_time.csv")
"""The CSV files :func:`write_ledger_exports` writes, in order."""
SHEETS = {"ledger": "ledger.csv", "events": "ledger_events.csv",
          "clock": "connection_clock.csv", "median": "median_connection_time.csv"}


def open_ledger_file(path: str | Path, *, create: bool = True):
    """Open (or create) a ledger file; a schema-1 file is migrated.

    Raises
    ------
    planning.connections.ConnectionInputError
        Field ``ledger``: not a ledger (left unchanged), or missing with ``create=False``.
    """
    from planning.connections import ConnectionInputError, Ledger

    path = Path(path)
    if not create and not path.exists():
        raise ConnectionInputError("ledger", _("no ledger file {name}").format(name=path))
    return Ledger(path)


def file_one(ledger, fields: dict, *, who: str | None, at: datetime | None = None,
             check=None) -> str:
    """File one application given as field texts (``{"application_id": "A-1", "node":
    "J10", "demand_l_s": "1.5", ...}``, parsed as a CSV row is)."""
    from planning.connections import Application

    app = Application.from_record(fields)
    return ledger.add(app, who=who, at=at, check=check)


def file_csv(ledger, source, *, who: str | None, check=None,
             at: datetime | None = None) -> list[str]:
    """File a CSV batch of applications (all or none; see
    ``planning.connections.file_batch``)."""
    from planning.connections import file_batch

    return file_batch(ledger, source, who=who, check=check, at=at)


def record_steps_csv(ledger, source, *, who: str | None) -> int:
    """Record a CSV batch of steps (all or none; see
    ``planning.connections.record_step_batch``)."""
    from planning.connections import record_step_batch

    return record_step_batch(ledger, source, who=who)


def assess_pending(ledger, study, ids=None, *, who: str | None,
                   at: datetime | None = None) -> pd.DataFrame:
    """Assess filed applications on a ``ConnectionStudy`` and record each; returns one
    summary row per application (verdict, pressures, track)."""
    from planning.connections import assess_filed

    done = assess_filed(ledger, study, ids, who=who, at=at)
    rows = [a.summary() for a in done.values()]
    return pd.DataFrame(rows).set_index("application_id") if rows else pd.DataFrame()


def step_many(ledger, step: str, ids, *, who: str | None, at: datetime | None = None,
              note: str = "", force: bool = False, verdict: str | None = None) -> int:
    """Record one step (approve, reject, connect, withdraw, or assess with a verdict) for
    several applications in ONE transaction (all or none); returns how many."""
    steps = []
    for aid in ids:
        steps.append({"application_id": aid, "step": step, "at": at, "who": who or "",
                      "note": note, "verdict": verdict})
    if force and step == "approve":  # an override is one call per application, recorded
        for aid in ids:
            ledger.approve(aid, who=who, at=at, note=note, force=True)
        return len(steps)
    return ledger.record_steps(steps)


def ledger_tables(ledger, policy=None) -> dict[str, pd.DataFrame]:
    """The ledger's tables: ``ledger``, ``events``, ``clock``, ``median``."""
    from planning.connections import connection_clock, median_table

    clock = connection_clock(ledger, policy)
    return {"ledger": ledger.list(), "events": ledger.events(), "clock": clock,
            "median": median_table(clock, policy)}


def ledger_xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """The tables of :func:`ledger_tables` as one XLSX workbook (a sheet each)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for name, table in tables.items():
            safe_frame(_plain(table)).to_excel(book, sheet_name=name, index=name in ("ledger", "clock"))
    return buffer.getvalue()


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Dates as text where a spreadsheet would drop them (mixed None/date columns)."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return out


def write_ledger_exports(ledger, out: str | Path, policy=None, *,
                         xlsx: bool = False) -> list[Path]:
    """Write the ledger's tables (see the module docstring) to ``out`` (created)."""
    from models import write_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = ledger_tables(ledger, policy)
    written = [write_csv(tables[name], out / file, index=name in ("ledger", "clock"))
               for name, file in SHEETS.items()]
    if xlsx:
        data = ledger_xlsx_bytes(tables)
        written.append(write_atomic(out / "ledger.xlsx", lambda fh: fh.write(data)))
    return written
