"""``python -m planning.capacity --out DIR`` (``python -m planning capacity``) and the atomic
writers behind it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from application.cli import main as planning_main
from application.writers import write_csv
from models import write_atomic as atomic_write
from planning.capacity import PLAN_2025

REPO = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"
HAS_PYSWMM = importlib.util.find_spec("pyswmm") is not None
TRAJECTORIES = sorted({f"trajectory_{t.indicator}.png" for t in PLAN_2025})


def main(argv):
    """``python -m planning.capacity ARGV`` in this process."""
    return planning_main(["capacity", *argv])


def test_module_command_writes_gap_table_and_plots(tmp_path):
    out = tmp_path / "review"
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "planning.capacity", "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "files written" in done.stdout and "at risk" in done.stdout
    gaps = pd.read_csv(out / "gap_table.csv")
    assert len(gaps) == len(PLAN_2025)
    assert set(gaps["status"]) <= {"on track", "at risk"}
    assert gaps["illustrative"].all()  # the demo's numbers are invented: said in the output
    assert gaps.set_index(["indicator", "scope"]).loc[
        ("new_treatment_capacity_m3_per_d", "city"), "target"] == 669_000
    for name in TRAJECTORIES:
        assert (out / name).read_bytes()[:8] == PNG, name
    assert (out / "utilisation_2025.png").read_bytes()[:8] == PNG
    trunk = pd.read_csv(out / "trunk_check.csv")  # the demo has a trunk: Manning check
    assert trunk["over_capacity"].any() and "swmm_peak_flow_m3_per_s" not in trunk
    for table in ("indicators", "plant_flows", "warnings", "projects", "samples",
                  "reported_vs_model", "trunk_check"):
        assert "illustrative" in pd.read_csv(out / f"{table}.csv").columns, table
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_whatif_and_swmm_options(tmp_path, capsys):
    whatif = tmp_path / "late.json"
    whatif.write_text(json.dumps({"name": "No. 13 late", "delay_years": {"D-2025-01": 2}}))
    swmm = ["--swmm"] if HAS_PYSWMM else []
    assert main(["--out", str(tmp_path / "o"), "--whatif", str(whatif), "--years",
                 "2020-2027", "--quiet", *swmm]) == 0
    assert capsys.readouterr().out == ""
    if HAS_PYSWMM:
        trunk = pd.read_csv(tmp_path / "o" / "trunk_check_whatif.csv")
        assert {"swmm_peak_flow_m3_per_s", "illustrative"} <= set(trunk.columns)
    base = pd.read_csv(tmp_path / "o" / "gap_table.csv").set_index(["indicator", "scope"])
    late = pd.read_csv(tmp_path / "o" / "gap_table_whatif.csv").set_index(
        ["indicator", "scope"])
    key = ("new_treatment_capacity_m3_per_d", "dianchi")
    assert base.loc[key, "projected"] - late.loc[key, "projected"] == 60_000
    for name in TRAJECTORIES:
        assert (tmp_path / "o" / name.replace(".png", "_whatif.png")).exists()
    ind = pd.read_csv(tmp_path / "o" / "indicators_whatif.csv")
    assert sorted(ind["year"].unique()) == list(range(2020, 2028))


def test_bad_registry_exits_2(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "plants.csv").write_text("plant_id,name\n")
    (tmp_path / "data" / "catchments.csv").write_text("catchment_id\n")
    (tmp_path / "data" / "projects.csv").write_text("project_id\n")
    assert main(["--out", str(tmp_path / "o"), "--data", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: plants.csv, column 'basin': missing required column")
    assert not (tmp_path / "o").exists()
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--years", "2030-2020"])


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()

    def broken(fh):
        fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
