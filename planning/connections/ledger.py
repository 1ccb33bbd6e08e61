"""The connection ledger: every application and its status, in one SQLite file.

Exports :class:`Ledger` and :data:`STATUSES`. Read by :mod:`.impact` and :mod:`.capacity`
(approved-but-not-connected demand is part of the network) and by :mod:`.batch`.

Life of an application::

    received --approve--> approved --connect--> connected
        \\                    \\
         `--withdraw-->        `--withdraw--> withdrawn

Each change is one SQLite transaction (``BEGIN IMMEDIATE ... COMMIT``): it is checked first
(known application, allowed transition, times in order, a valid application) and a bad one
raises :class:`~planning.connections.errors.ConnectionInputError` with the file unchanged.
Every change also appends a row to ``events`` and increments ``revision``, which studies use
to notice that the committed network changed. The file is plain SQLite (stdlib ``sqlite3``);
other tools can read it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import statistics
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from planning.sqlite_check import integrity_problem

from .application import Application
from .errors import ConnectionInputError
from .policy import WorkingCalendar

STATUSES = ("received", "approved", "connected", "withdrawn")
"""Statuses of an application in the ledger."""

_NEXT = {"received": ("approved", "withdrawn"), "approved": ("connected", "withdrawn"),
         "connected": (), "withdrawn": ()}
_STAMP = {"received": "received_at", "approved": "approved_at", "connected": "connected_at",
          "withdrawn": "withdrawn_at"}
SCHEMA_VERSION = "1"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    application_id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ({", ".join(repr(s) for s in STATUSES)})),
    record TEXT NOT NULL,
    customer_class TEXT NOT NULL,
    demand_m3s REAL NOT NULL CHECK (demand_m3s > 0),
    meter_dn INTEGER NOT NULL,
    node TEXT,
    x_m REAL,
    y_m REAL,
    received_at TEXT NOT NULL,
    approved_at TEXT,
    connected_at TEXT,
    withdrawn_at TEXT,
    approval_seq INTEGER,
    verdict TEXT,
    tap_node TEXT,
    main TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications(application_id),
    at TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
"""


def _stamp(at: datetime | date | None) -> datetime:
    if at is None:
        return datetime.now().replace(microsecond=0)
    if isinstance(at, datetime):
        return at
    if isinstance(at, date):
        return datetime.combine(at, datetime.min.time())
    raise ConnectionInputError("at", f"must be a datetime, got {at!r}")


