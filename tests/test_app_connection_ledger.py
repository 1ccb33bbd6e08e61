"""Connections page, ledger panel (AppTest): open a ledger, file the form's application,
assess, approve, connect with names and times; the clock shown is the library's."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.connections import Ledger, Policy, connection_clock, median_table

REPO = Path(__file__).resolve().parents[1]
RUN_TIMEOUT_S = 600


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_ledger_panel_workflow(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/connections.py").run()
    assert any("No ledger open" in c.value for c in at.caption)
    _button(at, "Open or create the ledger").click().run()
    path = tmp_path / "studies" / "connections_ledger.sqlite"
    assert path.exists()
    # no name: refused, nothing stored
    _button(at, "File the application above").click().run()
    assert any("Type your name first" in e.value for e in at.error)
    at.text_input(key="led_who").set_value("Li")
    at.text_input(key="led_when").set_value("2025-03-03 09:30").run()
    _button(at, "File the application above").click().run(timeout=RUN_TIMEOUT_S)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Filed A-NEW." in s.value for s in at.success), [e.value for e in at.error]
    at.multiselect(key="led_ids").set_value(["A-NEW"])
    at.text_input(key="led_who").set_value("Wang")
    at.text_input(key="led_when").set_value("2025-03-03 10:30").run()
    _button(at, "Assess the chosen").click().run(timeout=RUN_TIMEOUT_S)
    assert any("Assessed 1: A-NEW" in s.value for s in at.success), [e.value for e in at.error]
    # connect before approve: refused by field, nothing stored
    at.text_input(key="led_who").set_value("Chen").run()
    _button(at, "Mark connected").click().run()
    assert any("Nothing was stored" in e.value and "approve it first" in e.value
               for e in at.error)
    at.text_input(key="led_when").set_value("2025-03-03 11:00")
    at.text_input(key="led_who").set_value("Zhao").run()
    _button(at, "Approve").click().run()
    at.text_input(key="led_when").set_value("2025-03-03 13:30")
    at.text_input(key="led_who").set_value("Chen").run()
    _button(at, "Mark connected").click().run()
    assert not at.exception
    with Ledger(path) as ledger:
        ev = ledger.events()
        assert list(ev["who"]) == ["Li", "Wang", "Zhao", "Chen"]
        expected = median_table(connection_clock(ledger, Policy()), Policy())
    assert expected.loc[0, "median_days"] == pytest.approx(4.0 / 8.0)  # commercial, 4 h
    metric = next(m for m in at.metric if m.label.startswith("Business users' median 2025"))
    assert metric.value == f"{expected.loc[0, 'median_days']:.3f}"
