"""The least-harm start of a shutdown within the rules.

Candidate starts are the whole multiples of ``Policy.start_step_h`` (from midnight) from
the study's "now" to ``now + horizon_days``. A start is permitted when it is at least
``notice_h`` after now (§14: 24 h), not before the job's ``not_before``, does not touch
a forbidden date or weekday, and, with ``night_only``, lies in the night window (see
:class:`~planning.shutdowns.jobs.Policy`).

Each permitted start is scored by the exact extended-period simulation with the
isolation applied over [start, start + duration), minus the baseline (nothing closed)
over the same window, i.e. what the job causes: customer-hours without water (the
objective), then customer-hours below the minimum pressure and unserved demand (m3) to
break ties, then the earlier start. The simulations share their common past: the
baseline runs once over the horizon and every start branches off it, hot-started
(:func:`simulation.closure_branches`), so the search costs ``horizon + n x duration``
hydraulic steps, not ``sum(start + duration)``; with two threads the starts are split
between two baselines. :func:`brute_force_costs` is the slow reference (one full run per
start), used by the tests.

Exports :func:`earliest_start`, :func:`candidate_starts`, :func:`score_starts`,
:func:`brute_force_costs`. Called by ``plan``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from simulation import closure_branches

from .jobs import Policy
from .study import (
    StudyClock,
    closure_run,
    outage_frames,
    window_costs_from_results,
)

COST_COLUMNS = ("customer_hours_without_water", "customer_hours_below_min",
                "demand_not_served_m3")


def _ceil_to_grid(when: datetime, step_s: int) -> datetime:
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    secs = (when - midnight).total_seconds()
    return midnight + timedelta(seconds=step_s * math.ceil(secs / step_s - 1e-9))


def earliest_start(now: datetime, policy: Policy, not_before: datetime | None = None
                   ) -> datetime:
    """First start on the start grid that respects the notice period and ``not_before``."""
    step_s = int(round(policy.start_step_h * 3600))
    first = now + timedelta(hours=policy.notice_h)
    if not_before is not None and not_before > first:
        first = not_before
    return _ceil_to_grid(first, step_s)


def _in_night(when: datetime, policy: Policy) -> bool:
    h = when.hour + when.minute / 60.0
    a, b = policy.night_start_h, policy.night_end_h
    return (a <= h < b) if a < b else (h >= a or h < b)


def _night_end_after(start: datetime, policy: Policy) -> datetime:
    end = start.replace(hour=policy.night_end_h, minute=0, second=0, microsecond=0)
    return end if end > start else end + timedelta(days=1)


def rule_reason(start: datetime, end: datetime, policy: Policy, earliest: datetime) -> str:
    """Why a start is not permitted ("" when it is)."""
    if start < earliest:
        return f"before the earliest permitted start ({policy.notice_h:g} h notice)"
    day = start.date()
    while datetime.combine(day, datetime.min.time()) < end:
        if day in policy.forbidden_dates:
            return f"touches {day.isoformat()} (forbidden date)"
        if day.weekday() in policy.forbidden_weekdays:
            return f"touches a {day.strftime('%A')} (forbidden weekday)"
        day += timedelta(days=1)
    if policy.night_only:
        if not _in_night(start, policy):
            return "starts outside the night window"
        window_h = (policy.night_end_h - policy.night_start_h) % 24 or 24
        if (end - start) <= timedelta(hours=window_h) and end > _night_end_after(start, policy):
            return "ends after the night window"
    return ""


def candidate_starts(clock: StudyClock, now: datetime, duration_s: int, policy: Policy,
                     not_before: datetime | None = None) -> pd.DataFrame:
    """Every start on the grid in the horizon, with whether the rules permit it.

    Returns
    -------
    pandas.DataFrame
        Index ``start`` (datetime); columns ``end`` (datetime), ``start_s`` (simulation
        time, s), ``permitted`` (bool), ``reason`` (str, "" when permitted).
    """
    step_s = int(round(policy.start_step_h * 3600))
    first = earliest_start(now, policy, not_before)
    stop = now + timedelta(days=policy.horizon_days)
    starts, t = [], clock.t0
    while t < stop:
        if t >= now:
            starts.append(t)
        t += timedelta(seconds=step_s)
    ends = [s + timedelta(seconds=duration_s) for s in starts]
    reasons = [rule_reason(s, e, policy, first) for s, e in zip(starts, ends)]
    return pd.DataFrame({
        "end": ends, "start_s": [clock.sim_s(s) for s in starts],
        "permitted": [r == "" for r in reasons], "reason": reasons,
    }, index=pd.Index(starts, name="start"))


def _rank(table: pd.DataFrame) -> pd.DataFrame:
    ok = table["permitted"] & (table["solver"] != "failed") & table[COST_COLUMNS[0]].notna()
    keys = table.loc[ok, list(COST_COLUMNS)].round({COST_COLUMNS[0]: 6, COST_COLUMNS[1]: 6,
                                                      COST_COLUMNS[2]: 3})
    # starts whose hydraulics are sound rank before those that are not
    keys = keys.assign(doubt=(table.loc[ok, "solver"] != "ok").astype(int),
                       start_s=table.loc[ok, "start_s"])
    order = keys.sort_values(["doubt", *COST_COLUMNS, "start_s"]).index
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.loc[order, "rank"] = np.arange(1, len(order) + 1)
    table["best"] = table["rank"] == 1
    table["best"] = table["best"].fillna(False).astype(bool)
    return table


def score_starts(wn_study, candidates: pd.DataFrame, closed_links, duration_s: int,
                 customers: pd.Series, policy: Policy, *, all_starts: bool = False
                 ) -> pd.DataFrame:
    """Score candidate starts with hot-started branches and rank them.

    Parameters
    ----------
    wn_study : wntr.network.WaterNetworkModel
        The study model (``study.study_model``).
    candidates : pandas.DataFrame
        From :func:`candidate_starts`.
    closed_links : iterable of str
    duration_s : int
    customers : pandas.Series
        Accounts by junction name.
    policy : Policy
    all_starts : bool
        Score the starts the rules forbid too (for a chart); only permitted ones by
        default.

    Returns
    -------
    pandas.DataFrame
        ``candidates`` plus ``customer_hours_without_water``, ``customer_hours_below_min``,
        ``demand_not_served_m3`` (NaN where not scored; never negative), ``solver`` ("ok",
        "not converged" when some step did not converge, "unreliable (below baseline)" when
        the closure scored better than the baseline, a hydraulic artefact published as 0,
        "failed", "" when not scored),
        ``rank`` (1 = best permitted start) and ``best``.
    """
    table = candidates.copy()
    for col in COST_COLUMNS:
        table[col] = np.nan
    table["solver"] = ""
    todo = table.index[table["permitted"] | all_starts]
    if len(todo):
        starts = table.loc[todo, "start_s"].to_numpy(dtype=np.int64)
        costs = closure_branches(wn_study, closed_links, starts, duration_s, customers,
                                 no_water_pressure_m=policy.no_water_pressure_m + 1e-6,
                                 min_pressure_m=policy.min_pressure_m,
                                 threads=policy.threads)
        if (costs.error_code < 0).any():
            raise RuntimeError("a candidate start was not a simulation step (report step "
                               "does not divide the start spacing)")
        table.loc[todo, COST_COLUMNS[0]] = costs.excess_no_water_weight_s / 3600.0
        table.loc[todo, COST_COLUMNS[1]] = costs.excess_below_min_weight_s / 3600.0
        table.loc[todo, COST_COLUMNS[2]] = costs.excess_unserved_m3
        err = costs.error_code
        table.loc[todo, "solver"] = np.where(err >= 100, "failed",
                                             np.where(err > 0, "not converged", "ok"))
        _clip_artefacts(table)
    return _rank(table)


NEGATIVE_TOLERANCE = 1e-6
"""Costs below minus this (customer-hours, m3) are hydraulic artefacts, not benefits."""


def _clip_artefacts(table: pd.DataFrame) -> None:
    """A shutdown never brings water: a cost below zero (the run with the closure better
    supplied than the baseline) is an artefact of the hydraulics. Publish 0 and say so."""
    neg = (table[list(COST_COLUMNS)] < -NEGATIVE_TOLERANCE).any(axis=1)
    table.loc[neg & (table["solver"] == "ok"), "solver"] = "unreliable (below baseline)"
    for col in COST_COLUMNS:
        table[col] = table[col].clip(lower=0.0)


def brute_force_costs(wn_study, candidates: pd.DataFrame, closed_links, duration_s: int,
                      customers: pd.Series, policy: Policy) -> pd.DataFrame:
    """Reference scoring: one full simulation per start (slow; for tests and checks).

    Same inputs and cost columns as :func:`score_starts`.
    """
    table = candidates.copy()
    rstep = int(wn_study.options.time.report_timestep)
    end = int(table["start_s"].max() + duration_s)
    base = closure_run(wn_study, [], 0, end)
    base_frames = outage_frames(wn_study, base, policy)
    rows = []
    for start_s in table["start_s"]:
        res = closure_run(wn_study, closed_links, int(start_s), int(duration_s))
        frames = outage_frames(wn_study, res, policy)
        with_job = window_costs_from_results(frames, customers, int(start_s),
                                             int(duration_s), rstep)
        without = window_costs_from_results(base_frames, customers, int(start_s),
                                            int(duration_s), rstep)
        rows.append({k: with_job[k] - without[k] for k in with_job})
    costs = pd.DataFrame(rows, index=table.index)
    for col in COST_COLUMNS:
        table[col] = costs[col]
    table["solver"] = "ok"
    return _rank(table)
