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


def refusal(db: sqlite3.Connection, own_table: str, what: str) -> tuple[set[str], str | None]:
    """The file's tables, and why it is refused (another kind of file, or damaged) or None.

    Parameters
    ----------
    db : sqlite3.Connection
        The file just opened.
    own_table : str
        A table every file of this kind has (an empty file is a new one, never refused).
    what : str
        The kind of file, for the message (``"an outage log"``).

    Returns
    -------
    (set of str, str or None)
    """
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and own_table not in tables:
        return tables, (f"is an SQLite file but not {what} (it holds the tables "
                        f"{', '.join(sorted(tables))}); it was left unchanged")
    problem = integrity_problem(db) if tables else None
    if problem:
        return tables, (f"is damaged (SQLite integrity check: {problem}); it was left "
                        "unchanged: restore it from a backup")
    return tables, None
