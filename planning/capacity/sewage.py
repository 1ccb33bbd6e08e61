"""Sewage generated and collected per catchment, from water supply.

The chain, per catchment ``c`` and year ``Y`` (docs/capacity.md has the details)::

    supply      S(Y) = S0 * ((1 + g_pop) * (1 + g_pc)) ** (Y - Y0)          [m³/d]
    generated   G = S * return_factor                                        [m³/d]
    collected   C = G * min(1, collection_rate + gains(Y)) * [plant in service]
    infiltration I = C * infiltration_share
    inflow      Q = C + I ;  peak = Kz(C in L/s) * C + I

``S0`` is population x per-capita use in the base year, or a supplied volume (for instance
from the drinking-water model via :func:`supply_from_node_demands`) in ``supply_year``.
Nothing here depends on the hydraulic solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .registry import Registry
from .schedule import DEFAULT_YEARS, catchment_gains, plant_capacity
from .standards import peaking_factor

__all__ = ["M3_PER_D_PER_L_PER_S", "catchment_flows", "supply_from_node_demands"]

#: 1 L/s expressed in m³/d.
M3_PER_D_PER_L_PER_S = 86.4
_SECONDS_PER_DAY = 86_400.0


def supply_from_node_demands(
    demands_m3_per_s: pd.Series | pd.DataFrame,
    node_catchment: Mapping[str, str] | pd.Series,
    *,
    strict: bool = True,
) -> pd.Series:
    """Mean water supply per catchment from network node demands.

    Parameters
    ----------
    demands_m3_per_s : pandas.Series or pandas.DataFrame
        Node demands in m³/s: a Series indexed by node name, or a DataFrame with one row per
        time step and one column per node (as WNTR results give them); a DataFrame is
        averaged over its rows, so give equally spaced steps over whole days.
    node_catchment : Mapping or pandas.Series
        Node name -> catchment id. Nodes mapped to nothing are not counted.
    strict : bool
        If True (default), a node with non-zero mean demand and no catchment raises.

    Returns
    -------
    pandas.Series
        ``supply_m3_per_d`` indexed by catchment id (m³/d).

    Raises
    ------
    ValueError
        On unmapped demand (``strict``), a negative mean demand at a mapped node (a source
        should not be mapped) or non-finite values.
    """
    if isinstance(demands_m3_per_s, pd.DataFrame):
        mean = demands_m3_per_s.mean(axis=0)
    else:
        mean = pd.Series(demands_m3_per_s, dtype=float)
    mean = mean.astype(float)
    if not np.all(np.isfinite(mean.to_numpy())):
        raise ValueError("node demands must be finite")
    mapping = pd.Series(node_catchment, dtype=object)
    mapped = mean.index.isin(mapping.index)
    if strict:
        orphan = mean.index[~mapped & (mean.to_numpy() != 0)]
        if len(orphan):
            raise ValueError(
                f"{len(orphan)} node(s) with demand but no catchment, e.g. "
                + ", ".join(map(str, orphan[:5]))
            )
    mean = mean[mapped]
    negative = mean.index[mean.to_numpy() < 0]
    if len(negative):
        raise ValueError("negative mean demand at mapped node(s): " + ", ".join(map(str, negative[:5])))
    supply = (mean * _SECONDS_PER_DAY).groupby(mapping.reindex(mean.index).to_numpy()).sum()
    supply.name = "supply_m3_per_d"
    supply.index.name = "catchment_id"
    return supply


def catchment_flows(
    registry: Registry,
    years: Iterable[int] = DEFAULT_YEARS,
    *,
    supply_m3_per_d: pd.Series | Mapping[str, float] | None = None,
    supply_year: int | None = None,
    capacity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sewage generated, collected and sent to plants, per catchment and year.

    Parameters
    ----------
    registry : Registry
    years : iterable of int
        Years to compute.
    supply_m3_per_d : pandas.Series or Mapping, optional
        Water supplied per catchment id (m³/d) in ``supply_year``; replaces population x
        per-capita use for the catchments it names. Growth rates apply from ``supply_year``.
    supply_year : int, optional
        Year of ``supply_m3_per_d``; defaults to the review year (``as_of_year``), else the
        base year.
    capacity : pandas.DataFrame, optional
        A result of :func:`~planning.capacity.schedule.plant_capacity` for the same years
        (saves computing it again).

    Returns
    -------
    pandas.DataFrame
        One row per (catchment, year): ``catchment_id``, ``year``, ``basin``, ``settlement``,
        ``plant_id``, ``population`` (persons), ``supply_m3_per_d``, ``supply_basis``
        (``"per_capita"`` or ``"supplied"``), ``return_factor``, ``generated_m3_per_d``,
        ``collection_rate`` (with sewer gains, capped at 1), ``plant_in_service``,
        ``collected_m3_per_d`` (0 when the plant is not in service), ``infiltration_m3_per_d``,
        ``inflow_m3_per_d``, ``peaking_factor`` (Kz), ``peak_inflow_m3_per_d`` and
        ``illustrative``.

    Raises
    ------
    ValueError
        If ``supply_m3_per_d`` names an unknown catchment or holds a negative value.
    """
    years = list(years)
    a = registry.assumptions
    c = registry.catchments
    base_year = a.base_year
    s_year = supply_year if supply_year is not None else (a.as_of_year or base_year)

    supplied = pd.Series(np.nan, index=c.index)
    if supply_m3_per_d is not None:
        given = pd.Series(supply_m3_per_d, dtype=float)
        unknown = given.index.difference(c["catchment_id"])
        if len(unknown):
            raise ValueError("supply for unknown catchment(s): " + ", ".join(map(str, unknown[:5])))
        if (given < 0).any() or not np.all(np.isfinite(given.to_numpy())):
            raise ValueError("supply must be finite and non-negative (m³/d)")
        supplied = c["catchment_id"].map(given)

    g = pd.DataFrame({
        "catchment_id": c["catchment_id"], "basin": c["basin"],
        "settlement": c["settlement"], "plant_id": c["plant_id"],
        "population0": c["population"],
        "per_capita_m3": c["per_capita_use_l_per_person_d"] / 1000.0,
        "supplied0": supplied,
        "g_pop": c["population_growth_per_yr"], "g_pc": c["per_capita_growth_per_yr"],
        "rate0": c["collection_rate"],
        "return_factor": c["return_factor"].fillna(a.return_factor),
        "infiltration_share": c["infiltration_share"].fillna(a.infiltration_share),
        "catchment_illustrative": c["illustrative"],
    }).merge(pd.DataFrame({"year": years}), how="cross")
    gains = catchment_gains(registry, years).rename(
        columns={"illustrative": "gain_illustrative"})
    g = g.merge(gains, on=["catchment_id", "year"], how="left")
    if capacity is None:
        capacity = plant_capacity(registry, years)
    in_service = capacity[["plant_id", "year", "in_service"]]
    g = g.merge(in_service, on=["plant_id", "year"], how="left")

    year = g["year"].to_numpy()
    g_pop, g_pc = g["g_pop"].to_numpy(), g["g_pc"].to_numpy()
    use_supplied = g["supplied0"].notna().to_numpy()
    from_capita = (g["population0"] * g["per_capita_m3"]).to_numpy() * (
        (1 + g_pop) * (1 + g_pc)) ** (year - base_year)
    from_supply = g["supplied0"].to_numpy() * ((1 + g_pop) * (1 + g_pc)) ** (year - s_year)
    supply = np.where(use_supplied, from_supply, from_capita)
    return_factor = g["return_factor"].to_numpy()
    generated = supply * return_factor
    rate = np.minimum(1.0, g["rate0"].to_numpy() + g["collection_rate_gain"].fillna(0.0).to_numpy())
    on = g["in_service"].fillna(False).astype(bool).to_numpy()
    collected = generated * rate * on
    infiltration = collected * g["infiltration_share"].to_numpy()
    kz = peaking_factor(collected / M3_PER_D_PER_L_PER_S, a.peaking_table)
    return pd.DataFrame({
        "catchment_id": g["catchment_id"],
        "year": g["year"].astype("int64"),
        "basin": g["basin"],
        "settlement": g["settlement"],
        "plant_id": g["plant_id"],
        "population": g["population0"].to_numpy() * (1 + g_pop) ** (year - base_year),
        "supply_m3_per_d": supply,
        "supply_basis": np.where(use_supplied, "supplied", "per_capita"),
        "return_factor": return_factor,
        "generated_m3_per_d": generated,
        "collection_rate": rate,
        "plant_in_service": on,
        "collected_m3_per_d": collected,
        "infiltration_m3_per_d": infiltration,
        "inflow_m3_per_d": collected + infiltration,
        "peaking_factor": kz,
        "peak_inflow_m3_per_d": kz * collected + infiltration,
        "illustrative": g["catchment_illustrative"].to_numpy()
        | g["gain_illustrative"].fillna(False).astype(bool).to_numpy(),
    })
