"""Criticality: the screened sweep gives the full sweep's answer; the table; Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.networks import network_path
from models import load_network
from planning.shutdowns import ShutdownInputError, closure_sweep, criticality
from planning.shutdowns.criticality import ClosureSweeper
from simulation import peak_demand_time_s


def _screened_vs_full(name):
    net = load_network(network_path(name))
    pipes = list(net.wn.pipe_name_list)
    sw = ClosureSweeper(net, peak_demand_time_s(net), 14.0, 0.0, 14.0)
    fast = sw.sweep(pipes, threads=2, screen=True)
    full = sw.sweep(pipes, threads=2, screen=False)
    ok = full.error_code == 0  # the core's own failures are compared nowhere
    same = (fast.low == full.low).all(axis=1) & (fast.unsupplied == full.unsupplied).all(axis=1)
    return fast, full, ok, same


@pytest.mark.parametrize("name", ["Net3", "ltown_battledim", "ctown_batadal", "ky4"])
def test_screen_never_changes_the_answer(name):
    fast, full, ok, same = _screened_vs_full(name)
    bad = [fast.pipes[i] for i in np.flatnonzero(ok & ~same)]
    assert not bad, f"screened closures that differ from the full solve: {bad[:10]}"
    assert (~fast.solved).sum() > 0.3 * len(fast.pipes)  # the screen does vouch for many


@pytest.mark.slow
def test_screen_never_changes_the_answer_net6():
    fast, full, ok, same = _screened_vs_full("Net6")
    assert (ok & ~same).sum() == 0
    assert (~fast.solved).sum() > 0.5 * len(fast.pipes)


def test_criticality_table_net3():
    net = load_network(network_path("Net3"))
    table = criticality(net)
    assert list(table.index) == list(net.wn.pipe_name_list)
    assert {"customers_without_water", "customers_below_min", "junctions_without_water",
            "junctions_below_min", "demand_not_served_m3s", "method",
            "error_code"} <= set(table.columns)
    assert (table[["customers_without_water", "customers_below_min",
                   "demand_not_served_m3s"]] >= 0).all().all()
    assert set(table["method"]) <= {"screened", "solved"}
    # a pipe whose closure cuts junctions off loses at least their demand
    sw = closure_sweep(net, screen=False)
    cut = np.flatnonzero((sw.unsupplied & ~sw.base_unsupplied).any(axis=1))
    assert len(cut) > 0
    assert (table["junctions_without_water"].to_numpy()[cut] > 0).all()
    unscreened = criticality(net, screen=False)
    pd.testing.assert_series_equal(table["customers_without_water"],
                                   unscreened["customers_without_water"])
    pd.testing.assert_series_equal(table["customers_below_min"],
                                   unscreened["customers_below_min"])
    assert table.attrs["time_s"] == peak_demand_time_s(net)


def test_criticality_errors():
    net = load_network(network_path("Net3"))
    with pytest.raises(ShutdownInputError) as e:
        criticality(net, pipes=["173", "NOT-A-PIPE"])
    assert e.value.field == "pipes" and "NOT-A-PIPE" in str(e.value)


@pytest.mark.slow
def test_criticality_through_dask_matches_serial():
    from dask.distributed import Client, LocalCluster

    path = network_path("Net3")
    serial = criticality(load_network(path))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dist = criticality(str(path), client=client)
    pd.testing.assert_frame_equal(dist.loc[serial.index], serial, check_exact=False,
                                  atol=1e-9)
