"""CJJ 92-2016 indicators of a simulated network: the inputs computed from the model.

Exports :func:`dn75_length_km`, :func:`inlet_pressure_m`, :func:`mean_outlet_pressure_mpa`
and :func:`cjj92_table`. The formulas are in :mod:`planning.leakage.cjj92`; the volumes in
:mod:`planning.leakage.balance`.

What is computed
----------------
- ``dn75_length_km``: length of the pipes of nominal size DN/dn >= 75 per zone (pipes by
  :attr:`Zones.pipe_zone`) and for the network. Models hold internal diameters; the nominal
  class comes from :func:`~planning.leakage.cjj92.nominal_dn_mm` (PE dn75 and dn90, bores
  61.4 and 73.6 mm, count) unless the classes are given.
- mean outlet pressure for R3: the flow-weighted mean, over the period, of the pressure at
  the *inlet points*: for the network, the node at the far end of every link leaving a
  reservoir (a pump's discharge node, or the first junction); for a zone, also the node
  inside the zone of every link carrying water into it. Each point counts with the flow it
  delivers at each report time (links flowing the other way count 0). CJJ 92 asks for the
  mean outlet (出厂) pressure of the plants; a zone without a plant gets its inlet
  pressure instead, an extension of the standard that the docs point out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models import wntr_model as _wn

from .balance import NETWORK, volume_weights_s, water_balance
from .cjj92 import MIN_NOMINAL_DN_MM, MPA_PER_M, Cjj92Inputs, cjj92_assess, nominal_dn_mm
from .zones import Zones, single_zone


def dn75_length_km(net, zones: Zones | None = None,
                   min_nominal_dn_mm: float = MIN_NOMINAL_DN_MM,
                   nominal_dn: Mapping[str, float] | None = None) -> pd.Series:
    """Length of pipes of nominal size DN 75 and larger, km, per zone and for the network.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    zones : Zones, optional
    min_nominal_dn_mm : float
        Smallest nominal size that counts, mm.
    nominal_dn : mapping, optional
        Nominal size (mm) by pipe name, from the utility's GIS; pipes it does not list
        take :func:`~planning.leakage.cjj92.nominal_dn_mm` of their internal diameter.

    Returns
    -------
    pandas.Series
        Index: zone labels then :data:`NETWORK` (only :data:`NETWORK` without zones); km.
    """
    wn = _wn(net)
    lengths = {}
    given = dict(nominal_dn or {})
    for name in wn.pipe_name_list:
        pipe = wn.get_link(name)
        dn = given[name] if name in given else nominal_dn_mm(pipe.diameter)
        if dn >= min_nominal_dn_mm:
            lengths[name] = pipe.length / 1000.0
    series = pd.Series(lengths, dtype=float)
    out = {}
    if zones is not None:
        by_zone = series.groupby(zones.pipe_zone.reindex(series.index)).sum()
        out = {z: float(by_zone.get(z, 0.0)) for z in zones.names}
    out[NETWORK] = float(series.sum())
    return pd.Series(out, name="dn75_length_km").rename_axis("zone")


def _inlets(wn, zones: Zones) -> list[tuple[str, str, int, str]]:
    """(link, inlet node, +1/-1 sign of flow into the zone, zone) for every inlet link."""
    reservoirs = set(wn.reservoir_name_list)
    out = []
    for name in wn.link_name_list:
        link = wn.get_link(name)
        a, b = link.start_node_name, link.end_node_name
        za, zb = zones.node_zone[a], zones.node_zone[b]
        if a in reservoirs and b not in reservoirs:
            out.append((name, b, 1, NETWORK))
        elif b in reservoirs and a not in reservoirs:
            out.append((name, a, -1, NETWORK))
        if za != zb or a in reservoirs or b in reservoirs:
            if b not in reservoirs:
                out.append((name, b, 1, zb))
            if a not in reservoirs:
                out.append((name, a, -1, za))
    return out


def inlet_pressure_m(net, results, zones: Zones | None = None, *,
                     start_s: float | None = None, end_s: float | None = None) -> pd.Series:
    """Flow-weighted mean pressure at the inlet points of every zone and the network, m.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    results : SimulationResults
    zones : Zones, optional
    start_s, end_s : float, optional
        Period, s from the start of the run.

    Returns
    -------
    pandas.Series
        Index: zone labels then :data:`NETWORK`; m of head (NaN where nothing flows in).
    """
    wn = _wn(net)
    zoned = zones is not None
    zones = zones or single_zone(net)
    inlets = _inlets(wn, zones)
    flow = results.link["flowrate"]
    pressure = results.node["pressure"]
    w = volume_weights_s(flow.index.to_numpy(dtype=float), start_s, end_s)
    labels = (zones.names if zoned else []) + [NETWORK]
    num = dict.fromkeys(labels, 0.0)
    den = dict.fromkeys(labels, 0.0)
    for link, node, sign, zone in inlets:
        if zone not in num:
            continue
        q = np.clip(sign * flow[link].to_numpy(), 0.0, None) * w
        num[zone] += float(q @ pressure[node].to_numpy())
        den[zone] += float(q.sum())
    values = {z: num[z] / den[z] if den[z] > 0 else np.nan for z in labels}
    return pd.Series(values, name="inlet_pressure_m").rename_axis("zone")


def mean_outlet_pressure_mpa(net, results, zones: Zones | None = None, *,
                             start_s: float | None = None,
                             end_s: float | None = None) -> pd.Series:
    """:func:`inlet_pressure_m` in MPa (1 m of water = 0.00980665 MPa), for R3."""
    return (inlet_pressure_m(net, results, zones, start_s=start_s, end_s=end_s)
            * MPA_PER_M).rename("mean_outlet_pressure_mpa")


def cjj92_table(net, results, zones: Zones | None = None, *,
                household_metered_share: float = 0.0, frost_depth_m: float = 0.0,
                billed_share: float = 1.0, start_s: float | None = None,
                end_s: float | None = None,
                overrides: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Water balance and CJJ 92-2016 rates of every zone and the network.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    results : SimulationResults
    zones : Zones, optional
        Default: the network only.
    household_metered_share : float
        r in R1 (0..1); the simulation cannot know it. Default 0 (no correction).
    frost_depth_m : float
        For R4; default 0.
    billed_share : float
        Billed share of registered consumption, for NRW (default 1).
    start_s, end_s : float, optional
        Period, s from the start of the run; A in R2 annualises the supply over it.
    overrides : mapping, optional
        ``{"r1_pct": ..., "r2_pct": ..., "r3_pct": ..., "r4_pct": ...}`` replacing the
        computed corrections (%).

    Returns
    -------
    pandas.DataFrame
        Index ``zone`` (zones, then :data:`NETWORK`): the :func:`water_balance` columns,
        ``dn75_length_km``, ``mean_outlet_pressure_mpa``, ``a_km_per_1e4_m3``,
        ``r1_pct`` ... ``r4_pct``, ``corrections_pct``, ``assessed_rate_pct``, ``grade``
        (1, 2 or None), ``verdict``. Rows with no supply, or a negligible one
        (``negligible_supply``), have NaN rates and say so in ``verdict``.
    """
    balance = water_balance(net, results, zones, start_s=start_s, end_s=end_s,
                            billed_share=billed_share)
    lengths = dn75_length_km(net, zones)
    outlet = mean_outlet_pressure_mpa(net, results, zones, start_s=start_s, end_s=end_s)
    out = balance.copy()
    out["dn75_length_km"] = lengths.reindex(out.index)
    out["mean_outlet_pressure_mpa"] = outlet.reindex(out.index)
    keys = ["a_km_per_1e4_m3", "r1_pct", "r2_pct", "r3_pct", "r4_pct", "corrections_pct",
            "assessed_rate_pct", "grade", "verdict"]
    rows = []
    for _, row in out.iterrows():
        if not row["supplied_m3"] > 0:
            rows.append(dict.fromkeys(keys, np.nan) | {"grade": None, "verdict": "no supply"})
            continue
        if row["negligible_supply"]:
            rows.append(dict.fromkeys(keys, np.nan) | {
                "grade": None, "verdict": f"negligible supply ({row['supplied_m3']:.3g} m3): "
                "no rate"})
            continue
        pressure = row["mean_outlet_pressure_mpa"]
        result = cjj92_assess(Cjj92Inputs(
            supplied_m3=row["supplied_m3"], registered_m3=row["registered_m3"],
            billed_m3=row["billed_m3"], household_metered_share=household_metered_share,
            dn75_length_km=row["dn75_length_km"],
            # an inlet below 0 (a pocket fed at negative pressure) is in R3's 0 band
            mean_outlet_pressure_mpa=None if np.isnan(pressure) else max(pressure, 0.0),
            frost_depth_m=frost_depth_m, period_days=row["days"], **dict(overrides or {})))
        rows.append({k: getattr(result, k) for k in keys})
    extra = pd.DataFrame(rows, index=out.index)
    return pd.concat([out, extra], axis=1)
