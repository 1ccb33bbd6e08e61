"""SteadyStateSolver.max_extra_demand: the largest extra demand, checked with the solver itself.

Oracles: the answer is feasible and its bracket's upper end is not (each checked with an
independent :meth:`SteadyStateSolver.solve`), the limiting junction sits at the minimum
pressure within the tolerance, half the answer keeps everyone above it, and the
first-order estimate is the one the head sensitivities give.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.networks import network_path
from models import load_network
from simulation import ExtraDemandResult, SteadyStateSolver, peak_demand_time_s

PMIN = 14.0
NODES = ["15", "219", "193", "60", "121"]


@pytest.fixture(scope="module")
def solver():
    net = load_network(network_path("Net3"))
    return SteadyStateSolver(net, peak_demand_time_s(net), demand_model="DDA")


@pytest.fixture(scope="module")
def result(solver):
    return solver.max_extra_demand(NODES, PMIN)


def _min_pressure_m(solver, snap, node, protected):
    p = snap.pressure_m
    j = solver.node_index(node)
    nj = len(solver.junction_names)
    ok = snap.converged and snap.supplied[j] and snap.supplied[:nj][protected].all()
    return min(p[j], p[:nj][protected].min()) if ok else -np.inf


def test_answer_is_the_feasible_boundary(solver, result):
    assert isinstance(result, ExtraDemandResult)
    assert len(result) == len(NODES)
    assert result.status_names == ["ok"] * len(NODES)
    for k, node in enumerate(NODES):
        q, hi = result.extra_demand_m3s[k], result.upper_m3s[k]
        assert 0.0 < q < hi <= q * (1 + 1.001e-3)
        at = solver.solve({node: q}, start="cold")
        above = solver.solve({node: hi}, start="cold")
        half = solver.solve({node: 0.5 * q}, start="cold")
        assert _min_pressure_m(solver, at, node, result.protected) >= PMIN
        assert _min_pressure_m(solver, half, node, result.protected) > PMIN
        assert _min_pressure_m(solver, above, node, result.protected) < PMIN
        # the limiting junction is at the minimum, within what the tolerance on q allows
        lim = result.limiting_index[k]
        assert result.limiting_node[k] == solver.junction_names[lim]
        slope = abs(solver.head_sensitivity(node)[lim])  # m per m3/s at the base case
        assert at.pressure_m[lim] - PMIN <= 5 * slope * (hi - q) + 1e-9
        assert above.pressure_m[lim] < PMIN


def test_first_order_estimate_is_the_linearisation(solver, result):
    nj = len(solver.junction_names)
    margin = solver.base.pressure_m[:nj] - PMIN
    for k, node in enumerate(NODES):
        s = solver.head_sensitivity(node)
        j = solver.node_index(node)
        who = result.protected.copy()
        who[j] = True
        falling = who & (s < 0)
        expected = np.min(margin[falling] / -s[falling])
        assert result.first_order_m3s[k] == pytest.approx(expected, rel=1e-9)


def test_threads_protected_forms_and_read_only(solver, result):
    one = solver.max_extra_demand(NODES, PMIN, threads=1)
    np.testing.assert_array_equal(one.extra_demand_m3s, result.extra_demand_m3s)
    names = [n for n, p in zip(solver.junction_names, result.protected) if p]
    by_name = solver.max_extra_demand(NODES, PMIN, protected=names)
    np.testing.assert_array_equal(by_name.extra_demand_m3s, result.extra_demand_m3s)
    nj = len(solver.junction_names)
    base = solver.base
    np.testing.assert_array_equal(result.protected,
                                  base.supplied[:nj] & (base.pressure_m[:nj] >= PMIN))
    with pytest.raises(ValueError):
        result.extra_demand_m3s[0] = 1.0
    frame = result.to_frame()
    assert list(frame.index) == NODES
    assert (frame["extra_demand_m3s"] == result.extra_demand_m3s).all()
    # protecting nobody can only leave more
    free = solver.max_extra_demand(NODES, PMIN, protected=np.zeros(nj, dtype=bool))
    assert (free.extra_demand_m3s >= result.extra_demand_m3s * (1 - 2e-3)).all()


def test_below_minimum_is_zero_and_bad_inputs(solver):
    nj = len(solver.junction_names)
    low = np.flatnonzero(solver.base.supplied[:nj] & (solver.base.pressure_m[:nj] < PMIN))
    assert len(low)
    res = solver.max_extra_demand([int(low[0])], PMIN)
    assert res.extra_demand_m3s[0] == 0.0
    assert res.status_names == ["below minimum"]
    with pytest.raises(ValueError):
        solver.max_extra_demand(["River"], PMIN)  # a reservoir
    with pytest.raises(KeyError):
        solver.max_extra_demand(["nope"], PMIN)
    with pytest.raises(ValueError):
        solver.max_extra_demand(["15"], PMIN, start="warm")
    with pytest.raises(ValueError):
        solver.max_extra_demand(["15"], -1.0)
