"""Every page renders on the demo; study files load and save (AppTest).

What the Connections, Shutdowns and Leakage pages compute is tested in
test_app_connections.py, test_app_shutdowns.py and test_app_leakage.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import PAGES
from application import DEMO_DIR, load_study

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_renders_on_the_demo(app, spec):
    app.switch_page(spec.file).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error
    assert len(app.title) == 1 and app.title[0].value.split()[-1].lower() in spec.title.lower()


@pytest.mark.parametrize("page,kind,state_key,count", [
    ("app_pages/connections.py", "connection_applications", "con_body", ("applications", 3)),
    ("app_pages/shutdowns.py", "shutdown_jobs", "sd_body", ("jobs", 1)),
])
def test_example_studies_load_into_the_tables(app, page, kind, state_key, count):
    app.switch_page(page).run()
    prefix = {"con_body": "con_study", "sd_body": "sd_study"}[state_key]
    app.selectbox(key=f"{prefix}_choice").set_value(str(DEMO_DIR / f"{kind}.yaml"))
    _button(app, "Load the chosen file").click().run()
    assert not app.exception
    assert "Loaded" in app.success[0].value
    key, n = count
    assert len(app.session_state[state_key][key]) == n


def test_bad_jobs_file_names_the_key(app):
    app.switch_page("app_pages/shutdowns.py").run()
    bad = (b"kind: shutdown_jobs\nversion: 1\njobs:\n"
           b"  - {job_id: W1, pipe: P1, duration_h: -4}\n")
    app.file_uploader(key="sd_study_upload").upload("negative.yaml", bad)
    _button(app, "Load the upload").click().run()
    message = app.error[0].value
    assert "negative.yaml" in message and "jobs[0].duration_h" in message and ">= 0" in message
    assert "sd_body" not in app.session_state


def test_leakage_inputs_save_as_a_study(app, tmp_path):
    app.switch_page("app_pages/leakage.py").run()
    app.text_input(key="lk_period_0").set_value("2025-Q2")
    values = {"supplied_m3": 1e6, "registered_m3": 9e5, "household_metered_share": 0.5,
              "dn75_length_km": 100.0, "mean_outlet_pressure_mpa": 0.3}
    for key, value in values.items():
        app.number_input(key=f"lk_{key}_0").set_value(value)
    app.run()
    next(b for b in app.button if b.label.startswith("Save to")).click().run()
    assert not app.exception
    study = load_study(tmp_path / "studies" / "leakage_settings-leakage-settings.yaml")
    assert study.body["period"] == "2025-Q2" and study.body["registered_m3"] == 9e5


@pytest.mark.parametrize("page,kind,prefix", [
    ("app_pages/connections.py", "connection_applications", "con_study"),
    ("app_pages/shutdowns.py", "shutdown_jobs", "sd_study"),
])
def test_load_then_save_keeps_the_study(app, tmp_path, page, kind, prefix):
    example = load_study(DEMO_DIR / f"{kind}.yaml")
    app.switch_page(page).run()
    app.selectbox(key=f"{prefix}_choice").set_value(str(DEMO_DIR / f"{kind}.yaml"))
    _button(app, "Load the chosen file").click().run()
    next(b for b in app.button if b.label.startswith("Save to")).click().run()
    assert not app.exception
    saved = next((tmp_path / "studies").glob(f"{kind}-*.yaml"))
    again = load_study(saved)
    assert again.name == example.name
    assert again.resolve(again.body["network"]).resolve() == DEMO_DIR.joinpath(
        example.body["network"]).resolve()

    def without_paths(body):
        return {k: v for k, v in body.items() if k not in ("network", "placement", "ledger")}

    assert without_paths(again.body) == without_paths(example.body)
    for key in ("placement", "ledger"):  # files named relative to where each study lies
        if key in example.body:
            assert again.resolve(again.body[key]).resolve() == example.resolve(
                example.body[key]).resolve()
