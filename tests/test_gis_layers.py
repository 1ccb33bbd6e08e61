"""Network -> GIS layers: element counts, names, units in column names, vertices, demands."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import wntr

import gis
from benchmarks.networks import network_path

LAYER_TYPES = {
    "junctions": "Junction",
    "reservoirs": "Reservoir",
    "tanks": "Tank",
    "pipes": "Pipe",
    "pumps": "Pump",
    "valves": "Valve",
}


def _load(name: str) -> wntr.network.WaterNetworkModel:
    return wntr.network.WaterNetworkModel(str(network_path(name)))


class _Network:
    """Stand-in for the project's models.Network: anything with a .wn attribute."""

    def __init__(self, wn):
        self.wn = wn


@pytest.fixture(scope="module")
def net3():
    wn = _load("Net3")
    wn.get_link("20").vertices = [(29.0, 27.5), (29.3, 27.0)]
    return wn


def test_layers_hold_every_element_once_with_a_crs(net3):
    layers = gis.network_layers(net3)
    assert list(layers) == list(LAYER_TYPES)
    for layer_name, element in LAYER_TYPES.items():
        layer = layers[layer_name]
        expected = [n for n, e in net3.nodes() if e.node_type == element] + [
            n for n, e in net3.links() if e.link_type == element
        ]
        assert list(layer.index) == expected
        assert layer.index.name == "name"
        assert layer.crs.to_string() == "EPSG:4543"
    assert layers["valves"].empty and "diameter_m" in layers["valves"].columns


def test_columns_carry_units_and_si_values(net3):
    layers = gis.network_layers(net3)
    junction, pipe = net3.get_node("15"), net3.get_link("20")
    row = layers["junctions"].loc["15"]
    assert row["elevation_m"] == junction.elevation
    assert row["base_demand_m3s"] == junction.base_demand
    assert row["demand_pattern"] == "3"
    prow = layers["pipes"].loc["20"]
    assert (prow["length_m"], prow["diameter_m"], prow["roughness"]) == (
        pipe.length,
        pipe.diameter,
        pipe.roughness,
    )
    assert (prow["start_node"], prow["end_node"]) == ("3", "20")
    assert layers["pumps"].loc["10", "pump_curve"] == "1"
    assert layers["tanks"].loc["1", "max_level_m"] == net3.get_node("1").max_level
    assert layers["reservoirs"].loc["Lake", "base_head_m"] == net3.get_node("Lake").base_head


def test_pipes_are_lines_through_their_vertices(net3):
    placement = gis.Placement(500_000.0, 2_700_000.0, 2.0, 90.0)
    line = gis.network_layers(net3, placement)["pipes"].loc["20", "geometry"]
    model_xy = placement.to_model(shapely.get_coordinates(line))
    expected = [net3.get_node("3").coordinates, (29.0, 27.5), (29.3, 27.0)]
    expected.append(net3.get_node("20").coordinates)
    assert np.abs(model_xy - np.array(expected)).max() < 1e-9


def test_points_are_placed_node_coordinates(net3):
    placement = gis.kunming_placement(net3, gis.UTM_48N)
    junctions = gis.network_layers(net3, placement)["junctions"]
    xy = shapely.get_coordinates(junctions.geometry.values)
    model = np.array([net3.get_node(n).coordinates for n in junctions.index])
    assert np.abs(placement.to_model(xy) - model).max() < 1e-8
    assert junctions.crs.to_string() == gis.UTM_48N


def test_every_demand_of_a_junction_is_a_column():
    """L-Town junctions have three demands each (residential, commercial, industrial)."""
    wn = _load("ltown_battledim")
    layers = gis.network_layers(wn)
    junctions = layers["junctions"]
    for k in (2, 3):
        assert {f"base_demand_{k}_m3s", f"demand_pattern_{k}"} <= set(junctions.columns)
    n1 = wn.get_node("n1").demand_timeseries_list
    row = junctions.loc["n1"]
    assert [row["base_demand_m3s"], row["base_demand_2_m3s"], row["base_demand_3_m3s"]] == [
        d.base_value for d in n1
    ]
    assert row["demand_pattern_3"] == "P-Industrial"
    assert list(layers["valves"]["valve_type"]) == ["PRV", "PRV", "PRV"]
    assert layers["valves"].loc["PRV-1", "initial_setting"] == pytest.approx(40.0)


def test_accepts_an_object_with_wn_and_refuses_others(net3):
    via_network = gis.network_layers(_Network(net3))
    assert via_network["junctions"].equals(gis.network_layers(net3)["junctions"])
    with pytest.raises(TypeError, match="WaterNetworkModel"):
        gis.network_layers("Net3.inp")


def test_layers_leave_the_model_unchanged(net3):
    before = wntr.network.to_dict(net3)
    gis.network_layers(net3)
    assert wntr.network.to_dict(net3) == before
