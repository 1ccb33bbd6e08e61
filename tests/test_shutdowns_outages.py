"""Outage log (SQLite, transactional) and quarterly indicators."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from planning.shutdowns import OutageLog, OutageRecord, ShutdownInputError, quarterly_indicators


def _records():
    return [
        OutageRecord("planned", datetime(2024, 1, 10, 22), datetime(2024, 1, 11, 4), 100,
                     area="Dianchi Rd", nodes=("J1", "J2"), customer_hours=600.0,
                     pipe="P1", job_id="W-1", notice_issued=datetime(2024, 1, 9, 9)),
        OutageRecord("unplanned", datetime(2024, 2, 3, 14), datetime(2024, 2, 3, 20), 50,
                     pipe="P2"),
        # spans the quarter boundary: 24 h in Q1, 12 h in Q2 (customer-hours split 2:1)
        OutageRecord("unplanned", datetime(2024, 3, 31, 0), datetime(2024, 4, 1, 12), 10,
                     customer_hours=360.0, emergency_supply=True),
        OutageRecord("planned", datetime(2024, 4, 2, 23), datetime(2024, 4, 3, 5), 20),
    ]


def test_log_round_trip(tmp_path):
    path = tmp_path / "outages.sqlite"
    with OutageLog(path) as log:
        ids = log.add_many(_records())
        assert len(log) == 4 and ids == sorted(ids)
    with OutageLog(path) as log:  # persisted
        table = log.records()
        assert len(table) == 4
        first = table.iloc[0]
        assert first["nodes"] == ("J1", "J2") and first["kind"] == "planned"
        assert first["start"] == datetime(2024, 1, 10, 22)
        assert table["emergency_supply"].tolist() == [False, False, True, False]
        q2 = log.records(datetime(2024, 4, 1), datetime(2024, 7, 1))
        assert len(q2) == 2  # the boundary outage and the April one
        log.set_end(ids[1], datetime(2024, 2, 3, 21), customer_hours=350.0)
        assert log.records().loc[ids[1], "customer_hours"] == 350.0
        with pytest.raises(ShutdownInputError):
            log.set_end(9999, datetime(2024, 2, 3, 21))


def test_add_many_is_all_or_nothing(tmp_path):
    bad = OutageRecord("sometimes", datetime(2024, 1, 1), datetime(2024, 1, 2), 1)
    with OutageLog(tmp_path / "o.sqlite") as log:
        with pytest.raises(ShutdownInputError) as e:
            log.add_many(_records()[:2] + [bad])
        assert e.value.field == "kind"
        assert len(log) == 0
        backwards = OutageRecord("planned", datetime(2024, 1, 2), datetime(2024, 1, 1), 1)
        with pytest.raises(ShutdownInputError):
            log.add(backwards)
        # the database itself refuses bad rows too (CHECK constraints)
        with pytest.raises(sqlite3.IntegrityError):
            with log._db():
                log._db().execute(
                    "INSERT INTO outages (kind, start, \"end\", customers, recorded) "
                    "VALUES ('maybe', '2024-01-01', '2024-01-02', 1, '2024-01-01')")
        assert len(log) == 0


def test_quarterly_indicators():
    with OutageLog(":memory:") as log:
        log.add_many(_records())
        q1 = quarterly_indicators(log, 2024, 1, total_customers=1000)
        q2 = quarterly_indicators(log, 2024, 2, total_customers=1000)
    assert q1["planned_outages"] == 1 and q1["unplanned_outages"] == 2
    assert q2["planned_outages"] == 1 and q2["unplanned_outages"] == 0
    # Q1: 600 + 50 x 6 h + 360 x 24/36
    assert q1["customer_hours"] == pytest.approx(600 + 300 + 240)
    assert q1["average_customer_outage_h"] == pytest.approx(1.14)
    assert q1["planned_customer_hours"] == pytest.approx(600)
    assert q1["unplanned_average_customer_outage_h"] == pytest.approx(0.54)
    assert q1["outages_over_24h"] == 1 and q1["with_emergency_supply"] == 1
    # Q2: the 12 h tail of the boundary outage + 20 x 6 h
    assert q2["customer_hours"] == pytest.approx(120 + 120)
    assert q2["period_start"] == datetime(2024, 4, 1)
    with pytest.raises(ValueError):
        quarterly_indicators(log_or_table(), 2024, 5, 1000)


def log_or_table():
    with OutageLog(":memory:") as log:
        log.add_many(_records())
        return log.records()


def test_indicators_from_a_table_and_a_plan():
    table = log_or_table()
    q4 = quarterly_indicators(table, 2023, 4, total_customers=10)
    assert q4["planned_outages"] == 0 and q4["customer_hours"] == 0.0
    with pytest.raises(ValueError):
        quarterly_indicators(table, 2024, 1, total_customers=0)
