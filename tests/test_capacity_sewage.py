"""Sewage generation, supply from node demands and the GB 50014 peaking factor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning.capacity import (
    PEAKING_FACTOR_TABLE,
    Assumptions,
    Registry,
    catchment_flows,
    peaking_factor,
    supply_from_node_demands,
)


@pytest.mark.parametrize(("flow", "kz"), PEAKING_FACTOR_TABLE)
def test_peaking_factor_table_points(flow, kz):
    assert peaking_factor(flow) == pytest.approx(kz)


def test_peaking_factor_interpolates_and_clamps():
    assert peaking_factor(10.0) == pytest.approx(2.55)
    assert peaking_factor(300.0) == pytest.approx(1.8 - 0.2 / 3)
    assert peaking_factor([0.0, 2.0, 1000.0, 5000.0]).tolist() == [2.7, 2.7, 1.5, 1.5]
    with pytest.raises(ValueError):
        peaking_factor(-1.0)
    with pytest.raises(ValueError):
        peaking_factor(1.0, table=((10.0, 2.0), (5.0, 2.5)))


@given(st.floats(0, 1e4), st.floats(0, 1e4))
def test_peaking_factor_is_monotone_and_bounded(a, b):
    lo, hi = sorted((a, b))
    k_lo, k_hi = peaking_factor(lo), peaking_factor(hi)
    assert 1.5 <= k_hi <= k_lo <= 2.7


def test_supply_from_node_demands():
    demands = pd.Series({"n1": 0.01, "n2": 0.02, "n3": 0.005})  # m³/s
    supply = supply_from_node_demands(demands, {"n1": "A", "n2": "A", "n3": "B"})
    assert supply.to_dict() == pytest.approx({"A": 0.03 * 86_400, "B": 0.005 * 86_400})
    series = pd.DataFrame({"n1": [0.0, 0.02], "n2": [0.01, 0.03]})  # time steps x nodes
    assert supply_from_node_demands(series, {"n1": "A", "n2": "A"})["A"] == pytest.approx(
        0.03 * 86_400)
    with pytest.raises(ValueError, match="no catchment"):
        supply_from_node_demands(demands, {"n1": "A"})
    loose = supply_from_node_demands(demands, {"n1": "A"}, strict=False)
    assert loose.to_dict() == pytest.approx({"A": 864.0})
    with pytest.raises(ValueError, match="negative"):
        supply_from_node_demands(pd.Series({"n1": -0.1}), {"n1": "A"})


def _registry(**assumptions) -> Registry:
    plants = pd.DataFrame([dict(plant_id="P", name="P", basin="dianchi",
                                design_capacity_m3_per_d=50_000, effluent_class="1A")])
    catchments = pd.DataFrame([
        dict(catchment_id="A", name="A", basin="dianchi", settlement="city", plant_id="P",
             population=100_000, per_capita_use_l_per_person_d=200,
             population_growth_per_yr=0.02, per_capita_growth_per_yr=0.01,
             collection_rate=0.8),
        dict(catchment_id="B", name="B", basin="dianchi", settlement="city", plant_id="P",
             population=10_000, per_capita_use_l_per_person_d=150, collection_rate=0.5),
    ])
    return Registry.from_frames(plants=plants, catchments=catchments,
                                assumptions=Assumptions(**assumptions))


def test_growth_return_factor_and_infiltration():
    flows = catchment_flows(_registry(return_factor=0.8, infiltration_share=0.15),
                            [2020, 2025]).set_index(["catchment_id", "year"])
    a = flows.loc[("A", 2025)]
    supply = 100_000 * 0.2 * (1.02 * 1.01) ** 5
    assert a["population"] == pytest.approx(100_000 * 1.02 ** 5)
    assert a["supply_m3_per_d"] == pytest.approx(supply)
    assert a["generated_m3_per_d"] == pytest.approx(supply * 0.8)
    assert a["collected_m3_per_d"] == pytest.approx(supply * 0.8 * 0.8)
    assert a["infiltration_m3_per_d"] == pytest.approx(supply * 0.8 * 0.8 * 0.15)
    assert a["supply_basis"] == "per_capita"


def test_supplied_volume_replaces_per_capita_use():
    reg = _registry()
    flows = catchment_flows(reg, [2022, 2024], supply_m3_per_d={"A": 30_000}, supply_year=2022)
    flows = flows.set_index(["catchment_id", "year"])
    assert flows.loc[("A", 2022), "supply_m3_per_d"] == pytest.approx(30_000)
    assert flows.loc[("A", 2024), "supply_m3_per_d"] == pytest.approx(30_000 * (1.02 * 1.01) ** 2)
    assert flows.loc[("A", 2022), "supply_basis"] == "supplied"
    assert flows.loc[("B", 2022), "supply_m3_per_d"] == pytest.approx(1_500)  # per capita
    with pytest.raises(ValueError, match="unknown catchment"):
        catchment_flows(reg, [2022], supply_m3_per_d={"Z": 1.0})


def test_node_demands_feed_the_chain():
    reg = _registry()
    demands = pd.DataFrame(np.full((24, 2), 0.1), columns=["j1", "j2"])  # m³/s, one day
    supply = supply_from_node_demands(demands, {"j1": "A", "j2": "B"})
    flows = catchment_flows(reg, [2020], supply_m3_per_d=supply, supply_year=2020)
    assert flows["supply_m3_per_d"].tolist() == pytest.approx([8_640.0, 8_640.0])
    assert flows["generated_m3_per_d"].sum() == pytest.approx(2 * 8_640 * 0.85)
