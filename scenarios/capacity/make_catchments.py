"""Make the demo's ``catchments.geojson``: INVENTED polygons, not real catchment boundaries.

Run from the repository root (the output is deterministic; rerun after changing a plant's
``lon``/``lat`` or a catchment's ``area_km2``)::

    .venv/bin/python scenarios/capacity/make_catchments.py

How the polygons are made: the located plants (``plants.csv``, ``lon``/``lat``, themselves
invented) are projected to metres (EPSG:4543, CGCS2000 / 3-degree Gauss-Kruger CM 102E);
each plant gets its Voronoi cell among the located plants, clipped to a disc around the plant
whose area is the catchment's ``area_km2``; the result is projected back to WGS84 and
rounded to 5 decimals (about 1 m). A catchment without a plant, a located plant or an
``area_km2`` (the aggregates) gets no polygon. Every feature has ``illustrative: true``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point, mapping

HERE = Path(__file__).resolve().parent
METRIC_CRS = "EPSG:4543"
SOURCE = ("illustrative (invented for the demo, not a real catchment boundary): Voronoi cell "
          "of the invented plant location clipped to a disc of area_km2; made by "
          "scenarios/capacity/make_catchments.py")


def _rounded(geom, digits: int = 5):
    out = shapely.set_precision(geom, 10.0 ** -digits)
    return out if out.is_valid else shapely.make_valid(out)


def catchment_polygons(plants: pd.DataFrame, catchments: pd.DataFrame) -> gpd.GeoDataFrame:
    """Invented polygons (EPSG:4326) for the catchments whose plant has a location.

    Parameters
    ----------
    plants, catchments : pandas.DataFrame
        ``plants.csv`` (``plant_id``, ``lon``, ``lat``) and ``catchments.csv``
        (``catchment_id``, ``plant_id``, ``area_km2``) as read.

    Returns
    -------
    geopandas.GeoDataFrame
        ``catchment_id``, ``illustrative``, ``source``, Polygon geometry.
    """
    located = plants.dropna(subset=["lon", "lat"]).set_index("plant_id")
    points = gpd.GeoSeries([Point(x, y) for x, y in zip(located["lon"], located["lat"])],
                           index=located.index, crs="EPSG:4326").to_crs(METRIC_CRS)
    box = shapely.box(*points.total_bounds).buffer(100_000.0)
    cells = shapely.voronoi_polygons(MultiPoint(list(points)), extend_to=box).geoms
    cell_of = {pid: next(c for c in cells if c.contains(pt)) for pid, pt in points.items()}
    rows = []
    for _, c in catchments.iterrows():
        pid, area = c["plant_id"], c["area_km2"]
        if pid not in cell_of or not area > 0:
            continue
        radius_m = math.sqrt(float(area) * 1e6 / math.pi)
        shape = cell_of[pid].intersection(points[pid].buffer(radius_m, quad_segs=8))
        rows.append((c["catchment_id"], shape))
    frame = gpd.GeoDataFrame(
        {"catchment_id": [r[0] for r in rows], "illustrative": True, "source": SOURCE},
        geometry=[r[1] for r in rows], crs=METRIC_CRS).to_crs("EPSG:4326")
    frame["geometry"] = [_rounded(g) for g in frame.geometry]
    return frame


def main() -> Path:
    """Write ``catchments.geojson`` next to this script; returns its path."""
    plants = pd.read_csv(HERE / "plants.csv")
    catchments = pd.read_csv(HERE / "catchments.csv")
    frame = catchment_polygons(plants, catchments)
    features = [{"type": "Feature",
                 "properties": {"catchment_id": r.catchment_id, "illustrative": True,
                                "source": r.source},
                 "geometry": mapping(r.geometry)} for r in frame.itertuples()]
    text = json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    path = HERE / "catchments.geojson"
    path.write_text(text + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(main())
