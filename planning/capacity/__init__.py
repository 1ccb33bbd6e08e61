"""2025 wastewater and reclaimed-water capacity review (plan §17, §18).

Pure functions from tables to tables::

    registry = load_registry("scenarios/capacity")          # validated, or RegistryError
    ind = indicators(registry, range(2020, 2031))            # long table per year and scope
    gaps = gap_table(registry)                               # target, projected, gap, status
    figs = plot_trajectories(ind, reported=registry.reported)
    late = apply_whatif(registry, WhatIf(delay_years={"D-2025-01": 2}))
    plot_trajectories(indicators(late), baseline=ind)
    layers = capacity_layers(registry, 2025)                 # plants and catchments (GIS)

Command line: ``python -m planning.capacity --out DIR``. See docs/capacity.md.
"""

from .gaps import committed_only, compare_to_targets, gap_table
from .indicators import indicators, sample_compliance
from .layers import capacity_layers, catchment_layer, plant_layer
from .plots import plot_trajectories, plot_utilisation
from .registry import Assumptions, Registry, load_registry
from .schedule import DEFAULT_YEARS, plant_capacity, project_schedule
from .schema import RegistryError
from .sewage import catchment_flows, supply_from_node_demands
from .standards import CLASS_1A, CLASS_1B, PEAKING_FACTOR_TABLE, peaking_factor
from .targets import BASINS, INDICATORS, PLAN_2025, SCOPES, Target
from .trunk import (
    DESIGN_FULLNESS,
    Trunk,
    design_fullness,
    load_trunk,
    swmm_check,
    trunk_check,
    trunk_inflows,
)
from .utilisation import overload_warnings, plant_flows
from .whatif import WhatIf, add_capacity, apply_whatif

__all__ = [
    "BASINS",
    "CLASS_1A",
    "CLASS_1B",
    "DEFAULT_YEARS",
    "DESIGN_FULLNESS",
    "INDICATORS",
    "PEAKING_FACTOR_TABLE",
    "PLAN_2025",
    "SCOPES",
    "Assumptions",
    "Registry",
    "RegistryError",
    "Target",
    "Trunk",
    "WhatIf",
    "add_capacity",
    "apply_whatif",
    "capacity_layers",
    "catchment_flows",
    "catchment_layer",
    "committed_only",
    "compare_to_targets",
    "design_fullness",
    "gap_table",
    "indicators",
    "load_registry",
    "load_trunk",
    "overload_warnings",
    "peaking_factor",
    "plant_layer",
    "plant_capacity",
    "plant_flows",
    "plot_trajectories",
    "plot_utilisation",
    "project_schedule",
    "sample_compliance",
    "supply_from_node_demands",
    "swmm_check",
    "trunk_check",
    "trunk_inflows",
]
