"""``python -m planning run`` on shutdown studies: the example runs headless and writes the
tables, layers and plots ``planning.shutdowns`` gives for the same jobs; a study with a
surveyed valve layer and a customer table (Net3) uses them; bad values exit 2 naming the key.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from application import DEMO_DIR, load_study, open_study_network
from application.cli import main
from application.safe_paths import TRUSTED_ENV
from benchmarks.networks import network_path
from planning.shutdowns import (
    Job,
    Policy,
    burst,
    plan_job,
    read_customers,
    read_valve_layer,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = DEMO_DIR / "shutdown_jobs.yaml"
NET3_DATA = REPO / "scenarios" / "shutdowns"
POLICY = Policy(notice_h=24, night_only=True, night_start_h=22, night_end_h=6)
TABLES = ("shutdown_summary.csv", "valves_to_close.csv", "affected_customers.csv",
          "impact_hourly.csv", "best_window.csv", "windows.csv", "notice_24h.csv",
          "emergency_supply.csv", "emergency_groups.csv")


@pytest.fixture(scope="module")
def example_out(tmp_path_factory):
    """The example run once through ``python -m planning`` (a real subprocess)."""
    out = tmp_path_factory.mktemp("sd") / "out"
    done = subprocess.run([sys.executable, "-m", "planning", "run", str(EXAMPLE), "--out",
                           str(out)], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "12 files written" in done.stdout
    return out


@pytest.fixture(scope="module")
def library_plans():
    net = open_study_network(load_study(EXAMPLE)).net
    job = plan_job(net, Job(pipe="P1", duration_h=6, job_id="W-2025-001",
                            not_before=datetime(2025, 7, 1, 22)), None, POLICY,
                   now=datetime(2025, 6, 28, 9))
    bur = burst(net, "P100", datetime(2025, 7, 2, 3, 15), None, POLICY, repair_h=8,
                job_id="B-2025-001")
    return {"W-2025-001": job, "B-2025-001": bur}


def test_example_writes_every_table_layer_and_plot(example_out):
    for name in TABLES:
        assert (example_out / name).is_file(), name
    for png in ("affected_W_2025_001.png", "affected_B_2025_001.png"):
        assert (example_out / png).read_bytes()[:4] == b"\x89PNG"
    assert not list(example_out.glob(".*tmp*"))


def test_example_tables_are_the_library_plans(example_out, library_plans):
    summary = pd.read_csv(example_out / "shutdown_summary.csv").set_index("job_id")
    assert list(summary.index) == ["W-2025-001", "B-2025-001"]
    assert list(summary["kind"]) == ["planned", "unplanned"]
    valves = pd.read_csv(example_out / "valves_to_close.csv")
    affected = pd.read_csv(example_out / "affected_customers.csv")
    notice = pd.read_csv(example_out / "notice_24h.csv")
    best = pd.read_csv(example_out / "best_window.csv", parse_dates=["start"]) \
        .set_index("job_id")
    for job_id, plan in library_plans.items():
        s = plan.impact.summary
        row = summary.loc[job_id]
        assert row["customers_without_water"] == s["customers_without_water"]
        assert row["customer_hours_without_water"] == pytest.approx(
            s["customer_hours_without_water"])
        assert row["valves_to_close"] == len(plan.valves_to_close)
        mine = valves[valves["job_id"] == job_id]
        assert list(mine["valve"]) == list(plan.valves_to_close.index)
        nodes = affected[affected["job_id"] == job_id].set_index("node")
        assert list(nodes.index) == list(plan.impact_table.index)
        lost = nodes["hours_without_water"] > nodes["baseline_hours_without_water"]
        assert nodes.loc[lost, "customers"].sum() == s["customers_without_water"]
        listed = notice[notice["job_id"] == job_id]
        assert set(listed["node"]) == set(nodes.index[nodes["customers"] > 0])
        assert pd.Timestamp(best.loc[job_id, "start"]) == pd.Timestamp(s["start"])
    works = notice[notice["job_id"] == "W-2025-001"]
    assert (works["notice_hours"] >= 24).all()  # §14
    assert (notice[notice["job_id"] == "B-2025-001"]["kind"] == "unplanned").all()
    emergency = pd.read_csv(example_out / "emergency_supply.csv").set_index("job_id")
    assert not emergency["required"].any()  # 6 h and 8 h: no outage over 24 h
    windows = pd.read_csv(example_out / "windows.csv")
    job_windows = windows[windows["job_id"] == "W-2025-001"]
    assert job_windows["best"].sum() == 1
    assert job_windows.loc[job_windows["permitted"], "customer_hours_without_water"].min() \
        == pytest.approx(best.loc["W-2025-001", "customer_hours_without_water"])


def test_example_geopackage_layers(example_out, library_plans):
    layers = dict(pyogrio.list_layers(example_out / "shutdowns.gpkg"))
    for name in ("W_2025_001", "B_2025_001"):
        assert layers[f"affected_{name}"] == "Point"
        assert layers[f"isolated_{name}"] == "LineString"
        assert layers[f"valves_{name}"] == "Point"
    plan = library_plans["B-2025-001"]
    affected = pyogrio.read_dataframe(example_out / "shutdowns.gpkg",
                                      layer="affected_B_2025_001").set_index("name")
    assert affected.crs.to_epsg() == 4543
    status = plan.impact.node_status
    assert affected["status"].to_dict() == status.astype(str).reindex(affected.index).to_dict()
    isolated = pyogrio.read_dataframe(example_out / "shutdowns.gpkg",
                                      layer="isolated_B_2025_001")
    assert set(isolated["name"]) == set(plan.isolation.closed_links)


def test_net3_study_uses_its_valve_layer_and_customers(tmp_path, monkeypatch):
    # the study sits in tmp_path and names the test networks: the operator trusts that folder
    monkeypatch.setenv(TRUSTED_ENV, str(network_path("Net3").parent))
    study = tmp_path / "net3.yaml"
    study.write_text(
        "kind: shutdown_jobs\nversion: 1\n"
        f"network: {network_path('Net3')}\n"
        f"valves: {NET3_DATA / 'net3_valves.csv'}\n"
        f"customers: {NET3_DATA / 'net3_customers.csv'}\n"
        'now: "2024-03-04T09:00"\n'
        "policy: {night_only: true, horizon_days: 3}\n"
        "jobs:\n  - {job_id: DEMO-1, pipe: '173', duration_h: 30}\n")
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    net = open_study_network(load_study(study)).net
    expected = plan_job(net, Job(pipe="173", duration_h=30, job_id="DEMO-1"),
                        read_valve_layer(NET3_DATA / "net3_valves.csv", net),
                        Policy(night_only=True, horizon_days=3),
                        now=datetime(2024, 3, 4, 9),
                        customers=read_customers(NET3_DATA / "net3_customers.csv", net))
    valves = pd.read_csv(out / "valves_to_close.csv")
    assert list(valves["valve"]) == list(expected.valves_to_close.index)
    summary = pd.read_csv(out / "shutdown_summary.csv").iloc[0]
    assert summary["customers_without_water"] == \
        expected.impact.summary["customers_without_water"]
    # 30 h without water: emergency supply is required (§14, over 24 h)
    assert expected.emergency.required
    emergency = pd.read_csv(out / "emergency_supply.csv", dtype={"points": str}).iloc[0]
    assert bool(emergency["required"])
    assert emergency["daily_volume_m3"] == pytest.approx(expected.emergency.daily_volume_m3)
    assert emergency["points"] == " ".join(expected.emergency.points)


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text()
    assert old in text
    path = tmp_path / EXAMPLE.name
    path.write_text(text.replace(old, new, 1))
    for name in ("ctown_batadal.inp", "placement.yaml"):
        if not (tmp_path / name).exists():
            (tmp_path / name).symlink_to(DEMO_DIR / name)
    return path


@pytest.mark.parametrize("old,new,key,words", [
    ("pipe: P1\n", "pipe: NOPE\n", "jobs[0].pipe", "no pipe 'NOPE'"),
    ("duration_h: 6", "duration_h: -6", "jobs[0].duration_h", "must be >= 0"),
    ("notice_h: 24", "notice_h: 12", "policy.notice_h", "at least 24 h"),
    ("night_start_h: 22", "night_start_h: 25", "policy.night_start_h", "must be <= 23"),
    ('not_before: "2025-07-01T22:00"', "not_before: soon", "jobs[0].not_before",
     "not a date"),
    ("network: ctown_batadal.inp", "network: ctown_batadal.inp\nvalves: gone.csv", "valves",
     "file not found"),
])
def test_bad_values_exit_2_naming_the_key(tmp_path, capsys, old, new, key, words):
    path = _edit(tmp_path, old, new)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path.name}, key '{key}'" in err and words in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
