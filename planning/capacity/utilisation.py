"""Plant inflow, treatment, reuse and utilisation per plant and year.

Measured figures win where they exist (``basis = "measured"``); elsewhere the projection of
:func:`~planning.capacity.sewage.catchment_flows` is used (``basis = "projected"``).

Per plant and year::

    inflow     Q  = sum of catchment inflows (collected + infiltration)      [m³/d]
    peak       Qp = Kz(sum collected) * sum collected + sum infiltration
    treated    T  = measured mean, else min(Q, capacity)
    reclaimed  R  = min(T, reclaimed capacity * reclaimed_load_factor)
    reused     U  = measured, else R + ecological_reuse_share * (T - R)
    utilisation_avg  = (measured T, else Q) / capacity
    utilisation_peak = Qp * (measured T / Q, where measured) / capacity

A plant with reclaimed capacity and no treatment capacity (a stand-alone reclaimed-water
plant) reuses ``reclaimed capacity * reclaimed_load_factor``; scope totals cap reuse at the
treated volume.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .registry import Registry
from .schedule import DEFAULT_YEARS, plant_capacity
from .sewage import M3_PER_D_PER_L_PER_S, catchment_flows
from .standards import peaking_factor

__all__ = ["WARNINGS", "measured_flows", "overload_warnings", "plant_flows"]

#: Warning levels of :func:`plant_flows`, most severe first.
WARNINGS: tuple[str, ...] = ("overloaded", "no capacity", "high", "")


def measured_flows(registry: Registry) -> pd.DataFrame:
    """Mean daily measured flows per plant and year.

    Returns
    -------
    pandas.DataFrame
        Rows (``plant_id``, ``year``) with ``treated_m3_per_d`` and ``reused_m3_per_d``
        (volume over the days covered: a whole year for an annual row, the months given for
        monthly rows; reuse is NaN when any row lacks it), ``days`` covered and
        ``illustrative``.
    """
    m = registry.measurements
    if not len(m):
        return pd.DataFrame(
            columns=["plant_id", "year", "treated_m3_per_d", "reused_m3_per_d", "days",
                     "illustrative"]
        )
    year = m["year"].astype(int)
    leap = year.map(calendar.isleap)
    days = np.where(
        m["month"].isna(),
        np.where(leap, 366, 365),
        [calendar.monthrange(int(y), int(mo))[1] if pd.notna(mo) else 0
         for y, mo in zip(year, m["month"])],
    )
    frame = pd.DataFrame(
        {
            "plant_id": m["plant_id"], "year": year, "days": days,
            "treated": m["treated_volume_m3"], "reused": m["reused_volume_m3"],
            "illustrative": m["illustrative"],
        }
    )
    g = frame.groupby(["plant_id", "year"])
    out = pd.DataFrame(
        {
            "treated_m3_per_d": g["treated"].sum() / g["days"].sum(),
            "reused_m3_per_d": g["reused"].sum(min_count=1) / g["days"].sum(),
            "days": g["days"].sum(),
            "illustrative": g["illustrative"].any(),
        }
    )
    out.loc[g["reused"].count() < g.size(), "reused_m3_per_d"] = np.nan  # a period lacks it
    return out.reset_index()


def plant_flows(
    registry: Registry,
    years: Iterable[int] = DEFAULT_YEARS,
    *,
    supply_m3_per_d: pd.Series | Mapping[str, float] | None = None,
    supply_year: int | None = None,
    flows: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Inflow, treatment, reuse and utilisation of every plant in every year.

    Parameters
    ----------
    registry : Registry
    years : iterable of int
    supply_m3_per_d, supply_year
        Passed to :func:`~planning.capacity.sewage.catchment_flows`.
    flows : pandas.DataFrame, optional
        A result of ``catchment_flows`` for the same years, to avoid computing it twice.
    capacity : pandas.DataFrame, optional
        A result of :func:`~planning.capacity.schedule.plant_capacity` for the same years.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~planning.capacity.schedule.plant_capacity` plus
        ``collected_m3_per_d``, ``inflow_m3_per_d`` (projected), ``peaking_factor``,
        ``peak_inflow_m3_per_d``, ``treated_m3_per_d``, ``reused_m3_per_d``, ``basis``
        (``"measured"``/``"projected"``), ``treated_share`` (share of the projected inflow
        that capacity can treat, 0-1), ``utilisation_avg`` and ``utilisation_peak``
        (fractions of capacity; NaN without capacity) and ``warning`` (one of
        :data:`WARNINGS`: ``overloaded`` above 1.0, ``high`` at or above
        ``high_utilisation``, ``no capacity`` when sewage is routed to a plant not in
        service).
    """
    years = list(years)
    a = registry.assumptions
    cap = plant_capacity(registry, years) if capacity is None else capacity
    if flows is None:
        flows = catchment_flows(
            registry, years, supply_m3_per_d=supply_m3_per_d, supply_year=supply_year,
            capacity=cap,
        )
    routed = flows[flows["plant_id"] != ""].groupby(["plant_id", "year"])
    sums = routed[["collected_m3_per_d", "infiltration_m3_per_d", "inflow_m3_per_d",
                   "generated_m3_per_d"]].sum()
    sums["catchments_illustrative"] = routed["illustrative"].any()
    out = cap.join(sums, on=["plant_id", "year"])
    for col in ("collected_m3_per_d", "infiltration_m3_per_d", "inflow_m3_per_d",
                "generated_m3_per_d"):
        out[col] = out[col].fillna(0.0)
    out["illustrative"] = out["illustrative"] | out["catchments_illustrative"].fillna(
        False).astype(bool)
    out = out.drop(columns="catchments_illustrative")

    capacity = out["capacity_m3_per_d"].to_numpy()
    inflow = out["inflow_m3_per_d"].to_numpy()
    collected = out["collected_m3_per_d"].to_numpy()
    kz = peaking_factor(collected / M3_PER_D_PER_L_PER_S, a.peaking_table)
    peak = kz * collected + out["infiltration_m3_per_d"].to_numpy()
    out["peaking_factor"] = kz
    out["peak_inflow_m3_per_d"] = peak

    measured = measured_flows(registry).set_index(["plant_id", "year"])
    key = pd.MultiIndex.from_frame(out[["plant_id", "year"]])
    m_treated = measured["treated_m3_per_d"].reindex(key).to_numpy(dtype=float)
    m_reused = measured["reused_m3_per_d"].reindex(key).to_numpy(dtype=float)
    m_ill = measured["illustrative"].reindex(key).fillna(False).astype(bool).to_numpy()
    has_m = ~np.isnan(m_treated)

    projected_treated = np.minimum(inflow, capacity)
    treated = np.where(has_m, m_treated, projected_treated)
    reclaimed_avail = out["reclaimed_capacity_m3_per_d"].to_numpy() * a.reclaimed_load_factor
    standalone = (capacity == 0) & (reclaimed_avail > 0)
    reclaimed_used = np.where(standalone, reclaimed_avail, np.minimum(treated, reclaimed_avail))
    eco = out["ecological_reuse_share"].to_numpy() * np.maximum(treated - reclaimed_used, 0.0)
    projected_reused = reclaimed_used + eco
    reused = np.where(has_m & ~np.isnan(m_reused), m_reused, projected_reused)

    with np.errstate(divide="ignore", invalid="ignore"):
        treated_share = np.where(inflow > 0, np.minimum(1.0, capacity / inflow), 1.0)
        load = np.where(has_m, m_treated, inflow)
        util = np.where(capacity > 0, load / capacity, np.nan)
        peak_ratio = peak * np.where(has_m & (inflow > 0), m_treated / inflow, 1.0)
        util_peak = np.where(capacity > 0, peak_ratio / capacity, np.nan)

    out["treated_m3_per_d"] = treated
    out["reused_m3_per_d"] = reused
    out["basis"] = np.where(has_m, "measured", "projected")
    out["treated_share"] = treated_share
    out["utilisation_avg"] = util
    out["utilisation_peak"] = util_peak
    warning = np.full(len(out), "", dtype=object)
    warning[(capacity > 0) & (util >= a.high_utilisation)] = "high"
    warning[(capacity == 0) & (out["generated_m3_per_d"].to_numpy() > 0)] = "no capacity"
    warning[(capacity > 0) & (util > 1.0)] = "overloaded"
    out["warning"] = warning
    out["illustrative"] = out["illustrative"].to_numpy() | m_ill
    return out


def overload_warnings(flows: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`plant_flows` result that carry a warning, most severe first."""
    flagged = flows[flows["warning"] != ""].copy()
    order = {w: i for i, w in enumerate(WARNINGS)}
    flagged["_rank"] = flagged["warning"].map(order)
    flagged = flagged.sort_values(["year", "_rank", "utilisation_avg"],
                                  ascending=[True, True, False])
    return flagged.drop(columns="_rank").reset_index(drop=True)
