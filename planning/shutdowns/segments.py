"""Valve segments and the isolation of a pipe: which valves to close, what is lost.

A *segment* is the part of the network that closing every valve around it cuts off, the
smallest piece that can be isolated. The partition is the one of
``wntr.metrics.valve_segments`` (labels may differ), computed here in linear time: every
node and every link is a vertex of one graph, each link vertex is joined to its two end
nodes, except where a valve sits at that end (the valve cuts the link from that node);
segments are the connected components (``scipy.sparse.csgraph``). A link with valves at
both ends is a segment of its own; a node whose every link has a valve at that node is a
segment of its own.

To isolate a pipe, close the valves on the boundary of its segment (valves with the
segment on one side only). A valve that cannot be closed (``operable`` False in the
layer, or named by the crew) joins the segment on its far side to the isolation, and
the search goes on to the next valves out.

Exports :func:`segments` (the contract), :class:`SegmentMap` (the partition plus the
valve-segment graph, built once and queried many times), :func:`segment_map`,
:class:`Isolation` and :func:`isolate`. Called by ``plan``; fed by ``valves``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from models import wntr_model as _wn

from .errors import ShutdownInputError


@dataclass(frozen=True)
class SegmentMap:
    """Segments of a network for one valve layer, ready for isolation queries.

    Attributes
    ----------
    node_segment, link_segment : pandas.Series
        Segment label (int, from 1) per node / link name, model order.
    valve_layer : pandas.DataFrame
        The valve layer used (standard form, see ``valves.check_valve_layer``).
    valve_link_segment, valve_node_segment : numpy.ndarray of int
        Per valve (layer order): segment on the link side and on the node side.
    n_segments : int
    synthetic : bool
        True when any valve of the layer is synthetic (generated, not surveyed).
    """

    node_segment: pd.Series
    link_segment: pd.Series
    valve_layer: pd.DataFrame
    valve_link_segment: np.ndarray
    valve_node_segment: np.ndarray
    n_segments: int
    synthetic: bool

    def segment_nodes(self, segment_ids) -> list:
        """Names of the nodes in the given segments (model order)."""
        mask = np.isin(self.node_segment.to_numpy(), np.asarray(list(segment_ids)))
        return self.node_segment.index[mask].tolist()

    def segment_links(self, segment_ids) -> list:
        """Names of the links in the given segments (model order)."""
        mask = np.isin(self.link_segment.to_numpy(), np.asarray(list(segment_ids)))
        return self.link_segment.index[mask].tolist()

    def sizes(self) -> pd.DataFrame:
        """Nodes and links per segment: index ``segment``, columns ``nodes``, ``links``."""
        nodes = self.node_segment.value_counts()
        links = self.link_segment.value_counts()
        idx = pd.RangeIndex(1, self.n_segments + 1, name="segment")
        return pd.DataFrame({"nodes": nodes.reindex(idx, fill_value=0),
                             "links": links.reindex(idx, fill_value=0)})


def _link_ends(wn):
    names = list(wn.link_name_list)
    starts, ends = [], []
    for name in names:
        link = wn.get_link(name)
        starts.append(link.start_node_name)
        ends.append(link.end_node_name)
    return names, starts, ends


def segment_map(net, valve_layer: pd.DataFrame) -> SegmentMap:
    """Segment partition and valve-segment graph of a network.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    valve_layer : pandas.DataFrame
        Columns ``link`` and ``node`` (standard form from ``valves.check_valve_layer``;
        a bare WNTR valve layer also works: missing ``operable`` means operable).

    Returns
    -------
    SegmentMap

    Raises
    ------
    ShutdownInputError
        If the layer names a link or node the network lacks, or a node that is not an end
        of its link.
    """
    wn = _wn(net)
    node_names = pd.Index(wn.node_name_list)
    link_list, starts, ends = _link_ends(wn)
    link_names = pd.Index(link_list)
    nn, nl = len(node_names), len(link_names)
    s_idx = node_names.get_indexer(starts)
    e_idx = node_names.get_indexer(ends)

    v_link = link_names.get_indexer(valve_layer["link"].astype(str).to_numpy())
    v_node = node_names.get_indexer(valve_layer["node"].astype(str).to_numpy())
    for field, idx in (("link", v_link), ("node", v_node)):
        bad = np.flatnonzero(idx < 0)
        if len(bad):
            names = valve_layer[field].to_numpy()[bad]
            raise ShutdownInputError("valve layer", valve_layer.index[bad[0]], field,
                                     f"no {field} {names[0]!r} in the network",
                                     missing=tuple(dict.fromkeys(names)))
    at_end = (v_node == s_idx[v_link]) | (v_node == e_idx[v_link])
    if not at_end.all():
        i = int(np.flatnonzero(~at_end)[0])
        raise ShutdownInputError("valve layer", valve_layer.index[i], "node",
                                 f"node {valve_layer['node'].iloc[i]!r} is not an end of "
                                 f"link {valve_layer['link'].iloc[i]!r}")

    valved = np.unique(v_link.astype(np.int64) * nn + v_node)
    k = np.arange(nl, dtype=np.int64)
    keep_s = ~np.isin(k * nn + s_idx, valved)
    keep_e = ~np.isin(k * nn + e_idx, valved) & (e_idx != s_idx)
    rows = np.concatenate([nn + k[keep_s], nn + k[keep_e]])
    cols = np.concatenate([s_idx[keep_s], e_idx[keep_e]])
    nv = nn + nl
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(nv, nv))
    n_comp, comp = connected_components(graph, directed=False)
    # labels 1.. in order of first appearance (nodes first, then links), deterministic
    _, first = np.unique(comp, return_index=True)
    order = np.empty(n_comp, dtype=np.int64)
    order[np.argsort(first)] = np.arange(n_comp)
    label = order[comp] + 1
    node_seg = pd.Series(label[:nn], index=node_names.rename("node"), name="segment")
    link_seg = pd.Series(label[nn:], index=link_names.rename("link"), name="segment")
    synthetic = bool(valve_layer["synthetic"].any()) if "synthetic" in valve_layer else False
    layer = valve_layer.copy()
    if "operable" not in layer:
        layer["operable"] = True
    if "synthetic" not in layer:
        layer["synthetic"] = False
    return SegmentMap(
        node_segment=node_seg, link_segment=link_seg, valve_layer=layer,
        valve_link_segment=label[nn + v_link], valve_node_segment=label[v_node],
        n_segments=int(n_comp), synthetic=synthetic)


def segments(net, valve_layer: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Segment label of every node and every link for a valve layer.

    The same partition as ``wntr.metrics.valve_segments(wn.to_graph(), valve_layer)``
    (labels may differ), in O(nodes + links + valves) with
    ``scipy.sparse.csgraph.connected_components``.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    valve_layer : pandas.DataFrame
        Columns ``link`` and ``node``.

    Returns
    -------
    node_segment : pandas.Series
        int label per node name (index ``node``, model order).
    link_segment : pandas.Series
        int label per link name (index ``link``, model order).
    """
    m = segment_map(net, valve_layer)
    return m.node_segment, m.link_segment


