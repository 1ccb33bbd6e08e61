"""Does a layer's coordinates fit its CRS label? A wrong label moves a network hundreds of km.

Exports :class:`CrsWarning`, :func:`crs_mismatch` and :func:`warn_if_crs_mismatch`. Called
by the GIS readers (:func:`gis.model_from_layers`, hence :func:`gis.read_geopackage`, and
``planning.inputfiles.read_gis_layers``) before a layer is reprojected.

A GeoPackage written in degrees but labelled EPSG:4543 (metres, Gauss-Kruger CM 102E) is read
without complaint by GDAL and lands 820 km away, near the equator. The check: a geographic
CRS needs longitudes within ±180 and latitudes within ±90; any CRS with an area of use
(every EPSG code has one) needs the layer's extent, taken to longitude/latitude, within
that area (plus a margin of :data:`MARGIN_DEG`). Anything else warns with
:class:`CrsWarning` naming the layer, its extent, the CRS and its area.
"""

from __future__ import annotations

import math
import warnings

MARGIN_DEG = 2.0
"""Slack around a CRS's area of use (degrees): data just over a zone edge is normal."""


class CrsWarning(UserWarning):
    """A layer's coordinates cannot belong to the CRS it is labelled with."""


def crs_mismatch(frame, layer: str = "layer") -> str | None:
    """Why ``frame``'s coordinates cannot be in its CRS, or None when they can (or no CRS).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
    layer : str
        Layer name, for the message.
    """
    crs = getattr(frame, "crs", None)
    if crs is None or len(frame) == 0:
        return None
    xmin, ymin, xmax, ymax = (float(v) for v in frame.total_bounds)
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
        return None
    extent = f"x {xmin:.6g} to {xmax:.6g}, y {ymin:.6g} to {ymax:.6g}"
    label = crs.to_string()
    if crs.is_geographic and not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        return (f"{layer}: coordinates ({extent}) are not longitudes and latitudes, but the "
                f"layer is labelled {label} (degrees); are they metres with a wrong CRS label?")
    area = crs.area_of_use
    if area is None:
        return None
    from pyproj import Transformer

    try:
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        west, south, east, north = to_lonlat.transform_bounds(xmin, ymin, xmax, ymax)
    except Exception:  # pyproj: outside the projection's domain
        west = south = east = north = math.inf
    inside = (all(math.isfinite(v) for v in (west, south, east, north))
              and area.west - MARGIN_DEG <= west and east <= area.east + MARGIN_DEG
              and area.south - MARGIN_DEG <= south and north <= area.north + MARGIN_DEG)
    if inside:
        return None
    units = "degrees" if -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90 else "other"
    hint = (" They look like longitudes and latitudes: is the CRS label wrong?"
            if units == "degrees" and not crs.is_geographic else " Is the CRS label wrong?")
    return (f"{layer}: coordinates ({extent}) lie outside the area where {label} is used "
            f"({area.name}: longitude {area.west:g} to {area.east:g}, latitude {area.south:g} "
            f"to {area.north:g}).{hint}")


def warn_if_crs_mismatch(frame, layer: str = "layer") -> str | None:
    """Warn (:class:`CrsWarning`) when :func:`crs_mismatch` finds a problem; returns it."""
    problem = crs_mismatch(frame, layer)
    if problem:
        warnings.warn(problem, CrsWarning, stacklevel=3)
    return problem
