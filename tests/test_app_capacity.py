"""2025 capacity page (AppTest): gap table, what-if files, bad files leave the session alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.studies import DEMO_DIR, load_study

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/capacity.py").run()
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _gap_table(at: AppTest):
    return next(d.value for d in at.dataframe if "target value" in d.value.columns)


def test_gap_table_is_shown_with_illustrative_marks(app):
    assert not app.exception
    assert not app.error
    gaps = _gap_table(app)
    assert "New treatment capacity 2021-2025, city" in set(gaps["target"])
    assert set(gaps["status"]) == {"on track", "at risk"}
    assert gaps["illustrative"].all()
    assert _metric(app, "Targets at risk") == "9"
    assert _metric(app, "Scenario") == "baseline"
    assert any("Illustrative demo data" in w.value for w in app.warning)
    assert len(app.get("image")) == 8  # one trajectory plot per targeted indicator


def test_example_whatif_loads_and_shows_both_columns(app):
    app.selectbox(key="cap_study_choice").set_value(str(DEMO_DIR / "capacity_whatif.yaml"))
    _button(app, "Load the chosen file").click().run()
    assert not app.exception
    assert "Jinning plant two years late" in app.success[0].value
    gaps = _gap_table(app)
    assert {"projected (baseline)", "projected (what-if)", "status (what-if)"} <= set(gaps)
    assert _metric(app, "Scenario") == "what-if"
    assert app.text_input(key="cap_name_1").value == "Jinning plant two years late"


def test_bad_whatif_file_names_the_key_and_changes_nothing(app):
    bad = (b"kind: capacity_whatif\nversion: 1\nname: typo\n"
           b"whatif:\n  delay_years: {NO-SUCH-PROJECT: 2}\n")
    app.file_uploader(key="cap_study_upload").upload("typo.yaml", bad)
    _button(app, "Load the upload").click().run()
    assert not app.exception
    message = app.error[0].value
    assert "typo.yaml" in message and "whatif.delay_years.NO-SUCH-PROJECT" in message
    assert "nothing changed" in message
    assert "cap_whatif" not in app.session_state
    assert _metric(app, "Scenario") == "baseline"


def test_yaml_syntax_error_names_the_line(app):
    app.file_uploader(key="cap_study_upload").upload(
        "broken.yaml", b"kind: capacity_whatif\nversion: 1\nwhatif: [unclosed\n")
    _button(app, "Load the upload").click().run()
    assert not app.exception
    assert "broken.yaml, line" in app.error[0].value


def test_wrong_kind_is_refused(app):
    app.file_uploader(key="cap_study_upload").upload(
        "jobs.yaml", (DEMO_DIR / "shutdown_jobs.yaml").read_bytes())
    _button(app, "Load the upload").click().run()
    assert "this page reads 'capacity_whatif' files" in app.error[0].value


def test_save_writes_the_current_whatif(app, tmp_path):
    app.selectbox(key="cap_study_choice").set_value(str(DEMO_DIR / "capacity_whatif.yaml"))
    _button(app, "Load the chosen file").click().run()
    save = next(b for b in app.button if b.label.startswith("Save to"))
    save.click().run()
    saved = tmp_path / "studies" / "capacity_whatif-jinning-plant-two-years-late.yaml"
    study = load_study(saved)
    example = load_study(DEMO_DIR / "capacity_whatif.yaml")
    assert study.body["whatif"] == example.body["whatif"]  # the page keeps every detail
