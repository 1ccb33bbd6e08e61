"""Leakage settings per network, zone and pipe: code, CSV, GeoPackage, validation, INP round trip."""

from __future__ import annotations

import pandas as pd
import pytest

import gis
import models
from benchmarks.networks import network_path
from planning.leakage import (
    UNZONED,
    LeakageInputError,
    LeakageRule,
    apply_leakage,
    read_leakage_rules,
    read_zones,
    uniform_leakage,
    zones_from_boundaries,
    zones_from_nodes,
    zones_from_pipes,
)

AREA, EXP = "leak_area_mm2_per_100m", "leak_expansion_mm2_per_m"
# Net1: pump 9 from reservoir 9 to junction 10; tank 2 on pipe 110.
ZONE_OF = {"10": "A", "11": "A", "12": "A", "13": "A", "2": "A",
           "21": "B", "22": "B", "23": "B", "31": "B", "32": "B"}


@pytest.fixture(scope="module")
def net1():
    return models.load_network(network_path("Net1"))


@pytest.fixture(scope="module")
def zones(net1):
    return zones_from_nodes(net1, ZONE_OF)


def test_zones_from_nodes_pipes_and_boundaries(net1, zones):
    assert zones.names == ["A", "B", UNZONED]                      # reservoir 9 has none
    assert zones.node_zone["9"] == UNZONED
    assert zones.pipe_zone["111"] == "A"                            # 11 (A) -> 21 (B): start
    assert zones.pipe_zone["21"] == "B"
    from_pipes = zones_from_pipes(net1, zones.pipe_zone[zones.pipe_zone != UNZONED])
    assert from_pipes.node_zone["21"] == "B" and from_pipes.node_zone["10"] == "A"
    cut = zones_from_boundaries(net1, ["111", "112", "113"], names={"21": "B", "11": "A"})
    assert set(cut.nodes("B")) == {"21", "22", "23", "31", "32"}
    assert "9" in cut.nodes("A")
    with pytest.raises(LeakageInputError, match="unknown node 'J99'"):
        zones_from_nodes(net1, {"J99": "A"})


def test_rules_in_code_precedence(net1, zones):
    before = net1.pipe_leakage.copy()
    out = apply_leakage(net1, [LeakageRule(1.0, 0.01),
                               LeakageRule(2.0, 0.02, zone="B"),
                               LeakageRule(5.0, pipe="31")], zones)
    table = out.pipe_leakage
    assert table.loc["10", AREA] == 1.0 and table.loc["10", EXP] == 0.01
    assert table.loc["21", AREA] == 2.0 and table.loc["122", EXP] == 0.02
    assert table.loc["31", AREA] == 5.0 and table.loc["31", EXP] == 0.0
    assert len(table) == len(net1.wn.pipe_name_list)
    pd.testing.assert_frame_equal(net1.pipe_leakage, before)       # input untouched
    assert out.wn is not net1.wn


def test_zero_rule_removes_leakage_and_replace(net1, zones):
    leaky = uniform_leakage(net1, 3.0, 0.0)
    out = apply_leakage(leaky, [LeakageRule(0.0, 0.0, zone="A")], zones)
    assert set(out.pipe_leakage.index) == set(zones.pipes("B"))
    only = apply_leakage(leaky, [LeakageRule(1.0, pipe="10")], replace=True)
    assert list(only.pipe_leakage.index) == ["10"]


def test_round_trip_through_inp(net1, zones, tmp_path):
    out = apply_leakage(net1, [LeakageRule(1.5, 0.03), LeakageRule(4.0, 0.1, zone="B")],
                        zones)
    path = tmp_path / "net1_leaky.inp"
    models.write_inp(out, path)
    back = models.load_network(path)
    pd.testing.assert_frame_equal(back.pipe_leakage.sort_index(),
                                  out.pipe_leakage.sort_index(), rtol=1e-12, atol=0)


GOOD_CSV = """pipe,zone,leak_area_mm2_per_100m,leak_expansion_mm2_per_m,note
,,1.0,0.01,network default
,B,2.0,,zone B is older
31,,5.0,0.05,known bad pipe
"""


def test_csv_rules(net1, zones, tmp_path):
    path = tmp_path / "leakage.csv"
    path.write_text(GOOD_CSV)
    rules = read_leakage_rules(path)
    assert [r.level for r in rules] == ["network", "zone", "pipe"]
    assert [r.row for r in rules] == [1, 2, 3]
    out = apply_leakage(net1, rules, zones)
    assert out.pipe_leakage.loc["22", EXP] == 0.0                   # empty expansion = 0
    assert out.pipe_leakage.loc["31", AREA] == 5.0


