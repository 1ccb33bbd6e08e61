"""Invalid input is refused with the field named, never silently replaced (issue 18 item 4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from application import DEMO_DIR

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def connections_app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/connections.py").run()
    return at


@pytest.mark.parametrize("widget,value,words", [
    ("con_demand_0_0", -5.0, ("applications[0].demand_l_s", "-5")),
    ("con_storeys_0_0", 0, ("applications[0].storeys", "0")),
    ("con_length_0_0", -3.0, ("applications[0].service_length_m", "-3")),
])
def test_app_refuses_bad_values_by_field(connections_app, widget, value, words):
    app = connections_app
    app.number_input(key=widget).set_value(value).run()
    assert not app.exception
    # the widget keeps what was typed (no clamping to a minimum)
    assert app.number_input(key=widget).value == value
    message = next(e.value for e in app.error if "Check the inputs" in e.value)
    assert all(w in message for w in words), message
    assert next(b for b in app.button if b.label == "Assess the application").disabled


def test_shutdown_editor_does_not_drop_a_minus_sign():
    text = (REPO / "app_pages" / "shutdowns.py").read_text(encoding="utf-8")
    for column in ('"duration (h)"', '"repair (h)"'):
        line = next(s for s in text.splitlines() if column in s)
        assert "min_value" not in line, line


@pytest.mark.parametrize("file,old,new,field", [
    ("shutdown_jobs.yaml", "duration_h: 6", "duration_h: -4", "jobs[0].duration_h"),
    ("shutdown_jobs.yaml", "repair_h: 8", "repair_h: -4", "bursts[0].repair_h"),
    ("connection_applications.yaml", "demand_l_s: 0.5", "demand_l_s: -5",
     "applications[0].demand_l_s"),
    ("connection_applications.yaml", "storeys: 6", "storeys: 0", "applications[1].storeys"),
])
def test_cli_refuses_bad_values(tmp_path, file, old, new, field):
    text = (DEMO_DIR / file).read_text(encoding="utf-8")
    assert old in text
    study = DEMO_DIR / f"_bad_{tmp_path.name}.yaml"  # beside the demo: relative paths hold
    study.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    try:
        done = subprocess.run([sys.executable, "-m", "planning", "run", str(study), "--out",
                               str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    finally:
        study.unlink()
    assert done.returncode != 0
    assert field in done.stderr, done.stderr
    assert not out.exists() or not any(out.iterdir())
