"""New service connections (plan §1, §2, §11, §12): impact, spare capacity, the ledger.

Assess one application::

    from planning.connections import Application, Policy, assess
    app = Application("A-001", demand_l_s=2.0, customer_class="commercial",
                      x_m=x, y_m=y, meter_dn=40, storeys=6)
    result = assess(net, app, ledger=ledger, policy=Policy())
    result.verdict, result.reply_text, result.node_table, result.pressure_timeseries

Keep a :class:`ConnectionStudy` for many (the base run is computed once); a page does
``study.assess(app)``. Spare capacity: :func:`spare_capacity` (one junction, m3/s),
:func:`spare_capacity_map` (every junction, a table) and :func:`capacity_layer` (GIS). The
ledger: ``Ledger(path)`` with ``add``, ``assess``, ``approve``, ``reject``, ``connect``,
``withdraw``, ``list``, ``events`` (the audit trail: who and when of every step); batches of
filings and steps: :func:`file_batch`, :func:`record_step_batch`, :func:`assess_filed`; the
connection clock (working days per step, "350"/"11000" compliance, the business median):
:func:`connection_clock`, :func:`median_table`. Batches of assessments: :func:`assess_batch`. Bad input raises :class:`ConnectionInputError` naming the
field (and the row). See docs/connections.md.
"""

from .application import (
    CUSTOMER_CLASSES,
    STANDARD_METER_DN,
    Application,
    class_pattern,
    required_head_m,
)
from .batch import BatchResult, assess_batch, read_applications
from .capacity import (
    SpareCapacity,
    capacity_layer,
    peak_demand_time_s,
    reference_bisection,
    spare_capacity,
    spare_capacity_map,
)
from .clock import connection_clock, median_days, median_table, working_days
from .errors import ConnectionInputError
from .impact import Assessment, ConnectionStudy, assess
from .ledger import STATUSES, STEPS, Ledger
from .policy import Policy, ServiceTerms, WorkingCalendar, load_holidays, service_terms
from .tap import Tap, committed_network
from .workflow import LedgerBatchError, assess_filed, file_batch, read_steps, record_step_batch

__all__ = [
    "CUSTOMER_CLASSES",
    "STANDARD_METER_DN",
    "STATUSES",
    "STEPS",
    "Application",
    "Assessment",
    "BatchResult",
    "ConnectionInputError",
    "ConnectionStudy",
    "Ledger",
    "LedgerBatchError",
    "Policy",
    "ServiceTerms",
    "SpareCapacity",
    "Tap",
    "WorkingCalendar",
    "assess",
    "assess_batch",
    "assess_filed",
    "capacity_layer",
    "class_pattern",
    "committed_network",
    "connection_clock",
    "file_batch",
    "load_holidays",
    "median_days",
    "median_table",
    "peak_demand_time_s",
    "read_applications",
    "read_steps",
    "record_step_batch",
    "reference_bisection",
    "required_head_m",
    "service_terms",
    "spare_capacity",
    "spare_capacity_map",
    "working_days",
]
