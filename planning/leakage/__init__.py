"""Leakage: settings, zone volumes, water balance, CJJ 92-2016 rates, pressure management.

Plan §14/§16 make the leakage rate a quarterly published indicator; pressure management is
the main lever against leakage. Pure functions from (network, results, settings) to tables::

    zones = zones_from_boundaries(net, ["PRV-3", "PUMP_1"])         # or read_zones(net, file)
    leaky = apply_leakage(net, read_leakage_rules("leakage.csv"), zones)  # new Network
    res = simulation.NumbaSimulator(leaky).run_sim()
    water_balance(leaky, res, zones)             # supplied, registered, leakage, rates
    leakage_volume_m3_per_day(leaky, res, zones) # m3 per zone and day
    minimum_night_flow(leaky, res, zones)        # MNF 02:00-04:00 and leakage's share
    cjj92_table(leaky, res, zones, household_metered_share=0.6)   # R_WL, R1..R4, R_BL, grade
    assess_settings({"period": "2025-Q1", "supplied_m3": ...})    # the Leakage page's fields
    sweep_prv(leaky, "PRV-1", range(20, 46, 2)).best              # most leakage saved, compliant

Command line: ``python -m planning.leakage ltown-example --out DIR`` (and ``assess FILE``).
See docs/leakage.md.
"""

from .balance import (
    NETWORK,
    leakage_volume_m3_per_day,
    minimum_night_flow,
    water_balance,
    zone_flows_m3s,
)
from .cjj92 import (
    CONFIDENCE_NOTE,
    GRADE_1_MAX_PCT,
    GRADE_2_MAX_PCT,
    Cjj92Inputs,
    Cjj92Result,
    assess_settings,
    cjj92_assess,
    nominal_dn_mm,
    period_days,
)
from .errors import LeakageInputError
from .indicators import cjj92_table, dn75_length_km, inlet_pressure_m, mean_outlet_pressure_mpa
from .ltown import (
    LTOWN_LEAKS,
    LTOWN_NETWORK,
    LtownExample,
    add_orifice_leaks,
    leak_schedule,
    ltown_monthly,
    ltown_zones,
    read_battledim_leaks,
)
from .pressure import (
    Compliance,
    PressureCriteria,
    SweepResult,
    add_prv,
    compare_cases,
    demand_junctions,
    pressure_compliance,
    sweep_prv,
    sweep_settings,
)
from .settings import LeakageRule, apply_leakage, read_leakage_rules, uniform_leakage
from .zones import (
    UNZONED,
    Zones,
    read_zones,
    single_zone,
    zones_from_boundaries,
    zones_from_nodes,
    zones_from_pipes,
)

__all__ = [
    "CONFIDENCE_NOTE",
    "GRADE_1_MAX_PCT",
    "GRADE_2_MAX_PCT",
    "LTOWN_LEAKS",
    "LTOWN_NETWORK",
    "NETWORK",
    "UNZONED",
    "Cjj92Inputs",
    "Cjj92Result",
    "Compliance",
    "LeakageInputError",
    "LeakageRule",
    "LtownExample",
    "PressureCriteria",
    "SweepResult",
    "Zones",
    "add_orifice_leaks",
    "add_prv",
    "apply_leakage",
    "assess_settings",
    "cjj92_assess",
    "cjj92_table",
    "compare_cases",
    "demand_junctions",
    "dn75_length_km",
    "inlet_pressure_m",
    "leak_schedule",
    "leakage_volume_m3_per_day",
    "ltown_monthly",
    "ltown_zones",
    "mean_outlet_pressure_mpa",
    "minimum_night_flow",
    "nominal_dn_mm",
    "period_days",
    "pressure_compliance",
    "read_battledim_leaks",
    "read_leakage_rules",
    "read_zones",
    "single_zone",
    "sweep_prv",
    "sweep_settings",
    "uniform_leakage",
    "water_balance",
    "zone_flows_m3s",
    "zones_from_boundaries",
    "zones_from_nodes",
    "zones_from_pipes",
]
