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
