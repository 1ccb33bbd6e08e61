"""What-ifs: registry + what-if -> new registry -> indicators and plots (planning.capacity)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from application import DEMO_REGISTRY as DEMO_DATA
from application.capacity_whatif import read_whatif
from planning.capacity import (
    Registry,
    RegistryError,
    WhatIf,
    add_capacity,
    apply_whatif,
    gap_table,
    indicators,
    load_registry,
    plant_flows,
    plot_trajectories,
    project_schedule,
)

YEARS = range(2020, 2028)


@pytest.fixture(scope="module")
def demo() -> Registry:
    return load_registry(DEMO_DATA)


@pytest.fixture(scope="module")
def base(demo) -> pd.DataFrame:
    return indicators(demo, YEARS)


def value(ind, name, scope, year):
    sel = ind[(ind["indicator"] == name) & (ind["scope"] == scope) & (ind["year"] == year)]
    return float(sel["value"].iloc[0])


def test_delay_moves_capacity_and_leaves_input_alone(demo, base):
    before = demo.projects.copy()
    late = apply_whatif(demo, WhatIf(name="Jinning late", delay_years={"D-2025-02": 2}))
    pd.testing.assert_frame_equal(demo.projects, before)
    ind = indicators(late, YEARS)
    for year, drop in ((2024, 0), (2025, 100_000), (2026, 100_000), (2027, 0)):
        assert value(ind, "new_treatment_capacity_m3_per_d", "dianchi", year) == value(
            base, "new_treatment_capacity_m3_per_d", "dianchi", year) - drop
    # Its catchment has no plant in 2025-2026: a warning, and a lower collection rate.
    flows = plant_flows(late, [2025]).set_index("plant_id")
    assert flows.loc["DC-N2", "warning"] == "no capacity"
    assert value(ind, "urban_collection_rate", "city", 2025) < value(
        base, "urban_collection_rate", "city", 2025)
    gaps = gap_table(late).set_index(["indicator", "scope"])
    row = gaps.loc[("new_treatment_capacity_m3_per_d", "dianchi")]
    assert row["gap"] == 100_000 and row["status"] == "at risk"


def test_delay_counts_from_the_overdue_year(demo):
    # S-2024-01 is unfinished and due 2024 (the review year); overdue projects move to it.
    assert demo.assumptions.as_of_year == 2024
    projects = demo.projects.copy()
    projects.loc[projects["project_id"] == "S-2024-01", "planned_year"] = 2022
    reg = demo.replace(projects=projects)
    sched = project_schedule(reg).set_index("project_id")
    assert sched.loc["S-2024-01", "overdue"] and sched.loc["S-2024-01", "effective_year"] == 2024
    late = project_schedule(apply_whatif(reg, WhatIf(delay_years={"S-2024-01": 1})))
    assert late.set_index("project_id").loc["S-2024-01", "effective_year"] == 2025


def test_cancel_and_add_capacity(demo, base):
    cancelled = apply_whatif(demo, WhatIf(cancel=("O-2025-02",)))
    ind = indicators(cancelled, YEARS)
    assert value(ind, "new_treatment_capacity_m3_per_d", "outside_dianchi", 2025) == value(
        base, "new_treatment_capacity_m3_per_d", "outside_dianchi", 2025) - 6_000
    more = apply_whatif(demo, WhatIf(add_projects=(
        add_capacity("W-1", "SL-1", 5_000, 2025),
        add_capacity("W-2", "KM13", 11_000, 2025, reclaimed=True),
    )))
    gaps = gap_table(more).set_index(["indicator", "scope"])
    assert gaps.loc[("new_treatment_capacity_m3_per_d", "outside_dianchi"), "projected"] == 69_000
    assert gaps.loc[("reclaimed_capacity_m3_per_d", "city"), "projected"] == 156_000
    # Added projects carry the what-if as their source.
    assert (more.projects.set_index("project_id").loc["W-1", "source"]
            == "what-if: what-if")


def test_return_factor_and_growth(demo, base):
    wetter = apply_whatif(demo, WhatIf(return_factor=0.9))
    ind = indicators(wetter, [2023])
    # The demo uses the default 0.85 everywhere: generation scales by 0.9 / 0.85.
    assert value(ind, "sewage_generated_m3_per_d", "city", 2023) == pytest.approx(
        value(base, "sewage_generated_m3_per_d", "city", 2023) * 0.9 / 0.85)
    flat = apply_whatif(demo, WhatIf(population_growth_per_yr=0.0, per_capita_growth_per_yr=0.0))
    ind = indicators(flat, [2020, 2027])
    assert value(ind, "water_supply_m3_per_d", "city", 2027) == pytest.approx(
        value(ind, "water_supply_m3_per_d", "city", 2020))
    tuned = apply_whatif(demo, WhatIf(parameters={"reclaimed_load_factor": 0.5}))
    assert tuned.assumptions.reclaimed_load_factor == 0.5
    assert demo.assumptions.reclaimed_load_factor == 0.8


def test_whatif_errors(demo):
    with pytest.raises(KeyError):
        apply_whatif(demo, WhatIf(delay_years={"NOPE": 1}))
    with pytest.raises(ValueError, match="completed"):
        apply_whatif(demo, WhatIf(cancel=("D-2021-01",)))
    with pytest.raises(RegistryError) as info:
        apply_whatif(demo, WhatIf(delay_years={"D-2025-01": 40}))
    assert info.value.column == "planned_year" and "year out of range" in info.value.problem
    with pytest.raises(RegistryError) as info:
        apply_whatif(demo, WhatIf(add_projects=(add_capacity("D-2021-01", "KM03", 1.0, 2025),)))
    assert info.value.column == "project_id"
    with pytest.raises(ValueError, match="unknown what-if"):
        WhatIf.from_dict({"delay": {}})


def test_whatif_from_json(tmp_path, demo):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"name": "x", "delay_years": {"D-2025-01": 1},
                                "cancel": ["O-2025-01"], "return_factor": 0.82}))
    whatif = read_whatif(path)
    assert whatif.delay_years["D-2025-01"] == 1 and whatif.cancel == ("O-2025-01",)
    with pytest.raises(TypeError):
        whatif.delay_years["D-2025-01"] = 3  # frozen
    reg = apply_whatif(demo, whatif)
    assert reg.assumptions.return_factor == 0.82


def test_plots_follow_the_whatif(demo, base):
    late = indicators(apply_whatif(demo, WhatIf(delay_years={"D-2025-02": 2})), YEARS)
    plain = plot_trajectories(base)
    compared = plot_trajectories(late, baseline=base, reported=demo.reported, as_of_year=2024,
                                 note="what-if")
    assert [f.get_label() for f in plain] == [f.get_label() for f in compared]
    fig = {f.get_label(): f for f in compared}["trajectory_new_treatment_capacity_m3_per_d"]
    ax = fig.axes[0]
    dianchi = [ln for ln in ax.get_lines() if ln.get_label() == "Dianchi basin"][0]
    assert dict(zip(dianchi.get_xdata(), dianchi.get_ydata()))[2025] == pytest.approx(50.0)
    assert any("baseline" in ln.get_label() for ln in ax.get_lines())
    assert any("illustrative" in t.get_text() for t in fig.texts)


def test_utilisation_plot_marks_illustrative_plants(demo):
    from planning.capacity import plot_utilisation

    fig = plot_utilisation(plant_flows(demo, [2025]), 2025)
    assert fig.get_label() == "utilisation_2025"
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels and all(label.endswith(" *") for label in labels)
    assert any("illustrative" in t.get_text() for t in fig.texts)
