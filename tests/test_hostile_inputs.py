"""Deep YAML, damaged SQLite, control characters in ids, wrong CRS labels: clear words.

Each hostile input ends in a clear error (or a warning for a CRS label that cannot be
right), never a raw ``RecursionError``/``sqlite3.DatabaseError`` or a quiet data change.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import warnings
from datetime import datetime
from pathlib import Path

import pytest

import gis
import models
from application import DEMO_DIR, ScenarioFileError, open_network
from application.capacity_whatif import read_whatif as load_whatif
from application.cli import main
from application.files import MAX_YAML_DEPTH
from application.kinds import parse_uploaded_study
from benchmarks.networks import network_path
from planning.connections import ConnectionInputError, Ledger
from planning.shutdowns import OutageLog, OutageRecord, ShutdownInputError

# ---- item 7: deep YAML ------------------------------------------------------------------

DEEP = {
    "flow lists": "kind: network_run\nversion: 1\nnetwork: a.inp\nx: " + "[" * 400 + "]" * 400,
    "flow maps": "kind: network_run\nversion: 1\nx: " + "{a: " * 400 + "1" + "}" * 400,
    "block maps": "kind: network_run\nversion: 1\nx:\n"
                  + "".join("  " * i + f"k{i}:\n" for i in range(1, 400)),
    "block lists": "kind: network_run\nversion: 1\nx:\n"
                   + "".join("  " * i + "-\n" for i in range(1, 400)),
    "huge flow": "x: " + "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_yaml_is_a_clear_error_in_the_app_and_the_cli(name, tmp_path, capsys):
    text = DEEP[name]
    with pytest.raises(ScenarioFileError, match=f"nested deeper than {MAX_YAML_DEPTH}"):
        parse_uploaded_study("deep.yaml", text.encode())
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    assert main(["check", str(path)]) == 2
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("nested deeper than") == 2 and "Traceback" not in err


def test_nesting_within_the_limit_still_reads():
    text = "kind: network_run\nversion: 1\nnetwork: a.inp\nx: " + "{a: " * 40 \
        + "1" + "}" * 40
    with pytest.raises(ScenarioFileError) as info:  # read, then refused by the parser
        parse_uploaded_study("ok.yaml", text.encode())
    assert "unknown key" in str(info.value) and "nested" not in str(info.value)


def test_deep_inputs_to_the_other_clis(tmp_path, capsys):
    settings = tmp_path / "settings.yaml"
    settings.write_text("a: " + "[" * 1000 + "]" * 1000)
    assert main(["leakage", "assess", str(settings)]) == 2
    assert "nested deeper than" in capsys.readouterr().err
    whatif = tmp_path / "whatif.json"
    whatif.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        load_whatif(whatif)
    whatif.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        load_whatif(whatif)


# ---- item 7: damaged SQLite ---------------------------------------------------------------

def _damage_a_data_page(path: Path) -> None:
    """Overwrite the middle of the last page (table data, not the schema on page 1)."""
    db = sqlite3.connect(path)
    page = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    assert pages >= 3
    with open(path, "r+b") as fh:
        fh.seek((pages - 1) * page + 8)
        fh.write(b"\xff" * 64)


def _assert_unchanged(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before


def test_damaged_ledger_is_refused_in_words(tmp_path, capsys):
    path = tmp_path / "ledger.sqlite"
    shutil.copy(DEMO_DIR / "connections_ledger.sqlite", path)
    _damage_a_data_page(path)
    before = path.read_bytes()
    with pytest.raises(ConnectionInputError, match="is damaged .SQLite integrity check"):
        Ledger(path)
    _assert_unchanged(path, before)
    # through a study: the CLI names the key and exits 2
    study = tmp_path / "apps.yaml"
    shutil.copy(DEMO_DIR / "ctown_batadal.inp", tmp_path)
    shutil.copy(DEMO_DIR / "placement.yaml", tmp_path)
    study.write_text((DEMO_DIR / "connection_applications.yaml").read_text()
                     .replace("connections_ledger.sqlite", "ledger.sqlite"))
    assert main(["run", str(study), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "key 'ledger'" in err and "damaged" in err and "Traceback" not in err


def test_damaged_outage_log_is_refused_in_words(tmp_path):
    path = tmp_path / "outages.sqlite"
    with OutageLog(path) as log:
        log.add_many([OutageRecord("planned", datetime(2025, 1, 1, h % 24),
                                   datetime(2025, 1, 2, h % 24), customers=10 + h,
                                   area="x" * 300) for h in range(200)])
    _damage_a_data_page(path)
    before = path.read_bytes()
    with pytest.raises(ShutdownInputError, match="is damaged .SQLite integrity check"):
        OutageLog(path)
    _assert_unchanged(path, before)


def test_sound_sqlite_files_still_open(tmp_path):
    path = tmp_path / "ledger.sqlite"
    shutil.copy(DEMO_DIR / "connections_ledger.sqlite", path)
    with Ledger(path) as ledger:
        assert len(ledger) > 0
    with OutageLog(tmp_path / "new.sqlite") as log:
        assert len(log) == 0


# ---- item 8: control characters in INP ids -----------------------------------------------

@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x1b", "\x7f"])
@pytest.mark.parametrize("where", ["junction", "pipe", "pattern"])
def test_control_characters_in_ids_are_refused_naming_the_line(tmp_path, char, where):
    junction = f"J{char}A" if where == "junction" else "JA"
    pipe = f"P{char}1" if where == "pipe" else "P1"
    pattern = f"PAT{char}" if where == "pattern" else "PAT"
    text = ("[JUNCTIONS]\n"
            f"{junction} 0 1\nJB 0 1\n"
            "[RESERVOIRS]\nR 10\n"
            "[PIPES]\n"
            f"{pipe} R {junction} 10 100 100 0 Open\nP2 {junction} JB 10 100 100 0 Open\n"
            f"[PATTERNS]\n{pattern} 1 1\n[END]\n")
    path = tmp_path / "ctl.inp"
    path.write_bytes(text.encode("utf-8"))
    line = {"junction": 2, "pipe": 7, "pattern": 10}[where]
    with pytest.raises(models.NetworkInputError) as info:
        models.load_network(path)
    assert info.value.line == line
    assert f"U+{ord(char):04X}" in str(info.value) and "printable" in str(info.value)


def test_nul_ids_no_longer_collapse_in_geopackages(tmp_path):
    """The issue's case: J\\0A and J\\0B would both become J in a GeoPackage."""
    path = tmp_path / "nul.inp"
    path.write_bytes(b"[JUNCTIONS]\nJ\x00A 0 0\nJ\x00B 0 0\n[RESERVOIRS]\nR 10\n[PIPES]\n"
                     b"P1 R J\x00A 10 100 100 0 Open\nP2 J\x00A J\x00B 10 100 100 0 Open\n[END]\n")
    with pytest.raises(models.NetworkInputError, match="line 2 .JUNCTIONS.: node ID"):
        models.load_network(path)


