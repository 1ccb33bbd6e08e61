"""Shutdowns: planned works and bursts (Kunming plan §14, §15, §16, §19, §20).

Which valves to close, which customers lose water, when it hurts least, the 24-hour
notice list, emergency supply beyond 24 hours, pipe criticality, and the outage log with
its quarterly indicators. Methods and defaults: ``docs/shutdowns.md``.

Plans
    :func:`plan_job` (works) and :func:`burst` -> :class:`JobPlan`; inputs :class:`Job`,
    :class:`Policy`, :class:`EmergencyPolicy`.
Valves and segments
    :func:`read_valve_layer`, :func:`check_valve_layer`, :func:`synthetic_valve_layer`,
    :func:`valve_points`; :func:`segments` (same partition as WNTR's
    ``valve_segments``), :func:`segment_map`, :func:`isolate` -> :class:`Isolation`.
Customers
    :func:`customers_per_node`, :func:`read_customers`.
Criticality
    :func:`criticality` (table per pipe), :func:`closure_sweep`.
Outages
    :class:`OutageLog`, :class:`OutageRecord`, :func:`quarterly_indicators`; the register
    :class:`OutageRegister`, :class:`RegisterEntry`, :func:`compliance_flags`.
Accounts
    :func:`read_accounts`, :func:`check_accounts`, :func:`place_accounts` ->
    :class:`PlacedAccounts`, :func:`account_notice`.
Errors
    :class:`ShutdownInputError` (source, row, field, problem).
"""

from .accounts import (
    PlacedAccounts,
    account_notice,
    check_accounts,
    place_accounts,
    read_accounts,
)
from .criticality import ClosureSweep, closure_sweep, criticality
from .customers import customers_per_node, read_customers
from .emergency import EmergencyPlan
from .errors import ShutdownInputError
from .impact import Impact
from .jobs import EmergencyPolicy, Job, Policy
from .outages import OutageLog, OutageRecord, quarterly_indicators
from .plan import JobPlan, burst, plan_job
from .register import OutageRegister, RegisterEntry, compliance_flags, outage_table
from .segments import Isolation, SegmentMap, isolate, segment_map, segments
from .valves import check_valve_layer, read_valve_layer, synthetic_valve_layer, valve_points

__all__ = [
    "OutageRegister",
    "PlacedAccounts",
    "RegisterEntry",
    "account_notice",
    "check_accounts",
    "compliance_flags",
    "outage_table",
    "place_accounts",
    "read_accounts",
    "ClosureSweep",
    "EmergencyPlan",
    "EmergencyPolicy",
    "Impact",
    "Isolation",
    "Job",
    "JobPlan",
    "OutageLog",
    "OutageRecord",
    "Policy",
    "SegmentMap",
    "ShutdownInputError",
    "burst",
    "check_valve_layer",
    "closure_sweep",
    "criticality",
    "customers_per_node",
    "isolate",
    "plan_job",
    "quarterly_indicators",
    "read_customers",
    "read_valve_layer",
    "segment_map",
    "segments",
    "synthetic_valve_layer",
    "valve_points",
]
