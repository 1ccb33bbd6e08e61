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


def test_kind_without_runner_exits_2(tmp_path, capsys, monkeypatch):
    """A kind whose planning module has not landed yet (no runner) is refused by name."""
    from dataclasses import replace

    from application import KINDS

    monkeypatch.setitem(KINDS, "shutdown_jobs", replace(KINDS["shutdown_jobs"], runner=None))
    assert main(["run", str(DEMO_DIR / "shutdown_jobs.yaml"), "--out", str(tmp_path / "o")]) \
        == 2
    assert "'shutdown_jobs' cannot run yet" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


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
