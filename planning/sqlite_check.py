"""Integrity check for the planner's SQLite files (connection ledger, outage log).

Exports :func:`integrity_problem`. A file with a damaged page opens without complaint and
fails later, at some query, with a bare ``sqlite3.DatabaseError``; the ledger and the outage
log run SQLite's ``PRAGMA quick_check`` when they open a file instead and refuse a damaged
one in words (restore it from a backup), before anything is read or written.
"""

from __future__ import annotations

import sqlite3


def integrity_problem(db: sqlite3.Connection) -> str | None:
    """What SQLite's ``PRAGMA quick_check`` finds wrong with an open database, or None.

    Parameters
    ----------
    db : sqlite3.Connection

    Returns
    -------
    str or None
        None for a sound file; else the first problems SQLite reports (at most three).
    """
    try:
        rows = [str(r[0]) for r in db.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows)
