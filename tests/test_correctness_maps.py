"""Maps that say something (issue 18 item 5): legend bins, whole-network rates, hours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app_pages.maps import quantile_edges, sequential_scale
from application import open_network
from application.network_run import NetworkRunSettings, report_weights_h, run_network
from benchmarks.networks import network_path


def test_legend_bins_follow_the_values_present():
    rng = np.random.default_rng(0)
    real = pd.Series(rng.uniform(3.4, 9.2, 387))
    values = pd.concat([real, pd.Series([104.46])], ignore_index=True)  # one dead zone
    scale = sequential_scale(values, "rate", "%")
    bins = np.searchsorted(np.asarray(scale.edges), values.to_numpy(), side="right")
    counts = np.bincount(bins, minlength=len(scale.colours))
    assert counts.max() <= 0.25 * len(values)       # no bin swallows the real values
    assert len(scale.labels) == len(scale.colours) == len(scale.edges) + 1
    # few distinct values: one bin per value
    few = quantile_edges(pd.Series([0.0, 0.0, 5.0, 5.0, 9.0]))
    assert len(few) == 4
    one = sequential_scale(pd.Series([2.0, 2.0]), "x", "m")
    assert one.edges == () and len(one.colours) == 1


def test_report_weights_never_exceed_the_run():
    t = np.arange(0, 168 * 3600 + 1, 900)
    assert report_weights_h(t, 900).sum() == pytest.approx(168.0)
    assert report_weights_h(np.array([0]), 3600).tolist() == [1.0]


def test_hours_below_on_a_single_period_model():
    opened = open_network(network_path("kl"))
    res = run_network(opened, NetworkRunSettings(min_pressure_m=1e4))   # everyone below
    hours = res.nodes["hours_below_service"].dropna()
    assert len(res.pressure_m) == 1
    assert (hours == 1.0).all()                # one report step, not 0 h


@pytest.mark.slow
def test_hours_below_capped_at_the_run_length():
    opened = open_network(network_path("ctown_batadal"))
    res = run_network(opened, NetworkRunSettings(duration_h=24.0, min_pressure_m=1e4))
    hours = res.nodes["hours_below_service"].dropna()
    assert hours.max() == pytest.approx(24.0)


@pytest.mark.slow
def test_whole_network_leakage_map_shows_the_rate():
    from application.leakage_study import leakage_node_layer, run_leakage

    opened = open_network(network_path("Net3"))
    body = {"leakage": [{"leak_area_mm2_per_100m": 1.0, "leak_expansion_mm2_per_m": 0.0}],
            "duration_h": 2}
    run = run_leakage(opened, body)
    layer = leakage_node_layer(opened, run)
    rate = layer["zone_gross_loss_rate_pct"]
    assert rate.notna().all()
    assert rate.iloc[0] == pytest.approx(run.network["gross_loss_rate_pct"])
