"""2025 capacity page (AppTest): gap table, what-if files, bad files leave the session alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from application import DEMO_DIR, DEMO_REGISTRY, load_study

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


def _deck(at: AppTest) -> dict:
    import json

    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def _plant_table(at: AppTest):
    return next(d.value for d in at.dataframe if "utilisation_avg" in d.value.columns)


@pytest.mark.parametrize("year", [2025, 2024])
def test_map_shows_the_librarys_plant_utilisation(app, year):
    from planning.capacity import load_registry, plant_flows

    if year != 2025:
        app.selectbox(key="cap_map_year").set_value(year).run()
    assert not app.exception
    flows = plant_flows(load_registry(DEMO_REGISTRY), [year]).set_index("plant_id")
    table = _plant_table(app)
    assert list(table.index) == list(flows.index)
    assert table["utilisation_avg"].to_numpy() == pytest.approx(
        flows["utilisation_avg"].to_numpy(), nan_ok=True)
    layers = {layer["@@type"]: layer["data"] for layer in _deck(app)["layers"]}
    points = {p["id"]: p for p in layers["ScatterplotLayer"]}
    located = {"KM03", "KM13", "AN-1", "SL-1"}
    assert located <= set(points) and "DC-OTHER" not in points  # the aggregate has no site
    red = {pid for pid, p in points.items() if p["colour"][:3] == [215, 48, 39]}
    assert red == set(flows.index[flows["utilisation_avg"] > 1]) & set(points)
    assert red == ({"KM13"} if year == 2024 else set())  # the demo's No. 13 before phase 2
    assert {a["id"] for a in layers["PolygonLayer"]} >= {"C-KM13", "C-AN", "C-SL"}
    labels = [b.proto.label for b in app.get("download_button")]
    assert f"Plants and catchments {year} (GeoPackage)" in labels
    assert any("Illustrative:" in c.value and "invented" in c.value for c in app.caption)


def test_map_colours_catchments_by_sewage(app):
    app.radio(key="cap_map_colour").set_value("Sewage generated (m³/d)").run()
    assert not app.exception
    assert "Catchment sewage generated (m³/d)" in "".join(m.value for m in app.markdown)