class Ledger:
    """Applications and their status in an SQLite file.

    Parameters
    ----------
    path : str or pathlib.Path
        The database file (created with its tables if missing); ``":memory:"`` for a
        throw-away ledger.
    placement : gis.Placement, optional
        The CRS placement of the applications' locations, stored in the file; studies and
        maps that use the ledger take it (see :meth:`set_placement`).

    Raises
    ------
    ConnectionInputError
        Field ``ledger``: ``path`` is not an SQLite file, or another SQLite file (an outage
        log, a GeoPackage); it is refused and left unchanged.

    Examples
    --------
    >>> ledger = Ledger("connections.sqlite")                      # doctest: +SKIP
    >>> ledger.add(app)                                            # doctest: +SKIP
    >>> ledger.approve(app.application_id, assessment=result)     # doctest: +SKIP
    >>> ledger.connect(app.application_id)                         # doctest: +SKIP
    >>> ledger.list(status="approved")                             # doctest: +SKIP
    """

    def __init__(self, path: str | Path, placement=None):
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self._refuse_foreign_file()
        except BaseException:
            self._db.close()
            raise
        self._db.execute("PRAGMA foreign_keys = ON")
        with self._transaction() as cur:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                        (SCHEMA_VERSION,))
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('revision', '0')")
            version = cur.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise ConnectionInputError("ledger", f"{self.path}: schema version {version}, this "
                                       f"tool reads {SCHEMA_VERSION}")
        if placement is not None:
            self.set_placement(placement)

    # ---- plumbing --------------------------------------------------------------------------
    def _refuse_foreign_file(self) -> None:
        """Raise (touching nothing) unless the file is a ledger or a new, empty database."""
        name = Path(self.path).name
        try:
            tables = {r[0] for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise ConnectionInputError("ledger", f"{name} is not a connection ledger ({exc}); "
                                       "it was left unchanged") from None
        if tables and not {"applications", "events", "meta"} <= tables:
            raise ConnectionInputError(
                "ledger", f"{name} is an SQLite file but not a connection ledger (it holds the "
                f"tables {', '.join(sorted(tables))}); it was left unchanged")
        problem = integrity_problem(self._db) if tables else None
        if problem:
            raise ConnectionInputError(
                "ledger", f"{name} is damaged (SQLite integrity check: {problem}); it was left "
                "unchanged: restore it from a backup")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]

    def __contains__(self, application_id: str) -> bool:
        return self._row(application_id) is not None

    @property
    def placement(self):
        """The :class:`gis.Placement` the locations are in (None until set)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'placement'").fetchone()
        if row is None:
            return None
        from gis import Placement

        return Placement.from_dict(json.loads(row[0]))

    def set_placement(self, placement) -> None:
        """Record the placement (CRS) of the applications' locations (one transaction).

        Refused once applications with a location are recorded under another placement:
        their coordinates would move.
        """
        current = self.placement
        if current == placement:
            return
        if current is not None:
            with_xy = self._db.execute(
                "SELECT COUNT(*) FROM applications WHERE x_m IS NOT NULL").fetchone()[0]
            if with_xy:
                raise ConnectionInputError(
                    "placement", f"the ledger's {with_xy} located applications use {current}; "
                    "it cannot change")
        with self._transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('placement', ?)",
                        (json.dumps(placement.to_dict()),))
            cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                        "WHERE key = 'revision'")

    @property
    def revision(self) -> int:
        """Number of changes made so far (any process); grows with every change."""
        return int(self._db.execute("SELECT value FROM meta WHERE key = 'revision'")
                   .fetchone()[0])

    def _row(self, application_id: str):
        cur = self._db.execute("SELECT * FROM applications WHERE application_id = ?",
                               (application_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row))

    @staticmethod
    def _bump(cur, application_id, at, old, new, note) -> None:
        cur.execute("INSERT INTO events (application_id, at, from_status, to_status, note) "
                    "VALUES (?, ?, ?, ?, ?)", (application_id, at.isoformat(), old, new, note))
        cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")

    # ---- changes ---------------------------------------------------------------------------
    def add(self, app: Application, *, at: datetime | None = None, note: str = "",
            check=None) -> str:
        """Record a received application (one transaction).

        Parameters
        ----------
        app : Application
        at : datetime, optional
            When it was received; now by default.
        note : str
        check : ConnectionStudy, optional
            Also check the application against the network (node, extent, mains) first;
            the study's placement becomes the ledger's if it has none.

        Returns
        -------
        str
            The application id.

        Raises
        ------
        ConnectionInputError
            Not an Application, a duplicate id, or (with ``check``) a node or location the
            network does not have. The ledger is unchanged.
        """
        self.add_many([app], at=at, note=note, check=check)
        return app.application_id

    def add_many(self, apps: Iterable[Application], *, at: datetime | None = None,
                 note: str = "", check=None) -> list[str]:
        """Record several received applications in ONE transaction (all or none)."""
        apps = list(apps)
        when = _stamp(at)
        seen: set[str] = set()
        for app in apps:
            if not isinstance(app, Application):
                raise ConnectionInputError("application", f"expected an Application, got {app!r}")
            aid = app.application_id
            if aid in seen or aid in self:
                raise ConnectionInputError("application_id", "already in the ledger",
                                           application_id=aid)
            seen.add(aid)
            if check is not None:
                check.check(app)
        if check is not None and self.placement is None:
            self.set_placement(check.placement)
        with self._transaction() as cur:
            for app in apps:
                cur.execute(
                    "INSERT INTO applications (application_id, status, record, customer_class, "
                    "demand_m3s, meter_dn, node, x_m, y_m, received_at, note) "
                    "VALUES (?, 'received', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (app.application_id, json.dumps(app.to_record()), app.customer_class,
                     app.demand_m3s, app.meter_dn, app.node, app.x_m, app.y_m,
                     when.isoformat(), note))
                self._bump(cur, app.application_id, when, None, "received", note)
        return [a.application_id for a in apps]

    def _move(self, application_id: str, new: str, at, note: str, extra: dict | None = None):
        when = _stamp(at)
        with self._transaction() as cur:
            row = self._row(application_id)
            if row is None:
                raise ConnectionInputError("application_id", f"{application_id!r} is not in "
                                           "the ledger", application_id=application_id)
            old = row["status"]
            if new not in _NEXT[old]:
                allowed = ", ".join(_NEXT[old]) or "nothing (final)"
                raise ConnectionInputError(
                    "status", f"cannot go from {old} to {new}; from {old}: {allowed}",
                    application_id=application_id)
            last = max(datetime.fromisoformat(row[c]) for c in _STAMP.values() if row[c])
            if when < last:
                raise ConnectionInputError(
                    "at", f"{when.isoformat()} is before the last change "
                    f"({last.isoformat()})", application_id=application_id)
            sets = {"status": new, _STAMP[new]: when.isoformat(), **(extra or {})}
            if new == "approved":
                sets["approval_seq"] = int(cur.execute(
                    "SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]) + 1
            if note:
                sets["note"] = (row["note"] + "\n" + note).strip()
            cur.execute(f"UPDATE applications SET {', '.join(k + ' = ?' for k in sets)} "
                        "WHERE application_id = ?", (*sets.values(), application_id))
            self._bump(cur, application_id, when, old, new, note)

    def approve(self, application_id: str, *, at: datetime | None = None, note: str = "",
                assessment=None, force: bool = False) -> None:
        """Approve a received application; from now on its demand is part of the network.

        Parameters
        ----------
        assessment : Assessment, optional
            Recorded with it (verdict, tap junction, main). A ``"fail"`` verdict is refused
            unless ``force``.
        """
        extra: dict = {}
        if assessment is not None:
            if assessment.application.application_id != application_id:
                raise ConnectionInputError("assessment", "belongs to application "
                                           f"{assessment.application.application_id!r}",
                                           application_id=application_id)
            if assessment.verdict == "fail" and not force:
                raise ConnectionInputError(
                    "assessment", "the assessment failed: " + "; ".join(assessment.reasons)
                    + " (approve with force=True to override)", application_id=application_id)
            extra.update(verdict=assessment.verdict, tap_node=assessment.tap.node,
                         main=assessment.tap.main)
        self._move(application_id, "approved", at, note, extra)

    def connect(self, application_id: str, *, at: datetime | None = None,
                note: str = "") -> None:
        """Mark an approved application as connected (built and supplied).

        Connected demand is expected to be in the network model from then on (the as-built
        model); see :meth:`committed` for models that lag behind.
        """
        self._move(application_id, "connected", at, note)

    def withdraw(self, application_id: str, *, at: datetime | None = None,
                 note: str = "") -> None:
        """Withdraw a received or approved application (its demand leaves the network)."""
        self._move(application_id, "withdrawn", at, note)

    # ---- reading -----------------------------------------------------------------------------
    def get(self, application_id: str) -> Application:
        """The application as recorded."""
        row = self._row(application_id)
        if row is None:
            raise ConnectionInputError("application_id", f"{application_id!r} is not in the "
                                       "ledger", application_id=application_id)
        return Application.from_record(json.loads(row["record"]))

    def status(self, application_id: str) -> str:
        """Current status of an application."""
        row = self._row(application_id)
        if row is None:
            raise ConnectionInputError("application_id", f"{application_id!r} is not in the "
                                       "ledger", application_id=application_id)
        return row["status"]

    def committed(self, include_connected: bool = False) -> list[Application]:
        """Approved-but-not-connected applications in approval order (and connected ones with
        ``include_connected``)."""
        states = ("approved", "connected") if include_connected else ("approved",)
        rows = self._db.execute(
            f"SELECT record FROM applications WHERE status IN ({','.join('?' * len(states))}) "
            "ORDER BY approval_seq, application_id", states).fetchall()
        return [Application.from_record(json.loads(r[0])) for r in rows]

    def list(self, status: str | None = None) -> pd.DataFrame:
        """The ledger as a table (one row per application, in order received).

        Columns: ``status``, ``customer_class``, ``demand_l_s``, ``meter_dn``, ``node``,
        ``x_m``, ``y_m``, ``received_at``, ``approved_at``, ``connected_at``,
        ``withdrawn_at`` (datetimes), ``verdict``, ``tap_node``, ``main``, ``note``.
        """
        if status is not None and status not in STATUSES:
            raise ConnectionInputError("status", f"must be one of {', '.join(STATUSES)}")
        sql = ("SELECT application_id, status, customer_class, demand_m3s * 1000.0 AS "
               "demand_l_s, meter_dn, node, x_m, y_m, received_at, approved_at, connected_at, "
               "withdrawn_at, verdict, tap_node, main, note FROM applications")
        args: tuple = ()
        if status is not None:
            sql += " WHERE status = ?"
            args = (status,)
        table = pd.read_sql_query(sql + " ORDER BY received_at, application_id", self._db,
                                  params=args)
        for col in _STAMP.values():
            table[col] = pd.to_datetime(table[col])
        return table.set_index("application_id")

    def events(self) -> pd.DataFrame:
        """Every change, oldest first: ``seq``, ``application_id``, ``at``, ``from_status``,
        ``to_status``, ``note``."""
        table = pd.read_sql_query("SELECT * FROM events ORDER BY seq", self._db)
        table["at"] = pd.to_datetime(table["at"])
        return table

    def connection_times(self, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
        """Working days from receipt to connection for every connected application.

        Returns
        -------
        pandas.DataFrame
            Index ``application_id``; ``customer_class``, ``business``, ``received_at``,
            ``connected_at``, ``working_days`` (office hours, see
            :meth:`WorkingCalendar.working_days_between`).
        """
        from .application import BUSINESS_CLASSES

        cal = calendar or WorkingCalendar()
        table = self.list(status="connected")[["customer_class", "received_at", "connected_at"]]
        table["business"] = table["customer_class"].isin(BUSINESS_CLASSES)
        table["working_days"] = [
            cal.working_days_between(a.to_pydatetime(), b.to_pydatetime())
            for a, b in zip(table["received_at"], table["connected_at"])]
        return table

    def median_connection_days(self, calendar: WorkingCalendar | None = None, *,
                               year: int | None = None, business_only: bool = True) -> float:
        """Median working days from receipt to connection (plan §2 target: <= 0.5 for
        business users); NaN when nothing was connected."""
        table = self.connection_times(calendar)
        if business_only:
            table = table[table["business"]]
        if year is not None:
            table = table[table["connected_at"].dt.year == year]
        if table.empty:
            return float("nan")
        return float(statistics.median(table["working_days"]))
