"""Connection rules to the letter of the plan (issue 18 items 2, 7 and 11)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from benchmarks.networks import network_path
from models import load_network
from planning.connections import (
    Application,
    ConnectionStudy,
    Policy,
    WorkingCalendar,
    load_holidays,
    service_terms,
)

MON = dt.date(2025, 3, 3)


# ---- item 7: China's statutory calendar, with make-up working days and a user override -----
def test_statutory_calendar_by_default():
    cal = WorkingCalendar()
    assert cal.add_working_days(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 14)
    assert not cal.is_working_day(dt.date(2025, 10, 7))   # National Day week (a Tuesday)
    assert cal.is_working_day(dt.date(2025, 9, 28))       # make-up Sunday
    assert cal.is_working_day(dt.date(2025, 10, 11))      # make-up Saturday
    assert Policy().calendar.add_working_days(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 14)
    # the old Monday-Friday count is still there when asked for
    plain = WorkingCalendar(statutory=False)
    assert plain.add_working_days(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 7)


def test_holiday_file_overrides_the_statutory_calendar(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text("date,kind\n2025-10-14,holiday\n2025-10-12,workday\n", encoding="utf-8")
    cal = load_holidays(path)
    assert not cal.is_working_day(dt.date(2025, 10, 14))
    assert cal.is_working_day(dt.date(2025, 10, 12))       # a Sunday worked
    assert not cal.is_working_day(dt.date(2025, 10, 3))    # statutory still applies
    # 30 Sep + 5: 9, 10, 11 (make-up), 12 (file), 13
    assert cal.add_working_days(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 13)


def test_year_without_statutory_data_is_said():
    far = Application("F", demand_l_s=0.5, node="1", meter_dn=50, customer_class="commercial",
                      received_on=dt.date(2099, 3, 2))
    t = service_terms(far, 100.0, Policy(), None)
    assert any("No statutory holiday data for 2099" in n for n in t.notes)
    assert not WorkingCalendar().covers(dt.date(2099, 1, 1))


def test_study_file_holidays_key(tmp_path):
    from application import ScenarioFileError, load_study
    from application.connection_study import policy_of

    (tmp_path / "h.csv").write_text("date,kind\n2025-10-13,holiday\n", encoding="utf-8")
    text = ("kind: connection_applications\nversion: 1\nnetwork: net.inp\n"
            "holidays: h.csv\napplications:\n  - {application_id: A, customer_class: "
            "commercial, node: J1, demand_l_s: 1, meter_dn: 25}\n")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    study = load_study(tmp_path / "s.yaml")
    cal = policy_of(study.body, study).calendar
    assert cal.add_working_days(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 15)
    (tmp_path / "s.yaml").write_text(text.replace("h.csv", "missing.csv"), encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="holidays"):
        policy_of(load_study(tmp_path / "s.yaml").body, load_study(tmp_path / "s.yaml"))


# ---- item 11: tracks ----------------------------------------------------------------------
@pytest.mark.parametrize("dn", [15, 40, 50, 100, 300])
def test_low_risk_is_free_whatever_the_meter(dn):
    app = Application("L", demand_l_s=0.5, node="1", meter_dn=dn, low_risk=True)
    t = service_terms(app, 400.0, Policy(), MON)
    assert t.track == "11000" and t.free and "0 cost" in t.cost_text


def test_connection_on_application_from_front_loaded_service():
    ready = Application("P", demand_l_s=0.5, node="1", front_loaded=True, ready_to_connect=True)
    t = service_terms(ready, 0.0, Policy(), MON)
    assert t.track == "connection on application" and t.steps == 1
    assert t.deadlines["due_on"].tolist() == [MON]
    not_ready = Application("Q", demand_l_s=0.5, node="1", front_loaded=True)
    assert service_terms(not_ready, 0.0, Policy(), MON).track != "connection on application"
    tap_no_cost = Application("R", demand_l_s=0.5, node="1", reserved_tap=True,
                              ready_to_connect=False)
    assert service_terms(tap_no_cost, 0.0, Policy(), MON).track != "connection on application"
    assert Application("S", demand_l_s=0.5, node="1", reserved_tap=True).on_application


def test_approval_limits_are_alternatives_and_x_is_an_assumption():
    app = Application("S", demand_l_s=0.5, node="1", meter_dn=40, customer_class="commercial")
    t = service_terms(app, 30.0, Policy(), MON)
    items = t.deadlines["item"].tolist()
    assert any("EITHER" in i for i in items) and any(i.startswith("external-works approval, OR")
                                                      for i in items)
    assert any("alternatives" in n for n in t.notes)
    assert any(n.startswith("ASSUMPTION") and "50 m" in n for n in t.notes)


# ---- item 2: the reply counts the applicant's demand only ---------------------------------
@pytest.mark.slow
def test_reply_counts_only_the_applicant_demand():
    net = load_network(network_path("Net3"))
    wn = net.wn
    # the junction with the largest base demand: its existing draw must not be counted
    node = max(wn.junction_name_list, key=lambda n: wn.get_node(n).base_demand)
    existing = wn.get_node(node).base_demand
    assert existing > 0.002
    study = ConnectionStudy(net)
    app = Application("D2", demand_l_s=2.0, node=node, meter_dn=50, customer_class="industrial")
    a = study.assess(app)
    mult = app.daily_pattern()
    assert a.customer_peak_hour_m3s <= 2.0e-3 * mult.max() + 1e-12
    assert a.customer_peak_hour_m3s >= 2.0e-3 * mult.min() - 1e-12
    req = a.pressure_timeseries["customer_required_demand_m3s"].to_numpy()
    assert np.allclose(req.mean(), 2.0e-3, rtol=0.15)
    assert (a.pressure_timeseries["customer_demand_m3s"].to_numpy() <= req * (1 + 1e-4)).all()
    assert f"takes {a.customer_peak_hour_m3s * 1e3:.2f} L/s" in a.reply_text
    assert "mean demand 2 L/s" in a.reply_text
