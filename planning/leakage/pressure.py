"""Pressure management: PRV what-ifs, pressure compliance, leakage saved, setting sweeps.

Exports :class:`PressureCriteria`, :class:`Compliance`, :class:`SweepResult`,
:func:`demand_junctions`, :func:`pressure_compliance`, :func:`case_summary`,
:func:`compare_cases`, :func:`sweep_settings`, :func:`sweep_prv` and :func:`add_prv`.
Sweeps run on :class:`simulation.ScenarioRunner` (one compile, warm starts from the base run,
cases spread over threads); this is the only module of the package that asks for many runs.

Pressure compliance (defined here)
----------------------------------
A *demand junction* is a junction with a positive base demand in some demand category (a
customer connection point). It *complies* when its pressure is at least ``min_pressure_m``
(14.28 m by default: 0.14 MPa at network extremities, CJ/T 316-2009 / GB/T 32063-2015,
medium-high confidence) at every whole hour of the run (report times that are multiples of
3600 s; every report time when none is). A junction cut off from every source does not
comply. ``compliance_pct`` = 100 x complying demand junctions / demand junctions. The hourly
view, ``hourly_pct``, is the share of demand junctions at or above the minimum at each hour.

A case *keeps compliance* when its ``compliance_pct`` is at least ``required_pct``, which by
default is the base run's own value: pressure management may not make service worse than
today. Set ``required_pct`` (e.g. 100) to demand a fixed level instead.

Leakage saved
-------------
``leakage_m3_per_d`` is the run's leakage volume divided by its length in days (a 24 h run:
the day's volume). Saved per year = (base - case) per day x 365; ``leakage_saved_pct`` is
that saving as a share of the base leakage. With demand-driven consumers, lower pressure changes only leakage; with
pressure-driven demands the table also shows the supply that consumers lose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import models
from models import wntr_model as _wn
from simulation import ScenarioRunner
from simulation.standards import MIN_SERVICE_HEAD_M

from .balance import SECONDS_PER_DAY, volume_weights_s
from .errors import LeakageInputError

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class PressureCriteria:
    """What a pressure-management case must keep.

    Parameters
    ----------
    min_pressure_m : float
        Minimum service pressure at demand junctions, m (default 14.28 m = 0.14 MPa).
    required_pct : float, optional
        Compliance a case must reach, %; None (default) = the base run's compliance.
    """

    min_pressure_m: float = MIN_SERVICE_HEAD_M
    required_pct: float | None = None


@dataclass(frozen=True)
class Compliance:
    """Pressure compliance of one run.

    Attributes
    ----------
    compliance_pct : float
        Share of demand junctions at or above the minimum at every hour, %.
    hourly_pct : pandas.Series
        Index: hour time (s); share of demand junctions at or above the minimum, %.
    failing : list of str
        Demand junctions below the minimum at some hour.
    min_pressure_m : float
        Lowest pressure of a demand junction at the checked hours, m.
    """

    compliance_pct: float
    hourly_pct: pd.Series
    failing: list[str]
    min_pressure_m: float


def demand_junctions(net) -> list[str]:
    """Junctions with a positive base demand in some demand category."""
    wn = _wn(net)
    out = []
    for name in wn.junction_name_list:
        series = wn.get_node(name).demand_timeseries_list
        if any((d.base_value or 0.0) > 0 for d in series):
            out.append(name)
    return out


def _hour_rows(times_s: np.ndarray) -> np.ndarray:
    hours = np.isclose(np.mod(times_s, 3600.0), 0.0)
    return hours if hours.any() else np.ones(len(times_s), dtype=bool)


def pressure_compliance(net, results, min_pressure_m: float = MIN_SERVICE_HEAD_M,
                        junctions: Sequence[str] | None = None) -> Compliance:
    """Pressure compliance of a run (see the module docstring for the definition).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    results : SimulationResults
    min_pressure_m : float
        Minimum pressure, m.
    junctions : sequence of str, optional
        Junctions to check (default: :func:`demand_junctions`).

    Returns
    -------
    Compliance
    """
    junctions = list(demand_junctions(net) if junctions is None else junctions)
    pressure = results.node["pressure"]
    t = pressure.index.to_numpy(dtype=float)
    rows = _hour_rows(t)
    p = pressure[junctions].to_numpy()[rows]
    ok = p >= min_pressure_m - 1e-9
    if "supplied" in results.node:
        ok &= results.node["supplied"][junctions].to_numpy()[rows].astype(bool)
    every_hour = ok.all(axis=0)
    n = max(len(junctions), 1)
    return Compliance(
        compliance_pct=100.0 * every_hour.sum() / n,
        hourly_pct=pd.Series(100.0 * ok.sum(axis=1) / n, index=pd.Index(t[rows], name="time_s")),
        failing=[j for j, good in zip(junctions, every_hour) if not good],
        min_pressure_m=float(p.min()) if p.size else math.nan,
    )


def case_summary(net, results, criteria: PressureCriteria = PressureCriteria(),
                 junctions: Sequence[str] | None = None) -> dict[str, float]:
    """Leakage, supply and compliance of one run (a row of a comparison table).

    Returns
    -------
    dict
        ``leakage_m3_per_d``, ``supplied_m3_per_d`` (network inflow from reservoirs and
        tanks), ``consumption_m3_per_d``, ``compliance_pct``,
        ``min_pressure_m``, ``days``, ``converged`` (every hydraulic step converged; a
        case that did not never keeps compliance).
    """
    wn = _wn(net)
    leak = results.node["leak_demand"]
    t = leak.index.to_numpy(dtype=float)
    w = volume_weights_s(t)
    days = w.sum() / SECONDS_PER_DAY
    demand = results.node["demand"]
    sources = wn.reservoir_name_list + wn.tank_name_list
    leak_m3 = float(leak.to_numpy().sum(axis=1) @ w)
    supplied_m3 = float(-demand[sources].to_numpy().sum(axis=1) @ w) if sources else 0.0
    used_m3 = float(demand[wn.junction_name_list].to_numpy().sum(axis=1) @ w)
    comp = pressure_compliance(net, results, criteria.min_pressure_m, junctions)
    per_day = 1.0 / days if days > 0 else math.nan
    return {
        "leakage_m3_per_d": leak_m3 * per_day,
        "supplied_m3_per_d": supplied_m3 * per_day,
        "consumption_m3_per_d": used_m3 * per_day,
        "compliance_pct": comp.compliance_pct,
        "min_pressure_m": comp.min_pressure_m,
        "days": days,
        "converged": bool(getattr(results, "converged", True)),
    }


def _finish(table: pd.DataFrame, base: Mapping[str, float], required_pct: float) -> pd.DataFrame:
    table = table.copy()
    saved = base["leakage_m3_per_d"] - table["leakage_m3_per_d"]
    table["leakage_saved_m3_per_d"] = saved
    table["leakage_saved_m3_per_yr"] = saved * DAYS_PER_YEAR
    table["leakage_saved_pct"] = (100.0 * saved / base["leakage_m3_per_d"]
                                  if base["leakage_m3_per_d"] > 0 else np.nan)
    table["keeps_compliance"] = ((table["compliance_pct"] >= required_pct - 1e-9)
                                 & table["converged"].astype(bool))
    return table


def compare_cases(net, base, cases: Mapping[str, object],
                  criteria: PressureCriteria = PressureCriteria()) -> pd.DataFrame:
    """Compare pressure-management runs with a base run.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        The base network (its demand junctions are checked in every case).
    base : SimulationResults
        The run as operated today.
    cases : mapping of str to SimulationResults or (network, SimulationResults)
        Label -> results; give a ``(network, results)`` pair for a case run on an edited
        network (e.g. :func:`add_prv`).
    criteria : PressureCriteria

    Returns
    -------
    pandas.DataFrame
        Index ``case`` (``"base"`` first): :func:`case_summary` columns,
        ``leakage_saved_m3_per_d``, ``leakage_saved_m3_per_yr``, ``leakage_saved_pct``,
        ``keeps_compliance``.
    """
    if "base" in cases:
        raise LeakageInputError("'base' is the reference run's label; rename the case",
                                field="cases")
    junctions = demand_junctions(net)
    rows = {"base": case_summary(net, base, criteria, junctions)}
    for label, item in cases.items():
        case_net, res = item if isinstance(item, tuple) else (net, item)
        rows[str(label)] = case_summary(case_net, res, criteria, junctions)
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("case")
    required = (rows["base"]["compliance_pct"] if criteria.required_pct is None
                else criteria.required_pct)
    return _finish(table, rows["base"], required)


@dataclass(frozen=True)
class SweepResult:
    """Outcome of a setting sweep.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per case (index ``case``; ``"base"`` first) with the case's settings
        (one column per valve, m or SI setting) and the :func:`compare_cases` columns.
    best : str or None
        Label of the compliant case with the most leakage saved (None when no case keeps
        compliance and saves leakage).
    best_settings : dict
        Its settings (empty when ``best`` is None).
    required_pct : float
        The compliance a case had to keep, %.
    """

    table: pd.DataFrame
    best: str | None
    best_settings: dict
    required_pct: float


def sweep_settings(net, cases: Sequence[Mapping[str, float]],
                   criteria: PressureCriteria = PressureCriteria(), *,
                   runner: ScenarioRunner | None = None, threads: int = 2,
                   labels: Sequence[str] | None = None, batch: int | None = None) -> SweepResult:
    """Run many valve-setting what-ifs and pick the best one that keeps compliance.

    Parameters
    ----------
    net : models.Network
        The network (with its pipe leakage).
    cases : sequence of mapping
        Each ``{valve: setting}`` in SI (PRV/PSV/PBV: pressure m; FCV: m3/s; TCV:
        coefficient; pumps: relative speed), as ``ScenarioRunner.run`` takes them.
    criteria : PressureCriteria
    runner : simulation.ScenarioRunner, optional
        Reuse a runner built on ``net`` (its base run is the reference).
    threads : int
        Threads for ``ScenarioRunner.run_many`` (the kernels release the GIL).
    labels : sequence of str, optional
        Case labels (default ``"case 1"``, ...).
    batch : int, optional
        Cases per ``run_many`` call (default ``4 * threads``); results are reduced to
        their summary row after each batch, so memory does not grow with the sweep.

    Returns
    -------
    SweepResult
        ``best`` maximises ``leakage_saved_m3_per_d`` among cases that keep compliance
        and save leakage (ties: the first).
    """
    runner = runner or ScenarioRunner(net)
    cases = [dict(c) for c in cases]
    labels = list(labels) if labels is not None else [f"case {i + 1}" for i in
                                                      range(len(cases))]
    if len(labels) != len(cases) or len(set(labels)) != len(labels) or "base" in labels:
        raise LeakageInputError("give one distinct label per case, not 'base'",
                                field="labels")
    junctions = demand_junctions(net)
    base = case_summary(net, runner.base, criteria, junctions)
    rows = {"base": base}
    step = batch or max(1, 4 * threads)
    for i in range(0, len(cases), step):
        chunk = cases[i:i + step]
        results = runner.run_many([{"settings": c} for c in chunk], threads=threads,
                                  convergence="report")
        for label, res in zip(labels[i:i + step], results):
            rows[label] = case_summary(net, res, criteria, junctions)
        del results
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("case")
    valves = sorted({v for c in cases for v in c})
    for valve in valves:
        table.insert(valves.index(valve), valve,
                     [np.nan] + [c.get(valve, np.nan) for c in cases])
    required = base["compliance_pct"] if criteria.required_pct is None else criteria.required_pct
    table = _finish(table, base, required)
    candidates = table.iloc[1:]
    candidates = candidates[candidates["keeps_compliance"]
                            & (candidates["leakage_saved_m3_per_d"] > 0)]
    if candidates.empty:
        return SweepResult(table, None, {}, required)
    best = str(candidates["leakage_saved_m3_per_d"].idxmax())
    return SweepResult(table, best, cases[labels.index(best)], required)


def sweep_prv(net, valves: str | Sequence[str], settings_m: Sequence[float],
              criteria: PressureCriteria = PressureCriteria(), *,
              runner: ScenarioRunner | None = None, threads: int = 2) -> SweepResult:
    """Sweep the pressure setting of one PRV (or several set alike).

    Parameters
    ----------
    net : models.Network
    valves : str or sequence of str
        PRV name(s); every one gets the same setting in a case.
    settings_m : sequence of float
        Outlet pressure settings to try, m.
    criteria, runner, threads
        As :func:`sweep_settings`.

    Returns
    -------
    SweepResult
        Case labels ``"<setting> m"``.
    """
    valves = [valves] if isinstance(valves, str) else list(valves)
    wn = _wn(net)
    for v in valves:
        if v not in wn.valve_name_list or wn.get_link(v).valve_type != "PRV":
            raise LeakageInputError(f"{v!r} is not a PRV of the network", field="valves")
    settings_m = [float(s) for s in settings_m]
    for s in settings_m:
        if not math.isfinite(s) or s < 0:
            raise LeakageInputError(f"setting {s!r} must be a pressure >= 0 m",
                                    field="settings_m")
    cases = [dict.fromkeys(valves, s) for s in settings_m]
    labels = [f"{s:g} m" for s in settings_m]
    return sweep_settings(net, cases, criteria, runner=runner, threads=threads, labels=labels)


def add_prv(net, pipe: str, setting_m: float, *, name: str | None = None,
            upstream_node: str | None = None, at: float = 0.5) -> models.Network:
    """A new network with a PRV inserted in a pipe.

    The pipe is broken at ``at`` of its length (``wntr.morph.break_pipe`` on a copy) into
    two pipes with two new junctions, joined by the PRV. Both halves keep the pipe's
    leakage per 100 m. The input network is not modified.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    pipe : str
        The pipe.
    setting_m : float
        PRV outlet pressure setting, m.
    name : str, optional
        Valve name (default ``"PRV-<pipe>"``); new junctions are ``<name>-in`` and
        ``<name>-out``, the new pipe ``<pipe>-b``.
    upstream_node : str, optional
        End node of the pipe that feeds the valve (default: the pipe's start node). Use
        the base run's flow direction (``results.link["flowrate"][pipe]``).
    at : float
        Where to break the pipe, as a fraction of its length from the start node.

    Returns
    -------
    models.Network
        With the valve's name at ``network.wn`` (``valve_name_list``); run it with a new
        ``ScenarioRunner``.
    """
    import wntr

    wn = _wn(net)
    if pipe not in wn.pipe_name_list:
        raise LeakageInputError(f"{pipe!r} is not a pipe of the network", field="pipe")
    if not (math.isfinite(setting_m) and setting_m >= 0):
        raise LeakageInputError(f"{setting_m!r} must be a pressure >= 0 m", field="setting_m")
    if not 0.0 < at < 1.0:
        raise LeakageInputError("must be between 0 and 1", field="at")
    link = wn.get_link(pipe)
    start, end = link.start_node_name, link.end_node_name
    if upstream_node not in (None, start, end):
        raise LeakageInputError(f"{upstream_node!r} is not an end of {pipe!r}",
                                field="upstream_node")
    name = name or f"PRV-{pipe}"
    j_in, j_out, new_pipe = f"{name}-in", f"{name}-out", f"{pipe}-b"
    taken = set(wn.node_name_list) | set(wn.link_name_list)
    for new in (name, j_in, j_out, new_pipe):
        if new in taken:
            raise LeakageInputError(f"name {new!r} is already used", field="name")
    base = net if isinstance(net, models.Network) else models.Network.from_wn(wn)
    out = base.copy()
    out.wn = wntr.morph.break_pipe(out.wn, pipe, new_pipe, j_in, j_out, split_at_point=at,
                                   return_copy=False)
    a, b = (j_in, j_out) if upstream_node in (None, start) else (j_out, j_in)
    out.wn.add_valve(name, a, b, diameter=link.diameter, valve_type="PRV",
                     initial_setting=float(setting_m))
    if pipe in out.pipe_leakage.index:
        row = out.pipe_leakage.loc[[pipe]].rename(index={pipe: new_pipe})
        out.pipe_leakage = pd.concat([out.pipe_leakage, row])
        out.pipe_leakage.index.name = "pipe"
    return out
