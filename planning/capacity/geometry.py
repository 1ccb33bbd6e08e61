"""Optional geometry of a registry: plant locations and catchment polygons.

Exports :data:`AREAS_FILE`, :data:`CATCHMENT_AREAS`, :func:`read_catchment_areas`,
:func:`parse_catchment_areas`, :func:`check_plant_locations` and :func:`plant_points`.
Called by :mod:`planning.capacity.registry` (validation) and
:mod:`planning.capacity.layers` (result layers).

* Plants: optional ``lon`` and ``lat`` columns (WGS84 degrees), both or neither per row.
* Catchments: polygons keyed by ``catchment_id``, either in ``catchments.geojson`` beside the
  tables or as the geometry column of a ``catchments.gpkg`` table. Stored in EPSG:4326.

Everything is optional: a registry without geometry loads as before. geopandas and shapely
are imported where used, so the rest of the package does not need them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .schema import Column, RegistryError, TableSpec, parse_table

__all__ = [
    "AREAS_FILE",
    "CATCHMENT_AREAS",
    "GEOGRAPHIC_CRS",
    "check_plant_locations",
    "parse_catchment_areas",
    "plant_points",
    "read_catchment_areas",
]

#: File beside the tables that holds catchment polygons.
AREAS_FILE = "catchments.geojson"
#: CRS the registry keeps its geometry in (longitude, latitude in degrees).
GEOGRAPHIC_CRS = "EPSG:4326"
#: Attribute columns of the catchment polygons (geometry besides).
CATCHMENT_AREAS = TableSpec(
    "catchment_areas",
    (
        Column("catchment_id", "text", unique=True),
        Column("illustrative", "bool", required=False, default=False),
        Column("source", "text", required=False, default=""),
    ),
    required_file=False,
)
_POLYGONS = ("Polygon", "MultiPolygon")


def check_plant_locations(plants: pd.DataFrame, file: str) -> None:
    """Each plant row gives both ``lon`` and ``lat`` or neither.

    Parameters
    ----------
    plants : pandas.DataFrame
        Parsed ``plants`` (``lon``, ``lat`` already numeric and within range).
    file : str
        Name for messages.

    Raises
    ------
    RegistryError
        Naming the row and the empty column.
    """
    lon, lat = plants["lon"].isna().to_numpy(), plants["lat"].isna().to_numpy()
    for i in np.flatnonzero(lon != lat):
        given, empty = ("lat", "lon") if lon[i] else ("lon", "lat")
        raise RegistryError(file, int(i) + 1, empty,
                            f"empty cell: {given} is given; give both lon and lat or neither")


def read_catchment_areas(folder: Path):
    """Read ``catchments.geojson`` from ``folder`` (None when absent).

    Returns
    -------
    (geopandas.GeoDataFrame or None, str)
        The features as read, and the file name for messages.

    Raises
    ------
    RegistryError
        If the file cannot be read or has no geometry.
    """
    path = folder / AREAS_FILE
    if not path.exists():
        return None, AREAS_FILE
    import geopandas as gpd

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise RegistryError(AREAS_FILE, None, None, f"cannot read GeoJSON: {exc}") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame:
        raise RegistryError(AREAS_FILE, None, None, "no geometry in the file")
    if frame.crs is None:  # RFC 7946: GeoJSON coordinates are WGS84 longitude, latitude
        frame = frame.set_crs(GEOGRAPHIC_CRS)
    return frame, AREAS_FILE


def parse_catchment_areas(frame, catchment_ids: pd.Series, file: str, *,
                          skip_empty: bool = False):
    """Check catchment polygons and return them in EPSG:4326.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        One feature per catchment with a ``catchment_id`` column (and optionally
        ``illustrative``, ``source``; other columns are dropped). Features may come in any
        order; not every catchment needs one.
    catchment_ids : pandas.Series
        The registry's catchment ids.
    file : str
        Name for messages (feature ``i`` is row ``i``, 1-based).
    skip_empty : bool
        Drop rows without geometry instead of rejecting them (for the geometry column of a
        ``catchments.gpkg`` table, where a catchment may lack a polygon).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``catchment_id``, ``illustrative``, ``source`` and Polygon/MultiPolygon
        geometry, RangeIndex, CRS EPSG:4326.

    Raises
    ------
    RegistryError
        Missing, duplicate or unknown id; missing, empty, non-polygon or invalid geometry;
        no CRS; coordinates outside longitude/latitude ranges.
    """
    import geopandas as gpd
    from shapely.validation import explain_validity

    try:
        frame.geometry  # noqa: B018 - raises when there is no active geometry column
    except AttributeError:
        frame = None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise RegistryError(file, None, "geometry", "no geometry column")
    if frame.crs is None:
        raise RegistryError(file, None, "geometry", "no CRS; set one (e.g. EPSG:4326)")
    table = parse_table(frame, CATCHMENT_AREAS, file)
    known = set(catchment_ids)
    for i, cid in table["catchment_id"].items():
        if cid not in known:
            raise RegistryError(file, int(i) + 1, "catchment_id", f"unknown catchment {cid!r}")
    keep = np.ones(len(frame), dtype=bool)
    for i, geom in enumerate(frame.geometry):
        if (geom is None or geom.is_empty) and skip_empty:
            keep[i] = False
            continue
        if geom is None or geom.is_empty:
            raise RegistryError(file, i + 1, "geometry", "no geometry")
        if geom.geom_type not in _POLYGONS:
            raise RegistryError(file, i + 1, "geometry",
                                f"not a polygon: {geom.geom_type} (allowed: {', '.join(_POLYGONS)})")
        if not geom.is_valid:
            raise RegistryError(file, i + 1, "geometry", f"invalid polygon: {explain_validity(geom)}")
    out = gpd.GeoDataFrame(table[list(CATCHMENT_AREAS.column_names)],
                           geometry=frame.geometry.to_numpy(), crs=frame.crs)
    try:
        out = out.to_crs(GEOGRAPHIC_CRS)
    except Exception as exc:  # noqa: BLE001 - a CRS that PROJ cannot transform
        raise RegistryError(file, None, "geometry", f"cannot transform to EPSG:4326: {exc}") from exc
    bounds = out.geometry.bounds.to_numpy()
    with np.errstate(invalid="ignore"):  # NaN bounds of skipped empty rows compare False
        outside = ((bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90)
                   | (bounds[:, 3] > 90))
    if outside.any():
        i = int(np.argmax(outside))
        raise RegistryError(file, i + 1, "geometry",
                            "coordinates outside longitude -180 to 180 / latitude -90 to 90 "
                            "(wrong CRS?)")
    return out[keep].reset_index(drop=True)


def plant_points(plants: pd.DataFrame):
    """Plants as points in EPSG:4326, indexed by ``plant_id`` (None where no location).

    Returns
    -------
    geopandas.GeoDataFrame
        Column ``located`` (bool) and Point geometry (None for a plant without lon/lat).
    """
    import geopandas as gpd
    from shapely.geometry import Point

    located = plants["lon"].notna() & plants["lat"].notna()
    geometry = [Point(x, y) if ok else None
                for x, y, ok in zip(plants["lon"], plants["lat"], located)]
    index = pd.Index(plants["plant_id"].to_numpy(), name="plant_id")
    return gpd.GeoDataFrame({"located": located.to_numpy()}, geometry=geometry, index=index,
                            crs=GEOGRAPHIC_CRS)
