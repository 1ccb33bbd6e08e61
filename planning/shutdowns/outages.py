"""The outage log and the quarterly supply-interruption indicators (§14, §16).

Every outage, planned or not, is one row of an SQLite file (``sqlite3``, one transaction
per write, so a crash leaves either the whole record or nothing): kind, start, end,
area, affected nodes, customers, customer-hours, the pipe and job, when notice went out,
whether emergency supply was provided.

Quarterly indicators (published each quarter, §16), for the quarter [Q start, next Q
start) in local time:

``planned_outages``, ``unplanned_outages``
    Outages *starting* in the quarter, by kind.
``customer_hours``
    Sum over outages of their customer-hours falling inside the quarter: the recorded
    ``customer_hours`` (from the simulation, when known) scaled by the share of the
    outage's duration inside the quarter, else customers x hours inside the quarter.
``average_customer_outage_h``
    ``customer_hours / total_customers``: the average time a customer of the utility was
    without water in the quarter (the water counterpart of SAIDI). ``total_customers``
    is every account served (e.g. ``customers_per_node(net).sum()``), not just those hit.
Also by kind (``planned_customer_hours``, ...), ``outages_over_24h`` and
``with_emergency_supply``.

Exports :class:`OutageRecord`, :class:`OutageLog`, :func:`quarterly_indicators`.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from numbers import Integral, Real
from pathlib import Path

import pandas as pd

from planning.sqlite_check import refusal

from .errors import ShutdownInputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('planned', 'unplanned')),
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    area TEXT NOT NULL DEFAULT '',
    nodes TEXT NOT NULL DEFAULT '[]',
    customers INTEGER NOT NULL CHECK (customers >= 0),
    customer_hours REAL CHECK (customer_hours IS NULL OR customer_hours >= 0),
    pipe TEXT NOT NULL DEFAULT '',
    job_id TEXT NOT NULL DEFAULT '',
    network TEXT NOT NULL DEFAULT '',
    notice_issued TEXT,
    emergency_supply INTEGER NOT NULL DEFAULT 0,
    recorded TEXT NOT NULL,
    CHECK ("end" >= start)
);
CREATE INDEX IF NOT EXISTS outages_start ON outages (start);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
"""

COLUMNS = ("kind", "start", "end", "area", "nodes", "customers", "customer_hours", "pipe",
           "job_id", "network", "notice_issued", "emergency_supply")


@dataclass(frozen=True)
class OutageRecord:
    """One outage.

    Attributes
    ----------
    kind : {"planned", "unplanned"}
    start, end : datetime
        Naive local time; ``end`` is the (expected, then actual) restoration.
    customers : int
        Accounts without water.
    area : str
        Words for the area (street, district).
    nodes : tuple of str
        Junctions without water.
    customer_hours : float, optional
        Customer-hours without water, when known from the simulation; else customers x
        duration is used.
    pipe, job_id, network : str
    notice_issued : datetime, optional
    emergency_supply : bool
    """

    kind: str
    start: datetime
    end: datetime
    customers: int
    area: str = ""
    nodes: tuple = field(default_factory=tuple)
    customer_hours: float | None = None
    pipe: str = ""
    job_id: str = ""
    network: str = ""
    notice_issued: datetime | None = None
    emergency_supply: bool = False

    def check(self, row=None, source: str = "outage record") -> None:
        """Raise :class:`ShutdownInputError` if a field is missing, mistyped or out of range.

        ``row`` (e.g. the record's position in a batch) and ``source`` name it in the error.
        """
        def bad(field, problem):
            return ShutdownInputError(source, row, field, problem)

        if self.kind not in ("planned", "unplanned"):
            raise bad("kind", f"{self.kind!r} is not 'planned' or 'unplanned'")
        for name in ("start", "end"):
            if not isinstance(getattr(self, name), datetime):
                raise bad(name, f"{getattr(self, name)!r} is not a date and time")
        if self.end < self.start:
            raise bad("end", "ends before it starts")
        if self.notice_issued is not None and not isinstance(self.notice_issued, datetime):
            raise bad("notice_issued", f"{self.notice_issued!r} is not a date and time")
        if isinstance(self.customers, bool) or not isinstance(self.customers, Real) or not (
                isinstance(self.customers, Integral) or float(self.customers).is_integer()):
            raise bad("customers", f"{self.customers!r} is not a whole number of accounts")
        if self.customers < 0:
            raise bad("customers", "negative")
        if self.customer_hours is not None:
            if isinstance(self.customer_hours, bool) or not isinstance(self.customer_hours, Real):
                raise bad("customer_hours", f"{self.customer_hours!r} is not a number")
            if not (math.isfinite(self.customer_hours) and self.customer_hours >= 0):
                raise bad("customer_hours", f"{self.customer_hours!r} must be a finite number "
                                            ">= 0 (or None when unknown)")
        if not isinstance(self.nodes, (tuple, list)) or not all(
                isinstance(n, str) for n in self.nodes):
            raise bad("nodes", "must be a list of junction names (strings), "
                               f"got {self.nodes!r}")
        for name in ("area", "pipe", "job_id", "network"):
            if not isinstance(getattr(self, name), str):
                raise bad(name, f"{getattr(self, name)!r} is not text")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="seconds")


