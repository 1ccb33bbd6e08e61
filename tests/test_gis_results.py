"""Result layers: values joined by name onto network geometry, dtypes kept, no simulation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import wntr
from shapely.geometry import Point, box

import gis
from benchmarks.networks import network_path


@pytest.fixture(scope="module")
def net1():
    return wntr.network.WaterNetworkModel(str(network_path("Net1")))


@pytest.fixture(scope="module")
def placement(net1):
    return gis.kunming_placement(net1)


def test_node_values_join_by_name_and_missing_ones_are_nan(net1, placement):
    values = pd.Series({"10": 50.0, "22": 31.5})
    layer = gis.node_result_layer(net1, values, "pressure_m", placement)
    assert list(layer.index) == net1.node_name_list
    assert layer.loc["22", "pressure_m"] == 31.5
    assert layer["pressure_m"].isna().sum() == len(net1.node_name_list) - 2
    assert set(layer["node_type"]) == {"Junction", "Tank", "Reservoir"}
    junctions = gis.network_layers(net1, placement)["junctions"]
    assert layer.loc["22", "geometry"].equals(junctions.loc["22", "geometry"])


def test_unknown_names_duplicates_and_frames_are_refused(net1, placement):
    with pytest.raises(ValueError, match="not in the layer.*'J-404'"):
        gis.node_result_layer(net1, pd.Series({"J-404": 1.0}), "pressure_m", placement)
    with pytest.raises(ValueError, match="duplicate"):
        gis.node_result_layer(net1, pd.Series([1.0, 2.0], index=["10", "10"]), "p_m", placement)
    frame = pd.DataFrame({"10": [1.0, 2.0]}, index=[0, 3600])
    with pytest.raises(TypeError, match="one time step"):
        gis.node_result_layer(net1, frame, "pressure_m", placement)
    with pytest.raises(ValueError, match="already exists"):
        gis.node_result_layer(net1, pd.Series({"10": 1.0}), "node_type", placement)


def test_pressure_layer_with_change_against_a_reference(net1, placement):
    names = net1.junction_name_list
    before = pd.Series(np.arange(len(names), dtype=float) + 30.0, index=names)
    after = before - 2.5
    layer = gis.pressure_layer(net1, after, placement, before_m=before)
    assert layer.loc[names, "pressure_change_m"].eq(-2.5).all()
    assert layer.loc["2", "pressure_change_m"] != layer.loc["2", "pressure_change_m"]  # tank: NaN


def test_leakage_per_link_uses_link_geometry(net1, placement):
    leakage = pd.Series({"10": 1e-4, "110": 2e-4})  # "10" is both a node and a link in Net1
    per_link = gis.leakage_layer(net1, leakage, placement, per="link")
    assert per_link.loc["110", "leakage_m3s"] == 2e-4
    assert per_link.geom_type.eq("LineString").all()
    per_node = gis.leakage_layer(net1, pd.Series({"10": 1e-4}), placement)
    assert per_node.geom_type.eq("Point").all()
    with pytest.raises(ValueError, match="per must be"):
        gis.leakage_layer(net1, leakage, placement, per="pipe")


def test_without_water_keeps_booleans_and_categories(net1, placement):
    cut = pd.Series({"10": True, "11": False})
    layer = gis.without_water_layer(net1, cut, placement)
    assert layer["without_water"].dtype == "boolean"
    assert layer.loc["10", "without_water"] and layer["without_water"].isna().sum() == 9
    states = pd.Series(["isolated", "supplied"], index=["111", "112"], dtype="category")
    links = gis.without_water_layer(net1, states, placement, per="link", name="supply")
    assert isinstance(links["supply"].dtype, pd.CategoricalDtype)
    assert links.loc["111", "supply"] == "isolated"


def test_spare_capacity_shows_junctions_only(net1, placement):
    spare = pd.Series(0.01, index=net1.node_name_list)
    layer = gis.spare_capacity_layer(net1, spare, placement)
    assert list(layer.index) == net1.junction_name_list
    assert layer["spare_capacity_m3s"].eq(0.01).all()


def test_link_layer_filters_types(net1, placement):
    flow = pd.Series(0.1, index=net1.link_name_list)
    layer = gis.link_result_layer(net1, flow, "flow_m3s", placement, link_types=["Pump"])
    assert list(layer.index) == net1.pump_name_list
    assert {"start_node", "end_node", "flow_m3s"} <= set(layer.columns)
    with pytest.raises(ValueError, match="unknown element types"):
        gis.link_result_layer(net1, flow, "flow_m3s", placement, link_types=["Hydrant"])


def test_area_layer_for_plants_and_catchments():
    catchments = gpd.GeoDataFrame(
        {"plant": ["No. 3", "No. 6"]},
        index=pd.Index([1, 2], name="catchment"),
        geometry=[
            box(570_000, 2_770_000, 571_000, 2_771_000),
            box(571_000, 2_770_000, 572_000, 2_771_000),
        ],
        crs=gis.DEFAULT_CRS,
    )
    load = pd.Series({"1": 0.8, "2": 1.1})  # ids compared as strings
    layer = gis.area_result_layer(catchments, load, "load_share", crs=gis.WEB_CRS)
    assert list(layer["load_share"]) == [0.8, 1.1]
    assert layer.crs.to_string() == gis.WEB_CRS and "load_share" not in catchments.columns
    plants = gpd.GeoDataFrame(index=["No. 3"], geometry=[Point(570_500, 2_770_500)])
    with pytest.raises(ValueError, match="no CRS"):
        gis.area_result_layer(plants, crs=gis.WEB_CRS)
    with pytest.raises(ValueError, match="name is required"):
        gis.area_result_layer(catchments, load)


def test_result_layers_accept_an_object_with_wn_and_do_not_touch_it(net1, placement):
    class Network:
        wn = net1

    before = wntr.network.to_dict(net1)
    layer = gis.node_result_layer(Network(), pd.Series({"10": 1.0}), "head_m", placement)
    assert layer.loc["10", "head_m"] == 1.0
    assert wntr.network.to_dict(net1) == before
