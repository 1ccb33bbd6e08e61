"""Network <-> GIS layers with a CRS, result layers, GeoPackage and GeoJSON in/out.

Model coordinates are placed into a metric CRS by a :class:`Placement` (EPSG:4543,
CGCS2000 / 3-degree Gauss-Kruger CM 102E by default; EPSG:32648, UTM 48N, also fits);
:func:`kunming_placement` puts a network's centroid on central Kunming at scale 1. Layer
columns carry SI units in their names (:mod:`gis.schema`). Nothing here runs a simulation.

Network layers
    :func:`network_layers`, :func:`model_from_layers`
Placement and CRS
    :class:`Placement`, :func:`kunming_placement`, :func:`to_web`
Result layers
    :func:`node_result_layer`, :func:`link_result_layer`, :func:`join_values`,
    :func:`pressure_layer`, :func:`leakage_layer`, :func:`without_water_layer`,
    :func:`spare_capacity_layer`, :func:`area_result_layer`
Files
    :func:`write_geopackage`, :func:`read_geopackage`, :func:`write_layers`,
    :func:`read_layers`, :func:`write_geojson`, :func:`read_geojson`
Errors
    :class:`GisInputError`; :class:`CrsWarning` (coordinates that cannot be in their CRS)
"""

from gis.build import model_from_layers
from gis.crs_check import CrsWarning
from gis.files import (
    read_geojson,
    read_geopackage,
    read_layers,
    write_geojson,
    write_geopackage,
    write_layers,
)
from gis.layers import network_layers
from gis.placement import DEFAULT_CRS, UTM_48N, WEB_CRS, Placement, kunming_placement, to_web
from gis.results import (
    area_result_layer,
    join_values,
    leakage_layer,
    link_result_layer,
    node_result_layer,
    pressure_layer,
    spare_capacity_layer,
    without_water_layer,
)
from gis.schema import GisInputError

__all__ = [
    "CrsWarning",
    "DEFAULT_CRS",
    "UTM_48N",
    "WEB_CRS",
    "GisInputError",
    "Placement",
    "area_result_layer",
    "join_values",
    "kunming_placement",
    "leakage_layer",
    "link_result_layer",
    "model_from_layers",
    "network_layers",
    "node_result_layer",
    "pressure_layer",
    "read_geojson",
    "read_geopackage",
    "read_layers",
    "spare_capacity_layer",
    "to_web",
    "without_water_layer",
    "write_geojson",
    "write_geopackage",
    "write_layers",
]
