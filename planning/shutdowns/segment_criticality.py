"""Valve-segment criticality: what closing each segment of a valve layer takes away.

Closing the valves around a segment drains it (its junctions lose water) and may cut
junctions beyond it off from every tank and reservoir. This is a graph screen, no
hydraulics: a junction is cut off when no path of links outside the closed segment joins
it to a source (every link counts as open; pressure loss is not assessed: use
:func:`planning.shutdowns.criticality` per pipe for that).

Exports :func:`segment_criticality`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from models import wntr_model as _wn

from .customers import average_demand_m3s
from .segments import segment_map


def segment_criticality(net, valve_layer: pd.DataFrame, customers: pd.Series) -> pd.DataFrame:
    """Rank the segments of a valve layer by customers and demand lost when closed.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    valve_layer : pandas.DataFrame
        Standard form (``check_valve_layer``).
    customers : pandas.Series
        Accounts per junction (``customers_per_node``).

    Returns
    -------
    pandas.DataFrame
        Index ``segment``; ``rank`` (1 = most customers lost), ``customers_lost``,
        ``customers_drained``, ``customers_cut_off``, ``demand_lost_l_s`` (average
        demand of the junctions lost), ``junctions_lost``, ``pipes`` (count),
        ``valves_to_close`` (valves on its boundary), ``inoperable_valves``,
        ``example_pipes`` (up to 5 names).
    """
    wn = _wn(net)
    smap = segment_map(wn, valve_layer)
    names = list(wn.node_name_list)
    idx = {n: i for i, n in enumerate(names)}
    n = len(names)
    link_names = list(wn.link_name_list)
    a = np.array([idx[wn.get_link(k).start_node_name] for k in link_names])
    b = np.array([idx[wn.get_link(k).end_node_name] for k in link_names])
    link_seg = smap.link_segment.reindex(link_names).to_numpy()
    node_seg = smap.node_segment.reindex(names).to_numpy()
    kinds = np.array([wn.get_node(x).node_type for x in names])
    source = kinds != "Junction"
    junction = ~source
    cust = customers.reindex(names).fillna(0).to_numpy(dtype=float)
    demand = average_demand_m3s(wn).reindex(names).fillna(0).to_numpy()
    vl = smap.valve_layer
    rows = []
    for s in range(1, smap.n_segments + 1):
        drained = node_seg == s
        keep = (link_seg != s) & ~drained[a] & ~drained[b]
        g = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
        _n, labels = connected_components(g, directed=False)
        fed = np.isin(labels, np.unique(labels[source & ~drained]))
        cut = junction & ~drained & ~fed
        lost = junction & (drained | cut)
        boundary = (smap.valve_link_segment == s) ^ (smap.valve_node_segment == s)
        seg_links = [k for k, ls in zip(link_names, link_seg) if ls == s]
        pipes = [k for k in seg_links if wn.get_link(k).link_type == "Pipe"]
        rows.append({"segment": s, "customers_lost": int(cust[lost].sum()),
                     "customers_drained": int(cust[junction & drained].sum()),
                     "customers_cut_off": int(cust[cut].sum()),
                     "demand_lost_l_s": float(demand[lost].sum() * 1000.0),
                     "junctions_lost": int(lost.sum()), "pipes": len(pipes),
                     "valves_to_close": int(boundary.sum()),
                     "inoperable_valves": int((boundary & ~vl["operable"].to_numpy()).sum()),
                     "example_pipes": ", ".join(pipes[:5])})
    table = pd.DataFrame(rows).set_index("segment")
    table = table.sort_values(["customers_lost", "demand_lost_l_s"], ascending=False,
                              kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table
