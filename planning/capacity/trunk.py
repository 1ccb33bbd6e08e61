"""Trunk-sewer capacity check: steady Manning full-pipe check, and EPA SWMM 5 (optional).

A trunk is a tree of circular conduits draining to one or more outfalls (the plants' inlets).
Catchment sewage enters at nodes (``catchment_id`` and ``inflow_share`` on the node).

* :func:`trunk_check` routes the inflows down the tree and compares each conduit's flow with
  its Manning capacity at the GB 50014 maximum design fullness (:data:`DESIGN_FULLNESS`,
  h/D 0.55-0.75 by diameter) -- the design criterion -- and with its full-pipe capacity
  ``Q_full = (1/n) A R^(2/3) S^(1/2)`` (A = pi D²/4, R = D/4, S = fall of the inverts /
  length). No extra dependency.
* :func:`swmm_check` runs the same trunk with constant inflows through EPA SWMM 5 (dynamic
  wave) via ``pyswmm`` **in a subprocess** (pyswmm allows one simulation per process), and adds
  SWMM's peak flow, peak depth over diameter and surcharge time per conduit. It needs the
  optional ``pyswmm`` package.

Tables (``.csv`` or ``.gpkg``, validated like the registry; errors are ``RegistryError``):

``trunk_nodes``: ``node_id``; ``invert_m`` (invert elevation, m); ``depth_m`` (invert to
ground, m, > 0); ``outfall`` (bool); ``catchment_id`` (optional); ``inflow_share`` (0-1 of
that catchment's flow entering here, default 1); ``illustrative``; ``source``.

``trunk_conduits``: ``conduit_id``; ``from_node``; ``to_node``; ``length_m`` (> 0);
``diameter_m`` (> 0); ``roughness_n`` (Manning n, default 0.013 for concrete pipe: an
assumption, change it per pipe); ``illustrative``; ``source``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .registry import read_table
from .schema import Column, RegistryError, TableSpec, parse_table

__all__ = ["DESIGN_FULLNESS", "Trunk", "design_fullness", "load_trunk", "swmm_check",
           "trunk_check", "trunk_inflows"]

TRUNK_NODES = TableSpec(
    "trunk_nodes",
    (
        Column("node_id", "text", unique=True),
        Column("invert_m", "float", low=-500.0, high=9000.0),
        Column("depth_m", "float", positive=True, high=100.0),
        Column("outfall", "bool", required=False, default=False),
        Column("catchment_id", "text", required=False, default=""),
        Column("inflow_share", "float", required=False, default=1.0, low=0.0, high=1.0),
        Column("illustrative", "bool", required=False, default=False),
        Column("source", "text", required=False, default=""),
    ),
)
TRUNK_CONDUITS = TableSpec(
    "trunk_conduits",
    (
        Column("conduit_id", "text", unique=True),
        Column("from_node", "text"),
        Column("to_node", "text"),
        Column("length_m", "float", positive=True),
        Column("diameter_m", "float", positive=True, high=10.0),
        Column("roughness_n", "float", required=False, default=0.013, positive=True, high=0.1),
        Column("illustrative", "bool", required=False, default=False),
        Column("source", "text", required=False, default=""),
    ),
)
_RUNNER = Path(__file__).with_name("swmm_runner.py")


@dataclass(frozen=True, eq=False)
class Trunk:
    """A validated trunk-sewer tree (see the module docstring for columns).

    Attributes
    ----------
    nodes, conduits : pandas.DataFrame
        Parsed tables; ``conduits`` gains ``slope`` (m/m) and is ordered upstream first.
    """

    nodes: pd.DataFrame
    conduits: pd.DataFrame

    @classmethod
    def from_frames(cls, nodes: pd.DataFrame, conduits: pd.DataFrame,
                    files: Mapping[str, str] | None = None) -> Trunk:
        """Validate node and conduit tables; raises RegistryError naming row and column."""
        files = {"trunk_nodes": "trunk_nodes", "trunk_conduits": "trunk_conduits",
                 **(files or {})}
        fn, fc = files["trunk_nodes"], files["trunk_conduits"]
        nodes = parse_table(nodes, TRUNK_NODES, fn)
        conduits = parse_table(conduits, TRUNK_CONDUITS, fc)
        invert = nodes.set_index("node_id")["invert_m"]
        outfall = nodes.set_index("node_id")["outfall"]
        seen_from: dict[str, int] = {}
        for i, c in conduits.iterrows():
            row = int(i) + 1
            for col in ("from_node", "to_node"):
                if c[col] not in invert.index:
                    raise RegistryError(fc, row, col, f"unknown node {c[col]!r}")
            if outfall[c["from_node"]]:
                raise RegistryError(fc, row, "from_node", "an outfall has no outgoing conduit")
            if c["from_node"] in seen_from:
                raise RegistryError(fc, row, "from_node",
                                    f"node {c['from_node']!r} already drains through row "
                                    f"{seen_from[c['from_node']]}; a trunk is a tree")
            seen_from[c["from_node"]] = row
            if invert[c["from_node"]] <= invert[c["to_node"]]:
                raise RegistryError(fc, row, "to_node", "the invert does not fall along the "
                                    "conduit (a steady check needs a positive slope)")
        for i, n in nodes.iterrows():
            if not n["outfall"] and n["node_id"] not in seen_from:
                raise RegistryError(fn, int(i) + 1, "outfall",
                                    "a node with no outgoing conduit must be an outfall")
        conduits = conduits.assign(
            slope=(conduits["from_node"].map(invert) - conduits["to_node"].map(invert))
            / conduits["length_m"])
        return cls(nodes=nodes, conduits=conduits.iloc[_upstream_first(conduits)]
                   .reset_index(drop=True))


def _upstream_first(conduits: pd.DataFrame) -> list[int]:
    """Positions of the conduits ordered so that every conduit comes after those feeding it.

    Slopes are positive along every conduit, so walking by falling upstream invert already
    gives such an order; a cycle is therefore impossible.
    """
    fed_by: dict[str, list[int]] = {}
    for pos, to in enumerate(conduits["to_node"]):
        fed_by.setdefault(to, []).append(pos)
    order: list[int] = []
    done: set[int] = set()

    def visit(pos: int) -> None:
        if pos in done:
            return
        for up in fed_by.get(conduits["from_node"].iloc[pos], []):
            visit(up)
        done.add(pos)
        order.append(pos)

    for pos in range(len(conduits)):
        visit(pos)
    return order


def load_trunk(folder: str | Path) -> Trunk:
    """Load ``trunk_nodes`` and ``trunk_conduits`` (``.csv`` or ``.gpkg``) from a folder."""
    folder = Path(folder)
    raw, files = {}, {}
    for spec in (TRUNK_NODES, TRUNK_CONDUITS):
        raw[spec.name], files[spec.name] = read_table(folder, spec)
    return Trunk.from_frames(raw["trunk_nodes"], raw["trunk_conduits"], files)


def trunk_inflows(trunk: Trunk, flows: pd.DataFrame, year: int, *, peak: bool = True) -> pd.Series:
    """Inflow at each trunk node from a :func:`~planning.capacity.catchment_flows` table.

    Parameters
    ----------
    trunk : Trunk
    flows : pandas.DataFrame
        Catchment flows (m³/d).
    year : int
    peak : bool
        True: each catchment's GB 50014 peak inflow (summing peaks of several catchments
        is on the safe side); False: its mean inflow.

    Returns
    -------
    pandas.Series
        m³/s per ``node_id`` (0 where no catchment enters).
    """
    column = "peak_inflow_m3_per_d" if peak else "inflow_m3_per_d"
    of_year = flows[flows["year"] == year].set_index("catchment_id")[column]
    nodes = trunk.nodes
    unknown = set(nodes["catchment_id"]) - set(of_year.index) - {""}
    if unknown:
        raise ValueError(f"trunk nodes name unknown catchment(s): {', '.join(sorted(unknown))}")
    m3_per_d = nodes["catchment_id"].map(of_year).fillna(0.0) * nodes["inflow_share"]
    return pd.Series((m3_per_d / 86_400.0).to_numpy(), index=nodes["node_id"],
                     name="inflow_m3_per_s")


DESIGN_FULLNESS = ((0.200, 0.300, 0.55), (0.350, 0.450, 0.65), (0.500, 0.900, 0.70),
                   (1.000, np.inf, 0.75))
"""GB 50014 (2006 §4.2.4, kept in the 2021 edition) maximum design fullness h/D of sewage
pipes: (smallest D, largest D in m, h/D): 200-300 mm 0.55, 350-450 mm 0.65, 500-900 mm 0.70,
>= 1000 mm 0.75. High confidence. A diameter between two rows takes the row below it (a
400 mm pipe 0.65, a 950 mm pipe 0.70); below 200 mm, 0.55."""


def design_fullness(diameter_m) -> np.ndarray:
    """GB 50014 maximum design fullness h/D for each diameter (m)."""
    d = np.atleast_1d(np.asarray(diameter_m, dtype=float))
    out = np.full(d.shape, DESIGN_FULLNESS[0][2])
    for lo, _hi, h in DESIGN_FULLNESS:
        out = np.where(d >= lo - 1e-9, h, out)
    return out


def _partial_flow_m3_per_s(depth_ratio, diameter_m, slope, n) -> np.ndarray:
    """Manning flow of a circular pipe at depth h/D (0-1)."""
    y = np.clip(np.asarray(depth_ratio, dtype=float), 0.0, 1.0)
    theta = 2.0 * np.arccos(1.0 - 2.0 * y)
    area = diameter_m**2 / 8.0 * (theta - np.sin(theta))
    wetted = diameter_m * theta / 2.0
    radius = np.divide(area, wetted, out=np.zeros_like(area), where=wetted > 0)
    return area * radius ** (2.0 / 3.0) * np.sqrt(slope) / n


def _full_capacity_m3_per_s(diameter_m: np.ndarray, slope: np.ndarray, n: np.ndarray
                            ) -> np.ndarray:
    area = np.pi * diameter_m**2 / 4.0
    return area * (diameter_m / 4.0) ** (2.0 / 3.0) * np.sqrt(slope) / n


_Y_PEAK = 0.938  # depth ratio of the largest Manning flow in a circular pipe


def _normal_depth_ratio(flow, diameter_m, slope, n) -> np.ndarray:
    """Normal depth h/D carrying ``flow`` (bisection); 1 where the flow exceeds the largest
    open-channel flow (the pipe runs surcharged)."""
    lo = np.zeros_like(flow)
    hi = np.full_like(flow, _Y_PEAK)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        below = _partial_flow_m3_per_s(mid, diameter_m, slope, n) < flow
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    peak = _partial_flow_m3_per_s(np.full_like(flow, _Y_PEAK), diameter_m, slope, n)
    return np.where(flow > peak, 1.0, 0.5 * (lo + hi))


def trunk_check(trunk: Trunk, inflows_m3_per_s: pd.Series | Mapping[str, float]) -> pd.DataFrame:
    """Steady check: routed flow of every conduit against its full-pipe Manning capacity.

    Parameters
    ----------
    trunk : Trunk
    inflows_m3_per_s : pandas.Series or Mapping
        Node id -> inflow (m³/s), e.g. from :func:`trunk_inflows`.

    Returns
    -------
    pandas.DataFrame
        Per conduit (upstream first): ``conduit_id``, ``from_node``, ``to_node``,
        ``diameter_m``, ``slope``, ``flow_m3_per_s`` (sum of all inflows upstream),
        ``full_capacity_m3_per_s``, ``flow_ratio`` (flow / full capacity),
        ``over_capacity`` (ratio > 1: surcharged), ``design_fullness`` (GB 50014 maximum
        h/D), ``design_capacity_m3_per_s`` (Manning flow at that depth),
        ``depth_ratio`` (normal depth h/D of the flow; 1 when surcharged),
        ``over_design_fullness`` (h/D above the limit: fails the design check, though the
        pipe may still run part full), plus ``illustrative``.
    """
    inflow = pd.Series(inflows_m3_per_s, dtype=float)
    unknown = inflow.index.difference(trunk.nodes["node_id"])
    if len(unknown):
        raise ValueError(f"inflow at unknown node(s): {', '.join(map(str, unknown[:5]))}")
    at_node = inflow.reindex(trunk.nodes["node_id"]).fillna(0.0).to_dict()
    c = trunk.conduits
    flow = np.zeros(len(c))
    for pos, (src, dst) in enumerate(zip(c["from_node"], c["to_node"])):  # upstream first
        flow[pos] = at_node[src]
        at_node[dst] += flow[pos]
    capacity = _full_capacity_m3_per_s(c["diameter_m"].to_numpy(), c["slope"].to_numpy(),
                                       c["roughness_n"].to_numpy())
    d = c["diameter_m"].to_numpy(dtype=float)
    s = c["slope"].to_numpy(dtype=float)
    n = c["roughness_n"].to_numpy(dtype=float)
    fullness = design_fullness(d)
    design = _partial_flow_m3_per_s(fullness, d, s, n)
    depth = _normal_depth_ratio(flow, d, s, n)
    ill = trunk.nodes.set_index("node_id")["illustrative"]
    return pd.DataFrame({
        "conduit_id": c["conduit_id"], "from_node": c["from_node"], "to_node": c["to_node"],
        "diameter_m": c["diameter_m"], "slope": c["slope"], "flow_m3_per_s": flow,
        "full_capacity_m3_per_s": capacity, "flow_ratio": flow / capacity,
        "over_capacity": flow > capacity,
        "design_fullness": fullness, "design_capacity_m3_per_s": design,
        "depth_ratio": depth, "over_design_fullness": flow > design * (1 + 1e-12),
        "illustrative": c["illustrative"].to_numpy() | c["from_node"].map(ill).to_numpy(),
    })


def swmm_input(trunk: Trunk, inflows_m3_per_s: pd.Series | Mapping[str, float],
               hours: int = 6) -> str:
    """EPA SWMM 5 input text: the trunk with constant dry-weather inflows (CMS units)."""
    inflow = pd.Series(inflows_m3_per_s, dtype=float)
    nodes, conduits = trunk.nodes, trunk.conduits
    lines = [
        "[TITLE]", "trunk-sewer capacity check (planning.capacity)", "",
        "[OPTIONS]", "FLOW_UNITS CMS", "FLOW_ROUTING DYNWAVE",
        "START_DATE 01/01/2025", "START_TIME 00:00:00",
        "REPORT_START_DATE 01/01/2025", "REPORT_START_TIME 00:00:00",
        "END_DATE 01/01/2025", f"END_TIME {hours:02d}:00:00",
        "ROUTING_STEP 0:00:05", "REPORT_STEP 00:15:00", "WET_STEP 00:15:00",
        "DRY_STEP 01:00:00", "ALLOW_PONDING NO", "",
        "[JUNCTIONS]",
    ]
    lines += [f"{n.node_id} {n.invert_m:.4f} {n.depth_m:.4f} 0 0 0"
              for n in nodes.itertuples() if not n.outfall]
    lines += ["", "[OUTFALLS]"]
    lines += [f"{n.node_id} {n.invert_m:.4f} FREE NO" for n in nodes.itertuples() if n.outfall]
    lines += ["", "[CONDUITS]"]
    lines += [f"{c.conduit_id} {c.from_node} {c.to_node} {c.length_m:.3f} {c.roughness_n:.5f} "
              "0 0 0 0" for c in conduits.itertuples()]
    lines += ["", "[XSECTIONS]"]
    lines += [f"{c.conduit_id} CIRCULAR {c.diameter_m:.4f} 0 0 0 1" for c in conduits.itertuples()]
    lines += ["", "[DWF]"]
    lines += [f"{node} FLOW {q:.6f}" for node, q in inflow.items() if q > 0]
    return "\n".join(lines) + "\n"


def swmm_check(
    trunk: Trunk,
    inflows_m3_per_s: pd.Series | Mapping[str, float],
    *,
    hours: int = 6,
    timeout_s: float = 120.0,
) -> pd.DataFrame:
    """Run the trunk through EPA SWMM 5 (pyswmm, in a subprocess) with constant inflows.

    Parameters
    ----------
    trunk : Trunk
    inflows_m3_per_s : pandas.Series or Mapping
        Node id -> constant inflow (m³/s).
    hours : int
        Simulated duration (h); long enough for the flows to settle.
    timeout_s : float
        Wall-clock limit of the subprocess (s).

    Returns
    -------
    pandas.DataFrame
        :func:`trunk_check` plus ``swmm_peak_flow_m3_per_s``, ``swmm_depth_ratio`` (peak
        depth / diameter), ``swmm_surcharge_h`` (hours surcharged) and
        ``swmm_flooding_m3`` (flooding at the conduit's upstream node).

    Raises
    ------
    RuntimeError
        If pyswmm is missing or SWMM fails (the message carries SWMM's error).
    """
    steady = trunk_check(trunk, inflows_m3_per_s)
    with tempfile.TemporaryDirectory(prefix="trunk-swmm-") as tmp:
        inp, out = Path(tmp) / "trunk.inp", Path(tmp) / "result.json"
        inp.write_text(swmm_input(trunk, inflows_m3_per_s, hours), encoding="utf-8")
        done = subprocess.run([sys.executable, str(_RUNNER), str(inp), str(out)],
                              capture_output=True, text=True, timeout=timeout_s)
        if done.returncode != 0:
            raise RuntimeError(f"SWMM run failed: {done.stderr.strip() or done.stdout.strip()}")
        result = json.loads(out.read_text(encoding="utf-8"))
    links, nodes = result["links"], result["nodes"]
    ids = steady["conduit_id"]
    diameter = steady["diameter_m"].to_numpy()
    return steady.assign(
        swmm_peak_flow_m3_per_s=ids.map(lambda c: links[c]["peak_flow"]).to_numpy(),
        swmm_depth_ratio=ids.map(lambda c: links[c]["peak_depth"]).to_numpy() / diameter,
        swmm_surcharge_h=ids.map(lambda c: links[c]["time_surcharged"]).to_numpy(),
        swmm_flooding_m3=steady["from_node"].map(
            lambda n: nodes.get(n, {}).get("flooding_volume", 0.0)).to_numpy(),
    )
