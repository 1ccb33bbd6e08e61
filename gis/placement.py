"""Placing model coordinates into a metric CRS, and reprojecting layers for web maps.

Exports :class:`Placement`, :func:`kunming_placement` and :func:`to_web`; used by
``gis.layers`` (model -> map), ``gis.build`` (map -> model) and ``gis.files``.

Conventions
-----------
Most INP files carry coordinates without a CRS (often arbitrary drawing units). A
:class:`Placement` is the similarity transform that puts them on the map::

    [X, Y] = [origin_x_m, origin_y_m] + scale_m_per_unit * R(rotation_deg) @ [x, y]

where ``(x, y)`` are model coordinates, ``(X, Y)`` are easting/northing in metres of the
target CRS, and ``R`` rotates counter-clockwise (the shapely convention). The model's
point ``(0, 0)`` lands on the origin. The inverse is exact up to floating-point rounding
(about 1e-9 m at Kunming's northings of 2.77e6 m).

The default target is EPSG:4543 (CGCS2000 / 3-degree Gauss-Kruger CM 102E, the national
datum; Kunming lies 0.7 degrees from its central meridian, so its scale error is below
1e-4). EPSG:32648 (WGS 84 / UTM 48N) also fits. GeoDataFrames always hold x = easting,
y = northing, whatever axis order the EPSG definition states.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from models import wntr_model

DEFAULT_CRS = "EPSG:4543"
"""CGCS2000 / 3-degree Gauss-Kruger CM 102E: the default metric CRS for Kunming."""
UTM_48N = "EPSG:32648"
"""WGS 84 / UTM zone 48N: the alternative metric CRS."""
WEB_CRS = "EPSG:4326"
"""WGS 84 longitude/latitude in degrees, as web maps (pydeck, GeoJSON RFC 7946) expect."""
KUNMING_LON_DEG = 102.70
"""Longitude (degrees east) where :func:`kunming_placement` puts a network's centroid."""
KUNMING_LAT_DEG = 25.04
"""Latitude (degrees north) where :func:`kunming_placement` puts a network's centroid."""


def metric_crs(crs: Any) -> pyproj.CRS:
    """Parse ``crs`` and check that it is projected with both axes in metres.

    Parameters
    ----------
    crs : str, int or pyproj.CRS
        Anything ``pyproj.CRS.from_user_input`` accepts, e.g. ``"EPSG:4543"``.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    ValueError
        If the CRS is geographic or its axes are not in metres.
    """
    parsed = pyproj.CRS.from_user_input(crs)
    units = {axis.unit_name for axis in parsed.axis_info}
    if not parsed.is_projected or units != {"metre"}:
        raise ValueError(
            f"CRS {parsed.to_string()!r} is not a projected CRS in metres "
            f"(units {sorted(units)}); use e.g. {DEFAULT_CRS} or {UTM_48N}"
        )
    return parsed


