"""Quarterly report page (AppTest): the register's records and flags, a correction stored
as a new version, a bad correction refused with nothing changed, the figures saved, and the
indicators recomputed by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.shutdowns import OutageRegister, RegisterEntry

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path, monkeypatch):
    reg_path = tmp_path / "studies" / "outage_register.sqlite"
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    with OutageRegister(reg_path) as reg:
        reg.record_many([
            RegisterEntry("planned", 40, job_id="W-1", pipe="P1",
                          approved_start=datetime(2025, 7, 2, 22),
                          approved_end=datetime(2025, 7, 3, 4),
                          approval_ref="KM-1", notice_issued=datetime(2025, 7, 1, 9),
                          actual_start=datetime(2025, 7, 2, 22),
                          actual_end=datetime(2025, 7, 3, 4)),
            RegisterEntry("unplanned", 25, job_id="B-1", pipe="P100",
                          actual_start=datetime(2025, 8, 1, 3),
                          actual_end=datetime(2025, 8, 1, 11)),
        ], by="seed")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("app_pages/quarterly.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, reg_path


def _submit(at, label):
    next(b for b in at.button if b.label == label).click().run()


def test_quarterly_page_corrections_and_figures(app):
    at, reg_path = app
    metrics = {m.label: m.value for m in at.metric}
    served = next(n for n in at.number_input if n.label.startswith("Customers served")).value
    # by hand: 40 x 6 h + 25 x 8 h = 440 customer-hours in 2025 Q3
    assert metrics["Planned outages"] == "1" and metrics["Unplanned outages"] == "1"
    assert metrics["Customer-hours without water"] == "440"
    assert metrics["Average customer outage time (h)"] == f"{440 / served:.3f}"

    # a bad correction: an end before the start; refused, nothing stored
    at.selectbox(key="q_corr_id").set_value(1)
    at.selectbox(key="q_corr_field").set_value("actual_end")
    at.text_input(key="q_corr_value").set_value("2025-07-02T20:00")
    at.text_input(key="q_corr_by").set_value("zhang.min")
    _submit(at, "Save the correction")
    assert any("Not corrected" in e.value and "actual_end" in e.value for e in at.error)
    with OutageRegister(reg_path) as reg:
        assert len(reg.history()) == 2

    # a good one: a new version, who and when kept
    at.text_input(key="q_corr_value").set_value("2025-07-03T10:00")
    _submit(at, "Save the correction")
    assert any("version 2 stored" in s.value for s in at.success)
    with OutageRegister(reg_path) as reg:
        hist = reg.history(1)
    assert hist["version"].tolist() == [1, 2]
    assert hist["recorded_by"].tolist() == ["seed", "zhang.min"]
    assert hist["actual_end"].iloc[-1] == datetime(2025, 7, 3, 10)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customer-hours without water"] == f"{40 * 12 + 25 * 8:,}"

    # the quarter's figures: a coverage under 80 % raises an early warning
    at.number_input(key="q_fig_satisfaction_coverage_pct_2025_3").set_value(75.0)
    at.text_input(key="q_fig_by").set_value("li.wei")
    _submit(at, "Save the figures")
    with OutageRegister(reg_path) as reg:
        assert reg.figures(2025, 3)["satisfaction_coverage_pct"] == 75.0
    assert any("Satisfaction-evaluation coverage" in w.value for w in at.warning)
