"""The notice list of a shutdown, and writing tables atomically.

A planned shutdown needs notice at least 24 h before it starts (§14, by web, SMS and
community notice); a burst is notified while repairing. The list has one row per
junction whose customers lose water or fall below the minimum pressure.

Columns: ``job_id``, ``kind`` ("planned" / "unplanned"), ``node``, ``customers``,
``impact`` ("no water" / "low pressure"), ``start``, ``expected_end``,
``notice_issued`` (ISO 8601 local times), ``notice_deadline`` (the latest time the notice
may go out: the start minus the notice period, 24 h by §14; the start itself for a burst),
``notice_hours`` (from issue to start),
``synthetic_valves`` (the valve layer was generated: check on site).

Exports :func:`notice_list` and :func:`write_csv_atomic`. Called by ``plan``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from models import write_csv

from .impact import Impact

NOTICE_COLUMNS = ("job_id", "kind", "node", "customers", "impact", "start",
                  "expected_end", "notice_issued", "notice_deadline", "notice_hours",
                  "synthetic_valves")


def notice_list(imp: Impact, job_id: str, start: datetime, end: datetime,
                notice_issued: datetime, *, planned: bool = True,
                notice_h: float = 24.0) -> pd.DataFrame:
    """Customers to notify, one row per junction.

    Parameters
    ----------
    imp : Impact
    job_id : str
    start, end : datetime
        Shutdown window (the expected end is the planned valve opening).
    notice_issued : datetime
        When the notice goes out ("now" of the study; the burst time for bursts).
    planned : bool
    notice_h : float
        Notice period of a planned shutdown, h (the deadline is ``start - notice_h``).

    Returns
    -------
    pandas.DataFrame
        Columns ``NOTICE_COLUMNS``; rows with at least one customer, no-water rows first.
    """
    nodes = imp.nodes
    rows = nodes[nodes["customers"] > 0]
    deadline = start - timedelta(hours=float(notice_h)) if planned else start
    no_water = rows["hours_without_water"] > rows["baseline_hours_without_water"]
    table = pd.DataFrame({
        "job_id": job_id, "kind": "planned" if planned else "unplanned",
        "node": rows.index.to_numpy(), "customers": rows["customers"].to_numpy(),
        "impact": ["no water" if x else "low pressure" for x in no_water],
        "start": start.isoformat(timespec="minutes"),
        "expected_end": end.isoformat(timespec="minutes"),
        "notice_issued": notice_issued.isoformat(timespec="minutes"),
        "notice_deadline": deadline.isoformat(timespec="minutes"),
        "notice_hours": round((start - notice_issued).total_seconds() / 3600.0, 2),
        "synthetic_valves": bool(imp.summary.get("synthetic_valves", False)),
    }, columns=list(NOTICE_COLUMNS))
    order = table["impact"].map({"no water": 0, "low pressure": 1})
    return table.assign(_o=order).sort_values(["_o", "node"]).drop(columns="_o") \
        .reset_index(drop=True)


def write_csv_atomic(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as CSV (UTF-8, no index), all or nothing, formula-like text
    neutralised (``models.write_csv``).

    A reader never sees a half-written file; on failure the old file is left as it was.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return write_csv(table, path)  # formula-like names neutralised for spreadsheets
