"""Valve layers, segments and isolations (planning.shutdowns)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import wntr

from benchmarks.networks import network_path
from models import load_network
from planning.shutdowns import (
    ShutdownInputError,
    check_valve_layer,
    isolate,
    read_valve_layer,
    segment_map,
    segments,
    synthetic_valve_layer,
)

NETS = ["Net3", "ltown_battledim"]


@pytest.fixture(scope="module", params=NETS)
def net(request):
    return load_network(network_path(request.param))


def same_partition(a: pd.Series, b: pd.Series) -> bool:
    """True when two labellings of the same index group the elements identically."""
    a = a.sort_index()
    b = b.sort_index()
    assert list(a.index) == list(b.index)
    pairs = pd.DataFrame({"a": a.to_numpy(), "b": b.to_numpy()}).drop_duplicates()
    return pairs["a"].is_unique and pairs["b"].is_unique


def wntr_layers(wn):
    return {
        "N": wntr.network.generate_valve_layer(wn, "strategic", 0, seed=1),
        "N-1": wntr.network.generate_valve_layer(wn, "strategic", 1, seed=2),
        "N-2": wntr.network.generate_valve_layer(wn, "strategic", 2, seed=3),
        "random 30": wntr.network.generate_valve_layer(wn, "random", 30, seed=4),
        "ours N-1": synthetic_valve_layer(wn, 1, seed=5)[["link", "node"]],
    }


def test_segments_same_partition_as_wntr(net):
    wn = net.wn
    graph = wn.to_graph()
    for name, layer in wntr_layers(wn).items():
        ours_n, ours_l = segments(net, layer)
        theirs_n, theirs_l, _ = wntr.metrics.valve_segments(graph, layer.copy())
        assert same_partition(ours_n, theirs_n), name
        assert same_partition(ours_l, theirs_l), name
        assert ours_n.index.name == "node" and ours_l.index.name == "link"


def test_no_valves_one_segment_per_component(net):
    empty = pd.DataFrame({"link": [], "node": []})
    node_seg, link_seg = segments(net, empty)
    n_comp = nx.number_connected_components(net.wn.to_graph().to_undirected())
    assert node_seg.nunique() == n_comp
    assert set(link_seg.unique()) <= set(node_seg.unique())


def _ring_layer(wn, node):
    """Valves on every link at ``node``, at the link's far end: isolates ``node``."""
    rows = []
    for link in wn.get_links_for_node(node):
        lk = wn.get_link(link)
        far = lk.end_node_name if lk.start_node_name == node else lk.start_node_name
        rows.append((link, far))
    return pd.DataFrame(rows, columns=["link", "node"])


def _junction_of_degree(wn, degree):
    g = wn.to_graph().to_undirected()
    for n in wn.junction_name_list:
        if g.degree(n) == degree and len(set(g.neighbors(n))) == degree:
            return n
    raise AssertionError("no such junction")


def test_known_isolation_cuts_off_expected_nodes(net):
    """Valves around one junction: isolating a pipe at it closes exactly those valves and
    the run leaves exactly that junction (and what hangs on it) without water."""
    from datetime import datetime

    from planning.shutdowns import Policy
    from planning.shutdowns.study import closure_run, study_clock, study_model

    wn = net.wn
    node = _junction_of_degree(wn, 3)
    layer = check_valve_layer(net, _ring_layer(wn, node))
    seg = segment_map(net, layer)
    pipe = wn.get_links_for_node(node)[0]
    iso = isolate(seg, pipe)
    assert iso.nodes == (node,)
    assert set(iso.links) == set(wn.get_links_for_node(node))
    assert set(iso.valves_to_close.index) == set(layer.index)
    assert (iso.valves_to_close["side"] == "link").all()
    # expected cut-off: the junction plus whatever loses every path to a source
    g = wn.to_graph().to_undirected()
    g.remove_node(node)
    sources = set(wn.tank_name_list) | set(wn.reservoir_name_list)
    fed = set().union(*(nx.node_connected_component(g, s) for s in sources))
    expected = {node} | (set(wn.junction_name_list) - fed - {node})
    policy = Policy()
    clock = study_clock(net, datetime(2024, 3, 4, 0, 0))
    model = study_model(net, clock, 7200, policy)
    res = closure_run(model, iso.closed_links, 3600, 3600)
    sup = res.node["supplied"].loc[3600, wn.junction_name_list]
    assert set(sup.index[~sup.to_numpy()]) == expected
    assert bool(res.node["supplied"].loc[0, wn.junction_name_list].all())


