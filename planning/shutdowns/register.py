"""The outage register: every planned shutdown and burst as a record, with an audit trail.

A record (:class:`RegisterEntry`) holds what §14 and §19 ask of an outage: the approved
window and approval reference (planned works), when notice went out, the actual start and
end, the customers affected and whether emergency supply was given. Records are stored in
an SQLite file (:class:`OutageRegister`) and never overwritten: a correction is a new row
of the same outage (``outage_id``) with the next ``version``, who made it and when; the
register's *current* view is the newest version of each outage.

Several people may write at once: each write is one ``BEGIN IMMEDIATE`` transaction (the
outage id and version are taken inside it), so concurrent writers queue rather than lose
rows (``timeout_s`` each).

Compliance flags per record (:func:`compliance_flags`):

``notice_under_24h``
    Planned, and notice went out less than 24 h before the actual (else approved) start,
    or not at all.
``over_24h_without_emergency``
    The outage (actual, else approved window) lasted more than 24 h and no emergency
    supply was given (§14).
``no_approval``
    Planned, with no approval reference.

Exports :class:`RegisterEntry`, :class:`OutageRegister`, :func:`compliance_flags`,
:func:`outage_table` (the current records in the shape ``quarterly_indicators`` reads),
:data:`ENTRY_FIELDS`.
"""

from __future__ import annotations

import math
import os
import sqlite3
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from numbers import Integral, Real
from pathlib import Path

import pandas as pd

from planning.sqlite_check import refusal

from .errors import ShutdownInputError

NOTICE_MIN_H = 24.0
"""Least notice before a planned shutdown, h (§14)."""
EMERGENCY_AFTER_H = 24.0
"""Outages longer than this need emergency supply, h (§14)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS register_entries (
    entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    outage_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('planned', 'unplanned')),
    job_id TEXT NOT NULL DEFAULT '',
    pipe TEXT NOT NULL DEFAULT '',
    area TEXT NOT NULL DEFAULT '',
    approved_start TEXT,
    approved_end TEXT,
    approval_ref TEXT NOT NULL DEFAULT '',
    notice_issued TEXT,
    actual_start TEXT,
    actual_end TEXT,
    customers INTEGER NOT NULL CHECK (customers >= 0),
    customer_hours REAL,
    emergency_supply INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (outage_id, version)
);
CREATE TABLE IF NOT EXISTS quarter_figures (
    entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    key TEXT NOT NULL,
    value REAL NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS register_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO register_meta (key, value) VALUES ('schema_version', '1');
"""

ENTRY_FIELDS = ("kind", "job_id", "pipe", "area", "approved_start", "approved_end",
                "approval_ref", "notice_issued", "actual_start", "actual_end", "customers",
                "customer_hours", "emergency_supply", "note")
"""Fields of a record a person enters (besides who and when)."""
_TIMES = ("approved_start", "approved_end", "notice_issued", "actual_start", "actual_end")


