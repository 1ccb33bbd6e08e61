"""GeoPackage and GeoJSON export and import: round trips, QGIS-style edits, bad layers."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import wntr
from shapely.geometry import LineString, Point

import gis
from benchmarks.networks import network_path
from gis.files import MODEL_TABLE


def _net3() -> wntr.network.WaterNetworkModel:
    wn = wntr.network.WaterNetworkModel(str(network_path("Net3")))
    wn.get_link("20").vertices = [(29.0, 27.5), (29.3, 27.0)]  # Net3 has none of its own
    wn.get_link("40").vertices = [(27.3, 9.9)]
    return wn


def _heads(wn: wntr.network.WaterNetworkModel) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        sim = wntr.sim.EpanetSimulator(wn)
        return sim.run_sim(file_prefix=os.path.join(folder, "run")).node["head"]


def _demands(wn) -> dict:
    return {
        name: [(d.base_value, d.pattern_name, d.category) for d in j.demand_timeseries_list]
        for name, j in wn.junctions()
    }


def _vertices(wn) -> dict:
    return {name: np.array(link.vertices, dtype=float).reshape(-1, 2) for name, link in wn.links()}


@pytest.fixture(scope="module")
def net3():
    return _net3()


@pytest.fixture(scope="module")
def net3_gpkg(net3, tmp_path_factory):
    return gis.write_geopackage(net3, tmp_path_factory.mktemp("gpkg") / "net3.gpkg")


def test_file_holds_one_layer_per_element_type_and_the_model_table(net3_gpkg):
    layers = gis.read_layers(net3_gpkg)
    assert list(layers) == [
        "junctions",
        "reservoirs",
        "tanks",
        "pipes",
        "pumps",
        "valves",
        MODEL_TABLE,
    ]
    assert layers["pipes"].crs.to_string() == "EPSG:4543"
    assert not isinstance(layers[MODEL_TABLE], gpd.GeoDataFrame)
    assert list(net3_gpkg.parent.iterdir()) == [net3_gpkg]  # no temporary files left


def test_net3_round_trip_keeps_names_vertices_demands_and_heads(net3, net3_gpkg):
    back = gis.read_geopackage(net3_gpkg)
    assert back.node_name_list == net3.node_name_list
    assert back.link_name_list == net3.link_name_list
    assert _demands(back) == _demands(net3)
    for name, vertices in _vertices(net3).items():
        assert np.abs(_vertices(back)[name] - vertices).max(initial=0.0) < 1e-6, name
    for name, node in net3.nodes():
        assert np.subtract(back.get_node(name).coordinates, node.coordinates) == pytest.approx(
            [0.0, 0.0], abs=1e-6
        )
    for name, pipe in net3.pipes():
        other = back.get_link(name)
        assert (other.length, other.diameter, other.roughness) == (
            pipe.length,
            pipe.diameter,
            pipe.roughness,
        )
    assert back.get_link("10").pump_curve_name == "1"
    assert back.get_node("1").max_level == net3.get_node("1").max_level
    assert back.describe() == net3.describe()
    before, after = _heads(net3), _heads(back)
    assert after.shape == before.shape
    assert np.abs(after[before.columns].to_numpy() - before.to_numpy()).max() < 1e-6


def test_l_town_round_trip_keeps_three_demands_valves_and_heads(tmp_path):
    wn = wntr.network.WaterNetworkModel(str(network_path("ltown_battledim")))
    wn.options.time.duration = 2 * 3600
    placement = gis.Placement.identity(gis.UTM_48N)  # its metres taken as UTM as they are
    back = gis.read_geopackage(gis.write_geopackage(wn, tmp_path / "ltown.gpkg", placement))
    assert _demands(back) == _demands(wn)
    valve = back.get_link("PRV-1")
    assert (valve.valve_type, valve.initial_setting) == ("PRV", pytest.approx(40.0))
    before, after = _heads(wn), _heads(back)
    assert np.abs(after[before.columns].to_numpy() - before.to_numpy()).max() < 1e-6


def test_qgis_style_edits_are_read_back(net3, net3_gpkg, tmp_path):
    """Move a vertex, change a demand, add a junction and a pipe (no length: drawn length)."""
    layers = gis.read_layers(net3_gpkg)
    stored = layers[MODEL_TABLE].set_index("key").loc["placement", "value"]
    placement = gis.Placement.from_dict(json.loads(stored))
    pipes, junctions = layers["pipes"], layers["junctions"]
    i20 = pipes.index[pipes["name"] == "20"][0]
    moved = placement.to_target([[29.1, 27.4]])[0]
    coords = shapely.get_coordinates(pipes.at[i20, "geometry"])
    coords[1] = moved
    pipes.at[i20, "geometry"] = LineString(coords)
    i15 = junctions.index[junctions["name"] == "15"][0]
    junctions.at[i15, "base_demand_m3s"] = 0.002
    at15 = junctions.at[i15, "geometry"]
    new_xy = (at15.x + 30.0, at15.y + 40.0)
    new_junction = {"name": "J-new", "elevation_m": 10.0, "base_demand_m3s": 0.001}
    new_junction["demand_pattern"] = "3"
    layers["junctions"] = pd.concat(
        [junctions, gpd.GeoDataFrame([new_junction], geometry=[Point(new_xy)], crs=junctions.crs)],
        ignore_index=True,
    )
    new_pipe = {"name": "P-new", "start_node": "15", "end_node": "J-new"}
    new_pipe.update(diameter_m=0.15, roughness=100.0)
    line = LineString([(at15.x, at15.y), (at15.x, at15.y + 40.0), new_xy])
    layers["pipes"] = pd.concat(
        [pipes, gpd.GeoDataFrame([new_pipe], geometry=[line], crs=pipes.crs)], ignore_index=True
    )
    edited = gis.read_geopackage(gis.write_layers(layers, tmp_path / "edited.gpkg"))

    assert edited.get_link("20").vertices[0] == pytest.approx((29.1, 27.4), abs=1e-6)
    assert edited.get_node("15").demand_timeseries_list[0].base_value == 0.002
    added = edited.get_node("J-new")
    expected_xy = np.array(net3.get_node("15").coordinates) + [30.0, 40.0]
    assert np.array(added.coordinates) == pytest.approx(expected_xy, abs=1e-6)
    assert added.demand_timeseries_list[0].pattern_name == "3"
    pipe = edited.get_link("P-new")
    assert pipe.length == pytest.approx(70.0)  # 40 m north, then 30 m east
    assert pipe.vertices[0] == pytest.approx(expected_xy - [30.0, 0.0], abs=1e-6)
    heads = _heads(edited)
    assert np.isfinite(heads["J-new"]).all()


def test_write_replaces_atomically_and_keeps_the_old_file_on_failure(net3, tmp_path, monkeypatch):
    target = tmp_path / "net.gpkg"
    gis.write_geopackage(net3, target)
    first = target.read_bytes()
    real_write, calls = pyogrio.write_dataframe, []

    def fail_on_third_layer(*args, **kwargs):
        calls.append(kwargs["layer"])
        if len(calls) == 3:
            raise OSError("disk full")
        real_write(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", fail_on_third_layer)
    with pytest.raises(OSError, match="disk full"):
        gis.write_geopackage(net3, target, gis.Placement.identity())
    monkeypatch.undo()
    assert target.read_bytes() == first
    assert list(tmp_path.iterdir()) == [target]
    gis.write_geopackage(net3, target, gis.Placement.identity(gis.UTM_48N))
    assert gis.read_layers(target, ["junctions"])["junctions"].crs.to_string() == gis.UTM_48N


def test_result_layers_travel_in_the_same_file(net3, tmp_path):
    pressure = pd.Series(1.0, index=net3.node_name_list)
    extra = {"pressure": gis.pressure_layer(net3, pressure)}
    path = gis.write_geopackage(net3, tmp_path / "with_results.gpkg", extra_layers=extra)
    assert gis.read_layers(path, ["pressure"])["pressure"]["pressure_m"].eq(1.0).all()
    assert gis.read_geopackage(path).describe() == net3.describe()
    with pytest.raises(ValueError, match="reserved"):
        gis.write_geopackage(net3, tmp_path / "x.gpkg", extra_layers={"pipes": extra["pressure"]})


def test_geojson_round_trip_through_longitude_latitude(net3, tmp_path):
    stale = tmp_path / "net3_valves.geojson"  # from an earlier export of another network
    stale.write_text("{}")
    files = gis.write_geojson(net3, tmp_path / "net3")
    assert not stale.exists()
    assert {f.name for f in files} >= {"net3_junctions.geojson", "net3_network_model.json"}
    assert gpd.read_file(tmp_path / "net3_pipes.geojson").crs.to_string() == gis.WEB_CRS
    back = gis.read_geojson(tmp_path / "net3")
    assert _demands(back) == _demands(net3)
    assert np.abs(_vertices(back)["20"] - _vertices(net3)["20"]).max() < 1e-6


# --- bad layers -----------------------------------------------------------------------


@pytest.fixture()
def layers(net3):
    return {k: v.reset_index() for k, v in gis.network_layers(net3).items()}


def _build(layers, net3):
    return gis.model_from_layers(layers, gis.kunming_placement(net3), base=net3)


def test_layers_build_the_same_model(layers, net3):
    assert _build(layers, net3).describe() == net3.describe()


def test_missing_required_column(layers, net3):
    layers["pipes"] = layers["pipes"].drop(columns="diameter_m")
    with pytest.raises(gis.GisInputError, match="'pipes'.*'diameter_m'.*missing") as err:
        _build(layers, net3)
    assert (err.value.layer, err.value.column, err.value.row) == ("pipes", "diameter_m", None)


def test_duplicate_names_across_node_layers(layers, net3):
    layers["tanks"].loc[0, "name"] = "15"  # a junction's name
    with pytest.raises(gis.GisInputError, match="duplicate node name '15'") as err:
        _build(layers, net3)
    assert (err.value.layer, err.value.row, err.value.column) == ("tanks", 1, "name")


def test_pipe_naming_a_missing_node(layers, net3):
    layers["pipes"].loc[4, "end_node"] = "nowhere"
    name = layers["pipes"].loc[4, "name"]
    with pytest.raises(gis.GisInputError, match="node 'nowhere' does not exist") as err:
        _build(layers, net3)
    assert (err.value.layer, err.value.row, err.value.column, err.value.name) == (
        "pipes",
        5,
        "end_node",
        name,
    )


def test_non_numeric_diameter_in_a_file(layers, net3, tmp_path):
    pipes = layers["pipes"]
    pipes["diameter_m"] = pipes["diameter_m"].astype(object)
    pipes.loc[2, "diameter_m"] = "DN300"
    path = gis.write_layers(layers, tmp_path / "bad.gpkg")
    with pytest.raises(gis.GisInputError, match="row 3.*'diameter_m': not a number: 'DN300'"):
        gis.read_geopackage(path, gis.kunming_placement(net3), base=net3)


@pytest.mark.parametrize(
    ("layer", "column", "value", "message"),
    [
        ("junctions", "elevation_m", None, "a value is required"),
        ("pipes", "diameter_m", -0.1, "must be > 0"),
        ("pipes", "check_valve", "maybe", "not a boolean"),
        ("junctions", "demand_pattern", "no-such", "pattern 'no-such' does not exist"),
        ("pumps", "pump_type", "DIESEL", "not one of HEAD, POWER"),
        ("tanks", "init_level_m", 99.0, "min <= init <= max"),
        ("pipes", "geometry", Point(0, 0), "geometry is a Point, expected a LineString"),
    ],
)
def test_bad_cells_name_layer_row_and_column(layers, net3, layer, column, value, message):
    frame = layers[layer]
    if column != "geometry":
        frame[column] = frame[column].astype(object)
    frame.at[1, column] = value
    with pytest.raises(gis.GisInputError, match=message) as err:
        _build(layers, net3)
    assert (err.value.layer, err.value.row, err.value.column) == (layer, 2, column)


def test_controls_naming_a_removed_pump(layers, net3):
    layers["pumps"] = layers["pumps"][layers["pumps"]["name"] != "10"]
    with pytest.raises(gis.GisInputError, match="controls or sources"):
        _build(layers, net3)


def test_gpkg_without_model_table_uses_identity_placement(tmp_path):
    wn = wntr.network.WaterNetworkModel(str(network_path("Net1")))
    placement = gis.Placement.identity()
    layers = gis.network_layers(wn, placement)
    back = gis.read_geopackage(gis.write_layers(layers, tmp_path / "plain.gpkg"), base=wn)
    assert back.get_node("10").coordinates == pytest.approx(wn.get_node("10").coordinates)
    assert Path(tmp_path / "plain.gpkg").exists()
