"""Ids that write the same letters (A-1, A_1, A.1, a-1) get one file and layer each."""

from __future__ import annotations

import shutil

import pyogrio
import pytest

from application.cli import main
from application.disk_names import disk_names, slug
from benchmarks.networks import network_path


def test_disk_names_are_unique_and_stable():
    ids = ["A-1", "A_1", "A.1", "a-1", "B-2", "---", "中文"]
    names = disk_names(ids)
    assert len({n.lower() for n in names.values()}) == len(ids)
    assert names["B-2"] == "B_2"  # no collision: the plain slug
    assert names["A-1"].startswith("A_1_") and len(names["A-1"]) == len("A_1_") + 6
    assert names["---"] != names["中文"]  # both fall back, then get hashes
    assert disk_names(list(reversed(ids))) == names  # order does not matter
    assert slug("W-2025/001") == "W_2025_001"


def test_a_name_taken_by_another_ids_hash_is_refused():
    first = disk_names(["A-1", "A_1"])
    with pytest.raises(ValueError, match="would share"):
        disk_names(["A-1", "A_1", first["A-1"]])


@pytest.fixture()
def net1_folder(tmp_path):
    shutil.copy(network_path("Net1"), tmp_path / "net1.inp")
    return tmp_path


def test_shutdown_jobs_with_colliding_ids_write_one_layer_and_png_each(net1_folder):
    study = net1_folder / "jobs.yaml"
    study.write_text(
        "kind: shutdown_jobs\nversion: 1\nnetwork: net1.inp\nnow: '2025-06-28T09:00'\n"
        "jobs:\n"
        "  - {job_id: A-1, pipe: '11', duration_h: 4}\n"
        "  - {job_id: A_1, pipe: '21', duration_h: 4}\n"
        "  - {job_id: a.1, pipe: '31', duration_h: 4}\n")
    out = net1_folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    names = disk_names(["A-1", "A_1", "a.1"], "job")
    pngs = sorted(p.name for p in out.glob("affected_*.png"))
    assert pngs == sorted(f"affected_{n}.png" for n in names.values())
    layers = {row[0] for row in pyogrio.list_layers(out / "shutdowns.gpkg")}
    for job_id, pipe in (("A-1", "11"), ("A_1", "21"), ("a.1", "31")):
        assert f"affected_{names[job_id]}" in layers
        isolated = pyogrio.read_dataframe(out / "shutdowns.gpkg",
                                          layer=f"isolated_{names[job_id]}")
        assert pipe in set(isolated["name"])  # each layer holds its own job


def test_applications_with_colliding_ids_write_one_layer_and_png_each(net1_folder):
    study = net1_folder / "apps.yaml"
    apps = "".join(
        f"  - {{application_id: {aid}, customer_class: residential, node: '{node}',\n"
        f"     demand_l_s: {q}, meter_dn: 25, storeys: 2, received_on: 2025-06-30}}\n"
        for aid, node, q in (("A.1", "12", 0.5), ("A-1", "22", 1.0), ("A_1", "32", 1.5)))
    study.write_text("kind: connection_applications\nversion: 1\nnetwork: net1.inp\n"
                     "applications:\n" + apps)
    out = net1_folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    names = disk_names(["A.1", "A-1", "A_1"], "application")
    assert len(set(names.values())) == 3
    layers = {row[0] for row in pyogrio.list_layers(out / "connections.gpkg")}
    for name in names.values():
        assert (out / f"pressure_{name}.png").exists()
        assert (out / f"pressure_change_{name}.png").exists()
        assert f"pressure_change_{name}" in layers
