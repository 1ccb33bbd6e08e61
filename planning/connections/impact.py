"""Impact of one application: a 24-hour pressure-driven run with and without it.

Exports :func:`assess` (one call, cold), :class:`ConnectionStudy` (a network, a ledger and a
policy kept ready: the base run and the snapping index are computed once and reused, so a
planner's next application takes well under a second on a 3,000-junction network) and
:class:`Assessment` (what a page shows: ``verdict``, ``reply_text``, ``node_table``,
``pressure_timeseries``, ``terms``).

How an application is judged
----------------------------
A private copy of the network (with the ledger's approved-but-not-connected applications
connected) runs for ``Policy.duration_s`` (24 h) with pressure-driven demand
(``Policy.pda_*``) from the model's start, tanks at their initial levels. The application is
connected to a copy of that copy (see :mod:`.tap`; a new tap is a topology change) and
the run repeated; the working copy is never edited. Then:

``fail``
    the customer's pressure falls below its required head (storeys) at some report time; or
    a customer junction (one with a demand; every junction with
    ``Policy.check_all_junctions``) that kept ``Policy.min_pressure_m`` all day falls below
    it; or a run does not converge.
``pass with conditions``
    no failure, but a junction already below the minimum loses more than
    ``Policy.worsening_tolerance_m``; or other customers lose more than
    ``Policy.unserved_tolerance_m3`` of demand over the run; or the peak-hour flow exceeds
    the meter's Q3.
``pass``
    otherwise.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from models import wntr_model
from simulation import NumbaSimulator, demand_at

from .application import METER_Q3_M3H, Application
from .capacity import SpareCapacity
from .errors import ConnectionInputError
from .policy import Policy, ServiceTerms, service_terms
from .tap import Tap, _committed, connect, resolve_placement

PASS = "pass"
CONDITIONAL = "pass with conditions"
FAIL = "fail"
_LIST_MAX = 8


@dataclass(frozen=True)
class Assessment:
    """The answer to one application.

    Attributes
    ----------
    application : Application
    verdict : str
        ``"pass"``, ``"pass with conditions"`` or ``"fail"``.
    reasons : tuple of str
        Why it fails (empty unless ``fail``).
    conditions : tuple of str
        Warnings and conditions (meter size, neighbours already short, ...).
    tap : Tap
        Where it joins the network.
    customer_node, service_line : str, str or None
        Model names of the customer junction and the service line.
    service_length_m : float
    required_head_m : float
        The customer's required service head, m.
    customer_min_pressure_m : float
        Lowest pressure at the customer over the run, m.
    customer_min_time_s : int
        When it occurs (s from the start).
    hours_below_required : float
        Time the customer spends below its required head, h.
    nodes_below_minimum : tuple of str
        Junctions pushed below the network minimum by this connection (the judged ones).
    max_pressure_drop_m : float
        Largest fall of a junction's minimum daily pressure, m (>= 0).
    max_drop_node : str
    unserved_other_m3 : float
        Extra demand of other customers not served over the run, m3.
    customer_unserved_m3 : float
        The customer's own demand not served (pressure-driven), m3.
    capacity_node : str
        The junction where spare capacity is reported: the tap junction, or for a new tap
        the nearer end junction of the main.
    spare_capacity_m3s : float
        Spare capacity there before this connection (:func:`spare_capacity` on the
        network with the ledger, peak hour, network minimum), m3/s; NaN if unavailable.
    customer_peak_hour_m3s : float
        The customer's demand at that peak hour, m3/s (what it takes of the spare capacity).
    terms : ServiceTerms
        Track, steps, cost and deadlines.
    node_table : pandas.DataFrame
        Per junction (index ``node``): ``base_min_pressure_m``, ``new_min_pressure_m``,
        ``change_m``, ``customer`` (has a demand), ``judged``, ``base_below_min``,
        ``new_below_min``, ``newly_below_min``, ``base_unserved_m3``, ``new_unserved_m3``,
        ``added`` (junction added by this connection). Sorted by ``change_m``.
    pressure_timeseries : pandas.DataFrame
        Index ``time_s``; ``clock``, ``customer_pressure_m``, ``required_head_m``,
        ``customer_demand_m3s`` (delivered), ``customer_required_demand_m3s``,
        ``tap_pressure_base_m``, ``tap_pressure_new_m``.
    reply_text : str
        A paragraph to paste into the reply to the applicant.
    elapsed_s : float
        Wall time of the assessment, s.
    """

    application: Application
    verdict: str
    reasons: tuple
    conditions: tuple
    tap: Tap
    customer_node: str
    service_line: str | None
    service_length_m: float
    required_head_m: float
    customer_min_pressure_m: float
    customer_min_time_s: int
    hours_below_required: float
    nodes_below_minimum: tuple
    max_pressure_drop_m: float
    max_drop_node: str
    unserved_other_m3: float
    customer_unserved_m3: float
    capacity_node: str
    spare_capacity_m3s: float
    customer_peak_hour_m3s: float
    terms: ServiceTerms
    node_table: pd.DataFrame
    pressure_timeseries: pd.DataFrame
    reply_text: str
    elapsed_s: float

    def summary(self) -> dict:
        """One flat row (for a batch table)."""
        a = self.application
        return {
            "application_id": a.application_id, "verdict": self.verdict,
            "customer_class": a.customer_class, "demand_l_s": a.demand_m3s * 1e3,
            "meter_dn": a.meter_dn, "tap_node": self.tap.node, "main": self.tap.main,
            "service_length_m": self.service_length_m, "required_head_m": self.required_head_m,
            "customer_min_pressure_m": self.customer_min_pressure_m,
            "nodes_below_minimum": len(self.nodes_below_minimum),
            "max_pressure_drop_m": self.max_pressure_drop_m,
            "unserved_other_m3": self.unserved_other_m3,
            "spare_capacity_l_s": self.spare_capacity_m3s * 1e3,
            "customer_peak_hour_l_s": self.customer_peak_hour_m3s * 1e3,
            "track": self.terms.track, "free": self.terms.free,
            "reasons": "; ".join(self.reasons), "conditions": "; ".join(self.conditions),
        }


@dataclass(frozen=True)
class _Run:
    """Per-junction daily figures of one 24-hour run."""

    times_s: np.ndarray
    pressure: pd.DataFrame
    min_pressure: pd.Series
    unserved_m3: pd.Series
    delivered: pd.DataFrame
    required: pd.DataFrame
    converged: bool


def _run(net, duration_s: int) -> _Run:
    sim = NumbaSimulator(net)
    res = sim.run_sim(convergence="report")
    junctions = list(sim.compiled.junction_names)
    pressure = res.node["pressure"][junctions]
    supplied = res.node["supplied"][junctions]
    delivered = res.node["demand"][junctions]
    times = np.asarray(pressure.index, dtype=np.int64)
    required = pd.DataFrame(demand_at(sim.compiled, times), index=pressure.index,
                            columns=junctions)
    masked = pressure.where(supplied)
    within = times < duration_s
    dt = np.diff(np.append(times, duration_s))[within]
    short = (required - delivered.clip(lower=0.0)).clip(lower=0.0).to_numpy()[within]
    unserved = pd.Series((short * dt[:, None]).sum(axis=0), index=junctions)
    return _Run(times, pressure, masked.min(axis=0), unserved, delivered, required,
                bool(res.converged))


def _clock(seconds: float, tstart_s: int = 0) -> str:
    s = int(seconds + tstart_s) % 86400
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}"


class ConnectionStudy:
    """A network, a ledger and a policy, ready to assess applications one after another.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Never modified: the study works on a private copy.
    ledger : Ledger, optional
        Its approved-but-not-connected applications are part of the network. The study
        notices ledger changes (``Ledger.revision``) and rebuilds.
    policy : Policy
    placement : gis.Placement, optional
        CRS of application locations; the ledger's, else ``gis.kunming_placement(net)``.

    Notes
    -----
    Thread-safe (one assessment at a time). Keep one per network in a Streamlit
    ``st.cache_resource``.
    """

    def __init__(self, net, ledger=None, policy: Policy | None = None, placement=None):
        self.net = net
        self.ledger = ledger
        self.policy = policy or Policy()
        self.placement = resolve_placement(net, ledger, placement)
        self._lock = threading.RLock()
        self._revision = None

    # ---- preparation --------------------------------------------------------------------
    def _prepare(self) -> None:
        rev = None if self.ledger is None else self.ledger.revision
        if self._revision is not None and rev == self._revision[0]:
            return
        p = self.policy
        work, added, tapper = _committed(self.net, self.ledger, self.placement, p)
        wn = wntr_model(work)
        t = wn.options.time
        t.duration = p.duration_s
        t.report_start = 0
        t.report_timestep = min(int(t.report_timestep or 3600), int(t.hydraulic_timestep or 3600))
        p.pda.apply_to(wn)
        self._work, self._wn, self._added, self._tapper = work, wn, added, tapper
        self._base = _run(work, p.duration_s)
        self._customers = pd.Series(
            {name: sum(d.base_value for d in j.demand_timeseries_list) > 0
             for name, j in wn.junctions()})
        self._capacity = None
        self._revision = (rev,)

    @property
    def working_network(self):
        """The private copy with the ledger's approved connections (do not edit it)."""
        with self._lock:
            self._prepare()
            return self._work

    def spare_capacity_map(self, min_pressure_m: float | None = None, time_s: int | None = None,
                           threads: int = 2) -> pd.DataFrame:
        """Spare capacity of every junction of the working network (see
        :func:`~planning.connections.capacity.spare_capacity_map`)."""
        from .capacity import spare_capacity_map

        with self._lock:
            self._prepare()
            pmin = self.policy.min_pressure_m if min_pressure_m is None else min_pressure_m
            table = spare_capacity_map(self._work, pmin, time_s, placement=self.placement,
                                       threads=threads, rtol=self.policy.capacity_rtol)
            table["application_id"] = [self._added.get(n, "") for n in table.index]
            return table

    def check(self, app: Application) -> Tap:
        """Validate ``app`` against the network (node, extent, a main wide enough) and say
        where it would join; raises ConnectionInputError, changes nothing."""
        with self._lock:
            self._prepare()
            return self._tapper.locate(self._wn, app)

    # ---- assessment ------------------------------------------------------------------------
    def assess(self, app: Application) -> Assessment:
        """Assess one application (see the module docstring for the rules)."""
        if not isinstance(app, Application):
            raise ConnectionInputError("application", f"expected an Application, got {app!r}")
        t0 = time.perf_counter()
        with self._lock:
            self._prepare()
            wn, p = self._wn, self.policy
            if self._added and app.application_id in set(self._added.values()):
                raise ConnectionInputError(
                    "application_id", "this application is already approved in the ledger "
                    "and part of the network", application_id=app.application_id)
            tap = self._tapper.locate(wn, app)
            # The connection is a topology change (a tap, a service line): it goes into a
            # copy of the working network, compiled once; the working network stays as is.
            trial = copy.deepcopy(self._work)
            conn = connect(wntr_model(trial), app, tap, p, self.placement, self._tapper.fork())
            new = _run(trial, p.duration_s)
            cap_node, cap = self._capacity_near(tap)
            judged = self._judge(app, tap, conn, new, cap_node, cap, 0.0)
        return replace(judged, elapsed_s=time.perf_counter() - t0)

    def _capacity_near(self, tap: Tap) -> tuple[str, float]:
        """Spare capacity before this connection at the tap junction, or (for a new tap) at
        the nearer end junction of the tapped main; ("", NaN) if none."""
        wn = self._wn
        node = tap.node
        if tap.split:
            link = wn.get_link(tap.main)
            ends = [link.start_node, link.end_node]
            if tap.fraction > 0.5:
                ends.reverse()
            node = next((n.name for n in ends if n.node_type == "Junction"), "")
        if not node:
            return "", float("nan")
        try:
            if self._capacity is None:
                self._capacity = SpareCapacity(self._work, self.policy.min_pressure_m,
                                               rtol=self.policy.capacity_rtol)
            return node, self._capacity.at(node)
        except Exception:  # a failed base solve: report NaN, keep the assessment
            return node, float("nan")

    # ---- judging -----------------------------------------------------------------------------
    def _judge(self, app, tap, conn, new: _Run, cap_node: str, cap: float,
               elapsed_s: float) -> Assessment:
        p = self.policy
        base = self._base
        wn = self._wn
        tstart = int(round(wn.options.time.start_clocktime))
        pmin = p.min_pressure_m
        cust = conn.customer_node
        req_head = app.head_required_m

        # customer through the day
        cp = new.pressure[cust]
        c_min = float(cp.min())
        c_min_t = int(cp.idxmin())
        within = new.times_s < p.duration_s
        dt = np.diff(np.append(new.times_s, p.duration_s))
        below = (cp.to_numpy() < req_head - 1e-9) & within
        hours_below = float(dt[below].sum() / 3600.0)
        c_unserved = max(0.0, float(new.unserved_m3.get(cust, 0.0))
                         - float(base.unserved_m3.get(cust, 0.0)))  # the applicant's shortfall

        # every other junction
        nodes = new.min_pressure.index
        table = pd.DataFrame(index=pd.Index(nodes, name="node"))
        table["base_min_pressure_m"] = base.min_pressure.reindex(nodes)
        table["new_min_pressure_m"] = new.min_pressure
        table["change_m"] = table["new_min_pressure_m"] - table["base_min_pressure_m"]
        table["added"] = ~nodes.isin(base.min_pressure.index)
        customers = self._customers.reindex(nodes, fill_value=False).astype(bool)
        table["customer"] = customers | table["added"] & (nodes == cust)
        table["judged"] = (~table["added"]) & (table["customer"] | p.check_all_junctions)
        table["base_below_min"] = table["base_min_pressure_m"] < pmin
        table["new_below_min"] = table["new_min_pressure_m"] < pmin
        table["newly_below_min"] = (table["judged"] & ~table["base_below_min"]
                                    & table["new_below_min"] & (nodes != cust))
        table["base_unserved_m3"] = base.unserved_m3.reindex(nodes)
        table["new_unserved_m3"] = new.unserved_m3
        table = table.sort_values("change_m", kind="stable")

        others = table[~table["added"] & (table.index != cust)]
        drops = (-others["change_m"]).clip(lower=0.0)
        max_drop = float(drops.max()) if len(drops) else 0.0
        max_drop_node = str(drops.idxmax()) if len(drops) and max_drop > 0 else ""
        newly = tuple(others.index[others["newly_below_min"]])
        unserved_other = float((others["new_unserved_m3"] - others["base_unserved_m3"])
                               .clip(lower=0.0).sum())
        worse = others[others["judged"] & others["base_below_min"]
                       & (others["change_m"] < -p.worsening_tolerance_m)]

        reasons, conditions = [], []
        if not (new.converged and base.converged):
            reasons.append("the hydraulic run did not converge at every step; check the model")
        if c_min < req_head:
            booster = (" (the network minimum is met there: the upper storeys need secondary "
                       "supply, e.g. a booster and tank)" if c_min >= pmin else "")
            reasons.append(
                f"pressure at the customer falls to {c_min:.1f} m at "
                f"{_clock(c_min_t, tstart)} ({hours_below:g} h below), under the "
                f"{req_head:.1f} m required" + (f" for {app.storeys} storeys"
                                                  if app.required_head_m is None else "")
                + booster)
        if newly:
            reasons.append(
                f"{len(newly)} junction(s) fall below the {pmin:.4g} m network minimum: "
                + _node_list(others, newly))
        if len(worse):
            conditions.append(
                f"{len(worse)} junction(s) already below {pmin:.4g} m lose more than "
                f"{p.worsening_tolerance_m:g} m: " + _node_list(others, tuple(worse.index)))
        if unserved_other > p.unserved_tolerance_m3:
            conditions.append(f"other customers receive {unserved_other:.1f} m3 less water "
                              f"over {p.duration_s / 3600:g} h")
        peak_m3h = app.peak_demand_m3s() * 3600.0
        q3 = METER_Q3_M3H[app.meter_dn]
        if peak_m3h > q3:
            conditions.append(f"peak flow {peak_m3h:.1f} m3/h exceeds the Q3 of a DN{app.meter_dn} "
                              f"meter ({q3:g} m3/h): choose a larger meter")
        verdict = FAIL if reasons else (CONDITIONAL if conditions else PASS)

        ts = pd.DataFrame(index=pd.Index(new.times_s, name="time_s"))
        ts["clock"] = [_clock(t, tstart) for t in new.times_s]
        ts["customer_pressure_m"] = cp.to_numpy()
        ts["required_head_m"] = req_head
        # the applicant's own demand: at an existing junction the node also carries the
        # demand already there, which is not the applicant's (PDA delivers pro rata)
        own_req = app.demand_m3s * app.multiplier_at(new.times_s + tstart)
        node_req = new.required[cust].to_numpy()
        share = np.divide(own_req, node_req, out=np.ones_like(own_req), where=node_req > 0)
        # solver round-off (1e-4 relative) never serves more than asked, nor below 0
        ts["customer_demand_m3s"] = np.clip(
            new.delivered[cust].to_numpy() * np.clip(share, 0.0, 1.0), 0.0, own_req)
        ts["customer_required_demand_m3s"] = own_req
        ts["tap_pressure_base_m"] = (base.pressure[tap.node].reindex(new.times_s).to_numpy()
                                     if tap.node in base.pressure.columns else np.nan)
        ts["tap_pressure_new_m"] = new.pressure[tap.node].to_numpy()

        peak_hour = float("nan")
        if self._capacity is not None:  # the applicant's demand only, never the node's
            t_peak = self._capacity.time_s
            peak_hour = float(app.demand_m3s * app.multiplier_at(np.array([t_peak + tstart]))[0])
        terms = service_terms(app, conn.service_length_m if tap.main is not None
                              or app.service_length_m is not None else 0.0, p)
        assessment = Assessment(
            application=app, verdict=verdict, reasons=tuple(reasons),
            conditions=tuple(conditions), tap=tap, customer_node=cust,
            service_line=conn.service_line, service_length_m=conn.service_length_m,
            required_head_m=req_head, customer_min_pressure_m=c_min,
            customer_min_time_s=c_min_t, hours_below_required=hours_below,
            nodes_below_minimum=newly, max_pressure_drop_m=max_drop,
            max_drop_node=max_drop_node, unserved_other_m3=unserved_other,
            customer_unserved_m3=c_unserved, capacity_node=cap_node, spare_capacity_m3s=cap,
            customer_peak_hour_m3s=peak_hour, terms=terms,
            node_table=table, pressure_timeseries=ts, reply_text="", elapsed_s=elapsed_s)
        return replace(assessment, reply_text=reply_text(assessment, p))


