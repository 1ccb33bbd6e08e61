"""The outage register (append-only, concurrent writers), accounts, the utility valve
layer, and the quarterly report recomputed by hand from the records."""

from __future__ import annotations

import multiprocessing as mp
import threading
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from application.network_run import open_network
from application.paths import DEMO_DIR, DEMO_NETWORK, DEMO_PLACEMENT
from application.placement_files import read_placement
from gis.layers import node_geometry
from planning.report import early_warnings, node_hour_compliance_pct, quarterly_report
from planning.shutdowns import (
    OutageRegister,
    RegisterEntry,
    ShutdownInputError,
    account_notice,
    check_accounts,
    compliance_flags,
    place_accounts,
    read_accounts,
    read_valve_layer,
)


def _entries():
    return [
        # planned, 6 h, 100 accounts, notice 36 h, approved: no flags
        RegisterEntry("planned", 100, job_id="W-1", pipe="P1",
                      approved_start=datetime(2025, 1, 10, 22), approved_end=datetime(2025, 1, 11, 4),
                      approval_ref="KM-2025-001", notice_issued=datetime(2025, 1, 9, 10),
                      actual_start=datetime(2025, 1, 10, 22), actual_end=datetime(2025, 1, 11, 4)),
        # planned, notice 12 h, no approval, 30 h without emergency supply: every flag
        RegisterEntry("planned", 20, job_id="W-2", pipe="P2",
                      notice_issued=datetime(2025, 2, 1, 10),
                      actual_start=datetime(2025, 2, 1, 22), actual_end=datetime(2025, 2, 3, 4)),
        # burst, 8 h, 50 accounts, customer-hours known from the simulation
        RegisterEntry("unplanned", 50, job_id="B-1", pipe="P3",
                      actual_start=datetime(2025, 3, 5, 3), actual_end=datetime(2025, 3, 5, 11),
                      customer_hours=310.0),
        # burst across the quarter end: 24 h in Q1 of 36 h, with emergency supply
        RegisterEntry("unplanned", 10, actual_start=datetime(2025, 3, 31, 0),
                      actual_end=datetime(2025, 4, 1, 12), emergency_supply=True),
    ]


def test_register_corrections_are_new_versions(tmp_path):
    path = tmp_path / "register.sqlite"
    with OutageRegister(path) as reg:
        ids = reg.record_many(_entries(), by="li.wei")
        assert ids == [1, 2, 3, 4]
        v = reg.correct(2, by="zhang.min", approval_ref="KM-2025-007")
        assert v == 2
    with OutageRegister(path) as reg:  # persisted
        hist = reg.history(2)
        assert hist["version"].tolist() == [1, 2]
        assert hist["approval_ref"].tolist() == ["", "KM-2025-007"]
        assert hist["recorded_by"].tolist() == ["li.wei", "zhang.min"]
        assert hist["recorded_at"].notna().all()
        cur = reg.current()
        assert len(cur) == 4 and cur.loc[2, "approval_ref"] == "KM-2025-007"
        assert cur.loc[2, "job_id"] == "W-2"  # unchanged fields carried over


def test_bad_records_named_and_nothing_stored(tmp_path):
    path = tmp_path / "register.sqlite"
    links = {"P1", "P2", "P3"}
    with OutageRegister(path) as reg:
        reg.record(_entries()[0], by="li.wei", links=links)
        before = reg.history().copy()
        bad_pipe = RegisterEntry("unplanned", 5, pipe="P999", actual_start=datetime(2025, 1, 2))
        with pytest.raises(ShutdownInputError) as err:
            reg.record_many([_entries()[2], bad_pipe], by="li.wei", links=links,
                            source="bursts.csv", row_numbers=[2, 3])
        assert (err.value.row, err.value.field) == (3, "pipe")
        assert "line 3" in str(err.value) and "P999" in str(err.value)
        backwards = RegisterEntry("unplanned", 5, pipe="P1", actual_start=datetime(2025, 1, 2, 10),
                                  actual_end=datetime(2025, 1, 2, 8))
        with pytest.raises(ShutdownInputError) as err:
            reg.record_many([backwards], by="li.wei", links=links)
        assert (err.value.row, err.value.field) == (1, "actual_end")
        with pytest.raises(ShutdownInputError) as err:
            reg.correct(1, by="li.wei", actual_end=datetime(2025, 1, 10, 21))
        assert err.value.field == "actual_end"
        with pytest.raises(ShutdownInputError):
            reg.record(_entries()[0], by="  ")
        pd.testing.assert_frame_equal(reg.history(), before)


