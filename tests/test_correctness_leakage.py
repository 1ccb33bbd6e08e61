"""CJJ 92-2016 to the letter, and night flow by the clock (issue 18 items 8, 9, 10, 13, 5)."""

from __future__ import annotations

import numpy as np
import pytest

import models
from benchmarks.networks import network_path
from planning.leakage import (
    NETWORK,
    Cjj92Inputs,
    LeakageInputError,
    assess_settings,
    cjj92_assess,
    cjj92_table,
    dn75_length_km,
    minimum_night_flow,
    nominal_dn_mm,
    uniform_leakage,
    water_balance,
    zones_from_boundaries,
)
from simulation import NumbaSimulator
from simulation.standards import MIN_SERVICE_HEAD_M


# ---- item 8: the standard's names; two rates only ---------------------------------------
def test_two_rates_under_their_standard_names(leaky_net3, leaky_run3):
    r = cjj92_assess(Cjj92Inputs(supplied_m3=100.0, registered_m3=90.0))
    assert "漏损率 R_BL" in r.verdict
    table = water_balance(leaky_net3, leaky_run3)
    assert "leakage_rate_pct" not in table.columns      # no third "leakage rate"
    assert {"gross_loss_rate_pct", "leakage_m3"} <= set(table.columns)
    import planning.leakage.cjj92 as mod
    assert "综合漏损率" in mod.__doc__ and "注册用户用水量" in mod.__doc__
    assert "unmetered" in Cjj92Inputs.__doc__


def test_app_help_says_qa_includes_unmetered_use():
    text = (models.__file__ and open(
        __import__("pathlib").Path(__file__).parents[1] / "app_pages" / "leakage.py",
        encoding="utf-8").read())
    assert "注册用户用水量" in text and "unmetered" in text
    assert '"Leakage rate (%)"' not in text
    assert "综合漏损率 R_WL" in text and "漏损率 R_BL" in text


# ---- item 9: a period must be named --------------------------------------------------------
@pytest.mark.parametrize("label", ["", "   ", None, "spring", "2025-Q5", "Q1"])
def test_blank_or_unknown_period_is_refused(label):
    with pytest.raises(LeakageInputError) as err:
        assess_settings({"period": label, "supplied_m3": 1e6, "registered_m3": 9e5,
                         "dn75_length_km": 40.0})
    assert err.value.field == "period"


def test_study_file_refuses_a_blank_period(tmp_path):
    from application import ScenarioFileError, load_study

    path = tmp_path / "l.yaml"
    path.write_text("kind: leakage_settings\nversion: 1\nperiod: ''\nsupplied_m3: 1000\n"
                    "registered_m3: 900\nhousehold_metered_share: 0\ndn75_length_km: 1\n"
                    "mean_outlet_pressure_mpa: 0.3\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="period"):
        load_study(path)


# ---- item 10: nominal DN classes -------------------------------------------------------------
def test_pe_dn75_and_dn90_count_as_dn75():
    # PE100 SDR 11 bores: dn75 61.4 mm, dn90 73.6 mm; dn63 51.4 mm; steel DN80 80.9 mm
    assert nominal_dn_mm(0.0614) == 75
    assert nominal_dn_mm(0.0736) == 90
    assert nominal_dn_mm(0.0514) < 75
    assert nominal_dn_mm(0.0809) >= 75
    assert nominal_dn_mm(0.050) == 50


def test_dn75_length_uses_nominal_classes():
    import wntr

    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=50.0)
    wn.add_junction("A", base_demand=0.001)
    wn.add_junction("B", base_demand=0.001)
    wn.add_junction("C", base_demand=0.001)
    wn.add_pipe("pe75", "R", "A", length=1000.0, diameter=0.0614, roughness=140)
    wn.add_pipe("pe90", "A", "B", length=500.0, diameter=0.0736, roughness=140)
    wn.add_pipe("pe63", "B", "C", length=250.0, diameter=0.0514, roughness=140)
    assert dn75_length_km(wn)[NETWORK] == pytest.approx(1.5)
    assert dn75_length_km(wn, nominal_dn={"pe75": 63})[NETWORK] == pytest.approx(0.5)


# ---- item 13: night flow by clock night; 0.14 MPa ----------------------------------------------
def test_minimum_night_flow_groups_by_clock_night(leaky_net3):
    net = models.load_network(network_path("Net3"))
    net.wn.options.time.duration = 2 * 86400
    net.wn.options.time.start_clocktime = 3 * 3600      # the model starts at 03:00
    net = uniform_leakage(net, 5.0, 0.05)
    res = NumbaSimulator(net).run_sim()
    mnf = minimum_night_flow(net, res, window_h=(2.0, 4.0))
    nights = mnf.xs(mnf.index.get_level_values("zone")[0], level="zone")
    # 03:00-04:00 of the start date (night 0), 02:00-04:00 the next two dates (nights 1, 2)
    assert list(nights.index) == [0, 1, 2]
    t0 = nights.loc[0, "time_s"]
    assert t0 <= 3600 and nights.loc[1, "time_s"] >= 23 * 3600
    assert nights.loc[1, "time_s"] <= 25 * 3600
    # a window over midnight
    late = minimum_night_flow(net, res, window_h=(23.0, 1.0))
    assert ((late["clock_h"] >= 23) | (late["clock_h"] <= 1)).all()


def test_service_pressure_is_0_14_mpa_in_metres():
    from planning.connections import Policy as ConnectionPolicy
    from planning.leakage.pressure import PressureCriteria
    from planning.shutdowns import Policy as ShutdownPolicy

    assert MIN_SERVICE_HEAD_M == pytest.approx(14.28, abs=0.005)
    assert ConnectionPolicy().min_pressure_m == MIN_SERVICE_HEAD_M
    assert ShutdownPolicy().min_pressure_m == MIN_SERVICE_HEAD_M
    assert PressureCriteria().min_pressure_m == MIN_SERVICE_HEAD_M


# ---- item 5: zones of negligible supply get no rate ---------------------------------------------
def test_negligible_zone_has_no_rate(leaky_net3, leaky_run3):
    cut = ["10", "335", "20", "40", "50", "60", "329"]
    zones = zones_from_boundaries(leaky_net3, cut)
    table = cjj92_table(leaky_net3, leaky_run3, zones)
    tiny = table.drop(index=NETWORK)
    share = tiny["supplied_m3"] / table.loc[NETWORK, "supplied_m3"]
    assert (tiny["negligible_supply"] == (share <= 1e-3)).all()
    assert tiny.loc[tiny["negligible_supply"], "gross_loss_rate_pct"].isna().all()
    assert tiny.loc[tiny["negligible_supply"], "assessed_rate_pct"].isna().all()
    ok = tiny[~tiny["negligible_supply"] & (tiny["supplied_m3"] > 0)]
    assert np.isfinite(ok["gross_loss_rate_pct"]).all()
    assert (ok["gross_loss_rate_pct"] <= 100).all()
