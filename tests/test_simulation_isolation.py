"""Parts of the network cut off from every source are a result, not a solver failure.

Closing the links around one junction, a group of junctions, a tank or a pump station:
the cut-off junctions are reported unsupplied with no demand served, and every supplied
node matches EPANET 2.2's pressure-driven analysis of the same closures within 0.01 m.
"""

from __future__ import annotations

import numpy as np
import pytest
import wntr

from benchmarks.networks import network_path
from models import load_network
from simulation import NumbaSimulator
from tests.reference import epanet22, head_errors, set_pda


def _net3():
    net = load_network(network_path("Net3")).copy()
    set_pda(net.wn)
    net.wn.options.time.duration = 24 * 3600
    return net


def _close(wn, links):
    """Close links for the whole run (and drop the controls that would reopen them)."""
    links = set(links)
    for name in list(wn.control_name_list):
        ctl = wn.get_control(name)
        targets = {a.target()[0].name for a in ctl._then_actions + ctl._else_actions}
        if targets & links:
            wn.remove_control(name)
    for name in links:
        wn.get_link(name).initial_status = wntr.network.LinkStatus.Closed


def _group(wn, centre, hops):
    nodes = {centre}
    g = wn.to_graph().to_undirected()
    frontier = {centre}
    for _ in range(hops):
        frontier = {m for n in frontier for m in g.neighbors(n)} - nodes
        nodes |= {n for n in frontier if n in wn.junction_name_list}
    return nodes


def _boundary(wn, nodes):
    out = []
    for name in wn.link_name_list:
        link = wn.get_link(name)
        if (link.start_node_name in nodes) != (link.end_node_name in nodes):
            out.append(name)
    return out


def _cut_off(wn, closed):
    """Junctions with no path to a tank or reservoir once ``closed`` links are removed
    (an independent oracle computed with networkx)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(wn.node_name_list)
    for name in wn.link_name_list:
        if name not in closed:
            link = wn.get_link(name)
            g.add_edge(link.start_node_name, link.end_node_name)
    sources = set(wn.tank_name_list) | set(wn.reservoir_name_list)
    fed = set()
    for comp in nx.connected_components(g):
        if comp & sources:
            fed |= comp
    return set(wn.junction_name_list) - fed


def _run_both(net):
    ours = NumbaSimulator(net).run_sim()
    ref = epanet22(net.wn)
    return ours, ref


def _assert_rest_matches(ours, ref):
    supplied = ours.node["supplied"].to_numpy()
    err = head_errors(ours, ref, supplied)
    assert err.max() <= 0.01, f"supplied nodes differ from EPANET PDA by {err.max():.3g} m"


def _assert_cut_off(ours, nodes):
    sup = ours.node["supplied"][sorted(nodes)]
    assert not sup.to_numpy().any(), "cut-off junctions must be reported unsupplied"
    dem = ours.node["demand"][sorted(nodes)]
    assert float(dem.abs().to_numpy().max()) == 0.0, "no demand is served when cut off"


def test_one_junction():
    net = _net3()
    wn = net.wn
    node = next(n for n in wn.junction_name_list
                if wn.get_node(n).base_demand > 0 and len(wn.get_links_for_node(n)) >= 2)
    _close(wn, wn.get_links_for_node(node))
    ours, ref = _run_both(net)
    _assert_cut_off(ours, {node})
    _assert_rest_matches(ours, ref)
    # the cut-off junction has demand but gets no pressure (minimum pressure 0 m)
    assert float(ours.node["pressure"][node].abs().max()) == pytest.approx(0.0)


def test_group_of_junctions():
    net = _net3()
    wn = net.wn
    nodes = _group(wn, "171", 2)
    assert len(nodes) >= 4
    closed = _boundary(wn, nodes)
    _close(wn, closed)
    expected = _cut_off(wn, set(closed))
    assert nodes <= expected
    ours, ref = _run_both(net)
    _assert_cut_off(ours, expected)
    _assert_rest_matches(ours, ref)
    n_uns = (~ours.node["supplied"]).sum(axis=1)
    assert (n_uns == len(expected)).all()


def test_tank_isolated():
    net = _net3()
    wn = net.wn
    _close(wn, wn.get_links_for_node("1"))
    ours, ref = _run_both(net)
    assert ours.converged
    _assert_rest_matches(ours, ref)
    # an isolated tank neither fills nor drains
    lvl = ours.node["head"]["1"]
    assert float(lvl.max() - lvl.min()) < 1e-9


def test_pump_station_closed():
    net = _net3()
    wn = net.wn
    _close(wn, ["10", "335"])
    ours, ref = _run_both(net)
    assert ours.converged
    _assert_rest_matches(ours, ref)
    q = ours.link["flowrate"][["10", "335"]]
    assert float(q.abs().to_numpy().max()) == 0.0


def test_demand_driven_cut_off_is_not_a_failure():
    """DDA too: EPANET would give meaningless heads; we report no water there."""
    net = load_network(network_path("Net3")).copy()
    wn = net.wn
    wn.options.time.duration = 6 * 3600
    nodes = _group(wn, "171", 1)
    _close(wn, _boundary(wn, nodes))
    ours = NumbaSimulator(net).run_sim()
    assert ours.converged
    _assert_cut_off(ours, nodes)
    assert np.isfinite(ours.node["head"].to_numpy()).all()



@pytest.mark.parametrize("demand_model", ["DDA", "PDA"])
def test_every_source_closed_off(demand_model):
    """Closing the pump from the reservoir and the tank's pipe cuts off the whole network."""
    net = load_network(network_path("Net1")).copy()
    wn = net.wn
    wn.options.time.duration = 3 * 3600
    if demand_model == "PDA":
        set_pda(wn)
    _close(wn, ["9", "110"])
    ours = NumbaSimulator(net).run_sim()
    assert ours.converged
    _assert_cut_off(ours, wn.junction_name_list)
    assert np.isfinite(ours.node["head"].to_numpy()).all()


@pytest.mark.parametrize("demand_model", ["DDA", "PDA"])
def test_cut_off_network_that_stalls_newton(demand_model):
    """KL's pipe 22 is the only way from its source: with it closed, Newton cannot
    converge while the cut-off network hangs on the closed pipe's tiny conductance; the
    solver must then find the island and answer "no water anywhere", not fail."""
    from simulation import PdaSettings, SteadyStateSolver

    net = load_network(network_path("kl"))
    pda = PdaSettings(0.0, 14.0, None) if demand_model == "PDA" else None
    solver = SteadyStateSolver(net, demand_model=demand_model, pda=pda)
    nj = len(solver.junction_names)
    snap = solver.solve(closed_links=["22"])
    assert snap.error_code == 0
    assert not snap.supplied[:nj].any()
    assert float(np.abs(snap.demand_m3s[:nj]).max()) == 0.0
    r = solver.sweep_closures(["22"], 14.0)
    assert r.error_code[0] == 0 and r.unsupplied[0].all() and not r.low[0].any()
    # all demand goes unserved
    assert r.unserved_m3s[0] == pytest.approx(solver.base.required_demand_m3s.clip(min=0).sum(), rel=1e-9)
