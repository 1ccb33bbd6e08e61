"""Pressure management: compliance, PRV sweeps checked by brute force, adding a PRV."""

from __future__ import annotations

import numpy as np
import pytest

import models
from planning.leakage import (
    LeakageInputError,
    PressureCriteria,
    add_prv,
    compare_cases,
    demand_junctions,
    pressure_compliance,
    sweep_prv,
    sweep_settings,
)
from simulation import NumbaSimulator
from simulation.scenario import total_leakage_m3

# R -> J1 -(PRV V1)- J2 -> J3 -> J4 -> J5 (hill at 20 m) and a loop J3-J5; pipes leak.
SMALL = """[TITLE]
pressure management test
[JUNCTIONS]
J1 0 0
J2 0 0
J3 5 2 PD
J4 10 2 PD
J5 20 1 PD
[RESERVOIRS]
R 80
[PIPES]
P1 R J1 100 300 130
P2 J2 J3 500 200 130
P3 J3 J4 500 150 130
P4 J4 J5 500 100 130
P5 J3 J5 800 100 130
[VALVES]
V1 J1 J2 300 PRV 45 0
[PATTERNS]
PD 0.4 0.3 0.3 0.3 0.5 0.9 1.4 1.6 1.3 1.1 1.0 1.0
PD 1.1 1.0 0.9 0.9 1.0 1.2 1.5 1.6 1.3 1.0 0.7 0.5
[TIMES]
Duration 24:00
Hydraulic Timestep 0:15
Report Timestep 0:15
Pattern Timestep 1:00
[OPTIONS]
Units LPS
Headloss H-W
[LEAKAGE]
P2 2 0.05
P3 2 0.05
P4 2 0.05
P5 2 0.05
[END]
"""
SETTINGS_M = list(range(20, 62, 2))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("pm") / "small.inp"
    path.write_text(SMALL)
    return models.load_network(path)


def _brute_force(net, setting_m):
    case = net.copy()
    case.wn.get_link("V1").initial_setting = float(setting_m)
    res = NumbaSimulator(case).run_sim()
    p = res.node["pressure"][["J3", "J4", "J5"]]
    hours = p.index.to_numpy() % 3600 == 0
    return total_leakage_m3(res), bool((p.to_numpy()[hours] >= 14.0).all()), res


def test_compliance_definition(small):
    assert demand_junctions(small) == ["J3", "J4", "J5"]
    _, _, res = _brute_force(small, 30.0)
    comp = pressure_compliance(small, res, 14.0)
    p = res.node["pressure"]
    hourly = p[p.index % 3600 == 0][["J3", "J4", "J5"]]
    assert "J5" in comp.failing and "J3" not in comp.failing
    assert comp.compliance_pct == pytest.approx(100 * (3 - len(comp.failing)) / 3)
    assert len(comp.hourly_pct) == len(hourly) == 25
    assert comp.min_pressure_m == pytest.approx(hourly.to_numpy().min())
    low = pressure_compliance(small, res, 0.0)
    assert low.compliance_pct == 100.0 and low.failing == []


def test_sweep_picks_the_best_compliant_setting(small):
    sweep = sweep_prv(small, "V1", SETTINGS_M, PressureCriteria(min_pressure_m=14.0),
                      threads=2)
    brute = {s: _brute_force(small, s)[:2] for s in SETTINGS_M}
    base_leak, base_ok, _ = _brute_force(small, 45.0)
    assert base_ok and sweep.required_pct == 100.0
    compliant = [s for s, (_, ok) in brute.items() if ok]
    assert compliant and len(compliant) < len(SETTINGS_M)        # some settings fail
    best = min(compliant, key=lambda s: brute[s][0])
    assert sweep.best == f"{best:g} m"
    assert sweep.best_settings == {"V1": float(best)}
    table = sweep.table
    assert table.loc["base", "leakage_m3_per_d"] == pytest.approx(base_leak, rel=1e-4)
    for s in SETTINGS_M:
        row = table.loc[f"{s:g} m"]
        assert row["V1"] == s
        assert row["leakage_m3_per_d"] == pytest.approx(brute[s][0], rel=1e-4)
        assert bool(row["keeps_compliance"]) == brute[s][1]
    saved = base_leak - brute[best][0]
    assert table.loc[sweep.best, "leakage_saved_m3_per_yr"] == pytest.approx(365 * saved,
                                                                             rel=1e-3)
    assert table.loc[sweep.best, "leakage_saved_pct"] == pytest.approx(
        100 * saved / base_leak, rel=1e-3)


def test_fixed_requirement_and_no_candidate(small):
    sweep = sweep_settings(small, [{"V1": 20.0}, {"V1": 22.0}],
                           PressureCriteria(required_pct=100.0), threads=1)
    assert sweep.best is None and sweep.best_settings == {}
    assert not sweep.table.iloc[1:]["keeps_compliance"].any()
    with pytest.raises(LeakageInputError, match="not a PRV"):
        sweep_prv(small, "P2", [30.0])


def test_add_prv_on_a_pipe(small):
    before = small.pipe_leakage.copy()
    new = add_prv(small, "P2", 36.0)
    assert "PRV-P2" in new.wn.valve_name_list
    assert set(new.pipe_leakage.index) == set(before.index) | {"P2-b"}
    assert "PRV-P2" not in small.wn.valve_name_list and small.pipe_leakage.equals(before)
    res = NumbaSimulator(new).run_sim()
    out = res.node["pressure"]["PRV-P2-out"]
    active = res.link["status"]["PRV-P2"] == 2
    assert active.all()
    assert np.allclose(out, 36.0, atol=1e-3)
    base = NumbaSimulator(small).run_sim()
    table = compare_cases(small, base, {"PRV on P2": (new, res)})
    assert table.loc["PRV on P2", "leakage_saved_m3_per_d"] > 0
    assert table.loc["base", "leakage_saved_m3_per_d"] == 0
    reverse = add_prv(small, "P2", 36.0, upstream_node="J3", name="V-back")
    link = reverse.wn.get_link("V-back")
    assert (link.start_node_name, link.end_node_name) == ("V-back-out", "V-back-in")
    with pytest.raises(LeakageInputError, match="already used"):
        add_prv(new, "P2", 20.0)
