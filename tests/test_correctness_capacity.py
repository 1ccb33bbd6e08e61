"""Wastewater checks to the letter of GB 50014 and GB 18918 (issue 18 item 13)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planning.capacity import CLASS_1A, CLASS_1B, design_fullness
from planning.capacity.trunk import _normal_depth_ratio, _partial_flow_m3_per_s


def test_gb50014_design_fullness_by_diameter():
    d = np.array([0.15, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.9, 0.95, 1.0, 2.0])
    assert design_fullness(d).tolist() == [0.55, 0.55, 0.55, 0.65, 0.65, 0.65, 0.70, 0.70,
                                          0.70, 0.75, 0.75]


def test_partial_flow_geometry():
    d, s, n = 1.0, 0.002, 0.013
    full = math.pi / 4 * (d / 4) ** (2 / 3) * math.sqrt(s) / n
    assert _partial_flow_m3_per_s(1.0, d, s, n) == pytest.approx(full)
    # half full: same hydraulic radius as full, half the area
    assert _partial_flow_m3_per_s(0.5, d, s, n) == pytest.approx(full / 2)
    # the classic maximum: about 1.076 x full at h/D = 0.938
    assert _partial_flow_m3_per_s(0.938, d, s, n) / full == pytest.approx(1.076, abs=0.003)
    flows = np.array([0.2 * full, full / 2, 0.9 * full])
    depth = _normal_depth_ratio(flows, np.full(3, d), np.full(3, s), np.full(3, n))
    assert depth[1] == pytest.approx(0.5, abs=1e-6)
    assert np.allclose(_partial_flow_m3_per_s(depth, d, s, n), flows)


def test_trunk_flags_design_fullness_before_full_bore():
    from planning.capacity import trunk_check
    from planning.capacity.trunk import TRUNK_CONDUITS, TRUNK_NODES, Trunk

    nodes = pd.DataFrame({"node_id": ["a", "b"], "invert_m": [10.0, 9.0],
                          "depth_m": [3.0, 3.0], "outfall": [False, True]})
    conduits = pd.DataFrame({"conduit_id": ["c1"], "from_node": ["a"], "to_node": ["b"],
                             "length_m": [500.0], "diameter_m": [0.4]})
    trunk = Trunk.from_frames(nodes, conduits)
    d, s, n = 0.4, 1.0 / 500.0, 0.013
    full = math.pi * d * d / 4 * (d / 4) ** (2 / 3) * math.sqrt(s) / n
    out = trunk_check(trunk, {"a": 0.8 * full}).set_index("conduit_id")
    assert not out.loc["c1", "over_capacity"]
    assert out.loc["c1", "design_fullness"] == 0.65
    assert out.loc["c1", "over_design_fullness"]          # 80 % of full flow needs h/D > 0.65
    assert out.loc["c1", "depth_ratio"] > 0.65
    assert TRUNK_NODES and TRUNK_CONDUITS


def test_class_1a_covers_table_1_basic_items():
    assert (CLASS_1A.animal_veg_oils_mg_per_l, CLASS_1A.petroleum_mg_per_l,
            CLASS_1A.las_mg_per_l, CLASS_1A.colour_dilution,
            CLASS_1A.faecal_coliforms_per_l, CLASS_1A.ph_min, CLASS_1A.ph_max) == \
        (1.0, 1.0, 0.5, 30.0, 1e3, 6.0, 9.0)
    assert CLASS_1B.faecal_coliforms_per_l == 1e4 and CLASS_1B.las_mg_per_l == 1.0


def test_samples_fail_on_the_other_basic_items():
    import dataclasses
    from pathlib import Path

    from planning.capacity import load_registry, sample_compliance

    reg = load_registry(Path(__file__).resolve().parents[1] / "scenarios" / "capacity")
    samples = reg.samples.copy()
    good = samples.iloc[[0]].copy()
    rows = []
    for col, value in (("ph", 9.4), ("ph", 5.5), ("faecal_coliforms_per_l", 2000.0),
                       ("las_mg_per_l", 0.6), ("animal_veg_oils_mg_per_l", 1.5),
                       ("petroleum_mg_per_l", 1.2), ("colour_dilution", 40.0), ("ph", 7.2)):
        r = good.copy()
        r[col] = value
        rows.append(r)
    reg2 = dataclasses.replace(reg, samples=pd.concat(rows, ignore_index=True))
    out = sample_compliance(reg2)
    base = bool(sample_compliance(dataclasses.replace(
        reg, samples=good.reset_index(drop=True)))["meets_class_1a"].iloc[0])
    assert base
    assert out["meets_class_1a"].tolist() == [False] * 7 + [True]
    assert out["failed"].iloc[0] == "ph" and out["failed"].iloc[2] == "faecal_coliforms"
