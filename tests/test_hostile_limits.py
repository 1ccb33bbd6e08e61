"""Huge inputs and long runs: refused early with a clear error, temp folders always removed."""

from __future__ import annotations

import errno
import shutil
import tempfile
import time
from pathlib import Path

import pytest

import models
from application import DEMO_DIR
from application.cli import main
from application.limits import NODES_ENV
from application.outdir import read_manifest
from benchmarks.networks import network_path
from models import inp_fast, inp_io
from models.inp_limits import BYTES_ENV, ELEMENTS_ENV, MAX_INP_ELEMENTS


def _temp_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("kwp-inp-*")}


def _huge_inp(path: Path, junctions: int) -> Path:
    with open(path, "w") as fh:
        fh.write("[JUNCTIONS]\n")
        fh.writelines(f"J{i} 0 0\n" for i in range(junctions))
        fh.write("[RESERVOIRS]\nR 10\n[PIPES]\nP R J0 10 100 100 0 Open\n[END]\n")
    return path


@pytest.mark.parametrize("fast", [True, False])  # the fast reader and the checked path
def test_too_many_elements_are_refused_before_parsing(tmp_path, fast):
    path = _huge_inp(tmp_path / "huge.inp", MAX_INP_ELEMENTS + 1)
    before = _temp_folders()
    started = time.perf_counter()
    with pytest.raises(models.NetworkInputError, match="more than 400,000 nodes and links"):
        models.load_network(path, fast=fast)
    assert time.perf_counter() - started < 20  # a line count, not WNTR's parse
    assert _temp_folders() == before


@pytest.mark.parametrize("fast", [True, False])
def test_byte_limit_is_checked_before_reading(tmp_path, monkeypatch, fast):
    path = network_path("Net1")
    with pytest.raises(models.NetworkInputError, match="the limit is 1,000 bytes"):
        models.load_network(path, max_bytes=1000, fast=fast)
    monkeypatch.setenv(BYTES_ENV, "0.001")  # about 1 kB
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the check"))
    with pytest.raises(models.NetworkInputError, match="limit is 1,048 bytes"):
        models.load_network(path, fast=fast)


@pytest.mark.parametrize("fast", [True, False])
def test_limits_are_configurable(tmp_path, monkeypatch, fast):
    path = network_path("Net1")  # 9 junctions, 2 sources, 13 links
    with pytest.raises(models.NetworkInputError, match="more than 10 nodes"):
        models.load_network(path, max_elements=10, fast=fast)
    monkeypatch.setenv(ELEMENTS_ENV, "10")
    with pytest.raises(models.NetworkInputError):
        models.load_network(path, fast=fast)
    assert models.load_network(path, max_elements=24, fast=fast).wn.num_nodes == 11


def test_temp_folder_removed_when_the_copy_fails(tmp_path, monkeypatch):
    before = _temp_folders()

    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", no_space)
    with pytest.raises(models.NetworkInputError, match="No space left"):
        models.load_network(network_path("Net1"))
    assert _temp_folders() == before


@pytest.mark.parametrize("fast", [True, False])
def test_out_of_memory_is_a_clear_error(monkeypatch, fast):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(inp_io, "run_checks", exhausted)
    monkeypatch.setattr(inp_fast, "run_checks", exhausted)
    with pytest.raises(models.NetworkInputError, match="not enough memory"):
        models.load_network(network_path("Net1"), fast=fast)


def test_temp_folder_removed_when_wntr_fails(tmp_path):
    bad = tmp_path / "bad.inp"
    bad.write_text("[JUNCTIONS]\nJ1 0 0\n[END]\n")  # no source
    before = _temp_folders()
    with pytest.raises(models.NetworkInputError):
        models.load_network(bad)
    assert _temp_folders() == before


def _net1_jobs(folder: Path, jobs: int) -> Path:
    shutil.copy(network_path("Net1"), folder / "net1.inp")
    lines = "".join(f"  - {{job_id: J{i}, pipe: '{p}', duration_h: 4}}\n"
                    for i, p in enumerate(["11", "21", "31", "12"][:jobs]))
    study = folder / "jobs.yaml"
    study.write_text("kind: shutdown_jobs\nversion: 1\nnetwork: net1.inp\n"
                     f"now: '2025-06-28T09:00'\njobs:\n{lines}")
    return study


def test_study_size_limit_refuses_large_networks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(NODES_ENV, "5")
    study = _net1_jobs(tmp_path, 1)
    assert main(["run", str(study), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "11 nodes, over the limit of 5" in err and NODES_ENV in err
    assert main(["run", str(DEMO_DIR / "connection_applications.yaml"), "--out",
                 str(tmp_path / "out2"), "--quiet"]) == 2
    assert "connection applications: the network has" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out2").exists()


def test_progress_lines_and_time_limit(tmp_path, capsys):
    study = _net1_jobs(tmp_path, 3)
    assert main(["run", str(study), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    for i in range(3):
        assert f"[{i + 1}/3] shutdown job J{i} (" in err
    read_manifest(tmp_path / "out")
    assert main(["run", str(study), "--out", str(tmp_path / "late"), "--quiet",
                 "--time-limit", "0.0005"]) == 2
    err = capsys.readouterr().err
    assert "longer than its time limit of 0.0005 min" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.yaml", "net1.inp", "out"]


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_bad_time_limit_is_refused(value, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["run", str(DEMO_DIR / "network_run.yaml"), "--out", str(tmp_path / "o"),
              "--time-limit", value])
    assert info.value.code == 2
