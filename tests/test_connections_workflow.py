"""The ledger as a workflow: who and when of every step, batches, the clock, several writers."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.networks import network_path
from models import load_network
from planning.connections import (
    Application,
    ConnectionInputError,
    ConnectionStudy,
    Ledger,
    LedgerBatchError,
    Policy,
    connection_clock,
    file_batch,
    median_table,
    record_step_batch,
    spare_capacity_map,
)
from planning.connections.ledger import UNKNOWN_WHO

REPO = Path(__file__).resolve().parents[1]
SCHEMA1 = REPO / "tests" / "data" / "ledger_schema1.sqlite"
T = dt.datetime


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _app(aid, cls="commercial", **kw):
    return Application(aid, demand_l_s=0.5, node="123", customer_class=cls, meter_dn=25,
                       service_length_m=0.0, **kw)


# March 2025 has no statutory holiday and no make-up day: Monday-Friday are the working
# days on every calendar this project uses, so the hand counts below hold on each.
def _worked_ledger(path) -> Ledger:
    ledger = Ledger(path)
    steps = {  # id: (class, low_risk, filed, assessed, approved, connected)
        "B-1": ("commercial", False, T(2025, 3, 3, 9, 30), T(2025, 3, 3, 10, 30),
                T(2025, 3, 3, 11, 0), T(2025, 3, 3, 13, 30)),
        "B-2": ("industrial", True, T(2025, 3, 7, 16, 0), T(2025, 3, 7, 16, 30),
                T(2025, 3, 7, 16, 45), T(2025, 3, 10, 10, 0)),
        "B-3": ("commercial", False, T(2025, 3, 4, 18, 0), T(2025, 3, 5, 9, 10),
                T(2025, 3, 5, 9, 20), T(2025, 3, 5, 9, 30)),
        "B-4": ("commercial", False, T(2025, 3, 11, 9, 0), T(2025, 3, 11, 12, 0),
                T(2025, 3, 12, 9, 0), T(2025, 3, 17, 17, 0)),
        "R-1": ("residential", False, T(2025, 3, 3, 9, 0), T(2025, 3, 3, 9, 30),
                T(2025, 3, 4, 9, 0), T(2025, 3, 5, 9, 0)),
    }
    for aid, (cls, low, filed, assessed, approved, connected) in steps.items():
        ledger.add(_app(aid, cls, low_risk=low), at=filed, who="Li (counter)")
        ledger.assess(aid, verdict="pass", at=assessed, who="Wang (planning)")
        ledger.approve(aid, at=approved, who="Zhao (head)")
        ledger.connect(aid, at=connected, who="Chen (crew)")
    ledger.add(_app("O-1"), at=T(2025, 3, 18, 9, 0), who="Li (counter)")
    ledger.add(_app("X-1"), at=T(2025, 3, 18, 9, 0), who="Li (counter)")
    ledger.reject("X-1", at=T(2025, 3, 18, 10, 0), who="Zhao (head)", note="incomplete")
    return ledger


def test_every_step_has_who_and_when_and_events_are_append_only(tmp_path):
    ledger = _worked_ledger(tmp_path / "l.sqlite")
    ev = ledger.events()
    assert (ev["who"] != "").all() and ev["recorded_at"].notna().all()
    b1 = ev[ev["application_id"] == "B-1"]
    assert list(b1["to_status"]) == ["received", "assessed", "approved", "connected"]
    assert list(b1["who"]) == ["Li (counter)", "Wang (planning)", "Zhao (head)", "Chen (crew)"]
    assert list(b1["at"]) == [T(2025, 3, 3, 9, 30), T(2025, 3, 3, 10, 30),
                              T(2025, 3, 3, 11, 0), T(2025, 3, 3, 13, 30)]
    assert ledger.status("X-1") == "rejected"
    # a correction is a new record; the first one stays in the history
    ledger.correct(Application("O-1", demand_l_s=2.0, node="123", meter_dn=25), who="Li",
                   at=T(2025, 3, 18, 11, 0))
    assert ledger.get("O-1").demand_l_s == 2.0
    o1 = ledger.events().query("application_id == 'O-1'")
    assert len(o1) == 2 and '"demand_l_s": 0.5' in o1["detail"].iloc[0]
    con = sqlite3.connect(tmp_path / "l.sqlite")
    for sql in ("UPDATE events SET who = 'someone else'", "DELETE FROM events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    con.close()


def test_clock_and_median_recomputed_by_hand(tmp_path):
    policy = Policy(days_350_without_external_line=1)
    clock = connection_clock(_worked_ledger(tmp_path / "l.sqlite"), policy)
    day_h = 8.0  # office hours 09:00-17:00
    hand_total = {
        "B-1": 4.0 / day_h,                 # 09:30 -> 13:30 the same Monday
        "B-2": (1.0 + 1.0) / day_h,         # Fri 16:00-17:00, Mon 09:00-10:00
        "B-3": 0.5 / day_h,                 # filed Tue 18:00 (closed): Wed 09:00-09:30
        "B-4": (8.0 * 4 + 8.0) / day_h,     # Tue 09:00 -> next Mon 17:00: 5 working days
        "R-1": 16.0 / day_h,                # Mon 09:00 -> Wed 09:00
    }
    for aid, days in hand_total.items():
        assert clock.loc[aid, "total_days"] == pytest.approx(days), aid
    assert clock.loc["B-1", "assess_days"] == pytest.approx(1.0 / day_h)
    assert clock.loc["B-1", "decide_days"] == pytest.approx(0.5 / day_h)
    assert clock.loc["B-1", "connect_days"] == pytest.approx(2.5 / day_h)
    assert clock.loc["B-4", "decide_days"] == pytest.approx((5.0 + 0.0) / day_h)
    # the business users' annual median: B-1, B-2, B-3, B-4 (R-1 is residential)
    business = sorted(hand_total[a] for a in ("B-1", "B-2", "B-3", "B-4"))
    table = median_table(clock, policy)
    assert list(table["year"]) == [2025]
    assert table.loc[0, "median_days"] == pytest.approx((business[1] + business[2]) / 2)
    assert table.loc[0, "business_connected"] == 4
    assert bool(table.loc[0, "meets_target"]) == (table.loc[0, "median_days"] <= 0.5)
    # "11000" (B-2, 1 working day: filed Friday, due Monday) and "350" (N = 1)
    assert clock.loc["B-2", "track"] == "11000"
    assert clock.loc["B-2", "due_on"] == dt.date(2025, 3, 10)
    assert clock.loc["B-2", "compliance"] == "met"
    assert clock.loc["B-3", "track"] == "350" and clock.loc["B-3", "compliance"] == "met"
    assert clock.loc["B-4", "due_on"] == dt.date(2025, 3, 12)
    assert clock.loc["B-4", "compliance"] == "missed"
    assert clock.loc["O-1", "compliance"] == "open"
    assert clock.loc["R-1", "compliance"] == "no deadline"  # standard track: no § limit
    unset = connection_clock(Ledger(tmp_path / "l.sqlite"), Policy())
    assert unset.loc["B-3", "compliance"] == "limit not set"  # N missing from the plan


@pytest.fixture(scope="module")
def study():
    return ConnectionStudy(load_network(network_path("Net3")))


def test_bad_filing_rows_are_named_and_nothing_is_stored(tmp_path, study):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        ledger.add(_app("OLD-1"), at=T(2025, 3, 3, 9), who="Li")
    before = digest(path)
    csv = ("application_id,demand_l_s,customer_class,node,meter_dn,received_on,filed_at,who\n"
           "N-1,1.0,commercial,123,25,2025-03-03,2025-03-03 09:00,Li\n"     # good
           "N-1,1.0,commercial,123,25,2025-03-03,,Li\n"                      # duplicate
           "N-3,1.0,commercial,J-nowhere,25,2025-03-03,,Li\n"                # unknown junction
           "N-4,1.0,commercial,123,25,2025-13-01,,Li\n"                      # bad date
           "N-5,1.0,commercial,123,25,,yesterday,Li\n"                       # bad filed_at
           "OLD-1,1.0,commercial,123,25,,,Li\n")                             # in the ledger
    with Ledger(path) as ledger, pytest.raises(LedgerBatchError) as e:
        file_batch(ledger, csv, who="Li", check=study)
    got = {(r.row, r.field) for r in e.value.errors.itertuples()}
    assert got == {(2, "application_id"), (3, "node"), (4, "received_on"),
                   (5, "filed_at"), (6, "application_id")}
    assert "row 2" in str(e.value) and "nothing was stored" in str(e.value)
    assert digest(path) == before
    with Ledger(path) as ledger:  # the good row alone goes in, with its who and time
        assert file_batch(ledger, csv.split("\n", 2)[0] + "\n" + csv.split("\n")[1] + "\n",
                          check=study) == ["N-1"]
        ev = ledger.events().iloc[-1]
        assert (ev["who"], ev["at"]) == ("Li", T(2025, 3, 3, 9, 0))


def test_bad_steps_are_named_by_row_and_field_and_nothing_is_stored(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        for aid in ("S-1", "S-2"):
            ledger.add(_app(aid), at=T(2025, 3, 3, 9), who="Li")
    before = digest(path)
    head = "application_id,step,at,who,verdict\n"
    cases = [
        ("S-1,assess,2025-03-03 10:00,Wang,pass\nS-2,approve,2025-03-03 11:00,Zhao,\n",
         2, "status", "assess it first"),                                  # approve before assess
        ("S-1,connect,2025-03-03 10:00,Chen,\n", 1, "status", "approve it first"),
        ("S-1,assess,2025-03-03 10:00,Wang,pass\nS-9,approve,2025-03-03 11:00,Zhao,\n",
         2, "application_id", "not in the ledger"),
        ("S-1,assess,3 March,Wang,pass\n", 1, "at", "not a date-time"),
        ("S-1,assess,2025-03-01 10:00,Wang,pass\n", 1, "at", "before the last step"),
        ("S-1,assess,2025-03-03 10:00,,pass\n", 1, "who", "name"),
        ("S-1,assess,2025-03-03 10:00,Wang,maybe\n", 1, "verdict", "pass"),
        ("S-1,approve-now,2025-03-03 10:00,Wang,\n", 1, "step", "must be one of"),
    ]
    for body, row, field, words in cases:
        with Ledger(path) as ledger, pytest.raises(LedgerBatchError) as e:
            record_step_batch(ledger, head + body)
        assert (e.value.row, e.value.field) == (row, field), body
        assert words in str(e.value), body
        assert digest(path) == before, body
    with Ledger(path) as ledger:
        assert record_step_batch(ledger, head + "S-1,assess,2025-03-03 10:00,Wang,pass\n"
                                 "S-1,approve,2025-03-03 11:00,Zhao,\n"
                                 "S-1,connect,2025-03-03 15:00,Chen,\n") == 3
        assert ledger.status("S-1") == "connected"


WRITER = """
import sys
from planning.connections import Application, ConnectionInputError, Ledger
tag, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ledger = Ledger(path)
print("ready", flush=True)
sys.stdin.readline()
shared = 0
for i in range(n):
    aid = f"{tag}-{i:03d}"
    ledger.add(Application(aid, demand_l_s=0.5, node="10", meter_dn=20), who=tag)
    ledger.assess(aid, verdict="pass", who=tag)
    ledger.approve(aid, who=tag)
    try:
        ledger.add(Application(f"SHARED-{i:03d}", demand_l_s=0.5, node="10", meter_dn=20),
                   who=tag)
        shared += 1
    except ConnectionInputError as exc:
        assert exc.field == "application_id", exc
