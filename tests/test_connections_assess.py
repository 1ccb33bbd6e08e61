"""Assessing an application: a 24-hour pressure-driven run with and without it."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.networks import network_path
from gis import kunming_placement
from models import load_network
from planning.connections import (
    Application,
    ConnectionStudy,
    Policy,
    assess,
    spare_capacity,
)


def signature(wn) -> tuple:
    """What an assessment must not change in the caller's model."""
    return (tuple(wn.node_name_list), tuple(wn.link_name_list), tuple(wn.pattern_name_list),
            tuple(round(p.length, 9) for _, p in wn.pipes()),
            tuple(len(j.demand_timeseries_list) for _, j in wn.junctions()),
            wn.options.time.duration, wn.options.hydraulic.demand_model)


@pytest.fixture(scope="module")
def net3():
    net = load_network(network_path("Net3"))
    # Net3 is drawn in arbitrary units about 40 wide; 100 m per unit gives a 4 km town
    return net, kunming_placement(net, scale_m_per_unit=100.0)


@pytest.fixture(scope="module")
def ctown():
    net = load_network(network_path("ctown_batadal"))
    return net, kunming_placement(net)


def near(net, placement, node, dx=20.0, dy=10.0):
    xy = placement.to_target(np.asarray(net.wn.get_node(node).coordinates))[0]
    return float(xy[0] + dx), float(xy[1] + dy)


@pytest.fixture(scope="module")
def net3_study(net3):
    net, placement = net3
    return ConnectionStudy(net, placement=placement)


@pytest.fixture(scope="module")
def ctown_study(ctown):
    net, placement = ctown
    return ConnectionStudy(net, placement=placement)


def test_net3_carried_connection_passes(net3, net3_study):
    net, placement = net3
    before = signature(net.wn)
    x, y = near(net, placement, "123")
    app = Application("N3-OK", demand_l_s=5.0, customer_class="industrial", x_m=x, y_m=y,
                      meter_dn=80, storeys=3)
    a = net3_study.assess(app)
    assert a.verdict == "pass", a.reply_text
    assert a.reasons == () and a.nodes_below_minimum == ()
    assert a.customer_min_pressure_m >= a.required_head_m == 16.0
    assert a.tap.main is not None and a.tap.main_diameter_m >= 0.08 * 0.95
    assert a.service_length_m == pytest.approx(max(a.tap.distance_m, 1.0))
    assert "can be connected" in a.reply_text and "N3-OK" in a.reply_text
    ts = a.pressure_timeseries
    assert len(ts) == 25 and ts.index[0] == 0 and ts.index[-1] == 86400
    mean_delivered = ts["customer_demand_m3s"].iloc[:-1].mean()
    assert mean_delivered == pytest.approx(5e-3, rel=1e-4)  # full demand, daily mean
    assert a.max_pressure_drop_m > 0.0
    assert a.node_table["change_m"].dropna().is_monotonic_increasing
    assert a.node_table["added"].sum() == 2  # the tap and the customer
    assert signature(net.wn) == before
    # the same through the one-call function
    again = assess(net, app, placement=placement)
    assert again.customer_min_pressure_m == pytest.approx(a.customer_min_pressure_m)
    assert signature(net.wn) == before


def test_net3_too_large_fails_and_names_nodes(net3, net3_study):
    net, placement = net3
    x, y = near(net, placement, "149")
    app = Application("N3-BIG", demand_l_s=150.0, customer_class="industrial", x_m=x, y_m=y,
                      meter_dn=300, storeys=3)
    a = net3_study.assess(app)
    assert a.verdict == "fail"
    assert {"147", "149", "15"} <= set(a.nodes_below_minimum)
    table = a.node_table
    for node in a.nodes_below_minimum:
        assert node in a.reasons[-1] or "more" in a.reasons[-1]
        assert table.loc[node, "base_min_pressure_m"] >= 14.0 > table.loc[node,
                                                                          "new_min_pressure_m"]
    assert a.unserved_other_m3 > 0.0
    assert "cannot be connected" in a.reply_text


