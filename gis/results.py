"""Result layers: result values joined onto network geometry, for maps and downloads.

Exports :func:`join_values` (the generic join), :func:`node_result_layer`,
:func:`link_result_layer` and helpers for the layers the planner shows
(:func:`pressure_layer`, :func:`leakage_layer`, :func:`without_water_layer`,
:func:`spare_capacity_layer`, :func:`area_result_layer`). Called by the app's pages.

All take values as a ``pandas.Series`` indexed by element name (one time step, one
scenario) and return a new GeoDataFrame; none runs a simulation or changes its inputs.
Elements without a value get a missing value (NaN, or ``<NA>`` for booleans); a value for
a name that is not in the network raises ``ValueError`` (it means results and network do
not belong together).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd

from gis.layers import link_geometry, node_geometry
from gis.placement import Placement

NODE_TYPES = ("Junction", "Tank", "Reservoir")
LINK_TYPES = ("Pipe", "Pump", "Valve")


def _series(values: Any, what: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise TypeError(
            f"{what} must be a Series for one time step, e.g. results.node['pressure'].loc[t], "
            "not a DataFrame"
        )
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    if not values.index.is_unique:
        dupes = values.index[values.index.duplicated()].unique()[:5]
        raise ValueError(f"{what} has duplicate names: {list(dupes)}")
    values = values.copy()
    values.index = values.index.map(str)
    return values


def join_values(
    layer: gpd.GeoDataFrame, values: pd.Series, name: str, *, strict: bool = True
) -> gpd.GeoDataFrame:
    """Copy of ``layer`` with ``values`` joined by element name as column ``name``.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Indexed by element name (names are compared as strings).
    values : pandas.Series
        Values by element name (any dtype; booleans become pandas' nullable ``boolean``
        where some elements lack a value, categoricals stay categorical).
    name : str
        New column name, with units (e.g. ``"pressure_m"``); must not exist in ``layer``.
    strict : bool, optional
        Raise for names in ``values`` that are not in ``layer`` (default); else drop them.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    values = _series(values, name)
    if name in layer.columns or name == layer.index.name or name == "geometry":
        raise ValueError(f"column {name!r} already exists in the layer")
    keys = layer.index.map(str)
    unknown = values.index.difference(keys)
    if strict and len(unknown) > 0:
        raise ValueError(
            f"{name}: {len(unknown)} names are not in the layer, e.g. {list(unknown[:5])}"
        )
    if values.dtype == bool and not keys.isin(values.index).all():
        values = values.astype("boolean")
    out = layer.copy()
    out[name] = pd.Series(values.reindex(keys).array, index=layer.index)
    return out


def _select(layer: gpd.GeoDataFrame, column: str, kinds: Iterable[str] | None, all_kinds):
    if kinds is None:
        return layer
    kinds = tuple(kinds)
    bad = set(kinds) - set(all_kinds)
    if bad:
        raise ValueError(f"unknown element types {sorted(bad)}; use some of {all_kinds}")
    return layer[layer[column].isin(kinds)]


