"""Review indicators per year and scope, and effluent-sample compliance.

:func:`indicators` returns one long table; every formula is in docs/capacity.md. In short,
for a scope (a set of basins) and year:

* capacities and sewer km: sums over the registry state at the end of the year;
* ``reuse_rate`` = min(sum reused, sum treated) / sum treated over the scope's plants;
* ``treatment_rate`` = sum(collected x treated_share of its plant) / sum generated over
  the scope's catchments; ``county_town_treatment_rate`` the same over county towns;
* ``urban_collection_rate`` = sum collected / sum generated over ``city`` catchments;
* ``class_1a_sample_share`` = samples meeting every Class 1A limit / samples that year;
* ``class_1a_capacity_share`` = capacity declared Class 1A or better / capacity in service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .registry import Registry
from .schedule import DEFAULT_YEARS, plant_capacity, project_schedule, sewer_length
from .sewage import catchment_flows
from .standards import SAMPLE_PARAMETERS, SAMPLE_PH, meets_class_1a_or_better
from .targets import INDICATORS, SCOPES
from .utilisation import plant_flows

__all__ = ["INDICATOR_COLUMNS", "indicators", "sample_compliance"]

#: Columns of the :func:`indicators` table.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "year", "scope", "indicator", "value", "unit", "basis", "illustrative"
)

def sample_compliance(registry: Registry) -> pd.DataFrame:
    """Check every effluent sample against the Class 1A limits (GB 18918-2002 Table 1).

    Every basic control item a sample has is checked: COD, BOD5, SS, animal and vegetable
    oils, petroleum, LAS, TN, NH3-N, TP, colour, pH (a range) and faecal coliforms.

    The NH3-N limit is the cold-water one when ``water_temp_c`` is at or below the limit's
    ``cold_water_c`` (a sample without temperature gets the warm, stricter limit). The TP
    limit is the pre-2006 one for plants first in service before the limit's
    ``tp_cutover_year`` (unknown year: the stricter limit). Missing parameters are not checked.

    Returns
    -------
    pandas.DataFrame
        The ``samples`` table plus ``year``, ``basin``, ``meets_class_1a`` (bool) and
        ``failed`` (comma-separated parameters above their limit).
    """
    s = registry.samples.copy()
    limits = registry.assumptions.class_1a
    plants = plant_capacity(registry, [registry.assumptions.base_year])
    plant_info = plants.set_index("plant_id")
    s["year"] = s["date"].dt.year.astype("Int64")
    s["basin"] = s["plant_id"].map(plant_info["basin"]).astype(str)
    first = s["plant_id"].map(plant_info["first_year"]).astype("Int64")
    tp_limit = np.where(
        first.notna() & (first.fillna(10**6) < limits.tp_cutover_year),
        limits.tp_before_cutover_mg_per_l, limits.tp_mg_per_l,
    )
    cold = s["water_temp_c"].notna() & (s["water_temp_c"] <= limits.cold_water_c)
    nh3n_limit = np.where(cold, limits.nh3n_cold_mg_per_l, limits.nh3n_mg_per_l)
    limit_of = {p: np.full(len(s), np.inf if getattr(limits, p) is None else getattr(limits, p))
                for p in SAMPLE_PARAMETERS if p not in ("nh3n_mg_per_l", "tp_mg_per_l")}
    limit_of["nh3n_mg_per_l"] = nh3n_limit
    limit_of["tp_mg_per_l"] = tp_limit
    for p in (*SAMPLE_PARAMETERS, SAMPLE_PH):  # registries written before a column existed
        if p not in s.columns:
            s[p] = np.nan
    exceed = {p: (s[p].to_numpy(dtype=float) > limit_of[p]) & s[p].notna().to_numpy()
              for p in SAMPLE_PARAMETERS}
    ph = s[SAMPLE_PH].to_numpy(dtype=float)
    lo = -np.inf if limits.ph_min is None else limits.ph_min
    hi = np.inf if limits.ph_max is None else limits.ph_max
    exceed[SAMPLE_PH] = ~np.isnan(ph) & ((ph < lo) | (ph > hi))
    exceed = pd.DataFrame(exceed, index=s.index)
    s["meets_class_1a"] = ~exceed.any(axis=1)
    failed = np.full(len(s), "", dtype=object)
    for p in exceed.columns:
        name = p.removesuffix("_mg_per_l").removesuffix("_per_l").removesuffix("_dilution")
        failed = failed + np.where(exceed[p].to_numpy(), name + ",", "")
    s["failed"] = pd.Series(failed, index=s.index, dtype=object).str.rstrip(",").astype(str)
    return s


def _ratio(num: pd.Series, den: pd.Series) -> np.ndarray:
    """num / den element-wise; NaN where den is 0 or missing."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _basis(measured: pd.Series, projected: pd.Series) -> np.ndarray:
    """Per year: how many rows were measured and how many projected -> a basis label."""
    m = np.asarray(measured.fillna(0), dtype=float) > 0
    p = np.asarray(projected.fillna(0), dtype=float) > 0
    return np.select([m & p, m, p], ["mixed", "measured", "projected"], "no data")


