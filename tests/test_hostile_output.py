"""Run folders: fresh or refused, shown in one rename with a manifest; short runs say so."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pandas as pd
import pytest

from application import DEMO_DIR
from application import network_run as nr
from application.cli import main
from application.outdir import (
    EXIT_INCOMPLETE,
    INCOMPLETE_NAME,
    MANIFEST_NAME,
    OutputFolderError,
    mark_incomplete,
    read_manifest,
    run_folder,
)

NETWORK_RUN = DEMO_DIR / "network_run.yaml"


def test_run_folder_is_hidden_until_complete(tmp_path):
    out = tmp_path / "out"
    with run_folder(out, meta={"kind": "x"}) as folder:
        assert folder.parent == tmp_path and folder.name.startswith(".out.")
        (folder / "a.csv").write_text("a\n1\n")
        (folder / "sub").mkdir()
        (folder / "sub" / "b.png").write_bytes(b"png")
        assert not out.exists()
    manifest = read_manifest(out)
    assert manifest["complete"] is True and manifest["kind"] == "x"
    assert [f["path"] for f in manifest["files"]] == ["a.csv", "sub/b.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    (out / "a.csv").write_text("tampered")
    with pytest.raises(OutputFolderError, match="changed"):
        read_manifest(out)


def test_failed_run_leaves_out_as_it_was(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError), run_folder(out) as folder:
        (folder / "a.csv").write_text("x")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert not any(out.iterdir())


def test_stale_out_is_refused_and_force_replaces_only_run_folders(tmp_path):
    out = tmp_path / "out"
    with run_folder(out) as folder:
        (folder / "old.gpkg").write_bytes(b"old")
    with pytest.raises(OutputFolderError, match="--force"), run_folder(out):
        pass
    with run_folder(out, force=True) as folder:
        (folder / "new.csv").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "new.csv"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious")
    with pytest.raises(OutputFolderError, match="not a folder an earlier run wrote"), \
            run_folder(mine, force=True):
        pass
    assert (mine / "thesis.docx").read_text() == "precious"
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(OutputFolderError, match="not a folder"), run_folder(afile, force=True):
        pass


def test_partial_folders_of_killed_runs_are_removed(tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / ".out.999999999.partial"  # no such pid
    dead.mkdir()
    (dead / "x.csv.tmp").write_text("half")
    with run_folder(out) as folder:
        (folder / "a.csv").write_text("a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_incomplete_run_is_marked(tmp_path):
    out = tmp_path / "out"
    with run_folder(out) as folder:
        (folder / "a.csv").write_text("a")
        mark_incomplete(folder, "stopped at 18 h\nof 24 h")
    manifest = read_manifest(out)
    assert manifest["complete"] is False
    assert manifest["problems"] == ["stopped at 18 h of 24 h"]
    assert (out / INCOMPLETE_NAME).read_text() == "stopped at 18 h of 24 h\n"


def test_cli_refuses_old_out_and_force_replaces_it(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(NETWORK_RUN), "--out", str(out), "--quiet"]) == 0
    first = read_manifest(out)
    stray = out / "stale_from_older_version.png"
    stray.write_bytes(b"old")
    assert main(["run", str(NETWORK_RUN), "--out", str(out), "--quiet"]) == 2
    assert "already holds files" in capsys.readouterr().err
    assert stray.exists()
    assert main(["run", str(NETWORK_RUN), "--out", str(out), "--quiet", "--force"]) == 0
    assert not stray.exists()
    assert {f["path"] for f in read_manifest(out)["files"]} == \
        {f["path"] for f in first["files"]}


def test_run_that_stops_short_says_so(tmp_path, capsys, monkeypatch):
    """A non-converging step: exit status 3, a warning, a note in the table, the manifest."""
    real = nr.run_network

    def stops_at_6h(opened, settings=None, simulator=None):
        result = real(opened, settings, simulator)
        short = result.pressure_m.loc[:6 * 3600]
        return dataclasses.replace(
            result, pressure_m=short, converged=False,
            messages=["the solver did not converge at 1 time step(s), first at 6.25 h; "
                      "results there are approximate", *result.messages])

    monkeypatch.setattr(nr, "run_network", stops_at_6h)
    out = tmp_path / "out"
    assert main(["run", str(NETWORK_RUN), "--out", str(out), "--quiet"]) == EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "incomplete run" in err and "did not converge" in err and "6 h of 24 h" in err
    manifest = read_manifest(out)
    assert manifest["complete"] is False and "6.25 h" in manifest["problems"][0]
    table = pd.read_csv(out / "pressure_m.csv")
    assert table["time_s"].iloc[-1] == 6 * 3600
    assert table["run_note"].iloc[:-1].isna().all()
    assert "did not converge" in table["run_note"].iloc[-1]
    assert json.loads((out / MANIFEST_NAME).read_text())["complete"] is False


@pytest.mark.slow
def test_richmond_stops_short_and_says_so(tmp_path, capsys):
    from benchmarks.networks import SHARED_NETWORKS

    source = SHARED_NETWORKS / "more" / "richmond_standard.inp"
    if not source.exists():
        pytest.skip("the shared Richmond model is not here")
    shutil.copy(source, tmp_path)
    study = tmp_path / "rich.yaml"
    study.write_text("kind: network_run\nversion: 1\nnetwork: richmond_standard.inp\n")
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == EXIT_INCOMPLETE
    assert "did not converge" in capsys.readouterr().err
    assert read_manifest(out)["complete"] is False
    table = pd.read_csv(out / "pressure_m.csv")
    assert table["time_s"].iloc[-1] < 24 * 3600
    assert "did not converge" in table["run_note"].iloc[-1]


def test_leakage_run_that_stops_short_says_so(tmp_path, capsys, monkeypatch):
    from application import leakage_study as ls

    real = ls.run_leakage

    def short(*args, **kwargs):
        run = real(*args, **kwargs)
        return dataclasses.replace(run, converged=False, messages=[
            "the run did not converge at every step: the volumes are approximate"])

    monkeypatch.setattr(ls, "run_leakage", short)
    out = tmp_path / "out"
    assert main(["run", str(DEMO_DIR / "leakage_settings.yaml"), "--out", str(out),
                 "--quiet"]) == EXIT_INCOMPLETE
    assert "leakage run: the run did not converge" in capsys.readouterr().err
    assert read_manifest(out)["complete"] is False


def test_unwritable_out_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert main(["run", str(NETWORK_RUN), "--out", str(blocker / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot write the run" in err and "Traceback" not in err
