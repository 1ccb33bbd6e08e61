"""What a shutdown study is asked: the job, the rules it must follow, emergency supply.

Exports the dataclasses :class:`Job`, :class:`Policy` and :class:`EmergencyPolicy`.
Built by pages and scripts, read by ``plan``, ``window`` and ``emergency``.

Defaults and where they come from (every one is a parameter):

- minimum service pressure 14.28 m (0.14 MPa at network extremities, CJ/T 316-2009 §6.2 /
  GB/T 32063-2015, medium-high confidence);
- notice 24 h before a planned shutdown, emergency supply when an outage lasts over
  24 h (Kunming 2023 plan §14);
- pressure-driven demand: no water at or below 0 m, full demand from the minimum service
  pressure up (so a customer below 14.28 m gets part of the demand);
- emergency supply 15 L per person per day (the Sphere humanitarian minimum for
  drinking, cooking and basic hygiene; raise it for longer outages), 2.62 persons per
  account (7th national census 2020, average household), standpipe taps for 250 persons
  each (Sphere), tankers of 8 m3, drawn from the network over 12 h a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from simulation.standards import MIN_SERVICE_HEAD_M
from simulation.whatif import PdaSettings


@dataclass(frozen=True)
class Job:
    """A planned work on one pipe.

    Attributes
    ----------
    pipe : str
        The pipe to work on (any link name is accepted).
    duration_h : float
        Hours the pipe is out of service, from valve closing to valve opening.
    job_id : str
        Reference shown in notices and in the outage log.
    description : str
    inoperable_valves : tuple of str
        Valve ids the crew knows to be seized, on top of the layer's ``operable`` flags.
    not_before : datetime, optional
        Earliest start the crew can make (the 24-hour notice applies on top).
    """

    pipe: str
    duration_h: float
    job_id: str = ""
    description: str = ""
    inoperable_valves: tuple = ()
    not_before: datetime | None = None


@dataclass(frozen=True)
class EmergencyPolicy:
    """Emergency water supply for customers cut off longer than ``after_h``.

    Attributes
    ----------
    after_h : float
        Outage length (h) above which emergency supply is required (§14: 24 h).
    litres_per_person_day : float
        Volume to bring to each person cut off, L/person/d.
    persons_per_account : float
    draw_hours_per_day : float
        Hours a day tankers / standpipes draw from a network point (sets the draw rate).
    tanker_m3 : float
        Tanker volume, m3 (for the number of tanker trips a day).
    persons_per_tap : float
        Persons served by one standpipe tap.
    max_points : int
        Most network points the plan may use together.
    """

    after_h: float = 24.0
    litres_per_person_day: float = 15.0
    persons_per_account: float = 2.62  # = customers.DEFAULT_PERSONS_PER_ACCOUNT
    draw_hours_per_day: float = 12.0
    tanker_m3: float = 8.0
    persons_per_tap: float = 250.0
    max_points: int = 5


@dataclass(frozen=True)
class Policy:
    """Rules and thresholds of a shutdown study.

    Attributes
    ----------
    min_pressure_m : float
        Minimum service pressure head, m: customers below it count as "below minimum".
    no_water_pressure_m : float
        Pressure-driven demand: at or below this head a junction draws nothing and its
        customers count as without water (as do junctions cut off from every source).
    full_demand_pressure_m : float, optional
        Pressure-driven demand: head for the full demand; ``min_pressure_m`` if None.
    notice_h : float
        Notice before a planned shutdown starts, h, counted from "now".
    horizon_days : float
        How far ahead starts are searched, days from "now".
    start_step_h : float
        Spacing of candidate starts, h (starts fall on whole multiples from midnight).
    night_only : bool
        Only starts inside the night window; a job no longer than the window must also
        end inside it (a longer job must start inside it).
    night_start_h, night_end_h : int
        Night window, clock hours (22 -> 6 spans midnight).
    forbidden_dates : tuple of datetime.date
        Days the job may not touch (holidays, events, exams).
    forbidden_weekdays : tuple of int
        Weekdays the job may not touch (0 = Monday).
    model_start_weekday : int
        Weekday of the model's time 0 (its patterns start at the model's start clock
        time on that weekday; matters for weekly patterns only).
    threads : int
        Threads for the start search.
    residential_litres_per_person_day : float
        Residential use per person, L/person/d, to estimate accounts from demand where no
        billing data are given (GB/T 50331-2002 zone 5: 100-140; 120 by default); with
        ``emergency.persons_per_account`` as the household size.
    emergency : EmergencyPolicy
    """

    min_pressure_m: float = MIN_SERVICE_HEAD_M
    no_water_pressure_m: float = 0.0
    full_demand_pressure_m: float | None = None
    notice_h: float = 24.0
    horizon_days: float = 7.0
    start_step_h: float = 1.0
    night_only: bool = False
    night_start_h: int = 22
    night_end_h: int = 6
    forbidden_dates: tuple[date, ...] = ()
    forbidden_weekdays: tuple[int, ...] = ()
    model_start_weekday: int = 0
    threads: int = 2
    residential_litres_per_person_day: float = 120.0
    emergency: EmergencyPolicy = field(default_factory=EmergencyPolicy)

    @property
    def use_m3_per_account_day(self) -> float:
        """Average use of one account for estimates from demand, m3/d."""
        from .customers import use_per_account_m3_day

        return use_per_account_m3_day(self.emergency.persons_per_account,
                                      self.residential_litres_per_person_day)

    @property
    def required_pressure_m(self) -> float:
        """Head for full demand in the pressure-driven runs, m."""
        full = self.min_pressure_m if self.full_demand_pressure_m is None \
            else self.full_demand_pressure_m
        return max(float(full), self.no_water_pressure_m + 0.1)

    @property
    def pda(self) -> PdaSettings:
        """The pressure-driven demand of the study runs (the model's exponent kept)."""
        return PdaSettings(self.no_water_pressure_m, self.required_pressure_m, None)