def indicators(
    registry: Registry,
    years: Iterable[int] = DEFAULT_YEARS,
    *,
    scopes: Mapping[str, tuple[str, ...]] = SCOPES,
    supply_m3_per_d: pd.Series | Mapping[str, float] | None = None,
    supply_year: int | None = None,
) -> pd.DataFrame:
    """All review indicators per year and scope.

    Parameters
    ----------
    registry : Registry
    years : iterable of int
        Years to report (default 2020-2030).
    scopes : Mapping[str, tuple of str]
        Scope name -> basins (default :data:`~planning.capacity.targets.SCOPES`).
    supply_m3_per_d, supply_year
        Optional measured or modelled supply per catchment; see
        :func:`~planning.capacity.sewage.catchment_flows`.

    Returns
    -------
    pandas.DataFrame
        Long table with columns :data:`INDICATOR_COLUMNS`: ``year``, ``scope``,
        ``indicator`` (a key of :data:`~planning.capacity.targets.INDICATORS`), ``value``
        (fractions 0-1; NaN where undefined, e.g. no samples), ``unit``, ``basis``
        (``registry``, ``projected``, ``measured``, ``mixed`` or ``no data``) and
        ``illustrative`` (True when an illustrative registry row enters the value).
    """
    years = list(years)
    capacity = plant_capacity(registry, years)
    flows = catchment_flows(registry, years, supply_m3_per_d=supply_m3_per_d,
                            supply_year=supply_year, capacity=capacity)
    plants = plant_flows(registry, years, flows=flows, capacity=capacity)
    share = plants[["plant_id", "year", "treated_share"]]
    flows = flows.merge(share, on=["plant_id", "year"], how="left")
    flows["treated_sewage_m3_per_d"] = flows["collected_m3_per_d"] * flows[
        "treated_share"].fillna(0.0)
    for settlement, prefix in (("county_town", "ct"), ("city", "city")):
        mine = flows["settlement"] == settlement
        for col in ("generated_m3_per_d", "collected_m3_per_d", "treated_sewage_m3_per_d"):
            flows[f"{prefix}_{col}"] = flows[col].where(mine, 0.0)
    plants["capacity_1a_m3_per_d"] = plants["capacity_m3_per_d"].where(
        plants["effluent_class"].map(meets_class_1a_or_better).astype(bool), 0.0)
    plants["overloaded"] = plants["warning"] == "overloaded"
    plants["measured_flow"] = (plants["treated_m3_per_d"] > 0) & (plants["basis"] == "measured")
    plants["projected_flow"] = (plants["treated_m3_per_d"] > 0) & (plants["basis"] != "measured")
    plants["measured_plant"] = plants["in_service"] & (plants["basis"] == "measured")
    plants["projected_plant"] = plants["in_service"] & (plants["basis"] != "measured")
    sewers = sewer_length(registry, years)
    samples = sample_compliance(registry)
    schedule = project_schedule(registry)

    frames = []
    for scope, basins in scopes.items():
        pl = plants[plants["basin"].isin(basins)].groupby("year").sum(numeric_only=True)
        fl = flows[flows["basin"].isin(basins)].groupby("year").sum(numeric_only=True)
        sw = sewers[sewers["basin"].isin(basins)].groupby("year")["new_sewer_length_km"].sum()
        sa = samples[samples["basin"].isin(basins)].groupby("year")["meets_class_1a"].agg(
            ["sum", "count"])
        pl, fl, sw = pl.reindex(years), fl.reindex(years), sw.reindex(years)
        sa = sa.reindex(years).fillna(0)
        treated = pl["treated_m3_per_d"]
        reused = np.minimum(pl["reused_m3_per_d"], treated)
        flow_basis = _basis(pl["measured_flow"], pl["projected_flow"])
        values = {
            "treatment_capacity_m3_per_d": (pl["capacity_m3_per_d"], "registry"),
            "new_treatment_capacity_m3_per_d": (pl["new_capacity_m3_per_d"], "registry"),
            "reclaimed_capacity_m3_per_d": (pl["reclaimed_capacity_m3_per_d"], "registry"),
            "new_sewer_length_km": (sw, "registry"),
            "served_population": (fl["population"], "projected"),
            "water_supply_m3_per_d": (fl["supply_m3_per_d"], "projected"),
            "sewage_generated_m3_per_d": (fl["generated_m3_per_d"], "projected"),
            "sewage_collected_m3_per_d": (fl["collected_m3_per_d"], "projected"),
            "treated_m3_per_d": (treated, flow_basis),
            "reused_m3_per_d": (reused, flow_basis),
            "reuse_rate": (_ratio(reused, treated), flow_basis),
            "treatment_rate": (
                _ratio(fl["treated_sewage_m3_per_d"], fl["generated_m3_per_d"]), "projected"),
            "county_town_treatment_rate": (
                _ratio(fl["ct_treated_sewage_m3_per_d"], fl["ct_generated_m3_per_d"]),
                "projected"),
            "urban_collection_rate": (
                _ratio(fl["city_collected_m3_per_d"], fl["city_generated_m3_per_d"]),
                "projected"),
            "class_1a_sample_share": (
                _ratio(sa["sum"], sa["count"]),
                np.where(sa["count"] > 0, "measured", "no data")),
            "class_1a_capacity_share": (
                _ratio(pl["capacity_1a_m3_per_d"], pl["capacity_m3_per_d"]), "registry"),
            "plants_overloaded": (pl["overloaded"],
                                  _basis(pl["measured_plant"], pl["projected_plant"])),
        }
        illustrative = _scope_illustrative(registry, schedule, samples, basins)
        for name, (value, basis) in values.items():
            frames.append(pd.DataFrame({
                "year": years, "scope": scope, "indicator": name,
                "value": np.asarray(value, dtype=float), "unit": INDICATORS[name][0],
                "basis": basis, "illustrative": illustrative,
            }))
    return pd.concat(frames, ignore_index=True)[list(INDICATOR_COLUMNS)]


def _scope_illustrative(
    registry: Registry,
    schedule: pd.DataFrame,
    samples: pd.DataFrame,
    basins: tuple[str, ...],
) -> bool:
    """Whether any registry row of the scope is marked illustrative."""
    plants = registry.plants[registry.plants["basin"].isin(basins)]
    in_scope = set(plants["plant_id"])
    m = registry.measurements
    return bool(
        plants["illustrative"].any()
        or registry.catchments.loc[registry.catchments["basin"].isin(basins), "illustrative"].any()
        or schedule.loc[schedule["basin"].isin(basins), "illustrative"].any()
        or m.loc[m["plant_id"].isin(in_scope), "illustrative"].any()
        or samples.loc[samples["basin"].isin(basins), "illustrative"].any()
    )
