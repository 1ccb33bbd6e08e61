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
ledger: ``Ledger(path)`` with ``add``, ``approve``, ``connect``, ``withdraw``, ``list``.
Batches: :func:`assess_batch`. Bad input raises :class:`ConnectionInputError` naming the
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
from .errors import ConnectionInputError
from .impact import Assessment, ConnectionStudy, assess
from .ledger import STATUSES, Ledger
from .policy import Policy, ServiceTerms, WorkingCalendar, load_holidays, service_terms
from .tap import Tap, committed_network

__all__ = [
    "CUSTOMER_CLASSES",
    "STANDARD_METER_DN",
    "STATUSES",
    "Application",
    "Assessment",
    "BatchResult",
    "ConnectionInputError",
    "ConnectionStudy",
    "Ledger",
    "Policy",
    "ServiceTerms",
    "SpareCapacity",
    "Tap",
    "WorkingCalendar",
    "assess",
    "assess_batch",
    "capacity_layer",
    "class_pattern",
    "committed_network",
    "load_holidays",
    "peak_demand_time_s",
    "read_applications",
    "reference_bisection",
    "required_head_m",
    "service_terms",
    "spare_capacity",
    "spare_capacity_map",
]
