"""Runs killed at random points: ``--out`` is absent or complete, never half-written.

Each command-line writer runs under ``tests/killpoint.py``, which SIGKILLs it at its N-th
file-system step (open for writing, fsync, rename, mkdir, unlink); the points are drawn at
random (fixed seed) over the writer's whole run, last steps included. After each kill:
``--out`` either does not exist or holds a run whose ``manifest.json`` matches every file,
no temporary file is in it, and the next run into the same ``--out`` succeeds and removes
what the killed one left beside it. Library writers (``models.replacing``) remove a killed
writer's temporary file on their next write.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from application.outdir import read_manifest
from benchmarks.networks import REPO

KILLPOINT = REPO / "tests" / "killpoint.py"
WRITERS = {  # name: (argv after python, before --out)
    "network_run": ["-m", "planning", "run", "scenarios/demo/network_run.yaml"],
    "capacity_whatif": ["-m", "planning", "run", "scenarios/demo/capacity_whatif.yaml"],
    "shutdown_jobs": ["-m", "planning", "run", "scenarios/demo/shutdown_jobs.yaml"],
    "leakage_settings": ["-m", "planning", "run", "scenarios/demo/leakage_settings.yaml"],
    "connection_applications": ["-m", "planning", "run",
                                "scenarios/demo/connection_applications.yaml"],
    "capacity_cli": ["-m", "planning.capacity"],
    "leakage_assess": ["-m", "planning.leakage", "assess",
                       "scenarios/demo/leakage_settings.yaml"],
}
FAST = ("leakage_assess",)  # the others (4-40 s a run) are slow


def _run(argv: list[str], out: Path, kill_at: int, count: Path | None = None,
         force: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), KILL_AT=str(kill_at), MPLBACKEND="Agg")
    if count is not None:
        env["KILL_COUNT_FILE"] = str(count)
    extra = ["--force"] if force else []
    return subprocess.run([sys.executable, str(KILLPOINT), *argv, "--out", str(out),
                           "--quiet", *extra], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def _check(out: Path) -> None:
    """``out`` is absent, or a complete run; nothing temporary inside it."""
    if not out.exists():
        return
    assert not [p for p in out.rglob("*") if ".tmp" in p.name or ".partial" in p.name]
    read_manifest(out)  # raises if a file is missing, extra or changed


def _kill_points(total: int, n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    inner = sorted(rng.sample(range(1, max(total - 2, 2)), min(n, max(total - 3, 1))))
    return [*inner, total - 1, total]


def _kill_suite(name: str, tmp_path: Path, n: int) -> None:
    argv = WRITERS[name]
    out = tmp_path / "out"
    count = tmp_path / "count"
    clean = _run(argv, tmp_path / "clean", 0, count)
    assert clean.returncode == 0, clean.stderr
    total = int(count.read_text())
    read_manifest(tmp_path / "clean")
    for kill_at in _kill_points(total, n, seed=len(name)):
        proc = _run(argv, out, kill_at, force=True)
        assert proc.returncode in (0, -9), (kill_at, proc.stderr[-2000:])
        _check(out)
    again = _run(argv, out, 0, force=True)
    assert again.returncode == 0, again.stderr
    _check(out)
    manifest = read_manifest(out)
    assert manifest["complete"] is True
    clean_names = {f["path"] for f in read_manifest(tmp_path / "clean")["files"]}
    assert {f["path"] for f in manifest["files"]} == clean_names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean", "count", "out"]


@pytest.mark.parametrize("name", FAST)
def test_killed_cli_run_leaves_no_half_written_out(name, tmp_path):
    _kill_suite(name, tmp_path, n=2)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(WRITERS) - set(FAST)))
def test_killed_cli_run_leaves_no_half_written_out_every_writer(name, tmp_path):
    _kill_suite(name, tmp_path, n=4)


def test_killed_library_writer_temp_is_removed_by_the_next_write(tmp_path):
    script = tmp_path / "write.py"
    target = tmp_path / "table.csv"
    script.write_text(
        "import sys\nfrom models import write_bytes_atomic\n"
        f"write_bytes_atomic({str(target)!r}, b'x' * 100000)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO), KILL_COUNT_FILE=str(tmp_path / "n"),
               KILL_AT="0")
    subprocess.run([sys.executable, str(KILLPOINT), str(script)], cwd=REPO, env=env,
                   timeout=120, check=True)
    # the last steps: open, fsync, os.replace, then four unlinks of temp and side files;
    # killed at os.replace, the temporary file stays
    env["KILL_AT"] = str(int((tmp_path / "n").read_text()) - 4)
    (tmp_path / "n").unlink()
    subprocess.run([sys.executable, str(KILLPOINT), str(script)], cwd=REPO, env=env,
                   timeout=120)
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]
    assert leftovers, "the kill points should have left a temporary file"
    from models import write_bytes_atomic

    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]