@dataclass(frozen=True)
class Isolation:
    """What isolating one pipe takes and cuts off (before any hydraulics).

    Attributes
    ----------
    pipe : str
        The pipe worked on (or burst).
    segment : int
        Its segment.
    segments : tuple of int
        Every segment isolated: ``segment`` plus those lost behind inoperable valves.
    extra_segments : tuple of int
        Segments lost only because a valve could not be closed.
    valves_to_close : pandas.DataFrame
        Valve layer rows (index ``valve``) to close, with ``side`` ("link" when the
        isolated part is on the valve's link side, "node" otherwise).
    inoperable_passed : pandas.DataFrame
        Valve layer rows that would have bounded the isolation but cannot be closed.
    nodes, links : tuple of str
        Nodes and links inside the isolated segments (drained for the work).
    extra_nodes : tuple of str
        Nodes inside ``extra_segments``.
    closed_links : tuple of str
        Links to close in a hydraulic model of the isolation: every link inside the
        isolated segments plus every valved link on its boundary.
    synthetic_valves : bool
        The valve layer was generated, not surveyed: say so wherever this is shown.
    """

    pipe: str
    segment: int
    segments: tuple
    extra_segments: tuple
    valves_to_close: pd.DataFrame
    inoperable_passed: pd.DataFrame
    nodes: tuple
    links: tuple
    extra_nodes: tuple
    closed_links: tuple
    synthetic_valves: bool


def isolate(seg: SegmentMap, pipe: str, inoperable_valves=()) -> Isolation:
    """Valves to close and segments lost to isolate ``pipe``.

    Parameters
    ----------
    seg : SegmentMap
        From :func:`segment_map`.
    pipe : str
        A link of the network (usually a pipe).
    inoperable_valves : iterable of str
        Valve ids (index of the valve layer) found seized on site, on top of those the
        layer marks ``operable`` False.

    Returns
    -------
    Isolation

    Raises
    ------
    ShutdownInputError
        If ``pipe`` or a valve id is unknown.
    """
    if pipe not in seg.link_segment.index:
        raise ShutdownInputError("job", None, "pipe", f"no pipe {pipe!r} in the network",
                                 missing=(pipe,))
    layer = seg.valve_layer
    stuck = [str(v) for v in inoperable_valves]
    unknown = [v for v in stuck if v not in layer.index]
    if unknown:
        raise ShutdownInputError("job", None, "inoperable_valves",
                                 f"no valve {unknown[0]!r} in the valve layer",
                                 missing=tuple(unknown))
    operable = layer["operable"].to_numpy(dtype=bool).copy()
    if stuck:
        operable[layer.index.get_indexer(stuck)] = False
    a, b = seg.valve_link_segment, seg.valve_node_segment
    start = int(seg.link_segment.loc[pipe])
    isolated = np.zeros(seg.n_segments + 1, dtype=bool)
    isolated[start] = True
    while True:
        boundary = isolated[a] != isolated[b]
        grow = boundary & ~operable
        if not grow.any():
            break
        isolated[a[grow]] = True
        isolated[b[grow]] = True
    boundary = isolated[a] != isolated[b]
    passed = np.zeros(len(layer), dtype=bool)
    # inoperable valves that were crossed: both sides isolated, and one side not the start
    crossed = ~operable & isolated[a] & isolated[b] & (a != b)
    passed[crossed] = True
    close = layer[boundary].copy()
    close["side"] = np.where(isolated[a[boundary]], "link", "node")
    seg_ids = tuple(int(s) for s in np.flatnonzero(isolated))
    extra = tuple(s for s in seg_ids if s != start)
    nodes = tuple(seg.segment_nodes(seg_ids))
    links = tuple(seg.segment_links(seg_ids))
    closed = tuple(dict.fromkeys(list(links) + close["link"].tolist()))
    return Isolation(
        pipe=pipe, segment=start, segments=seg_ids, extra_segments=extra,
        valves_to_close=close, inoperable_passed=layer[passed].copy(), nodes=nodes,
        links=links, extra_nodes=tuple(seg.segment_nodes(extra)) if extra else (),
        closed_links=closed, synthetic_valves=seg.synthetic)
