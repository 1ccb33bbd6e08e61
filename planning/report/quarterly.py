"""The quarterly supply-quality report: figures from the outage register, the leakage
assessment, a network run and the service figures a utility enters.

Indicators (one row each; ``value`` NaN when not available for the quarter):

=====================================  ======  =====================================
``planned_outages``                    count   outages starting in the quarter
``unplanned_outages``                  count   (bursts), starting in the quarter
``average_customer_outage_h``          h       customer-hours in the quarter /
                                               customers served
``notice_under_24h`` ...               count   records of the quarter with that flag
``leakage_rbl_pct``                    %       CJJ 92 R_BL <= 10 % (grade 1)
``pressure_compliance_pct``            %       node-hours >= 0.14 MPa, >= 97 %
``satisfaction_coverage_pct``          %       >= 80 % (§16/§20)
``complaint_rectification_pct``        %       = 100 %
``ontime_rectification_pct``           %       = 100 %
=====================================  ======  =====================================

Customer-hours follow :func:`planning.shutdowns.quarterly_indicators` (the share of each
outage inside the quarter). Early warning (:func:`early_warnings`): an indicator with a
threshold that misses it this quarter, or any indicator that got worse two quarters
running (this quarter worse than the last, the last worse than the one before).

Exports :data:`INDICATORS`, :class:`Indicator`, :class:`QuarterReport`,
:func:`quarterly_report`, :func:`early_warnings`, :func:`node_hour_compliance_pct`,
:func:`previous_quarters`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.leakage.cjj92 import GRADE_1_MAX_PCT
from planning.shutdowns.outages import quarter_bounds, quarterly_indicators
from planning.shutdowns.register import compliance_flags, outage_table
from simulation.standards import MIN_SERVICE_HEAD_M

PRESSURE_COMPLIANCE_MIN_PCT = 97.0
"""Share of node-hours at or above 0.14 MPa a network must reach, % (CJ/T 316)."""


@dataclass(frozen=True)
class Indicator:
    """One indicator of the report.

    Attributes
    ----------
    key, label, unit : str
    better : {"lower", "higher"}
        Which way is better (for "worsens").
    limit : float or None
        The threshold; None when the indicator has none.
    limit_kind : {"max", "min"} or None
        ``max``: the value must be <= limit; ``min``: >= limit.
    """

    key: str
    label: str
    unit: str
    better: str
    limit: float | None = None
    limit_kind: str | None = None

    def misses(self, value: float) -> bool:
        """True when ``value`` breaks the threshold (never for NaN or no threshold)."""
        if self.limit is None or value is None or not math.isfinite(value):
            return False
        if self.limit_kind == "max":
            return value > self.limit + 1e-9
        return value < self.limit - 1e-9


INDICATORS: tuple[Indicator, ...] = (
    Indicator("planned_outages", "Planned outages", "count", "lower"),
    Indicator("unplanned_outages", "Unplanned outages", "count", "lower"),
    Indicator("customer_hours", "Customer-hours without water", "h", "lower"),
    Indicator("average_customer_outage_h", "Average customer outage time", "h", "lower"),
    Indicator("notice_under_24h", "Planned outages with notice under 24 h", "count", "lower",
              0.0, "max"),
    Indicator("over_24h_without_emergency", "Outages over 24 h without emergency supply",
              "count", "lower", 0.0, "max"),
    Indicator("no_approval", "Planned outages without approval", "count", "lower", 0.0,
              "max"),
    Indicator("leakage_rbl_pct", "Leakage rate R_BL (CJJ 92)", "%", "lower",
              GRADE_1_MAX_PCT, "max"),
    Indicator("pressure_compliance_pct", "Pressure compliance (node-hours >= 0.14 MPa)", "%",
              "higher", PRESSURE_COMPLIANCE_MIN_PCT, "min"),
    Indicator("satisfaction_coverage_pct", "Satisfaction-evaluation coverage", "%", "higher",
              80.0, "min"),
    Indicator("complaint_rectification_pct", "Complaint rectification", "%", "higher",
              100.0, "min"),
    Indicator("ontime_rectification_pct", "On-time rectification", "%", "higher", 100.0,
              "min"),
)
"""Every indicator, in report order."""
ENTERED = ("leakage_rbl_pct", "pressure_compliance_pct", "satisfaction_coverage_pct",
           "complaint_rectification_pct", "ontime_rectification_pct")
"""Indicators that come from outside the register (a figure per quarter)."""


@dataclass(frozen=True)
class QuarterReport:
    """One quarter's report.

    Attributes
    ----------
    year, quarter : int
    total_customers : float
    indicators : pandas.DataFrame
        Index ``key``; columns ``label``, ``value``, ``unit``, ``limit``, ``limit_kind``,
        ``misses`` (bool).
    records : pandas.DataFrame
        The register's current records of the quarter (started in it) with their flags.
    """

    year: int
    quarter: int
    total_customers: float
    indicators: pd.DataFrame
    records: pd.DataFrame

    @property
    def values(self) -> dict:
        """``{key: value}``."""
        return self.indicators["value"].to_dict()


def node_hour_compliance_pct(pressure_m: pd.DataFrame, junctions=None,
                             min_pressure_m: float = MIN_SERVICE_HEAD_M) -> float:
    """Share of node-hours at or above the minimum pressure, %.

    Parameters
    ----------
    pressure_m : pandas.DataFrame
        Pressure head, m; index time in s, one column per node.
    junctions : sequence of str, optional
        Nodes to count (all columns by default; pass the demand junctions).
    min_pressure_m : float
        14 m (0.14 MPa) by default.

    Returns
    -------
    float
        Over whole-hour report times (every time when none falls on the hour).
    """
    p = pressure_m if junctions is None else pressure_m[list(junctions)]
    t = np.asarray(p.index, dtype=float)
    hours = np.isclose(np.mod(t, 3600.0), 0.0)
    values = p.to_numpy(dtype=float)[hours if hours.any() else slice(None)]
    if values.size == 0:
        return math.nan
    return float(100.0 * np.mean(values >= min_pressure_m - 1e-9))


def previous_quarters(year: int, quarter: int, n: int) -> list[tuple[int, int]]:
    """The ``n`` quarters before (year, quarter), oldest first."""
    out = []
    y, q = year, quarter
    for _ in range(n):
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
        out.append((y, q))
    return out[::-1]


def quarterly_report(current: pd.DataFrame, year: int, quarter: int,
                     total_customers: float, figures: dict | None = None) -> QuarterReport:
    """The report of one quarter.

    Parameters
    ----------
    current : pandas.DataFrame
        The register's current records (``OutageRegister.current()``).
    year, quarter : int
    total_customers : float
        Accounts served (> 0).
    figures : dict, optional
        The quarter's :data:`ENTERED` figures (missing ones are NaN).

    Returns
    -------
    QuarterReport
    """
    q0, q1 = quarter_bounds(year, quarter)
    base = quarterly_indicators(outage_table(current), year, quarter, total_customers)
    flags = compliance_flags(current)
    started = current["actual_start"].fillna(current["approved_start"])
    inside = (started >= q0) & (started < q1)
    recs = current[inside].join(flags)
    values = {k: float(base[k]) for k in ("planned_outages", "unplanned_outages",
                                          "customer_hours", "average_customer_outage_h")}
    for k in ("notice_under_24h", "over_24h_without_emergency", "no_approval"):
        values[k] = float(recs[k].sum())
    figures = figures or {}
    for k in ENTERED:
        v = figures.get(k)
        values[k] = math.nan if v is None else float(v)
    rows = []
    for ind in INDICATORS:
        v = values[ind.key]
        rows.append({"key": ind.key, "label": ind.label, "value": v, "unit": ind.unit,
                     "limit": math.nan if ind.limit is None else ind.limit,
                     "limit_kind": ind.limit_kind or "", "misses": ind.misses(v)})
    table = pd.DataFrame(rows).set_index("key")
    return QuarterReport(year, quarter, float(total_customers), table, recs)


def early_warnings(reports: list[QuarterReport]) -> pd.DataFrame:
    """Warnings for the last report of ``reports`` (oldest first, consecutive quarters).

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``label``, ``value``, ``reason`` (``"misses the threshold"`` or
        ``"worse two quarters running"``); one row per warning.
    """
    if not reports:
        return pd.DataFrame(columns=["key", "label", "value", "reason"])
    last = reports[-1]
    rows = []
    for ind in INDICATORS:
        v = last.indicators.loc[ind.key, "value"]
        if ind.misses(v):
            rows.append({"key": ind.key, "label": ind.label, "value": v,
                         "reason": "misses the threshold"})
        if len(reports) >= 3:
            a, b, c = (r.indicators.loc[ind.key, "value"] for r in reports[-3:])
            if all(math.isfinite(x) for x in (a, b, c)):
                worse = (lambda x, y: y > x) if ind.better == "lower" else (lambda x, y: y < x)
                if worse(a, b) and worse(b, c):
                    rows.append({"key": ind.key, "label": ind.label, "value": v,
                                 "reason": "worse two quarters running"})
    return pd.DataFrame(rows, columns=["key", "label", "value", "reason"])
