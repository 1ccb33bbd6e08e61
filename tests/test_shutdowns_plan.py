"""Shutdown plans end to end: works, bursts, notices, emergency supply, hard isolations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
import wntr

from benchmarks.networks import network_path
from models import load_network
from planning.shutdowns import (
    Job,
    Policy,
    ShutdownInputError,
    burst,
    check_valve_layer,
    customers_per_node,
    plan_job,
    synthetic_valve_layer,
)
from planning.shutdowns.notice import NOTICE_COLUMNS

NOW = datetime(2024, 3, 4, 9, 20)  # Monday morning


@pytest.fixture(scope="module")
def net3():
    return load_network(network_path("Net3"))


def ring_layer(wn, nodes):
    """Valves at the far end of every link leaving ``nodes``: isolates exactly them."""
    nodes = set(nodes)
    rows = []
    for name, link in wn.links():
        a, b = link.start_node_name, link.end_node_name
        if a in nodes and b not in nodes:
            rows.append((name, b))
        elif b in nodes and a not in nodes:
            rows.append((name, a))
    return check_valve_layer(wn, pd.DataFrame(rows, columns=["link", "node"]))


def test_plan_job_end_to_end(net3, tmp_path):
    job = Job(pipe="173", duration_h=5, job_id="W-173")
    policy = Policy(night_only=True, horizon_days=3)
    plan = plan_job(net3, job, policy=policy, now=NOW)
    best = plan.best_window
    assert best is not None
    assert best["start"] >= NOW + timedelta(hours=24)
    assert best["start"].hour >= 22 or best["start"].hour < 6
    assert plan.earliest_permitted == datetime(2024, 3, 5, 10, 0)
    permitted = plan.windows[plan.windows["permitted"]]
    col = "customer_hours_without_water"
    assert best[col] == pytest.approx(permitted[col].min())
    assert len(plan.valves_to_close) >= 1
    assert set(plan.valves_to_close["link"]) <= set(net3.wn.link_name_list)
    # every junction of the segment is in the impact table as isolated
    seg_junctions = [n for n in plan.segment_nodes if n in net3.wn.junction_name_list]
    assert set(seg_junctions) <= set(plan.impact_table.index)
    assert (plan.impact_table.loc[seg_junctions, "category"] == "isolated").all()
    assert (plan.impact_table.loc[seg_junctions, "hours_without_water"] == 5).all()
    s = plan.impact.summary
    cust = customers_per_node(net3)
    assert s["customers_without_water"] >= cust[seg_junctions].sum()
    assert s["customer_hours_without_water"] == pytest.approx(best[col], rel=1e-6)
    assert len(plan.impact.hourly) == 5
    assert plan.impact.hourly.index[0] == best["start"]
    assert set(plan.impact.tanks.index) == set(net3.wn.tank_name_list)
    # notice list: written atomically, the right columns and times
    path = plan.write_notice(tmp_path / "notice.csv")
    back = pd.read_csv(path)
    assert list(back.columns) == list(NOTICE_COLUMNS)
    assert set(back.loc[back["impact"] == "no water", "node"].astype(str)) >= set(
        n for n in seg_junctions if cust[n] > 0)
    assert (back["start"] == best["start"].isoformat(timespec="minutes")).all()
    assert (back["notice_hours"] >= 24).all() and back["synthetic_valves"].all()
    assert not list(tmp_path.glob(".notice*"))  # no temp file left behind
    assert any("approval" in c for c in plan.checks)
    assert any("SYNTHETIC" in c for c in plan.checks)
    assert plan.emergency is not None and not plan.emergency.required
    rec = plan.outage_record(area="test")
    assert rec.kind == "planned" and rec.start == best["start"]
    assert rec.customers == s["customers_without_water"]


def test_burst_over_24h_needs_emergency_supply(net3):
    b = burst(net3, "193", datetime(2024, 3, 5, 14, 37), repair_h=30)
    assert not b.planned
    assert b.impact.summary["start"] == datetime(2024, 3, 5, 14, 30)
    e = b.emergency
    assert e.required
    cust = b.impact.summary["customers_without_water"]
    assert cust > 0
    assert e.customers == pytest.approx(cust)
    assert e.daily_volume_m3 == pytest.approx(cust * 2.62 * 15 / 1000)
    assert e.draw_rate_m3s == pytest.approx(e.daily_volume_m3 / (12 * 3600))
    assert e.points and e.points_ok
    for p in e.points:
        assert e.candidates.loc[p, "max_draw_m3s"] > 0
    full = e.candidates[e.candidates["covers_need"]]
    assert (full["pressure_at_need_m"] >= 14.0).all()
    assert (b.notice["kind"] == "unplanned").all()
    assert any("burst" in c for c in b.checks)
    assert any("emergency water supply required" in c for c in b.checks)
    assert b.outage_record().kind == "unplanned"


def _cases(wn):
    tank = wn.tank_name_list[0]
    pump = wn.get_link(wn.pump_name_list[0])
    res = wn.reservoir_name_list[0]
    return {
        "tank": ({tank}, wn.get_links_for_node(tank)[0]),
        "pump station": ({pump.start_node_name, pump.end_node_name},
                         next(x for x in wn.get_links_for_node(pump.end_node_name)
                              if wn.get_link(x).link_type == "Pipe")),
        "reservoir": ({res}, wn.get_links_for_node(res)[0]),
    }


@pytest.mark.parametrize("what", ["tank", "pump station", "reservoir"])
def test_isolating_sources_and_pumps_never_crashes(net3, what):
    nodes, pipe = _cases(net3.wn)[what]
    layer = ring_layer(net3.wn, nodes)
    b = burst(net3, pipe, datetime(2024, 3, 5, 8, 0), layer, repair_h=3)
    assert set(nodes) <= set(b.isolation.nodes)
    st = b.impact.node_status
    assert all(st[n] == "isolated" for n in nodes)
    if what == "tank":
        assert b.impact.tanks.loc[next(iter(nodes)), "isolated"]
    assert b.impact.summary["solver_ok"] in (True, False)
    plan = plan_job(net3, Job(pipe=pipe, duration_h=2), layer,
                    Policy(notice_h=0, horizon_days=0.5), now=NOW)
    assert plan.impact is not None


def test_isolating_whole_network_and_district():
    net = load_network(network_path("Net3"))
    empty = pd.DataFrame({"link": [], "node": []})
    b = burst(net, "173", datetime(2024, 3, 5, 8, 0), empty, repair_h=2)
    assert set(b.isolation.nodes) == set(net.wn.node_name_list)
    junctions = [n for n in net.wn.junction_name_list]
    cust = customers_per_node(net)
    assert b.impact.summary["customers_without_water"] == cust[junctions].sum()
    ltown = load_network(network_path("ltown_battledim"))
    few = wntr.network.generate_valve_layer(ltown.wn, "random", 6, seed=2)
    b = burst(ltown, "p486", datetime(2024, 3, 5, 8, 0), few, repair_h=2)
    assert len(b.isolation.nodes) > 50
    assert b.impact.summary["customers_without_water"] > 0


def test_job_input_errors(net3):
    with pytest.raises(ShutdownInputError) as e:
        plan_job(net3, Job(pipe="NO-PIPE", duration_h=4), now=NOW)
    assert e.value.field == "pipe" and "NO-PIPE" in str(e.value)
    with pytest.raises(ShutdownInputError) as e:
        plan_job(net3, Job(pipe="173", duration_h=0), now=NOW)
    assert e.value.field == "duration_h"
    with pytest.raises(ShutdownInputError) as e:
        burst(net3, "GHOST", NOW)
    assert e.value.field == "pipe"
    with pytest.raises(ShutdownInputError) as e:
        plan_job(net3, Job(pipe="173", duration_h=2, inoperable_valves=("V-none",)),
                 synthetic_valve_layer(net3), now=NOW)
    assert e.value.field == "inoperable_valves"
    with pytest.raises(ShutdownInputError) as e:
        customers_per_node(net3, pd.Series({"ZZZ": 3}))
    assert e.value.field == "node" and e.value.row == "ZZZ"


def test_customers_read_from_csv(net3, tmp_path):
    from planning.shutdowns import read_customers

    j = net3.wn.junction_name_list[:2]
    path = tmp_path / "customers.csv"
    path.write_text(f"node,customers\n{j[0]},120\n{j[1]},7\n")
    c = read_customers(path, net3)
    assert c[j[0]] == 120 and c[j[1]] == 7
    est = customers_per_node(net3)
    assert (c.drop(j) == est.drop(j)).all()
    path.write_text(f"node,customers\n{j[0]},120\nNOPE,7\n")
    with pytest.raises(ShutdownInputError) as e:
        read_customers(path, net3)
    assert e.value.row == 3 and e.value.field == "node" and "customers.csv, line 3" in str(e.value)