@dataclass(frozen=True)
class RegisterEntry:
    """One outage as recorded (all times naive local).

    Attributes
    ----------
    kind : {"planned", "unplanned"}
    job_id, pipe, area : str
    approved_start, approved_end : datetime, optional
        The window the works were approved for (planned).
    approval_ref : str
        The approval's reference ("" when none).
    notice_issued : datetime, optional
    actual_start, actual_end : datetime, optional
        When the water actually went off and came back (None while not yet known).
    customers : int
        Accounts without water.
    customer_hours : float, optional
        Customer-hours without water when known; else customers x duration.
    emergency_supply : bool
    note : str
    """

    kind: str
    customers: int
    job_id: str = ""
    pipe: str = ""
    area: str = ""
    approved_start: datetime | None = None
    approved_end: datetime | None = None
    approval_ref: str = ""
    notice_issued: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    customer_hours: float | None = None
    emergency_supply: bool = False
    note: str = ""

    def check(self, row=None, source: str = "outage register", links=None) -> None:
        """Raise :class:`ShutdownInputError` (row and field named) on a bad field.

        ``links`` (a set of link names) also checks ``pipe`` against the network.
        """
        def bad(name, problem):
            return ShutdownInputError(source, row, name, problem)

        if self.kind not in ("planned", "unplanned"):
            raise bad("kind", f"{self.kind!r} is not 'planned' or 'unplanned'")
        for name in _TIMES:
            v = getattr(self, name)
            if v is not None and not isinstance(v, datetime):
                raise bad(name, f"{v!r} is not a date and time")
        for a, b in (("approved_start", "approved_end"), ("actual_start", "actual_end")):
            t0, t1 = getattr(self, a), getattr(self, b)
            if t0 is not None and t1 is not None and t1 < t0:
                raise bad(b, f"{t1:%Y-%m-%d %H:%M} is before {a} {t0:%Y-%m-%d %H:%M}")
        if self.actual_end is not None and self.actual_start is None:
            raise bad("actual_start", "an actual end needs an actual start")
        if self.kind == "unplanned" and self.actual_start is None:
            raise bad("actual_start", "a burst is recorded with its actual start")
        if isinstance(self.customers, bool) or not isinstance(self.customers, Real) or not (
                isinstance(self.customers, Integral) or float(self.customers).is_integer()):
            raise bad("customers", f"{self.customers!r} is not a whole number of accounts")
        if self.customers < 0:
            raise bad("customers", "negative")
        if self.customer_hours is not None and (
                isinstance(self.customer_hours, bool) or not isinstance(self.customer_hours, Real)
                or not math.isfinite(self.customer_hours) or self.customer_hours < 0):
            raise bad("customer_hours", f"{self.customer_hours!r} must be a number >= 0")
        for name in ("job_id", "pipe", "area", "approval_ref", "note"):
            if not isinstance(getattr(self, name), str):
                raise bad(name, f"{getattr(self, name)!r} is not text")
        if links is not None and self.pipe and self.pipe not in links:
            raise bad("pipe", f"no pipe {self.pipe!r} in the network")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="minutes")


