"""CJJ 92-2016 rates recomputed by hand; corrections, caps, overrides, the Leakage page fields."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from planning.leakage import (
    Cjj92Inputs,
    LeakageInputError,
    assess_settings,
    cjj92_assess,
    period_days,
)
from planning.leakage.cjj92 import r2_pct, r3_pct, r4_pct

REPO = Path(__file__).resolve().parents[1]


def test_hand_computed_case():
    # A year: 1,000,000 m3 supplied, 850,000 registered, 840,000 billed.
    res = cjj92_assess(Cjj92Inputs(
        supplied_m3=1_000_000, registered_m3=850_000, billed_m3=840_000,
        household_metered_share=0.5, dn75_length_km=8.0, mean_outlet_pressure_mpa=0.60,
        frost_depth_m=1.5, period_days=365))
    assert res.gross_loss_rate_pct == pytest.approx(15.0)           # 150,000 / 1e6
    assert res.r1_pct == pytest.approx(4.0)                         # 8 * 0.5
    assert res.a_km_per_1e4_m3 == pytest.approx(0.08)               # 8 km / 100 x 1e4 m3
    assert res.r2_pct == pytest.approx(99 * (0.08 - 0.0693))        # 1.0593
    assert res.r3_pct == 1.0                                        # 0.55 < 0.60 <= 0.75
    assert res.r4_pct == 1.0                                        # 1.5 m > 1.4 m
    total = 4.0 + 99 * (0.08 - 0.0693) + 1.0 + 1.0
    assert res.corrections_pct == pytest.approx(total)
    assert res.assessed_rate_pct == pytest.approx(15.0 - total)     # 7.94 %
    assert res.grade == 1
    assert res.nrw_pct == pytest.approx(16.0)
    assert any("medium-confidence" in n for n in res.notes)


def test_quarter_is_annualised_for_a():
    # The same network over 90 days with a quarter of the supply: A must not change.
    year = cjj92_assess(Cjj92Inputs(supplied_m3=365e4, registered_m3=300e4,
                                    dn75_length_km=30.0, period_days=365))
    quarter = cjj92_assess(Cjj92Inputs(supplied_m3=90e4, registered_m3=300e4 * 90 / 365,
                                       dn75_length_km=30.0, period_days=90))
    assert year.a_km_per_1e4_m3 == pytest.approx(30.0 / 365.0)
    assert quarter.a_km_per_1e4_m3 == pytest.approx(year.a_km_per_1e4_m3)
    assert quarter.r2_pct == pytest.approx(year.r2_pct)


def test_r2_is_capped_and_bands_edges():
    assert r2_pct(1.0) == 3.0
    assert r2_pct(0.0) == -3.0
    assert r2_pct(0.0693) == 0.0
    assert [r3_pct(p) for p in (0.35, 0.3501, 0.55, 0.5501, 0.75, 0.7501)] == [
        0.0, 0.5, 0.5, 1.0, 1.0, 2.0]
    assert r4_pct(1.4) == 0.0 and r4_pct(1.41) == 1.0


def test_grades_and_overrides():
    base = dict(supplied_m3=100.0, registered_m3=89.0)
    assert cjj92_assess(Cjj92Inputs(**base)).grade == 2            # 11 %
    assert cjj92_assess(Cjj92Inputs(**base, r4_pct=1.0)).grade == 1  # 10 %
    res = cjj92_assess(Cjj92Inputs(supplied_m3=100.0, registered_m3=80.0, r1_pct=2.0,
                                   r2_pct=-1.0, r3_pct=0.5, r4_pct=0.0))
    assert res.corrections_pct == pytest.approx(1.5)
    assert res.assessed_rate_pct == pytest.approx(18.5)
    assert res.grade is None and "above grade 2" in res.verdict
    assert math.isnan(res.nrw_pct)                                  # no billed volume
    assert {"R1 overridden.", "R2 overridden."} <= set(res.notes)


@pytest.mark.parametrize("field, value", [
    ("supplied_m3", 0.0), ("registered_m3", -1.0), ("household_metered_share", 1.5),
    ("dn75_length_km", "many"), ("frost_depth_m", float("nan")),
])
def test_bad_inputs_name_the_field(field, value):
    kw = dict(supplied_m3=100.0, registered_m3=90.0)
    kw[field] = value
    with pytest.raises(LeakageInputError) as err:
        Cjj92Inputs(**kw)
    assert err.value.field == field


def test_period_labels():
    assert period_days("2025-Q1") == 90
    assert period_days("2024-Q1") == 91
    assert period_days("2025") == 365
    assert period_days("2025-H2") == 184
    assert period_days("2025-02") == 28
    assert period_days("spring") is None


def test_demo_leakage_settings_file():
    body = yaml.safe_load((REPO / "scenarios/demo/leakage_settings.yaml").read_text())
    res = assess_settings(body)
    supplied, registered = body["supplied_m3"], body["registered_m3"]
    assert res.inputs.period_days == 90
    assert res.gross_loss_rate_pct == pytest.approx(100 * (supplied - registered) / supplied)
    annual_1e4 = supplied * 365 / 90 / 1e4
    assert res.a_km_per_1e4_m3 == pytest.approx(body["dn75_length_km"] / annual_1e4)
    assert res.r1_pct == pytest.approx(8 * body["household_metered_share"])
    assert res.r3_pct == 0.5                                        # 0.40 MPa
    series = res.to_series()
    assert series["assessed_rate_pct"] == pytest.approx(res.assessed_rate_pct)


def test_unrecognised_period_is_refused():
    with pytest.raises(LeakageInputError) as err:
        assess_settings({"period": "Q1 last year", "supplied_m3": 100, "registered_m3": 95,
                         "dn75_length_km": None})
    assert err.value.field == "period"
    res = assess_settings({"period": None, "period_days": 90, "supplied_m3": 100,
                           "registered_m3": 95})
    assert res.inputs.period_days == 90
