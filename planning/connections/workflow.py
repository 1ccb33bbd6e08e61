"""The ledger as a workflow: batches of filings and of steps, and assessing what was filed.

Exports :func:`file_batch` (a CSV of applications filed in one transaction),
:func:`record_step_batch` (a CSV of steps: assess, approve, reject, connect, withdraw),
:func:`assess_filed` (run the hydraulic assessment of filed applications and record it) and
:class:`LedgerBatchError` (every bad row of a batch, by row and field). Each batch is all or
nothing: one bad row and nothing is stored.

Filing CSV
----------
The columns of :mod:`.batch` (``application_id``, ``demand_l_s``, ``node`` ...), plus
optional ``filed_at`` (when it was received, ``YYYY-MM-DD HH:MM``; now if empty) and
``who`` (who filed it; the batch's person if empty).

Steps CSV
---------
``application_id``, ``step`` (assess | approve | reject | connect | withdraw), ``at``
(``YYYY-MM-DD HH:MM``; now if empty), ``who`` (the batch's person if empty), optional
``note`` and ``verdict`` (for assess: pass | pass with conditions | fail). Steps are recorded
in file order.

Rows are numbered from 1 (the first data row; the header is row 0).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..inputfiles import InputFileError, read_text
from .batch import ERROR_COLUMNS, read_applications
from .errors import ConnectionInputError
from .ledger import STEPS, Ledger

FILING_EXTRA_COLUMNS = ("filed_at", "who")
"""Columns of a filing CSV besides the application's fields."""
STEP_COLUMNS = ("application_id", "step", "at", "who", "note", "verdict")
"""Columns a steps CSV may have (``application_id`` and ``step`` required)."""


class LedgerBatchError(ConnectionInputError):
    """A batch with bad rows: nothing of it was stored.

    Attributes
    ----------
    errors : pandas.DataFrame
        One row per problem: ``row``, ``application_id``, ``field``, ``message``.
    """

    def __init__(self, errors: list[ConnectionInputError]):
        errors = sorted(errors, key=lambda e: (e.row or 0))
        first = errors[0]
        more = f" (and {len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
        super().__init__(first.field, first.message + more + "; nothing was stored",
                         row=first.row, application_id=first.application_id)
        self.errors = pd.DataFrame(
            [{"row": e.row, "application_id": e.application_id, "field": e.field,
              "message": e.message} for e in errors], columns=ERROR_COLUMNS)


def _text(source) -> str:
    """CSV text of a path, bytes, text, or stream."""
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConnectionInputError("file", f"not UTF-8 text (byte {exc.start})",
                                       row=0) from None
    if isinstance(source, str) and "\n" in source:
        return source
    if isinstance(source, (str, Path)):
        try:
            return read_text(source)
        except InputFileError as exc:
            raise ConnectionInputError("file", str(exc), row=(exc.line or 1) - 1) from None
    return source.read()


def _time(text, field: str, row: int, aid: str | None):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ConnectionInputError(field, f"not a date-time (YYYY-MM-DD HH:MM): {text!r}",
                                   row=row, application_id=aid) from None