def test_inoperable_valve_grows_isolation(net):
    wn = net.wn
    layer = synthetic_valve_layer(net, 1, seed=11)
    seg = segment_map(net, layer)
    # a pipe whose segment has a boundary valve with another segment behind it
    for pipe in wn.pipe_name_list:
        iso = isolate(seg, pipe)
        close = iso.valves_to_close
        if len(close) >= 2:
            break
    stuck = close.index[0]
    row = layer.loc[stuck]
    far = seg.valve_node_segment[layer.index.get_loc(stuck)] \
        if close.loc[stuck, "side"] == "link" else \
        seg.valve_link_segment[layer.index.get_loc(stuck)]
    grown = isolate(seg, pipe, inoperable_valves=[stuck])
    assert stuck not in grown.valves_to_close.index
    assert far in grown.extra_segments
    assert set(iso.nodes) <= set(grown.nodes)
    assert set(seg.segment_nodes([far])) <= set(grown.extra_nodes) | set(iso.nodes)
    assert stuck in grown.inoperable_passed.index
    # every valve to close is operable, and the isolated set is closed under them
    assert grown.valves_to_close["operable"].all()
    inside = set(grown.segments)
    a, b = seg.valve_link_segment, seg.valve_node_segment
    pos = layer.index.get_indexer(grown.valves_to_close.index)
    assert all((a[i] in inside) != (b[i] in inside) for i in pos)
    # the same through the layer's own flag
    flagged = layer.copy()
    flagged.loc[stuck, "operable"] = False
    grown2 = isolate(segment_map(net, flagged), pipe)
    assert grown2.nodes == grown.nodes
    assert row["link"] in grown.closed_links or row["link"] in grown.links


def test_synthetic_layer_flagged_and_reproducible(net):
    a = synthetic_valve_layer(net, 1, seed=3)
    b = synthetic_valve_layer(net, 1, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a["synthetic"].all() and a["operable"].all()
    assert segment_map(net, a).synthetic
    state = np.random.get_state()[1].copy()
    synthetic_valve_layer(net, 1, seed=4)
    assert np.array_equal(state, np.random.get_state()[1])  # global RNG untouched


def test_layer_errors_name_row_and_field(tmp_path):
    net = load_network(network_path("Net3"))
    pipe = net.wn.pipe_name_list[0]
    start = net.wn.get_link(pipe).start_node_name
    csv = tmp_path / "valves.csv"
    csv.write_text(f"valve,link,node,operable\nA,{pipe},{start},yes\nB,NOPE,{start},no\n"
                   f"C,NOPE2,{start},no\n")
    with pytest.raises(ShutdownInputError) as e:
        read_valve_layer(csv, net)
    err = e.value
    assert err.row == 3 and err.field == "link" and "NOPE" in str(err)
    assert set(err.missing) == {"NOPE", "NOPE2"}
    assert "valves.csv, line 3" in str(err)
    csv.write_text(f"link,node\n{pipe},GHOST\n")
    with pytest.raises(ShutdownInputError) as e:
        read_valve_layer(csv, net)
    assert e.value.field == "node" and e.value.row == 2 and "GHOST" in str(e.value)
    other = next(n for n in net.wn.junction_name_list
                 if n not in (start, net.wn.get_link(pipe).end_node_name))
    with pytest.raises(ShutdownInputError, match="not an end of link"):
        check_valve_layer(net, pd.DataFrame({"link": [pipe], "node": [other]}))
    with pytest.raises(ShutdownInputError, match="yes/no"):
        check_valve_layer(net, pd.DataFrame({"link": [pipe], "node": [start],
                                             "operable": ["perhaps"]}))
    with pytest.raises(ShutdownInputError) as e:
        segments(net, pd.DataFrame({"link": ["X1"], "node": [start]}))
    assert e.value.field == "link"
    layer = check_valve_layer(net, pd.DataFrame({"link": [pipe], "node": [start]}))
    with pytest.raises(ShutdownInputError) as e:
        isolate(segment_map(net, layer), "NO_SUCH_PIPE")
    assert e.value.field == "pipe" and "NO_SUCH_PIPE" in str(e.value)
    with pytest.raises(ShutdownInputError) as e:
        isolate(segment_map(net, layer), pipe, inoperable_valves=["V99"])
    assert e.value.field == "inoperable_valves"


def test_duplicates_merged_and_csv_round_trip(tmp_path):
    net = load_network(network_path("Net3"))
    pipe = net.wn.pipe_name_list[3]
    end = net.wn.get_link(pipe).end_node_name
    table = pd.DataFrame({"link": [pipe, pipe], "node": [end, end],
                          "operable": [True, False]})
    layer = check_valve_layer(net, table)
    assert len(layer) == 1 and not layer["operable"].iloc[0]
    path = tmp_path / "v.csv"
    layer.reset_index().to_csv(path, index=False)
    back = read_valve_layer(path, net)
    pd.testing.assert_frame_equal(back, layer)


@pytest.mark.slow
def test_segments_fast_on_100k_pipes():
    import time

    from benchmarks.synthetic_network import make_synthetic_network

    wn = make_synthetic_network(82000, seed=1)
    assert len(wn.pipe_name_list) >= 95000
    layer = synthetic_valve_layer(wn, 1, seed=0)
    t0 = time.perf_counter()
    node_seg, link_seg = segments(wn, layer)
    elapsed = time.perf_counter() - t0
    assert node_seg.notna().all() and link_seg.notna().all()
    assert elapsed < 10.0, elapsed


def test_valve_points_layer_keeps_the_synthetic_flag():
    net = load_network(network_path("Net3"))
    from planning.shutdowns import valve_points

    layer = synthetic_valve_layer(net, 1, seed=0)
    pts = valve_points(net, layer)
    assert list(pts.index) == list(layer.index)
    assert pts["synthetic"].all() and pts.crs is not None
    assert pts.geometry.geom_type.eq("Point").all()