print(shared, flush=True)
"""


def test_concurrent_writers_in_separate_processes_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite"
    Ledger(path).close()
    n, tags = 30, ("alice", "bob", "carol")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, tag, str(path), str(n)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
             for tag in tags]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:  # start together
        p.stdin.write("go\n")
        p.stdin.flush()
    shared = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        shared.append(int(out.strip()))
    with Ledger(path) as ledger:
        table = ledger.list()
        ev = ledger.events()
        for tag in tags:
            mine = table[table.index.str.startswith(tag)]
            assert len(mine) == n and (mine["status"] == "approved").all()
            assert (ev[ev["application_id"].str.startswith(tag)]["who"] == tag).all()
        # each shared id was filed exactly once, by whoever came first
        assert sum(shared) == n == table.index.str.startswith("SHARED").sum()
        assert len(ev) == len(tags) * n * 3 + n == ledger.revision


def test_schema1_file_is_migrated_and_stays_readable(tmp_path):
    path = tmp_path / "old.sqlite"
    shutil.copy(SCHEMA1, path)
    old = sqlite3.connect(path)
    rows = old.execute("SELECT application_id, status, received_at, approved_at, "
                       "connected_at FROM applications ORDER BY application_id").fetchall()
    old.close()
    with Ledger(path) as ledger:
        assert ledger.schema_version == "2"
        table = ledger.list()
        assert [(a, r["status"]) for a, r in table.iterrows()] == [(a, s) for a, s, *_ in rows]
        assert table.loc["L-2025-101", "connected_at"] == T.fromisoformat(rows[0][4])
        assert (ledger.events()["who"] == UNKNOWN_WHO).all()
        # the old approved application counts in the network and goes on
        assert [a.application_id for a in ledger.committed()] == ["L-2025-102"]
        ledger.connect("L-2025-102", at=T(2025, 6, 1, 10), who="Chen")
        with pytest.raises(ConnectionInputError, match="assess it first"):
            ledger.approve("L-2025-103", who="Zhao")
        ledger.assess("L-2025-103", verdict="pass", at=T(2025, 6, 21, 9), who="Wang")
        ledger.approve("L-2025-103", at=T(2025, 6, 21, 10), who="Zhao")
    with Ledger(path) as again:  # reopened: already schema 2, unchanged by opening
        before = digest(path)
        assert again.status("L-2025-103") == "approved"
    assert digest(path) == before
    newer = tmp_path / "newer.sqlite"
    shutil.copy(SCHEMA1, newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    before = digest(newer)
    with pytest.raises(ConnectionInputError, match="schema version 9"):
        Ledger(newer)
    assert digest(newer) == before


def test_approved_and_connected_demand_counts_in_later_assessments(tmp_path):
    net = load_network(network_path("Net3"))
    ledger = Ledger(tmp_path / "l.sqlite")
    study = ConnectionStudy(net, ledger)
    later = Application("LATER", demand_l_s=2.0, node="125", meter_dn=50)
    alone = study.assess(later).customer_min_pressure_m
    big = Application("BIG", demand_l_s=150.0, node="123", meter_dn=200)
    ledger.add(big, at=T(2025, 3, 3, 9), who="Li")
    ledger.assess("BIG", assessment=study.assess(big), at=T(2025, 3, 3, 10), who="Wang")
    assert ledger.list().loc["BIG", "track"] is not None
    ledger.approve("BIG", at=T(2025, 3, 3, 11), who="Zhao", force=True)
    approved = study.assess(later).customer_min_pressure_m
    assert approved < alone - 0.5
    ledger.connect("BIG", at=T(2025, 3, 4, 11), who="Chen")
    assert study.assess(later).customer_min_pressure_m == pytest.approx(approved, abs=1e-6)
    plain = spare_capacity_map(net, nodes=["123", "125"], threads=1)
    mapped = spare_capacity_map(net, nodes=["123", "125"], ledger=ledger, threads=1)
    assert (mapped["spare_capacity_m3s"] < plain["spare_capacity_m3s"]).all()
    ledger.set_connected_in_model(True)  # an as-built model holds it: not added twice
    assert study.assess(later).customer_min_pressure_m == pytest.approx(alone, abs=1e-6)