def file_batch(ledger: Ledger, source, *, who: str | None = None, check=None,
               at: datetime | None = None) -> list[str]:
    """File every application of a CSV in ONE transaction, or none.

    Parameters
    ----------
    ledger : Ledger
    source : path, bytes, CSV text or text stream
    who : str, optional
        Who files the batch (rows may name their own in a ``who`` column).
    check : ConnectionStudy, optional
        Check each application against the network (an unknown junction, a location
        outside it, no main wide enough).
    at : datetime, optional
        Filing time of rows without ``filed_at`` (now by default).

    Returns
    -------
    list of str
        The ids filed.

    Raises
    ------
    LedgerBatchError
        Every bad row by row and field (a bad field or date, a duplicate id in the file or
        in the ledger, an unknown junction); the ledger is unchanged.
    """
    text = _text(source)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [str(c).strip() for c in reader.fieldnames or []]
    raw = list(reader)
    keep = [c for c in header if c not in FILING_EXTRA_COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(keep)
    extras = []
    for rec in raw:
        rec = {str(k).strip() if k is not None else None: v for k, v in rec.items()}
        writer.writerow([rec.get(c) or "" for c in keep] + ([""] if None in rec else []))
        extras.append(rec)
    good, bad = read_applications(out.getvalue() if raw else "\n".join([",".join(keep), ""]))
    bad = list(bad)
    times, names, rows, apps = [], [], [], []
    for row, app in good:
        rec = extras[row - 1]
        try:
            when = _time(rec.get("filed_at"), "filed_at", row, app.application_id) or at
            if app.application_id in ledger:
                raise ConnectionInputError("application_id", "already in the ledger", row=row,
                                           application_id=app.application_id)
            if check is not None:
                try:
                    check.check(app)
                except ConnectionInputError as exc:
                    raise exc.at_row(row) from None
        except ConnectionInputError as exc:
            bad.append(exc)
            continue
        apps.append(app)
        times.append(when)
        names.append((rec.get("who") or "").strip() or who)
        rows.append(row)
    if bad:
        raise LedgerBatchError(bad)
    return ledger.add_many(apps, at=times, who=names, rows=rows)


def read_steps(source) -> list[dict]:
    """Parse a steps CSV into step mappings (with ``row``) for :meth:`Ledger.record_steps`.

    Raises
    ------
    LedgerBatchError
        A missing or unknown column (row 0), an unknown step or a bad ``at`` (by row).
    """
    reader = csv.DictReader(io.StringIO(_text(source), newline=""))
    header = [str(c).strip() for c in reader.fieldnames or []]
    problems: list[ConnectionInputError] = []
    for name in ("application_id", "step"):
        if name not in header:
            problems.append(ConnectionInputError(name, "missing column", row=0))
    for name in header:
        if name not in STEP_COLUMNS:
            problems.append(ConnectionInputError(name, "unknown column; use "
                                                 + ", ".join(STEP_COLUMNS), row=0))
    if problems:
        raise LedgerBatchError(problems)
    steps = []
    for i, rec in enumerate(reader, start=1):
        if None in rec:
            problems.append(ConnectionInputError("row", "more cells than header columns",
                                                 row=i))
            continue
        rec = {str(k).strip(): (v or "").strip() for k, v in rec.items()}
        aid = rec.get("application_id") or None
        step = rec.get("step", "").lower()
        try:
            if not aid:
                raise ConnectionInputError("application_id", "missing", row=i)
            if step not in STEPS:
                raise ConnectionInputError("step", f"must be one of {', '.join(STEPS)}, got "
                                           f"{step!r}", row=i, application_id=aid)
            when = _time(rec.get("at"), "at", i, aid)
        except ConnectionInputError as exc:
            problems.append(exc)
            continue
        steps.append({"row": i, "application_id": aid, "step": step, "at": when,
                      "who": rec.get("who", ""), "note": rec.get("note", ""),
                      "verdict": rec.get("verdict") or None})
    if problems:
        raise LedgerBatchError(problems)
    if not steps:
        raise LedgerBatchError([ConnectionInputError("file", "no data rows", row=0)])
    return steps


def record_step_batch(ledger: Ledger, source, *, who: str | None = None) -> int:
    """Record every step of a CSV in ONE transaction, or none; returns how many.

    Raises
    ------
    LedgerBatchError
        A bad row (see :func:`read_steps`), or a step the ledger refuses (unknown
        application, approve before assess, connect before approve, a time before the last
        step), named by row and field; the ledger is unchanged.
    """
    steps = read_steps(source)
    for s in steps:
        s["who"] = s["who"] or who or ""
    try:
        return ledger.record_steps(steps)
    except ConnectionInputError as exc:
        raise LedgerBatchError([exc]) from None


def assess_filed(ledger: Ledger, study, ids=None, *, who: str | None = None,
                 at: datetime | None = None) -> dict:
    """Assess filed (received or assessed) applications on a study and record each.

    Parameters
    ----------
    ledger : Ledger
    study : ConnectionStudy
        On the network (with this ledger's approved applications).
    ids : iterable of str, optional
        Which; every received application by default.
    who, at
        Who assessed, and when (now by default).

    Returns
    -------
    dict
        ``{application_id: Assessment}``.
    """
    if ids is None:
        ids = list(ledger.list(status="received").index)
    out = {}
    for aid in ids:
        status = ledger.status(aid)
        if status not in ("received", "assessed"):
            raise ConnectionInputError("status", f"{status}: only received or assessed "
                                       "applications are assessed", application_id=aid)
        assessment = study.assess(ledger.get(aid))
        ledger.assess(aid, assessment=assessment, who=who, at=at)
        out[aid] = assessment
    return out
