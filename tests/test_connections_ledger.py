"""The ledger (SQLite), the working-day calendar and the policy terms."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.networks import REPO, network_path
from gis import kunming_placement
from models import load_network
from planning.connections import (
    CUSTOMER_CLASSES,
    Application,
    ConnectionInputError,
    ConnectionStudy,
    Ledger,
    Policy,
    WorkingCalendar,
    class_pattern,
    committed_network,
    load_holidays,
    required_head_m,
    service_terms,
    spare_capacity_map,
)

HOLIDAYS = REPO / "scenarios" / "connections" / "holidays_2025.csv"


@pytest.fixture(scope="module")
def net3():
    return load_network(network_path("Net3"))


def placement_of(net):
    return kunming_placement(net, scale_m_per_unit=100.0)  # Net3 is drawn ~40 units wide


def app_near(net, node, aid, dx=30.0, dy=-25.0, **kw):
    xy = placement_of(net).to_target(np.asarray(net.wn.get_node(node).coordinates))[0]
    base = dict(demand_l_s=8.0, customer_class="industrial", meter_dn=100, storeys=2)
    base.update(kw)
    return Application(aid, x_m=float(xy[0] + dx), y_m=float(xy[1] + dy), **base)


def test_life_cycle_and_persistence(net3, tmp_path):
    path = tmp_path / "ledger.sqlite"
    a = Application("C-1", demand_l_s=1.0, node="123", customer_class="commercial")
    with Ledger(path) as ledger:
        ledger.add(a, at=dt.datetime(2025, 3, 3, 9, 0))
        ledger.assess("C-1", verdict="pass", at=dt.datetime(2025, 3, 3, 9, 30))
        ledger.approve("C-1", at=dt.datetime(2025, 3, 3, 10, 0))
        assert [x.application_id for x in ledger.committed()] == ["C-1"]
        ledger.connect("C-1", at=dt.datetime(2025, 3, 3, 12, 0))
        # a new ledger: the model does not hold connected customers, so they count
        assert [x.application_id for x in ledger.committed()] == ["C-1"]
        ledger.set_connected_in_model(True)  # an as-built model: no double count
        assert ledger.committed() == []
        assert [x.application_id for x in ledger.committed(include_connected=True)] == ["C-1"]
    with Ledger(path) as again:  # reopened: same content
        assert again.status("C-1") == "connected"
        assert again.get("C-1") == a
        assert again.revision == 5
        assert list(again.events()["to_status"]) == ["received", "assessed", "approved",
                                                     "connected"]
        assert again.median_connection_days() == pytest.approx(3 / 8)  # 3 office hours
        table = again.list()
        assert table.loc["C-1", "status"] == "connected"
        assert table.loc["C-1", "demand_l_s"] == pytest.approx(1.0)
    # a different placement for the located applications is refused
    with Ledger(tmp_path / "p.sqlite", placement=kunming_placement(net3)) as other:
        other.add(app_near(net3, "123", "P-1"))
        other.assess("P-1", verdict="pass")
        other.approve("P-1")
        with pytest.raises(ConnectionInputError):
            other.set_placement(placement_of(net3))
        with pytest.raises(ConnectionInputError):
            ConnectionStudy(net3, other, placement=placement_of(net3))
    # plain SQLite, readable by other tools
    rows = sqlite3.connect(path).execute("SELECT application_id, status FROM applications")
    assert rows.fetchall() == [("C-1", "connected")]


def test_withdraw_and_final_states(tmp_path):
    ledger = Ledger(tmp_path / "w.sqlite")
    ledger.add(Application("W-1", demand_l_s=1.0, node="123"))
    ledger.withdraw("W-1")
    for call in (ledger.approve, ledger.connect, ledger.withdraw):
        with pytest.raises(ConnectionInputError) as e:
            call("W-1")
        assert e.value.field == "status"
    assert ledger.list(status="withdrawn").index.tolist() == ["W-1"]
    with pytest.raises(ConnectionInputError):
        ledger.list(status="pending")


def test_approved_demand_is_part_of_the_network(net3, tmp_path):
    ledger = Ledger(tmp_path / "c.sqlite", placement=placement_of(net3))
    study = ConnectionStudy(net3, ledger)  # takes the ledger's placement
    first = app_near(net3, "123", "A-1", demand_l_s=150.0, meter_dn=200)
    second = app_near(net3, "123", "A-2", dx=40.0, dy=-30.0)
    alone = study.assess(second)
    ledger.add(first)
    ledger.assess("A-1", verdict="pass")
    ledger.approve("A-1", note="big customer")
    with_first = study.assess(second)  # the study notices the ledger changed
    assert with_first.customer_min_pressure_m < alone.customer_min_pressure_m - 0.5
    # the map reflects it too: the approved customer's junction appears, capacity falls
    plain = spare_capacity_map(net3, nodes=["123", "125"])
    mapped = spare_capacity_map(net3, ledger=ledger)
    assert "A-1-CUST" in mapped.index
    assert mapped.loc["A-1-CUST", "application_id"] == "A-1"
    assert (mapped.loc[["123", "125"], "spare_capacity_m3s"]
            < plain["spare_capacity_m3s"]).all()
    work, added = committed_network(net3, ledger)
    assert set(added.values()) == {"A-1"}
    assert "A-1-CUST" not in net3.wn.node_name_list  # caller's model untouched
    # withdrawn: gone again
    ledger.withdraw("A-1")
    assert study.assess(second).customer_min_pressure_m == pytest.approx(
        alone.customer_min_pressure_m, abs=1e-6)


def test_two_approved_taps_on_one_pipe(net3, tmp_path):
    ledger = Ledger(tmp_path / "two.sqlite", placement=placement_of(net3))
    a = app_near(net3, "123", "T-1", dx=30.0, dy=-25.0, demand_l_s=1.0, meter_dn=25)
    b = app_near(net3, "123", "T-2", dx=34.0, dy=-28.0, demand_l_s=1.0, meter_dn=25)
    for x in (a, b):
        ledger.add(x)
        ledger.assess(x.application_id, verdict="pass")
        ledger.approve(x.application_id)
    work, added = committed_network(net3, ledger)
    assert {"T-1-CUST", "T-2-CUST"} <= set(work.wn.node_name_list)
    total = sum(p.length for _, p in work.wn.pipes() if not p.name.endswith("-SVC"))
    original = sum(p.length for _, p in net3.wn.pipes())
    assert total == pytest.approx(original)


def test_required_head_rule():
    assert [required_head_m(s) for s in (1, 2, 3, 6)] == [10.0, 12.0, 16.0, 28.0]
    assert Application("H", demand_l_s=1, node="1", storeys=6).head_required_m == 28.0
    assert Application("H", demand_l_s=1, node="1", storeys=6,
                       required_head_m=20.0).head_required_m == 20.0


def test_class_patterns_have_mean_one():
    for c in CUSTOMER_CLASSES:
        p = class_pattern(c)
        assert p.shape == (24,) and p.mean() == pytest.approx(1.0) and (p > 0).all()


def test_calendar_with_holidays():
    cal = load_holidays(HOLIDAYS)
    assert not cal.is_working_day(dt.date(2025, 10, 1))      # National Day
    assert cal.is_working_day(dt.date(2025, 9, 28))          # make-up Sunday
    assert cal.add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)
    plain = WorkingCalendar()
    assert plain.add_working_days(dt.date(2025, 3, 7), 1) == dt.date(2025, 3, 10)  # Fri -> Mon
    assert plain.add_working_days(dt.date(2025, 3, 8), 0) == dt.date(2025, 3, 10)  # Sat -> Mon
    assert plain.working_days_between(dt.datetime(2025, 3, 7, 13), dt.datetime(2025, 3, 10, 13)) \
        == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(start=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)), n=st.integers(1, 30))
def test_add_working_days_counts_working_days(start, n):
    cal = WorkingCalendar()
    due = cal.add_working_days(start, n)
    days = [start + dt.timedelta(days=k) for k in range(1, (due - start).days + 1)]
    assert sum(cal.is_working_day(d) for d in days) == n
    assert cal.is_working_day(due)


def test_terms_tracks_and_free_connection():
    day = dt.date(2025, 3, 3)  # a Monday
    p = Policy()
    small = Application("S", demand_l_s=0.5, node="1", meter_dn=40, customer_class="commercial")
    t = service_terms(small, 30.0, p, day)
    assert t.free and t.track == "350" and t.steps == 2
    due = t.deadlines.set_index("item")["due_on"]
    assert due["external-works approval, EITHER parallel approvals"] == dt.date(2025, 3, 10)
    assert due["external-works approval, OR notification-commitment (small external works)"] \
        == dt.date(2025, 3, 4)
    assert np.isnan(t.deadlines.set_index("item").loc[
        'connection ("350", with external line)', "working_days"])
    assert not service_terms(small, 80.0, p, day).free                # line longer than X
    assert service_terms(small, 80.0, Policy(free_external_line_max_m=100.0), day).free
    big = Application("B", demand_l_s=0.5, node="1", meter_dn=50)
    assert not service_terms(big, 10.0, p, day).free
    fast = Application("F", demand_l_s=0.5, node="1", meter_dn=50, low_risk=True)
    t = service_terms(fast, 10.0, p, day)
    assert t.track == "11000" and t.free and t.steps == 1
    tap = Application("R", demand_l_s=0.5, node="1", reserved_tap=True)
    t = service_terms(tap, 25.0, p, day)
    assert t.track == "connection on application" and t.external_line_m == 0.0
    assert t.deadlines["due_on"].tolist() == [day]
    front = Application("P", demand_l_s=0.5, node="1", front_loaded=True)
    assert service_terms(front, 0.0, p, day).steps == 1
    counted = Policy(days_350_with_external_line=5, days_350_without_external_line=3)
    t = service_terms(small, 30.0, counted, day)
    assert t.deadlines.set_index("item").loc['connection ("350", with external line)',
                                             "due_on"] == dt.date(2025, 3, 10)
