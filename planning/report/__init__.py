"""Reports to the bureau: the quarterly supply-quality report (§14, §16, §20).

Exports :func:`quarterly_report` -> :class:`QuarterReport`, :func:`early_warnings`,
:func:`node_hour_compliance_pct`, :data:`INDICATORS`, :func:`previous_quarters`.
"""

from .quarterly import (
    INDICATORS,
    Indicator,
    QuarterReport,
    early_warnings,
    node_hour_compliance_pct,
    previous_quarters,
    quarterly_report,
)

__all__ = [
    "INDICATORS",
    "Indicator",
    "QuarterReport",
    "early_warnings",
    "node_hour_compliance_pct",
    "previous_quarters",
    "quarterly_report",
]
