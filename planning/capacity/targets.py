"""The plan's 2025 wastewater and reclaimed-water targets (§17, §18) and the basin scopes.

Basins
------
Each plant and catchment lies in one basin: ``dianchi`` (inside the Dianchi basin),
``anning`` (Anning city) or ``outside`` (outside the Dianchi basin, Anning excluded).

Scopes group basins the way the plan's targets do. §18 splits new treatment capacity into
inside (600,000 t/d) and outside (69,000 t/d) the Dianchi basin; Anning lies outside the basin,
so it counts in ``outside_dianchi``. §17 names "the Dianchi basin and Anning city" (60 % reuse)
against "outside the Dianchi basin" (25 %), so for reuse Anning joins the basin and the 25 %
applies to ``outside`` alone. This reading is an assumption: pass other ``scopes`` to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["BASINS", "CONTEXT_INDICATORS", "INDICATORS", "PLAN_2025", "SCOPES", "Target"]

#: Basin codes accepted in the registry.
BASINS: tuple[str, ...] = ("dianchi", "anning", "outside")

#: Scope name -> basins it covers. ``city`` is the whole of Kunming.
SCOPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "city": ("dianchi", "anning", "outside"),
        "dianchi": ("dianchi",),
        "outside_dianchi": ("anning", "outside"),
        "dianchi_anning": ("dianchi", "anning"),
        "anning": ("anning",),
        "outside": ("outside",),
    }
)


#: Indicator name -> (unit, label). Fractions are 0-1. See docs/capacity.md for formulas.
INDICATORS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "treatment_capacity_m3_per_d": ("m3_per_d", "Treatment capacity in service"),
        "new_treatment_capacity_m3_per_d": ("m3_per_d", "Treatment capacity added since base year"),
        "reclaimed_capacity_m3_per_d": ("m3_per_d", "Reclaimed-water production capacity"),
        "new_sewer_length_km": ("km", "New and renovated sewers since base year"),
        "served_population": ("persons", "Population of the catchments"),
        "water_supply_m3_per_d": ("m3_per_d", "Water supplied to the catchments"),
        "sewage_generated_m3_per_d": ("m3_per_d", "Sewage generated"),
        "sewage_collected_m3_per_d": ("m3_per_d", "Sewage collected to a plant in service"),
        "treated_m3_per_d": ("m3_per_d", "Wastewater treated (incl. infiltration)"),
        "reused_m3_per_d": ("m3_per_d", "Treated wastewater put to use"),
        "reuse_rate": ("fraction", "Wastewater reuse (resource-utilisation) rate"),
        "treatment_rate": ("fraction", "Wastewater treatment rate"),
        "county_town_treatment_rate": ("fraction", "County-town wastewater treatment rate"),
        "urban_collection_rate": ("fraction", "Urban domestic sewage collection rate"),
        "class_1a_sample_share": ("fraction", "Effluent samples meeting Class 1A"),
        "class_1a_capacity_share": ("fraction", "Capacity declared Class 1A or better"),
        "plants_overloaded": ("plants", "Plants with mean inflow above capacity"),
    }
)

#: Names a ``reported.csv`` row may carry besides :data:`INDICATORS` (context, not computed).
CONTEXT_INDICATORS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "resident_population": ("persons", "Resident population"),
        "urban_population_share": ("fraction", "Urban share of the population"),
        "plant_count": ("plants", "Wastewater plants"),
    }
)


@dataclass(frozen=True)
class Target:
    """One plan target: ``indicator`` in ``scope`` reaches at least ``value`` by ``year``.

    Parameters
    ----------
    indicator : str
        Indicator name as produced by :func:`planning.capacity.indicators`.
    scope : str
        Key of the scopes mapping.
    value : float
        Target value in ``unit`` (fractions are 0-1, not percent).
    year : int
        Target year.
    unit : str
        ``"m3_per_d"``, ``"km"`` or ``"fraction"``.
    label : str
        Short English label for tables and plots.
    source : str
        Where the target comes from.
    """

    indicator: str
    scope: str
    value: float
    year: int
    unit: str
    label: str
    source: str


_S17 = "Kunming 2023 getting-water plan §17"
_S18 = "Kunming 2023 getting-water plan §18"

#: The 2025 targets of §17 and §18 (see shared/docs/requirements.md). All are "at least".
PLAN_2025: tuple[Target, ...] = (
    Target("new_treatment_capacity_m3_per_d", "city", 669_000.0, 2025, "m3_per_d",
           "New treatment capacity 2021-2025, city", _S18),
    Target("new_treatment_capacity_m3_per_d", "dianchi", 600_000.0, 2025, "m3_per_d",
           "New treatment capacity 2021-2025, Dianchi basin", _S18),
    Target("new_treatment_capacity_m3_per_d", "outside_dianchi", 69_000.0, 2025, "m3_per_d",
           "New treatment capacity 2021-2025, outside the basin", _S18),
    Target("reclaimed_capacity_m3_per_d", "city", 156_000.0, 2025, "m3_per_d",
           "Reclaimed-water production capacity", _S17),
    Target("reuse_rate", "dianchi_anning", 0.60, 2025, "fraction",
           "Wastewater reuse rate, Dianchi basin and Anning", _S17),
    Target("reuse_rate", "outside", 0.25, 2025, "fraction",
           "Wastewater reuse rate, outside the basin", _S17),
    Target("new_sewer_length_km", "city", 869.0, 2025, "km",
           "New and renovated sewers 2021-2025", _S18),
    Target("county_town_treatment_rate", "city", 0.95, 2025, "fraction",
           "County-town wastewater treatment rate", _S18),
    Target("urban_collection_rate", "city", 0.70, 2025, "fraction",
           "Urban domestic sewage collection rate (aim)", _S18),
    Target("class_1a_sample_share", "dianchi", 1.0, 2025, "fraction",
           "Dianchi effluent samples meeting Class 1A", _S18 + "; GB 18918-2002"),
    Target("class_1a_capacity_share", "dianchi", 1.0, 2025, "fraction",
           "Dianchi capacity declared Class 1A or better", _S18 + "; GB 18918-2002"),
)