@pytest.mark.parametrize("row3, field, words", [
    ("P404,,1,0", "pipe", "'P404' is not a pipe"),
    ("9,,1,0", "pipe", "a pump or valve"),
    (",DMA9,1,0", "zone", "unknown zone 'DMA9'"),
    ("31,,-1,0", "leak_area_mm2_per_100m", "negative"),
    ("31,,1,lots", "leak_expansion_mm2_per_m", "'lots' is not a number"),
    ("31,,,0.1", "leak_area_mm2_per_100m", "is empty"),
    ("31,B,1,0", "zone", "not both"),
    (",B,1,0", "zone", "set twice (first at row 2)"),
])
def test_csv_bad_row_is_named_and_nothing_applied(net1, zones, tmp_path, row3, field, words):
    path = tmp_path / "leakage.csv"
    lines = GOOD_CSV.splitlines()
    path.write_text("\n".join([lines[0].replace(",note", ""), ",,1.0,0.01", ",B,2.0,",
                               row3]) + "\n")
    before = net1.pipe_leakage.copy()
    with pytest.raises(LeakageInputError) as err:
        apply_leakage(net1, read_leakage_rules(path), zones)
    assert err.value.row == 3 and err.value.field == field
    assert f"leakage.csv, row 3 (line 4), field '{field}'" in str(err.value)
    assert words in str(err.value)
    pd.testing.assert_frame_equal(net1.pipe_leakage, before)


def test_csv_unknown_column(tmp_path):
    path = tmp_path / "leakage.csv"
    path.write_text("pipe,leak_area,leak_expansion_mm2_per_m\n10,1,0\n")
    with pytest.raises(LeakageInputError, match="unknown column"):
        read_leakage_rules(path)


def test_geopackage_tables(net1, zones, tmp_path):
    table = pd.DataFrame({"pipe": ["", "31"], "zone": ["B", ""], AREA: [2.0, 7.0],
                          EXP: [0.02, None]})
    path = tmp_path / "rules.gpkg"
    gis.write_layers({"leakage": table}, path)
    rules = read_leakage_rules(path)
    out = apply_leakage(net1, rules, zones)
    assert out.pipe_leakage.loc["31", AREA] == 7.0 and out.pipe_leakage.loc["21", AREA] == 2.0
    # the pipes layer of the network's own GeoPackage, with leakage columns and a zone
    layers = gis.network_layers(net1)
    pipes = layers["pipes"].copy()
    pipes[AREA] = [1.0 if n in ("10", "11") else None for n in pipes.index]
    pipes[EXP] = [0.5 if n == "11" else None for n in pipes.index]
    pipes["zone"] = [zones.pipe_zone[n] for n in pipes.index]
    net_path = tmp_path / "net1.gpkg"
    gis.write_layers({"pipes": pipes}, net_path)
    out = apply_leakage(net1, read_leakage_rules(net_path))
    assert dict(out.pipe_leakage[EXP]) == {"10": 0.0, "11": 0.5}
    from_file = read_zones(net1, net_path)
    assert from_file.node_zone["21"] == "B"
    pipes.loc["11", AREA] = -2.0
    gis.write_layers({"pipes": pipes}, net_path)
    with pytest.raises(LeakageInputError, match="layer 'pipes', row 2, field"):
        read_leakage_rules(net_path)


def test_zone_csv(net1, tmp_path):
    path = tmp_path / "zones.csv"
    path.write_text("node,zone\n10,A\n21,B\nJX,B\n")
    with pytest.raises(LeakageInputError, match=r"zones.csv, row 3 \(line 4\), field 'node'"):
        read_zones(net1, path)
    path.write_text("node,zone\n10,A\n21,B\n")
    assert read_zones(net1, path).node_zone["21"] == "B"


def test_shipped_ltown_examples():
    from planning.leakage import LTOWN_NETWORK, ltown_zones

    folder = LTOWN_NETWORK.parent
    net = models.load_network(LTOWN_NETWORK)
    zones = read_zones(net, folder / "ltown_zones.csv")
    assert zones.node_zone.equals(ltown_zones(net).node_zone)
    out = apply_leakage(net, read_leakage_rules(folder / "ltown_leakage_settings.csv"), zones)
    table = out.pipe_leakage
    assert len(table) == len(net.wn.pipe_name_list)
    assert table.loc["p257", AREA] == 5.0
    c_pipe = zones.pipes("C")[0]
    assert table.loc[c_pipe, AREA] == 2.0
