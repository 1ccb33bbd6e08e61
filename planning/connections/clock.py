"""The connection clock (plan §2): working days per step, "350"/"11000" compliance, the median.

Exports :func:`connection_clock` (one row per application of a ledger), :func:`median_days`
and :func:`median_table` (the business users' annual median against the target).

Definitions
-----------
Working days are counted on the policy's calendar (:attr:`Policy.calendar`) in office hours:
one working day is one day's office hours (:meth:`WorkingCalendar.working_days_between`), so
an application filed at 09:30 and connected at 13:30 the same working day took 0.5 working
day. Every count goes through :func:`working_days` (one call into the calendar).

Steps: ``assess_days`` from filing to the (latest) assessment, ``decide_days`` from it to the
approval or rejection, ``connect_days`` from the approval to the connection; ``total_days``
from filing to connection (the connection time of §2).

Compliance: the track and the connection deadline are those of
:func:`~planning.connections.policy.service_terms` for the application as recorded (the
external-line length recorded with its assessment, else its ``service_length_m``): "11000"
(``Policy.fast_track_days``), "350" without / with an external line (N / M, parameters
missing from the published plan: ``None`` means "limit not set"), connection on application
(0 days: the day of filing). An application meets its deadline when it was connected on or
before the due day (``due_on``, that many working days after filing).

Median: the annual median of ``total_days`` over business users (commercial and industrial)
connected in that year, against ``Policy.median_target_days`` (<= 0.5 working day).
"""

from __future__ import annotations

import statistics

import pandas as pd

from .application import Application
from .policy import Policy, WorkingCalendar, service_terms

COMPLIANCE = ("met", "missed", "open", "limit not set", "no deadline")
"""Values of the ``compliance`` column."""
CLOCK_COLUMNS = ["status", "customer_class", "business", "track", "received_at",
                 "assessed_at", "decided_at", "connected_at", "assess_days", "decide_days",
                 "connect_days", "total_days", "limit_days", "due_on", "compliance"]


def working_days(calendar: WorkingCalendar, start, end) -> float:
    """Working days (office hours) from ``start`` to ``end``; NaN when either is missing.

    The one place the clock asks the calendar for a count.
    """
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return float("nan")
    return float(calendar.working_days_between(pd.Timestamp(start).to_pydatetime(),
                                               pd.Timestamp(end).to_pydatetime()))


def connection_clock(ledger, policy: Policy | None = None, *,
                     calendar: WorkingCalendar | None = None) -> pd.DataFrame:
    """The clock of every application in a ledger.

    Parameters
    ----------
    ledger : Ledger
    policy : Policy, optional
        Tracks, deadlines (N, M, the fast track) and the calendar.
    calendar : WorkingCalendar, optional
        Overrides ``policy.calendar``.

    Returns
    -------
    pandas.DataFrame
        Index ``application_id``; :data:`CLOCK_COLUMNS`: times (datetimes; ``decided_at``
        the approval or rejection), step durations in working days (NaN while a step is
        not done), ``limit_days`` (NaN when none or not set), ``due_on`` (date or None) and
        ``compliance`` (one of :data:`COMPLIANCE`).
    """
    policy = policy or Policy()
    cal = calendar or policy.calendar
    table = ledger.list()
    records = ledger.records()
    rows = []
    for aid, r in table.iterrows():
        app = Application.from_record(records[aid])
        external = r["external_line_m"]
        if external is None or pd.isna(external):
            external = app.service_length_m or 0.0
        terms = service_terms(app, float(external), policy,
                              received_on=r["received_at"].date())
        deadline = terms.deadlines[terms.deadlines["item"].str.startswith("connection")]
        limit = float(deadline["working_days"].iloc[0]) if len(deadline) else float("nan")
        due = deadline["due_on"].iloc[0] if len(deadline) else None
        decided = r["approved_at"] if pd.notna(r["approved_at"]) else r["rejected_at"]
        total = working_days(cal, r["received_at"], r["connected_at"])
        if not len(deadline):
            compliance = "no deadline"
        elif due is None or pd.isna(limit):
            compliance = "limit not set"
        elif pd.isna(r["connected_at"]):
            compliance = "open" if r["status"] in ("received", "assessed", "approved") \
                else "no deadline"
        else:
            compliance = "met" if r["connected_at"].date() <= due else "missed"
        rows.append({
            "application_id": aid, "status": r["status"], "customer_class": r["customer_class"],
            "business": app.is_business, "track": terms.track,
            "received_at": r["received_at"], "assessed_at": r["assessed_at"],
            "decided_at": decided, "connected_at": r["connected_at"],
            "assess_days": working_days(cal, r["received_at"], r["assessed_at"]),
            "decide_days": working_days(cal, r["assessed_at"], decided),
            "connect_days": working_days(cal, r["approved_at"], r["connected_at"]),
            "total_days": total, "limit_days": limit, "due_on": due,
            "compliance": compliance})
    out = pd.DataFrame(rows, columns=["application_id", *CLOCK_COLUMNS])
    for col in ("received_at", "assessed_at", "decided_at", "connected_at"):
        out[col] = pd.to_datetime(out[col])
    return out.set_index("application_id")


def median_days(clock: pd.DataFrame, *, year: int | None = None,
                business_only: bool = True) -> float:
    """Median ``total_days`` of the connected applications of a clock (business users by
    default; connected in ``year`` when given); NaN when there are none."""
    done = clock[clock["status"] == "connected"]
    if business_only:
        done = done[done["business"].astype(bool)]
    if year is not None:
        done = done[done["connected_at"].dt.year == year]
    if done.empty:
        return float("nan")
    return float(statistics.median(done["total_days"]))


def median_table(clock: pd.DataFrame, policy: Policy | None = None) -> pd.DataFrame:
    """The business users' annual median connection time against the target.

    Returns
    -------
    pandas.DataFrame
        One row per year with a connection: ``year``, ``business_connected`` (count),
        ``median_days`` (working days), ``target_days`` (``Policy.median_target_days``),
        ``meets_target`` (bool; False when no business user was connected that year),
        ``deadlines_met`` and ``deadlines_missed`` (all connected applications of the
        year).
    """
    policy = policy or Policy()
    done = clock[clock["status"] == "connected"]
    rows = []
    for year in sorted({int(t.year) for t in done["connected_at"]}):
        of_year = done[done["connected_at"].dt.year == year]
        median = median_days(clock, year=year)
        rows.append({"year": year, "business_connected": int(of_year["business"].sum()),
                     "median_days": median, "target_days": float(policy.median_target_days),
                     "meets_target": bool(median <= policy.median_target_days),
                     "deadlines_met": int((of_year["compliance"] == "met").sum()),
                     "deadlines_missed": int((of_year["compliance"] == "missed").sum())})
    return pd.DataFrame(rows, columns=["year", "business_connected", "median_days",
                                       "target_days", "meets_target", "deadlines_met",
                                       "deadlines_missed"])
