"""Shutdowns page (AppTest): the demo job and burst planned as ``planning.shutdowns`` plans
them, bad study uploads refused by key with the session's jobs kept, planning errors shown
as messages.

The page must show what ``planning.shutdowns.plan_job`` / ``burst`` compute for the same
inputs: each test plans the same job through the library directly and compares.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from application import DEMO_DIR, load_study, open_study_network
from planning.shutdowns import Job, Policy, burst, plan_job

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = DEMO_DIR / "shutdown_jobs.yaml"
RUN_TIMEOUT_S = 600  # a cold numba cache compiles the window search first
# The example study, as planning.shutdowns takes it (scenarios/demo/shutdown_jobs.yaml).
NOW = datetime(2025, 6, 28, 9, 0)
POLICY = Policy(notice_h=24, night_only=True, night_start_h=22, night_end_h=6)


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/shutdowns.py").run()
    return at


@pytest.fixture(scope="module")
def demo_net():
    return open_study_network(load_study(EXAMPLE)).net


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _load_example(at: AppTest) -> None:
    at.selectbox(key="sd_study_choice").set_value(str(EXAMPLE))
    _button(at, "Load the chosen file").click().run()
    assert "Loaded" in at.success[0].value


def _plan(at: AppTest) -> None:
    _button(at, "Plan the shutdown").click().run(timeout=RUN_TIMEOUT_S)
    assert not at.exception, [e.value for e in at.exception]


def _check_shown(at: AppTest, expected) -> None:
    """Metrics and tables on the page are the library plan's."""
    s = expected.impact.summary
    assert _metric(at, "Customers without water") == f"{s['customers_without_water']:,}"
    assert _metric(at, "Customers below 14.28 m") == f"{s['customers_below_min']:,}"
    assert _metric(at, "Customer-hours without water") == \
        f"{s['customer_hours_without_water']:,.0f}"
    assert _metric(at, "Valves to close") == str(len(expected.valves_to_close))
    valves = _table(at, "side")
    assert list(valves.index) == list(expected.valves_to_close.index)
    assert list(valves["link"]) == list(expected.valves_to_close["link"])
    affected = _table(at, "hours_without_water")
    assert list(affected.index) == list(expected.impact_table.index)
    assert list(affected["customers"]) == list(expected.impact_table["customers"])
    # the customers without water are those of the junctions shown with more hours without
    # water than the baseline (docs/shutdowns.md, Impact)
    lost = affected["hours_without_water"] > affected["baseline_hours_without_water"]
    assert int(affected.loc[lost, "customers"].sum()) == s["customers_without_water"]
    notice = _table(at, "notice_hours")
    assert list(notice["node"]) == list(expected.notice_list["node"])
    assert any("Supply during the shutdown" in m.value for m in at.markdown)  # map legend


def test_demo_job_is_planned_as_the_library_plans_it(app, demo_net):
    _load_example(app)
    _plan(app)
    expected = plan_job(demo_net, Job(pipe="P1", duration_h=6, job_id="W-2025-001",
                                      not_before=datetime(2025, 7, 1, 22)),
                        None, POLICY, now=NOW)
    best = expected.best_window
    start = best["start"]  # the page writes dates as the language does: 3 July 2025 00:00
    assert any(f"valves closed {start.day} {start:%B %Y %H:%M}" in s.value for s in app.success)
    # the night rule and the notice hold for the start shown
    assert best["start"].hour >= 22 or best["end"].hour <= 6
    assert (best["start"] - NOW).total_seconds() >= 24 * 3600
    _check_shown(app, expected)
    assert not any("Required" in w.value for w in app.warning)  # 6 h < 24 h


def test_demo_burst_is_planned_as_the_library_plans_it(app, demo_net):
    _load_example(app)
    app.selectbox(key="sd_pick_1").set_value(1).run()
    _plan(app)
    expected = burst(demo_net, "P100", datetime(2025, 7, 2, 3, 15), None, POLICY,
                     repair_h=8, job_id="B-2025-001")
    assert any("B-2025-001: burst on pipe P100" in s.value for s in app.success)
    _check_shown(app, expected)
    assert expected.impact.summary["customers_without_water"] > 0


@pytest.mark.parametrize("old,new,words", [
    ("pipe: P1\n", "pipe: NOPE\n", ("key 'jobs[0].pipe'", "no pipe 'NOPE'")),
    ("duration_h: 6", "duration_h: six", ("key 'jobs[0].duration_h'", "must be a number")),
    ("repair_h: 8", "repair_h: 0", ("key 'bursts[0].repair_h'", "must be > 0")),
    ('time: "2025-07-02T03:15"', "time: tomorrow", ("key 'bursts[0].time'", "not a date")),
    ("    pipe: P100\n", "    pipe: P100\n    inoperable_valves: [V9999]\n",
     ("key 'bursts[0].inoperable_valves'", "no valve 'V9999'")),
    ("jobs:\n", "jobs: [\n", ("line ", "YAML")),
])
def test_bad_upload_names_the_field_and_keeps_the_jobs(app, old, new, words):
    _load_example(app)
    before = app.session_state["sd_body"]
    text = EXAMPLE.read_text()
    assert old in text
    app.file_uploader(key="sd_study_upload").upload("bad.yaml",
                                                    text.replace(old, new, 1).encode())
    _button(app, "Load the upload").click().run()
    assert not app.exception
    message = next(e.value for e in app.error if "Not loaded" in e.value)
    assert "bad.yaml" in message and all(w in message for w in words), message
    assert app.session_state["sd_body"] == before  # nothing changed
    assert app.session_state["sd_ver"] == 1


def test_planning_error_is_a_message(app):
    _load_example(app)
    body = dict(app.session_state["sd_body"])
    body["jobs"] = [{**body["jobs"][0], "pipe": "NOPE"}]
    app.session_state["sd_body"] = body
    app.session_state["sd_ver"] = 2
    app.run()
    assert any("NOPE" in w.value for w in app.warning)  # "Not links of this network"
    _plan(app)
    message = next(e.value for e in app.error if "Not planned" in e.value)
    assert "key 'jobs[0].pipe'" in message and "no pipe 'NOPE' in the network" in message
    assert not app.metric


def test_job_over_24_h_shows_the_emergency_supply(app, demo_net):
    text = EXAMPLE.read_text().replace("duration_h: 6", "duration_h: 30", 1)
    app.file_uploader(key="sd_study_upload").upload("long.yaml", text.encode())
    _button(app, "Load the upload").click().run()
    assert "Loaded" in app.success[0].value
    _plan(app)
    expected = plan_job(demo_net, Job(pipe="P1", duration_h=30, job_id="W-2025-001",
                                      not_before=datetime(2025, 7, 1, 22)),
                        None, POLICY, now=NOW)
    e = expected.emergency
    assert e.required  # the isolated segment is without water for 30 h > 24 h (§14)
    _check_shown(app, expected)
    box = next(w.value for w in app.warning if w.value.startswith("**Required**"))
    assert f"{e.persons:,.0f} persons" in box and f"{e.daily_volume_m3:,.1f} m³/d" in box
    assert f"{e.tanker_trips_per_day} tanker trips a day" in box