def node_result_layer(
    net: Any,
    values: pd.Series,
    name: str,
    placement: Placement | None = None,
    *,
    node_types: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Nodes as points with one result column.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network the results belong to.
    values : pandas.Series
        Values by node name, one time step (e.g. ``results.node['pressure'].loc[t]``).
    name : str
        Column name with units, e.g. ``"pressure_m"``.
    placement : Placement, optional
        As for :func:`gis.network_layers`; the Kunming default when None.
    node_types : Iterable[str], optional
        Keep only these of ``"Junction"``, ``"Tank"``, ``"Reservoir"``; all by default.
        Values of other nodes are accepted and dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``name``; columns ``node_type``, ``name`` (values), Point geometry.
    """
    layer = join_values(node_geometry(net, placement), values, name)
    return _select(layer, "node_type", node_types, NODE_TYPES)


def link_result_layer(
    net: Any,
    values: pd.Series,
    name: str,
    placement: Placement | None = None,
    *,
    link_types: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Links as lines (with vertices) with one result column.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network the results belong to.
    values : pandas.Series
        Values by link name, one time step (e.g. ``results.link['flowrate'].loc[t]``).
    name : str
        Column name with units, e.g. ``"flow_m3s"``.
    placement : Placement, optional
        As for :func:`gis.network_layers`; the Kunming default when None.
    link_types : Iterable[str], optional
        Keep only these of ``"Pipe"``, ``"Pump"``, ``"Valve"``; all by default.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``name``; columns ``link_type``, ``start_node``, ``end_node``, ``name``
        (values), LineString geometry.
    """
    layer = join_values(link_geometry(net, placement), values, name)
    return _select(layer, "link_type", link_types, LINK_TYPES)


def _result_layer(net, values, name, placement, per: str) -> gpd.GeoDataFrame:
    if per == "node":
        return node_result_layer(net, values, name, placement)
    if per == "link":
        return link_result_layer(net, values, name, placement)
    raise ValueError(f"per must be 'node' or 'link', got {per!r}")


def pressure_layer(
    net: Any,
    pressure_m: pd.Series,
    placement: Placement | None = None,
    *,
    before_m: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """Node pressure, and its change against a reference (e.g. before a new connection).

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    pressure_m : pandas.Series
        Pressure head (m) by node name.
    placement : Placement, optional
        The Kunming default when None.
    before_m : pandas.Series, optional
        Reference pressure head (m) by node name.

    Returns
    -------
    geopandas.GeoDataFrame
        Node points with ``pressure_m``, and with ``before_m``: ``pressure_before_m`` and
        ``pressure_change_m`` (= pressure_m - pressure_before_m, m; negative = drop).
    """
    layer = node_result_layer(net, pressure_m, "pressure_m", placement)
    if before_m is not None:
        layer = join_values(layer, before_m, "pressure_before_m")
        layer["pressure_change_m"] = layer["pressure_m"] - layer["pressure_before_m"]
    return layer


def leakage_layer(
    net: Any,
    leakage_m3s: pd.Series,
    placement: Placement | None = None,
    *,
    per: str = "node",
) -> gpd.GeoDataFrame:
    """Leakage flow per node or per pipe, column ``leakage_m3s`` (m3/s).

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    leakage_m3s : pandas.Series
        Leakage (m3/s) by node or link name.
    placement : Placement, optional
        The Kunming default when None.
    per : {"node", "link"}
        Whether the names are nodes or links (they may coincide in EPANET models).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    return _result_layer(net, leakage_m3s, "leakage_m3s", placement, per)


def without_water_layer(
    net: Any,
    without_water: pd.Series,
    placement: Placement | None = None,
    *,
    per: str = "node",
    name: str = "without_water",
) -> gpd.GeoDataFrame:
    """Elements cut off in a shutdown or burst: a boolean or categorical per node or link.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    without_water : pandas.Series
        By node or link name; boolean (True = no water) or categorical (e.g. "isolated",
        "low pressure", "supplied"); the dtype is kept.
    placement : Placement, optional
        The Kunming default when None.
    per : {"node", "link"}
        Whether the names are nodes or links.
    name : str, optional
        Column name; ``"without_water"`` by default.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    return _result_layer(net, without_water, name, placement, per)


def spare_capacity_layer(
    net: Any, spare_capacity_m3s: pd.Series, placement: Placement | None = None
) -> gpd.GeoDataFrame:
    """Junctions with the extra demand each could take, column ``spare_capacity_m3s`` (m3/s).

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    spare_capacity_m3s : pandas.Series
        Spare capacity (m3/s) by junction name.
    placement : Placement, optional
        The Kunming default when None.

    Returns
    -------
    geopandas.GeoDataFrame
        Junction points only.
    """
    return node_result_layer(
        net, spare_capacity_m3s, "spare_capacity_m3s", placement, node_types=("Junction",)
    )


def area_result_layer(
    areas: gpd.GeoDataFrame,
    values: pd.Series | None = None,
    name: str | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Plants, catchments or other areas (as given) with an optional result column.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Polygons (catchments, service zones) or points (plants), indexed by their id.
    values : pandas.Series, optional
        Values by the same ids, e.g. load as a share of capacity.
    name : str, optional
        Column name with units; required with ``values``.
    crs : str, optional
        Reproject to this CRS (e.g. the network placement's, or EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy; ``areas`` is not modified.
    """
    if not isinstance(areas, gpd.GeoDataFrame):
        raise TypeError(f"areas must be a GeoDataFrame, got {type(areas)!r}")
    out = areas.copy()
    if values is not None:
        if name is None:
            raise ValueError("name is required with values")
        out = join_values(out, values, name)
    if crs is not None:
        if out.crs is None:
            raise ValueError("areas have no CRS; set one before reprojecting")
        out = out.to_crs(crs)
    return out
