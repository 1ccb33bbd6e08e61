"""The study model: a copy of the network set up for a shutdown study from "now".

Calendar time and model time are tied by a :class:`StudyClock`: simulation time 0 is
``t0`` (the study's "now", floored to the start step); the model's demand patterns are
read at the pattern time that matches ``t0``'s weekday and time of day. The model's own
time 0 is taken to be its ``start_clocktime`` on ``Policy.model_start_weekday``
(Monday), with pattern time ``pattern_start``. Tanks start at the model's initial levels
unless the caller gives today's levels. Time controls of the model written as "AT TIME"
(simulation time) count from ``t0``; clock-time controls keep their clock times.

The copy runs pressure-driven (PDA: nothing at or below ``Policy.no_water_pressure_m``,
full demand from ``Policy.required_pressure_m``), continues past a non-converged step
(``UNBALANCED CONTINUE 10``; such steps are flagged), and reports at a step that divides
the start spacing and the job length, so that every candidate start and end is a report
time. The caller's network is never modified.

Exports :class:`StudyClock`, :func:`study_clock`, :func:`study_model`,
:func:`compiled_study`, :func:`closure_run`, :func:`outage_frames`. Called by ``window``, ``plan`` and the tests.
"""

from __future__ import annotations

import copy
import math
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from models import wntr_model
from simulation import (
    CompiledNetwork,
    LinkClosure,
    Scenario,
    compile_network,
    run_scenario,
)

from .customers import required_demand_m3s
from .errors import ShutdownInputError
from .jobs import Policy

