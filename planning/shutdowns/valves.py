"""Isolation-valve layers: read, check, generate.

A valve layer is a table with one row per isolation valve, in the shape WNTR's valve
layer uses (``wntr.network.generate_valve_layer``, ``wntr.metrics.valve_segments``):

``link`` (str)
    The pipe (or any link) the valve sits on.
``node`` (str)
    The end of that link the valve sits at: closing the valve separates the link from
    this node.
``operable`` (bool)
    False for a valve known to be seized, buried or broken; isolation then goes to the
    next valves out.
``synthetic`` (bool)
    True when the row was generated (no valve data for this network); pages and reports
    must say so wherever the layer is shown.

The index is the valve id (``valve``): the ``valve`` column of the input when present,
else ``V1``, ``V2``, ... in row order.

Exports :func:`read_valve_layer`, :func:`check_valve_layer`, :func:`synthetic_valve_layer`,
:func:`valve_points`. Called by ``plan`` and the pages; feeds ``segments``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from models import wntr_model as _as_wn

from ..inputfiles import InputFileError, gis_layer_names, read_csv_strings, read_gis_layers
from .errors import ShutdownInputError
from .valve_columns import standard_valve_columns

VALVE_COLUMNS = ("link", "node", "operable", "synthetic")

_TRUE = {"1", "true", "t", "yes", "y", "operable", "ok", "open"}
_FALSE = {"0", "false", "f", "no", "n", "inoperable", "seized", "broken"}


def _parse_bool(value, source, row, field):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text == "":
        return True
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ShutdownInputError(source, row, field,
                             f"{value!r} is not a yes/no value (use true/false, 1/0, yes/no)")


def check_valve_layer(net, layer: pd.DataFrame, *, source: str = "valve layer",
                      row_numbers=None, synthetic: bool | None = None) -> pd.DataFrame:
    """Check a valve table against a network and return it in the standard form.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    layer : pandas.DataFrame
        Columns ``link`` and ``node`` (required), ``operable`` and ``valve`` (optional),
        ``synthetic`` (optional). Other columns (geometry, diameter, ...) are dropped.
    source : str
        Name used in error messages (a file name for files).
    row_numbers : sequence, optional
        What to call each row in errors (line numbers for CSV files); the index labels
        by default.
    synthetic : bool, optional
        Force the ``synthetic`` flag; otherwise taken from the table (False if absent).

    Returns
    -------
    pandas.DataFrame
        Index ``valve`` (str); columns ``link``, ``node`` (str), ``operable``,
        ``synthetic`` (bool). Exact duplicate rows (same link and node) are merged; the
        merged valve is operable only if all its copies are.

    Raises
    ------
    ShutdownInputError
        A missing column, a link or node the network lacks (``missing`` lists every such
        name in the table, the message names the first row), a node that is not an end of
        its link, or an unreadable yes/no value.
    """
    wn = _as_wn(net)
    rows = list(layer.index) if row_numbers is None else list(row_numbers)
    layer = standard_valve_columns(wn, layer, source, rows)  # id, pipe, position, ...
    for col in ("link", "node"):
        if col not in layer.columns:
            raise ShutdownInputError(source, None, col,
                                     f"the valve layer needs a {col!r} column "
                                     f"(has {list(layer.columns)})")
    links = layer["link"].astype(str).str.strip().to_numpy()
    nodes = layer["node"].astype(str).str.strip().to_numpy()
    link_names = pd.Index(wn.link_name_list)
    node_names = pd.Index(wn.node_name_list)
    li = link_names.get_indexer(links)
    ni = node_names.get_indexer(nodes)
    for field, idx, names, what in (("link", li, links, "link"), ("node", ni, nodes, "node")):
        bad = np.flatnonzero(idx < 0)
        if len(bad):
            missing = tuple(dict.fromkeys(names[bad]))
            more = f" ({len(missing)} missing {what}s in all: {', '.join(missing[:10])}" \
                   f"{', ...' if len(missing) > 10 else ''})" if len(missing) > 1 else ""
            raise ShutdownInputError(
                source, rows[bad[0]], field,
                f"no {what} {names[bad[0]]!r} in the network{more}", missing=missing)
    starts = np.array([wn.get_link(n).start_node_name for n in links], dtype=object)
    ends = np.array([wn.get_link(n).end_node_name for n in links], dtype=object)
    off = np.flatnonzero((nodes != starts) & (nodes != ends))
    if len(off):
        i = off[0]
        raise ShutdownInputError(
            source, rows[i], "node",
            f"node {nodes[i]!r} is not an end of link {links[i]!r} "
            f"(it runs {starts[i]!r} -> {ends[i]!r})")
    if "operable" in layer.columns:
        operable = [_parse_bool(v, source, r, "operable")
                    for v, r in zip(layer["operable"].tolist(), rows)]
    else:
        operable = [True] * len(layer)
    if synthetic is not None:
        synth = [bool(synthetic)] * len(layer)
    elif "synthetic" in layer.columns:
        synth = [_parse_bool(v, source, r, "synthetic")
                 for v, r in zip(layer["synthetic"].tolist(), rows)]
    else:
        synth = [False] * len(layer)
    if "valve" in layer.columns:
        ids = layer["valve"].astype(str).str.strip().tolist()
    else:
        ids = [f"V{i + 1}" for i in range(len(layer))]
    out = pd.DataFrame({"link": links, "node": nodes, "operable": operable,
                        "synthetic": synth}, index=pd.Index(ids, name="valve", dtype=object))
    out["link"] = out["link"].astype(object)
    out["node"] = out["node"].astype(object)
    dup_ids = out.index.duplicated()
    if dup_ids.any():
        first = int(np.flatnonzero(dup_ids)[0])
        raise ShutdownInputError(source, rows[first], "valve",
                                 f"valve id {out.index[first]!r} is used twice")
    key = out["link"] + "\x00" + out["node"]
    if key.duplicated().any():
        merged_op = out.groupby(key, sort=False)["operable"].transform("all")
        out["operable"] = merged_op
        out = out[~key.duplicated()]
    return out


def read_valve_layer(path: str | os.PathLike, net, *, layer: str = "valves",
                     synthetic: bool | None = None) -> pd.DataFrame:
    """Read a valve layer from a CSV file or a GIS file (GeoPackage, GeoJSON, ...).

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv`` (comma-separated, header row) or any file GDAL reads.
    net : models.Network or wntr.network.WaterNetworkModel
        The network the valves belong to (every row is checked against it).
    layer : str
        Layer name inside a GeoPackage (a file with one layer is read whatever its
        layer is called; ignored for CSV).
    synthetic : bool, optional
        Force the ``synthetic`` flag (see :func:`check_valve_layer`).

    Returns
    -------
    pandas.DataFrame
        The standard form (see :func:`check_valve_layer`).

    Raises
    ------
    ShutdownInputError
        As :func:`check_valve_layer`; rows of CSV files are named by line number. Also a
        file that is not UTF-8 CSV or not a GIS file, and a multi-layer file without the
        layer.
    FileNotFoundError
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        if path.suffix.lower() == ".csv":
            table = read_csv_strings(path, skipinitialspace=True)
            table.columns = [str(c).strip().lower() for c in table.columns]
            return check_valve_layer(net, table, source=path.name,
                                     row_numbers=range(2, len(table) + 2),
                                     synthetic=synthetic)
        names = gis_layer_names(path)
        if layer in names:
            name = layer
        elif len(names) == 1:
            name = names[0]  # single-layer files (GeoJSON, shapefile): whatever it is called
        else:
            raise ShutdownInputError(path.name, None, None,
                                     f"no layer {layer!r} (layers: {', '.join(names) or 'none'})")
        table = read_gis_layers(path, [name], geometry=False)[name]
    except InputFileError as exc:
        raise ShutdownInputError(exc.source, exc.line, None, exc.problem) from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    return check_valve_layer(net, table, source=f"{path.name}:{name}",
                             row_numbers=range(1, len(table) + 1), synthetic=synthetic)


