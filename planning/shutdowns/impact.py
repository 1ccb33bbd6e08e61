"""Impact of an isolation over its window: customers without water, low pressure, tanks.

From two runs of the study model over [0, end): the isolation applied over
[start, start + duration) and the baseline (nothing closed). Both are pressure-driven
(see ``study``). A junction is *without water* at a report time when it is cut off from
every tank and reservoir or its pressure is at or below ``Policy.no_water_pressure_m``
(it draws nothing); it is *below minimum* when supplied above that but under
``Policy.min_pressure_m``. Customers are accounts (``customers``).

Node categories, in this order:

``isolated``
    inside the segment of the job (drained for the work);
``isolated (inoperable valve)``
    inside a segment lost because a valve could not be closed;
``cut off``
    without water longer than in the baseline over the same window, though outside the
    isolated segments (downstream of the isolation, or depressurised);
``below minimum``
    below the minimum pressure longer than in the baseline over the same window.

Exports :class:`Impact` and :func:`impact`. Called by ``plan``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .jobs import Policy
from .segments import Isolation
from .study import StudyClock, closure_run, outage_frames

CATEGORIES = ("isolated", "isolated (inoperable valve)", "cut off", "below minimum")


@dataclass(frozen=True)
class Impact:
    """Impact tables of one isolation window.

    Attributes
    ----------
    nodes : pandas.DataFrame
        One row per affected junction (index ``node``): ``category`` (see module notes),
        ``customers``, ``hours_without_water``, ``baseline_hours_without_water``,
        ``hours_below_min``, ``baseline_hours_below_min`` (hours in the window, with the
        isolation and without), ``min_pressure_m`` (during the window, supplied steps
        only; NaN if never supplied), ``demand_not_served_m3`` (more than the baseline),
        ``hydraulics_reliable`` (False where a step of either run did not converge, or the
        run with the isolation had the node supplied longer than the baseline: a hydraulic
        artefact; the published hours are then the baseline's, never fewer).
        ``hours_without_water`` is never below ``baseline_hours_without_water``; nodes of
        the isolated segments are without water for the whole window.
    hourly : pandas.DataFrame
        Index ``hour`` (datetime, start of each hour of the window):
        ``customers_without_water`` and ``customers_below_min`` (most at any report time
        in the hour), ``demand_required_m3``, ``demand_not_served_m3``.
    tanks : pandas.DataFrame
        Index ``tank``: ``level_start_m``, ``level_min_m``, ``level_end_m``,
        ``baseline_level_end_m``, ``drawdown_m`` (baseline end level minus end level),
        ``reached_min_level`` (bool), ``isolated`` (inside the isolated segments).
    summary : dict
        Totals of what the isolation causes (isolation run minus baseline):
        ``customers_without_water``, ``customers_below_min`` (distinct accounts),
        ``customer_hours_without_water``, ``customer_hours_below_min``,
        ``demand_not_served_m3`` (all >= 0), ``max_hours_without_water`` (longest outage
        of an affected node), ``planned``, ``start``, ``end``, ``synthetic_valves``,
        ``solver_ok`` (every step of both runs converged in the window),
        ``hydraulics_reliable`` (and no node artefact), ``unreliable_nodes``.
    node_status : pandas.Series
        Category (or "supplied") for every node, for a map (``gis.without_water_layer``).
    results, baseline : simulation.SimulationResults
        The two runs (pressures, flows, tank levels for maps and charts).
    """

    nodes: pd.DataFrame
    hourly: pd.DataFrame
    tanks: pd.DataFrame
    summary: dict
    node_status: pd.Series
    results: object
    baseline: object


def _window(frame: pd.DataFrame, start_s: int, end_s: int) -> pd.DataFrame:
    idx = frame.index
    return frame.loc[(idx >= start_s) & (idx < end_s)]


def impact(wn_study, clock: StudyClock, iso: Isolation, customers: pd.Series,
           policy: Policy, start_s: int, duration_s: int, *, planned: bool = True
           ) -> Impact:
    """Run the isolation and the baseline; tabulate the impact.

    Parameters
    ----------
    wn_study : wntr.network.WaterNetworkModel
        The study model (``study.study_model``).
    clock : StudyClock
    iso : Isolation
    customers : pandas.Series
        Accounts by junction.
    policy : Policy
    start_s, duration_s : int
        Window in simulation time.
    planned : bool
        Recorded in the summary (False for bursts).

    Returns
    -------
    Impact
    """
    end_s = int(start_s + duration_s)
    res = closure_run(wn_study, iso.closed_links, int(start_s), int(duration_s), end_s)
    base = closure_run(wn_study, (), int(start_s), int(duration_s), end_s)
    rstep = int(wn_study.options.time.report_timestep)
    hours = rstep / 3600.0
    f = {k: _window(v, start_s, end_s) for k, v in outage_frames(wn_study, res, policy).items()}
    fb = {k: _window(v, start_s, end_s) for k, v in outage_frames(wn_study, base, policy).items()}
    junctions = list(wn_study.junction_name_list)
    cust = customers.reindex(junctions).fillna(0).astype(np.int64)

    raw_nw = f["no_water"].sum() * hours
    h_nw_b = fb["no_water"].sum() * hours
    h_low = f["low"].sum() * hours
    h_low_b = fb["low"].sum() * hours
    supplied_p = f["pressure_m"].where(~f["no_water"])
    unserved = (f["unserved_m3s"] * rstep).sum()
    unserved_b = (fb["unserved_m3s"] * rstep).sum()
    seg_nodes = set(iso.nodes) - set(iso.extra_nodes)
    extra_nodes = set(iso.extra_nodes)
    # Closing a pipe never brings water: a node with fewer hours without water than in the
    # baseline is a hydraulic artefact (flagged below), so the published figure is at least
    # the baseline's, and a drained segment is without water the whole window.
    window_h = float(len(f["no_water"].index)) * hours
    drained = raw_nw.index.isin(list(iso.nodes))
    h_nw = np.maximum(raw_nw, h_nw_b).where(~drained, window_h)
    diag = res.diagnostics
    diag_b = base.diagnostics
    steps_ok = bool(diag.loc[(diag["time_s"] >= start_s) & (diag["time_s"] < end_s),
                             "converged"].all()
                    and diag_b.loc[(diag_b["time_s"] >= start_s) & (diag_b["time_s"] < end_s),
                                   "converged"].all())
    node_ok = (raw_nw >= h_nw_b - 1e-9) | drained
    node_ok &= steps_ok
    cat = pd.Series("", index=pd.Index(junctions, name="node"), dtype=object)
    cat[h_low > h_low_b + 1e-9] = "below minimum"
    cat[h_nw > h_nw_b + 1e-9] = "cut off"
    cat[cat.index.isin(list(extra_nodes))] = "isolated (inoperable valve)"
    cat[cat.index.isin(list(seg_nodes))] = "isolated"
    hit = cat != ""
    nodes = pd.DataFrame({
        "category": cat[hit], "customers": cust[hit],
        "hours_without_water": h_nw[hit], "baseline_hours_without_water": h_nw_b[hit],
        "hours_below_min": h_low[hit], "baseline_hours_below_min": h_low_b[hit],
        "min_pressure_m": supplied_p.min()[hit],
        "demand_not_served_m3": (unserved - unserved_b).clip(lower=0.0)[hit],
        "hydraulics_reliable": node_ok[hit],
    })
    nodes.index.name = "node"
    nodes["category"] = pd.Categorical(nodes["category"], categories=CATEGORIES)
    nodes = nodes.sort_values(["category", "node"])

    cvec = cust.to_numpy(dtype=float)
    per_t = pd.DataFrame({
        "customers_without_water": f["no_water"].to_numpy() @ cvec,
        "customers_below_min": f["low"].to_numpy() @ cvec,
        "demand_required_m3": f["required_m3s"].clip(lower=0).sum(axis=1).to_numpy() * rstep,
        "demand_not_served_m3": f["unserved_m3s"].sum(axis=1).to_numpy() * rstep,
    }, index=f["no_water"].index)
    hour = (per_t.index.to_numpy() - start_s) // 3600
    hourly = per_t.groupby(hour).agg({"customers_without_water": "max",
                                      "customers_below_min": "max",
                                      "demand_required_m3": "sum",
                                      "demand_not_served_m3": "sum"})
    hourly.index = pd.Index([clock.at(start_s + 3600 * int(h)) for h in hourly.index],
                            name="hour")

    tanks = _tank_table(wn_study, res, base, start_s, end_s, set(iso.nodes))
    status = pd.Series("supplied", index=pd.Index(wn_study.node_name_list, name="node"),
                       dtype=object)
    status[nodes.index] = nodes["category"].astype(str)
    status[status.index.isin(list(iso.nodes))
           & ~status.index.isin(junctions)] = "isolated"
    extra_nw = (h_nw - h_nw_b).clip(lower=0.0)
    extra_low = (h_low - h_low_b).clip(lower=0.0)
    affected_nw = extra_nw.index[extra_nw > 0]
    affected_low = extra_low.index[extra_low > 0]
    unreliable = node_ok.index[~node_ok & hit.reindex(node_ok.index, fill_value=False)]
    summary = {
        "planned": bool(planned),
        "start": clock.at(start_s), "end": clock.at(end_s),
        "customers_without_water": int(cust[affected_nw].sum()),
        "customers_below_min": int(cust[affected_low.difference(affected_nw)].sum()),
        "customer_hours_without_water": float((extra_nw * cust).sum()),
        "customer_hours_below_min": float((extra_low * cust).sum()),
        "demand_not_served_m3": float((unserved - unserved_b).clip(lower=0.0).sum()),
        "max_hours_without_water": float(h_nw[affected_nw].max()) if len(affected_nw)
        else 0.0,
        "synthetic_valves": bool(iso.synthetic_valves),
        "solver_ok": steps_ok,
        "hydraulics_reliable": bool(steps_ok and (node_ok | drained).all()),
        "unreliable_nodes": tuple(unreliable),
    }
    return Impact(nodes=nodes, hourly=hourly, tanks=tanks, summary=summary,
                  node_status=status, results=res, baseline=base)


def _tank_table(wn, res, base, start_s, end_s, isolated_nodes) -> pd.DataFrame:
    names = list(wn.tank_name_list)
    cols = ["level_start_m", "level_min_m", "level_end_m", "baseline_level_end_m",
            "drawdown_m", "reached_min_level", "isolated"]
    if not names:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="tank"))
    elev = np.array([wn.get_node(n).elevation for n in names])
    min_lvl = np.array([wn.get_node(n).min_level for n in names])
    h = res.node["head"][names]
    hb = base.node["head"][names]
    win = h.loc[(h.index >= start_s) & (h.index <= end_s)] - elev
    winb = hb.loc[(hb.index >= start_s) & (hb.index <= end_s)] - elev
    end_lvl = win.iloc[-1].to_numpy()
    base_end = winb.iloc[-1].to_numpy()
    table = pd.DataFrame({
        "level_start_m": win.iloc[0].to_numpy(), "level_min_m": win.min().to_numpy(),
        "level_end_m": end_lvl, "baseline_level_end_m": base_end,
        "drawdown_m": base_end - end_lvl,
        "reached_min_level": win.min().to_numpy() <= min_lvl + 1e-3,
        "isolated": [n in isolated_nodes for n in names],
    }, index=pd.Index(names, name="tank"))
    return table
