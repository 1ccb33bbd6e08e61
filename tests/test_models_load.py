"""Loading valid EPANET files, including syntax WNTR 1.5 cannot read or misreads, and
writing them back."""

from __future__ import annotations

import pytest
import wntr
from wntr.network.controls import SimTimeCondition, TimeOfDayCondition

from benchmarks.networks import LOCAL, WNTR_LIBRARY, WNTR_NETWORKS, available, network_path
from models import Network, load_network, write_inp

NETWORKS = available(WNTR_NETWORKS + LOCAL)
NET1 = WNTR_LIBRARY / "Net1.inp"


def net1_with(tmp_path, first_words: str, new: str, name: str = "net.inp"):
    """Net1 with the first line whose fields start with ``first_words`` replaced."""
    lines = NET1.read_text().splitlines()
    words = first_words.split()
    index = next(i for i, line in enumerate(lines) if line.split()[: len(words)] == words)
    lines[index] = new
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def net1_plus(tmp_path, before: str, new: list[str]):
    """Net1 with lines inserted before the line ``before``."""
    lines = NET1.read_text().splitlines()
    index = lines.index(before)
    lines[index:index] = new
    path = tmp_path / "net.inp"
    path.write_text("\n".join(lines) + "\n")
    return path


def time_conditions(condition) -> list:
    """All time conditions inside a (possibly compound) rule condition."""
    found = []
    if isinstance(condition, (TimeOfDayCondition, SimTimeCondition)):
        found.append(condition)
    for part in ("_condition_1", "_condition_2"):
        if hasattr(condition, part):
            found += time_conditions(getattr(condition, part))
    return found


@pytest.mark.parametrize("name", NETWORKS)
def test_benchmark_networks_load(name):
    net = load_network(network_path(name))
    assert isinstance(net, Network)
    assert net.path == network_path(name)
    assert net.wn.num_nodes > 0 and net.wn.num_links > 0
    assert net.wn.num_reservoirs + net.wn.num_tanks > 0
    assert list(net.pipe_leakage.columns) == ["leak_area_mm2_per_100m", "leak_expansion_mm2_per_m"]
    assert all(isinstance(w, str) for w in net.warnings)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", [n for n in NETWORKS if n != "micropolis_v1"])
def test_same_model_as_wntr_where_wntr_can_read(name):
    ours = load_network(network_path(name)).wn
    theirs = wntr.network.WaterNetworkModel(str(network_path(name)))
    assert sorted(ours.node_name_list) == sorted(theirs.node_name_list)
    assert sorted(ours.link_name_list) == sorted(theirs.link_name_list)
    assert len(list(ours.controls())) == len(list(theirs.controls()))
    pipe = ours.pipe_name_list[0]
    assert ours.get_link(pipe).length == theirs.get_link(pipe).length


def test_micropolis_clock_time_rules_have_epanet_thresholds():
    # WNTR alone fails on "IF SYSTEM CLOCKTIME >= 6 AM"; EPANET means 6:00 and 20:00.
    net = load_network(network_path("micropolis_v1"))
    rule = net.wn.get_control("1")
    thresholds = sorted(c._threshold for c in time_conditions(rule._condition))
    assert thresholds == [6 * 3600, 20 * 3600]
    assert len(list(net.wn.controls())) == 7


@pytest.mark.parametrize(
    ("clock", "seconds"),
    [("6 AM", 21600), ("8 PM", 72000), ("12 AM", 0), ("12 PM", 43200), ("12:30 AM", 1800),
     ("6:30 PM", 66600), ("18:00", 64800), ("7.5", 27000), ("6:30:15 AM", 23415)],
)  # fmt: skip
def test_rule_clock_time_follows_epanet_hour_rules(tmp_path, clock, seconds):
    path = net1_plus(tmp_path, "[ENERGY]", [
        "RULE R1", f"IF SYSTEM CLOCKTIME >= {clock}", "THEN PUMP 9 STATUS IS OPEN",
    ])  # fmt: skip
    rule = load_network(path).wn.get_control("R1")
    (condition,) = time_conditions(rule._condition)
    assert isinstance(condition, TimeOfDayCondition)
    assert condition._threshold == seconds