def _writer(path, who, n):
    with OutageRegister(path) as reg:
        for i in range(n):
            reg.record(RegisterEntry("unplanned", i, job_id=f"{who}-{i}",
                                     actual_start=datetime(2025, 1, 1, 1)), by=who)


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "register.sqlite")
    OutageRegister(path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, f"p{k}", 25)) for k in range(2)]
    threads = [threading.Thread(target=_writer, args=(path, f"t{k}", 25)) for k in range(2)]
    for w in procs + threads:
        w.start()
    for w in procs + threads:
        w.join(120)
    assert all(p.exitcode == 0 for p in procs)
    with OutageRegister(path) as reg:
        hist = reg.history()
        assert len(hist) == 100 and len(reg) == 100
        assert hist["outage_id"].is_unique
        assert sorted(hist["job_id"]) == sorted(f"{w}-{i}" for w in ("p0", "p1", "t0", "t1")
                                                for i in range(25))


def test_compliance_flags():
    with OutageRegister(":memory:") as reg:
        reg.record_many(_entries(), by="li.wei")
        flags = compliance_flags(reg.current())
    assert flags.loc[1, "flags"] == ""
    assert flags.loc[1, "notice_h"] == pytest.approx(36.0)
    assert flags.loc[2, "notice_h"] == pytest.approx(12.0)
    assert flags.loc[2, "flags"] == "notice_under_24h, over_24h_without_emergency, no_approval"
    assert flags.loc[4, "flags"] == ""  # 36 h but emergency supply given; a burst needs no notice
    assert not flags.loc[3, ["notice_under_24h", "no_approval"]].any()


def test_quarterly_figures_by_hand():
    with OutageRegister(":memory:") as reg:
        reg.record_many(_entries(), by="li.wei")
        reg.set_figures(2025, 1, "li.wei", {"leakage_rbl_pct": 11.2,
                                             "pressure_compliance_pct": 98.5,
                                             "satisfaction_coverage_pct": 85.0})
        reg.set_figures(2025, 1, "zhang.min", {"satisfaction_coverage_pct": 79.0})  # newest counts
        report = quarterly_report(reg.current(), 2025, 1, 1000, reg.figures(2025, 1))
    v = report.values
    # by hand: W-1 100 x 6 h = 600; W-2 20 x 30 h = 600; B-1 310 (given);
    # the boundary burst 10 x 36 h = 360, 24 of its 36 h in Q1 -> 240
    ch = 600 + 600 + 310 + 240
    assert v["planned_outages"] == 2 and v["unplanned_outages"] == 2
    assert v["customer_hours"] == pytest.approx(ch)
    assert v["average_customer_outage_h"] == pytest.approx(ch / 1000)
    assert (v["notice_under_24h"], v["over_24h_without_emergency"], v["no_approval"]) == (1, 1, 1)
    assert v["leakage_rbl_pct"] == 11.2 and v["satisfaction_coverage_pct"] == 79.0
    assert np.isnan(v["complaint_rectification_pct"])
    misses = set(report.indicators.index[report.indicators["misses"]])
    assert misses == {"notice_under_24h", "over_24h_without_emergency", "no_approval",
                      "leakage_rbl_pct", "satisfaction_coverage_pct"}
    assert "pressure_compliance_pct" not in misses


def test_early_warning_two_quarters_worse():
    def rep(q, rbl):
        with OutageRegister(":memory:") as reg:
            reg.record(RegisterEntry("unplanned", 10, actual_start=datetime(2025, 3 * q - 2, 5),
                                     actual_end=datetime(2025, 3 * q - 2, 5, 2)), by="x")
            return quarterly_report(reg.current(), 2025, q, 100, {"leakage_rbl_pct": rbl})
    warn = early_warnings([rep(1, 8.0), rep(2, 8.5), rep(3, 9.0)])
    assert warn[["key", "reason"]].values.tolist() == [
        ["leakage_rbl_pct", "worse two quarters running"]]
    warn = early_warnings([rep(1, 8.0), rep(2, 9.0), rep(3, 8.5)])
    assert warn.empty


def test_node_hour_compliance():
    p = pd.DataFrame({"A": [20.0, 13.0, 20.0, 20.0], "B": [15.0, 15.0, 10.0, 30.0]},
                     index=[0, 1800, 3600, 7200])
    # whole hours only: rows 0, 3600, 7200 -> 6 node-hours, one below (B at 3600)
    assert node_hour_compliance_pct(p) == pytest.approx(100 * 5 / 6)
    # 0.14 MPa is 14.28 m: a node at 14.0 m is below it
    p.loc[0, "B"] = 14.0
    assert node_hour_compliance_pct(p) == pytest.approx(100 * 4 / 6)


@pytest.fixture(scope="module")
def demo():
    opened = open_network(DEMO_NETWORK)
    return opened.net, read_placement(DEMO_PLACEMENT, opened.net)