class OutageLog:
    """Outage records in an SQLite file (created on first use).

    Parameters
    ----------
    path : str or os.PathLike
        The database file; ``":memory:"`` for a throw-away log.

    Raises
    ------
    ShutdownInputError
        ``path`` is not an SQLite file, or is another SQLite file (a connection ledger, a
        GeoPackage): it is refused and left unchanged.

    Examples
    --------
    >>> with OutageLog(":memory:") as log:                       # doctest: +SKIP
    ...     log.add(OutageRecord("planned", start, end, customers=120))
    """

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=30.0)
        try:
            tables, refused = refusal(self._conn, "outages", "an outage log")
            if refused:
                raise ShutdownInputError(Path(self.path).name, None, None, refused)
            with self._conn:
                self._conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ShutdownInputError(Path(self.path).name, None, None,
                                     f"not an outage log: {exc}") from None
        except ShutdownInputError:
            self.close()
            raise

    def __enter__(self) -> OutageLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the outage log is closed")
        return self._conn

    def add(self, record: OutageRecord) -> int:
        """Store one record in its own transaction; returns its id."""
        return self.add_many([record])[0]

    def add_many(self, records) -> list[int]:
        """Store records in one transaction (all or none); returns their ids."""
        recs = list(records)
        for i, r in enumerate(recs, start=1):
            if not isinstance(r, OutageRecord):
                raise ShutdownInputError("outage records", i, None,
                                         f"{r!r} is not an OutageRecord")
            r.check(row=i if len(recs) > 1 else None)
        ids = []
        db = self._db()
        with db:
            for r in recs:
                cur = db.execute(
                    'INSERT INTO outages (kind, start, "end", area, nodes, customers, '
                    'customer_hours, pipe, job_id, network, notice_issued, emergency_supply, '
                    'recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    (r.kind, _iso(r.start), _iso(r.end), r.area, json.dumps(list(r.nodes)),
                     int(r.customers), None if r.customer_hours is None
                     else float(r.customer_hours), r.pipe, r.job_id, r.network,
                     _iso(r.notice_issued), int(bool(r.emergency_supply)),
                     _iso(datetime.now())))
                ids.append(int(cur.lastrowid))
        return ids

    def set_end(self, outage_id: int, end: datetime,
                customer_hours: float | None = None) -> None:
        """Record the actual restoration time (and customer-hours) of an outage."""
        db = self._db()
        with db:
            found = db.execute("SELECT start FROM outages WHERE id = ?",
                               (int(outage_id),)).fetchone()
            if found is None:
                raise ShutdownInputError("outage log", outage_id, "id", "no such outage")
            if not isinstance(end, datetime):
                raise ShutdownInputError("outage log", outage_id, "end",
                                         f"{end!r} is not a date and time")
            if _iso(end) < found[0]:
                raise ShutdownInputError("outage log", outage_id, "end",
                                         f"{_iso(end)} is before the outage's start {found[0]}")
            if customer_hours is not None and not (
                    isinstance(customer_hours, Real) and math.isfinite(customer_hours)
                    and customer_hours >= 0):
                raise ShutdownInputError("outage log", outage_id, "customer_hours",
                                         f"{customer_hours!r} must be a finite number >= 0")
            db.execute('UPDATE outages SET "end" = ?, customer_hours = ? WHERE id = ?',
                       (_iso(end), None if customer_hours is None else float(customer_hours),
                        int(outage_id)))

    def records(self, start: datetime | None = None, end: datetime | None = None
                ) -> pd.DataFrame:
        """Records overlapping [start, end) (all by default), as a table.

        Returns
        -------
        pandas.DataFrame
            Index ``id``; columns ``COLUMNS`` (``start``, ``end``, ``notice_issued`` as
            datetimes, ``nodes`` as tuples, ``emergency_supply`` as bool).
        """
        sql = 'SELECT id, kind, start, "end", area, nodes, customers, customer_hours, ' \
              'pipe, job_id, network, notice_issued, emergency_supply FROM outages'
        args: list = []
        cond = []
        if end is not None:
            cond.append("start < ?")
            args.append(_iso(end))
        if start is not None:
            cond.append('"end" > ?')
            args.append(_iso(start))
        if cond:
            sql += " WHERE " + " AND ".join(cond)
        sql += " ORDER BY start, id"
        table = pd.read_sql_query(sql, self._db(), params=args, index_col="id")
        for col in ("start", "end", "notice_issued"):
            table[col] = pd.to_datetime(table[col])
        table["nodes"] = [tuple(json.loads(x)) for x in table["nodes"]]
        table["emergency_supply"] = table["emergency_supply"].astype(bool)
        return table

    def __len__(self) -> int:
        return int(self._db().execute("SELECT COUNT(*) FROM outages").fetchone()[0])


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    """[start, end) of a calendar quarter (1-4)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1, 2, 3 or 4")
    start = datetime(year, 3 * (quarter - 1) + 1, 1)
    end = datetime(year + 1, 1, 1) if quarter == 4 else datetime(year, 3 * quarter + 1, 1)
    return start, end


def quarterly_indicators(log, year: int, quarter: int, total_customers: float) -> dict:
    """Quarterly outage indicators (definitions in the module notes).

    Parameters
    ----------
    log : OutageLog or pandas.DataFrame
        The log, or a table shaped like ``OutageLog.records()``.
    year, quarter : int
    total_customers : float
        Accounts served by the utility (> 0).

    Returns
    -------
    dict
        ``year``, ``quarter``, ``period_start``, ``period_end``, ``planned_outages``,
        ``unplanned_outages``, ``customer_hours``, ``planned_customer_hours``,
        ``unplanned_customer_hours``, ``total_customers``, ``average_customer_outage_h``,
        ``planned_average_customer_outage_h``, ``unplanned_average_customer_outage_h``,
        ``outages_over_24h``, ``with_emergency_supply``.
    """
    if total_customers <= 0:
        raise ValueError("total_customers must be positive")
    q0, q1 = quarter_bounds(year, quarter)
    table = log.records(q0, q1) if isinstance(log, OutageLog) else log
    table = table[(table["start"] < q1) & (table["end"] > q0)]
    dur_h = (table["end"] - table["start"]).dt.total_seconds() / 3600.0
    lo = table["start"].where(table["start"] > q0, q0)
    hi = table["end"].where(table["end"] < q1, q1)
    inside_h = (hi - lo).dt.total_seconds() / 3600.0
    share = (inside_h / dur_h.where(dur_h > 0)).fillna(1.0)
    ch_full = table["customer_hours"].where(table["customer_hours"].notna(),
                                            table["customers"] * dur_h)
    ch = ch_full.astype(float) * share
    starting = (table["start"] >= q0) & (table["start"] < q1)
    planned = table["kind"] == "planned"
    out = {
        "year": year, "quarter": quarter, "period_start": q0, "period_end": q1,
        "planned_outages": int((starting & planned).sum()),
        "unplanned_outages": int((starting & ~planned).sum()),
        "customer_hours": float(ch.sum()),
        "planned_customer_hours": float(ch[planned].sum()),
        "unplanned_customer_hours": float(ch[~planned].sum()),
        "total_customers": float(total_customers),
        "outages_over_24h": int((starting & (dur_h > 24.0)).sum()),
        "with_emergency_supply": int((starting & table["emergency_supply"].astype(bool)).sum()),
    }
    out["average_customer_outage_h"] = out["customer_hours"] / total_customers
    out["planned_average_customer_outage_h"] = out["planned_customer_hours"] / total_customers
    out["unplanned_average_customer_outage_h"] = \
        out["unplanned_customer_hours"] / total_customers
    return out
