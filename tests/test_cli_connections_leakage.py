"""``python -m planning run`` on connection and leakage studies: the example files run
headless and write sane tables, layers and plots; bad values exit 2 naming the key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from application import DEMO_DIR
from application.cli import main
from planning.leakage import NETWORK

CONNECTIONS = DEMO_DIR / "connection_applications.yaml"
LEAKAGE = DEMO_DIR / "leakage_settings.yaml"


def _png(path: Path) -> bool:
    return path.read_bytes()[:4] == b"\x89PNG"


def test_connection_example_writes_tables_layers_and_plots(tmp_path, capsys):
    out = tmp_path / "con"
    assert main(["run", str(CONNECTIONS), "--out", str(out)]) == 0
    assert "15 files written" in capsys.readouterr().out
    apps = pd.read_csv(out / "applications.csv").set_index("application_id")
    assert list(apps.index) == ["A-2025-001", "A-2025-002", "A-2025-003"]
    assert set(apps["verdict"]) <= {"pass", "pass with conditions", "fail"}
    passing = apps[apps["verdict"] != "fail"]
    assert (passing["customer_min_pressure_m"] >= passing["required_head_m"]).all()
    assert apps.loc["A-2025-002", "required_head_m"] == 28.0  # 6 storeys, GB 50013
    assert apps.loc["A-2025-003", "track"] == "11000" and apps.loc["A-2025-003", "free"]
    assert pd.notna(apps.loc["A-2025-003", "main"])  # by map position: a tapped main
    assert (apps["spare_capacity_l_s"] > apps["customer_peak_hour_l_s"]).all()
    replies = (out / "replies.txt").read_text()
    assert replies.count("Application A-2025-") == 3
    neighbours = pd.read_csv(out / "neighbours.csv")
    assert (neighbours["change_m"] < 0).all()
    for aid, group in neighbours.groupby("application_id"):
        assert -group["change_m"].min() == pytest.approx(apps.loc[aid, "max_pressure_drop_m"])
    series = pd.read_csv(out / "customer_pressure.csv")
    assert series.groupby("application_id")["time_s"].max().eq(86400).all()
    capacity = pd.read_csv(out / "spare_capacity.csv")
    assert (capacity["spare_capacity_m3s"] >= 0).all() and len(capacity) >= 388
    ledger = pd.read_csv(out / "ledger.csv")
    assert list(ledger["status"]) == ["connected", "approved", "received"]
    layers = dict(pyogrio.list_layers(out / "connections.gpkg"))
    assert layers["applications"] == "Point" and layers["spare_capacity"] == "Point"
    change = pyogrio.read_dataframe(out / "connections.gpkg",
                                    layer="pressure_change_A_2025_003")
    assert change.crs.to_epsg() == 4543 and len(change) == 388
    # the layer holds the network's own junctions; the largest fall may be at a ledger one
    assert -change["pressure_change_m"].min() <= apps.loc["A-2025-003",
                                                          "max_pressure_drop_m"] + 1e-9
    for png in ("pressure_A_2025_001.png", "pressure_change_A_2025_003.png",
                "spare_capacity_map.png"):
        assert _png(out / png)
    assert not list(out.glob(".*tmp*"))


def test_leakage_example_writes_balance_rates_sweep_and_quarter(tmp_path):
    out = tmp_path / "leak"
    assert main(["run", str(LEAKAGE), "--out", str(out), "--quiet"]) == 0
    zones = pd.read_csv(out / "leakage_by_zone.csv").set_index("zone")
    network = zones.loc[NETWORK]
    # mass balance and additivity: zone volumes add up to the network's
    assert abs(network["imbalance_m3"]) < 1e-4 * network["supplied_m3"]
    parts = zones.drop(index=NETWORK)
    assert parts["leakage_m3"].sum() == pytest.approx(network["leakage_m3"], rel=1e-9)
    assert parts["registered_m3"].sum() == pytest.approx(network["registered_m3"], rel=1e-9)
    assert 0 < network["gross_loss_rate_pct"] < 20
    assert network["r1_pct"] == pytest.approx(4.8)  # R1 = 8 r, r = 0.6
    assert network["assessed_rate_pct"] == pytest.approx(
        network["gross_loss_rate_pct"] - network["corrections_pct"])
    nodes = pd.read_csv(out / "leakage_nodes.csv")
    assert nodes["leakage_m3_per_d"].sum() == pytest.approx(network["leakage_m3_per_d"],
                                                            rel=1e-6)
    night = pd.read_csv(out / "night_flow.csv")
    assert night["clock_h"].between(2, 4).all()
    sweep = pd.read_csv(out / "prv_sweep.csv").set_index("case")
    assert list(sweep.index) == ["base", "25 m", "30 m", "35 m", "40 m"]
    # lower outlet pressure, less leakage (FAVAD: leakage grows with pressure)
    assert sweep["leakage_m3_per_d"].iloc[1:].is_monotonic_increasing
    quarter = pd.read_csv(out / "leakage_assessment.csv").set_index("item")["value"]
    assert round(float(quarter["assessed_rate_pct"]), 2) == 2.80  # docs/leakage.md
    layer = pyogrio.read_dataframe(out / "leakage.gpkg", layer="leakage")
    assert layer.crs.to_epsg() == 4543 and set(layer["zone"]) == set(parts.index)
    for png in ("leakage_by_zone.png", "leakage_map.png", "prv_sweep.png"):
        assert _png(out / png)


def test_reported_figures_only_write_the_assessment(tmp_path):
    text = "\n".join(line for line in LEAKAGE.read_text().splitlines()
                     if not line.startswith(("network", "placement", "leakage", "  -",
                                             "zones", "  boundaries", "duration_h",
                                             "min_pressure_m", "prv_sweep", "  valves",
                                             "  settings_m")))
    study = tmp_path / "quarter.yaml"
    study.write_text(text)
    out = tmp_path / "q"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["leakage_assessment.csv", "manifest.json"]


def _edit(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    for name in ("ctown_batadal.inp", "placement.yaml", "connections_ledger.sqlite"):
        if not (tmp_path / name).exists():
            (tmp_path / name).symlink_to(DEMO_DIR / name)
    return path


@pytest.mark.parametrize("source,old,new,key,words", [
    (CONNECTIONS, "meter_dn: 25", "meter_dn: 45", "applications[0].meter_dn",
     "not a standard meter size"),
    (CONNECTIONS, "demand_l_s: 4.0", "demand_l_s: -4", "applications[1].demand_l_s",
     "must be >= 0"),
    (CONNECTIONS, "days_350_with_external_line: 5", "days_350_with_external_line: 2.5",
     "policy.days_350_with_external_line", "whole number"),
    (CONNECTIONS, "node: J411", "node: NOPE", "applications[1].node", "NOPE"),
    (CONNECTIONS, "x_m: 570200.0", "x_m: 170200.0", "applications[2].x_m", "outside"),
    (CONNECTIONS, "ledger: connections_ledger.sqlite", "ledger: gone.sqlite", "ledger",
     "file not found"),
    (LEAKAGE, "{leak_area_mm2_per_100m: 0.4", "{leak_area_mm2_per_100m: -0.4",
     "leakage[0].leak_area_mm2_per_100m", "must be >= 0"),
    (LEAKAGE, "zone: Z2", "zone: Z42", "leakage[1].zone", "unknown zone 'Z42'"),
    (LEAKAGE, "{zone: Z2,", "{pipe: PU1,", "leakage[1].pipe", "a pump or valve"),
    (LEAKAGE, "valves: [v1]", "valves: [V2]", "prv_sweep.valves", "not a PRV"),
    (LEAKAGE, "boundaries: pumps_and_valves", "boundaries: [PU1, NOPE]", "zones.boundaries",
     "unknown link 'NOPE'"),
    (LEAKAGE, "registered_m3: 105300000", "registered_m3: 205300000", "registered_m3",
     "larger than supplied_m3"),
])
def test_bad_values_exit_2_naming_the_key(tmp_path, capsys, source, old, new, key, words):
    path = _edit(tmp_path, source, old, new)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path.name}, key '{key}'" in err and words in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
