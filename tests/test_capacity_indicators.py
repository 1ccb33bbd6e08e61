"""Every review indicator recomputed by hand for a small registry (planning.capacity)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.capacity import (
    PLAN_2025,
    Assumptions,
    Registry,
    catchment_flows,
    compare_to_targets,
    gap_table,
    indicators,
    overload_warnings,
    peaking_factor,
    plant_flows,
    sample_compliance,
)

DAYS_2023 = 365

PLANTS = pd.DataFrame(
    [
        dict(plant_id="A", name="Plant A", basin="dianchi", design_capacity_m3_per_d=100_000,
             reclaimed_capacity_m3_per_d=10_000, year_in_service=2010, effluent_class="1A",
             ecological_reuse_share=0.5),
        dict(plant_id="B", name="Plant B", basin="outside", design_capacity_m3_per_d=12_000,
             year_in_service=2000, effluent_class="1B", ecological_reuse_share=0.2,
             illustrative=True),
        dict(plant_id="N", name="Plant N", basin="dianchi", design_capacity_m3_per_d=0,
             effluent_class="better_than_1A"),
        dict(plant_id="AN", name="Plant AN", basin="anning", design_capacity_m3_per_d=10_000,
             year_in_service=2015, effluent_class="1A"),
    ]
)
CATCHMENTS = pd.DataFrame(
    [
        dict(catchment_id="c1", name="C1", basin="dianchi", settlement="city", plant_id="A",
             population=300_000, per_capita_use_l_per_person_d=250, collection_rate=0.8),
        dict(catchment_id="c2", name="C2", basin="outside", settlement="county_town",
             plant_id="B", population=100_000, per_capita_use_l_per_person_d=200,
             population_growth_per_yr=0.02, per_capita_growth_per_yr=0.01,
             collection_rate=0.9),
        dict(catchment_id="c3", name="C3", basin="dianchi", settlement="city", plant_id="N",
             population=50_000, per_capita_use_l_per_person_d=200, collection_rate=0.7),
        dict(catchment_id="c4", name="C4", basin="anning", settlement="city", plant_id="AN",
             population=40_000, per_capita_use_l_per_person_d=250, collection_rate=0.75,
             return_factor=0.8, infiltration_share=0.2),
        dict(catchment_id="c5", name="Towns", basin="outside", settlement="town", plant_id="",
             population=10_000, per_capita_use_l_per_person_d=100, collection_rate=0.0),
    ]
)
PROJECTS = pd.DataFrame(
    [
        dict(project_id="p1", name="N built", kind="new_plant", plant_id="N",
             capacity_m3_per_d=30_000, planned_year=2023, status="completed"),
        dict(project_id="p2", name="A phase 2", kind="expansion", plant_id="A",
             capacity_m3_per_d=50_000, planned_year=2025, status="planned"),
        dict(project_id="p3", name="A reclaimed", kind="reclaimed_plant", plant_id="A",
             reclaimed_capacity_m3_per_d=5_000, planned_year=2022, status="under_construction"),
        dict(project_id="p4", name="B phase 2", kind="expansion", plant_id="B",
             capacity_m3_per_d=5_000, planned_year=2022, status="completed"),
        dict(project_id="s1", name="C1 sewers", kind="sewer", catchment_id="c1",
             sewer_length_km=10, collection_rate_gain=0.05, planned_year=2022,
             status="completed"),
        dict(project_id="s2", name="Outside sewers", kind="sewer", basin="outside",
             sewer_length_km=4, planned_year=2025, status="planned"),
        dict(project_id="u1", name="B to 1A", kind="upgrade", plant_id="B", effluent_class="1A",
             planned_year=2024, status="completed"),
        dict(project_id="x1", name="Cancelled", kind="expansion", plant_id="AN",
             capacity_m3_per_d=9_999, planned_year=2023, status="cancelled"),
    ]
)
MEASUREMENTS = pd.DataFrame(
    [dict(plant_id="A", year=2023, treated_volume_m3=60_000 * DAYS_2023,
          reused_volume_m3=30_000 * DAYS_2023)]
)
SAMPLES = pd.DataFrame(
    [
        dict(plant_id="A", date="2023-03-01", cod_mg_per_l=30, tn_mg_per_l=16.0),  # TN fails
        dict(plant_id="A", date="2023-01-10", nh3n_mg_per_l=6.0, water_temp_c=10),  # cold: ok
        dict(plant_id="A", date="2023-07-10", nh3n_mg_per_l=6.0, water_temp_c=20),  # fails
        dict(plant_id="A", date="2023-08-10", tp_mg_per_l=0.8),  # built 2010: 0.5, fails
        dict(plant_id="A", date="2023-09-10", cod_mg_per_l=20, tp_mg_per_l=0.3),  # ok
        dict(plant_id="B", date="2023-05-01", tp_mg_per_l=0.8),  # built 2000: 1.0, ok
        dict(plant_id="N", date="2024-05-01", ss_mg_per_l=9.9),  # ok
    ]
)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_frames(
        plants=PLANTS, catchments=CATCHMENTS, projects=PROJECTS, measurements=MEASUREMENTS,
        samples=SAMPLES,
        assumptions=Assumptions(as_of_year=2024, return_factor=0.85, infiltration_share=0.1,
                                reclaimed_load_factor=0.8, high_utilisation=0.85),
    )


@pytest.fixture(scope="module")
def ind(registry) -> pd.DataFrame:
    return indicators(registry, range(2020, 2027))


def value(ind: pd.DataFrame, name: str, scope: str, year: int) -> float:
    row = ind[(ind["indicator"] == name) & (ind["scope"] == scope) & (ind["year"] == year)]
    assert len(row) == 1, (name, scope, year)
    return float(row["value"].iloc[0])


# ---- hand computation of the 2023 flows --------------------------------------------------
# c1 -> A: supply 300,000 x 0.250 = 75,000; generated x 0.85 = 63,750;
#          collection 0.80 + 0.05 (s1, 2022) = 0.85 -> 54,187.5; infiltration 10 % = 5,418.75
C1_GEN = 300_000 * 0.250 * 0.85
C1_COL = C1_GEN * 0.85
C1_INF = C1_COL * 0.10
# c2 -> B: supply 100,000 x 0.200 x (1.02 x 1.01)^3; collection 0.9; infiltration 10 %
C2_GEN = 100_000 * 0.200 * (1.02 * 1.01) ** 3 * 0.85
C2_COL = C2_GEN * 0.9
C2_INF = C2_COL * 0.10
B_CAP_2023 = 12_000 + 5_000  # p4 in 2022
# c3 -> N (in service from 2023, p1): 50,000 x 0.200 x 0.85 x 0.7
C3_GEN = 50_000 * 0.200 * 0.85
C3_COL = C3_GEN * 0.7
C3_INF = C3_COL * 0.10
# c4 -> AN: own return factor 0.8 and infiltration share 0.2
C4_GEN = 40_000 * 0.250 * 0.8
C4_COL = C4_GEN * 0.75
C4_INF = C4_COL * 0.2
# c5: towns without a plant, 10,000 x 0.100 x 0.85, nothing collected
C5_GEN = 10_000 * 0.100 * 0.85


def test_capacities_and_sewers_by_hand(ind):
    # 2023: p1 (30,000, dianchi) + p4 (5,000, outside); x1 is cancelled.
    assert value(ind, "new_treatment_capacity_m3_per_d", "city", 2023) == 35_000
    assert value(ind, "new_treatment_capacity_m3_per_d", "dianchi", 2023) == 30_000
    assert value(ind, "new_treatment_capacity_m3_per_d", "outside_dianchi", 2023) == 5_000
    assert value(ind, "new_treatment_capacity_m3_per_d", "city", 2021) == 0
    assert value(ind, "new_treatment_capacity_m3_per_d", "city", 2025) == 85_000  # + p2
    assert value(ind, "treatment_capacity_m3_per_d", "city", 2023) == 100_000 + 17_000 + 30_000 + 10_000
    # p3 planned 2022 but unfinished at the 2024 review: overdue, counted from 2024.
    assert value(ind, "reclaimed_capacity_m3_per_d", "city", 2023) == 10_000
    assert value(ind, "reclaimed_capacity_m3_per_d", "city", 2024) == 15_000
    assert value(ind, "new_sewer_length_km", "city", 2021) == 0
    assert value(ind, "new_sewer_length_km", "city", 2023) == 10
    assert value(ind, "new_sewer_length_km", "city", 2025) == 14
    assert value(ind, "new_sewer_length_km", "outside", 2025) == 4


def test_flows_by_hand(registry):
    flows = catchment_flows(registry, [2022, 2023]).set_index(["catchment_id", "year"])
    assert flows.loc[("c1", 2023), "collected_m3_per_d"] == pytest.approx(C1_COL)
    assert flows.loc[("c2", 2023), "generated_m3_per_d"] == pytest.approx(C2_GEN)
    assert flows.loc[("c4", 2023), "inflow_m3_per_d"] == pytest.approx(C4_COL + C4_INF)
    # N is not in service in 2022: nothing of c3 is collected.
    assert flows.loc[("c3", 2022), "collected_m3_per_d"] == 0
    assert flows.loc[("c3", 2023), "collected_m3_per_d"] == pytest.approx(C3_COL)
    kz = 1.6 - (C1_COL / 86.4 - 500) / 500 * 0.1  # between 500 L/s (1.6) and 1000 L/s (1.5)
    assert flows.loc[("c1", 2023), "peaking_factor"] == pytest.approx(kz)
    assert flows.loc[("c1", 2023), "peak_inflow_m3_per_d"] == pytest.approx(kz * C1_COL + C1_INF)


def test_rates_by_hand(ind):
    # B is overloaded in 2023: it treats 17,000 of its inflow.
    b_inflow = C2_COL + C2_INF
    assert b_inflow > B_CAP_2023
    b_share = B_CAP_2023 / b_inflow
    generated = C1_GEN + C2_GEN + C3_GEN + C4_GEN + C5_GEN
    treated_sewage = C1_COL + C2_COL * b_share + C3_COL + C4_COL
    assert value(ind, "treatment_rate", "city", 2023) == pytest.approx(treated_sewage / generated)
    assert value(ind, "county_town_treatment_rate", "city", 2023) == pytest.approx(
        C2_COL * b_share / C2_GEN)
    assert value(ind, "urban_collection_rate", "city", 2023) == pytest.approx(
        (C1_COL + C3_COL + C4_COL) / (C1_GEN + C3_GEN + C4_GEN))
    assert math.isnan(value(ind, "county_town_treatment_rate", "dianchi", 2023))
    assert value(ind, "sewage_generated_m3_per_d", "city", 2023) == pytest.approx(generated)


def test_reuse_by_hand(ind):
    # A measured in 2023: 60,000 treated, 30,000 reused.
    # N: no reclaimed capacity, no ecological reuse.  AN: none either.
    treated_n = C3_COL + C3_INF
    treated_an = C4_COL + C4_INF
    assert value(ind, "reuse_rate", "dianchi_anning", 2023) == pytest.approx(
        30_000 / (60_000 + treated_n + treated_an))
    assert value(ind, "reuse_rate", "dianchi", 2023) == pytest.approx(30_000 / (60_000 + treated_n))
    # B (projected): no reclaimed capacity; 20 % of its 17,000 t/d effluent reused.
    assert value(ind, "reuse_rate", "outside", 2023) == pytest.approx(0.2)
    # A in 2022 (projected): reclaimed 10,000 x 0.8 = 8,000 + 50 % of the rest.
    a_treated = C1_COL + C1_INF
    a_reused = 8_000 + 0.5 * (a_treated - 8_000)
    assert value(ind, "reused_m3_per_d", "dianchi", 2022) == pytest.approx(a_reused)
    row = ind[(ind["indicator"] == "reuse_rate") & (ind["scope"] == "dianchi")
              & (ind["year"].isin([2022, 2023]))].set_index("year")["basis"]
    assert row[2022] == "projected" and row[2023] == "mixed"


def test_samples_and_classes_by_hand(registry, ind):
    checked = sample_compliance(registry)
    assert checked["meets_class_1a"].tolist() == [False, True, False, False, True, True, True]
    assert checked["failed"].tolist()[:4] == ["tn", "", "nh3n", "tp"]
    assert value(ind, "class_1a_sample_share", "dianchi", 2023) == pytest.approx(2 / 5)
    assert value(ind, "class_1a_sample_share", "city", 2023) == pytest.approx(3 / 6)
    assert value(ind, "class_1a_sample_share", "dianchi", 2024) == 1.0
    assert math.isnan(value(ind, "class_1a_sample_share", "dianchi", 2022))
    # B is Class 1B until its 2024 upgrade.
    cap_2023 = 100_000 + 17_000 + 30_000 + 10_000
    assert value(ind, "class_1a_capacity_share", "city", 2023) == pytest.approx(
        (cap_2023 - 17_000) / cap_2023)
    assert value(ind, "class_1a_capacity_share", "city", 2024) == 1.0


def test_utilisation_and_warnings(registry, ind):
    flows = plant_flows(registry, [2022, 2023]).set_index(["plant_id", "year"])
    a = flows.loc[("A", 2023)]
    assert a["basis"] == "measured"
    assert a["utilisation_avg"] == pytest.approx(0.6)
    kz = float(peaking_factor(C1_COL / 86.4))
    assert a["utilisation_peak"] == pytest.approx(
        (kz * C1_COL + C1_INF) * 60_000 / (C1_COL + C1_INF) / 100_000)
    b = flows.loc[("B", 2023)]
    assert b["utilisation_avg"] == pytest.approx((C2_COL + C2_INF) / B_CAP_2023)
    assert b["warning"] == "overloaded"
    assert b["treated_m3_per_d"] == pytest.approx(B_CAP_2023)
    assert flows.loc[("N", 2022), "warning"] == "no capacity"
    assert value(ind, "plants_overloaded", "city", 2023) == 1
    warned = overload_warnings(plant_flows(registry, [2023]))
    assert warned["plant_id"].tolist()[0] == "B"


def test_illustrative_flag_follows_rows(ind):
    # Only plant B is illustrative: scopes holding it are flagged, the others are not.
    flag = ind.groupby("scope")["illustrative"].all()
    assert flag["outside"] and flag["city"] and flag["outside_dianchi"]
    assert not ind[ind["scope"].isin(["dianchi", "anning", "dianchi_anning"])][
        "illustrative"].any()


def test_gap_table_by_hand(registry):
    gaps = gap_table(registry).set_index(["indicator", "scope"])
    row = gaps.loc[("new_treatment_capacity_m3_per_d", "city")]
    assert row["projected"] == 85_000 and row["committed"] == 35_000
    assert row["gap"] == 669_000 - 85_000
    assert row["status"] == "at risk" and "short" in row["reason"]
    sample = gaps.loc[("class_1a_sample_share", "dianchi")]
    assert sample["projected"] == 1.0 and sample["basis"] == "measured 2024"
    assert sample["status"] == "on track"
    assert len(gaps) == len(PLAN_2025)


def test_status_rules():
    def table(values):
        return pd.DataFrame(
            [dict(year=2025, scope="city", indicator="new_sewer_length_km", value=v, unit="km",
                  basis="registry", illustrative=False) for v in values])

    targets = [t for t in PLAN_2025 if t.indicator == "new_sewer_length_km"]
    on = compare_to_targets(table([900]), table([870]), targets)
    assert on["status"].tolist() == ["on track"] and on["gap"].tolist() == [-31]
    relies = compare_to_targets(table([900]), table([700]), targets)
    assert relies["status"].tolist() == ["at risk"]
    assert "not yet started" in relies["reason"].iloc[0]
    short = compare_to_targets(table([800]), table([700]), targets)
    assert short["reason"].iloc[0] == "projected short by 69.0 km"


@settings(max_examples=8, deadline=None)
@given(
    capacities=st.lists(st.integers(0, 50_000), min_size=4, max_size=4),
    years=st.lists(st.integers(2021, 2030), min_size=4, max_size=4),
    statuses=st.lists(st.sampled_from(["completed", "under_construction", "planned",
                                       "cancelled"]), min_size=4, max_size=4),
    growth=st.floats(-0.02, 0.05),
)
def test_invariants_on_random_pipelines(capacities, years, statuses, growth):
    plants = ["A", "B", "AN", "A"]
    projects = pd.DataFrame([
        dict(project_id=f"q{i}", name=f"q{i}", kind="expansion", plant_id=p,
             capacity_m3_per_d=c + 1, planned_year=y,
             status="under_construction" if s == "completed" and y > 2024 else s)
        for i, (p, c, y, s) in enumerate(zip(plants, capacities, years, statuses))
    ])
    catchments = CATCHMENTS.assign(population_growth_per_yr=growth)
    reg = Registry.from_frames(plants=PLANTS, catchments=catchments, projects=projects,
                               assumptions=Assumptions(as_of_year=2024))
    ind = indicators(reg, range(2020, 2031))
    wide = ind.pivot_table(index=["scope", "year"], columns="indicator", values="value")
    city, inside, outside = (wide.loc[s] for s in ("city", "dianchi", "outside_dianchi"))
    new = "new_treatment_capacity_m3_per_d"
    assert (city[new] == inside[new] + outside[new]).all()
    assert (city[new].diff().dropna() >= 0).all()
    live = projects[projects["status"] != "cancelled"]["capacity_m3_per_d"].sum()
    assert city[new].loc[2030] == live
    for rate in ("reuse_rate", "treatment_rate", "urban_collection_rate"):
        assert ((city[rate] >= 0) & (city[rate] <= 1)).all(), rate
    assert (city["sewage_collected_m3_per_d"] <= city["sewage_generated_m3_per_d"] + 1e-6).all()
