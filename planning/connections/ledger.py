"""The connection ledger: every application, every step, who did it and when (one SQLite file).

Exports :class:`Ledger`, :data:`STATUSES` and :data:`STEPS`. Read by :mod:`.impact` and
:mod:`.capacity` (approved demand, and connected demand the model lacks, is part of the
network: :meth:`Ledger.committed`), by :mod:`.batch`
and :mod:`.workflow` (batches of filings and steps) and by :mod:`.clock` (the connection
clock).

Life of an application::

    received --assess--> assessed --approve--> approved --connect--> connected
        |                 |  ^  \\                   \\
        |                 `--'   `--reject--> rejected `--withdraw--> withdrawn
        `--reject / withdraw (a received or assessed application)

An application is approved only after an assessment is recorded (``assess``; approving with
an ``assessment`` records both in one transaction); it is connected only once approved.

Audit trail
-----------
Every step is a new row of ``events`` (``at`` the time of the step, ``who`` made it,
``recorded_at`` when it was entered, ``detail`` what came with it: the filed record, the
verdict, the corrected record). ``events`` is append-only: SQLite triggers refuse any UPDATE
or DELETE of it. The ``applications`` table is the current state those events lead to (kept
in the same transaction as each event, for the studies' queries). A correction
(:meth:`Ledger.correct`) is a new event carrying the new record; the old one stays in the
earlier event.

Several writers
---------------
Each change is one SQLite transaction (``BEGIN IMMEDIATE ... COMMIT``) that checks the
change against the committed state inside the transaction, so two sessions or processes
writing at once lose nothing, and a change that is bad (unknown application, a step out of
order, times going backwards, a duplicate id) raises
:class:`~planning.connections.errors.ConnectionInputError` with the file unchanged. A writer
waits up to :data:`BUSY_TIMEOUT_S` for another's transaction.

Files of schema version 1 (no assessment step, no ``who``) are migrated in place to version 2
when opened, in one transaction: their rows are kept, their events get ``who`` =
:data:`UNKNOWN_WHO`. The file is plain SQLite (stdlib ``sqlite3``); other tools can read it.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from planning.sqlite_check import integrity_problem

from .application import Application
from .errors import ConnectionInputError
from .policy import WorkingCalendar

STATUSES = ("received", "assessed", "approved", "rejected", "connected", "withdrawn")
"""Statuses of an application in the ledger."""
STEPS = {"assess": "assessed", "approve": "approved", "reject": "rejected",
         "connect": "connected", "withdraw": "withdrawn"}
"""Steps after filing, and the status each leads to."""
_NEXT = {"received": ("assessed", "rejected", "withdrawn"),
         "assessed": ("assessed", "approved", "rejected", "withdrawn"),
         "approved": ("connected", "withdrawn"),
         "rejected": (), "connected": (), "withdrawn": ()}
_STAMP = {"received": "received_at", "assessed": "assessed_at", "approved": "approved_at",
          "rejected": "rejected_at", "connected": "connected_at", "withdrawn": "withdrawn_at"}
_WHY = {"approved": "assess it first", "connected": "approve it first"}
SCHEMA_VERSION = "2"
UNKNOWN_WHO = "unknown (ledger schema 1)"
"""``who`` of the events of a migrated schema-1 file (it did not record who)."""
BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another writer's transaction, s."""

_APPLICATIONS = f"""
CREATE TABLE IF NOT EXISTS {{name}} (
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
    assessed_at TEXT,
    approved_at TEXT,
    rejected_at TEXT,
    connected_at TEXT,
    withdrawn_at TEXT,
    approval_seq INTEGER,
    verdict TEXT,
    track TEXT,
    external_line_m REAL,
    tap_node TEXT,
    main TEXT,
    note TEXT NOT NULL DEFAULT ''
)"""
_EVENTS = """
CREATE TABLE IF NOT EXISTS {name} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications(application_id),
    at TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{{}}'
)"""
_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END",
)
_V1_APPLICATION_COLUMNS = (
    "application_id, status, record, customer_class, demand_m3s, meter_dn, node, x_m, y_m, "
    "received_at, approved_at, connected_at, withdrawn_at, approval_seq, verdict, tap_node, "
    "main, note")


