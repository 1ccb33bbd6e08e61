"""When each project takes effect, and the plant fleet it gives year by year.

Rules (see docs/capacity.md):

* A completed project is in service from its ``planned_year`` (the year it was finished).
* A cancelled project never takes effect.
* Any other project takes effect in ``planned_year``, or in the review year ``as_of_year``
  when it is overdue (planned earlier and still not finished).
* "In service in year Y" means in service by the end of Y.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .registry import Registry
from .targets import BASINS

__all__ = [
    "DEFAULT_YEARS", "catchment_gains", "plant_capacity", "project_schedule", "sewer_length"
]

#: Years of the review: 2020 (the base year) to 2030.
DEFAULT_YEARS: tuple[int, ...] = tuple(range(2020, 2031))


def project_schedule(registry: Registry) -> pd.DataFrame:
    """The project pipeline with the year each project takes effect.

    Parameters
    ----------
    registry : Registry

    Returns
    -------
    pandas.DataFrame
        The ``projects`` table plus ``basin`` filled in from the plant or catchment,
        ``effective_year`` (Int64; <NA> when cancelled) and ``overdue`` (bool: unfinished and
        planned before the review year).
    """
    pr = registry.projects.copy()
    plant_basin = registry.plants.set_index("plant_id")["basin"]
    catchment_basin = registry.catchments.set_index("catchment_id")["basin"]
    from_plant = pr["plant_id"].map(plant_basin)
    from_catchment = pr["catchment_id"].map(catchment_basin)
    basin = from_plant.where(pr["plant_id"] != "", from_catchment)
    basin = basin.where(basin.notna() & (basin != ""), pr["basin"])
    pr["basin"] = basin.fillna("").astype(str)

    as_of = registry.assumptions.as_of_year
    unfinished = ~pr["status"].isin(["completed", "cancelled"])
    effective = pr["planned_year"].astype("Int64")
    if as_of is not None:
        pr["overdue"] = (unfinished & (effective < as_of)).astype(bool)
        effective = effective.where(~pr["overdue"], as_of)
    else:
        pr["overdue"] = False
    pr["effective_year"] = effective.where(pr["status"] != "cancelled", pd.NA).astype("Int64")
    return pr


def _active_by_year(schedule: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """One row per (project, year) for every year at or after the project takes effect."""
    live = schedule[schedule["effective_year"].notna()]
    grid = live.merge(pd.DataFrame({"year": list(years)}), how="cross")
    return grid[grid["effective_year"].astype("int64") <= grid["year"]]


def plant_capacity(registry: Registry, years: Iterable[int] = DEFAULT_YEARS) -> pd.DataFrame:
    """Capacity, reclaimed capacity and effluent class of every plant in every year.

    Parameters
    ----------
    registry : Registry
    years : iterable of int
        Years to report (end-of-year state).

    Returns
    -------
    pandas.DataFrame
        One row per (plant, year), plants in registry order, with ``plant_id``, ``name``, ``basin``, ``year``,
        ``capacity_m3_per_d`` (treatment, m³/d), ``reclaimed_capacity_m3_per_d`` (m³/d),
        ``new_capacity_m3_per_d`` (treatment added by projects since the base year, m³/d),
        ``effluent_class`` (declared; "" if unknown), ``first_year`` (Int64, first year in
        service; <NA> if unknown or never), ``in_service`` (treatment capacity > 0),
        ``ecological_reuse_share`` and ``illustrative`` (the plant row or a project in effect
        is illustrative).
    """
    years = list(years)
    plants = registry.plants
    schedule = project_schedule(registry)
    plant_projects = schedule[schedule["plant_id"] != ""]
    new_plant_year = (
        plant_projects[plant_projects["kind"] == "new_plant"]
        .set_index("plant_id")["effective_year"]
    )
    has_base = (plants["design_capacity_m3_per_d"] > 0) | (
        plants["reclaimed_capacity_m3_per_d"] > 0
    )
    first_year = plants["year_in_service"].astype("Int64").where(
        has_base, plants["plant_id"].map(new_plant_year).astype("Int64")
    )
    base = pd.DataFrame({
        "plant_id": plants["plant_id"], "name": plants["name"], "basin": plants["basin"],
        "base_capacity": plants["design_capacity_m3_per_d"],
        "base_reclaimed": plants["reclaimed_capacity_m3_per_d"],
        # A base plant with unknown year is taken as in service in every year reported.
        "base_from": plants["year_in_service"].astype("Int64").fillna(-(10**6)).astype("int64"),
        "base_class": plants["effluent_class"], "first_year": first_year,
        "ecological_reuse_share": plants["ecological_reuse_share"],
        "plant_illustrative": plants["illustrative"],
    })
    grid = base.merge(pd.DataFrame({"year": years}), how="cross")

    active = _active_by_year(plant_projects, years)
    added = active.groupby(["plant_id", "year"]).agg(
        added=("capacity_m3_per_d", "sum"),
        added_reclaimed=("reclaimed_capacity_m3_per_d", "sum"),
        added_illustrative=("illustrative", "any"),
    )
    upgrades = (
        active[active["kind"] == "upgrade"]
        .sort_values("effective_year", kind="stable")
        .groupby(["plant_id", "year"])["effluent_class"]
        .last()
        .rename("upgraded_class")
    )
    grid = grid.join(added, on=["plant_id", "year"]).join(upgrades, on=["plant_id", "year"])
    base_on = (grid["base_from"] <= grid["year"]).to_numpy()
    new_treatment = grid["added"].fillna(0.0).to_numpy()
    capacity = np.where(base_on, grid["base_capacity"], 0.0) + new_treatment
    reclaimed = np.where(base_on, grid["base_reclaimed"], 0.0) + grid[
        "added_reclaimed"].fillna(0.0).to_numpy()
    out = pd.DataFrame({
        "plant_id": grid["plant_id"],
        "name": grid["name"],
        "basin": grid["basin"],
        "year": grid["year"].astype("int64"),
        "capacity_m3_per_d": capacity,
        "reclaimed_capacity_m3_per_d": reclaimed,
        "new_capacity_m3_per_d": new_treatment,
        "effluent_class": grid["upgraded_class"].fillna(grid["base_class"]).astype(str),
        "first_year": grid["first_year"].astype("Int64"),
        "in_service": capacity > 0,
        "ecological_reuse_share": grid["ecological_reuse_share"],
        "illustrative": grid["plant_illustrative"].to_numpy()
        | grid["added_illustrative"].fillna(False).astype(bool).to_numpy(),
    })
    return out


def catchment_gains(registry: Registry, years: Iterable[int] = DEFAULT_YEARS) -> pd.DataFrame:
    """Collection-rate gain from sewer projects in effect, per catchment and year.

    Returns
    -------
    pandas.DataFrame
        Rows (``catchment_id``, ``year``) for every catchment with a sewer project in effect,
        with ``collection_rate_gain`` (fraction points, summed over those projects) and
        ``illustrative`` (a contributing project is).
    """
    schedule = project_schedule(registry)
    sewers = schedule[(schedule["kind"] == "sewer") & (schedule["catchment_id"] != "")]
    active = _active_by_year(sewers, years)
    return (
        active.groupby(["catchment_id", "year"])
        .agg(collection_rate_gain=("collection_rate_gain", "sum"),
             illustrative=("illustrative", "any"))
        .reset_index()
    )


def sewer_length(registry: Registry, years: Iterable[int] = DEFAULT_YEARS) -> pd.DataFrame:
    """Sewer length built or renovated since the base year, per basin and year.

    Returns
    -------
    pandas.DataFrame
        Rows (``basin``, ``year``) with cumulative ``new_sewer_length_km`` (km) and
        ``illustrative``; every basin in :data:`~planning.capacity.targets.BASINS` appears.
    """
    years = list(years)
    schedule = project_schedule(registry)
    active = _active_by_year(schedule[schedule["kind"] == "sewer"], years)
    sums = active.groupby(["basin", "year"]).agg(
        new_sewer_length_km=("sewer_length_km", "sum"), illustrative=("illustrative", "any"))
    grid = pd.MultiIndex.from_product([BASINS, years], names=["basin", "year"])
    out = sums.reindex(grid)
    out["new_sewer_length_km"] = out["new_sewer_length_km"].fillna(0.0)
    out["illustrative"] = out["illustrative"].fillna(False).astype(bool)
    return out.reset_index()
