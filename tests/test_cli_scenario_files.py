"""Study files: round trips, safe parsing, errors that name the key, atomic writes."""

from __future__ import annotations

import os

import pytest

import gis
import models
from application import (
    DEMO_DIR,
    DEMO_NETWORK,
    DEMO_PLACEMENT,
    KINDS,
    ScenarioFileError,
    Study,
    atomic_write_bytes,
    build_study,
    dump_study,
    load_study,
    read_placement,
    write_study,
)
from application.files import MAX_STUDY_BYTES, parse_study
from application.kinds import PARSERS, plain

EXAMPLES = sorted(p for p in DEMO_DIR.glob("*.yaml") if p != DEMO_PLACEMENT)


def _parse(text: str) -> Study:
    return parse_study(text, PARSERS, source="t.yaml", folder=DEMO_DIR)


def _error(text: str) -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as info:
        _parse(text)
    return info.value


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_round_trips(path, tmp_path):
    study = load_study(path)
    assert study.kind in KINDS and study.version == KINDS[study.kind].version
    copy = tmp_path / path.name
    write_study(study, copy, header="copied")
    again = load_study(copy)
    assert again.body == study.body and again.name == study.name
    assert copy.read_text().startswith("# copied\nkind: ")


def test_every_kind_has_an_example():
    assert {load_study(p).kind for p in EXAMPLES} == set(KINDS)


def test_pending_examples_are_marked():
    for path in EXAMPLES:
        study = load_study(path)
        assert study.example == (study.kind not in ("network_run", "capacity_whatif"))


@pytest.mark.parametrize("text,where,problem", [
    ("kind: network_run\n", "key 'version'", "missing (required)"),
    ("kind: network_run\nversion: 9\nnetwork: a.inp\n", "key 'version'", "newer than"),
    ("kind: network_run\nversion: 1\nnetwork: a.inp\nduraton_h: 3\n", "key 'duraton_h'",
     "unknown key"),
    ("kind: network_run\nversion: 1\nnetwork: a.txt\n", "key 'network'", ".inp or .gpkg"),
    ("kind: capacity_whatif\nversion: 1\nwhatif: {cancel: [1.5]}\n", "key 'whatif.cancel[0]'",
     "must be text"),
    ("kind: capacity_whatif\nversion: 1\nwhatif: {delay_years: {X: -1}}\n",
     "key 'whatif.delay_years.X'", ">= 0"),
    ("kind: capacity_whatif\nversion: 1\nyears: [2030, 2020]\nwhatif: {}\n", "key 'years'",
     "in order"),
    ("kind: connection_applications\nversion: 1\napplications:\n  - {application_id: A,"
     " customer_class: shop, node: J1, demand_l_s: 1, meter_dn: 25}\n",
     "key 'applications[0].customer_class'", "'shop' is not one of"),
    ("kind: connection_applications\nversion: 1\napplications:\n  - {application_id: A,"
     " customer_class: public, node: J1, x_m: 1, y_m: 2, demand_l_s: 1, meter_dn: 25}\n",
     "key 'applications[0].node'", "either node or both"),
    ("kind: shutdown_jobs\nversion: 1\npolicy: {notice_h: 12}\njobs: [{job_id: a, pipe: P1,"
     " duration_h: 2}]\n", "key 'policy.notice_h'", "24 h notice"),
    ("kind: leakage_settings\nversion: 1\nperiod: 2025-Q1\nsupplied_m3: 10\nregistered_m3: 20\n"
     "household_metered_share: 0.5\ndn75_length_km: 1\nmean_outlet_pressure_mpa: 0.3\n",
     "key 'registered_m3'", "larger than supplied_m3"),
])
def test_errors_name_the_key(text, where, problem):
    message = str(_error(text))
    assert message.startswith("t.yaml")
    assert where in message and problem in message


def test_syntax_error_names_the_line():
    err = _error("kind: network_run\nversion: 1\nnetwork: [a.inp\n")
    assert err.line is not None and f"line {err.line}" in str(err)


def test_aliases_are_refused():
    err = _error("kind: network_run\nversion: 1\nnetwork: &n a.inp\nplacement: *n\n")
    assert "aliases" in str(err)


def test_nothing_is_constructed_from_tags():
    err = _error("kind: !!python/object/apply:os.system ['echo hi']\nversion: 1\n")
    assert "not valid YAML" in str(err)


def test_size_and_encoding_limits():
    assert "limit" in str(_error_bytes(b"#" * (MAX_STUDY_BYTES + 1)))
    assert "not UTF-8" in str(_error_bytes(b"kind: \xff\xfe\n"))
    assert "mapping" in str(_error("- just\n- a list\n"))


def _error_bytes(data: bytes) -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as info:
        parse_study(data, PARSERS, source="t.yaml")
    return info.value


def test_build_study_checks_page_inputs_like_a_file():
    study = build_study("leakage_settings", "Q", {
        "period": "2025-Q1", "supplied_m3": 100.0, "registered_m3": 90.0,
        "household_metered_share": 0.5, "dn75_length_km": 3.0,
        "mean_outlet_pressure_mpa": 0.3, "billed_m3": float("nan")})
    assert "billed_m3" not in study.body  # empty table cells are dropped
    assert _parse(dump_study(study)).body == study.body
    with pytest.raises(ScenarioFileError, match="<inputs>, key 'period'"):
        build_study("leakage_settings", "Q", {"supplied_m3": 1.0})


def test_plain_turns_table_cells_into_data():
    import numpy as np
    import pandas as pd

    assert plain({"a": np.int64(3), "b": np.nan, "c": pd.NA, "d": [np.bool_(True), " "]}) == \
        {"a": 3, "d": [True, None]}


def test_atomic_write_keeps_the_old_file_when_replacing_fails(tmp_path, monkeypatch):
    target = tmp_path / "study.yaml"
    target.write_text("old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml"]


def test_demo_placement_puts_the_network_on_kunming():
    net = models.load_network(DEMO_NETWORK)
    placement = read_placement(DEMO_PLACEMENT, net)
    assert placement.crs == "EPSG:4543" and placement.rotation_deg == 0.0
    centre = gis.to_web(gis.node_result_layer(net, net.wn.query_node_attribute("elevation"),
                                              "elevation_m", placement)).geometry
    assert abs(centre.x.mean() - 102.70) < 0.01 and abs(centre.y.mean() - 25.04) < 0.01


def test_placement_errors_name_the_key(tmp_path):
    net = models.load_network(DEMO_NETWORK)
    path = tmp_path / "p.yaml"
    path.write_text("kind: placement\nversion: 1\ncrs: EPSG:4326\norigin_x_m: 0\norigin_y_m: 0\n")
    with pytest.raises(ScenarioFileError, match="key 'crs'.*not a projected CRS"):
        read_placement(path, net)
    path.write_text("kind: placement\nversion: 1\nlon_deg: 102.7\n")
    with pytest.raises(ScenarioFileError, match="key 'lat_deg': missing"):
        read_placement(path, net)


def test_demo_runs_without_shared_or_test_data():
    assert DEMO_NETWORK.parent == DEMO_DIR and (DEMO_DIR / "ATTRIBUTION.md").exists()
    assert "CC BY 4.0" in (DEMO_DIR / "ATTRIBUTION.md").read_text()
    study = load_study(DEMO_DIR / "network_run.yaml")
    assert study.resolve(study.body["network"]) == DEMO_NETWORK
