"""Spare capacity: the contract, against a bisection with WNTR's EpanetSimulator (EPANET 2.2)."""

from __future__ import annotations

import copy
import os
import tempfile

import numpy as np
import pytest
import wntr

from benchmarks.networks import network_path
from models import load_network
from planning.connections import (
    ConnectionInputError,
    SpareCapacity,
    capacity_layer,
    peak_demand_time_s,
    reference_bisection,
    spare_capacity,
    spare_capacity_map,
)

PMIN = 14.0


@pytest.fixture(scope="module")
def net3():
    return load_network(network_path("Net3"))


@pytest.fixture(scope="module")
def ctown():
    return load_network(network_path("ctown_batadal"))


def epanet_capacity(wn0, node: str, time_s: int, pmin: float = PMIN) -> float:
    """Reference: bisection where every trial is a fresh EPANET 2.2 single-period run."""
    wn = copy.deepcopy(wn0)
    t = wn.options.time
    t.pattern_start = t.pattern_start + time_s
    t.start_clocktime = (t.start_clocktime + time_s) % 86400
    t.duration = 0
    wn.options.hydraulic.demand_model = "DDA"
    wn.add_pattern("XCONST", [1.0])
    junction = wn.get_node(node)
    junction.add_demand(0.0, "XCONST")
    extra = junction.demand_timeseries_list[-1]
    dmult = wn.options.hydraulic.demand_multiplier
    positive = [n for n, j in wn0.junctions()
                if sum(d.base_value for d in j.demand_timeseries_list) > 0]
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "ref")

        def pressures(q):
            extra.base_value = q / dmult
            try:
                res = wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=prefix,
                                                           convergence_error=True)
            except Exception:  # not converged: a violation
                return None
            return res.node["pressure"].iloc[0]

        p0 = pressures(0.0)
        gov = [n for n in positive if p0[n] >= pmin]

        def feasible(q):
            p = pressures(q)
            return p is not None and p[node] >= pmin and bool((p[gov] >= pmin).all())

        q, _ = reference_bisection(feasible)
    return q


def test_peak_time_is_the_peak_of_total_demand(net3):
    t = peak_demand_time_s(net3)
    assert 0 <= t < 86400
    res = wntr.metrics.expected_demand(net3.wn)  # m3/s, index s, one column per junction
    total = res.loc[res.index < 86400].clip(lower=0).sum(axis=1)
    assert total.loc[t] == pytest.approx(total.max())


@pytest.mark.parametrize("nodes", [["15", "219", "193", "60"]])
def test_net3_agrees_with_epanet_bisection(net3, nodes):
    sc = SpareCapacity(net3, PMIN)
    table = sc.table(nodes)
    assert (table["status"] == "ok").all()
    for node in nodes:
        ours = spare_capacity(net3, node, PMIN)
        assert ours == pytest.approx(table.loc[node, "spare_capacity_m3s"], rel=1.5e-3)
        ref = epanet_capacity(net3.wn, node, sc.time_s)
        assert ours == pytest.approx(ref, rel=0.02), node
        assert ours > 0.0


@pytest.mark.slow
@pytest.mark.parametrize("node", ["J439", "J182", "J330", "J13"])
def test_ctown_agrees_with_epanet_bisection(ctown, node):
    # J182 and J330 sit behind valve V47, which has two solutions for large demands:
    # each solve starts from EPANET's own initial state, so we get EPANET's.
    sc = SpareCapacity(ctown, PMIN)
    ours = sc.at(node)
    ref = epanet_capacity(ctown.wn, node, sc.time_s)
    assert ours == pytest.approx(ref, rel=0.02)


def test_capacity_is_a_feasible_boundary(net3):
    sc = SpareCapacity(net3, PMIN)
    node = "219"
    q = sc.at(node)
    solver = sc.solver
    gov = np.flatnonzero(sc.governing)
    j = solver.node_index(node)
    at = solver.solve({node: q})
    above = solver.solve({node: q * 1.002})

    def ok(s):
        return s.pressure_m[j] >= PMIN and (s.pressure_m[gov] >= PMIN).all()

    assert ok(at)
    assert not ok(above)


def test_zero_below_minimum_and_contract_types(net3):
    table = SpareCapacity(net3, PMIN).table()
    low = table.index[table["status"] == "below minimum"]
    assert len(low) > 0
    assert spare_capacity(net3, low[0]) == 0.0
    value = spare_capacity(net3, "219", min_pressure_m=14.0, time_s=None)
    assert isinstance(value, float)
    # a higher minimum leaves less
    assert spare_capacity(net3, "219", min_pressure_m=20.0) < value


def test_unknown_node_and_non_junction(net3):
    with pytest.raises(ConnectionInputError) as e:
        spare_capacity(net3, "nope")
    assert e.value.field == "node"
    with pytest.raises(ConnectionInputError):
        spare_capacity(net3, "River")  # a reservoir


def test_map_threads_identical_and_network_untouched(net3):
    before = (list(net3.wn.node_name_list), net3.wn.options.time.duration,
              net3.wn.options.hydraulic.demand_model)
    one = spare_capacity_map(net3, threads=1)
    two = spare_capacity_map(net3, threads=2)
    assert list(one.index) == list(net3.wn.junction_name_list)
    np.testing.assert_array_equal(one["spare_capacity_m3s"], two["spare_capacity_m3s"])
    # a search depends on its neighbours in the list (first guesses), within tolerance
    part = spare_capacity_map(net3, nodes=list(one.index[::-3]))
    np.testing.assert_allclose(part["spare_capacity_m3s"],
                               one.loc[part.index, "spare_capacity_m3s"], rtol=1.5e-3)
    after = (list(net3.wn.node_name_list), net3.wn.options.time.duration,
             net3.wn.options.hydraulic.demand_model)
    assert before == after
    ok = one[one["status"] == "ok"]
    assert (ok["upper_m3s"] > ok["spare_capacity_m3s"]).all()
    assert ((ok["upper_m3s"] - ok["spare_capacity_m3s"])
            <= np.maximum(1e-3 * ok["upper_m3s"], 1e-7) + 1e-15).all()
    layer = capacity_layer(one)
    assert layer.crs.to_epsg() == 4543
    assert len(layer) == len(one)
    assert layer.geometry.geom_type.eq("Point").all()


@pytest.mark.parametrize("start", ["flows", "previous"])
def test_start_modes_agree(net3, ctown, start):
    for net, nodes in ((net3, ["219", "193"]), (ctown, ["J182", "J330", "J13"])):
        cold = SpareCapacity(net, PMIN).table(nodes)
        warm = SpareCapacity(net, PMIN, start=start).table(nodes)
        np.testing.assert_allclose(cold["spare_capacity_m3s"], warm["spare_capacity_m3s"],
                                   rtol=5e-3)


def test_bad_start_mode(net3):
    with pytest.raises(ConnectionInputError):
        SpareCapacity(net3, PMIN, start="warm")
