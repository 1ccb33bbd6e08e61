"""Trunk-sewer capacity check: Manning by hand, validation, and EPA SWMM 5 via pyswmm."""

from __future__ import annotations

import importlib.util
import math

import pandas as pd
import pytest

from application import DEMO_REGISTRY as DEMO_DATA
from planning.capacity import (
    RegistryError,
    Trunk,
    catchment_flows,
    load_registry,
    load_trunk,
    swmm_check,
    trunk_check,
    trunk_inflows,
)

NODES = pd.DataFrame({
    "node_id": ["A", "B", "C", "OUT"],
    "invert_m": [10.0, 10.0, 9.0, 8.0],
    "depth_m": [3.0, 3.0, 3.0, 3.0],
    "outfall": [False, False, False, True],
})
CONDUITS = pd.DataFrame({
    "conduit_id": ["c3", "c1", "c2"],  # not in flow order
    "from_node": ["C", "A", "B"],
    "to_node": ["OUT", "C", "C"],
    "length_m": [500.0, 1000.0, 500.0],
    "diameter_m": [1.0, 0.6, 0.5],
})
HAS_PYSWMM = importlib.util.find_spec("pyswmm") is not None


def full_pipe(d, s, n=0.013):
    return (math.pi * d**2 / 4) * (d / 4) ** (2 / 3) * math.sqrt(s) / n


def test_manning_check_by_hand():
    trunk = Trunk.from_frames(NODES, CONDUITS)
    assert trunk.conduits["conduit_id"].tolist()[-1] == "c3"  # upstream first
    out = trunk_check(trunk, {"A": 0.1, "B": 0.3, "C": 0.1}).set_index("conduit_id")
    assert out.loc["c1", "flow_m3_per_s"] == pytest.approx(0.1)
    assert out.loc["c3", "flow_m3_per_s"] == pytest.approx(0.5)
    assert out.loc["c1", "full_capacity_m3_per_s"] == pytest.approx(full_pipe(0.6, 0.001))
    assert out.loc["c2", "full_capacity_m3_per_s"] == pytest.approx(full_pipe(0.5, 0.002))
    assert out.loc["c3", "flow_ratio"] == pytest.approx(0.5 / full_pipe(1.0, 0.002))
    # c2 (0.5 m at 0.2 %) carries 0.3 m³/s against about 0.17 m³/s full: over capacity;
    # c1 (0.6 m at 0.1 %, about 0.19 m³/s full) carries 0.1.
    assert full_pipe(0.5, 0.002) < 0.3 and full_pipe(0.6, 0.001) > 0.1
    assert out["over_capacity"].to_dict() == {"c1": False, "c2": True, "c3": False}


@pytest.mark.parametrize(
    ("table", "column", "value", "row", "problem"),
    [
        ("conduits", "to_node", ["OUT", "Z", "C"], 2, "unknown node"),
        ("conduits", "from_node", ["C", "A", "A"], 3, "tree"),
        ("nodes", "invert_m", [10.0, 10.0, 9.0, 9.5], 1, "does not fall"),
        ("conduits", "diameter_m", [1.0, -0.6, 0.5], 2, "must be > 0"),
        ("nodes", "outfall", [False, False, False, False], 4, "must be an outfall"),
    ],
)
def test_trunk_validation(table, column, value, row, problem):
    nodes, conduits = NODES.copy(), CONDUITS.copy()
    (nodes if table == "nodes" else conduits)[column] = value
    with pytest.raises(RegistryError) as info:
        Trunk.from_frames(nodes, conduits)
    assert info.value.row == row and problem in info.value.problem


def test_demo_trunk_peak_inflows():
    reg, trunk = load_registry(DEMO_DATA), load_trunk(DEMO_DATA)
    flows = catchment_flows(reg, [2025])
    inflow = trunk_inflows(trunk, flows, 2025)
    peak = flows.set_index("catchment_id").loc["C-KM13", "peak_inflow_m3_per_d"] / 86_400
    assert inflow.sum() == pytest.approx(peak)
    check = trunk_check(trunk, inflow).set_index("conduit_id")
    assert check["over_capacity"].tolist() == [False, True, False, False]
    assert check["illustrative"].all()


@pytest.mark.skipif(not HAS_PYSWMM, reason="pyswmm not installed")
def test_swmm_agrees_with_steady_flows_and_shows_the_bottleneck():
    reg, trunk = load_registry(DEMO_DATA), load_trunk(DEMO_DATA)
    inflow = trunk_inflows(trunk, catchment_flows(reg, [2025]), 2025)
    out = swmm_check(trunk, inflow).set_index("conduit_id")
    # Constant inflows: SWMM's peak flows settle at the routed sums (mass balance).
    assert out["swmm_peak_flow_m3_per_s"].to_numpy() == pytest.approx(
        out["flow_m3_per_s"].to_numpy(), rel=0.01)
    # The undersized K13-T2 backs water up: the pipe above it runs surcharged.
    assert out.loc["K13-T1", "swmm_surcharge_h"] > 0
    assert out.loc["K13-T3", "swmm_depth_ratio"] < 1


def test_swmm_failure_is_reported(tmp_path, monkeypatch):
    import planning.capacity.trunk as trunk_module

    runner = tmp_path / "runner.py"
    runner.write_text("import sys\nprint('pyswmm is not installed', file=sys.stderr)\n"
                      "sys.exit(3)\n")
    monkeypatch.setattr(trunk_module, "_RUNNER", runner)
    with pytest.raises(RuntimeError, match="pyswmm is not installed"):
        swmm_check(Trunk.from_frames(NODES, CONDUITS), {"A": 0.1})
