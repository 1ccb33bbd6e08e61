"""Hostile study files: every key that names a file may reach only the allowed folders.

A study (run with the CLI or uploaded to the app) names files with ``network``,
``placement``, ``valves``, ``customers``, ``ledger``, ``registry`` and ``zones.file``. An
absolute path, a ``..`` escape or a symlink out of the study's folder and ``scenarios/`` is
refused before the file is read, naming the key; and a message about a file that is read
never quotes its cells.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from application import DEMO_DIR, ScenarioFileError, parse_uploaded_study
from application.cli import main
from application.safe_paths import TRUSTED_ENV, checked_path, redact_quoted

SECRET = "SECRET-CELL-7f3a"
"""Content of the file outside the allowed folders; must never appear in a message."""

# kind, demo file, the file-naming key, the line that holds it in the demo (or None: added)
KEYS = [
    ("network_run", "network", "network: ctown_batadal.inp", ".inp"),
    ("network_run", "placement", "placement: placement.yaml", ".yaml"),
    ("connection_applications", "ledger", "ledger: connections_ledger.sqlite", ".sqlite"),
    ("shutdown_jobs", "valves", None, ".csv"),
    ("shutdown_jobs", "customers", None, ".csv"),
    ("leakage_settings", "zones.file", "  boundaries: pumps_and_valves", ".csv"),
    ("capacity_whatif", "registry", "registry: ../capacity", ""),
]


def _study_text(kind: str, key: str, old: str | None, target: str) -> str:
    text = (DEMO_DIR / f"{kind}.yaml").read_text(encoding="utf-8")
    if key == "zones.file":
        return text.replace(old, f"  file: {target}")
    if old is None:
        return text.replace("network: ctown_batadal.inp",
                            f"network: ctown_batadal.inp\n{key}: {target}")
    return text.replace(old, f"{key}: {target}")


@pytest.fixture()
def world(tmp_path):
    """A study folder (with the demo network) and an outside folder holding secrets."""
    study = tmp_path / "study"
    study.mkdir()
    shutil.copy(DEMO_DIR / "ctown_batadal.inp", study)
    shutil.copy(DEMO_DIR / "placement.yaml", study)
    outside = tmp_path / "outside"
    outside.mkdir()
    for suffix in (".inp", ".yaml", ".sqlite", ".csv"):
        (outside / f"secret{suffix}").write_text(f"link,node\n{SECRET},{SECRET}\n")
    (outside / "registry").mkdir()
    (outside / "registry" / "plants.csv").write_text(f"plant_id\n{SECRET}\n")
    return study, outside


def _tricks(study: Path, outside: Path, suffix: str) -> list[str]:
    name = f"secret{suffix}" if suffix else "registry"
    (study / f"link{suffix}").symlink_to(outside / name)
    (study / "linked_dir").mkdir(exist_ok=True)
    sub = study / "linked_dir" / "out"
    if not sub.exists():
        sub.symlink_to(outside)
    depth = "../" * len(study.parts)
    return [str(outside / name),                                # absolute
            f"../outside/{name}",                               # .. escape
            f"{depth}{str(outside / name).lstrip('/')}",        # many ..
            f"./sub/../../outside/{name}",                      # .. through a missing folder
            f"link{suffix}",                                    # symlink file
            f"linked_dir/out/{name}"]                           # symlinked folder


@pytest.mark.parametrize(("kind", "key", "old", "suffix"), KEYS,
                         ids=[f"{k}-{key}" for k, key, _, _ in KEYS])
def test_cli_refuses_every_file_key_leaving_the_study_folder(world, capsys, kind, key, old,
                                                             suffix):
    study, outside = world
    for target in _tricks(study, outside, suffix):
        path = study / f"{kind}.yaml"
        path.write_text(_study_text(kind, key, old, target), encoding="utf-8")
        out = study.parent / "out"
        assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2, target
        err = capsys.readouterr().err
        assert f"key {key!r}" in err, (target, err)
        assert "leads outside the study's folder" in err, (target, err)
        assert SECRET not in err
        assert not out.exists()  # nothing written


@pytest.mark.parametrize(("kind", "key", "old", "suffix"), KEYS,
                         ids=[f"{k}-{key}" for k, key, _, _ in KEYS])
def test_uploaded_study_may_name_only_scenario_files(world, kind, key, old, suffix):
    study, outside = world
    name = f"secret{suffix}" if suffix else "registry"
    depth = "../" * len(DEMO_DIR.parts)
    # an upload's names are relative to the demo folder
    for target in (str(outside / name), f"{depth}{str(outside / name).lstrip('/')}",
                   f"../../{name}", f"../../README{suffix}", f"/etc/passwd{suffix}"):
        text = _study_text(kind, key, old, target)
        uploaded = parse_uploaded_study(f"{kind}.yaml", text.encode())
        value = uploaded.body
        for part in key.split("."):
            value = value[part]
        with pytest.raises(ScenarioFileError, match="leads outside") as info:
            uploaded.resolve(value)
        assert info.value.key == key
        assert SECRET not in str(info.value)


def test_allowed_names_still_work(world, tmp_path):
    study, _ = world
    # ``..`` that stays inside scenarios/ (the demo's registry) is fine
    assert checked_path("../capacity", DEMO_DIR).resolve() == (DEMO_DIR.parent / "capacity")
    # a symlink that stays inside the study folder is fine
    (study / "alias.inp").symlink_to(study / "ctown_batadal.inp")
    assert checked_path("alias.inp", study) == study / "alias.inp"
    # the operator may trust more folders
    other = tmp_path / "shared"
    other.mkdir()
    (other / "net.inp").write_text("x")
    with pytest.raises(PermissionError):
        checked_path(str(other / "net.inp"), study)
    os.environ[TRUSTED_ENV] = str(other)
    try:
        assert checked_path(str(other / "net.inp"), study) == other / "net.inp"
    finally:
        del os.environ[TRUSTED_ENV]


@pytest.mark.parametrize("name", ["", "  ", "a\x00b.csv", "a\nb.csv", "a\x1b.csv"])
def test_odd_names_are_refused(name):
    with pytest.raises(PermissionError):
        checked_path(name, DEMO_DIR)


@pytest.mark.parametrize("key", ["valves", "customers"])
def test_messages_about_a_named_file_do_not_echo_its_cells(world, capsys, key):
    study, _ = world
    bad = study / f"{key}.csv"
    bad.write_text(f"{SECRET}_header,other\nP1,{SECRET}\n")
    path = study / "jobs.yaml"
    path.write_text(_study_text("shutdown_jobs", key, None, f"{key}.csv"), encoding="utf-8")
    assert main(["run", str(path), "--out", str(study / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"key {key!r}" in err and f"{key}.csv" in err
    assert SECRET not in err
    # a wrong cell (header fine) is named by line and column, not quoted
    bad.write_text(f"link,node\n{SECRET},{SECRET}\n" if key == "valves"
                   else f"node,customers\n{SECRET},3\n")
    assert main(["run", str(path), "--out", str(study / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and SECRET not in err


def test_zone_file_errors_do_not_echo_cells(world, capsys):
    study, _ = world
    (study / "zones.csv").write_text(f"node,zone\n{SECRET},Z1\n")
    path = study / "leak.yaml"
    path.write_text(_study_text("leakage_settings", "zones.file",
                                "  boundaries: pumps_and_valves", "zones.csv"))
    assert main(["run", str(path), "--out", str(study / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "zones.file" in err and SECRET not in err


def test_redact_keeps_expected_column_names():
    text = "v.csv, line 3, field 'node': no node 'root:x:0' in the network (has ['a', 'b'])"
    assert redact_quoted(text, ["node"]) == \
        "v.csv, line 3, field 'node': no node '…' in the network (has '…')"


def test_registry_errors_do_not_echo_cells(tmp_path, capsys):
    folder = tmp_path / "study"
    shutil.copytree(DEMO_DIR.parent / "capacity", folder / "registry")
    plants = folder / "registry" / "plants.csv"
    lines = plants.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("design_capacity_m3_per_d")] = SECRET
    plants.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n",
                      encoding="utf-8")
    text = (DEMO_DIR / "capacity_whatif.yaml").read_text(encoding="utf-8")
    (folder / "w.yaml").write_text(text.replace("registry: ../capacity", "registry: registry"))
    assert main(["run", str(folder / "w.yaml"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "key 'registry'" in err and "plants.csv" in err
    assert "design_capacity_m3_per_d" in err and SECRET not in err
