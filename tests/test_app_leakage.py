"""Leakage page (AppTest): leakage settings run on the demo, the example study (zones, PRV
sweep, reported quarter), bad inputs named by key.

The page must show what ``planning.leakage`` computes for the same settings: the tests run
the same body through :func:`application.leakage_study.run_leakage` and compare.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from application import DEMO_DIR, DEMO_NETWORK, load_study, open_network
from application.leakage_study import run_leakage
from planning.leakage import NETWORK

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = DEMO_DIR / "leakage_settings.yaml"
RUN_TIMEOUT_S = 600  # a cold numba cache compiles the solver first


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/leakage.py").run()
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _metrics(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def _run(at: AppTest) -> None:
    _button(at, "Run and assess the network").click().run(timeout=RUN_TIMEOUT_S)
    assert not at.exception, [e.value for e in at.exception]


def test_every_pipe_leakage_is_run_and_graded(app):
    app.number_input(key="lk_area_0").set_value(0.5)
    app.number_input(key="lk_expansion_0").set_value(0.02)
    app.run()
    _run(app)
    body = {"leakage": [{"leak_area_mm2_per_100m": 0.5, "leak_expansion_mm2_per_m": 0.02}],
            "household_metered_share": 0.0, "frost_depth_m": 0.0, "duration_h": 24.0,
            "min_pressure_m": 14.0}
    expected = run_leakage(open_network(DEMO_NETWORK), body).network
    assert _metrics(app, "Leakage (m³/d)") == [f"{expected['leakage_m3_per_d']:,.0f}"]
    assert _metrics(app, "漏损率 R_BL (%)") == [f"{expected['assessed_rate_pct']:.2f}"]
    assert any(s.value.startswith(f"**Network: {expected['verdict'].replace('<=', '≤')}**") for s in
               (*app.success, *app.warning, *app.error))
    # mass balance of the shown network row: supplied = registered + leakage (+ round-off)
    table = next(d.value for d in app.dataframe if "leakage_m3" in d.value.columns)
    row = table.loc[NETWORK]
    assert row["supplied_m3"] == pytest.approx(row["registered_m3"] + row["leakage_m3"],
                                               rel=1e-4)
    first = float(_metrics(app, "Leakage (m³/d)")[0].replace(",", ""))
    app.number_input(key="lk_area_0").set_value(1.0).run()
    _run(app)
    assert float(_metrics(app, "Leakage (m³/d)")[0].replace(",", "")) > first  # more cracks


def test_example_study_zones_sweep_and_reported_quarter(app):
    study = load_study(EXAMPLE)
    app.selectbox(key="lk_study_choice").set_value(str(EXAMPLE))
    _button(app, "Load the chosen file").click().run()
    assert "Loaded" in app.success[0].value
    assert app.selectbox(key="lk_zoning_1").value == "pumps"
    _run(app)
    _button(app, "Assess the reported figures").click().run()
    assert not app.exception
    expected = run_leakage(open_network(DEMO_NETWORK), study.body)
    table = next(d.value for d in app.dataframe if "leakage_m3" in d.value.columns)
    assert list(table.index) == list(expected.table.index)
    assert table["gross_loss_rate_pct"].to_numpy() == pytest.approx(
        expected.table["gross_loss_rate_pct"].to_numpy(), rel=1e-9, nan_ok=True)
    # zone Z2 has twice the crack area of the others: its rate is the highest of the big zones
    big = table.drop(index=NETWORK)[table.drop(index=NETWORK)["supplied_m3"] > 1000]
    assert big["gross_loss_rate_pct"].idxmax() == "Z2"
    assert expected.sweep_best is not None
    assert any(f"**{expected.sweep_best}**" in s.value for s in app.success)
    # the reported quarter of docs/leakage.md: R_WL 10.00 %, corrections 7.20 %, R_BL 2.80 %
    assert _metrics(app, "综合漏损率 R_WL (%)")[-1] == "10.00"
    assert _metrics(app, "漏损率 R_BL (%)")[-1] == "2.80"
    assert any("2025-Q1: grade 1" in s.value for s in app.success)


def test_registered_above_supplied_names_the_key(app):
    app.text_input(key="lk_period_0").set_value("2025-Q2")
    for key, value in {"supplied_m3": 1e6, "registered_m3": 2e6, "dn75_length_km": 10.0,
                       "mean_outlet_pressure_mpa": 0.3}.items():
        app.number_input(key=f"lk_{key}_0").set_value(value)
    app.run()
    message = next(e.value for e in app.error if "Check the inputs" in e.value)
    assert "key 'registered_m3'" in message and "larger than supplied_m3" in message
    assert _button(app, "Assess the reported figures").disabled


def test_unknown_zone_in_a_study_is_refused_with_its_key(app):
    bad = EXAMPLE.read_text().replace("zone: Z2", "zone: Z42")
    app.file_uploader(key="lk_study_upload").upload("zones.yaml", bad.encode())
    _button(app, "Load the upload").click().run()
    assert not app.exception
    message = next(e.value for e in app.error if "Not loaded" in e.value)
    assert "zones.yaml, key 'leakage[1].zone'" in message and "unknown zone 'Z42'" in message
    assert "lk_body" not in app.session_state  # nothing changed