def test_ctown_carried_connection_passes(ctown, ctown_study):
    net, placement = ctown
    before = signature(net.wn)
    x, y = near(net, placement, "J13")
    a = ctown_study.assess(Application("CT-OK", demand_l_s=2.0, customer_class="commercial",
                                       x_m=x, y_m=y, meter_dn=50, storeys=3))
    assert a.verdict == "pass", a.reply_text
    assert a.spare_capacity_m3s > a.customer_peak_hour_m3s > 0.0
    assert signature(net.wn) == before


def test_ctown_too_large_fails_and_names_nodes(ctown, ctown_study):
    net, placement = ctown
    x, y = near(net, placement, "J13")
    a = ctown_study.assess(Application("CT-BIG", demand_l_s=200.0, customer_class="commercial",
                                       x_m=x, y_m=y, meter_dn=200, storeys=3))
    assert a.verdict == "fail"
    assert len(a.nodes_below_minimum) > 5
    assert a.nodes_below_minimum[0] in a.reply_text
    assert "fall below the 14.28 m network minimum" in a.reply_text
    judged = a.node_table[a.node_table["newly_below_min"]]
    assert set(judged.index) == set(a.nodes_below_minimum)
    assert judged["customer"].all()


def test_study_restores_its_working_copy(net3, net3_study):
    net, placement = net3
    work = net3_study.working_network.wn
    before = signature(work)
    x, y = near(net, placement, "123", 60.0, -40.0)
    for dn in (25, 100):
        net3_study.assess(Application("N3-R", demand_l_s=1.0, x_m=x, y_m=y, meter_dn=dn))
    net3_study.assess(Application("N3-N", demand_l_s=1.0, node="123"))
    assert signature(work) == before


def test_node_application_and_spare_capacity_consistency(net3, net3_study):
    net, _ = net3
    cap = spare_capacity(net, "123")
    a = net3_study.assess(Application("N3-NODE", demand_l_s=1.0, node="123", storeys=2))
    assert a.tap.node == a.customer_node == "123" and a.service_line is None
    assert a.capacity_node == "123" and a.spare_capacity_m3s == pytest.approx(cap)
    assert a.terms.external_line_m == 0.0


def test_policy_parameters_change_the_verdict(net3):
    net, placement = net3
    x, y = near(net, placement, "123")
    app = Application("N3-P", demand_l_s=5.0, customer_class="industrial", x_m=x, y_m=y,
                      meter_dn=80, storeys=3)
    strict = ConnectionStudy(net, placement=placement, policy=Policy(min_pressure_m=60.0))
    a = strict.assess(app)
    assert a.customer_min_pressure_m < 60.0
    tall = Application("N3-T", demand_l_s=5.0, customer_class="industrial", x_m=x, y_m=y,
                       meter_dn=80, storeys=30)  # 124 m required
    assert ConnectionStudy(net, placement=placement).assess(tall).verdict == "fail"


def test_demo_batch(net3):
    from benchmarks.networks import REPO
    from planning.connections import Ledger, assess_batch, load_holidays

    net, placement = net3
    folder = REPO / "scenarios" / "connections"
    policy = Policy(calendar=load_holidays(folder / "holidays_2025.csv"))
    ledger = Ledger(":memory:", placement=placement)
    batch = assess_batch(net, folder / "applications_demo.csv", ledger=ledger, policy=policy,
                         record=True)
    assert batch.ok and len(ledger) == 6
    verdicts = batch.summary["verdict"]
    assert verdicts["D-006"] == "fail" and verdicts["D-001"] == "fail"
    assert "secondary supply" in batch.assessments["D-001"].reasons[0]
    assert (verdicts.drop(["D-001", "D-006"]) != "fail").all()
    fast = batch.assessments["D-003"].terms
    assert fast.track == "11000" and fast.free and len(fast.deadlines) == 1
    assert batch.assessments["D-004"].terms.track == "connection on application"
