"""NumbaSimulator against EPANET 2.2 (wntr's EpanetSimulator) on the small networks.

Goal from the hydraulic-core issue: max |head - EPANET head| <= 0.01 m and median
<= 1e-4 m over all report times, demand-driven and pressure-driven.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.networks import network_path
from models import load_network
from simulation import NumbaSimulator
from tests.reference import epanet22, head_errors, set_pda

SMALL = [("Net1", None), ("Net2", None), ("Net3", None), ("ky4", None), ("kl", None)]
SLOW = [("ltown_battledim", 48), ("micropolis_v1", 48), ("ctown_batadal", 48), ("Net6", 24)]


def _check(name, hours, mode):
    net = load_network(network_path(name)).copy()
    wn = net.wn
    if hours is not None:
        wn.options.time.duration = hours * 3600
    if mode == "PDA":
        set_pda(wn)
    ours = NumbaSimulator(net).run_sim()
    ref = epanet22(wn)
    err = head_errors(ours, ref)
    assert ours.converged
    assert err.max() <= 0.01, f"{name} {mode}: max |dH| = {err.max():.3g} m"
    assert np.median(err) <= 1e-4, f"{name} {mode}: median |dH| = {np.median(err):.3g} m"


@pytest.mark.parametrize("mode", ["DDA", "PDA"])
@pytest.mark.parametrize("name,hours", SMALL)
def test_small_networks_match_epanet(name, hours, mode):
    _check(name, hours, mode)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["DDA", "PDA"])
@pytest.mark.parametrize("name,hours", SLOW)
def test_larger_networks_match_epanet(name, hours, mode):
    _check(name, hours, mode)


def test_flows_demands_and_mass_balance_match_epanet():
    """Flows and demands agree too, and every junction balances (physics invariant)."""
    net = load_network(network_path("Net3"))
    ours = NumbaSimulator(net).run_sim()
    ref = epanet22(net.wn)
    q = ours.link["flowrate"]
    qr = ref.link["flowrate"][q.columns]
    assert float((q - qr).abs().max().max()) < 1e-4  # m3/s
    d = ours.node["demand"]
    dr = ref.node["demand"][d.columns]
    assert float((d - dr).abs().max().max()) < 1e-4
    wn = net.wn
    for t in q.index[::24]:
        inflow = {n: 0.0 for n in wn.junction_name_list}
        for name in q.columns:
            link = wn.get_link(name)
            f = q.at[t, name]
            if link.end_node_name in inflow:
                inflow[link.end_node_name] += f
            if link.start_node_name in inflow:
                inflow[link.start_node_name] -= f
        imbalance = max(abs(inflow[n] - d.at[t, n]) for n in inflow)
        assert imbalance < 1e-6, f"mass balance off by {imbalance} m3/s at t={t}"


def test_darcy_weisbach_and_rules_with_clocktime():
    """micropolis: D-W headloss, 196 TCVs, rules with CLOCKTIME premises (first 12 h)."""
    net = load_network(network_path("micropolis_v1")).copy()
    net.wn.options.time.duration = 12 * 3600
    ours = NumbaSimulator(net).run_sim()
    err = head_errors(ours, epanet22(net.wn))
    assert err.max() <= 0.01