def test_rule_system_time_with_units(tmp_path):
    path = net1_plus(tmp_path, "[ENERGY]", [
        "RULE R1", "IF SYSTEM TIME = 90 MIN", "THEN PUMP 9 STATUS IS CLOSED", "PRIORITY 2",
    ])  # fmt: skip
    rule = load_network(path).wn.get_control("R1")
    (condition,) = time_conditions(rule._condition)
    assert isinstance(condition, SimTimeCondition)
    assert condition._threshold == 5400


def test_rule_with_abbreviated_epanet_words(tmp_path):
    path = net1_plus(tmp_path, "[ENERGY]", [
        "RULE R1", "IF JUNC 11 PRESSURE BELOW 20", "OR TANK 2 GRADE ABOVE 990",
        "THEN PUMP 9 STATUS IS OPEN", "ELSE PUMP 9 STATUS IS CLOSED",
    ])  # fmt: skip
    rule = load_network(path).wn.get_control("R1")
    assert len(rule._then_actions) == 1 and len(rule._else_actions) == 1


@pytest.mark.parametrize(
    ("control", "seconds"),
    [("LINK 9 OPEN AT TIME 90 MIN", 5400), ("LINK 9 OPEN AT TIME 2.5", 9000),
     ("LINK 9 OPEN AT CLOCKTIME 6:30 PM", 66600), ("LINK 9 OPEN AT CLOCKTIME 12 AM", 0)],
)  # fmt: skip
def test_timed_controls(tmp_path, control, seconds):
    path = net1_with(tmp_path, "LINK 9 OPEN IF NODE 2 BELOW 110", control)
    controls = [c for _, c in load_network(path).wn.controls()]
    timed = [
        c for c in controls if isinstance(c._condition, (SimTimeCondition, TimeOfDayCondition))
    ]
    assert [c._condition._threshold for c in timed] == [seconds]


@pytest.mark.parametrize(
    ("old", "new", "attribute", "seconds"),
    [("Hydraulic Timestep", "Hydraulic Timestep 15 MIN", "hydraulic_timestep", 900),
     ("Duration", "Duration 2 DAYS", "duration", 172800),
     ("Duration", "Dura 36", "duration", 129600),
     ("Start ClockTime", "Start ClockTime 12:30 PM", "start_clocktime", 45000),
     ("Start ClockTime", "Start ClockTime 1:15 AM", "start_clocktime", 4500),
     ("Pattern Timestep", "Pattern Timestep 0:30", "pattern_timestep", 1800)],
)  # fmt: skip
def test_times_with_units_and_clock_times(tmp_path, old, new, attribute, seconds):
    # WNTR alone reads "15 MIN" as 15 hours and "12:30 PM" as 00:30.
    path = net1_with(tmp_path, old, new)
    assert getattr(load_network(path).wn.options.time, attribute) == seconds


def test_pipe_status_in_seventh_field(tmp_path):
    # EPANET reads a 7th field as a status word or a minor loss; WNTR only as a loss.
    path = net1_with(tmp_path, "110 2 12", " 110 2 12 200 18 100 CV")
    pipe = load_network(path).wn.get_link("110")
    assert pipe.check_valve and pipe.minor_loss == 0


def test_valve_without_setting_defaults_to_zero(tmp_path):
    path = net1_plus(tmp_path, "[TAGS]", [" V1 12 22 10 TCV"])
    assert load_network(path).wn.get_link("V1").initial_setting == 0


def test_missing_units_option_means_gpm(tmp_path):
    path = net1_with(tmp_path, "Units GPM", "")
    net = load_network(path)
    assert net.wn.get_link("10").length == pytest.approx(10530 * 0.3048)


def test_lines_epanet_ignores_are_dropped_with_a_warning(tmp_path):
    # An emitter on the reservoir, coordinates of a node that does not exist.
    path = net1_plus(tmp_path, "[QUALITY]", [" 9 0.5", "[COORDINATES]", " NOPE 1 2"])
    net = load_network(path)
    assert any("emitter on reservoir '9'" in w for w in net.warnings)
    assert any("unknown node 'NOPE'" in w and "line" in w for w in net.warnings)


def test_unsupported_option_is_dropped_with_a_warning(tmp_path):
    path = net1_plus(tmp_path, "[COORDINATES]", ["[OPTIONS]", " BACKFLOW ALLOWED NO"])
    net = load_network(path)
    assert any("BACKFLOW ALLOWED" in w for w in net.warnings)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-le"])
