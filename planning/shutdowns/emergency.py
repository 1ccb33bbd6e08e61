"""Emergency water supply for customers without water longer than 24 hours (§14).

Who: every account of an affected junction that is without water for more than
``EmergencyPolicy.after_h`` hours in total over the whole outage (isolated segments: the
whole job), whatever the hour. :attr:`EmergencyPlan.groups` gives the hours per account
group (junctions with the same hours without water).

How much (the assumptions, each a parameter of :class:`~.jobs.EmergencyPolicy`):
persons = accounts x ``persons_per_account`` (2.62, census 2020 household size); water
``litres_per_person_day`` (15 L, Sphere minimum for drinking, cooking and basic hygiene);
the daily volume is what the persons out on the worst day need; the outage volume sums
each group's persons x L/person/d x its hours / 24. Tankers of ``tanker_m3`` (8 m3): trips
a day = daily volume / tanker, rounded up, and trips over the outage likewise. Standpipe
taps: one per ``persons_per_tap`` (250, Sphere). Tankers and standpipes draw the daily
volume from the network over ``draw_hours_per_day`` (12 h).

Where from: junctions linked directly to a node of the cut-off area (isolated segments
included) that keep water themselves. Each is checked with a pressure-driven
single-period solve of the study model (``simulation.SteadyStateSolver.solve`` with
``extra_demand_m3s``), tanks at their levels of that hour in the isolation run, the
isolation closed: the point must keep the minimum pressure while drawing, and no other
junction may fall below the minimum because of it. Points are ranked at the hour of the
window with the largest demand (the largest draw each can give, by bisection); the plan
takes the best until their draws cover the need (at most ``max_points``) and checks them
together at the largest-demand hour of every day of the outage.

Exports :class:`EmergencyPlan` and :func:`emergency_plan`. Called by ``plan``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

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
        Calendar time of the hydraulic check (ranking).
    groups : pandas.DataFrame
        Hours per account group, one row per distinct outage length of the affected
        junctions (longest first): ``hours_without_water``, ``junctions``, ``accounts``,
        ``persons``, ``needs_emergency_supply`` (over ``after_h``), ``volume_m3`` (to bring
        over the outage, needing groups only).
    nodes : tuple of str
        Junctions whose accounts the plan covers (without water over ``after_h``).
    outage_volume_m3 : float
        Water to bring over the whole outage.
    tanker_trips_total : int
    checked_times : tuple of datetime
        Every hour at which the chosen points were checked together.
    assumptions : tuple of str
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
    groups: pd.DataFrame = field(default_factory=lambda: _groups(pd.DataFrame(), 0, 0))
    nodes: tuple = ()
    outage_volume_m3: float = 0.0
    tanker_trips_total: int = 0
    checked_times: tuple = ()
    assumptions: tuple = ()


def _groups(nodes: pd.DataFrame, persons_per_account: float, lpd: float,
            after_h: float = 24.0) -> pd.DataFrame:
    cols = ["hours_without_water", "junctions", "accounts", "persons",
            "needs_emergency_supply", "volume_m3"]
    if nodes.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    h = nodes["hours_without_water"].round(4)
    g = nodes.assign(h=h).groupby("h").agg(junctions=("customers", "size"),
                                         accounts=("customers", "sum"))
    g = g.sort_index(ascending=False)
    out = pd.DataFrame({"hours_without_water": g.index.to_numpy(dtype=float),
                        "junctions": g["junctions"].to_numpy(),
                        "accounts": g["accounts"].to_numpy(dtype=float)})
    out["persons"] = out["accounts"] * persons_per_account
    out["needs_emergency_supply"] = out["hours_without_water"] > after_h
    out["volume_m3"] = np.where(out["needs_emergency_supply"],
                                out["persons"] * lpd / 1000.0
                                * out["hours_without_water"] / 24.0, 0.0)
    return out[cols]


def _assumptions(ep) -> tuple:
    return (f"{ep.persons_per_account:g} persons per account (census 2020 household size)",
            f"{ep.litres_per_person_day:g} L/person/d (Sphere minimum: drinking, cooking, "
            "basic hygiene)",
            f"tankers of {ep.tanker_m3:g} m3; one standpipe tap per "
            f"{ep.persons_per_tap:g} persons (Sphere)",
            f"the daily volume is drawn from the network over {ep.draw_hours_per_day:g} h",
            f"every account without water over {ep.after_h:g} h in total over the outage "
            "is covered for all its hours without water")


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
    table = imp.nodes
    hours = table["hours_without_water"]
    long_out = table.index[hours > ep.after_h]
    customers = float(table.loc[long_out, "customers"].sum())
    persons = customers * ep.persons_per_account
    groups = _groups(table[table["hours_without_water"] > 0], ep.persons_per_account,
                     ep.litres_per_person_day, ep.after_h)
    # the worst day: everyone out over after_h needs a full day's water
    daily = persons * ep.litres_per_person_day / 1000.0
    total = float(groups["volume_m3"].sum())
    rate = daily / (ep.draw_hours_per_day * 3600.0)
    trips = int(math.ceil(daily / ep.tanker_m3 - 1e-9)) if daily > 0 else 0
    trips_total = int(math.ceil(total / ep.tanker_m3 - 1e-9)) if total > 0 else 0
    taps = int(math.ceil(persons / ep.persons_per_tap - 1e-9)) if persons > 0 else 0
    more = dict(groups=groups, nodes=tuple(long_out), outage_volume_m3=total,
                tanker_trips_total=trips_total, assumptions=_assumptions(ep))
    longest = float(hours.max()) if len(hours) else 0.0
    if len(long_out) == 0 or customers <= 0:
        why = (f"no customer is without water longer than {ep.after_h:g} h "
               f"(longest {longest:g} h)")
        return EmergencyPlan(False, why, customers, persons, daily, rate, trips, taps,
                             _empty_candidates(), (), True, None, **more)
    why = (f"{int(customers)} accounts ({len(long_out)} junctions) without water longer "
           f"than {ep.after_h:g} h (up to {longest:g} h)")
    extra_h = table["hours_without_water"] - table["baseline_hours_without_water"]
    cut = set(table.index[extra_h > 0]) | set(iso.nodes) | set(long_out)
    cands = _neighbours(wn_study, cut)
    if not cands:
        return EmergencyPlan(True, why + "; no supplied junction next to the area",
                             customers, persons, daily, rate, trips, taps,
                             _empty_candidates(), (), False, None, **more)
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
                             clock.at(t_check), **more)
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
    checked = []
    if chosen and total >= rate * (1 - 1e-9):
        share = table.loc[chosen, "max_draw_m3s"].to_numpy()
        extra = dict(zip(chosen, rate * share / share.sum()))
        points_ok = fine(extra)[0]
        checked.append(clock.at(t_check))
        # ... and at the largest-demand hour of every other day of the outage
        for t_day in _daily_peaks(imp, start_s, duration_s, wn_study):
            if not points_ok or t_day == t_check:
                continue
            day_solver = _solver_at(wn_study, imp, t_day, policy)
            if day_solver is None:
                points_ok = False
                break
            snap = day_solver.solve(extra_demand_m3s=extra, closed_links=closed)
            p = snap.pressure_m[:nj]
            pts = [day_solver.node_index(n) for n in extra]
            points_ok = bool(snap.error_code < 100 and all(
                snap.supplied[i] and p[i] >= policy.min_pressure_m for i in pts))
            checked.append(clock.at(t_day))
    return EmergencyPlan(True, why, customers, persons, daily, rate, trips, taps, table,
                         tuple(chosen), points_ok, clock.at(t_check),
                         **{**more, "checked_times": tuple(checked)})


def _daily_peaks(imp: Impact, start_s: int, duration_s: int, wn_study) -> list:
    """Simulation time of the largest-demand hour of each 24 h of the window."""
    hourly = imp.hourly
    if hourly.empty:
        return []
    offs = np.array([(h - hourly.index[0]).total_seconds() for h in hourly.index])
    step = int(wn_study.options.time.report_timestep)
    out = []
    for day in range(int(math.ceil(duration_s / 86400.0))):
        sel = (offs >= day * 86400) & (offs < (day + 1) * 86400)
        if not sel.any():
            continue
        k = int(np.argmax(np.where(sel, hourly["demand_required_m3"].to_numpy(), -np.inf)))
        t = int(start_s + offs[k])
        t = min(max(t, start_s), start_s + duration_s - 1)
        out.append(t - t % step)
    return out


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
