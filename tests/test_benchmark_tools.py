"""The benchmark reference runners (benchmarks/reference.py) and synthetic network generator."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import epanet.toolkit  # noqa: F401  (see below)
import networkx as nx
import numpy as np
import pytest

from benchmarks.networks import network_path
from benchmarks.reference import (
    EPANET22,
    EPANET23,
    EpanetError,
    EpanetProject,
    peak_rss_mib,
    print_ratio_table,
    run_epanet,
    run_wntr_epanet_simulator,
    solve_steady,
    timed,
)
from benchmarks.synthetic_network import (
    make_synthetic_network,
    peak_hour_s,
    write_synthetic_inp,
)

# owa-epanet's SWIG module links libepanet2.so by SONAME, and WNTR's EPANET 2.2 library carries
# the same SONAME: once these tests have loaded WNTR's, ``import epanet.toolkit`` in this process
# would bind to 2.2 and fail (undefined symbol EN_getnodevalues). Importing it first, at
# collection, keeps other test files in the same worker (tests/test_models_leakage.py) working.

NET1 = network_path("Net1")
LTOWN = network_path("ltown_battledim")  # SI units (CMH): needed for the leakage call

# Net1: 24-hour run, 1-hour steps, plus the tank-level control events EPANET 2.2 adds.
NET1_DURATION_S = 86400
NET1_HYDRAULIC_STEPS = 27


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """A private, empty working folder (other test workers may share the repository's)."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _epanet_temp_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("epanet_*")}


@pytest.mark.parametrize("version", [EPANET22, EPANET23])
def test_extended_period_loop_completes(version, cwd):
    run = run_epanet(NET1, version=version)
    assert run.final_time_s == NET1_DURATION_S
    assert run.n_steps == NET1_HYDRAULIC_STEPS
    assert run.warnings == ()
    assert run.wall_s > 0


def test_duration_cap():
    run = run_epanet(NET1, duration_s=6 * 3600)
    assert run.final_time_s == 6 * 3600
    assert run.n_steps < NET1_HYDRAULIC_STEPS


def test_recorded_pressures_match_wntr_epanet_simulator(cwd):
    run = run_epanet(NET1, record=True)
    ours = run.node_results()["pressure"]
    wntr_run = run_wntr_epanet_simulator(NET1)
    theirs = wntr_run.results.node["pressure"]
    common = ours.index.intersection(theirs.index)
    assert len(common) == 25  # hourly report times 0..24 h
    # WNTR reads float32 psi from EPANET's binary file: agree to a centimetre
    diff = (ours.loc[common, theirs.columns] - theirs.loc[common]).abs().to_numpy()
    assert diff.max() < 0.01


def test_engines_agree_on_a_steady_solve():
    s22 = solve_steady(NET1, version=EPANET22)
    s23 = solve_steady(NET1, version=EPANET23)
    assert s22.node_names == s23.node_names
    np.testing.assert_allclose(s22.head_m, s23.head_m, atol=1e-3)
    assert s22.min_junction_pressure_m > 0
    assert s22.time_s == 0 and s22.warnings == ()


@pytest.mark.parametrize("version", [EPANET22, EPANET23])
def test_kept_open_solves_follow_edits(version, cwd):
    with EpanetProject(NET1, version, duration_s=0) as project:
        base = project.solve()
        project.set_link_open("12", False)
        assert not project.link_is_open("12")
        closed = project.solve()
        project.set_link_open("12", True)
        reopened = project.solve()
        cold = project.solve(reinit_flows=True, link_flows=False)

        node_22 = project.node_names.index("22")
        demand_m3_s = project.base_demand_m3_s("22")
        project.set_base_demand("22", 10 * demand_m3_s)
        assert project.base_demand_m3_s("22") == pytest.approx(10 * demand_m3_s)
        heavier = project.solve()
        project.set_base_demand("22", demand_m3_s)

    assert np.abs(closed.head_m - base.head_m).max() > 0.1
    assert closed.flow_m3_s[project.link_names.index("12")] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(reopened.head_m, base.head_m, atol=1e-3)
    np.testing.assert_allclose(cold.head_m, base.head_m, atol=1e-3)
    assert cold.flow_m3_s is None
    assert heavier.pressure_m[node_22] < base.pressure_m[node_22] - 0.1


def test_pipe_leakage_on_epanet23():
    pipe = "p100"
    with EpanetProject(LTOWN, EPANET23, duration_s=0) as project:
        dry = project.solve()
        project.set_pipe_leakage(pipe, area_mm2_per_100m=50.0, expansion_mm2_per_m=5.0)
        wet = project.solve()
        link_leak_m3_s = project.link_leakage_m3_s()
    assert dry.leakage_m3_s.sum() == pytest.approx(0.0, abs=1e-12)
    assert wet.leakage_m3_s.sum() > 1e-4
    # link leakage is recomputed from the final heads, node leakage is the solver's iterate
    assert link_leak_m3_s.sum() == pytest.approx(wet.leakage_m3_s.sum(), rel=0.01)
    with EpanetProject(LTOWN, EPANET22, duration_s=0) as project:
        with pytest.raises(NotImplementedError):
            project.set_pipe_leakage(pipe, 50.0)


def test_errors_are_raised(tmp_path, cwd):
    with pytest.raises(FileNotFoundError):
        EpanetProject(tmp_path / "missing.inp")
    bad = tmp_path / "bad.inp"
    bad.write_text("[JUNCTIONS]\n J1 10 1\n[PIPES]\n P1 J1 NOWHERE 100 100 100\n[END]\n")
    for version in (EPANET22, EPANET23):
        with pytest.raises(EpanetError):
            EpanetProject(bad, version)
    with EpanetProject(NET1) as project, pytest.raises(KeyError):
        project.set_link_open("no such pipe", False)


def test_no_scratch_files_left_behind(cwd):
    before = _epanet_temp_dirs()
    run_epanet(NET1, version=EPANET22, status_report=True)
    run_epanet(NET1, version=EPANET23, status_report=True)
    run_wntr_epanet_simulator(NET1, duration_s=3600)
    with EpanetProject(NET1) as project:
        project.solve()
    assert list(cwd.iterdir()) == []
    assert _epanet_temp_dirs() - before == set()
    assert Path.cwd() == cwd


def test_synthetic_network_is_connected_and_solves(tmp_path, cwd):
    out = tmp_path / "out" / "synthetic_2k.inp"
    summary = write_synthetic_inp(out, n_junctions=2000, seed=3)
    assert summary.n_junctions == 2000
    assert summary.n_reservoirs >= 2 and summary.n_tanks >= 1 and summary.n_pumps >= 1
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left

    wn = make_synthetic_network(2000, seed=3)
    assert nx.is_connected(wn.to_graph().to_undirected())
    lengths_m = np.array([p.length for _, p in wn.pipes() if p.name[0] in "MP"])
    assert lengths_m.min() >= 50.0 and lengths_m.max() <= 200.0
    roughness = np.array([p.roughness for _, p in wn.pipes()])
    assert roughness.min() >= 100 and roughness.max() <= 140
    elevation_m = np.array([j.elevation for _, j in wn.junctions()])
    assert 1890.0 <= elevation_m.min() and elevation_m.max() <= 1950.0

    peak = solve_steady(out, pattern_time_s=peak_hour_s())
    assert peak.warnings == ()
    assert peak.min_junction_pressure_m > 10.0


def _without_stamp(text: str) -> str:
    """The INP text less WNTR's header comment (it carries the time written, to the second)."""
    return "\n".join(line for line in text.splitlines() if not line.startswith(";"))


def test_synthetic_network_is_reproducible(tmp_path):
    a, b, c = (_without_stamp(write_synthetic_inp(tmp_path / f"{name}.inp", n_junctions=600,
                                                  seed=seed).path.read_text())
               for name, seed in (("a", 1), ("b", 1), ("c", 2)))
    assert a == b
    assert a != c


def test_timed_and_ratio_table(capsys):
    best_s = timed(lambda: sum(range(1000)), repeat=3, warmup=1)
    assert 0 < best_s < 1
    print_ratio_table({"ref": 2.0, "other": 1.0}, "ref", title="demo")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "demo"
    assert lines[2].split()[:2] == ["ref", "1"]
    assert lines[3].split()[:2] == ["other", "0.5"]


def test_peak_rss_of_a_child_process():
    base_mib = peak_rss_mib("pass")
    big_mib = peak_rss_mib("x = bytearray(64 * 2**20); x[::4096] = b'1' * len(x[::4096])")
    assert big_mib - base_mib > 50
    assert os.getcwd()  # the child's folder is its own