def test_encodings(tmp_path, encoding):
    text = NET1.read_text().replace("EPANET Example Network 1", "Réseau d'exemple")
    path = tmp_path / "net.inp"
    path.write_bytes(text.encode(encoding))
    net = load_network(path)
    assert net.wn.title[0].strip() == "Réseau d'exemple"


def test_forced_encoding_reads_chinese_ids(tmp_path):
    text = NET1.read_text().replace(" 32  ", " 水厂 ").replace("\t32 ", "\t水厂 ")
    path = tmp_path / "net.inp"
    path.write_bytes(text.encode("gb18030"))
    assert "水厂" in load_network(path, encoding="gb18030").wn.node_name_list


def test_gbk_file_is_recognised_and_noted(tmp_path):
    """Chinese-locale EPANET writes GBK: names come back right without being told."""
    text = NET1.read_text().replace(" 32  ", " 水厂 ").replace("\t32 ", "\t水厂 ")
    text = text.replace("EPANET Example Network 1", "昆明 示例管网")
    path = tmp_path / "net.inp"
    path.write_bytes(text.encode("gbk"))
    net = load_network(path)
    assert "水厂" in net.wn.node_name_list and "32" not in net.wn.node_name_list
    assert net.wn.title[0].strip() == "昆明 示例管网"
    assert any("GB18030" in w for w in net.warnings)
    # UTF-8 gets no note
    path.write_bytes(text.encode("utf-8"))
    assert not any("GB18030" in w or "LATIN-1" in w for w in load_network(path).warnings)


def test_latin1_accents_are_not_taken_for_gbk(tmp_path):
    text = NET1.read_text().replace("EPANET Example Network 1", "Réseau Café à Genève")
    path = tmp_path / "net.inp"
    path.write_bytes(text.encode("latin-1"))
    net = load_network(path)
    assert net.wn.title[0].strip() == "Réseau Café à Genève"
    assert any("LATIN-1" in w for w in net.warnings)


def test_copy_is_deep():
    net = load_network(NET1)
    twin = net.copy()
    twin.wn.get_node("10").elevation = 1.0
    twin.warnings.append("edited")
    twin.pipe_leakage.loc["10"] = [1.0, 0.1]
    assert net.wn.get_node("10").elevation != 1.0
    assert "edited" not in net.warnings and len(net.pipe_leakage) == 0
    assert twin.path == net.path


def test_from_wn():
    wn = wntr.network.WaterNetworkModel(str(NET1))
    net = Network.from_wn(wn)
    assert net.wn is wn and net.path is None and net.warnings == []
    assert len(net.pipe_leakage) == 0 and net.pipe_leakage.index.name == "pipe"


@pytest.mark.parametrize("name", NETWORKS)
def test_write_then_load_round_trips(tmp_path, name):
    net = load_network(network_path(name))
    again = load_network(write_inp(net, tmp_path / f"{name}.inp"))
    assert sorted(again.wn.node_name_list) == sorted(net.wn.node_name_list)
    assert sorted(again.wn.link_name_list) == sorted(net.wn.link_name_list)
    ours = {n: str(c) for n, c in net.wn.controls()}
    theirs = {n: str(c) for n, c in again.wn.controls()}
    assert theirs == ours
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.inp"]  # no temp file left


def test_write_replaces_existing_file(tmp_path):
    target = tmp_path / "net.inp"
    target.write_text("old")
    net = load_network(NET1)
    assert write_inp(net, target) == target
    assert load_network(target).wn.num_nodes == net.wn.num_nodes


def test_headers_with_comments_and_singular_names(tmp_path):
    # EPANET drops the comment before matching a header; WNTR also accepts a missing S.
    path = net1_with(tmp_path, "[PIPES]", "[PIPE] ; the mains")
    assert load_network(path).wn.num_pipes == 12


def test_extra_fields_are_ignored_as_epanet_does(tmp_path):
    path = net1_with(tmp_path, "122 22 32", " 122 22 32 5280 6 100 0 Closed extra1 extra2")
    net = load_network(path)
    assert net.wn.get_link("122").initial_status.name == "Closed"
    assert any("the 2 after them are ignored" in w for w in net.warnings)