def synthetic_valve_layer(net, unvalved_per_node: int = 1, seed: int = 0) -> pd.DataFrame:
    """Generate a valve layer for a network without valve data ("N-k" placement).

    The rule of WNTR's ``generate_valve_layer(wn, 'strategic', n)``: at every node, all
    but ``n`` of the links meeting there (chosen at random) get a valve at that node's
    end. ``n = 1`` (N-1) is the usual assumption for a distribution network built to
    standard practice: isolating a pipe closes about as many valves as the pipes around
    it. Unlike WNTR's function this uses its own random generator, so numpy's global
    random state is untouched, and the result depends only on ``seed``.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    unvalved_per_node : int
        ``n`` above (0 = a valve on every link end, N; 2 = N-2).
    seed : int
        Random seed.

    Returns
    -------
    pandas.DataFrame
        The standard form with ``synthetic`` True and ``operable`` True on every row.
    """
    wn = _as_wn(net)
    rng = np.random.default_rng(seed)
    incident: dict[str, list[str]] = {n: [] for n in wn.node_name_list}
    for name, link in wn.links():
        incident[link.start_node_name].append(name)
        if link.end_node_name != link.start_node_name:
            incident[link.end_node_name].append(name)
    links, nodes = [], []
    for node, around in incident.items():
        k = max(len(around) - int(unvalved_per_node), 0)
        if k == 0:
            continue
        for i in sorted(rng.choice(len(around), size=k, replace=False)):
            links.append(around[i])
            nodes.append(node)
    table = pd.DataFrame({"link": links, "node": nodes})
    return check_valve_layer(wn, table, source="synthetic valve layer", synthetic=True)


def valve_points(net, valve_layer: pd.DataFrame, placement=None, *,
                 offset_fraction: float = 0.1):
    """Valves as map points, a short way along their pipe from the node they sit at.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    valve_layer : pandas.DataFrame
        Standard form (see :func:`check_valve_layer`).
    placement : gis.Placement, optional
        Kunming default when None (see :func:`gis.kunming_placement`).
    offset_fraction : float
        Where along the link, from the valve's node (0 = on the node).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``valve``; columns ``link``, ``node``, ``operable``, ``synthetic``; Point
        geometry in the placement's CRS.
    """
    import geopandas as gpd
    import shapely

    from gis.layers import link_geometry

    lines = link_geometry(net, placement)
    geoms = lines.geometry.loc[valve_layer["link"].to_numpy()].to_numpy()
    starts = lines["start_node"].loc[valve_layer["link"].to_numpy()].to_numpy()
    frac = np.where(valve_layer["node"].to_numpy() == starts, offset_fraction,
                    1.0 - offset_fraction)
    pts = shapely.line_interpolate_point(geoms, frac, normalized=True)
    return gpd.GeoDataFrame(valve_layer[list(VALVE_COLUMNS)].copy(), geometry=pts,
                            crs=lines.crs)
