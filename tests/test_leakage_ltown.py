"""The L-Town worked example: leak list, growth of incipient leaks, orifices, the command."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import models
from application.cli import main as planning_main
from benchmarks.networks import network_path
from planning.leakage import (
    LTOWN_LEAKS,
    LTOWN_NETWORK,
    LeakageInputError,
    add_orifice_leaks,
    leak_schedule,
    ltown_zones,
    read_battledim_leaks,
)
from simulation import NumbaSimulator


@pytest.fixture(scope="module")
def leaks():
    return read_battledim_leaks(LTOWN_LEAKS)


@pytest.fixture(scope="module")
def ltown():
    return models.load_network(LTOWN_NETWORK)


def test_scenario_copy_is_the_test_network():
    assert LTOWN_NETWORK.read_bytes() == network_path("ltown_battledim").read_bytes()


def test_leak_list(leaks):
    assert len(leaks) == 23
    first = leaks.iloc[0]
    assert first["pipe"] == "p257" and first["leak_type"] == "incipient"
    assert first["diameter_m"] == pytest.approx(0.011843)
    assert first["start"] == pd.Timestamp("2018-01-08 13:30")
    assert set(leaks["leak_type"]) == {"incipient", "abrupt"}


def test_configuration_files_read_too():
    from benchmarks.networks import DATA

    config = read_battledim_leaks(DATA / "ltown_leaks" / "dataset_configuration_evaluation_2019.yalm")
    assert len(config) == 23
    both = config.merge(read_battledim_leaks(LTOWN_LEAKS), on="pipe")
    assert (both["diameter_m_x"] == both["diameter_m_y"]).all()
    # leaks carried over from 2018 start on 2019-01-01 at full size in the configuration
    sched = leak_schedule(config, pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-02"))
    p257 = sched.set_index("pipe").loc["p257"]
    assert p257["area_m2"] == pytest.approx(p257["full_area_m2"])


@pytest.mark.parametrize("line, field", [
    ("p1, 2019-01-01 00:00, 2019-02-01 00:00, 0.01, abrupt", None),
    ("p1, 2019-01-01 00:00, 2019-02-01 00:00, wide, abrupt, 2019-01-01 00:00", "leakDiameter"),
    ("p1, 2019-01-01 00:00, 2019-02-01 00:00, 0.01, sudden, 2019-01-01 00:00", "leakType"),
    ("p1, 2019-13-01 00:00, 2019-02-01 00:00, 0.01, abrupt, 2019-01-01 00:00", "startTime"),
])
def test_bad_leak_lines(tmp_path, line, field):
    path = tmp_path / "leaks.yalm"
    path.write_text("# linkID, startTime, endTime, leakDiameter (m), leakType, peakTime\n"
                    f"- {line}\n")
    with pytest.raises(LeakageInputError) as err:
        read_battledim_leaks(path)
    assert "leaks.yalm, line 2" in str(err.value)
    assert err.value.field == field


def test_incipient_growth_is_the_time_mean_area():
    leaks = pd.DataFrame([{
        "pipe": "p1", "start": pd.Timestamp("2019-03-01"), "end": pd.Timestamp("2019-06-01"),
        "diameter_m": 0.02, "leak_type": "incipient", "peak": pd.Timestamp("2019-03-11")}])
    full = math.pi * 0.02 ** 2 / 4
    # window Mar 3 - Mar 8: inside the ramp; area(t) = full * ((t - start) / 10 d)^2
    sched = leak_schedule(leaks, pd.Timestamp("2019-03-03"), pd.Timestamp("2019-03-08"))
    t = np.linspace(2, 7, 200001)
    assert sched.loc[0, "area_m2"] == pytest.approx(full * np.mean((t / 10) ** 2), rel=1e-6)
    assert sched.loc[0, "full_area_m2"] == pytest.approx(full)
    # window straddling the peak: ramp part then full
    sched = leak_schedule(leaks, pd.Timestamp("2019-03-08"), pd.Timestamp("2019-03-15"))
    expected = (((10 ** 3 - 7 ** 3) / 3 / 100) + 4) / 7
    assert sched.loc[0, "area_m2"] == pytest.approx(full * expected, rel=1e-12)
    # before the start and after the end: not scheduled; the end step is included
    assert leak_schedule(leaks, pd.Timestamp("2019-02-01"), pd.Timestamp("2019-03-01")).empty
    last = leak_schedule(leaks, pd.Timestamp("2019-06-01"), pd.Timestamp("2019-06-02"))
    assert last.loc[0, "end_s"] == 300 and last.loc[0, "area_m2"] == pytest.approx(full)


def test_orifices_on_a_copy(ltown, leaks):
    sched = leak_schedule(leaks, pd.Timestamp("2019-01-15"), pd.Timestamp("2019-01-17"))
    assert "p523" in set(sched["pipe"])                          # starts 2019-01-15 23:00
    row = sched.set_index("pipe").loc["p523"]
    assert row["start_s"] == 23 * 3600 and row["end_s"] == 2 * 86400
    net = add_orifice_leaks(ltown, sched)
    node = net.wn.get_node("p523_leaknode")
    assert node.leak_area == pytest.approx(math.pi * 0.020246 ** 2 / 4)
    assert node.leak_discharge_coeff == 0.75
    assert "p523_Bleak" in net.wn.pipe_name_list
    assert "p523_leaknode" not in ltown.wn.node_name_list          # input untouched
    zones = ltown_zones(net)
    assert zones.names == ["A", "B", "C"]
    assert zones.node_zone["p523_leaknode"] in ("A", "B", "C")


@pytest.mark.slow
def test_orifice_flow_and_the_command(ltown, leaks, tmp_path):
    # one day with p523 starting at 23:00: Q = Cd A sqrt(2 g p) at the leak node
    sched = leak_schedule(leaks, pd.Timestamp("2019-01-15"), pd.Timestamp("2019-01-16"))
    net = add_orifice_leaks(ltown, sched)
    net.wn.options.time.duration = 86400
    res = NumbaSimulator(net).run_sim()
    q = res.node["leak_demand"]["p523_leaknode"]
    p = res.node["pressure"]["p523_leaknode"]
    area = math.pi * 0.020246 ** 2 / 4
    late = (q.index >= 23 * 3600) & (q.index < 86400)              # active [start, end)
    # within the solver's tolerance (L-Town's ACCURACY is 0.01; the leak is evaluated at
    # the last iteration's heads, as EPANET evaluates its demands)
    assert np.allclose(q[late], 0.75 * area * np.sqrt(2 * 9.81 * p[late]), rtol=2e-3)
    assert (q[~late] == 0).all()

    out = tmp_path / "example"
    assert planning_main(["leakage", "ltown-example", "--out", str(out), "--months", "1-2", "--quiet"]) == 0
    table = pd.read_csv(out / "ltown_monthly_leakage.csv", index_col="month")
    assert list(table.index) == ["2019-01", "2019-02"]
    assert (table["days_simulated"] == [31, 28]).all()
    assert (table["leakage_m3"] > 0).all()
    # the CSV keeps 6 significant digits: volumes of 1e5 m3 are rounded to 1 m3, so the rate
    # recomputed from them may differ by 100 * 1 / 1e5 percentage points
    assert np.allclose(table["gross_loss_rate_pct"],
                       100 * (table["supplied_m3"] - table["registered_m3"]) / table["supplied_m3"],
                       rtol=0, atol=2e-3)
    # every junction balance closes: supplied = registered + leakage (solver tolerance)
    gap = table["supplied_m3"] - table["registered_m3"] - table["leakage_m3"]
    assert (gap.abs() < 0.005 * table["supplied_m3"]).all()
    by_area = pd.read_csv(out / "ltown_leakage_by_area.csv", index_col="month")
    assert np.allclose(by_area.sum(axis=1), table["leakage_m3"])
    png = (out / "ltown_monthly_leakage.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*"))                                 # no temporary files left
    bad = tmp_path / "bad.yalm"
    bad.write_text("p1, 2019-01-01 00:00, 2019-02-01 00:00, 0.01, abrupt\n")
    assert planning_main(["leakage", "ltown-example", "--out", str(out), "--leaks", str(bad), "--quiet"]) == 2
