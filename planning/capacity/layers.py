"""GIS result layers of the capacity review: plants (points) and catchments (polygons).

Exports :func:`plant_layer`, :func:`catchment_layer`, :func:`capacity_layers`,
:func:`has_geometry` (the GeoPackage file: ``application.capacity_review.write_capacity_layers``). Called by the 2025 capacity page
(map and GeoPackage download) and by :func:`application.capacity_review.write_review`
(``capacity_layers.gpkg``).

The layers carry the same numbers as :func:`~planning.capacity.utilisation.plant_flows` and
:func:`~planning.capacity.sewage.catchment_flows` for one year, joined onto the registry's
optional geometry (:mod:`planning.capacity.geometry`) with :func:`gis.area_result_layer`.
Every plant and catchment is a row; one without a location or polygon has no geometry.
geopandas and :mod:`gis` are imported where used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .geometry import GEOGRAPHIC_CRS, plant_points
from .registry import Registry
from .sewage import catchment_flows
from .utilisation import plant_flows

__all__ = [
    "CATCHMENT_COLUMNS",
    "PLANT_COLUMNS",
    "capacity_layers",
    "catchment_layer",
    "has_geometry",
    "plant_layer",
]

#: Attribute columns of :func:`plant_layer`, in order (index ``plant_id``).
PLANT_COLUMNS: tuple[str, ...] = (
    "name", "basin", "year", "in_service", "capacity_m3_per_d", "reclaimed_capacity_m3_per_d",
    "effluent_class", "inflow_m3_per_d", "peak_inflow_m3_per_d", "treated_m3_per_d",
    "utilisation_avg", "utilisation_peak", "overloaded", "warning", "basis", "illustrative",
)
#: Attribute columns of :func:`catchment_layer`, in order (index ``catchment_id``).
CATCHMENT_COLUMNS: tuple[str, ...] = (
    "name", "basin", "settlement", "plant_id", "year", "population", "supply_m3_per_d",
    "generated_m3_per_d", "collection_rate", "collected_m3_per_d", "inflow_m3_per_d",
    "area_km2", "illustrative",
)


def has_geometry(registry: Registry) -> bool:
    """Whether any plant has a location or any catchment a polygon."""
    located = (registry.plants["lon"].notna() & registry.plants["lat"].notna()).any()
    areas = registry.catchment_areas
    return bool(located or (areas is not None and len(areas) > 0))


def _one_year(table: pd.DataFrame, year: int, what: str) -> pd.DataFrame:
    rows = table[table["year"] == year]
    if rows.empty:
        raise ValueError(f"{what} has no rows for year {year}")
    return rows


def plant_layer(
    registry: Registry,
    year: int,
    *,
    flows: pd.DataFrame | None = None,
    crs: Any = GEOGRAPHIC_CRS,
    supply_m3_per_d: pd.Series | Mapping[str, float] | None = None,
    supply_year: int | None = None,
):
    """Plants as points with their capacity, inflow and utilisation in ``year``.

    Parameters
    ----------
    registry : Registry
    year : int
        The year shown (e.g. 2025).
    flows : pandas.DataFrame, optional
        A :func:`plant_flows` result that includes ``year`` (computed when None).
    crs : optional
        CRS of the result; EPSG:4326 by default (e.g. ``gis.DEFAULT_CRS`` for metres).
    supply_m3_per_d, supply_year
        Passed to :func:`plant_flows` when ``flows`` is None.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``plant_id``, columns :data:`PLANT_COLUMNS`: ``capacity_m3_per_d`` is the
        design treatment capacity in service in ``year`` (m³/d), ``inflow_m3_per_d`` and
        ``peak_inflow_m3_per_d`` the projected mean and GB 50014 peak inflow (m³/d),
        ``utilisation_avg`` / ``utilisation_peak`` fractions of capacity (NaN without
        capacity), ``overloaded`` is ``utilisation_avg > 1``, ``warning`` as in
        :func:`plant_flows`, ``illustrative`` as there (any invented input, the location
        included since it is part of the plant row). Point geometry; None for a plant without
        ``lon``/``lat``.

    Raises
    ------
    ValueError
        If ``flows`` has no row for ``year``.
    """
    from gis.results import area_result_layer

    if flows is None:
        flows = plant_flows(registry, [year], supply_m3_per_d=supply_m3_per_d,
                            supply_year=supply_year)
    rows = _one_year(flows, year, "plant flows").set_index("plant_id")
    table = rows.assign(overloaded=rows["utilisation_avg"].to_numpy() > 1.0)
    points = plant_points(registry.plants)[["geometry"]]
    layer = area_result_layer(points, table["utilisation_avg"], "utilisation_avg", crs=crs)
    layer = layer.drop(columns="utilisation_avg")
    for col in PLANT_COLUMNS:
        layer[col] = table[col].reindex(layer.index).to_numpy()
    return layer[[*PLANT_COLUMNS, "geometry"]]


def catchment_layer(
    registry: Registry,
    year: int,
    *,
    flows: pd.DataFrame | None = None,
    crs: Any = GEOGRAPHIC_CRS,
    supply_m3_per_d: pd.Series | Mapping[str, float] | None = None,
    supply_year: int | None = None,
):
    """Catchments as polygons with their population, sewage and collection in ``year``.

    Parameters
    ----------
    registry : Registry
    year : int
    flows : pandas.DataFrame, optional
        A :func:`catchment_flows` result that includes ``year`` (computed when None).
    crs : optional
        CRS of the result; EPSG:4326 by default.
    supply_m3_per_d, supply_year
        Passed to :func:`catchment_flows` when ``flows`` is None.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``catchment_id``, columns :data:`CATCHMENT_COLUMNS`: ``population``
        (persons), ``supply_m3_per_d``, ``generated_m3_per_d`` (sewage generated),
        ``collected_m3_per_d``, ``inflow_m3_per_d`` (m³/d), ``collection_rate`` (fraction,
        with sewer gains), ``plant_id`` ("" when none), ``area_km2`` (as entered),
        ``illustrative`` (the flows or the polygon use invented values). Polygon geometry;
        None for a catchment without one.

    Raises
    ------
    ValueError
        If ``flows`` has no row for ``year``.
    """
    import geopandas as gpd

    from gis.results import area_result_layer

    if flows is None:
        flows = catchment_flows(registry, [year], supply_m3_per_d=supply_m3_per_d,
                                supply_year=supply_year)
    rows = _one_year(flows, year, "catchment flows").set_index("catchment_id")
    ids = pd.Index(registry.catchments["catchment_id"].to_numpy(), name="catchment_id")
    areas = registry.catchment_areas
    if areas is None:
        base = gpd.GeoDataFrame(index=ids, geometry=[None] * len(ids), crs=GEOGRAPHIC_CRS)
        shape_illustrative = pd.Series(False, index=ids)
    else:
        keyed = areas.set_index("catchment_id")
        base = gpd.GeoDataFrame(index=ids, geometry=keyed.geometry.reindex(ids).to_numpy(),
                                crs=areas.crs)
        shape_illustrative = keyed["illustrative"].reindex(ids, fill_value=False).astype(bool)
    layer = area_result_layer(base, rows["population"], "population", crs=crs)
    layer = layer.drop(columns="population")
    attrs = registry.catchments.set_index("catchment_id")
    for col in CATCHMENT_COLUMNS:
        source = attrs if col in ("name", "area_km2") else rows
        layer[col] = source[col].reindex(ids).to_numpy()
    layer["illustrative"] = layer["illustrative"].astype(bool) | shape_illustrative.to_numpy()
    return layer[[*CATCHMENT_COLUMNS, "geometry"]]


def capacity_layers(registry: Registry, year: int, *, crs: Any = GEOGRAPHIC_CRS,
                    plant_flows_table: pd.DataFrame | None = None) -> dict:
    """Both layers for ``year``: ``{"plants": plant_layer, "catchments": catchment_layer}``.

    Parameters
    ----------
    registry : Registry
    year : int
    crs : optional
        CRS of both layers; EPSG:4326 by default.
    plant_flows_table : pandas.DataFrame, optional
        A :func:`plant_flows` result that includes ``year``, to avoid computing it again.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame]
    """
    return {"plants": plant_layer(registry, year, flows=plant_flows_table, crs=crs),
            "catchments": catchment_layer(registry, year, crs=crs)}
