"""Volumes from simulation results: leakage per zone and day, water balance, night flow.

Exports :func:`zone_flows_m3s`, :func:`leakage_volume_m3_per_day`, :func:`water_balance`,
:func:`minimum_night_flow`, :func:`volume_weights_s` and :data:`NETWORK`. Pure functions of
(network, results, zones): nothing is simulated here.

Flows and volumes
-----------------
Results hold rates (m3/s) at report times ``t_0 < t_1 < ...``. A rate is taken to hold from
its report time to the next one (EPANET holds a solution until the next hydraulic step), so
a volume is ``sum_i q(t_i) * (t_(i+1) - t_i)`` over the report intervals inside the period;
the last report time closes the run and adds nothing. With the report step equal to the
hydraulic step (L-Town, Net3) this is exact up to intermediate events (controls, tanks)
between report times. ``simulation.scenario.total_leakage_m3`` integrates the same way.

Per zone (see :mod:`planning.leakage.zones`):

- ``supplied`` = water entering the zone: flow of links from another zone into it, minus
  flow out through such links, plus what its reservoirs and tanks release (a filling tank
  counts negative);
- ``registered`` = consumer demand plus emitter outflow of its junctions (``demand``);
- ``leakage`` = pipe leakage and orifice leaks leaving its junctions (``leak_demand``).

Mass conservation at every junction makes ``supplied = registered + leakage``; the
``imbalance_m3`` column shows how closely the solution meets it (solver tolerance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import wntr_model as _wn

from .zones import Zones, single_zone

NETWORK = "(network)"
"""Row label of the whole network in the tables of this module."""
SECONDS_PER_DAY = 86400.0


def volume_weights_s(times_s, start_s: float | None = None,
                     end_s: float | None = None) -> np.ndarray:
    """Seconds each report time's rate counts for inside ``[start_s, end_s)``.

    Parameters
    ----------
    times_s : array-like
        Report times, s, increasing.
    start_s, end_s : float, optional
        Period (default: the whole run).

    Returns
    -------
    numpy.ndarray
        ``w_i = |[t_i, t_(i+1)) ∩ [start_s, end_s)|`` (s); 0 for the last report time.
    """
    t = np.asarray(times_s, dtype=float)
    if len(t) < 2:
        return np.zeros(len(t))
    lo = t[0] if start_s is None else float(start_s)
    hi = t[-1] if end_s is None else float(end_s)
    left = np.clip(t[:-1], lo, hi)
    right = np.clip(t[1:], lo, hi)
    return np.append(right - left, 0.0)


def _membership(labels: pd.Series, names: list[str]) -> np.ndarray:
    """0/1 matrix (elements x zones)."""
    col = {z: j for j, z in enumerate(names)}
    m = np.zeros((len(labels), len(names)))
    m[np.arange(len(labels)), [col[z] for z in labels]] = 1.0
    return m


def zone_flows_m3s(net, results, zones: Zones | None = None) -> dict[str, pd.DataFrame]:
    """Inflow, consumption and leakage rates of every zone at every report time.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        The network that was simulated.
    results : SimulationResults
        From ``simulation.NumbaSimulator`` or ``ScenarioRunner`` (or WNTR-shaped results
        with ``leak_demand``).
    zones : Zones, optional
        Default: one zone, the whole network.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"supplied"``, ``"registered"``, ``"leakage"`` (m3/s); index = report time (s),
        columns = zone labels (``zones.names``).
    """
    wn = _wn(net)
    zones = zones or single_zone(net)
    names = zones.names
    node = results.node
    junctions = wn.junction_name_list
    sources = wn.reservoir_name_list + wn.tank_name_list
    zj = _membership(zones.node_zone.loc[junctions], names)
    demand = node["demand"]
    registered = demand[junctions].to_numpy() @ zj
    leakage = node["leak_demand"][junctions].to_numpy() @ zj
    supplied = np.zeros_like(registered)
    if sources:
        zs = _membership(zones.node_zone.loc[sources], names)
        supplied -= demand[sources].to_numpy() @ zs
    crossing, into, out_of = [], [], []
    col = {z: j for j, z in enumerate(names)}
    for name in wn.link_name_list:
        link = wn.get_link(name)
        z1 = zones.node_zone[link.start_node_name]
        z2 = zones.node_zone[link.end_node_name]
        if z1 != z2:
            crossing.append(name)
            into.append(col[z2])
            out_of.append(col[z1])
    if crossing:
        flow = results.link["flowrate"][crossing].to_numpy()
        m = np.zeros((len(crossing), len(names)))
        m[np.arange(len(crossing)), into] += 1.0
        m[np.arange(len(crossing)), out_of] -= 1.0
        supplied += flow @ m
    index = demand.index
    return {key: pd.DataFrame(values, index=index, columns=pd.Index(names, name="zone"))
            for key, values in (("supplied", supplied), ("registered", registered),
                                ("leakage", leakage))}


def leakage_volume_m3_per_day(net, results, zones: Zones | None = None) -> pd.DataFrame:
    """Leakage volume of every zone, day by day.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    results : SimulationResults
    zones : Zones, optional
        Default: one zone, the whole network.

    Returns
    -------
    pandas.DataFrame
        Index ``day`` (0 = the first 24 h of the run, counted from its start); columns =
        zone labels; values m3 in that day (a last, partial day covers only what the run
        does). ``.sum(axis=1)`` is the network's leakage per day.
    """
    leak = zone_flows_m3s(net, results, zones)["leakage"]
    t = leak.index.to_numpy(dtype=float)
    w = volume_weights_s(t)
    day = np.floor(t / SECONDS_PER_DAY).astype(int)
    vol = leak.mul(w, axis=0)
    vol.index = pd.Index(day, name="day")
    out = vol.groupby(level=0).sum()
    if len(t) > 1:
        out = out.loc[: int(np.floor((t[-1] - 1e-9) / SECONDS_PER_DAY))]
    return out


NEGLIGIBLE_SUPPLY_SHARE = 1e-3
"""Zones supplied less than this share of the network (0.1 %) are flagged and get no
rates: a dead-end pocket holding 0.06 m3 would otherwise show a loss rate of 104 %."""


def water_balance(net, results, zones: Zones | None = None, *, start_s: float | None = None,
                  end_s: float | None = None, billed_share: float = 1.0,
                  negligible_share: float = NEGLIGIBLE_SUPPLY_SHARE) -> pd.DataFrame:
    """Water balance of every zone and the network over a period.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    results : SimulationResults
    zones : Zones, optional
        Default: the network only.
    start_s, end_s : float, optional
        Period in s from the start of the run (default: the whole run).
    billed_share : float
        Share of registered consumption that is billed (for non-revenue water); 1 by
        default: a simulation does not know unbilled authorised use.
    negligible_share : float
        A zone supplied less than this share of the network's supply gets no rates
        (:data:`NEGLIGIBLE_SUPPLY_SHARE`).

    Returns
    -------
    pandas.DataFrame
        Index ``zone`` (zone labels, then :data:`NETWORK`); columns ``days``,
        ``supplied_m3``, ``registered_m3``, ``billed_m3``, ``leakage_m3``,
        ``imbalance_m3`` (supplied - registered - leakage), ``gross_loss_rate_pct``
        (CJJ 92 综合漏损率 R_WL = (supplied - registered) / supplied), ``nrw_pct``
        ((supplied - billed) / supplied), ``leakage_m3_per_d``, ``negligible_supply``
        (True where the zone's supply is below ``negligible_share`` of the network's: its
        rates are NaN, not a percentage of almost nothing). Rates are NaN where nothing
        was supplied. Physical leakage is a volume; the only rates are CJJ 92's.
    """
    if not 0.0 <= billed_share <= 1.0:
        raise ValueError("billed_share must be in [0, 1]")
    flows = zone_flows_m3s(net, results, zones)
    t = flows["supplied"].index.to_numpy(dtype=float)
    w = volume_weights_s(t, start_s, end_s)
    vols = {key: frame.to_numpy().T @ w for key, frame in flows.items()}
    index = list(flows["supplied"].columns)
    table = pd.DataFrame(vols, index=pd.Index(index, name="zone"))
    if zones is not None:
        table.loc[NETWORK] = table.sum(axis=0)
    else:
        table.index = pd.Index([NETWORK], name="zone")
    days = w.sum() / SECONDS_PER_DAY
    out = pd.DataFrame(index=table.index)
    out["days"] = days
    out["supplied_m3"] = table["supplied"]
    out["registered_m3"] = table["registered"]
    out["billed_m3"] = table["registered"] * billed_share
    out["leakage_m3"] = table["leakage"]
    # Round-off of the solver in dead pockets (-0.0003 m3 "supplied") is no volume: below a
    # millionth of the network's supply (or 1e-6 m3) it is published as 0, never negative.
    tol = 1e-6 * max(float(table["supplied"].abs().max()), 1.0)
    for col in ("supplied_m3", "registered_m3", "leakage_m3"):
        noise = (out[col] < 0) & (out[col] > -tol)
        out.loc[noise, col] = 0.0
    out["billed_m3"] = out["registered_m3"] * billed_share
    out["imbalance_m3"] = out["supplied_m3"] - out["registered_m3"] - out["leakage_m3"]
    supplied = out["supplied_m3"].where(out["supplied_m3"] > 0)
    out["gross_loss_rate_pct"] = 100.0 * (out["supplied_m3"] - out["registered_m3"]) / supplied
    out["nrw_pct"] = 100.0 * (out["supplied_m3"] - out["billed_m3"]) / supplied
    out["leakage_m3_per_d"] = out["leakage_m3"] / days if days > 0 else np.nan
    total = float(out.loc[NETWORK, "supplied_m3"]) if NETWORK in out.index else 0.0
    out["negligible_supply"] = out["supplied_m3"] <= negligible_share * max(total, 0.0)
    if NETWORK in out.index:
        out.loc[NETWORK, "negligible_supply"] = not total > 0
    # a dead pocket's volumes are round-off or artefacts of the hydraulics (a leak running
    # backwards at negative pressure): 0, never a negative figure
    vols = ["supplied_m3", "registered_m3", "billed_m3", "leakage_m3", "leakage_m3_per_d"]
    out.loc[out["negligible_supply"], vols] = out.loc[out["negligible_supply"], vols].clip(
        lower=0.0)
    rates = ["gross_loss_rate_pct", "nrw_pct"]
    out.loc[out["negligible_supply"], rates] = np.nan
    return out


def minimum_night_flow(net, results, zones: Zones | None = None, *,
                       window_h: tuple[float, float] = (2.0, 4.0)) -> pd.DataFrame:
    """Minimum night flow (MNF) of every zone, night by night, and leakage's share of it.

    The MNF is the smallest zone inflow at the report times whose clock time (the run's
    start clock time plus the simulation time) falls in ``window_h`` (both ends included).
    At night legitimate use is lowest and pressure highest, so leakage is the largest part
    of the inflow: a field MNF minus an estimated night use is the classic leakage estimate.
    Here the simulation knows both parts, so the table gives them directly.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    results : SimulationResults
    zones : Zones, optional
        Default: the network only.
    window_h : (float, float)
        Clock hours of the night window, e.g. ``(2, 4)``; ``(23, 4)`` spans midnight.

    Returns
    -------
    pandas.DataFrame
        One row per zone and clock night (index ``zone``, ``day``: the clock date on which
        the night's window opens, counted from the date of the run's start, 0; a run
        starting at 03:00 has the end of night 0 and, 23 h later, night 1, never one
        merged "simulation day"): ``mnf_m3_per_h`` (zone inflow at its night minimum), ``time_s``
        (simulation time of the minimum), ``clock_h``, ``night_use_m3_per_h``
        (registered consumption then), ``leakage_m3_per_h`` (leakage then),
        ``leakage_share_pct`` (leakage / inflow then), ``mean_night_leakage_m3_per_h``
        (mean leakage over the window). Empty when no report time falls in the window.
        Zones supplied less than :data:`NEGLIGIBLE_SUPPLY_SHARE` of the whole have no
        rows; flows within solver round-off of 0 are 0, leakage is never negative.
    """
    lo, hi = window_h
    flows = zone_flows_m3s(net, results, zones)
    # solver round-off (a dead pocket's -1e-8 m3/s inflow) is no flow: 0, never negative;
    # a leak never runs backwards (a negative one is an artefact of the hydraulics)
    tol = 1e-6 * max(float(np.abs(flows["supplied"].to_numpy()).max(initial=0.0)), 1e-3)
    flows = {k: v.mask((v < 0) & (v > -tol), 0.0) for k, v in flows.items()}
    flows["leakage"] = flows["leakage"].clip(lower=0.0)
    # zones of negligible supply (dead pockets) have no night flow worth a row
    t_all = flows["supplied"].index.to_numpy(dtype=float)
    volume = flows["supplied"].to_numpy().T @ volume_weights_s(t_all)
    total = float(volume.sum())
    keep = [z for z, v in zip(flows["supplied"].columns, volume)
            if len(volume) == 1 or v > NEGLIGIBLE_SUPPLY_SHARE * total]
    t = flows["supplied"].index.to_numpy(dtype=float)
    clock0 = float(_wn(net).options.time.start_clocktime or 0.0)
    clock_s = (clock0 + t) % SECONDS_PER_DAY
    if lo <= hi:
        night = (clock_s >= lo * 3600.0) & (clock_s <= hi * 3600.0)
    else:  # the window spans midnight
        night = (clock_s >= lo * 3600.0) | (clock_s <= hi * 3600.0)
    # group by clock night: the date on which the window opens, not the simulation day
    day = np.floor((clock0 + t - lo * 3600.0) / SECONDS_PER_DAY).astype(int)
    rows = []
    for zone in keep:
        q = flows["supplied"][zone].to_numpy()
        use = flows["registered"][zone].to_numpy()
        leak = flows["leakage"][zone].to_numpy()
        for d in np.unique(day[night]):
            idx = np.nonzero(night & (day == d))[0]
            k = idx[np.argmin(q[idx])]
            rows.append({
                "zone": zone, "day": int(d),
                "mnf_m3_per_h": q[k] * 3600.0,
                "time_s": float(t[k]),
                "clock_h": clock_s[k] / 3600.0,
                "night_use_m3_per_h": use[k] * 3600.0,
                "leakage_m3_per_h": leak[k] * 3600.0,
                "leakage_share_pct": 100.0 * leak[k] / q[k] if q[k] > 0 else np.nan,
                "mean_night_leakage_m3_per_h": float(leak[idx].mean()) * 3600.0,
            })
    columns = ["zone", "day", "mnf_m3_per_h", "time_s", "clock_h", "night_use_m3_per_h",
               "leakage_m3_per_h", "leakage_share_pct", "mean_night_leakage_m3_per_h"]
    return pd.DataFrame(rows, columns=columns).set_index(["zone", "day"])
