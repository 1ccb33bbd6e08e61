"""Connection policy (plan §1, §2, §11, §12) as parameters, and the terms it gives an application.

Exports :class:`Policy`, :class:`WorkingCalendar`, :class:`ServiceTerms`,
:func:`service_terms` and :func:`load_holidays`. Used by :mod:`.impact` (terms with each
assessment) and :mod:`.ledger` (connection-time statistics).

Numbers the published plan lost (the "350" day counts, the free-connection line length X) are
parameters. The "350" counts default to ``None`` ("not set"); X defaults to 50 m, an
ASSUMPTION (see :attr:`Policy.free_external_line_max_m`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from simulation.standards import MIN_SERVICE_HEAD_M
from simulation.whatif import PdaSettings

from ..inputfiles import InputFileError, read_text
from .application import Application
from .errors import ConnectionInputError


def _statutory_workday(day: date) -> bool | None:
    """China's statutory calendar (State Council notices, with 调休 make-up working days) from
    the ``chinese-calendar`` package; None for a year the package does not cover."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # year outside the package's data
        return None


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days on China's statutory calendar, with a user's own days on top.

    By default (``statutory=True``) a day is a working day as the State Council's holiday
    notices say, make-up working weekends (调休) included, from the maintained
    ``chinese-calendar`` package; for a year that package does not cover, Monday-Friday
    (see :meth:`covers`). ``holidays`` and ``extra_workdays`` override it day by day (a
    holiday file, :func:`load_holidays`).

    Parameters
    ----------
    holidays : frozenset of datetime.date
        Days off (a user's override: local holidays, or a year the package lacks).
    extra_workdays : frozenset of datetime.date
        Days worked (调休 make-up days), overriding the statutory calendar.
    day_start_h, day_end_h : float
        Office hours (h after midnight) used to count fractions of a working day between two
        time stamps (:meth:`working_days_between`); 09:00-17:00 by default (an assumption).
    """

    holidays: frozenset = frozenset()
    extra_workdays: frozenset = frozenset()
    day_start_h: float = 9.0
    day_end_h: float = 17.0
    statutory: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        if not 0.0 <= self.day_start_h < self.day_end_h <= 24.0:
            raise ConnectionInputError("calendar", "need 0 <= day_start_h < day_end_h <= 24")

    def is_working_day(self, day: date) -> bool:
        """True on a working day: the user's days first, then the statutory calendar, then
        Monday-Friday."""
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        if self.statutory:
            known = _statutory_workday(day)
            if known is not None:
                return known
        return day.weekday() < 5

    def covers(self, day: date) -> bool:
        """True when the statutory calendar (or the user's file) knows ``day``'s year; False
        when a deadline on that day was counted Monday-Friday only."""
        if not self.statutory or day in self.holidays or day in self.extra_workdays:
            return True
        if any(d.year == day.year for d in self.holidays | self.extra_workdays):
            return True
        return _statutory_workday(day) is not None

    def add_working_days(self, start: date, n: int) -> date:
        """The day by which ``n`` working days after ``start`` have passed.

        ``n = 0`` is ``start`` itself when it is a working day, else the next working day;
        ``n >= 1`` counts working days after ``start`` (received Friday, 1 working day: the
        next Monday, or the first working day after it).
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        left = n
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end`` in working days (office hours only).

        Each working day counts its office hours (``day_start_h``-``day_end_h``) as one
        working day; time outside them and on days off counts nothing. 0 when ``end`` is not
        after ``start``.
        """
        if end <= start:
            return 0.0
        span_h = self.day_end_h - self.day_start_h
        total_h = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                open_at = datetime.combine(day, time()) + timedelta(hours=self.day_start_h)
                close_at = datetime.combine(day, time()) + timedelta(hours=self.day_end_h)
                a = max(open_at, start)
                b = min(close_at, end)
                if b > a:
                    total_h += (b - a).total_seconds() / 3600.0
            day += timedelta(days=1)
        return total_h / span_h


def load_holidays(path: str | Path, *, statutory: bool = True) -> WorkingCalendar:
    """Read a user's calendar override from a CSV with columns ``date`` (YYYY-MM-DD) and ``kind``.

    ``kind`` is ``holiday`` (a day off) or ``workday`` (a day worked); other columns are
    ignored. See ``scenarios/connections/holidays_2025.csv``. The days override the statutory
    calendar (``statutory=True``), or Monday-Friday (``statutory=False``).

    Raises
    ------
    ConnectionInputError
        Naming the row (the header is row 0) and the field: a missing column, a bad date
        or kind, or a file that is not UTF-8 text.
    """
    try:
        text = read_text(path)
    except InputFileError as exc:  # the header is row 0, so line n is row n - 1
        raise ConnectionInputError("file", str(exc), row=(exc.line or 1) - 1) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for column in ("date", "kind"):
        if column not in [str(c).strip() for c in reader.fieldnames or ()]:
            raise ConnectionInputError(column, f"{Path(path).name} needs columns 'date' and "
                                       f"'kind' (has {reader.fieldnames or 'no header'})",
                                       row=0)
    holidays, workdays = set(), set()
    for i, rec in enumerate(reader, start=1):
        rec = {str(k).strip(): v for k, v in rec.items()}
        try:
            day = date.fromisoformat(rec["date"].strip())
        except (KeyError, ValueError, AttributeError):
            raise ConnectionInputError("date", f"not a date: {rec.get('date')!r}",
                                       row=i) from None
        kind = (rec.get("kind") or "").strip().lower()
        if kind == "holiday":
            holidays.add(day)
        elif kind == "workday":
            workdays.add(day)
        else:
            raise ConnectionInputError("kind", f"must be holiday or workday, got {kind!r}",
                                       row=i)
    both = holidays & workdays
    if both:
        raise ConnectionInputError("kind", f"{min(both)} is both a holiday and a workday")
    return WorkingCalendar(frozenset(holidays), frozenset(workdays), statutory=statutory)


@dataclass(frozen=True)
class Policy:
    """Rules for assessing connections; every number is a parameter.

    Hydraulics
    ----------
    min_pressure_m : float
        Network minimum pressure, m (CJ/T 316: 0.14 MPa = 14.28 m): a connection fails if
        it pushes a customer node below it.
    pda_minimum_pressure_m, pda_required_pressure_m, pda_exponent
        Pressure-driven demand in the 24-hour run: no water below the minimum (0 m), full
        demand from the required pressure (default: ``min_pressure_m``).
    duration_s : int
        Length of the impact run, s (24 h).
    check_all_junctions : bool
        Judge every junction against the minimum, not only those with a demand (customers).
    worsening_tolerance_m : float
        A node already below the minimum that loses more than this (m) makes the verdict
        "pass with conditions".
    unserved_tolerance_m3 : float
        Demand not served elsewhere (m3 over the run) above which a connection fails.
    capacity_rtol : float
        Relative tolerance of spare-capacity searches.

    Snapping
    --------
    diameter_tolerance : float
        A main qualifies when its diameter >= meter DN x (1 - tolerance): pipe diameters in
        models are internal diameters, often a little below nominal (0.05).
    extent_buffer_m : float
        A location farther than this from the network's bounding box is outside the network.
    snap_to_node_m : float
        Tap at an existing end junction when the tap point is this close to it, m.
    service_roughness : float, optional
        Roughness of the new service line in the model's headloss formula; the tapped main's
        when None.

    Cost and tracks (plan §2, §11, §12)
    -----------------------------------
    free_meter_max_dn : int
        Small projects are free up to this meter size (DN40).
    free_external_line_max_m : float
        ... and up to this external-line length X, m. The published plan lost X ("外线米以内");
        50 m is an ASSUMPTION of this tool, not a figure from the source. Set the real value.
    extension_margin_max : float
        Extension services beyond the red line are priced at cost + at most this share (10 %).
    low_risk_fast_track : bool
        Offer the "11000" track to low-risk social-investment projects.
    reserved_tap_on_application : bool
        Connect on application where a reserved tap exists.
    fast_track_days : int
        "11000": working days to connection (1).
    days_350_without_external_line, days_350_with_external_line : int, optional
        "350" service working days without / with an external line: missing from the
        published text, so None ("not set") by default.
    parallel_approval_days : int
        Parallel external-works approvals, working days (<= 5).
    notification_approval_days : int
        Notification-commitment approvals, working days (<= 1).
    median_target_days : float
        Annual median connection time for business users, working days (<= 0.5).
    calendar : WorkingCalendar
        Working days: China's statutory calendar with make-up days (``chinese-calendar``),
        overridden by a holiday file (:func:`load_holidays`).
    """

    min_pressure_m: float = MIN_SERVICE_HEAD_M
    pda_minimum_pressure_m: float = 0.0
    pda_required_pressure_m: float | None = None
    pda_exponent: float = 0.5
    duration_s: int = 86400
    check_all_junctions: bool = False
    worsening_tolerance_m: float = 0.5
    unserved_tolerance_m3: float = 0.1
    capacity_rtol: float = 1e-3
    diameter_tolerance: float = 0.05
    extent_buffer_m: float = 500.0
    snap_to_node_m: float = 1.0
    service_roughness: float | None = None
    free_meter_max_dn: int = 40
    free_external_line_max_m: float = 50.0
    extension_margin_max: float = 0.10
    low_risk_fast_track: bool = True
    reserved_tap_on_application: bool = True
    fast_track_days: int = 1
    days_350_without_external_line: int | None = None
    days_350_with_external_line: int | None = None
    parallel_approval_days: int = 5
    notification_approval_days: int = 1
    median_target_days: float = 0.5
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)

    def __post_init__(self) -> None:
        for name in ("min_pressure_m", "pda_minimum_pressure_m", "free_external_line_max_m",
                     "extent_buffer_m", "snap_to_node_m", "worsening_tolerance_m",
                     "unserved_tolerance_m3"):
            if not float(getattr(self, name)) >= 0.0:
                raise ConnectionInputError(name, f"must be >= 0, got {getattr(self, name)!r}")
        if not 0.0 < self.capacity_rtol < 0.1:
            raise ConnectionInputError("capacity_rtol", "must be in (0, 0.1)")
        if not 0.0 <= self.diameter_tolerance < 1.0:
            raise ConnectionInputError("diameter_tolerance", "must be in [0, 1)")
        if self.duration_s < 3600:
            raise ConnectionInputError("duration_s", "must be at least 3600 s")
        req = self.required_pressure_m
        if req <= self.pda_minimum_pressure_m:
            raise ConnectionInputError("pda_required_pressure_m",
                                       "must be above pda_minimum_pressure_m")

    @property
    def required_pressure_m(self) -> float:
        """PDA required pressure, m (``min_pressure_m`` unless set)."""
        if self.pda_required_pressure_m is None:
            return float(self.min_pressure_m)
        return float(self.pda_required_pressure_m)

    @property
    def pda(self) -> PdaSettings:
        """The pressure-driven demand of the assessment runs (``pda_*`` fields)."""
        return PdaSettings(self.pda_minimum_pressure_m, self.required_pressure_m,
                           self.pda_exponent)


@dataclass(frozen=True)
class ServiceTerms:
    """What the policy gives one application.

    Attributes
    ----------
    track : str
        ``"connection on application"``, ``"11000"``, ``"350"`` or ``"standard"``.
    steps : int
        Steps at formal application: 1 ("acceptance & connection") when front-loaded, on
        application or on the fast track, else 2 ("application -> acceptance & connection").
    free : bool
        Small-project waiver (meter <= DN40 and external line <= X).
    external_line_m : float
        External (service) line length, m (0 with a reserved tap).
    cost_text : str
    deadlines : pandas.DataFrame
        One row per deadline: ``item``, ``working_days`` (NaN when the policy leaves it
        unset), ``due_on`` (date or None), ``source`` (plan item).
    notes : tuple of str

    Notes
    -----
    The external-works approval deadlines (parallel approvals, notification-commitment
    approval) are listed for the "350" and standard tracks when an external line is built;
    the fast track and connection on application promise the whole connection sooner.
    """

    track: str
    steps: int
    free: bool
    external_line_m: float
    cost_text: str
    deadlines: pd.DataFrame
    notes: tuple[str, ...]


def service_terms(app: Application, external_line_m: float, policy: Policy,
                  received_on: date | None = None) -> ServiceTerms:
    """Track, steps, cost and working-day deadlines for an application.

    Parameters
    ----------
    app : Application
    external_line_m : float
        Length of the external line to build, m (the service line; ignored with a reserved
        tap).
    policy : Policy
    received_on : datetime.date, optional
        Start of the deadlines; ``app.received_on`` or today.

    Returns
    -------
    ServiceTerms
    """
    day = received_on or app.received_on or date.today()
    cal = policy.calendar
    external = 0.0 if app.reserved_tap else float(external_line_m)
    notes: list[str] = []
    rows: list[tuple[str, float, date | None, str]] = []

    def deadline(item: str, days: int | None, source: str) -> None:
        if days is None:
            rows.append((item, float("nan"), None, source))
        else:
            rows.append((item, float(days), cal.add_working_days(day, int(days)), source))

    if app.on_application and policy.reserved_tap_on_application:
        track, steps = "connection on application", 1
        how = "reserved tap" if app.reserved_tap else "front-loaded service"
        deadline(f"connection ({how}, cost confirmed, meter installable, no earthwork: "
                 "on application)", 0, "§2")
    elif app.low_risk and policy.low_risk_fast_track:
        track, steps = "11000", 1
        deadline('connection ("11000": 1 step, 0 documents, 0 cost, 0 trips)',
                 policy.fast_track_days, "§2")
    elif app.is_business:
        track, steps = "350", 1 if app.front_loaded else 2
        if external > 0:
            deadline('connection ("350", with external line)',
                     policy.days_350_with_external_line, "§2")
        else:
            deadline('connection ("350", without external line)',
                     policy.days_350_without_external_line, "§2")
        if (policy.days_350_with_external_line is None
                or policy.days_350_without_external_line is None):
            notes.append('The "350" day counts are missing from the published plan; '
                         "set them in the policy.")
    else:
        track, steps = "standard", 1 if app.front_loaded else 2
    if external > 0 and track in ("350", "standard"):
        # §4 and §5 are two routes for the same approvals: one applies, not both
        deadline("external-works approval, EITHER parallel approvals",
                 policy.parallel_approval_days, "§4")
        deadline("external-works approval, OR notification-commitment (small external works)",
                 policy.notification_approval_days, "§5")
        notes.append("External-works approvals: parallel approval (§4) or, for small works "
                     "that qualify, notification-commitment approval (§5); the two limits are "
                     "alternatives, not successive steps.")

    free = app.meter_dn <= policy.free_meter_max_dn and external <= policy.free_external_line_max_m
    if free:
        cost_text = (f"free (small project: meter DN{app.meter_dn} <= DN{policy.free_meter_max_dn}"
                     f" and external line {external:.0f} m <= {policy.free_external_line_max_m:g} m)")
    else:
        why = []
        if app.meter_dn > policy.free_meter_max_dn:
            why.append(f"meter DN{app.meter_dn} > DN{policy.free_meter_max_dn}")
        if external > policy.free_external_line_max_m:
            why.append(f"external line {external:.0f} m > {policy.free_external_line_max_m:g} m")
        cost_text = ("no connection fee; the utility invests up to the user's red line; "
                     "extension services beyond it at cost + at most "
                     f"{policy.extension_margin_max:.0%} ({'; '.join(why)})")
    if track == "11000":  # §2: 0 cost whatever the meter size or line length
        cost_text = "free (\"11000\" fast track: 0 cost)"
        free = True
    elif external > 0 or free:  # the X of §12 decided (or could decide) the cost
        notes.append(f"ASSUMPTION: small projects are free up to an external line of "
                     f"{policy.free_external_line_max_m:g} m; the published plan (§12) lost this "
                     "figure, so it is a policy parameter, not the plan's number.")
    uncovered = [d for d in (r[2] for r in rows) if d is not None and not cal.covers(d)]
    if uncovered:
        notes.append(f"No statutory holiday data for {min(uncovered).year}: deadlines that year "
                     "count Monday-Friday only; give a holiday file to correct them.")
    deadlines = pd.DataFrame(rows, columns=["item", "working_days", "due_on", "source"])
    return ServiceTerms(track=track, steps=steps, free=free, external_line_m=external,
                        cost_text=cost_text, deadlines=deadlines, notes=tuple(notes))
