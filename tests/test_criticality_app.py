"""Criticality for the app: the ranking is the library's table, ordered; accounts count;
the map layer carries it; the Criticality page ranks the demo's pipes (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from application import open_network
from application.criticality_run import criticality_layer, rank_pipes
from benchmarks.networks import network_path
from planning.shutdowns import criticality

REPO = Path(__file__).resolve().parents[1]


def test_rank_pipes_is_the_library_table_ranked():
    opened = open_network(network_path("Net3"))
    junctions = opened.net.wn.junction_name_list
    customers = pd.Series(range(len(junctions)), index=junctions, dtype="int64")
    ranked = rank_pipes(opened, customers)
    plain = criticality(opened.net, customers=customers)
    assert sorted(ranked.index) == sorted(plain.index)
    pd.testing.assert_series_equal(ranked["customers_without_water"].sort_index(),
                                   plain["customers_without_water"].sort_index())
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    key = ranked[["customers_without_water", "customers_below_min", "demand_not_served_m3s"]]
    assert key.apply(tuple, axis=1).is_monotonic_decreasing
    assert ranked["demand_not_served_l_s"].to_numpy() == pytest.approx(
        ranked["demand_not_served_m3s"].to_numpy() * 1000.0)
    layer = criticality_layer(opened, ranked.head(5))
    assert list(layer.index) == list(ranked.index[:5]) and layer.geometry.notna().all()
    assert layer["rank"].tolist() == [1, 2, 3, 4, 5]


@pytest.mark.slow
def test_criticality_page_ranks_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("app_pages/criticality.py").run()
    next(b for b in at.button if b.label == "Rank the pipes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    n_pipes = len(open_network(REPO / "scenarios/demo/ctown_batadal.inp").net.wn.pipe_name_list)
    assert metrics["Pipes closed"] == f"{n_pipes:,}"
    assert len(at.dataframe) == 1


@pytest.mark.slow
def test_rank_pipes_on_dask_matches_threads():
    opened = open_network(network_path("Net3"))
    local = rank_pipes(opened)
    dist = rank_pipes(opened, dask_workers=2)
    cols = ["customers_without_water", "customers_below_min", "junctions_without_water"]
    pd.testing.assert_frame_equal(dist[cols].sort_index(), local[cols].sort_index())


def test_segment_criticality_by_hand():
    import wntr

    from planning.shutdowns import check_valve_layer
    from planning.shutdowns.segment_criticality import segment_criticality

    wn = wntr.network.WaterNetworkModel()
    wn.add_pattern("1", [1.0])  # the default pattern the junctions name
    wn.add_reservoir("R1", base_head=50.0)
    for j in ("J1", "J2", "J3"):
        wn.add_junction(j, base_demand=0.001, elevation=0.0)
    for name, a, b in (("P1", "R1", "J1"), ("P2", "J1", "J2"), ("P3", "J2", "J3")):
        wn.add_pipe(name, a, b, length=100.0, diameter=0.2, roughness=100.0)
    valves = check_valve_layer(wn, pd.DataFrame({"valve": ["V1", "V2"], "link": ["P2", "P2"],
                                                 "node": ["J1", "J2"],
                                                 "operable": [True, False]}))
    customers = pd.Series({"J1": 1, "J2": 10, "J3": 100})
    table = segment_criticality(wn, valves, customers)
    by_pipes = {row["example_pipes"]: row for _s, row in table.iterrows()}
    p2 = by_pipes["P2"]  # a valve at each end: closing it drains nothing, cuts J2 and J3 off
    assert (p2["customers_drained"], p2["customers_cut_off"], p2["customers_lost"]) == (0, 110, 110)
    assert (p2["valves_to_close"], p2["inoperable_valves"]) == (2, 1)
    p3 = by_pipes["P3"]  # J2, P3, J3 drained
    assert (p3["customers_drained"], p3["customers_cut_off"]) == (110, 0)
    p1 = by_pipes["P1"]  # the source's own segment: everything is lost
    assert p1["customers_lost"] == 111 and p1["rank"] == 1
    assert p1["demand_lost_l_s"] == pytest.approx(3.0)


def test_criticality_page_ranks_segments(tmp_path, monkeypatch):
    from application.criticality_run import rank_segments

    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("app_pages/criticality.py").run()
    at.radio(key="cr_what").set_value("Valve segments (each isolated, graph screen)").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = rank_segments(open_network(REPO / "scenarios/demo/ctown_batadal.inp"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Valve segments"] == f"{len(expected):,}"
    assert metrics["Most customers lost by one segment"] == \
        f"{int(expected['customers_lost'].max()):,}"
    assert any("SYNTHETIC" in w.value for w in at.warning)
