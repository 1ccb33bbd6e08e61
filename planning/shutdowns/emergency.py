"""Emergency water supply for customers cut off longer than 24 hours (§14).

Volume: customers cut off for more than ``EmergencyPolicy.after_h`` hours, times persons
per account, times litres per person per day. Delivery: tankers filled at, or standpipes
fed from, network points next to the cut-off area, drawing the daily volume over
``draw_hours_per_day``.

Candidate points are junctions linked directly to a node of the cut-off area (isolated
segments included) that keep water themselves. Each is checked with a pressure-driven
single-period solve of the study model at the hour of the window with the largest demand,
tanks at their levels of that hour in the isolation run, the isolation closed
(``simulation.SteadyStateSolver.solve`` with ``extra_demand_m3s``): the point must keep
the minimum pressure while drawing, and no other junction may fall below the minimum
because of it. The largest draw each point can give (bisection) ranks them; the plan
takes the best points until their draws cover the need (at most ``max_points``), then
checks them together.

Exports :class:`EmergencyPlan` and :func:`emergency_plan`. Called by ``plan``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation import ConvergenceError, SteadyStateSolver

from .impact import Impact
from .jobs import Policy
from .segments import Isolation
from .study import StudyClock


@dataclass(frozen=True)
class EmergencyPlan:
    """Emergency supply: is it needed, how much, from where.

    Attributes
    ----------
    required : bool
        Some customers are without water longer than ``after_h``.
    reason : str
    customers, persons : float
        Cut off longer than ``after_h``.
    daily_volume_m3 : float
    draw_rate_m3s : float
        Total draw from the network while filling (daily volume / draw hours).
    tanker_trips_per_day, standpipe_taps : int
    candidates : pandas.DataFrame
        Index ``node``: ``pressure_m`` (with the isolation, no draw),
        ``max_draw_m3s`` (largest draw keeping the rules, capped at the need),
        ``pressure_at_need_m`` (drawing the whole need alone), ``covers_need`` (bool).
    points : tuple of str
        Points chosen.
    points_ok : bool
        The chosen points, drawing together, keep the rules.
    checked_at : datetime or None
        Calendar time of the hydraulic check.
    """

    required: bool
    reason: str
    customers: float
    persons: float
    daily_volume_m3: float
    draw_rate_m3s: float
    tanker_trips_per_day: int
    standpipe_taps: int
    candidates: pd.DataFrame
    points: tuple
    points_ok: bool
    checked_at: object


def _empty_candidates() -> pd.DataFrame:
    return pd.DataFrame({"pressure_m": pd.Series(dtype=float),
                         "max_draw_m3s": pd.Series(dtype=float),
                         "pressure_at_need_m": pd.Series(dtype=float),
                         "covers_need": pd.Series(dtype=bool)},
                        index=pd.Index([], name="node", dtype=object))


def _neighbours(wn, area: set) -> list:
    out = []
    for _name, link in wn.links():
        a, b = link.start_node_name, link.end_node_name
        if a in area and b not in area:
            out.append(b)
        elif b in area and a not in area:
            out.append(a)
    junctions = set(wn.junction_name_list)
    return [n for n in dict.fromkeys(out) if n in junctions]


def emergency_plan(wn_study, clock: StudyClock, iso: Isolation, imp: Impact,
                   policy: Policy, start_s: int, duration_s: int) -> EmergencyPlan:
    """Emergency-supply plan for one isolation window (see the module notes).

    Parameters
    ----------
    wn_study : wntr.network.WaterNetworkModel
        The study model (tank levels are changed during the check and restored).
    clock : StudyClock
    iso : Isolation
    imp : Impact
    policy : Policy
    start_s, duration_s : int
        The window, simulation time.

    Returns
    -------
    EmergencyPlan
    """
    ep = policy.emergency
    extra_h = imp.nodes["hours_without_water"] - imp.nodes["baseline_hours_without_water"]
    long_out = imp.nodes.index[extra_h > ep.after_h]
    customers = float(imp.nodes.loc[long_out, "customers"].sum())
    persons = customers * ep.persons_per_account
    daily = persons * ep.litres_per_person_day / 1000.0
    rate = daily / (ep.draw_hours_per_day * 3600.0)
    trips = int(math.ceil(daily / ep.tanker_m3)) if daily > 0 else 0
    taps = int(math.ceil(persons / ep.persons_per_tap)) if persons > 0 else 0
    if len(long_out) == 0 or customers <= 0:
        why = (f"no customer is without water longer than {ep.after_h:g} h "
               f"(longest {imp.summary['max_hours_without_water']:g} h)")
        return EmergencyPlan(False, why, customers, persons, daily, rate, trips, taps,
                             _empty_candidates(), (), True, None)
    why = (f"{int(customers)} customers without water longer than {ep.after_h:g} h "
           f"(up to {imp.summary['max_hours_without_water']:g} h)")
    cut = set(imp.nodes.index[extra_h > 0]) | set(iso.nodes)
    cands = _neighbours(wn_study, cut)
    if not cands:
        return EmergencyPlan(True, why + "; no supplied junction next to the area",
                             customers, persons, daily, rate, trips, taps,
                             _empty_candidates(), (), False, None)
    # worst hour: largest demand in the window
    hourly = imp.hourly
    worst = hourly["demand_required_m3"].idxmax()
    t_check = int(start_s + (worst - hourly.index[0]).total_seconds())
    t_check = min(max(t_check, start_s), start_s + duration_s - 1)
    t_check -= t_check % int(wn_study.options.time.report_timestep)
    solver = _solver_at(wn_study, imp, t_check, policy)
    if solver is None:
        return EmergencyPlan(True, why + "; hydraulic check failed", customers, persons,
                             daily, rate, trips, taps, _empty_candidates(), (), False,
                             clock.at(t_check))
    closed = list(iso.closed_links)
    base = solver.solve(closed_links=closed)
    nj = len(solver.junction_names)
    p0 = base.pressure_m[:nj]
    ok0 = base.supplied[:nj] & (p0 >= policy.min_pressure_m)

    def fine(extra: dict) -> tuple[bool, float]:
        snap = solver.solve(extra_demand_m3s=extra, closed_links=closed)
        if snap.error_code >= 100:
            return False, float("nan")
        p = snap.pressure_m[:nj]
        low_now = ~snap.supplied[:nj] | (p < policy.min_pressure_m)
        pts_ok = all(p[solver.node_index(n)] >= policy.min_pressure_m
                     and snap.supplied[solver.node_index(n)] for n in extra)
        return bool(pts_ok and not (low_now & ok0).any()), float(p[solver.node_index(
            next(iter(extra)))])

    rows = []
    for node in cands:
        i = solver.node_index(node)
        if not base.supplied[i]:
            continue
        ok_full, p_full = fine({node: rate})
        if ok_full:
            best = rate
        else:
            lo, hi = 0.0, rate
            for _ in range(10):
                mid = 0.5 * (lo + hi)
                if fine({node: mid})[0]:
                    lo = mid
                else:
                    hi = mid
            best = lo
        rows.append((node, float(base.pressure_m[i]), best, p_full, ok_full))
    table = pd.DataFrame(rows, columns=["node", "pressure_m", "max_draw_m3s",
                                        "pressure_at_need_m", "covers_need"]).set_index("node")
    table = table.sort_values(["max_draw_m3s", "pressure_m"], ascending=False)
    chosen, total = [], 0.0
    for node, row in table.iterrows():
        if total >= rate * (1 - 1e-9) or len(chosen) >= ep.max_points:
            break
        if row["max_draw_m3s"] <= 0:
            break
        chosen.append(node)
        total += row["max_draw_m3s"]
    points_ok = False
    if chosen and total >= rate * (1 - 1e-9):
        share = table.loc[chosen, "max_draw_m3s"].to_numpy()
        extra = dict(zip(chosen, rate * share / share.sum()))
        points_ok = fine(extra)[0]
    return EmergencyPlan(True, why, customers, persons, daily, rate, trips, taps, table,
                         tuple(chosen), points_ok, clock.at(t_check))


def _solver_at(wn_study, imp: Impact, t_s: int, policy: Policy):
    """SteadyStateSolver at ``t_s`` with tanks at their levels then in the isolation run.

    The tank levels go into a copy of the study model (compiled once for the solver); the
    study model itself is never edited.
    """
    tanks = list(wn_study.tank_name_list)
    wn = copy.deepcopy(wn_study) if tanks else wn_study
    try:
        if tanks:
            heads = imp.results.node["head"][tanks]
            row = heads.loc[heads.index[np.searchsorted(heads.index, t_s, side="right") - 1]]
            for n in tanks:
                tank = wn.get_node(n)
                lvl = float(row[n]) - tank.elevation
                tank.init_level = min(max(lvl, tank.min_level), tank.max_level)
        return SteadyStateSolver(wn, t_s, pda=policy.pda)
    except ConvergenceError:
        return None