def _node_list(table: pd.DataFrame, names: tuple) -> str:
    shown = [f"{n} ({table.at[n, 'new_min_pressure_m']:.1f} m)" for n in names[:_LIST_MAX]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def reply_text(a: Assessment, policy: Policy) -> str:
    """The paragraph a planner pastes into the reply (plain English)."""
    app = a.application
    demand = (f"{app.demand_l_s:g} L/s" if app.demand_l_s is not None
              else f"{app.demand_m3_d:g} m3/d")
    if a.tap.main is None:
        where = f"at junction {a.tap.node}"
    else:
        where = (f"to main {a.tap.main} (DN{a.tap.main_diameter_m * 1000:.0f}) at "
                 f"{'junction ' + a.tap.node if not a.tap.split else 'a new tap'}, with a "
                 f"{a.service_length_m:.0f} m DN{app.meter_dn} service line")
    head = {PASS: "can be connected", CONDITIONAL: "can be connected, with conditions",
            FAIL: "cannot be connected as requested"}[a.verdict]
    lines = [
        f"Application {app.application_id} ({app.customer_class}, mean demand {demand}, "
        f"meter DN{app.meter_dn}, {app.storeys} storey{'s' if app.storeys > 1 else ''}) "
        f"{head}.",
        f"Proposed connection: {where}.",
        f"Lowest pressure at the customer over {policy.duration_s / 3600:g} h: "
        f"{a.customer_min_pressure_m:.1f} m (required {a.required_head_m:.1f} m).",
    ]
    if a.max_pressure_drop_m > 0:
        effect = (f"Effect on the network: the largest fall in a junction's lowest daily "
                  f"pressure is {a.max_pressure_drop_m:.2f} m (at {a.max_drop_node}); ")
    else:
        effect = "Effect on the network: no junction's lowest daily pressure falls; "
    effect += (f"{len(a.nodes_below_minimum)} junction(s) fall below the "
               f"{policy.min_pressure_m:.4g} m minimum." if a.nodes_below_minimum
               else f"no junction falls below the {policy.min_pressure_m:.4g} m minimum.")
    lines.append(effect)
    if np.isfinite(a.spare_capacity_m3s):
        take = (f"; this connection takes {a.customer_peak_hour_m3s * 1e3:.2f} L/s of it"
                if np.isfinite(a.customer_peak_hour_m3s) else "")
        lines.append(f"Spare capacity at junction {a.capacity_node} at the peak hour before "
                     f"this connection: {a.spare_capacity_m3s * 1e3:.1f} L/s{take}.")
    lines += [f"Reason: {r}." for r in a.reasons]
    lines += [f"Condition: {c}." for c in a.conditions]
    t = a.terms
    steps = "1 step (acceptance & connection)" if t.steps == 1 else \
        "2 steps (application, then acceptance & connection)"
    lines.append(f"Service: {t.track} track, {steps}; cost: {t.cost_text}.")
    for row in t.deadlines.itertuples():
        due = row.due_on.isoformat() if row.due_on is not None else "not set by policy"
        days = "" if np.isnan(row.working_days) else f" ({row.working_days:g} working days)"
        lines.append(f"Deadline - {row.item}{days}: {due}.")
    lines += list(t.notes)
    return "\n".join(lines)


def assess(net, application: Application, ledger=None, policy: Policy | None = None,
           placement=None) -> Assessment:
    """Assess one application against a network (and a ledger) in one call.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    application : Application
    ledger : Ledger, optional
        Approved-but-not-connected applications count as part of the network.
    policy : Policy, optional
    placement : gis.Placement, optional
        CRS of the application's location; ``gis.kunming_placement(net)`` by default.

    Returns
    -------
    Assessment

    Raises
    ------
    ConnectionInputError
        Unknown node, location outside the network, no main wide enough.

    Notes
    -----
    Builds a :class:`ConnectionStudy` each call (copy, base run); keep a study for
    repeated use.
    """
    return ConnectionStudy(net, ledger, policy, placement).assess(application)