# ---- item 8: CRS labels that cannot be right ----------------------------------------------

def _net1_layers():
    net = models.load_network(network_path("Net1"))
    placement = gis.kunming_placement(net)
    return net, placement, gis.network_layers(net, placement)


def _relabelled(layers, crs_from: str, crs_to: str):
    return {k: v.to_crs(crs_from).set_crs(crs_to, allow_override=True)
            for k, v in layers.items()}


def test_degrees_labelled_as_gauss_kruger_warn(tmp_path):
    net, placement, layers = _net1_layers()
    wrong = _relabelled(layers, "EPSG:4326", "EPSG:4543")  # degrees, label says metres
    with pytest.warns(gis.CrsWarning, match=r"junctions: coordinates .* outside the area where "
                      r"EPSG:4543 is used.*look like longitudes and latitudes"):
        gis.model_from_layers(wrong, base=net)
    gis.write_layers(wrong, tmp_path / "wrong.gpkg")
    with pytest.warns(gis.CrsWarning):
        gis.read_geopackage(tmp_path / "wrong.gpkg", base=net)
    # opened as a study network (no stored model: no patterns or curves to refer to), the
    # warning is kept with the network's notes
    plain = {k: v.drop(columns=[c for c in v.columns if c.endswith("pattern")])
             for k, v in wrong.items() if k in ("junctions", "reservoirs", "tanks", "pipes")}
    gis.write_layers(plain, tmp_path / "wrong.gpkg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gis.CrsWarning)
        opened = open_network(tmp_path / "wrong.gpkg")
    assert any("EPSG:4543 is used" in w for w in opened.net.warnings)


def test_metres_labelled_as_degrees_warn():
    net, _, layers = _net1_layers()
    wrong = {k: v.set_crs("EPSG:4326", allow_override=True) for k, v in layers.items()}
    with pytest.warns(gis.CrsWarning, match="are not longitudes and latitudes"):
        gis.model_from_layers(wrong, base=net)


def test_right_labels_do_not_warn():
    net, _, layers = _net1_layers()
    with warnings.catch_warnings():
        warnings.simplefilter("error", gis.CrsWarning)
        for crs in ("EPSG:4543", "EPSG:4326", "EPSG:32648"):
            gis.model_from_layers({k: v.to_crs(crs) for k, v in layers.items()}, base=net)


def test_planning_gis_inputs_warn_too(tmp_path):
    from planning.inputfiles import read_gis_layers

    _, _, layers = _net1_layers()
    wrong = _relabelled({"junctions": layers["junctions"]}, "EPSG:4326", "EPSG:4543")
    gis.write_layers(wrong, tmp_path / "customers.gpkg")
    with pytest.warns(gis.CrsWarning, match="customers.gpkg:junctions"):
        read_gis_layers(tmp_path / "customers.gpkg")


def test_manifest_json_is_plain(tmp_path):
    """Sanity: the run manifest is plain JSON a clerk's tools read (no NaN, no objects)."""
    out = tmp_path / "out"
    assert main(["run", str(DEMO_DIR / "network_run.yaml"), "--out", str(out), "--quiet"]) == 0
    json.loads((out / "manifest.json").read_text(), parse_constant=pytest.fail)
