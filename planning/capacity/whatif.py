"""What-if scenarios: registry + what-if -> a new registry (the input is never changed).

A :class:`WhatIf` can delay or cancel projects, add projects (for instance extra capacity),
and change growth rates, the return factor or any other assumption. Feed the result to
:func:`~planning.capacity.indicators`, :func:`~planning.capacity.gap_table` and the plots.
A what-if is also readable from JSON (:func:`load_whatif`)::

    {"name": "No. 13 late", "delay_years": {"D-2025-01": 2}, "cancel": ["O-2025-02"],
     "add_projects": [{"project_id": "X1", "name": "Extra", "kind": "expansion",
                       "plant_id": "KM03", "capacity_m3_per_d": 20000,
                       "planned_year": 2025, "status": "planned"}],
     "population_growth_per_yr": 0.015, "return_factor": 0.9,
     "parameters": {"reclaimed_load_factor": 0.7}}
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from .registry import Registry
from .schedule import project_schedule

__all__ = ["WhatIf", "add_capacity", "apply_whatif", "load_whatif"]


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class WhatIf:
    """Changes to apply to a registry.

    Parameters
    ----------
    name : str
        Shown in outputs.
    delay_years : Mapping[str, int]
        Project id -> years to push it back from the year it now takes effect.
    cancel : tuple of str
        Project ids to cancel.
    add_projects : tuple of Mapping
        Rows to add to ``projects`` (same columns; ``source`` defaults to the what-if name).
    population_growth_per_yr, per_capita_growth_per_yr : float, optional
        Replace every catchment's growth rate (fraction per year).
    return_factor : float, optional
        Replace the return factor everywhere (catchment overrides are cleared).
    parameters : Mapping[str, float]
        Other :class:`~planning.capacity.Assumptions` fields to change.
    """

    name: str = "what-if"
    delay_years: Mapping[str, int] = field(default_factory=dict)
    cancel: tuple[str, ...] = ()
    add_projects: tuple[Mapping[str, object], ...] = ()
    population_growth_per_yr: float | None = None
    per_capita_growth_per_yr: float | None = None
    return_factor: float | None = None
    parameters: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "delay_years", _frozen(self.delay_years))
        object.__setattr__(self, "parameters", _frozen(self.parameters))
        object.__setattr__(self, "cancel", tuple(self.cancel))
        object.__setattr__(self, "add_projects", tuple(_frozen(p) for p in self.add_projects))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> WhatIf:
        """Build from a plain mapping (e.g. parsed JSON); unknown keys raise ValueError."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown what-if field(s): {', '.join(sorted(unknown))}")
        return cls(**data)  # type: ignore[arg-type]


def load_whatif(path: str | Path) -> WhatIf:
    """Read a :class:`WhatIf` from a JSON file."""
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except RecursionError:
            raise ValueError(f"{Path(path).name}: not a what-if file: nested too deeply") \
                from None
    if not isinstance(data, dict):
        raise ValueError(f"{Path(path).name}: a what-if file holds a JSON object (mapping)")
    return WhatIf.from_dict(data)


def add_capacity(
    project_id: str,
    plant_id: str,
    capacity_m3_per_d: float,
    year: int,
    *,
    reclaimed: bool = False,
    status: str = "planned",
) -> dict[str, object]:
    """A project row adding treatment (or reclaimed-water) capacity to a plant.

    Parameters
    ----------
    project_id : str
        New, unique project id.
    plant_id : str
        Plant that gains the capacity.
    capacity_m3_per_d : float
        Capacity added, m³/d.
    year : int
        Year it takes effect.
    reclaimed : bool
        True for reclaimed-water production capacity, False for treatment capacity.
    status : str
        Project status (default ``planned``).
    """
    kind, column = (("reclaimed_plant", "reclaimed_capacity_m3_per_d") if reclaimed
                    else ("expansion", "capacity_m3_per_d"))
    return {"project_id": project_id, "name": f"{project_id} (what-if)", "kind": kind,
            "plant_id": plant_id, column: capacity_m3_per_d, "planned_year": year,
            "status": status}


def apply_whatif(registry: Registry, whatif: WhatIf) -> Registry:
    """Apply a what-if and return a new, validated registry.

    Parameters
    ----------
    registry : Registry
        Left unchanged.
    whatif : WhatIf

    Returns
    -------
    Registry

    Raises
    ------
    KeyError
        A delayed or cancelled project id is not in the registry.
    ValueError
        Delaying or cancelling a completed project, or a negative delay.
    RegistryError
        The changed registry breaks a rule (e.g. a delay past the last allowed year or an
        added project with a duplicate id); the message names the projects row.
    """
    schedule = project_schedule(registry).set_index("project_id")
    projects = registry.projects.copy()
    row_of = pd.Series(projects.index, index=projects["project_id"])
    for pid in [*whatif.delay_years, *whatif.cancel]:
        if pid not in row_of.index:
            raise KeyError(f"unknown project {pid!r}")
        if schedule.at[pid, "status"] == "completed":
            raise ValueError(f"project {pid!r} is completed; it cannot be delayed or cancelled")
    for pid, years in whatif.delay_years.items():
        if int(years) != years or years < 0:
            raise ValueError(f"delay of {pid!r} must be a whole number of years >= 0")
        start = schedule.at[pid, "effective_year"]
        if pd.isna(start):
            start = schedule.at[pid, "planned_year"]
        projects.loc[row_of[pid], "planned_year"] = int(start) + int(years)
    for pid in whatif.cancel:
        projects.loc[row_of[pid], "status"] = "cancelled"
    if whatif.add_projects:
        added = pd.DataFrame([dict(p) for p in whatif.add_projects])
        if "source" not in added:
            added["source"] = f"what-if: {whatif.name}"
        projects = pd.concat([projects, added], ignore_index=True)

    catchments = registry.catchments.copy()
    if whatif.population_growth_per_yr is not None:
        catchments["population_growth_per_yr"] = float(whatif.population_growth_per_yr)
    if whatif.per_capita_growth_per_yr is not None:
        catchments["per_capita_growth_per_yr"] = float(whatif.per_capita_growth_per_yr)
    assumptions = registry.assumptions
    if whatif.return_factor is not None:
        catchments["return_factor"] = np.nan
        assumptions = assumptions.replace(return_factor=float(whatif.return_factor))
    if whatif.parameters:
        assumptions = assumptions.replace(**dict(whatif.parameters))
    return registry.replace(projects=projects, catchments=catchments, assumptions=assumptions)