def _stamp(at: datetime | date | str | None, application_id: str | None = None) -> datetime:
    """A step's time: given (a datetime, a date = its midnight, ISO text) or now."""
    if at is None:
        return datetime.now().replace(microsecond=0)
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.strip())
        except ValueError:
            raise ConnectionInputError("at", f"not a date-time (YYYY-MM-DD HH:MM): {at!r}",
                                       application_id=application_id) from None
    if isinstance(at, datetime):
        if at.tzinfo is not None:  # the ledger keeps local wall-clock times
            at = at.replace(tzinfo=None)
        return at
    if isinstance(at, date):
        return datetime.combine(at, datetime.min.time())
    raise ConnectionInputError("at", f"must be a datetime, got {at!r}",
                               application_id=application_id)


def _who(who: str | None) -> str:
    """Who made a step: given, else the operating-system user."""
    if who is None:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no user name in a bare container
            who = ""
    who = str(who).strip()
    if not who:
        raise ConnectionInputError("who", "give the name of the person making this step")
    return who


class Ledger:
    """Applications, their steps and their status in an SQLite file.

    Parameters
    ----------
    path : str or pathlib.Path
        The database file (created with its tables if missing; a schema-1 file is migrated);
        ``":memory:"`` for a throw-away ledger.
    placement : gis.Placement, optional
        The CRS placement of the applications' locations, stored in the file; studies and
        maps that use the ledger take it (see :meth:`set_placement`).

    Raises
    ------
    ConnectionInputError
        Field ``ledger``: ``path`` is not an SQLite file, or another SQLite file (an outage
        log, a GeoPackage), or a ledger of a newer schema; it is refused and left unchanged.

    Examples
    --------
    >>> ledger = Ledger("connections.sqlite")                             # doctest: +SKIP
    >>> ledger.add(app, who="Li")                                         # doctest: +SKIP
    >>> ledger.assess(app.application_id, assessment=result, who="Li")   # doctest: +SKIP
    >>> ledger.approve(app.application_id, who="Wang")                    # doctest: +SKIP
    >>> ledger.connect(app.application_id, who="Zhao")                    # doctest: +SKIP
    """

    def __init__(self, path: str | Path, placement=None):
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_S)
        try:
            self._refuse_foreign_file()
            self._create_or_migrate()
        except BaseException:
            self._db.close()
            raise
        self._db.execute("PRAGMA foreign_keys = ON")
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
        tables.discard("sqlite_sequence")
        if tables and not {"applications", "events", "meta"} <= tables:
            raise ConnectionInputError(
                "ledger", f"{name} is an SQLite file but not a connection ledger (it holds the "
                f"tables {', '.join(sorted(tables))}); it was left unchanged")
        problem = integrity_problem(self._db) if tables else None
        if problem:
            raise ConnectionInputError(
                "ledger", f"{name} is damaged (SQLite integrity check: {problem}); it was left "
                "unchanged: restore it from a backup")

    def _create_or_migrate(self) -> None:
        """Create the tables of a new file, or migrate a schema-1 file (one transaction)."""
        with self._transaction() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                        "value TEXT NOT NULL)")
            row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = row[0] if row else None
            if version == "1":
                self._migrate_v1(cur)
            elif version not in (None, SCHEMA_VERSION):
                raise ConnectionInputError(
                    "ledger", f"{Path(self.path).name}: schema version {version}, this tool "
                    f"reads 1 and {SCHEMA_VERSION}; it was left unchanged")
            cur.execute(_APPLICATIONS.format(name="applications"))
            cur.execute(_EVENTS.format(name="events"))
            for trigger in _TRIGGERS:
                cur.execute(trigger)
            if version != SCHEMA_VERSION:  # new or migrated (an open leaves a file as it is)
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                            (SCHEMA_VERSION,))
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('revision', '0')")
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('connected_in_model', '0')")

    @staticmethod
    def _migrate_v1(cur) -> None:
        """Schema 1 -> 2: new statuses and columns, ``who`` on events; rows kept."""
        cur.execute(_APPLICATIONS.format(name="applications_v2"))
        cur.execute(f"INSERT INTO applications_v2 ({_V1_APPLICATION_COLUMNS}) "
                    f"SELECT {_V1_APPLICATION_COLUMNS} FROM applications")
        cur.execute(_EVENTS.format(name="events_v2"))
        cur.execute("INSERT INTO events_v2 (seq, application_id, at, from_status, to_status, "
                    "note, who, recorded_at) SELECT seq, application_id, at, from_status, "
                    "to_status, note, ?, at FROM events", (UNKNOWN_WHO,))
        cur.execute("DROP TABLE events")
        cur.execute("DROP TABLE applications")
        cur.execute("ALTER TABLE applications_v2 RENAME TO applications")
        cur.execute("ALTER TABLE events_v2 RENAME TO events")
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('migrated_from', '1')")
        # schema 1 took connected applications to be in the network model already
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('connected_in_model', '1')")

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
    def schema_version(self) -> str:
        """The file's schema version (``"2"``)."""
        return self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                ).fetchone()[0]

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
    def connected_in_model(self) -> bool:
        """Whether the network model already holds the connected applications (an as-built
        model). False (a new ledger's default): connected demand is added to the network
        like approved demand, so nothing connected since the model was drawn is missed."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'connected_in_model'"
                               ).fetchone()
        return row is not None and row[0] == "1"

    def set_connected_in_model(self, value: bool) -> None:
        """Say whether the network model holds the connected applications (one
        transaction; studies rebuild their network)."""
        with self._transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('connected_in_model', ?)",
                        ("1" if value else "0",))
            cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                        "WHERE key = 'revision'")

    @property
    def revision(self) -> int:
        """Number of changes made so far (any process); grows with every change."""
        return int(self._db.execute("SELECT value FROM meta WHERE key = 'revision'")
                   .fetchone()[0])

    def _row(self, application_id: str, cur=None):
        cur = (cur or self._db).execute("SELECT * FROM applications WHERE application_id = ?",
                                        (application_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row))

    @staticmethod
    def _event(cur, application_id, at, old, new, note, who, detail=None) -> None:
        cur.execute("INSERT INTO events (application_id, at, from_status, to_status, note, "
                    "who, recorded_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (application_id, at.isoformat(), old, new, note, who,
                     datetime.now().replace(microsecond=0).isoformat(),
                     json.dumps(detail or {}, sort_keys=True)))
        cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")

    # ---- filing ----------------------------------------------------------------------------
    def add(self, app: Application, *, at: datetime | None = None, note: str = "",
            check=None, who: str | None = None) -> str:
        """File a received application (one transaction).

        Parameters
        ----------
        app : Application
        at : datetime, optional
            When it was received; now by default.
        note : str
        check : ConnectionStudy, optional
            Also check the application against the network (node, extent, mains) first;
            the study's placement becomes the ledger's if it has none.
        who : str, optional
            Who filed it; the operating-system user by default.

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
        self.add_many([app], at=at, note=note, check=check, who=who)
        return app.application_id

    def add_many(self, apps: Iterable[Application], *, at=None, note: str = "", check=None,
                 who=None, rows: Iterable[int] | None = None) -> list[str]:
        """File several received applications in ONE transaction (all or none).

        ``at`` and ``who`` are one value for all, or a list with one per application;
        ``rows`` (optional) are the batch rows named in errors.
        """
        apps = list(apps)
        rows = list(rows) if rows is not None else [None] * len(apps)
        times = list(at) if isinstance(at, (list, tuple)) else [at] * len(apps)
        names = list(who) if isinstance(who, (list, tuple)) else [who] * len(apps)
        if not len(times) == len(names) == len(rows) == len(apps):
            raise ConnectionInputError("at", "give one time, person and row per application")
        names = [_who(n) for n in names]
        seen: dict[str, int | None] = {}
        stamps = []
        for app, when, row in zip(apps, times, rows):
            if not isinstance(app, Application):
                raise ConnectionInputError("application", f"expected an Application, got {app!r}",
                                           row=row)
            aid = app.application_id
            if aid in seen:
                first = seen[aid]
                raise ConnectionInputError(
                    "application_id", "duplicate" + (f" of row {first}" if first else "")
                    + " in this batch", row=row, application_id=aid)
            seen[aid] = row
            try:
                stamps.append(_stamp(when, aid))
                if check is not None:
                    check.check(app)
            except ConnectionInputError as exc:
                raise exc if row is None else exc.at_row(row) from None
        if check is not None and self.placement is None:
            self.set_placement(check.placement)
        with self._transaction() as cur:
            for app, when, row, name in zip(apps, stamps, rows, names):
                if self._row(app.application_id, cur) is not None:  # inside the transaction
                    raise ConnectionInputError("application_id", "already in the ledger",
                                               row=row, application_id=app.application_id)
                record = app.to_record()
                cur.execute(
                    "INSERT INTO applications (application_id, status, record, customer_class, "
                    "demand_m3s, meter_dn, node, x_m, y_m, received_at, note) "
                    "VALUES (?, 'received', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (app.application_id, json.dumps(record), app.customer_class,
                     app.demand_m3s, app.meter_dn, app.node, app.x_m, app.y_m,
                     when.isoformat(), note))
                self._event(cur, app.application_id, when, None, "received", note, name,
                            {"record": record})
        return [a.application_id for a in apps]

    def correct(self, app: Application, *, at=None, note: str = "",
                who: str | None = None) -> None:
        """Correct a received or assessed application's record (a new event; the old record
        stays in the ledger's history). It goes back to "received": assess it again."""
        when = _stamp(at, getattr(app, "application_id", None))
        name = _who(who)
        if not isinstance(app, Application):
            raise ConnectionInputError("application", f"expected an Application, got {app!r}")
        aid = app.application_id
        with self._transaction() as cur:
            row = self._checked_row(cur, aid, "received", when, allowed=("received", "assessed"))
            record = app.to_record()
            cur.execute("UPDATE applications SET status = 'received', record = ?, "
                        "customer_class = ?, demand_m3s = ?, meter_dn = ?, node = ?, x_m = ?, "
                        "y_m = ?, assessed_at = NULL, verdict = NULL, track = NULL, "
                        "external_line_m = NULL, tap_node = NULL, main = NULL "
                        "WHERE application_id = ?",
                        (json.dumps(record), app.customer_class, app.demand_m3s, app.meter_dn,
                         app.node, app.x_m, app.y_m, aid))
            self._event(cur, aid, when, row["status"], "received", note or "corrected", name,
                        {"record": record, "corrected": True})

    # ---- steps -----------------------------------------------------------------------------
    def _checked_row(self, cur, application_id: str, new: str, when: datetime,
                     allowed: tuple | None = None, row_no: int | None = None) -> dict:
        """The current row, once ``new`` at ``when`` is a valid next step (else raise)."""
        row = self._row(application_id, cur)
        if row is None:
            raise ConnectionInputError("application_id", f"{application_id!r} is not in the "
                                       "ledger", row=row_no, application_id=application_id)
        old = row["status"]
        ok = old in allowed if allowed is not None else new in _NEXT[old]
        if not ok:
            nexts = ", ".join(s for s in _NEXT[old] if s != old) or "nothing (final)"
            why = f" ({_WHY[new]})" if new in _WHY and old in ("received", "assessed") else ""
            raise ConnectionInputError(
                "status", f"cannot go from {old} to {new}{why}; from {old}: {nexts}",
                row=row_no, application_id=application_id)
        last = max(datetime.fromisoformat(row[c]) for c in _STAMP.values() if row[c])
        if when < last:
            raise ConnectionInputError(
                "at", f"{when.isoformat()} is before the last step "
                f"({last.isoformat()})", row=row_no, application_id=application_id)
        return row

    def _move(self, cur, application_id: str, new: str, when: datetime, note: str, who: str,
              extra: dict | None = None, detail: dict | None = None,
              row_no: int | None = None) -> None:
        row = self._checked_row(cur, application_id, new, when, row_no=row_no)
        sets = {"status": new, _STAMP[new]: when.isoformat(), **(extra or {})}
        if new == "approved":
            sets["approval_seq"] = int(cur.execute(
                "SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]) + 1
        if note:
            sets["note"] = (row["note"] + "\n" + note).strip()
        cur.execute(f"UPDATE applications SET {', '.join(k + ' = ?' for k in sets)} "
                    "WHERE application_id = ?", (*sets.values(), application_id))
        self._event(cur, application_id, when, row["status"], new, note, who, detail)

    def step(self, application_id: str, step: str, *, at=None, note: str = "",
             who: str | None = None, verdict: str | None = None, **kw) -> None:
        """Record one step by name (``assess``, ``approve``, ``reject``, ``connect``,
        ``withdraw``); see those methods."""
        if step not in STEPS:
            raise ConnectionInputError("step", f"must be one of {', '.join(STEPS)}, got "
                                       f"{step!r}", application_id=application_id)
        call = getattr(self, step)
        if step == "assess":
            kw["verdict"] = verdict
        call(application_id, at=at, note=note, who=who, **kw)

    def assess(self, application_id: str, *, assessment=None, verdict: str | None = None,
               at=None, note: str = "", who: str | None = None) -> None:
        """Record an assessment (a new one supersedes the last; each stays in the history).

        Parameters
        ----------
        assessment : Assessment, optional
            The hydraulic assessment: its verdict, track, connection deadline (working
            days), tap junction and main are recorded.
        verdict : str, optional
            Without ``assessment``: the verdict reached elsewhere (``pass``, ``pass with
            conditions``, ``fail``).
        """
        when = _stamp(at, application_id)
        name = _who(who)
        extra = self._assessment_fields(application_id, assessment, verdict)
        with self._transaction() as cur:
            self._move(cur, application_id, "assessed", when, note, name, extra,
                       detail=extra)

    @staticmethod
    def _assessment_fields(application_id, assessment, verdict) -> dict:
        if assessment is not None:
            if assessment.application.application_id != application_id:
                raise ConnectionInputError("assessment", "belongs to application "
                                           f"{assessment.application.application_id!r}",
                                           application_id=application_id)
            return {"verdict": assessment.verdict, "track": assessment.terms.track,
                    "external_line_m": float(assessment.terms.external_line_m),
                    "tap_node": assessment.tap.node, "main": assessment.tap.main}
        if verdict not in ("pass", "pass with conditions", "fail"):
            raise ConnectionInputError("verdict", "give an assessment, or a verdict: pass, "
                                       f"pass with conditions or fail (got {verdict!r})",
                                       application_id=application_id)
        return {"verdict": verdict}

    def approve(self, application_id: str, *, at=None, note: str = "", assessment=None,
                force: bool = False, who: str | None = None) -> None:
        """Approve an assessed application; from now on its demand is part of the network.

        Parameters
        ----------
        assessment : Assessment, optional
            Recorded first as the assessment step (same time, same person, one
            transaction): approving a received application needs one.
        force : bool
            Approve although the recorded verdict is ``"fail"``.
        """
        when = _stamp(at, application_id)
        name = _who(who)
        extra = (None if assessment is None
                 else self._assessment_fields(application_id, assessment, None))
        with self._transaction() as cur:
            if extra is not None:
                self._move(cur, application_id, "assessed", when, "", name, extra, extra)
            row = self._row(application_id, cur)
            if row is not None and row["verdict"] == "fail" and row["status"] == "assessed" \
                    and not force:
                raise ConnectionInputError(
                    "verdict", "the assessment failed (approve with force=True to override)",
                    application_id=application_id)
            self._move(cur, application_id, "approved", when, note, name,
                       detail={"forced": True} if force else None)

    def reject(self, application_id: str, *, at=None, note: str = "",
               who: str | None = None) -> None:
        """Reject a received or assessed application (final)."""
        self._simple(application_id, "rejected", at, note, who)

    def connect(self, application_id: str, *, at=None, note: str = "",
                who: str | None = None) -> None:
        """Mark an approved application as connected (built and supplied).

        Connected demand is expected to be in the network model from then on (the as-built
        model); see :meth:`committed` for models that lag behind.
        """
        self._simple(application_id, "connected", at, note, who)

    def withdraw(self, application_id: str, *, at=None, note: str = "",
                 who: str | None = None) -> None:
        """Withdraw a received, assessed or approved application (its demand leaves the
        network)."""
        self._simple(application_id, "withdrawn", at, note, who)

    def _simple(self, application_id, new, at, note, who) -> None:
        when = _stamp(at, application_id)
        name = _who(who)
        with self._transaction() as cur:
            self._move(cur, application_id, new, when, note, name)

    def record_steps(self, steps: Iterable[Mapping]) -> int:
        """Record several steps in ONE transaction (all or none), in the order given.

        Each step is a mapping with ``application_id``, ``step`` (a key of :data:`STEPS`),
        ``at`` (datetime or ISO text; now if empty), ``who``, ``note`` (optional),
        ``verdict`` (for ``assess``) and ``row`` (the batch row named in errors).

        Raises
        ------
        ConnectionInputError
            The first bad step, by row and field (unknown application, a step out of order
            such as approve before assess or connect before approve, a bad date, a missing
            name); nothing is recorded.
        """
        steps = list(steps)
        with self._transaction() as cur:
            for s in steps:
                row_no = s.get("row")
                aid = str(s.get("application_id") or "").strip()
                try:
                    if not aid:
                        raise ConnectionInputError("application_id", "missing")
                    step = str(s.get("step") or "").strip().lower()
                    if step not in STEPS:
                        raise ConnectionInputError(
                            "step", f"must be one of {', '.join(STEPS)}, got {step!r}",
                            application_id=aid)
                    at = s.get("at")
                    when = _stamp(None if at in (None, "") else at, aid)
                    name = _who(s.get("who") or "")
                    extra = detail = None
                    new = STEPS[step]
                    if step == "assess":
                        extra = detail = self._assessment_fields(aid, None, s.get("verdict"))
                    elif step == "approve":
                        current = self._row(aid, cur)
                        if current is not None and current["verdict"] == "fail" \
                                and current["status"] == "assessed":
                            raise ConnectionInputError("verdict", "the assessment failed; "
                                                       "reject it or assess it again",
                                                       application_id=aid)
                    self._move(cur, aid, new, when, str(s.get("note") or ""), name, extra,
                               detail, row_no=row_no)
                except ConnectionInputError as exc:
                    raise exc.at_row(row_no) if row_no is not None and exc.row is None \
                        else exc from None
        return len(steps)

    # ---- reading -----------------------------------------------------------------------------
    def get(self, application_id: str) -> Application:
        """The application as recorded (its latest correction)."""
        row = self._row(application_id)
        if row is None:
            raise ConnectionInputError("application_id", f"{application_id!r} is not in the "
                                       "ledger", application_id=application_id)
        return Application.from_record(json.loads(row["record"]))

    def records(self) -> dict[str, dict]:
        """``{application_id: record}`` of every application (its latest correction)."""
        rows = self._db.execute("SELECT application_id, record FROM applications").fetchall()
        return {aid: json.loads(rec) for aid, rec in rows}

    def status(self, application_id: str) -> str:
        """Current status of an application."""
        row = self._row(application_id)
        if row is None:
            raise ConnectionInputError("application_id", f"{application_id!r} is not in the "
                                       "ledger", application_id=application_id)
        return row["status"]

    def committed(self, include_connected: bool = False) -> list[Application]:
        """The applications whose demand the network model lacks, in approval order:
        approved ones, and connected ones too unless :attr:`connected_in_model` (or always
        with ``include_connected``)."""
        include_connected = include_connected or not self.connected_in_model
        states = ("approved", "connected") if include_connected else ("approved",)
        rows = self._db.execute(
            f"SELECT record FROM applications WHERE status IN ({','.join('?' * len(states))}) "
            "ORDER BY approval_seq, application_id", states).fetchall()
        return [Application.from_record(json.loads(r[0])) for r in rows]

    def list(self, status: str | None = None) -> pd.DataFrame:
        """The ledger as a table (one row per application, in order received).

        Columns: ``status``, ``customer_class``, ``demand_l_s``, ``meter_dn``, ``node``,
        ``x_m``, ``y_m``, ``received_at``, ``assessed_at``, ``approved_at``,
        ``rejected_at``, ``connected_at``, ``withdrawn_at`` (datetimes), ``verdict``,
        ``track``, ``external_line_m``, ``tap_node``, ``main``, ``note``.
        """
        if status is not None and status not in STATUSES:
            raise ConnectionInputError("status", f"must be one of {', '.join(STATUSES)}")
        sql = ("SELECT application_id, status, customer_class, demand_m3s * 1000.0 AS "
               "demand_l_s, meter_dn, node, x_m, y_m, "
               + ", ".join(_STAMP.values())
               + ", verdict, track, external_line_m, tap_node, main, note FROM applications")
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
        """Every step, oldest first: ``seq``, ``application_id``, ``at``, ``from_status``,
        ``to_status``, ``note``, ``who``, ``recorded_at``, ``detail`` (JSON text)."""
        table = pd.read_sql_query("SELECT * FROM events ORDER BY seq", self._db)
        table["at"] = pd.to_datetime(table["at"])
        table["recorded_at"] = pd.to_datetime(table["recorded_at"])
        return table

    def connection_times(self, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
        """Working days from receipt to connection for every connected application
        (:func:`.clock.connection_clock`, connected rows)."""
        from .clock import connection_clock

        table = connection_clock(self, calendar=calendar)
        table = table[table["status"] == "connected"]
        return table.rename(columns={"total_days": "working_days"})

    def median_connection_days(self, calendar: WorkingCalendar | None = None, *,
                               year: int | None = None, business_only: bool = True) -> float:
        """Median working days from receipt to connection (plan §2 target: <= 0.5 for
        business users); NaN when nothing was connected (:func:`.clock.median_days`)."""
        from .clock import connection_clock, median_days

        return median_days(connection_clock(self, calendar=calendar), year=year,
                           business_only=business_only)
