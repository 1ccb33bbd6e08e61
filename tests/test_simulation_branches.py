"""Closure branches (``simulation.closure_branches``) against one full simulation per start."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import wntr
from wntr.network.controls import Control, ControlAction, SimTimeCondition

from benchmarks.networks import network_path
from simulation import BranchCosts, NumbaSimulator, closure_branches, compile_network

H = 3600
# Net3, pipe 173 isolated with two valves left out (N-2): the cut-off area depends on the
# tanks, so the cost varies with the start.
CLOSED = ["116", "119", "120", "121", "122", "123", "171", "173", "175", "177", "179",
          "217", "219", "221", "297", "305", "311"]
STARTS = np.array([27, 0, 6, 13, 20, 34]) * H   # deliberately out of order
DUR = 12 * H
NO_WATER_M = 1e-6
MIN_M = 14.0


@pytest.fixture(scope="module")
def model():
    wn = wntr.network.WaterNetworkModel(str(network_path("Net3")))
    t = wn.options.time
    t.duration = int(STARTS.max() + DUR)
    t.report_start = 0
    t.report_timestep = H
    h = wn.options.hydraulic
    h.demand_model = "PDA"
    h.minimum_pressure = 0.0
    h.required_pressure = 14.0
    h.unbalanced = "CONTINUE"
    h.unbalanced_value = 10
    return wn


@pytest.fixture(scope="module")
def weights(model):
    names = model.junction_name_list
    return pd.Series([1.0 + i % 3 for i in range(len(names))], index=names)


@pytest.fixture(scope="module")
def costs(model, weights):
    return closure_branches(model, CLOSED, STARTS, DUR, weights,
                            no_water_pressure_m=NO_WATER_M, min_pressure_m=MIN_M, threads=2)


def _run_with_closure(wn, start_s, dur_s, end_s):
    """Full simulation with time controls closing CLOSED at start and reopening at the end."""
    wn = copy.deepcopy(wn)
    wn.options.time.duration = int(end_s)
    for i, name in enumerate(CLOSED if dur_s else []):
        link = wn.get_link(name)
        wn.add_control(f"close{i}", Control(SimTimeCondition(wn, "=", int(start_s)),
                                            ControlAction(link, "status", 0)))
        if link.initial_status != wntr.network.LinkStatus.Closed:
            wn.add_control(f"open{i}", Control(SimTimeCondition(wn, "=", int(start_s + dur_s)),
                                               ControlAction(link, "status", 1)))
    return NumbaSimulator(wn).run_sim(convergence="report")


def _window_costs(wn, res, weights, start_s, dur_s):
    """Weight-seconds without water / below minimum and unserved m3 over [s, s + D)."""
    junctions = wn.junction_name_list
    p = res.node["pressure"][junctions]
    times = p.index.to_numpy()
    sel = (times >= start_s) & (times < start_s + dur_s)
    no_water = (~res.node["supplied"][junctions]) | (p <= NO_WATER_M)
    low = (~no_water) & (p < MIN_M)
    mult = wn.options.hydraulic.demand_multiplier
    p0 = int(wn.options.time.pattern_start)
    req = np.array([[wn.get_node(j).demand_timeseries_list.at(t + p0, multiplier=mult)
                     for j in junctions] for t in times[sel]])
    served = res.node["demand"][junctions].to_numpy()[sel].clip(min=0.0)
    w = weights.reindex(junctions).to_numpy()
    rstep = int(wn.options.time.report_timestep)
    return np.array([(no_water.to_numpy()[sel] * w).sum() * rstep,
                     (low.to_numpy()[sel] * w).sum() * rstep,
                     (req - served).clip(min=0.0).sum() * rstep])


def test_branches_equal_full_simulations(model, weights, costs):
    base = _run_with_closure(model, 0, 0, STARTS.max() + DUR)
    for i, s in enumerate(STARTS):
        full = _window_costs(model, _run_with_closure(model, s, DUR, s + DUR), weights, s, DUR)
        without = _window_costs(model, base, weights, s, DUR)
        got = np.array([costs.no_water_weight_s[i], costs.below_min_weight_s[i],
                        costs.unserved_m3[i]])
        got_base = np.array([costs.baseline_no_water_weight_s[i],
                             costs.baseline_below_min_weight_s[i],
                             costs.baseline_unserved_m3[i]])
        got_excess = np.array([costs.excess_no_water_weight_s[i],
                               costs.excess_below_min_weight_s[i],
                               costs.excess_unserved_m3[i]])
        for name, a, b in (("closure", got, full), ("baseline", got_base, without),
                           ("excess", got_excess, full - without)):
            np.testing.assert_allclose(a[:2], b[:2], atol=1e-3, rtol=1e-9,
                                       err_msg=f"{name} at {s} s")
            np.testing.assert_allclose(a[2], b[2], atol=1e-3, rtol=1e-7,
                                       err_msg=f"{name} unserved at {s} s")
    assert (costs.error_code == 0).all() and costs.converged.all()
    assert not costs.failed.any()
    # a meaningful case: the closure leaves customers without water, more at some starts
    assert costs.excess_no_water_weight_s.min() > 0
    assert costs.excess_no_water_weight_s.max() > costs.excess_no_water_weight_s.min()


def test_order_threads_and_inputs_do_not_change_results(model, weights, costs):
    cn = compile_network(model)
    order = np.argsort(STARTS)
    one = closure_branches(cn, CLOSED, STARTS[order], DUR, weights.reindex(cn.junction_names),
                           no_water_pressure_m=NO_WATER_M, min_pressure_m=MIN_M, threads=1)
    as_array = closure_branches(cn, CLOSED, STARTS[order], DUR,
                                weights.reindex(cn.junction_names).to_numpy(),
                                no_water_pressure_m=NO_WATER_M, min_pressure_m=MIN_M,
                                threads=1)
    a, b, c = costs.to_frame(), one.to_frame(), as_array.to_frame()
    pd.testing.assert_frame_equal(a.loc[b.index], b, check_exact=True)
    pd.testing.assert_frame_equal(b, c, check_exact=True)
    assert list(a.index) == list(STARTS)


def test_result_is_immutable_and_framed(costs):
    assert isinstance(costs, BranchCosts) and len(costs) == len(STARTS)
    with pytest.raises(ValueError):
        costs.excess_no_water_weight_s[0] = 0.0
    frame = costs.to_frame()
    assert frame.index.name == "start_s"
    assert {"excess_no_water_weight_s", "baseline_unserved_m3", "error_code",
            "not_converged_steps"} <= set(frame.columns)
    np.testing.assert_array_equal(
        costs.excess_unserved_m3,
        frame["excess_unserved_m3"].to_numpy())


def test_bad_inputs(model):
    cn = compile_network(model)
    kw = dict(no_water_pressure_m=0.0, min_pressure_m=MIN_M)
    with pytest.raises(ValueError, match="multiple of the report step"):
        closure_branches(cn, CLOSED, [1800], DUR, **kw)
    with pytest.raises(ValueError, match="duration_s"):
        closure_branches(cn, CLOSED, [0], 0, **kw)
    with pytest.raises(KeyError):
        closure_branches(cn, ["no such pipe"], [0], DUR, **kw)
    with pytest.raises(ValueError, match="one per junction"):
        closure_branches(cn, CLOSED, [0], DUR, np.ones(3), **kw)
    empty = closure_branches(cn, CLOSED, [], DUR, **kw)
    assert len(empty) == 0 and empty.to_frame().empty
