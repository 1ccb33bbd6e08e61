"""The 2025 capacity review written to a folder: CSV tables and PNG plots (atomically).

Exports :func:`write_review` (what ``python -m planning capacity`` and a
``capacity_whatif`` study write), :func:`reported_vs_model` and :func:`write_capacity_layers`. The numbers come from
:mod:`planning.capacity`; this module only chooses the tables and files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from application.writers import save_figure, write_csv
from gis.files import write_layers
from planning.capacity.gaps import committed_only, compare_to_targets
from planning.capacity.geometry import GEOGRAPHIC_CRS
from planning.capacity.indicators import indicators, sample_compliance
from planning.capacity.layers import capacity_layers, has_geometry
from planning.capacity.plots import plot_trajectories, plot_utilisation
from planning.capacity.registry import Registry
from planning.capacity.schedule import DEFAULT_YEARS, project_schedule
from planning.capacity.sewage import catchment_flows
from planning.capacity.targets import PLAN_2025, Target
from planning.capacity.trunk import Trunk, swmm_check, trunk_check, trunk_inflows
from planning.capacity.utilisation import overload_warnings, plant_flows
from planning.capacity.whatif import WhatIf, apply_whatif

__all__ = ["reported_vs_model", "write_capacity_layers", "write_review"]


def reported_vs_model(registry: Registry, ind: pd.DataFrame) -> pd.DataFrame:
    """Public reported figures next to the model's value for the same year and scope.

    Returns
    -------
    pandas.DataFrame
        The ``reported`` rows with ``model_value`` (NaN when the model does not compute the
        indicator or year), ``model_illustrative`` and ``ratio`` (model / reported).
    """
    rep = registry.reported.copy()
    model = ind.set_index(["year", "scope", "indicator"])
    key = pd.MultiIndex.from_frame(rep[["year", "scope", "indicator"]].astype(
        {"year": "int64"}))
    rep["model_value"] = model["value"].reindex(key).to_numpy()
    rep["model_illustrative"] = model["illustrative"].reindex(key).fillna(False).astype(
        bool).to_numpy()
    rep["ratio"] = rep["model_value"] / rep["value"]
    return rep


def write_review(
    registry: Registry,
    out_dir: str | Path,
    *,
    whatif: WhatIf | None = None,
    years: Iterable[int] = DEFAULT_YEARS,
    targets: Iterable[Target] = PLAN_2025,
    trunk: Trunk | None = None,
    swmm: bool = False,
) -> list[Path]:
    """Compute the review of a registry (and optionally a what-if) and write it to a folder.

    Files: ``gap_table.csv``, ``indicators.csv``, ``plant_flows.csv``, ``warnings.csv``,
    ``projects.csv``, ``samples.csv``, ``reported_vs_model.csv``, ``trajectory_*.png`` and
    ``utilisation_<year>.png``; with a what-if also ``gap_table_whatif.csv``,
    ``indicators_whatif.csv``, ``plant_flows_whatif.csv`` and ``trajectory_*_whatif.png``
    (the baseline dotted). When the registry has geometry (plant ``lon``/``lat`` or
    catchment polygons), also ``capacity_layers.gpkg``: layers ``plants`` and ``catchments``
    of the utilisation year (see :mod:`planning.capacity.layers`). With a ``trunk``, also ``trunk_check.csv`` (and
    ``trunk_check_whatif.csv``): the trunk under the catchments' peak inflows of the target
    year, by Manning, and by EPA SWMM 5 too when ``swmm`` is True. Every table carries an
    ``illustrative`` column.

    Parameters
    ----------
    registry : Registry
    out_dir : str or pathlib.Path
        Created if needed; existing files of the same names are replaced.
    whatif : WhatIf, optional
    years : iterable of int
    targets : iterable of Target
    trunk : Trunk, optional
        Trunk sewer to check (see :mod:`planning.capacity.trunk`).
    swmm : bool
        Run the trunk check through EPA SWMM 5 as well (needs pyswmm).

    Returns
    -------
    list of pathlib.Path
        Files written.
    """
    out = Path(out_dir)
    years, targets = list(years), tuple(targets)
    a = registry.assumptions
    written: list[Path] = []

    # One indicator run covers the years asked for and the span the gap table needs.
    target_year = max(t.year for t in targets)
    span = sorted(set(years) | set(range(a.base_year, target_year + 1)))

    def review(reg: Registry, suffix: str, baseline: pd.DataFrame | None, note: str):
        projected = indicators(reg, span)
        gaps = compare_to_targets(projected, indicators(committed_only(reg), span), targets)
        ind = projected[projected["year"].isin(years)].reset_index(drop=True)
        flows = plant_flows(reg, years)
        written.append(write_csv(gaps, out / f"gap_table{suffix}.csv"))
        written.append(write_csv(ind, out / f"indicators{suffix}.csv"))
        written.append(write_csv(flows, out / f"plant_flows{suffix}.csv"))
        for fig in plot_trajectories(ind, targets, baseline=baseline, reported=reg.reported,
                                     as_of_year=a.as_of_year, note=note):
            written.append(save_figure(fig, out / f"{fig.get_label()}{suffix}.png"))
        if trunk is not None:
            inflow = trunk_inflows(trunk, catchment_flows(reg, [target_year]), target_year)
            check = (swmm_check if swmm else trunk_check)(trunk, inflow)
            written.append(write_csv(check.assign(year=target_year),
                                     out / f"trunk_check{suffix}.csv"))
        return ind, flows

    ind, flows = review(registry, "", None, "")
    written.append(write_csv(overload_warnings(flows), out / "warnings.csv"))
    written.append(write_csv(project_schedule(registry), out / "projects.csv"))
    written.append(write_csv(sample_compliance(registry), out / "samples.csv"))
    written.append(write_csv(reported_vs_model(registry, ind), out / "reported_vs_model.csv"))
    util_year = target_year if target_year in years else years[-1]
    written.append(save_figure(
        plot_utilisation(flows, util_year, high_utilisation=a.high_utilisation),
        out / f"utilisation_{util_year}.png"))
    if has_geometry(registry):
        written.append(write_capacity_layers(registry, out / "capacity_layers.gpkg", util_year,
                                             plant_flows_table=flows))
    if whatif is not None:
        review(apply_whatif(registry, whatif), "_whatif", ind, f"what-if: {whatif.name}")
    return written


def write_capacity_layers(
    registry: Registry,
    path: str | os.PathLike,
    year: int,
    *,
    crs: Any = GEOGRAPHIC_CRS,
    plant_flows_table: pd.DataFrame | None = None,
) -> Path:
    """Write the ``plants`` and ``catchments`` layers of ``year`` to one GeoPackage.

    Written atomically by :func:`gis.write_layers` (temporary file, then ``os.replace``).

    Parameters
    ----------
    registry : Registry
    path : str or os.PathLike
        Target ``.gpkg``; replaced if it exists.
    year : int
    crs : optional
        CRS of both layers; EPSG:4326 by default.
    plant_flows_table : pandas.DataFrame, optional
        As in :func:`capacity_layers`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    layers = capacity_layers(registry, year, crs=crs, plant_flows_table=plant_flows_table)
    return write_layers(layers, path)