def test_demo_accounts_and_valves(demo):
    net, placement = demo
    accounts = read_accounts(DEMO_DIR / "accounts_demo.csv")
    placed = place_accounts(net, accounts, placement)
    assert placed.unplaced.empty and len(placed.placed) == len(accounts)
    assert placed.placed["distance_m"].max() < 100
    valves = read_valve_layer(DEMO_DIR / "valves_demo.csv", net)
    assert len(valves) > 400 and not valves["synthetic"].any()
    assert (~valves["operable"]).sum() >= 1


def test_accounts_bad_rows(tmp_path, demo):
    net, placement = demo
    f = tmp_path / "acc.csv"
    f.write_text("account_id,name,address,class,node\nA1,n,a,residential,J1\n"
                 "A2,n,a,residential,J2\nA1,n,a,residential,J3\n", encoding="utf-8")
    with pytest.raises(ShutdownInputError) as err:
        read_accounts(f)
    assert (err.value.row, err.value.field) == (4, "account_id")
    assert "line 4" in str(err.value)
    table = check_accounts(pd.DataFrame({
        "Account": ["A1", "A2", "A3", "A4"], "name": ["a", "b", "c", "Hospital"],
        "address": ["x", "y", "z", "w"], "class": ["r", "r", "r", "public"],
        "node": ["J1", "NOPE", "", ""], "x": ["", "", "", ""], "y": ["", "", "", ""],
        "sensitive": ["", "", "", "yes"]}), source="acc.csv", row_numbers=[2, 3, 4, 5])
    node_xy = node_geometry(net, placement).geometry["J1"]
    table.loc[5, ["x", "y"]] = [node_xy.x + 5.0, node_xy.y]
    far = table.copy()
    placed = place_accounts(net, table, placement)
    assert placed.unplaced[["line", "field"]].values.tolist() == [[3, "node"], [4, "node"]]
    assert placed.placed.loc["A4", "node"] == "J1"
    assert placed.placed.loc["A4", "distance_m"] == pytest.approx(5.0, abs=0.1)
    far.loc[5, "x"] += 5000.0
    out = place_accounts(net, far, placement)
    assert out.unplaced["line"].tolist() == [3, 4, 5]
    assert "from the nearest junction" in out.unplaced["reason"].iloc[2]
    notice = pd.DataFrame({"job_id": "W", "kind": "planned", "node": ["J1"], "customers": [2],
                           "impact": ["no water"], "start": "s", "expected_end": "e",
                           "notice_issued": "n", "notice_hours": 24.0,
                           "synthetic_valves": False})
    by_account = account_notice(notice, placed)
    assert by_account["account_id"].tolist() == ["A4", "A1"]  # sensitive first


def test_utility_valve_columns_bad_rows(tmp_path, demo):
    net, _ = demo
    wn = net.wn
    pipe = wn.pipe_name_list[0]
    f = tmp_path / "valves.csv"
    f.write_text(f"id,pipe,position,normal_status,operable,dn\nV1,{pipe},start,open,yes,100\n"
                 f"V2,{pipe},end,closed,no,100\n", encoding="utf-8")
    layer = read_valve_layer(f, net)
    link = wn.get_link(pipe)
    assert layer.loc["V1", "node"] == link.start_node_name
    assert layer.loc["V2", "node"] == link.end_node_name and not layer.loc["V2", "operable"]
    f.write_text(f"id,pipe,position,normal_status,operable,dn\nV1,{pipe},start,open,yes,100\n"
                 "V2,NOPIPE,end,open,yes,100\n", encoding="utf-8")
    with pytest.raises(ShutdownInputError) as err:
        read_valve_layer(f, net)
    assert (err.value.row, err.value.field) == (3, "pipe")
    f.write_text(f"id,pipe,position,normal_status,operable,dn\nV1,{pipe},start,ajar,yes,100\n",
                 encoding="utf-8")
    with pytest.raises(ShutdownInputError) as err:
        read_valve_layer(f, net)
    assert (err.value.row, err.value.field) == (2, "normal_status")


def test_busy_register_refuses_cleanly(tmp_path):
    import sqlite3

    path = tmp_path / "register.sqlite"
    OutageRegister(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        with OutageRegister(path, timeout_s=0.2) as reg:
            with pytest.raises(ShutdownInputError, match="busy"):
                reg.record(_entries()[0], by="li.wei")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with OutageRegister(path) as reg:
        assert len(reg) == 0


def test_other_sqlite_files_refused_unchanged(tmp_path):
    import shutil

    other = tmp_path / "ledger.sqlite"
    shutil.copy(DEMO_DIR / "connections_ledger.sqlite", other)
    before = other.read_bytes()
    with pytest.raises(ShutdownInputError, match="not an outage register"):
        OutageRegister(other)
    assert other.read_bytes() == before
