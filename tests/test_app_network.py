"""Network page (AppTest, in-process): demo, bad and good uploads, a run, study files."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import gis
import models
from application import DEMO_DIR, DEMO_NETWORK, load_study

REPO = Path(__file__).resolve().parents[1]
# A cold numba cache compiles the solver on the first run (about two minutes).
RUN_TIMEOUT_S = 600


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_demo_renders_with_summary(app):
    assert not app.exception
    assert not app.error
    assert _metric(app, "Junctions") == "388"
    assert _metric(app, "Pipes") == "429"
    assert _metric(app, "Duration (h)") == "168"
    assert any("ctown_batadal.inp" in s.value for s in app.subheader)
    assert any("reader notes" in e.label for e in app.expander)


def test_bad_inp_upload_names_the_line_and_keeps_the_demo(app):
    lines = DEMO_NETWORK.read_text().splitlines()
    at_line = next(i for i, line in enumerate(lines) if line.startswith(" P1 "))
    lines[at_line] = lines[at_line].replace("J175", "NO_SUCH_NODE")
    app.file_uploader(key="net_upload").upload("broken.inp", "\n".join(lines).encode()).run()
    assert not app.exception
    message = app.error[0].value
    assert "broken.inp" in message and f"line {at_line + 1}" in message
    assert "NO_SUCH_NODE" in message
    assert _metric(app, "Junctions") == "388"  # the demo is still loaded


def test_non_network_upload_is_a_message(app):
    app.file_uploader(key="net_upload").upload("empty.gpkg", b"not a geopackage").run()
    assert not app.exception
    assert "empty.gpkg" in app.error[0].value


def test_geopackage_upload_opens_with_its_placement(app, tmp_path):
    net = models.load_network(REPO / "tests" / "data" / "networks" / "ctown_batadal.inp")
    path = gis.write_geopackage(net, tmp_path / "ctown.gpkg")
    app.file_uploader(key="net_upload").upload("ctown.gpkg", path.read_bytes()).run()
    assert not app.exception
    assert not app.error
    assert any(s.value == "ctown.gpkg" for s in app.subheader)
    assert _metric(app, "Junctions") == "388"


def test_run_colours_the_map_by_pressure(app):
    _button(app, "Run simulation").click().run(timeout=RUN_TIMEOUT_S)
    assert not app.exception
    assert any("junctions fall below the service pressure of 14.28 m" in i.value for i in app.info)
    assert any("Minimum pressure head over the run (m)" in m.value for m in app.markdown)
    assert app.selectbox(key="net_colour_True").value == "Minimum pressure over the run (m)"
    nodes = app.dataframe[-1].value
    assert {"min_pressure_m", "hours_below_service"} <= set(nodes.columns)
    assert len(nodes) == 396


def test_example_study_loads_and_runs(app):
    example = str(DEMO_DIR / "network_run.yaml")
    app.selectbox(key="net_study_choice").set_value(example)
    _button(app, "Load the chosen file").click().run(timeout=RUN_TIMEOUT_S)
    assert not app.exception
    assert "Loaded C-Town demo, one day" in app.success[0].value
    assert app.text_input(key="net_study_name").value == "C-Town demo, one day"
    assert any(n.value == 24.0 for n in app.number_input)
    assert any("junctions fall below" in i.value for i in app.info)


def test_save_writes_a_study_that_reads_back(app, tmp_path):
    app.text_input(key="net_study_name").set_value("My run").run()
    _button(app, "Save to " + str(tmp_path / "studies" / "network_run-my-run.yaml")).click()
    app.run()
    assert not app.exception
    saved = tmp_path / "studies" / "network_run-my-run.yaml"
    study = load_study(saved)
    assert study.kind == "network_run" and study.name == "My run"
    assert study.resolve(study.body["network"]).resolve() == DEMO_NETWORK.resolve()


def test_map_colours_by_pressure_at_a_chosen_time(app):
    _button(app, "Run simulation").click().run(timeout=RUN_TIMEOUT_S)
    app.selectbox(key="net_colour_True").set_value("Pressure at a chosen time (m)").run()
    app.select_slider[0].set_value(12.0).run()
    assert not app.exception
    assert any("Pressure head at 12 h (m)" in m.value for m in app.markdown)
    app.number_input(key=next(k for k in app.session_state
                              if str(k).startswith("net_duration_h_"))).set_value(24.0).run()
    assert any("inputs changed since this run" in c.value for c in app.caption)