def _begin(db: sqlite3.Connection) -> None:
    """Start a write transaction, waiting for other writers up to the connection's timeout."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise ShutdownInputError("outage register", None, None,
                                 f"busy ({exc}): another writer held it too long; nothing "
                                 "was stored, try again") from None


def _who(by) -> str:
    if not isinstance(by, str) or not by.strip():
        raise ShutdownInputError("outage register", None, "recorded_by",
                                 "say who records it (a name)")
    return by.strip()


class OutageRegister:
    """The outage register in an SQLite file (created on first use).

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``":memory:"`` for a throw-away register.
    timeout_s : float
        How long a writer waits for another's transaction, s.

    Raises
    ------
    ShutdownInputError
        ``path`` is another kind of SQLite file: refused, left unchanged.
    """

    def __init__(self, path: str | os.PathLike, timeout_s: float = 30.0):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None,
                                     check_same_thread=False)
        try:
            tables, refused = refusal(self._conn, "register_entries", "an outage register")
            if refused:
                raise ShutdownInputError(Path(self.path).name, None, None, refused)
            if "quarter_figures" not in tables:  # a new file (schema creation writes)
                self._conn.executescript(_SCHEMA)
        except sqlite3.OperationalError as exc:
            self.close()
            raise ShutdownInputError(Path(self.path).name, None, None,
                                     f"cannot open the outage register: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ShutdownInputError(Path(self.path).name, None, None,
                                     f"not an outage register: {exc}") from None
        except ShutdownInputError:
            self.close()
            raise

    def __enter__(self) -> OutageRegister:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (safe twice)."""
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
            self._conn = None

    def _write(self, rows: list[tuple[int | None, RegisterEntry]], by: str) -> list[int]:
        """Insert rows in one immediate transaction; ``None`` outage id = a new outage."""
        db = self._conn
        if db is None:
            raise RuntimeError("the outage register is closed")
        now = datetime.now().isoformat(timespec="seconds")
        _begin(db)
        try:
            ids = []
            next_id = db.execute("SELECT COALESCE(MAX(outage_id), 0) + 1 "
                                 "FROM register_entries").fetchone()[0]
            for outage_id, e in rows:
                if outage_id is None:
                    outage_id, version = next_id, 1
                    next_id += 1
                else:
                    version = db.execute("SELECT MAX(version) FROM register_entries WHERE "
                                         "outage_id = ?", (outage_id,)).fetchone()[0]
                    if version is None:
                        raise ShutdownInputError("outage register", outage_id, "outage_id",
                                                 "no such outage")
                    version += 1
                db.execute(
                    "INSERT INTO register_entries (outage_id, version, kind, job_id, pipe, "
                    "area, approved_start, approved_end, approval_ref, notice_issued, "
                    "actual_start, actual_end, customers, customer_hours, emergency_supply, "
                    "note, recorded_by, recorded_at) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (outage_id, version, e.kind, e.job_id, e.pipe, e.area,
                     _iso(e.approved_start), _iso(e.approved_end), e.approval_ref,
                     _iso(e.notice_issued), _iso(e.actual_start), _iso(e.actual_end),
                     int(e.customers), None if e.customer_hours is None
                     else float(e.customer_hours), int(bool(e.emergency_supply)), e.note,
                     by, now))
                ids.append(int(outage_id))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return ids

    def record(self, entry: RegisterEntry, by: str, links=None) -> int:
        """Store a new outage; returns its ``outage_id``."""
        return self.record_many([entry], by, links=links)[0]

    def record_many(self, entries, by: str, *, links=None,
                    source: str = "outage register", row_numbers=None) -> list[int]:
        """Store new outages, all or none (every row is checked first; errors name the
        row: ``row_numbers`` or 1, 2, ...). Returns their outage ids."""
        who = _who(by)
        entries = list(entries)
        rows = list(row_numbers) if row_numbers is not None else \
            list(range(1, len(entries) + 1))
        for r, e in zip(rows, entries):
            if not isinstance(e, RegisterEntry):
                raise ShutdownInputError(source, r, None, f"{e!r} is not a RegisterEntry")
            e.check(row=r, source=source, links=links)
        return self._write([(None, e) for e in entries], who)

    def correct(self, outage_id: int, by: str, links=None, **changes) -> int:
        """Record a correction: the current version with ``changes`` applied, as a new
        version (the old one stays in :meth:`history`). Returns the new version number."""
        who = _who(by)
        current = self.current()
        if int(outage_id) not in current.index:
            raise ShutdownInputError("outage register", outage_id, "outage_id",
                                     "no such outage")
        unknown = set(changes) - set(ENTRY_FIELDS)
        if unknown:
            raise ShutdownInputError("outage register", outage_id, sorted(unknown)[0],
                                     "not a field of a record")
        entry = replace(entry_of(current.loc[int(outage_id)]), **changes)
        entry.check(row=outage_id, links=links)
        self._write([(int(outage_id), entry)], who)
        return int(self.history(outage_id)["version"].max())

    def _read(self, where: str = "", args: tuple = ()) -> pd.DataFrame:
        table = pd.read_sql_query("SELECT * FROM register_entries " + where +
                                  " ORDER BY outage_id, version", self._conn, params=args)
        for col in _TIMES:
            table[col] = pd.to_datetime(table[col])
        table["recorded_at"] = pd.to_datetime(table["recorded_at"])
        table["emergency_supply"] = table["emergency_supply"].astype(bool)
        return table

    def history(self, outage_id: int | None = None) -> pd.DataFrame:
        """Every version (the audit trail), of one outage or all."""
        if outage_id is None:
            return self._read()
        return self._read("WHERE outage_id = ?", (int(outage_id),))

    def current(self) -> pd.DataFrame:
        """The newest version of every outage; index ``outage_id``."""
        table = self._read()
        table = table.drop_duplicates("outage_id", keep="last")
        return table.set_index("outage_id")

    def set_figures(self, year: int, quarter: int, by: str, figures: dict) -> None:
        """Enter a quarter's figures (``{key: value}``, e.g. ``leakage_rbl_pct``), all or
        none; earlier entries stay (the newest counts)."""
        who = _who(by)
        if quarter not in (1, 2, 3, 4):
            raise ShutdownInputError("quarter figures", None, "quarter", "must be 1 to 4")
        rows = []
        for key, value in figures.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, Real) or not (
                    math.isfinite(value) and 0 <= value <= 100):
                raise ShutdownInputError("quarter figures", None, key,
                                         f"{value!r} is not a percentage (0 to 100)")
            rows.append((int(year), int(quarter), str(key), float(value)))
        now = datetime.now().isoformat(timespec="seconds")
        db = self._conn
        _begin(db)
        try:
            db.executemany("INSERT INTO quarter_figures (year, quarter, key, value, "
                           "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                           [(*r, who, now) for r in rows])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def figures(self, year: int, quarter: int) -> dict:
        """The newest entered figures of a quarter, ``{key: value}``."""
        rows = self._conn.execute(
            "SELECT key, value FROM quarter_figures WHERE year = ? AND quarter = ? "
            "ORDER BY entry_id", (int(year), int(quarter))).fetchall()
        return dict(rows)

    def __len__(self) -> int:
        return int(self._conn.execute(
            "SELECT COUNT(DISTINCT outage_id) FROM register_entries").fetchone()[0])


def entry_of(row: pd.Series) -> RegisterEntry:
    """The :class:`RegisterEntry` of a row of :meth:`OutageRegister.current`."""
    kw = {}
    for f in fields(RegisterEntry):
        v = row[f.name]
        if f.name in _TIMES:
            v = None if pd.isna(v) else pd.Timestamp(v).to_pydatetime()
        elif f.name == "customer_hours":
            v = None if pd.isna(v) else float(v)
        elif f.name == "customers":
            v = int(v)
        elif f.name == "emergency_supply":
            v = bool(v)
        kw[f.name] = v
    return RegisterEntry(**kw)


def _window(current: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    start = current["actual_start"].fillna(current["approved_start"])
    end = current["actual_end"].fillna(current["approved_end"])
    return start, end


def compliance_flags(current: pd.DataFrame) -> pd.DataFrame:
    """§14/§19 flags per record (definitions in the module notes).

    Parameters
    ----------
    current : pandas.DataFrame
        :meth:`OutageRegister.current`.

    Returns
    -------
    pandas.DataFrame
        Index ``outage_id``; columns ``notice_h`` (NaN when no notice or not planned),
        ``duration_h``, ``notice_under_24h``, ``over_24h_without_emergency``,
        ``no_approval`` (bool), ``flags`` (the raised flags' names, comma-separated).
    """
    start, end = _window(current)
    planned = current["kind"] == "planned"
    notice_h = (start - current["notice_issued"]).dt.total_seconds() / 3600.0
    notice_h = notice_h.where(planned)
    duration_h = (end - start).dt.total_seconds() / 3600.0
    out = pd.DataFrame(index=current.index)
    out["notice_h"] = notice_h
    out["duration_h"] = duration_h
    out["notice_under_24h"] = planned & ~(notice_h >= NOTICE_MIN_H - 1e-9)
    out["over_24h_without_emergency"] = (duration_h > EMERGENCY_AFTER_H) & \
        ~current["emergency_supply"].astype(bool)
    out["no_approval"] = planned & (current["approval_ref"].astype(str).str.strip() == "")
    names = ("notice_under_24h", "over_24h_without_emergency", "no_approval")
    out["flags"] = [", ".join(n for n in names if row[n]) for _, row in out.iterrows()]
    return out


def outage_table(current: pd.DataFrame) -> pd.DataFrame:
    """Current records that have started, in the shape ``OutageLog.records()`` gives
    (``kind``, ``start``, ``end``, ``customers``, ``customer_hours``,
    ``emergency_supply``), for :func:`planning.shutdowns.quarterly_indicators`. An outage
    still open (no end) counts up to its approved end, else its start."""
    start, end = _window(current)
    has = current["actual_start"].notna()
    end = end.fillna(start)
    table = pd.DataFrame({"kind": current["kind"], "start": current["actual_start"],
                          "end": end.where(end >= start, start),
                          "customers": current["customers"],
                          "customer_hours": current["customer_hours"],
                          "emergency_supply": current["emergency_supply"].astype(bool)},
                         index=current.index)
    return table[has]


def as_dict(entry: RegisterEntry) -> dict:
    """A record as a plain dict (times ISO text), e.g. for a form or a download."""
    d = asdict(entry)
    for k in _TIMES:
        d[k] = _iso(d[k])
    return d
