"""``python -m planning``: run saved studies headless; bad, unknown and pending kinds exit 2.

Connection and leakage studies: tests/test_cli_connections_leakage.py; shutdown studies:
tests/test_cli_shutdowns.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio

from application import DEMO_DIR
from application.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_network_run_writes_tables_layers_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(DEMO_DIR / "network_run.yaml"), "--out", str(out)]) == 0
    assert "6 files written" in capsys.readouterr().out
    pressure = pd.read_csv(out / "pressure_m.csv")
    assert pressure["time_s"].iloc[-1] == 24 * 3600  # duration_h: 24 in the study
    assert pressure.shape[1] == 1 + 396
    nodes = pd.read_csv(out / "node_pressure.csv")
    assert {"min_pressure_m", "hours_below_service", "node_type"} <= set(nodes.columns)
    layers = dict(pyogrio.list_layers(out / "network_pressure.gpkg"))
    assert layers["pressure"] == "Point" and layers["pipes"] == "LineString"
    pressure_layer = pyogrio.read_dataframe(out / "network_pressure.gpkg", layer="pressure")
    assert pressure_layer.crs.to_epsg() == 4543 and len(pressure_layer) == 396
    for png in ("pressure_map.png", "min_pressure.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob(".*tmp*"))  # atomic writes leave no temp files


def test_capacity_whatif_writes_the_review_with_the_whatif(tmp_path):
    out = tmp_path / "late"
    assert main(["run", str(DEMO_DIR / "capacity_whatif.yaml"), "--out", str(out),
                 "--quiet"]) == 0
    base = pd.read_csv(out / "gap_table.csv")
    late = pd.read_csv(out / "gap_table_whatif.csv")
    city = "New treatment capacity 2021-2025, city"
    # The Jinning plant (D-2025-02) slips out of 2025: the city projection drops.
    assert (late.loc[late["label"] == city, "projected"].item()
            < base.loc[base["label"] == city, "projected"].item())
    assert (out / "trajectory_reuse_rate_whatif.png").exists()


def test_unknown_kind_exits_2_naming_the_key(tmp_path, capsys):
    study = tmp_path / "odd.yaml"
    study.write_text("kind: rainfall\nversion: 1\n")
    assert main(["run", str(study), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "odd.yaml" in err and "key 'kind'" in err and "unknown kind 'rainfall'" in err
    assert "network_run" in err  # lists the known kinds


def test_every_kind_runs(capsys):
    """Every study kind has a runner (no kind is a file format only); ``kinds`` lists them."""
    from application import KINDS

    assert all(callable(kind.runner) for kind in KINDS.values())
    assert main(["kinds"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in KINDS)


def test_bad_value_exits_2_naming_the_key(tmp_path, capsys):
    study = tmp_path / "bad.yaml"
    study.write_text("kind: network_run\nversion: 1\nnetwork: x.inp\nduration_h: soon\n")
    assert main(["run", str(study), "--out", str(tmp_path / "o")]) == 2
    assert "bad.yaml, key 'duration_h': must be a number, got text" in capsys.readouterr().err


def test_missing_network_exits_2(tmp_path, capsys):
    study = tmp_path / "gone.yaml"
    study.write_text("kind: network_run\nversion: 1\nnetwork: nowhere.inp\n")
    assert main(["run", str(study), "--out", str(tmp_path / "o")]) == 2
    assert "network file not found" in capsys.readouterr().err


def test_bad_network_exits_2_naming_the_line(tmp_path, capsys):
    (tmp_path / "net.inp").write_text("[JUNCTIONS]\nJ1 10 oops\n[END]\n")
    study = tmp_path / "s.yaml"
    study.write_text("kind: network_run\nversion: 1\nnetwork: net.inp\n")
    assert main(["run", str(study), "--out", str(tmp_path / "o")]) == 2
    assert "net.inp, line 2" in capsys.readouterr().err


def test_check_and_kinds(capsys):
    files = sorted(str(p) for p in DEMO_DIR.glob("*.yaml"))
    assert main(["check", *files]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(files)
    assert main(["kinds"]) == 0
    assert "capacity_whatif" in capsys.readouterr().out


def test_module_entry_point(tmp_path):
    done = subprocess.run([sys.executable, "-m", "planning", "run", "missing.yaml", "--out",
                           str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "missing.yaml: file not found" in done.stderr


def test_leakage_assess_reads_the_study_like_run(tmp_path, capsys):
    """``leakage assess`` reads a leakage_settings file through the study parser (one reader):
    the same CJJ 92 table as ``run``, and a bad value is refused by key."""
    assert main(["leakage", "assess", str(DEMO_DIR / "leakage_settings.yaml"), "--out",
                 str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["run", str(DEMO_DIR / "leakage_settings.yaml"), "--out", str(tmp_path / "r"),
                 "--quiet"]) == 0
    assessed = (tmp_path / "a" / "leakage_assessment.csv").read_bytes()
    assert assessed == (tmp_path / "r" / "leakage_assessment.csv").read_bytes()
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: leakage_settings\nversion: 1\nperiod: 2025-Q1\nsupplied_m3: 10\n"
                   "registered_m3: 20\nhousehold_metered_share: 0.5\ndn75_length_km: 1\n"
                   "mean_outlet_pressure_mpa: 0.3\n")
    assert main(["leakage", "assess", str(bad)]) == 2
    assert "key 'registered_m3'" in capsys.readouterr().err


def test_capacity_whatif_json_and_study_read_alike(tmp_path):
    """One what-if reader: the JSON form and the study file give the same WhatIf."""
    import json

    from application.capacity_whatif import read_whatif

    study = read_whatif(DEMO_DIR / "capacity_whatif.yaml")
    import yaml

    whatif = yaml.safe_load((DEMO_DIR / "capacity_whatif.yaml").read_text())["whatif"]
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"name": study.name, **whatif}))
    assert read_whatif(path) == study
    path.write_text(json.dumps({"cancel": [1.5]}))
    try:
        read_whatif(path)
    except ValueError as exc:
        assert "key 'whatif.cancel[0]'" in str(exc)
    else:
        raise AssertionError("a bad JSON what-if was read")
