"""Placement of model coordinates into metric CRSs, and reprojection for web maps."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import wntr

import gis
from benchmarks.networks import network_path
from gis.placement import KUNMING_LAT_DEG, KUNMING_LON_DEG, model_centroid


@pytest.fixture(scope="module")
def net1():
    return wntr.network.WaterNetworkModel(str(network_path("Net1")))


def test_forward_and_inverse_are_exact_inverses():
    placement = gis.Placement(570_000.0, 2_770_000.0, 0.3048, 33.0, "EPSG:4543")
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [-3.5, 1234.25]])
    target = placement.to_target(xy)
    assert target[0] == pytest.approx([570_000.0, 2_770_000.0])
    # 10 units along x: 3.048 m long, turned 33 degrees counter-clockwise
    step = target[1] - target[0]
    assert np.hypot(*step) == pytest.approx(3.048)
    assert np.degrees(np.arctan2(step[1], step[0])) == pytest.approx(33.0)
    assert np.abs(placement.to_model(target) - xy).max() < 1e-8


def test_placement_normalises_and_serialises_its_crs():
    placement = gis.Placement(1.0, 2.0, crs="epsg:32648")
    assert placement.crs == "EPSG:32648"
    assert gis.Placement.from_dict(placement.to_dict()) == placement


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:2263"])  # degrees; US survey feet
def test_placement_rejects_crs_not_in_metres(crs):
    with pytest.raises(ValueError, match="not a projected CRS in metres"):
        gis.Placement(0.0, 0.0, crs=crs)


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan")])
def test_placement_rejects_bad_scale(scale):
    with pytest.raises(ValueError):
        gis.Placement(0.0, 0.0, scale)


@pytest.mark.parametrize("crs", [gis.DEFAULT_CRS, gis.UTM_48N])
def test_kunming_placement_puts_the_centroid_on_kunming(net1, crs):
    placement = gis.kunming_placement(net1, crs)
    assert placement.crs == crs
    centre_m = placement.to_target(np.array(model_centroid(net1)))[0]
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(*centre_m)
    assert (lon, lat) == pytest.approx((KUNMING_LON_DEG, KUNMING_LAT_DEG), abs=1e-9)


def test_kunming_placement_in_gauss_kruger_coordinates(net1):
    placement = gis.kunming_placement(net1)  # EPSG:4543, false easting 500 km at 102 E
    centre_m = placement.to_target(np.array(model_centroid(net1)))[0]
    assert centre_m[0] == pytest.approx(570_643.3, abs=1.0)
    assert centre_m[1] == pytest.approx(2_770_667.8, abs=1.0)


def test_l_town_placed_at_scale_1_keeps_its_pipe_lengths():
    """L-Town's coordinates are metres: drawn lengths stay the lengths of the model."""
    wn = wntr.network.WaterNetworkModel(str(network_path("ltown_battledim")))
    placement = gis.kunming_placement(wn, rotation_deg=20.0)
    pipes = gis.network_layers(wn, placement)["pipes"]
    ratio = pipes.geometry.length / pipes["length_m"]
    assert ratio.median() == pytest.approx(1.0, abs=0.05)
    lonlat = gis.to_web(pipes).total_bounds
    assert 102.6 < lonlat[0] < lonlat[2] < 102.8 and 24.9 < lonlat[1] < lonlat[3] < 25.1


def test_to_web_reprojects_every_layer_and_needs_a_crs(net1):
    web = gis.to_web(gis.network_layers(net1))
    assert {layer.crs.to_string() for layer in web.values()} == {gis.WEB_CRS}
    x, y = web["junctions"].geometry.x, web["junctions"].geometry.y
    assert x.between(102.69, 102.71).all() and y.between(25.03, 25.05).all()
    with pytest.raises(ValueError, match="no CRS"):
        gis.to_web(web["junctions"].set_crs(None, allow_override=True))
