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


def read_placement(path: str | Path, net: Any) -> gis.Placement:
    """Read a placement file and build the :class:`gis.Placement` for ``net``.

    Raises
    ------
    ScenarioFileError
        Bad file, wrong kind, or a bad value (naming the key).
    """
    from application.network_run import placement_from

    study = read_study(path, PARSERS)
    return placement_from(study.body, net, source=study.source, key="")


def placement_study(placement: gis.Placement, name: str = "") -> Study:
    """A placement as a study, for writing with :func:`application.write_study`."""
    body = {"crs": placement.crs, "origin_x_m": round(placement.origin_x_m, 3),
            "origin_y_m": round(placement.origin_y_m, 3),
            "rotation_deg": placement.rotation_deg,
            "scale_m_per_unit": placement.scale_m_per_unit}
    return Study(kind="placement", version=PLACEMENT_VERSION, name=name, body=body)


__all__ = ["PARSERS", "ScenarioFileError", "placement_study", "read_placement"]