WEEK_S = 7 * 86400
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Study model -> its compiled network (dropped with the model)."""


@dataclass(frozen=True)
class StudyClock:
    """Calendar <-> simulation time for a study.

    Attributes
    ----------
    t0 : datetime
        Calendar time of simulation time 0 (naive local time).
    pattern_start_s : int
        Pattern time at simulation time 0, s.
    clock_start_s : int
        Clock time of day at simulation time 0, s after midnight.
    """

    t0: datetime
    pattern_start_s: int
    clock_start_s: int

    def at(self, sim_s: float) -> datetime:
        """Calendar time of a simulation time (s)."""
        return self.t0 + timedelta(seconds=float(sim_s))

    def sim_s(self, when: datetime) -> int:
        """Simulation time (s) of a calendar time."""
        return int(round((when - self.t0).total_seconds()))


def floor_to_step(when: datetime, step_s: int) -> datetime:
    """``when`` rounded down to a whole multiple of ``step_s`` after its midnight."""
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    secs = (when - midnight).total_seconds()
    return midnight + timedelta(seconds=step_s * math.floor(secs / step_s))


def study_clock(net, now: datetime, step_s: int = 3600, model_start_weekday: int = 0
                ) -> StudyClock:
    """The clock of a study starting at ``now`` floored to ``step_s``.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    now : datetime
        Naive local (Kunming) time.
    step_s : int
        Start spacing, s.
    model_start_weekday : int
        Weekday of the model's time 0 (0 = Monday).
    """
    wn = wntr_model(net)
    t0 = floor_to_step(now, step_s)
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    tod = int((t0 - midnight).total_seconds())
    days = (t0.weekday() - int(model_start_weekday)) % 7
    elapsed = (days * 86400 + tod - int(wn.options.time.start_clocktime)) % WEEK_S
    return StudyClock(t0=t0, pattern_start_s=int(wn.options.time.pattern_start) + elapsed,
                      clock_start_s=tod)


def study_model(net, clock: StudyClock, duration_s: int, policy: Policy, *,
                step_s: int = 3600, job_s: int = 3600, tank_levels_m=None):
    """A deep copy of the network set up for the study (see the module notes).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    clock : StudyClock
    duration_s : int
        Simulation length, s.
    policy : Policy
    step_s, job_s : int
        Start spacing and job length, s: the report step is set to divide both.
    tank_levels_m : dict, optional
        ``{tank name: level above the tank bottom (m)}`` at ``clock.t0``.

    Returns
    -------
    wntr.network.WaterNetworkModel
    """
    wn = copy.deepcopy(wntr_model(net))
    t = wn.options.time
    t.duration = int(duration_s)
    t.pattern_start = int(clock.pattern_start_s)
    t.start_clocktime = int(clock.clock_start_s)
    t.report_start = 0
    rstep = int(t.report_timestep) or int(t.hydraulic_timestep) or 3600
    t.report_timestep = math.gcd(math.gcd(rstep, int(step_s)), int(job_s)) or rstep
    policy.pda.apply_to(wn)
    h = wn.options.hydraulic
    h.unbalanced = "CONTINUE"
    h.unbalanced_value = 10
    for name, level in (tank_levels_m or {}).items():
        if name not in wn.tank_name_list:
            raise ShutdownInputError("tank levels", name, "tank",
                                     f"no tank {name!r} in the network", missing=(name,))
        tank = wn.get_node(name)
        tank.init_level = float(min(max(level, tank.min_level), tank.max_level))
    return wn


def compiled_study(wn) -> CompiledNetwork:
    """The study model compiled (once per model; a study model is not edited after
    :func:`study_model` returns it)."""
    cn = _COMPILED.get(wn)
    if cn is None:
        cn = _COMPILED[wn] = compile_network(wn)
    return cn


def closure_run(wn, closed_links, start_s: int, dur_s: int, end_s: int | None = None):
    """Simulate the study model with ``closed_links`` closed over [start, start + dur).

    The closures are a scenario of the compiled study model (time controls that close the
    links at ``start_s`` and reopen them at ``start_s + dur_s``, as an operator would); the
    model itself is never edited.

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
        A study model (:func:`study_model`).
    closed_links : iterable of str
    start_s, dur_s : int
    end_s : int, optional
        Simulation length; ``start_s + dur_s`` by default.

    Returns
    -------
    simulation.SimulationResults
    """
    end = int(start_s + dur_s if end_s is None else end_s)
    closures = tuple(LinkClosure(name, int(start_s), int(start_s + dur_s))
                     for name in closed_links)
    return run_scenario(compiled_study(wn), Scenario(duration_s=end, closures=closures),
                        name=getattr(wn, "name", "") or "", convergence="report")


def outage_frames(wn, results, policy: Policy, pattern_start_s: int | None = None) -> dict:
    """Per report time and junction: without water, below minimum, demand not served.

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
        The study model the results come from.
    results : simulation.SimulationResults
    policy : Policy
    pattern_start_s : int, optional
        Pattern time at simulation time 0 (the study model's by default).

    Returns
    -------
    dict of pandas.DataFrame
        ``no_water`` and ``low`` (bool), ``pressure_m``, ``required_m3s``,
        ``unserved_m3s``; index = report time (s), columns = junctions.
    """
    junctions = list(wn.junction_name_list)
    p = results.node["pressure"][junctions]
    sup = results.node["supplied"][junctions]
    no_water = (~sup) | (p <= policy.no_water_pressure_m + 1e-6)
    low = (~no_water) & (p < policy.min_pressure_m)
    req = required_demand_m3s(wn, p.index, pattern_start_s)
    served = results.node["demand"][junctions].clip(lower=0.0)
    unserved = (req - served).clip(lower=0.0)
    return {"no_water": no_water, "low": low, "pressure_m": p, "required_m3s": req,
            "unserved_m3s": unserved}


def window_costs_from_results(frames: dict, customers: pd.Series, start_s: int,
                              dur_s: int, report_step_s: int) -> dict:
    """Customer-hours and unserved volume over [start, start + dur) from :func:`outage_frames`.

    The reference (brute-force) scoring the hot-started branches must reproduce.
    """
    idx = frames["no_water"].index
    sel = (idx >= start_s) & (idx < start_s + dur_s)
    cust = customers.reindex(frames["no_water"].columns).fillna(0).to_numpy(dtype=float)
    nw = frames["no_water"].to_numpy()[sel]
    lo = frames["low"].to_numpy()[sel]
    un = frames["unserved_m3s"].to_numpy()[sel]
    hours = report_step_s / 3600.0
    return {"customer_hours_without_water": float((nw * cust).sum() * hours),
            "customer_hours_below_min": float((lo * cust).sum() * hours),
            "demand_not_served_m3": float(np.nansum(un) * report_step_s)}