@dataclass(frozen=True)
class Placement:
    """Similarity transform from model coordinates into a metric CRS.

    Parameters
    ----------
    origin_x_m, origin_y_m : float
        Easting and northing (m, in ``crs``) where the model point (0, 0) lands.
    scale_m_per_unit : float
        Metres of the target CRS per model coordinate unit (> 0); 1 for models drawn in
        metres, 0.3048 for models drawn in feet.
    rotation_deg : float
        Rotation applied after scaling, in degrees, counter-clockwise positive.
    crs : str
        Target CRS, projected with metre axes (checked); stored normalised, e.g.
        ``"EPSG:4543"``.
    """

    origin_x_m: float
    origin_y_m: float
    scale_m_per_unit: float = 1.0
    rotation_deg: float = 0.0
    crs: str = DEFAULT_CRS

    def __post_init__(self) -> None:
        for field in ("origin_x_m", "origin_y_m", "scale_m_per_unit", "rotation_deg"):
            value = float(getattr(self, field))
            if not np.isfinite(value):
                raise ValueError(f"Placement.{field} must be finite, got {value!r}")
            object.__setattr__(self, field, value)
        if self.scale_m_per_unit <= 0.0:
            raise ValueError(f"Placement.scale_m_per_unit must be > 0, got {self.scale_m_per_unit}")
        object.__setattr__(self, "crs", metric_crs(self.crs).to_string())

    @classmethod
    def identity(cls, crs: Any = DEFAULT_CRS) -> Placement:
        """Placement for models whose coordinates already are metres in ``crs``."""
        return cls(0.0, 0.0, 1.0, 0.0, crs)

    def _matrix(self) -> np.ndarray:
        theta = np.deg2rad(self.rotation_deg)
        c, s = np.cos(theta), np.sin(theta)
        return self.scale_m_per_unit * np.array([[c, -s], [s, c]])

    def to_target(self, xy: np.ndarray) -> np.ndarray:
        """Map model coordinates to the target CRS.

        Parameters
        ----------
        xy : array_like, shape (n, 2)
            Model coordinates (model units).

        Returns
        -------
        numpy.ndarray, shape (n, 2)
            Easting, northing in metres of ``crs``.
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if self.scale_m_per_unit == 1.0 and self.rotation_deg == 0.0:
            return xy + np.array([self.origin_x_m, self.origin_y_m])
        return xy @ self._matrix().T + np.array([self.origin_x_m, self.origin_y_m])

    def to_model(self, xy_m: np.ndarray) -> np.ndarray:
        """Map target-CRS coordinates back to model coordinates (inverse of :meth:`to_target`).

        Parameters
        ----------
        xy_m : array_like, shape (n, 2)
            Easting, northing in metres of ``crs``.

        Returns
        -------
        numpy.ndarray, shape (n, 2)
            Model coordinates (model units).
        """
        xy_m = np.asarray(xy_m, dtype=float).reshape(-1, 2)
        shifted = xy_m - np.array([self.origin_x_m, self.origin_y_m])
        if self.scale_m_per_unit == 1.0 and self.rotation_deg == 0.0:
            return shifted
        return shifted @ np.linalg.inv(self._matrix()).T

    def place(self, geometry: gpd.GeoSeries | np.ndarray) -> np.ndarray:
        """Apply :meth:`to_target` to every vertex of shapely geometries (vectorised)."""
        return shapely.transform(np.asarray(geometry), self.to_target)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable), as stored in a GeoPackage."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Placement:
        """Inverse of :meth:`to_dict`; unknown keys raise ``TypeError``."""
        return cls(**data)


def model_centroid(wn) -> tuple[float, float]:
    """Mean of all node coordinates of a WaterNetworkModel, in model units."""
    xy = np.array([node.coordinates for _, node in wn.nodes()], dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return 0.0, 0.0
    return float(xy[:, 0].mean()), float(xy[:, 1].mean())


@functools.lru_cache(maxsize=8)
def _from_lonlat(crs: str) -> pyproj.Transformer:
    """Cached transformer from longitude/latitude (EPSG:4326, x = lon) to ``crs``."""
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def kunming_placement(
    net,
    crs: Any = DEFAULT_CRS,
    *,
    lon_deg: float = KUNMING_LON_DEG,
    lat_deg: float = KUNMING_LAT_DEG,
    scale_m_per_unit: float = 1.0,
    rotation_deg: float = 0.0,
) -> Placement:
    """Placement that puts a network's node centroid on a point of Kunming.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network to place.
    crs : str, optional
        Metric target CRS; EPSG:4543 by default, EPSG:32648 (UTM 48N) also fits.
    lon_deg, lat_deg : float, optional
        Where the centroid lands, degrees (WGS 84 / CGCS2000, equal to within 1 m);
        102.70 E, 25.04 N by default (central Kunming).
    scale_m_per_unit : float, optional
        Metres per model coordinate unit; 1 by default.
    rotation_deg : float, optional
        Counter-clockwise rotation, degrees; 0 by default.

    Returns
    -------
    Placement
    """
    target = metric_crs(crs)
    anchor_x_m, anchor_y_m = _from_lonlat(target.to_string()).transform(lon_deg, lat_deg)
    centroid = np.array(model_centroid(wntr_model(net)))
    unrooted = Placement(0.0, 0.0, scale_m_per_unit, rotation_deg, target.to_string())
    shift = unrooted.to_target(centroid)[0]
    return Placement(
        anchor_x_m - shift[0], anchor_y_m - shift[1], scale_m_per_unit, rotation_deg, unrooted.crs
    )


def to_web(layers):
    """Reproject a layer, or a mapping of layers, to EPSG:4326 for web maps.

    Parameters
    ----------
    layers : geopandas.GeoDataFrame or Mapping[str, geopandas.GeoDataFrame]
        Layers with a CRS set.

    Returns
    -------
    geopandas.GeoDataFrame or dict[str, geopandas.GeoDataFrame]
        Copies in longitude/latitude degrees (x = longitude).

    Raises
    ------
    ValueError
        If a layer has no CRS.
    """
    if isinstance(layers, gpd.GeoDataFrame):
        if layers.crs is None:
            raise ValueError("layer has no CRS; set one (e.g. with a Placement) first")
        return layers.to_crs(WEB_CRS)
    return {name: to_web(layer) for name, layer in layers.items()}
