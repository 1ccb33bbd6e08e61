"""Leakage rates by CJJ 92-2016 (2018 revision): gross loss rate, corrections, grade, NRW.

Exports :class:`Cjj92Inputs`, :class:`Cjj92Result`, :func:`cjj92_assess`,
:func:`r1_pct`, :func:`r2_pct`, :func:`r3_pct`, :func:`r4_pct`,
:func:`pipe_length_km_per_1e4_m3`, :func:`period_days`, :func:`assess_settings` (the
``leakage_settings`` study file / Leakage page fields) and the constants below.

Formulas (rates in %)
---------------------
- 综合漏损率 (comprehensive loss rate) ``R_WL = 100 (Q_s - Q_a) / Q_s``; Q_s 供水总量
  (water supplied), Q_a 注册用户用水量 (registered users' use: all authorised consumption,
  metered and unmetered). *High confidence.*
- 漏损率 (leakage rate, the assessed figure the plan's quarterly indicator means)
  ``R_BL = R_WL - (R1 + R2 + R3 + R4)``; grade 1 when ``R_BL <= 10``, grade 2 when
  ``<= 12``. *High confidence.* These two are the only rates: physical leakage of a
  simulation is reported as a volume.
- ``R1 = 8 r``: r = share of supply metered per household (抄表到户); 0 <= r <= 1.
- ``R2 = 99 (A - 0.0693)``, capped to [-3, 3]; ``A = L / Q_year`` km of DN >= 75 pipe per
  10^4 m3 supplied *per year*: a quarter's supply is annualised (``period_days``) first.
- ``R3`` = 0.5 / 1 / 2 for a mean outlet (出厂) pressure in (0.35, 0.55], (0.55, 0.75],
  above 0.75 MPa; 0 at or below 0.35 MPa.
- ``R4`` = 1 when the frost depth exceeds 1.4 m, else 0.
- non-revenue water (产销差率) ``NRW = 100 (Q_s - Q_billed) / Q_s`` (>= R_WL).

R1 to R4, the 0.0693 reference and the ±3 % cap are *medium confidence* (read from secondary
sources, not checked against the standard's own text): they are defaults, each correction
can be overridden (``r1_pct`` ... ``r4_pct``), and every result says so in ``notes``.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import pandas as pd

from simulation.standards import M_PER_MPA

from .errors import LeakageInputError

GRADE_1_MAX_PCT = 10.0
"""CJJ 92-2016 grade 1 limit of the assessed leakage rate, %."""
GRADE_2_MAX_PCT = 12.0
"""CJJ 92-2016 grade 2 limit, %."""
R2_REFERENCE_KM_PER_1E4_M3 = 0.0693
"""Reference pipe length per supplied volume in R2 (medium confidence)."""
R2_CAP_PCT = 3.0
R3_BANDS_MPA = ((0.35, 0.55, 0.5), (0.55, 0.75, 1.0), (0.75, math.inf, 2.0))
"""(lower exclusive, upper inclusive, R3 %) bands of the mean outlet pressure."""
FROST_DEPTH_LIMIT_M = 1.4
MIN_NOMINAL_DN_MM = 75
"""Pipes of nominal size DN/dn 75 and larger count for A in R2."""
MIN_DIAMETER_M = 0.075
"""Kept for callers that compare a nominal diameter in metres (DN 75)."""
NOMINAL_DN_MM = (15, 20, 25, 32, 40, 50, 63, 65, 75, 80, 90, 100, 110, 125, 140, 150, 160,
                 180, 200, 225, 250, 280, 300, 315, 350, 355, 400, 450, 500, 560, 600, 630,
                 700, 710, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400, 2600,
                 2800, 3000)
"""Nominal size classes, mm: metal pipes' DN (GB/T 1047) and plastic pipes' outside
diameter dn (GB/T 13663 PE, GB/T 10002 PVC-U), one series."""
BORE_RATIO_MIN = 0.99 * (1.0 - 2.0 / 11.0)
"""Smallest bore / nominal size of a pressure main in common use: PE SDR 11 (dn 75 ->
61.4 mm bore, dn 90 -> 73.6 mm), less 1 % because standard walls are rounded up to 0.1 mm.
Metal and thinner plastic pipes have a larger ratio."""


def nominal_dn_mm(internal_diameter_m):
    """Nominal size class of a pipe from the internal diameter a model holds, mm.

    The largest class N of :data:`NOMINAL_DN_MM` whose thickest-walled common bore
    (N x :data:`BORE_RATIO_MIN`, PE SDR 11) still fits: a PE dn75 SDR 11 main (61.4 mm bore)
    is class 75 and a dn90 (73.6 mm) class 90, where the bore itself is below 75 mm. A
    metal DN65 (68.8 mm bore) also reaches class 80: give the real classes
    (``nominal_dn_mm=`` of :func:`planning.leakage.dn75_length_km`) where the GIS has them.

    Parameters
    ----------
    internal_diameter_m : float or array-like
        m.

    Returns
    -------
    numpy.ndarray or float
        mm (0 below the smallest class).
    """
    import numpy as np

    d_mm = np.asarray(internal_diameter_m, dtype=float) * 1000.0
    classes = np.asarray(NOMINAL_DN_MM, dtype=float)
    k = np.searchsorted(classes * BORE_RATIO_MIN, d_mm + 1e-6, side="right") - 1
    out = np.where(k >= 0, classes[np.clip(k, 0, None)], 0.0)
    return float(out) if out.ndim == 0 else out
MPA_PER_M = 1.0 / M_PER_MPA
"""Pressure of one metre of water head, MPa (0.1 MPa is about 10.2 m)."""
CONFIDENCE_NOTE = ("R1-R4 corrections (CJJ 92-2016) are medium-confidence defaults: check them "
                   "against the standard and override r1_pct..r4_pct where they differ.")


def r1_pct(household_metered_share: float) -> float:
    """R1 = 8 r (%), r = share of supply metered per household (0..1)."""
    return 8.0 * household_metered_share


def pipe_length_km_per_1e4_m3(dn75_length_km: float, supplied_m3: float,
                              period_days: float = 365.0) -> float:
    """A in R2: km of DN >= 75 pipe per 10^4 m3 of *annual* supply.

    Parameters
    ----------
    dn75_length_km : float
        Length of pipes of DN 75 and larger, km.
    supplied_m3 : float
        Supply over the period, m3.
    period_days : float
        Length of the period, days; the supply is scaled to 365 days.
    """
    annual_1e4_m3 = supplied_m3 * 365.0 / period_days / 1e4
    return dn75_length_km / annual_1e4_m3 if annual_1e4_m3 > 0 else math.nan


def r2_pct(a_km_per_1e4_m3: float) -> float:
    """R2 = 99 (A - 0.0693) (%), capped to [-3, 3]."""
    value = 99.0 * (a_km_per_1e4_m3 - R2_REFERENCE_KM_PER_1E4_M3)
    return max(-R2_CAP_PCT, min(R2_CAP_PCT, value))


def r3_pct(mean_outlet_pressure_mpa: float) -> float:
    """R3 (%) from the mean outlet pressure (MPa): 0, 0.5, 1 or 2."""
    for lo, hi, value in R3_BANDS_MPA:
        if lo < mean_outlet_pressure_mpa <= hi:
            return value
    return 0.0


def r4_pct(frost_depth_m: float) -> float:
    """R4 = 1 % when the frost depth exceeds 1.4 m."""
    return 1.0 if frost_depth_m > FROST_DEPTH_LIMIT_M else 0.0


def _check(name: str, value, *, minimum=0.0, maximum=None, optional=False):
    if value is None:
        if optional:
            return None
        raise LeakageInputError("is required", source="indicator inputs", field=name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise LeakageInputError(f"{value!r} is not a number", source="indicator inputs",
                                    field=name) from None
    value = float(value)
    if not math.isfinite(value):
        raise LeakageInputError(f"{value!r} is not finite", source="indicator inputs",
                                field=name)
    if minimum is not None and value < minimum:
        raise LeakageInputError(f"{value:g} is below {minimum:g}", source="indicator inputs",
                                field=name)
    if maximum is not None and value > maximum:
        raise LeakageInputError(f"{value:g} is above {maximum:g}", source="indicator inputs",
                                field=name)
    return value


@dataclass(frozen=True)
class Cjj92Inputs:
    """What CJJ 92-2016 needs for one period and one network (or zone).

    Parameters
    ----------
    supplied_m3 : float
        Q_s, water supplied over the period, m3 (> 0).
    registered_m3 : float
        Q_a, 注册用户用水量: registered users' use, m3 (all authorised consumption,
        metered and unmetered).
    billed_m3 : float, optional
        Billed consumption, m3, for non-revenue water (NaN without it).
    household_metered_share : float
        r in R1, 0..1 (default 0: no correction).
    dn75_length_km : float, optional
        Length of DN >= 75 pipes, km, for A in R2 (R2 = 0 without it).
    mean_outlet_pressure_mpa : float, optional
        Mean outlet pressure of the supply points, MPa, for R3 (R3 = 0 without it).
    frost_depth_m : float
        For R4 (default 0: Kunming's ground does not freeze that deep).
    period_days : float
        Length of the period, days; A in R2 uses the annualised supply.
    r1_pct, r2_pct, r3_pct, r4_pct : float, optional
        Overrides of the computed corrections, %.

    Raises
    ------
    LeakageInputError
        Naming the field: negative or non-numeric values, r outside 0..1, no supply.
    """

    supplied_m3: float
    registered_m3: float
    billed_m3: float | None = None
    household_metered_share: float = 0.0
    dn75_length_km: float | None = None
    mean_outlet_pressure_mpa: float | None = None
    frost_depth_m: float = 0.0
    period_days: float = 365.0
    r1_pct: float | None = None
    r2_pct: float | None = None
    r3_pct: float | None = None
    r4_pct: float | None = None

    def __post_init__(self) -> None:
        checks = {
            "supplied_m3": {}, "registered_m3": {}, "billed_m3": {"optional": True},
            "household_metered_share": {"maximum": 1.0},
            "dn75_length_km": {"optional": True}, "mean_outlet_pressure_mpa": {"optional": True},
            "frost_depth_m": {}, "period_days": {},
            "r1_pct": {"optional": True, "minimum": None},
            "r2_pct": {"optional": True, "minimum": None},
            "r3_pct": {"optional": True, "minimum": None},
            "r4_pct": {"optional": True, "minimum": None},
        }
        for name, kw in checks.items():
            object.__setattr__(self, name, _check(name, getattr(self, name), **kw))
        if self.supplied_m3 <= 0:
            raise LeakageInputError("must be > 0", source="indicator inputs",
                                    field="supplied_m3")
        if self.period_days <= 0:
            raise LeakageInputError("must be > 0", source="indicator inputs",
                                    field="period_days")


@dataclass(frozen=True)
class Cjj92Result:
    """Rates of one period (all in %).

    Attributes
    ----------
    inputs : Cjj92Inputs
    gross_loss_rate_pct : float
        R_WL, 综合漏损率 (comprehensive loss rate).
    a_km_per_1e4_m3 : float
        A in R2 (NaN without the pipe length).
    r1_pct, r2_pct, r3_pct, r4_pct : float
        Corrections (computed or overridden).
    corrections_pct : float
        R1 + R2 + R3 + R4.
    assessed_rate_pct : float
        R_BL = R_WL - corrections, 漏损率 (leakage rate).
    nrw_pct : float
        Non-revenue water (NaN without billed consumption).
    grade : int or None
        1, 2, or None above grade 2.
    verdict : str
    notes : tuple of str
        Which corrections were overridden or not applied, and the confidence note.
    """

    inputs: Cjj92Inputs
    gross_loss_rate_pct: float
    a_km_per_1e4_m3: float
    r1_pct: float
    r2_pct: float
    r3_pct: float
    r4_pct: float
    corrections_pct: float
    assessed_rate_pct: float
    nrw_pct: float
    grade: int | None
    verdict: str
    notes: tuple[str, ...] = field(default=())

    def to_series(self) -> pd.Series:
        """Inputs and rates as one Series (a row of a report table)."""
        overrides = ("r1_pct", "r2_pct", "r3_pct", "r4_pct")
        data = {k: v for k, v in asdict(self.inputs).items() if k not in overrides}
        data.update({k: getattr(self, k) for k in (
            "gross_loss_rate_pct", "a_km_per_1e4_m3", "r1_pct", "r2_pct", "r3_pct", "r4_pct",
            "corrections_pct", "assessed_rate_pct", "nrw_pct", "grade", "verdict")})
        data["notes"] = " ".join(self.notes)
        return pd.Series(data)


def grade_of(assessed_rate_pct: float) -> tuple[int | None, str]:
    """(grade, verdict) of an assessed leakage rate R_BL (%)."""
    if assessed_rate_pct <= GRADE_1_MAX_PCT:
        return 1, f"grade 1 (漏损率 R_BL {assessed_rate_pct:.2f} % <= {GRADE_1_MAX_PCT:g} %)"
    if assessed_rate_pct <= GRADE_2_MAX_PCT:
        return 2, f"grade 2 (漏损率 R_BL {assessed_rate_pct:.2f} % <= {GRADE_2_MAX_PCT:g} %)"
    return None, (f"above grade 2 (漏损率 R_BL {assessed_rate_pct:.2f} % > "
                  f"{GRADE_2_MAX_PCT:g} %)")


def cjj92_assess(inputs: Cjj92Inputs) -> Cjj92Result:
    """Gross and assessed leakage rates, corrections, grade and NRW of one period.

    Parameters
    ----------
    inputs : Cjj92Inputs

    Returns
    -------
    Cjj92Result
    """
    i = inputs
    notes = []
    r_wl = 100.0 * (i.supplied_m3 - i.registered_m3) / i.supplied_m3
    if i.registered_m3 > i.supplied_m3:
        notes.append("registered consumption exceeds supply (negative loss rate).")
    r1 = r1_pct(i.household_metered_share)
    if i.r1_pct is not None:
        r1 = i.r1_pct
        notes.append("R1 overridden.")
    a = math.nan
    if i.dn75_length_km is not None:
        a = pipe_length_km_per_1e4_m3(i.dn75_length_km, i.supplied_m3, i.period_days)
    r2 = 0.0 if math.isnan(a) else r2_pct(a)
    if i.r2_pct is not None:
        r2 = i.r2_pct
        notes.append("R2 overridden.")
    elif i.dn75_length_km is None:
        notes.append("R2 not applied (no DN>=75 pipe length).")
    r3 = 0.0 if i.mean_outlet_pressure_mpa is None else r3_pct(i.mean_outlet_pressure_mpa)
    if i.r3_pct is not None:
        r3 = i.r3_pct
        notes.append("R3 overridden.")
    elif i.mean_outlet_pressure_mpa is None:
        notes.append("R3 not applied (no outlet pressure).")
    r4 = r4_pct(i.frost_depth_m) if i.r4_pct is None else i.r4_pct
    if i.r4_pct is not None:
        notes.append("R4 overridden.")
    total = r1 + r2 + r3 + r4
    r_bl = r_wl - total
    nrw = math.nan
    if i.billed_m3 is not None:
        nrw = 100.0 * (i.supplied_m3 - i.billed_m3) / i.supplied_m3
        if i.billed_m3 > i.registered_m3:
            notes.append("billed exceeds registered consumption: NRW is below R_WL.")
    grade, verdict = grade_of(r_bl)
    notes.append(CONFIDENCE_NOTE)
    return Cjj92Result(i, r_wl, a, r1, r2, r3, r4, total, r_bl, nrw, grade, verdict,
                       tuple(notes))


_PERIOD = re.compile(r"^\s*(\d{4})(?:\s*-\s*(?:(Q[1-4])|H([12])|(\d{1,2})))?\s*$", re.I)


def period_days(label: str) -> float | None:
    """Days in a period label: ``"2025"``, ``"2025-Q1"``, ``"2025-H2"``, ``"2025-03"``.

    Returns
    -------
    float or None
        None when the label is not one of these forms.
    """
    m = _PERIOD.match(label or "")
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(2)[1])
        months = range(3 * q - 2, 3 * q + 1)
    elif m.group(3):
        h = int(m.group(3))
        months = range(6 * h - 5, 6 * h + 1)
    elif m.group(4):
        month = int(m.group(4))
        if not 1 <= month <= 12:
            return None
        months = range(month, month + 1)
    else:
        months = range(1, 13)
    return float(sum(calendar.monthrange(year, mo)[1] for mo in months))


def assess_settings(settings: Mapping) -> Cjj92Result:
    """Assess the fields of a ``leakage_settings`` study (the Leakage page's inputs).

    Parameters
    ----------
    settings : mapping
        Keys as in ``scenarios/demo/leakage_settings.yaml``: ``period`` (e.g.
        ``"2025-Q1"``; sets ``period_days`` for A, 365 when not recognised),
        ``supplied_m3``, ``registered_m3``, ``billed_m3`` (optional),
        ``household_metered_share``, ``dn75_length_km``, ``mean_outlet_pressure_mpa``,
        ``frost_depth_m``; optionally ``period_days`` and ``r1_pct`` ... ``r4_pct``. Other
        keys (``kind``, ``name``, ...) are ignored; ``None`` values count as not given.

    Returns
    -------
    Cjj92Result

    Raises
    ------
    LeakageInputError
        Field ``period``: blank or not a recognised label, when ``period_days`` is not
        given either (a quarter's supply taken as a year's would put A in R2 off fourfold).
    """
    keys = ("supplied_m3", "registered_m3", "billed_m3", "household_metered_share",
            "dn75_length_km", "mean_outlet_pressure_mpa", "frost_depth_m", "period_days",
            "r1_pct", "r2_pct", "r3_pct", "r4_pct")
    kw = {k: settings[k] for k in keys if settings.get(k) is not None}
    if "period_days" not in kw:
        days = period_days(str(settings.get("period") or ""))
        if days is None:
            raise LeakageInputError(
                f"{settings.get('period')!r} is not a period: give the year, quarter, half "
                "or month the volumes cover (2025, 2025-Q1, 2025-H2, 2025-03), or "
                "period_days", source="indicator inputs", field="period")
        kw["period_days"] = days
    return cjj92_assess(Cjj92Inputs(**kw))
