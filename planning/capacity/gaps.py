"""Gap table: each plan target against the projected and the committed pipeline.

*Projected* counts every project that is not cancelled, in the year it takes effect.
*Committed* drops the projects whose status is ``planned`` (approved, not started).

Status of a target:

* ``on track`` - projected and committed values both reach the target;
* ``at risk`` - either falls short; ``reason`` says which: the projection itself, or only
  the committed pipeline (the target relies on projects not yet started), or no data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .indicators import indicators
from .registry import Registry
from .targets import PLAN_2025, SCOPES, Target

__all__ = ["GAP_COLUMNS", "committed_only", "compare_to_targets", "gap_table"]

#: Columns of the gap table.
GAP_COLUMNS: tuple[str, ...] = (
    "indicator", "scope", "label", "target_year", "target", "unit", "projected", "committed",
    "gap", "status", "reason", "basis", "illustrative", "source",
)


def committed_only(registry: Registry) -> Registry:
    """The registry with every ``planned`` (not started) project cancelled."""
    projects = registry.projects.copy()
    projects.loc[projects["status"] == "planned", "status"] = "cancelled"
    return registry.replace(projects=projects)


def _value_at(ind: pd.DataFrame, target: Target) -> tuple[float, str, bool]:
    """Value in the target year, else the latest earlier year with a value."""
    rows = ind[(ind["indicator"] == target.indicator) & (ind["scope"] == target.scope)
               & (ind["year"] <= target.year) & ind["value"].notna()]
    if not len(rows):
        return float("nan"), "no data", False
    last = rows.loc[rows["year"].idxmax()]
    basis = str(last["basis"])
    if int(last["year"]) != target.year:
        basis = f"{basis} {int(last['year'])}"
    return float(last["value"]), basis, bool(last["illustrative"])


def _reaches(value: float, target: float) -> bool:
    return bool(np.isfinite(value)) and value >= target - 1e-9 * max(1.0, abs(target))


def _fmt(x: float, unit: str) -> str:
    if unit == "fraction":
        return f"{100 * x:.1f} percentage points"
    if unit == "m3_per_d":
        return f"{x:,.0f} m³/d"
    return f"{x:,.1f} {unit}"


def compare_to_targets(
    projected: pd.DataFrame,
    committed: pd.DataFrame,
    targets: Iterable[Target] = PLAN_2025,
) -> pd.DataFrame:
    """Gap table from two :func:`~planning.capacity.indicators` tables.

    Parameters
    ----------
    projected, committed : pandas.DataFrame
        Indicator tables of the full and of the committed pipeline.
    targets : iterable of Target

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAP_COLUMNS`; ``gap = target - projected`` (positive: short of the
        target, in the target's unit), ``status`` ``on track``/``at risk``.
    """
    rows = []
    for t in targets:
        value, basis, ill = _value_at(projected, t)
        value_c, _, ill_c = _value_at(committed, t)
        gap = t.value - value if np.isfinite(value) else float("nan")
        if not np.isfinite(value):
            status, reason = "at risk", "no data"
        elif not _reaches(value, t.value):
            status, reason = "at risk", f"projected short by {_fmt(gap, t.unit)}"
        elif not _reaches(value_c, t.value):
            status = "at risk"
            reason = (f"relies on projects not yet started; committed short by "
                      f"{_fmt(t.value - value_c, t.unit)}")
        else:
            status, reason = "on track", ""
        rows.append({
            "indicator": t.indicator, "scope": t.scope, "label": t.label,
            "target_year": t.year, "target": t.value, "unit": t.unit, "projected": value,
            "committed": value_c, "gap": gap, "status": status, "reason": reason,
            "basis": basis, "illustrative": ill or ill_c, "source": t.source,
        })
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))


def gap_table(
    registry: Registry,
    targets: Iterable[Target] = PLAN_2025,
    *,
    scopes: Mapping[str, tuple[str, ...]] = SCOPES,
    supply_m3_per_d: pd.Series | Mapping[str, float] | None = None,
    supply_year: int | None = None,
) -> pd.DataFrame:
    """Gap table of a registry against the plan targets.

    Parameters
    ----------
    registry : Registry
    targets : iterable of Target
        Default: the plan's 2025 targets (:data:`~planning.capacity.targets.PLAN_2025`).
    scopes, supply_m3_per_d, supply_year
        As for :func:`~planning.capacity.indicators`.

    Returns
    -------
    pandas.DataFrame
        See :func:`compare_to_targets`.
    """
    targets = tuple(targets)
    years = range(registry.assumptions.base_year, max(t.year for t in targets) + 1)
    kw = {"scopes": scopes, "supply_m3_per_d": supply_m3_per_d, "supply_year": supply_year}
    projected = indicators(registry, years, **kw)
    committed = indicators(committed_only(registry), years, **kw)
    return compare_to_targets(projected, committed, targets)
