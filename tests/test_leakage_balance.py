"""Water balance, zone leakage volumes and night flow on Net3 with pipe leakage."""

from __future__ import annotations

import numpy as np
import pytest

from planning.leakage import (
    NETWORK,
    cjj92_table,
    dn75_length_km,
    leakage_volume_m3_per_day,
    minimum_night_flow,
    water_balance,
    zone_flows_m3s,
    zones_from_boundaries,
)
from planning.leakage.balance import volume_weights_s
from simulation.scenario import total_leakage_m3


@pytest.fixture(scope="module")
def zones3(leaky_net3):
    # cut Net3 in two parts at pipe 20's neighbours and the pumps: a two-DMA layout
    cut = ["10", "335", "20", "40", "50", "60", "329"]
    return zones_from_boundaries(leaky_net3, cut)


def test_weights_are_report_rectangles():
    w = volume_weights_s([0, 3600, 7200, 10800])
    assert w.tolist() == [3600, 3600, 3600, 0]
    assert volume_weights_s([0, 3600, 7200], 1800, 5400).tolist() == [1800, 1800, 0]


def test_network_balance_closes(leaky_net3, leaky_run3):
    bal = water_balance(leaky_net3, leaky_run3)
    row = bal.loc[NETWORK]
    assert row["days"] == pytest.approx(2.0)
    assert row["leakage_m3"] > 0.05 * row["supplied_m3"]           # leakage matters here
    assert abs(row["imbalance_m3"]) < 1e-4 * row["supplied_m3"]
    assert row["leakage_m3"] == pytest.approx(total_leakage_m3(leaky_run3), rel=1e-12)
    assert row["gross_loss_rate_pct"] == pytest.approx(
        100 * (row["supplied_m3"] - row["registered_m3"]) / row["supplied_m3"])
    # supplied by hand: reservoir outflow minus tank filling, report rectangles
    wn = leaky_net3.wn
    src = wn.reservoir_name_list + wn.tank_name_list
    w = volume_weights_s(leaky_run3.node["demand"].index.to_numpy(float))
    by_hand = -(leaky_run3.node["demand"][src].sum(axis=1).to_numpy() @ w)
    assert row["supplied_m3"] == pytest.approx(by_hand, rel=1e-12)


def test_zone_balances_close_and_add_up(leaky_net3, leaky_run3, zones3):
    assert len(zones3.names) >= 2
    bal = water_balance(leaky_net3, leaky_run3, zones3)
    zones = bal.drop(NETWORK)
    for zone, row in zones.iterrows():
        if row["supplied_m3"] > 0:
            assert abs(row["imbalance_m3"]) < 1e-4 * row["supplied_m3"], zone
    for col in ("supplied_m3", "registered_m3", "leakage_m3"):
        assert zones[col].sum() == pytest.approx(bal.loc[NETWORK, col], rel=1e-9)


def test_zone_leakage_per_day_by_hand(leaky_net3, leaky_run3, zones3):
    daily = leakage_volume_m3_per_day(leaky_net3, leaky_run3, zones3)
    assert list(daily.index) == [0, 1]
    leak = leaky_run3.node["leak_demand"]
    t = leak.index.to_numpy(float)
    w = volume_weights_s(t)
    day1 = (t >= 86400) & (t < 2 * 86400)
    for zone in zones3.names:
        nodes = [n for n in zones3.nodes(zone) if n in leaky_net3.wn.junction_name_list]
        by_hand = leak[nodes].sum(axis=1).to_numpy()[day1] @ w[day1]
        assert daily.loc[1, zone] == pytest.approx(by_hand, rel=1e-12, abs=1e-9)
    assert daily.to_numpy().sum() == pytest.approx(total_leakage_m3(leaky_run3), rel=1e-12)


def test_night_flow(leaky_net3, leaky_run3):
    mnf = minimum_night_flow(leaky_net3, leaky_run3)
    assert list(mnf.index.get_level_values("day")) == [0, 1]
    flows = zone_flows_m3s(leaky_net3, leaky_run3)
    t = flows["supplied"].index.to_numpy(float)
    night = (t % 86400 >= 7200) & (t % 86400 <= 14400) & (t >= 86400) & (t < 2 * 86400)
    q = flows["supplied"].iloc[:, 0].to_numpy()[night]
    row = mnf.iloc[1]
    assert row["mnf_m3_per_h"] == pytest.approx(q.min() * 3600)
    assert 2.0 <= row["clock_h"] <= 4.0
    assert row["leakage_share_pct"] == pytest.approx(
        100 * row["leakage_m3_per_h"] / row["mnf_m3_per_h"])
    assert row["night_use_m3_per_h"] + row["leakage_m3_per_h"] == pytest.approx(
        row["mnf_m3_per_h"], rel=1e-3)


def test_cjj92_table_from_the_model(leaky_net3, leaky_run3, zones3):
    table = cjj92_table(leaky_net3, leaky_run3, zones3, household_metered_share=0.5)
    row = table.loc[NETWORK]
    wn = leaky_net3.wn
    km = sum(wn.get_link(p).length for p in wn.pipe_name_list
             if wn.get_link(p).diameter >= 0.075 - 1e-9) / 1000
    assert row["dn75_length_km"] == pytest.approx(km)
    assert dn75_length_km(leaky_net3, zones3).drop(NETWORK).sum() == pytest.approx(km)
    annual_1e4 = row["supplied_m3"] * 365 / row["days"] / 1e4
    assert row["a_km_per_1e4_m3"] == pytest.approx(km / annual_1e4)
    assert row["r1_pct"] == pytest.approx(4.0)
    assert row["assessed_rate_pct"] == pytest.approx(
        row["gross_loss_rate_pct"] - row["corrections_pct"])
    assert np.isfinite(row["mean_outlet_pressure_mpa"])
    # outlet pressure: the far ends of the links leaving Lake (pump 10) and River (pipe 60)
    flow = leaky_run3.link["flowrate"][["10", "60"]].clip(lower=0)
    p = leaky_run3.node["pressure"][["10", "60"]]
    w = volume_weights_s(flow.index.to_numpy(float))
    num = sum((flow[k].to_numpy() * w) @ p[n].to_numpy() for k, n in (("10", "10"),
                                                                       ("60", "60")))
    den = sum(flow[k].to_numpy() @ w for k in ("10", "60"))
    assert row["mean_outlet_pressure_mpa"] == pytest.approx(num / den * 0.00980665)
