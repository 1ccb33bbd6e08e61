"""Placement files: where a network's drawing sits on the map (``kind: placement``).

Exports :func:`read_placement` and :func:`placement_study`. A placement file is a small
YAML file, e.g. ``scenarios/demo/placement.yaml``::

    kind: placement
    version: 1
    crs: EPSG:4543            # CGCS2000 / 3-degree Gauss-Kruger CM 102E (metric)
    origin_x_m: 817912        # easting (m) where the model point (0, 0) lands
    origin_y_m: 2621322       # northing (m)
    rotation_deg: 0           # counter-clockwise
    scale_m_per_unit: 1       # metres per model coordinate unit

or, instead of the origin, ``lon_deg`` and ``lat_deg``: the network's centre goes there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gis
from application.files import Fields, ScenarioFileError, Study, read_study

PLACEMENT_VERSION = 1


def _parse(f: Fields, version: int) -> dict[str, Any]:
    f.only(["kind", "version", "name", "description", "example", "crs", "origin_x_m",
            "origin_y_m", "lon_deg", "lat_deg", "rotation_deg", "scale_m_per_unit"])
    body = {k: v for k, v in f.data.items() if k not in ("kind", "version", "name",
                                                          "description", "example")}
    has_origin = "origin_x_m" in body or "origin_y_m" in body
    has_centre = "lon_deg" in body or "lat_deg" in body
    if has_origin and has_centre:
        raise f.error("lon_deg", "give either origin_x_m/origin_y_m or lon_deg/lat_deg, not both")
    return body


PARSERS = {"placement": (PLACEMENT_VERSION, _parse)}


def placement_from(spec: Any, net: Any, *, source: str | None = None,
                   key: str = "placement") -> gis.Placement:
    """A :class:`gis.Placement` from a study's ``placement`` value.

    Parameters
    ----------
    spec : Mapping or None
        None: :func:`gis.kunming_placement` (the network's centre on central Kunming).
        ``{origin_x_m, origin_y_m[, scale_m_per_unit, rotation_deg, crs]}``: that placement.
        ``{lon_deg, lat_deg[, scale_m_per_unit, rotation_deg, crs]}``: the network's centre
        on that point.
    net : models.Network
        The network placed (for the centre).
    source : str, optional
        File name for messages.
    key : str
        Dotted key of ``spec`` in the file, for messages.

    Returns
    -------
    gis.Placement

    Raises
    ------
    ScenarioFileError
        Unknown keys, missing or bad values, or a CRS that is not metric.
    """
    if spec is None:
        return gis.kunming_placement(net)
    f = Fields(spec, source, key)
    f.only(["kind", "version", "origin_x_m", "origin_y_m", "lon_deg", "lat_deg",
            "scale_m_per_unit", "rotation_deg", "crs", "name", "description", "example"])
    crs = f.text("crs", required=False, default=gis.DEFAULT_CRS)
    scale = f.number("scale_m_per_unit", required=False, default=1.0, minimum=1e-9)
    rotation = f.number("rotation_deg", required=False, default=0.0)
    try:
        if "origin_x_m" in f.data or "origin_y_m" in f.data:
            return gis.Placement(f.number("origin_x_m"), f.number("origin_y_m"), scale,
                                 rotation, crs)
        if "lon_deg" in f.data or "lat_deg" in f.data:
            return gis.kunming_placement(
                net, crs, lon_deg=f.number("lon_deg", minimum=-180, maximum=180),
                lat_deg=f.number("lat_deg", minimum=-90, maximum=90),
                scale_m_per_unit=scale, rotation_deg=rotation)
        return gis.kunming_placement(net, crs, scale_m_per_unit=scale, rotation_deg=rotation)
    except ValueError as exc:  # pyproj / Placement checks (e.g. a geographic CRS)
        if isinstance(exc, ScenarioFileError):
            raise
        raise f.error("crs", str(exc)) from None


def read_placement(path: str | Path, net: Any) -> gis.Placement:
    """Read a placement file and build the :class:`gis.Placement` for ``net``.

    Raises
    ------
    ScenarioFileError
        Bad file, wrong kind, or a bad value (naming the key).
    """
    study = read_study(path, PARSERS)
    return placement_from(study.body, net, source=study.source, key="")


def placement_study(placement: gis.Placement, name: str = "") -> Study:
    """A placement as a study, for writing with :func:`application.write_study`."""
    body = {"crs": placement.crs, "origin_x_m": round(placement.origin_x_m, 3),
            "origin_y_m": round(placement.origin_y_m, 3),
            "rotation_deg": placement.rotation_deg,
            "scale_m_per_unit": placement.scale_m_per_unit}
    return Study(kind="placement", version=PLACEMENT_VERSION, name=name, body=body)


__all__ = ["PARSERS", "ScenarioFileError", "placement_from", "placement_study", "read_placement"]
