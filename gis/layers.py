"""Network -> GeoDataFrames: the six element layers, and light geometry-only layers.

Exports :func:`network_layers` (all attributes, the editable form), :func:`node_geometry`
and :func:`link_geometry` (name, type and geometry only; what result layers are built on)
Called by ``gis.results`` and ``gis.files``.

Attributes come from WNTR's own serialiser (``wntr.network.to_dict``), geometries are built
here, vectorised with shapely, and placed with a :class:`~gis.placement.Placement`.
``wntr.network.to_gis`` is not used because it keeps only the first of several demands per
junction, names columns without units, and gives empty layers without columns; this module
adds those and keeps the same geometry rules (links run start node, vertices, end node).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import wntr

from gis.placement import Placement, kunming_placement
from gis.schema import LAYERS, LINK_LAYERS, NODE_LAYERS, LayerSpec, demand_columns
from models import wntr_model


def _node_xy(wn: wntr.network.WaterNetworkModel, names: list[str]) -> np.ndarray:
    """Model coordinates of the named nodes, shape (n, 2); missing coordinates raise."""
    xy = np.empty((len(names), 2))
    for i, name in enumerate(names):
        coords = wn.get_node(name).coordinates
        if coords is None or len(coords) != 2:
            raise ValueError(f"node {name!r} has no coordinates ({coords!r})")
        xy[i] = coords
    return xy


def _link_lines(wn: wntr.network.WaterNetworkModel, names: list[str]) -> np.ndarray:
    """LineStrings (model units) start node -> vertices -> end node for the named links."""
    if not names:
        return np.empty(0, dtype=object)
    links = [wn.get_link(name) for name in names]
    counts = np.array([len(link.vertices) + 2 for link in links])
    ends = _node_xy(wn, [n for link in links for n in (link.start_node_name, link.end_node_name)])
    coords = np.empty((counts.sum(), 2))
    at = 0
    for i, link in enumerate(links):
        coords[at] = ends[2 * i]
        if link.vertices:
            coords[at + 1 : at + counts[i] - 1] = np.asarray(link.vertices, dtype=float)
        coords[at + counts[i] - 1] = ends[2 * i + 1]
        at += counts[i]
    return shapely.linestrings(coords, indices=np.repeat(np.arange(len(links)), counts))


def _placement(net: Any, placement: Placement | None) -> Placement:
    return kunming_placement(net) if placement is None else placement


def node_geometry(net: Any, placement: Placement | None = None) -> gpd.GeoDataFrame:
    """All nodes as placed points, with their type only.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    placement : Placement, optional
        Where to put it; :func:`~gis.placement.kunming_placement` by default.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``name`` (node names in model order), column ``node_type``
        (``"Junction"``, ``"Tank"``, ``"Reservoir"``), Point geometry in ``placement.crs``.
    """
    wn = wntr_model(net)
    placement = _placement(wn, placement)
    names = list(wn.node_name_list)
    kinds = [wn.get_node(n).node_type for n in names]
    geometry = placement.place(shapely.points(_node_xy(wn, names)))
    index = pd.Index(names, name="name", dtype=object)
    return gpd.GeoDataFrame({"node_type": kinds}, index=index, geometry=geometry, crs=placement.crs)


def link_geometry(net: Any, placement: Placement | None = None) -> gpd.GeoDataFrame:
    """All links as placed LineStrings (with vertices), with type and end nodes only.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    placement : Placement, optional
        Where to put it; :func:`~gis.placement.kunming_placement` by default.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``name`` (link names in model order), columns ``link_type`` (``"Pipe"``,
        ``"Pump"``, ``"Valve"``), ``start_node``, ``end_node``; LineString geometry in
        ``placement.crs``.
    """
    wn = wntr_model(net)
    placement = _placement(wn, placement)
    names = list(wn.link_name_list)
    links = [wn.get_link(n) for n in names]
    data = {
        "link_type": [link.link_type for link in links],
        "start_node": [link.start_node_name for link in links],
        "end_node": [link.end_node_name for link in links],
    }
    geometry = placement.place(_link_lines(wn, names))
    index = pd.Index(names, name="name", dtype=object)
    return gpd.GeoDataFrame(data, index=index, geometry=geometry, crs=placement.crs)


def _column(values: list[Any], kind: str) -> pd.Series:
    """A layer column of the schema's kind: float64 (NaN), bool, or object str (None)."""
    if kind == "float":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if kind == "bool":
        return pd.Series([bool(v) for v in values], dtype="bool")
    return pd.Series([None if v is None else str(v) for v in values], dtype=object)


def _junction_demands(records: list[dict]) -> dict[str, pd.Series]:
    """Demand columns, first demand plus ``_k`` columns for junctions with k demands."""
    lists = [rec.get("demand_timeseries_list") or [] for rec in records]
    n_demands = max([len(dl) for dl in lists], default=0)
    out: dict[str, pd.Series] = {}
    for k in range(1, max(n_demands, 1) + 1):
        entries = [dl[k - 1] if len(dl) >= k else {} for dl in lists]
        base_col, pattern_col, category_col = demand_columns(k)
        out[base_col] = _column([e.get("base_val") for e in entries], "float")
        out[pattern_col] = _column([e.get("pattern_name") for e in entries], "str")
        out[category_col] = _column([e.get("category") for e in entries], "str")
    return out


def _layer(
    spec: LayerSpec, records: list[dict], geometry: np.ndarray, crs: str
) -> gpd.GeoDataFrame:
    columns: dict[str, pd.Series] = {}
    demands = _junction_demands(records) if spec is LAYERS["junctions"] else {}
    for field in spec.fields:
        if field.column in demands:
            columns[field.column] = demands.pop(field.column)
        else:
            columns[field.column] = _column([rec.get(field.key) for rec in records], field.kind)
    columns.update(demands)  # demands 2..k after the schema columns
    index = pd.Index([rec["name"] for rec in records], name="name", dtype=object)
    frame = pd.DataFrame(columns)  # Series keep their dtypes, also in empty layers
    frame.index = index
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=index), crs=crs)


def network_layers(net: Any, placement: Placement | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The network as six GIS layers with a CRS.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network (not modified).
    placement : Placement, optional
        Where to put the model coordinates; :func:`~gis.placement.kunming_placement`
        (EPSG:4543, centroid at 102.70 E, 25.04 N, scale 1) by default. Use
        ``Placement.identity(crs)`` for models drawn in a metric CRS already.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame]
        Keys ``junctions``, ``reservoirs``, ``tanks`` (Points), ``pipes``, ``pumps``,
        ``valves`` (LineStrings with the link vertices; EPANET's order), always all six (empty layers keep
        their columns). Index ``name``; columns as in :mod:`gis.schema`, SI units
        (``elevation_m``, ``base_demand_m3s``, ``length_m``, ``diameter_m``, ...).
    """
    wn = wntr_model(net)
    placement = _placement(wn, placement)
    as_dict = wntr.network.to_dict(wn)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for spec in NODE_LAYERS:
        records = [r for r in as_dict["nodes"] if r["node_type"] == spec.element]
        names = [r["name"] for r in records]
        points = placement.place(shapely.points(_node_xy(wn, names).reshape(-1, 2)))
        layers[spec.layer] = _layer(spec, records, points, placement.crs)
    for spec in LINK_LAYERS:
        records = [r for r in as_dict["links"] if r["link_type"] == spec.element]
        lines = placement.place(_link_lines(wn, [r["name"] for r in records]))
        layers[spec.layer] = _layer(spec, records, lines, placement.crs)
    return layers
