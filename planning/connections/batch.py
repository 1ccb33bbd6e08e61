"""Many applications at once, from a CSV file.

Exports :func:`read_applications` and :func:`assess_batch` (returns a :class:`BatchResult`).

Bad rows
--------
Every row is checked (fields, then the network: node, extent, a main wide enough; ids unique
in the file and new to the ledger). By default (``strict=False``) the good rows are assessed
and the bad ones are listed in ``BatchResult.errors`` with their row number (1 = first data
row after the header) and field. With ``strict=True`` one bad row rejects the whole batch:
:class:`ConnectionInputError` for the first bad row (its message counts the others) and
nothing is assessed or recorded. With ``record=True`` the good rows go into the ledger as
"received", all in one transaction, and only when there is no bad row in strict mode.

Columns
-------
The fields of :class:`~planning.connections.application.Application`, by name:
``application_id`` (required), ``demand_l_s`` or ``demand_m3_d``, ``customer_class``,
``x_m`` and ``y_m`` or ``node``, ``meter_dn``, ``storeys``, ``required_head_m``,
``pattern`` (multipliers separated by ``;``), ``low_risk``, ``reserved_tap``,
``front_loaded``, ``ready_to_connect`` (true/false, yes/no, 1/0), ``service_length_m``,
``elevation_m``,
``received_on`` (YYYY-MM-DD), ``applicant``. Empty cells are missing values.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..inputfiles import InputFileError, read_text
from .application import Application
from .errors import ConnectionInputError
from .impact import Assessment, ConnectionStudy
from .policy import Policy

ERROR_COLUMNS = ["row", "application_id", "field", "message"]


@dataclass(frozen=True)
class BatchResult:
    """What one batch gave.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per assessed application (:meth:`Assessment.summary` plus ``row``), index
        ``application_id``.
    errors : pandas.DataFrame
        One row per bad row: ``row``, ``application_id``, ``field``, ``message``.
    assessments : dict
        ``{application_id: Assessment}``.
    recorded : tuple of str
        Ids added to the ledger.
    """

    summary: pd.DataFrame
    errors: pd.DataFrame
    assessments: dict
    recorded: tuple

    @property
    def ok(self) -> bool:
        """True when no row was bad."""
        return self.errors.empty


def read_applications(source) -> tuple[list[tuple[int, Application]], list[ConnectionInputError]]:
    """Parse a CSV of applications.

    Parameters
    ----------
    source : str, pathlib.Path or file-like
        A path, CSV text (a string with a newline), or an open text stream.

    Returns
    -------
    (list of (row, Application), list of ConnectionInputError)
        Good rows and the errors of bad ones (each with ``row``).

    Raises
    ------
    ConnectionInputError
        A header with an unknown column (row 0), an empty file, or a file that is not
        UTF-8 text (the row and line of the first bad byte).
    """
    if isinstance(source, str) and "\n" in source:
        return _parse(io.StringIO(source))
    if isinstance(source, (str, Path)):
        try:
            text = read_text(source)
        except InputFileError as exc:  # the header is row 0, so line n is row n - 1
            raise ConnectionInputError("file", str(exc), row=(exc.line or 1) - 1) from None
        return _parse(io.StringIO(text, newline=""))
    return _parse(source)


def _parse(stream):
    reader = csv.DictReader(stream)
    known = set(Application.__dataclass_fields__)
    header = reader.fieldnames
    if not header:
        raise ConnectionInputError("file", "empty CSV (no header)", row=0)
    for name in header:
        if name is None or name.strip() not in known:
            raise ConnectionInputError(str(name), f"unknown column; use {sorted(known)}", row=0)
    good, bad = [], []
    seen: dict[str, int] = {}
    for i, raw in enumerate(reader, start=1):
        if None in raw:
            bad.append(ConnectionInputError("row", "more cells than header columns", row=i))
            continue
        record = {k.strip(): v for k, v in raw.items()}
        if not (record.get("application_id") or "").strip():
            bad.append(ConnectionInputError("application_id", "missing", row=i))
            continue
        try:
            app = Application.from_record(record, row=i)
        except ConnectionInputError as e:
            bad.append(e)
            continue
        if app.application_id in seen:
            bad.append(ConnectionInputError(
                "application_id", f"duplicate of row {seen[app.application_id]}", row=i,
                application_id=app.application_id))
            continue
        seen[app.application_id] = i
        good.append((i, app))
    if not good and not bad:
        raise ConnectionInputError("file", "no data rows", row=0)
    return good, bad


def assess_batch(net, source, ledger=None, policy: Policy | None = None, placement=None, *,
                 strict: bool = False, record: bool = False,
                 study: ConnectionStudy | None = None) -> BatchResult:
    """Assess every application of a CSV in one call.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    source : path or file-like
        The CSV (see the module docstring for the columns).
    ledger : Ledger, optional
        Approved applications count as part of the network; with ``record`` the good rows
        are added to it.
    policy : Policy, optional
    placement : gis.Placement, optional
    strict : bool
        Reject the whole batch on any bad row (raise, assess nothing, record nothing).
    record : bool
        Add the good rows to ``ledger`` as received (one transaction).
    study : ConnectionStudy, optional
        Reuse a prepared study (its network, ledger, policy and placement win).

    Returns
    -------
    BatchResult
        Each application is assessed against the network and the ledger, not against the
        other rows of the batch.
    """
    if record and ledger is None and (study is None or study.ledger is None):
        raise ConnectionInputError("ledger", "record=True needs a ledger")
    study = study or ConnectionStudy(net, ledger, policy, placement)
    ledger = study.ledger
    good, bad = read_applications(source)
    checked = []
    for row, app in good:
        try:
            if ledger is not None and app.application_id in ledger:
                raise ConnectionInputError("application_id", "already in the ledger",
                                           application_id=app.application_id)
            study.check(app)
            checked.append((row, app))
        except ConnectionInputError as e:
            bad.append(e.at_row(row))
    bad.sort(key=lambda e: (e.row or 0))
    if strict and bad:
        first = bad[0]
        more = f" (and {len(bad) - 1} more bad rows)" if len(bad) > 1 else ""
        raise ConnectionInputError(first.field, first.message + more + "; batch rejected",
                                   row=first.row, application_id=first.application_id)
    recorded: tuple = ()
    if record and checked:
        recorded = tuple(ledger.add_many([a for _, a in checked]))
    results: dict[str, Assessment] = {}
    rows = []
    for row, app in checked:
        a = study.assess(app)
        results[app.application_id] = a
        rows.append({"row": row, **a.summary()})
    summary = pd.DataFrame(rows)
    if not summary.empty:
        summary = summary.set_index("application_id")
    errors = pd.DataFrame([{"row": e.row, "application_id": e.application_id, "field": e.field,
                            "message": e.message} for e in bad], columns=ERROR_COLUMNS)
    return BatchResult(summary, errors, results, recorded)
