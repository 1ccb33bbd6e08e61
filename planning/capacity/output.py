"""Write a review to a folder: CSV tables and PNG plots, each file written atomically.

Every file is first written to a temporary file in the target folder and then moved into
place with :func:`os.replace`, so a reader never sees a half-written file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import pandas as pd
from matplotlib.figure import Figure

import models
from models import write_atomic

from .gaps import committed_only, compare_to_targets
from .indicators import indicators, sample_compliance
from .layers import has_geometry, write_capacity_layers
from .plots import plot_trajectories, plot_utilisation
from .registry import Registry
from .schedule import DEFAULT_YEARS, project_schedule
from .sewage import catchment_flows
from .targets import PLAN_2025, Target
from .trunk import Trunk, swmm_check, trunk_check, trunk_inflows
from .utilisation import overload_warnings, plant_flows
from .whatif import WhatIf, apply_whatif

__all__ = ["atomic_write", "reported_vs_model", "save_figure", "write_csv", "write_review"]


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write ``path`` through ``write(binary_file)`` into a temp file, then os.replace it.

    The temp file sits in the same folder (so the rename is atomic) and is removed if
    ``write`` fails; the target is then left as it was.
    """
    return write_atomic(path, write)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as UTF-8 CSV (no index), atomically, formula-like text neutralised
    (:func:`models.write_csv`)."""
    return models.write_csv(frame, path)


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Save a figure as PNG, atomically."""
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi))


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
