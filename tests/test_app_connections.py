"""Connections page (AppTest): one application assessed on the demo, the example study (by
map position, with its ledger), bad inputs named by field, the spare-capacity map.

The page must show what ``planning.connections`` computes for the same inputs: each test
assesses the same application through the library and compares.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from application import DEMO_DIR, load_study, open_study_network
from application.connection_study import (
    affected_neighbours,
    assess_item,
    connection_study,
    open_ledger,
    policy_of,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = DEMO_DIR / "connection_applications.yaml"
# A cold numba cache compiles the solver on the first run (about two minutes).
RUN_TIMEOUT_S = 600


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/connections.py").run()
    return at


@pytest.fixture(scope="module")
def example():
    study = load_study(EXAMPLE)
    opened = open_study_network(study)
    return study, opened


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _verdict_box(at: AppTest) -> str:
    texts = [e.value for e in (*at.success, *at.warning, *at.error)]
    return next(t for t in texts if t.startswith("**") and ":" in t)


def test_one_application_is_assessed_on_the_demo(app, example):
    _, opened = example
    app.selectbox(key="con_node_0_0").set_value("J411")
    app.number_input(key="con_demand_0_0").set_value(3.0)
    app.number_input(key="con_storeys_0_0").set_value(6)
    app.run()
    _button(app, "Assess the application").click().run(timeout=RUN_TIMEOUT_S)
    assert not app.exception, [e.value for e in app.exception]
    item = {"application_id": "A-NEW", "customer_class": "commercial", "node": "J411",
            "demand_l_s": 3.0, "meter_dn": 25, "storeys": 6}
    expected = assess_item(connection_study(opened, policy_of({})), item)
    assert _verdict_box(app) == f"**A-NEW: {expected.verdict}**"
    assert _metric(app, "Lowest pressure at the customer (m)") == \
        f"{expected.customer_min_pressure_m:.1f}"
    assert expected.required_head_m == 28.0  # GB 50013: 6 storeys
    reply = app.code[0].value
    assert reply.startswith("Reply to service application A-NEW")  # application.documents
    assert "(customer class: commercial; mean demand 3 L/s; meter DN25; 6 storey(s))" in reply
    assert "at junction J411" in reply
    assert f"({expected.customer_min_pressure_m:.1f} m)" in reply  # MPa with m beside it
    neighbours = next(d.value for d in app.dataframe if "change_m" in d.value.columns)
    assert len(neighbours) == min(50, len(affected_neighbours(expected)))
    assert (neighbours["change_m"] < -0.01).all()
    assert any("Change of the lowest daily pressure (m)" in m.value for m in app.markdown)


def test_example_study_by_map_position_with_its_ledger(app, example):
    study, opened = example
    app.selectbox(key="con_study_choice").set_value(str(EXAMPLE))
    _button(app, "Load the chosen file").click().run()
    assert "Loaded" in app.success[0].value
    app.selectbox(key="con_pick_1").set_value(2).run()  # A-2025-003: an x/y location
    assert app.radio(key="con_where_1_2").value == "Map position (x, y)"
    _button(app, "Assess the application").click().run(timeout=RUN_TIMEOUT_S)
    assert not app.exception, [e.value for e in app.exception]
    expected = assess_item(connection_study(opened, policy_of(study.body), open_ledger(study)),
                           study.body["applications"][2])
    assert expected.tap.split and expected.tap.main is not None
    assert _verdict_box(app) == f"**A-2025-003: {expected.verdict}**"
    assert f"to main {expected.tap.main}" in app.code[0].value
    assert "Service track: 11000," in app.code[0].value  # low-risk project (§2)
    ledger = next(d.value for d in app.dataframe if "approved_at" in d.value.columns)
    assert list(ledger["status"]) == ["connected", "approved", "received"]


@pytest.mark.parametrize("widget,value,words", [
    ("con_demand_0_0", 0.0, ("applications[0].demand_l_s", "must be > 0")),
    ("con_id_0_0", "bad id!", ("applications[0].application_id", "letters, digits")),
])
def test_bad_inputs_name_the_field(app, widget, value, words):
    kind = app.number_input if isinstance(value, float) else app.text_input
    kind(key=widget).set_value(value).run()
    assert not app.exception
    message = next(e.value for e in app.error if "Check the inputs" in e.value)
    assert all(w in message for w in words), message
    assert _button(app, "Assess the application").disabled


def test_location_outside_the_network_is_a_message(app):
    app.radio(key="con_where_0_0").set_value("Map position (x, y)").run()
    app.number_input(key="con_x_0_0").set_value(100000.0)
    app.number_input(key="con_y_0_0").set_value(100000.0).run()
    _button(app, "Assess the application").click().run(timeout=RUN_TIMEOUT_S)
    assert not app.exception
    message = next(e.value for e in app.error if "Not assessed" in e.value)
    assert "applications[0].x_m" in message and "outside" in message


def test_spare_capacity_map(app, example):
    _, opened = example
    _button(app, "Compute the spare-capacity map").click().run(timeout=RUN_TIMEOUT_S)
    assert not app.exception
    table = next(d.value for d in app.dataframe if "spare_capacity_l_s" in d.value.columns)
    assert (table["spare_capacity_l_s"] >= 0).all()
    node = table.index[-1]
    expected = connection_study(opened, policy_of({})).spare_capacity_map(threads=1)
    assert table.loc[node, "spare_capacity_l_s"] == pytest.approx(
        expected.loc[node, "spare_capacity_l_s"], rel=2e-3)
    assert any("Spare capacity at the peak hour (L/s)" in m.value for m in app.markdown)
