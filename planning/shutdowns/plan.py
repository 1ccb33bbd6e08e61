"""Plan a shutdown for works, or react to a burst: one call, one result object.

:func:`plan_job` -- valves to close, segment, the least-harm permitted start, the
impact at that start, the notice list, the emergency-supply plan and the checks the
plan must pass (§14: approval, 24 h notice, emergency supply beyond 24 h).

:func:`burst` -- the same at the burst time, with no notice and no search, marked
unplanned.

Both return a :class:`JobPlan`; ``JobPlan.outage_record()`` gives the row for the
outage log. Pages call these; the pieces (``segments``, ``window``, ``impact``,
``emergency``, ``notice``) are usable on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from numbers import Real

import pandas as pd

from models import wntr_model

from .customers import customers_per_node
from .emergency import EmergencyPlan, emergency_plan
from .errors import ShutdownInputError
from .impact import Impact, impact
from .jobs import Job, Policy
from .notice import notice_list, write_csv_atomic
from .outages import OutageRecord
from .segments import Isolation, isolate, segment_map
from .study import floor_to_step, study_clock, study_model
from .valves import check_valve_layer, synthetic_valve_layer
from .window import candidate_starts, earliest_start, score_starts

JOB_STEP_S = 900  # job lengths are rounded up to quarter hours


@dataclass(frozen=True)
class JobPlan:
    """Everything a shutdown (or burst) plan says.

    Attributes
    ----------
    job : Job
    policy : Policy
    now : datetime
        When the study was made (notice counts from here); the burst time for bursts.
    planned : bool
    isolation : Isolation
    windows : pandas.DataFrame
        Every candidate start (index ``start``) with ``permitted``, ``reason``, the costs
        and ``rank`` (see ``window.score_starts``).
    earliest_permitted : datetime
    impact : Impact or None
        At the best start; None when no start is permitted.
    notice : pandas.DataFrame
        The notice list (``notice.NOTICE_COLUMNS``); empty when no start is permitted.
    emergency : EmergencyPlan or None
    checks : tuple of str
        What the plan must still satisfy or warns about, in words.
    network : str
    """

    job: Job
    policy: Policy
    now: datetime
    planned: bool
    isolation: Isolation
    windows: pd.DataFrame
    earliest_permitted: datetime
    impact: Impact | None
    notice: pd.DataFrame
    emergency: EmergencyPlan | None
    checks: tuple = field(default_factory=tuple)
    network: str = ""

    # -- the views a page shows ------------------------------------------------------
    @property
    def valves_to_close(self) -> pd.DataFrame:
        """Valve rows to close (index ``valve``; ``link``, ``node``, ``side``...)."""
        return self.isolation.valves_to_close

    @property
    def segment_nodes(self) -> tuple:
        """Nodes inside the isolated segments."""
        return self.isolation.nodes

    @property
    def impact_table(self) -> pd.DataFrame:
        """Affected junctions (see ``impact.Impact.nodes``); empty if no start."""
        return self.impact.nodes if self.impact is not None else pd.DataFrame()

    @property
    def best_window(self) -> dict | None:
        """The chosen start: ``start``, ``end`` and its costs; None if none permitted."""
        best = self.windows[self.windows["best"]]
        if best.empty:
            return None
        row = best.iloc[0]
        return {"start": best.index[0], "end": row["end"],
                "customer_hours_without_water": float(row["customer_hours_without_water"]),
                "customer_hours_below_min": float(row["customer_hours_below_min"]),
                "demand_not_served_m3": float(row["demand_not_served_m3"])}

    @property
    def notice_deadline(self) -> datetime | None:
        """Latest time to notify customers: the start minus ``policy.notice_h`` (§14: 24 h);
        the start itself for a burst; None when no start is permitted."""
        if self.impact is None:
            return None
        start = self.impact.summary["start"]
        return start - timedelta(hours=self.policy.notice_h) if self.planned else start

    @property
    def notice_list(self) -> pd.DataFrame:
        return self.notice

    @property
    def emergency_plan(self) -> EmergencyPlan | None:
        return self.emergency

    def write_notice(self, path) -> object:
        """Write the notice list as CSV, atomically; returns the path."""
        return write_csv_atomic(self.notice, path)

    def outage_record(self, area: str = "") -> OutageRecord:
        """The outage-log row of this plan (at the chosen start)."""
        if self.impact is None:
            raise ValueError("no permitted start: nothing to record")
        s = self.impact.summary
        n = self.impact.nodes
        without = n.index[n["hours_without_water"] > n["baseline_hours_without_water"]]
        return OutageRecord(
            kind="planned" if self.planned else "unplanned", start=s["start"], end=s["end"],
            customers=int(s["customers_without_water"]), area=area, nodes=tuple(without),
            customer_hours=float(s["customer_hours_without_water"]), pipe=self.job.pipe,
            job_id=self.job.job_id, network=self.network,
            notice_issued=self.now,
            emergency_supply=bool(self.emergency is not None and self.emergency.required))


def _layer(net, valve_layer):
    if valve_layer is None:
        return synthetic_valve_layer(net, 1, seed=0)
    if "synthetic" in valve_layer.columns and valve_layer.index.name == "valve":
        return valve_layer
    return check_valve_layer(net, valve_layer)


def _job_seconds(hours: float) -> int:
    if (isinstance(hours, bool) or not isinstance(hours, Real) or not math.isfinite(hours)
            or hours <= 0):
        raise ShutdownInputError("job", None, "duration_h", f"{hours!r} is not a positive duration")
    return int(math.ceil(hours * 3600.0 / JOB_STEP_S - 1e-9) * JOB_STEP_S)


def _checks(planned, policy, iso, windows, imp, emerg, earliest, now) -> tuple:
    out = []
    if planned:
        out.append("planned shutdown: needs the water authority's approval before notice (§14)")
        if imp is not None:
            by = imp.summary["start"] - timedelta(hours=policy.notice_h)
            out.append(f"notice to customers by {by:%Y-%m-%d %H:%M}, {policy.notice_h:g} h "
                       "before the start (web, SMS, community notice)")
        else:
            out.append(f"notice to customers at least {policy.notice_h:g} h before the start "
                       "(web, SMS, community notice)")
        if not windows["permitted"].any():
            out.append("no permitted start in the horizon: relax the rules or widen it")
    else:
        out.append("unplanned outage (burst): notify customers while repairing, restore "
                   "as fast as possible (§14)")
    if iso.synthetic_valves:
        out.append("valve layer is SYNTHETIC (generated N-1 placement): confirm every "
                   "valve on site before closing")
    if len(iso.inoperable_passed):
        out.append(f"{len(iso.inoperable_passed)} inoperable valve(s) passed: "
                   f"{len(iso.extra_segments)} extra segment(s), "
                   f"{len(iso.extra_nodes)} extra node(s) isolated")
    if imp is not None and not imp.summary["solver_ok"]:
        out.append("WARNING: some hydraulic steps did not converge: the figures are "
                   "unreliable (see the hydraulics_reliable column)")
    if imp is not None and imp.summary["solver_ok"] and not imp.summary["hydraulics_reliable"]:
        out.append(f"WARNING: {len(imp.summary['unreliable_nodes'])} node(s) were better "
                   "supplied with the shutdown than without (a hydraulic artefact): their "
                   "hours are shown at the baseline's; check the model (hydraulics_reliable)")
    doubtful = windows["solver"].isin(["not converged", "unreliable (below baseline)"])
    if planned and doubtful.any():
        out.append(f"WARNING: {int(doubtful.sum())} candidate start(s) have unreliable "
                   "hydraulics (solver column); they rank after the sound ones")
    if emerg is not None and emerg.required:
        status = "points found" if emerg.points_ok else "NO adequate network point found"
        out.append(f"emergency water supply required: {emerg.daily_volume_m3:.1f} m3/d for "
                   f"{emerg.persons:.0f} persons ({status})")
    return tuple(out)


def plan_job(net, job: Job, valve_layer: pd.DataFrame | None = None,
             policy: Policy | None = None, *, now: datetime | None = None, customers=None,
             tank_levels_m: dict | None = None, all_starts: bool = False) -> JobPlan:
    """Plan a shutdown for works on one pipe.

    Parameters
    ----------
    net : models.Network
    job : Job
    valve_layer : pandas.DataFrame, optional
        Standard form (``valves.read_valve_layer``) or a bare ``link``/``node`` table;
        a synthetic N-1 layer (flagged) when None.
    policy : Policy, optional
    now : datetime, optional
        Study time (notice counts from it); the current local time by default.
    customers : pandas.Series or pandas.DataFrame, optional
        Accounts per junction (see ``customers.customers_per_node``); estimated from
        demand when None.
    tank_levels_m : dict, optional
        Tank levels (m above the bottom) at ``now``; the model's initial levels if None.
    all_starts : bool
        Also score starts the rules forbid (for a chart).

    Returns
    -------
    JobPlan

    Raises
    ------
    ShutdownInputError
        Unknown pipe or valve ids, a bad duration, a bad valve layer or customer table.
    """
    policy = policy or Policy()
    now = (now or datetime.now()).replace(microsecond=0)
    layer = _layer(net, valve_layer)
    if job.pipe not in wntr_model(net).link_name_list:
        raise ShutdownInputError("job", None, "pipe", f"no pipe {job.pipe!r} in the network",
                                 missing=(job.pipe,))
    dur_s = _job_seconds(job.duration_h)
    if job.not_before is not None and not isinstance(job.not_before, datetime):
        raise ShutdownInputError("job", None, "not_before",
                                 f"{job.not_before!r} is not a date and time")
    if isinstance(job.inoperable_valves, str):
        raise ShutdownInputError("job", None, "inoperable_valves",
                                 f"{job.inoperable_valves!r}: give a list of valve ids")
    iso = isolate(segment_map(net, layer), job.pipe, job.inoperable_valves)
    cust = customers_per_node(net, customers,
                              use_m3_per_account_day=policy.use_m3_per_account_day)
    step_s = int(round(policy.start_step_h * 3600))
    clock = study_clock(net, now, step_s, policy.model_start_weekday)
    cands = candidate_starts(clock, now, dur_s, policy, job.not_before)
    first = earliest_start(now, policy, job.not_before)
    todo = cands if all_starts else cands[cands["permitted"]]
    name = getattr(wntr_model(net), "name", "") or ""
    if todo.empty:
        windows = score_starts(None, cands, iso.closed_links, dur_s, cust, policy)
        return JobPlan(job, policy, now, True, iso, windows, first, None,
                       pd.DataFrame(), None,
                       _checks(True, policy, iso, windows, None, None, first, now), name)
    horizon = int(todo["start_s"].max()) + dur_s
    wn = study_model(net, clock, horizon, policy, step_s=step_s, job_s=dur_s,
                     tank_levels_m=tank_levels_m)
    windows = score_starts(wn, cands, iso.closed_links, dur_s, cust, policy,
                           all_starts=all_starts)
    best = windows[windows["best"]]
    if best.empty:
        return JobPlan(job, policy, now, True, iso, windows, first, None, pd.DataFrame(),
                       None, _checks(True, policy, iso, windows, None, None, first, now),
                       name)
    start_s = int(best["start_s"].iloc[0])
    imp = impact(wn, clock, iso, cust, policy, start_s, dur_s, planned=True)
    start = clock.at(start_s)
    notice = notice_list(imp, job.job_id, start, start + timedelta(seconds=dur_s), now,
                         notice_h=policy.notice_h)
    emerg = emergency_plan(wn, clock, iso, imp, policy, start_s, dur_s)
    return JobPlan(job, policy, now, True, iso, windows, first, imp, notice, emerg,
                   _checks(True, policy, iso, windows, imp, emerg, first, now), name)


def burst(net, pipe: str, time: datetime, valve_layer: pd.DataFrame | None = None,
          policy: Policy | None = None, *, repair_h: float = 8.0, customers=None,
          tank_levels_m: dict | None = None, job_id: str = "",
          inoperable_valves=()) -> JobPlan:
    """Impact of isolating a burst pipe from ``time`` for ``repair_h`` hours (unplanned).

    The isolation starts at the burst time (rounded down to the quarter hour), with no
    notice and no search; otherwise as :func:`plan_job`.

    Returns
    -------
    JobPlan
        ``planned`` False; ``windows`` has the one start.
    """
    policy = policy or Policy()
    layer = _layer(net, valve_layer)
    if pipe not in wntr_model(net).link_name_list:
        raise ShutdownInputError("burst", None, "pipe", f"no pipe {pipe!r} in the network",
                                 missing=(pipe,))
    dur_s = _job_seconds(repair_h)
    job = Job(pipe=pipe, duration_h=dur_s / 3600.0,
              job_id=job_id or f"burst {pipe} {time:%Y-%m-%d %H:%M}",
              inoperable_valves=tuple(inoperable_valves))
    iso = isolate(segment_map(net, layer), pipe, job.inoperable_valves)
    cust = customers_per_node(net, customers,
                              use_m3_per_account_day=policy.use_m3_per_account_day)
    t0 = floor_to_step(time.replace(microsecond=0), JOB_STEP_S)
    rules = replace(policy, notice_h=0.0, night_only=False, forbidden_dates=(),
                    forbidden_weekdays=(), horizon_days=JOB_STEP_S / 86400.0,
                    start_step_h=JOB_STEP_S / 3600.0, threads=1)
    clock = study_clock(net, t0, JOB_STEP_S, policy.model_start_weekday)
    cands = candidate_starts(clock, t0, dur_s, rules)
    wn = study_model(net, clock, dur_s, rules, step_s=JOB_STEP_S, job_s=dur_s,
                     tank_levels_m=tank_levels_m)
    windows = score_starts(wn, cands, iso.closed_links, dur_s, cust, rules)
    imp = impact(wn, clock, iso, cust, policy, 0, dur_s, planned=False)
    notice = notice_list(imp, job.job_id, t0, t0 + timedelta(seconds=dur_s), t0,
                         planned=False)
    emerg = emergency_plan(wn, clock, iso, imp, policy, 0, dur_s)
    name = getattr(wntr_model(net), "name", "") or ""
    return JobPlan(job, policy, t0, False, iso, windows, t0, imp, notice, emerg,
                   _checks(False, policy, iso, windows, imp, emerg, t0, t0), name)
