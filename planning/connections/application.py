"""An application for a new service connection, and the standards it is checked against.

Exports :class:`Application`, :data:`CUSTOMER_CLASSES`, :func:`class_pattern`,
:func:`required_head_m`, :data:`STANDARD_METER_DN`, :data:`METER_Q3_M3H` and
:data:`MAX_DEMAND_M3S`. Used by every other module of the package; nothing here needs a
network (checks that do, such as "is the location inside the network", are in :mod:`.tap`).

Every value an :class:`Application` holds is checked when it is built: a bad one raises
:class:`~planning.connections.errors.ConnectionInputError` naming the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from .errors import ConnectionInputError

STANDARD_METER_DN = (15, 20, 25, 32, 40, 50, 65, 80, 100, 125, 150, 200, 250, 300)
"""Nominal sizes (mm) of water meters accepted in an application."""

METER_Q3_M3H = {15: 2.5, 20: 4.0, 25: 6.3, 32: 10.0, 40: 16.0, 50: 25.0, 65: 40.0, 80: 63.0,
                100: 100.0, 125: 160.0, 150: 250.0, 200: 400.0, 250: 630.0, 300: 1000.0}
"""Permanent flow Q3 (m3/h) of a typical meter of each size (GB/T 778.1 / ISO 4064 series;
typical catalogue values, medium confidence). A customer whose peak hour exceeds it gets a
warning that the meter is undersized."""

MAX_DEMAND_M3S = 0.5
"""Largest mean demand one application may ask for, m3/s (500 L/s, 43,200 m3/d: more than a
large district). Anything above is taken for a unit mistake and refused."""

MAX_STOREYS = 200
"""Storeys above this are refused as a typing mistake."""

_RAW_PATTERNS = {
    # hour:  0     1     2     3     4     5     6     7     8     9    10    11
    #       12    13    14    15    16    17    18    19    20    21    22    23
    "residential": (0.45, 0.35, 0.30, 0.30, 0.35, 0.60, 1.20, 1.70, 1.50, 1.15, 1.05, 1.10,
                    1.20, 1.05, 0.90, 0.85, 0.95, 1.20, 1.55, 1.75, 1.60, 1.30, 0.95, 0.65),
    "commercial": (0.30, 0.25, 0.25, 0.25, 0.30, 0.40, 0.70, 1.10, 1.50, 1.60, 1.60, 1.65,
                   1.60, 1.50, 1.45, 1.40, 1.35, 1.30, 1.20, 1.10, 0.90, 0.70, 0.50, 0.35),
    "industrial": (0.50, 0.50, 0.50, 0.50, 0.50, 0.50, 1.20, 1.25, 1.25, 1.25, 1.25, 1.20,
                   1.10, 1.20, 1.25, 1.25, 1.25, 1.20, 1.20, 1.20, 1.15, 1.10, 0.60, 0.50),
    "public": (0.30, 0.30, 0.30, 0.30, 0.30, 0.35, 0.60, 1.20, 1.70, 1.75, 1.70, 1.60,
               1.50, 1.60, 1.65, 1.60, 1.50, 1.20, 0.80, 0.60, 0.50, 0.40, 0.35, 0.30),
}

CUSTOMER_CLASSES = tuple(_RAW_PATTERNS)
"""Customer classes, each with a default daily pattern (:func:`class_pattern`):

``residential``
    Homes: morning peak 07:00-09:00 (1.7x the mean), evening peak 18:00-21:00 (1.75x),
    night minimum about 0.3x.
``commercial``
    Shops, offices, hotels, restaurants: business hours 08:00-19:00 (1.5-1.65x).
``industrial``
    Two shifts 06:00-22:00 at about 1.2x, night 0.5x (process water runs on).
``public``
    Schools, hospitals, government: daytime 07:00-17:00 (up to 1.75x), night 0.3x.

All four are illustrative shapes (not measured in Kunming); each is scaled to mean 1 so that
an application's demand is its daily mean. Replace them with a measured pattern per
application (``Application.pattern``).
"""

BUSINESS_CLASSES = ("commercial", "industrial")
"""Classes counted as market-entity (business) users: the "350" service and the median
connection-time target (plan §2) apply to them."""

_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,20}$")


def class_pattern(customer_class: str) -> np.ndarray:
    """Default hourly pattern of a customer class (24 multipliers, mean 1).

    Parameters
    ----------
    customer_class : str
        One of :data:`CUSTOMER_CLASSES`.

    Returns
    -------
    numpy.ndarray, shape (24,)
        Multiplier of the daily mean demand for each clock hour 00:00-23:00.
    """
    try:
        raw = np.array(_RAW_PATTERNS[customer_class], dtype=float)
    except KeyError:
        raise ConnectionInputError(
            "customer_class", f"{customer_class!r} is not a customer class; use one of "
            f"{', '.join(CUSTOMER_CLASSES)}") from None
    return raw / raw.mean()


def required_head_m(storeys: int) -> float:
    """Minimum service head at the connection for a building of ``storeys`` storeys.

    GB 50013-2018 §3.0.10: 10 m for one storey, 12 m for two, 4 m more for each further
    storey (6 storeys: 28 m).

    Parameters
    ----------
    storeys : int
        Storeys above ground (>= 1).

    Returns
    -------
    float
        Pressure head, m.
    """
    s = int(storeys)
    if s < 1:
        raise ConnectionInputError("storeys", f"must be at least 1, got {storeys!r}")
    return 10.0 if s == 1 else 12.0 + 4.0 * (s - 2)


def _finite(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConnectionInputError(name, f"must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ConnectionInputError(name, f"must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class Application:
    """An application for a new service connection (all values checked on creation).

    Give the demand as exactly one of ``demand_l_s`` or ``demand_m3_d`` (the daily *mean*;
    the pattern shapes it over the day), and the place as exactly one of a location
    (``x_m``, ``y_m``) or an existing junction (``node``).

    Parameters
    ----------
    application_id : str
        1-20 characters of letters, digits, ``_``, ``.``, ``-`` (they name the model elements
        the connection adds, e.g. ``"<id>-CUST"``).
    demand_l_s, demand_m3_d : float, optional
        Mean demand, L/s or m3/d; > 0 and at most :data:`MAX_DEMAND_M3S`.
    customer_class : str
        One of :data:`CUSTOMER_CLASSES`; gives the default pattern and whether the user is a
        business (:data:`BUSINESS_CLASSES`).
    x_m, y_m : float, optional
        Location of the customer's connection point: easting and northing in metres in the
        network's CRS (that of the :class:`gis.Placement` in use, by default
        ``gis.kunming_placement(net)``).
    node : str, optional
        An existing junction to connect at instead of a location.
    meter_dn : int
        Meter size, mm; one of :data:`STANDARD_METER_DN`. Only mains at least this wide are
        tapped, and the service line has this diameter.
    storeys : int
        Storeys of the building (>= 1); sets the required head (:func:`required_head_m`).
    required_head_m : float, optional
        Overrides the storey rule, m (>= 0).
    pattern : tuple of float, optional
        The customer's own daily pattern: n >= 1 non-negative multipliers over 24 h in equal
        steps (24 = hourly), clock time from 00:00. Scaled to mean 1.
    low_risk : bool
        Social-investment low-risk project: the "11000" fast track (plan §2).
    reserved_tap : bool
        A reserved tap exists (预留口). No external line is built.
    front_loaded : bool
        Survey, design and external-line approval were done before the formal application,
        so only "acceptance & connection" remains (plan §1).
    ready_to_connect : bool, optional
        The user confirmed the cost, the meter can be installed and no earthwork is needed.
        With a reserved tap or front-loaded service it gives connection on application
        (报装即通水, plan §2; see :attr:`on_application`). None: as ``reserved_tap`` (a
        reserved tap was taken to come with them).
    service_length_m : float, optional
        Length of the service (external) line, m; by default the distance from the location to
        the tapped main (0 with ``node`` and no length).
    elevation_m : float, optional
        Ground elevation at the customer, m; by default that of the tap.
    received_on : datetime.date, optional
        Date the application was received (deadlines count from it); today if omitted.
    applicant : str
        Free text (name, address).
    """

    application_id: str = "NEW"
    demand_l_s: float | None = None
    demand_m3_d: float | None = None
    customer_class: str = "residential"
    x_m: float | None = None
    y_m: float | None = None
    node: str | None = None
    meter_dn: int = 25
    storeys: int = 1
    required_head_m: float | None = None
    pattern: tuple[float, ...] | None = None
    low_risk: bool = False
    reserved_tap: bool = False
    front_loaded: bool = False
    ready_to_connect: bool | None = None
    service_length_m: float | None = None
    elevation_m: float | None = None
    received_on: date | None = None
    applicant: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        aid = self.application_id
        if not isinstance(aid, str) or not _ID_RE.match(aid):
            raise ConnectionInputError(
                "application_id", f"{aid!r} must be 1-20 letters, digits, '_', '.' or '-'")
        self._check_demand()
        self._check_place()
        self._check_meter_and_storeys()
        self._check_pattern()
        if self.ready_to_connect is None:
            object.__setattr__(self, "ready_to_connect", bool(self.reserved_tap))
        for name in _BOOL_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ConnectionInputError(name, f"must be true or false, got {value!r}",
                                           application_id=aid)
            object.__setattr__(self, name, bool(value))
        for name in ("service_length_m", "elevation_m", "required_head_m"):
            value = getattr(self, name)
            if value is not None:
                v = self._num(name, value)
                if name != "elevation_m" and v < 0:
                    raise ConnectionInputError(name, f"must be >= 0, got {value!r}",
                                               application_id=aid)
                object.__setattr__(self, name, v)
        if self.service_length_m is not None and self.service_length_m > 10_000:
            raise ConnectionInputError("service_length_m", "must be at most 10,000 m, got "
                                       f"{self.service_length_m!r}", application_id=aid)
        if self.received_on is not None and not isinstance(self.received_on, date):
            raise ConnectionInputError("received_on", f"must be a date, got {self.received_on!r}",
                                       application_id=aid)
        if self.customer_class not in CUSTOMER_CLASSES:
            raise ConnectionInputError(
                "customer_class", f"{self.customer_class!r} is not one of "
                f"{', '.join(CUSTOMER_CLASSES)}", application_id=aid)

    def _num(self, name: str, value: Any) -> float:
        try:
            return _finite(name, value)
        except ConnectionInputError as e:
            raise ConnectionInputError(e.field, e.message,
                                       application_id=self.application_id) from None

    def _check_demand(self) -> None:
        given = [n for n in ("demand_l_s", "demand_m3_d") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ConnectionInputError(
                "demand_l_s", "give the mean demand as exactly one of demand_l_s or demand_m3_d",
                application_id=self.application_id)
        name = given[0]
        v = self._num(name, getattr(self, name))
        object.__setattr__(self, name, v)
        if v <= 0:
            raise ConnectionInputError(name, f"must be > 0, got {v!r}",
                                       application_id=self.application_id)
        if self.demand_m3s > MAX_DEMAND_M3S:
            unit = "L/s" if name == "demand_l_s" else "m3/d"
            raise ConnectionInputError(
                name, f"{v:g} {unit} is more than {MAX_DEMAND_M3S * 1e3:g} L/s "
                f"({MAX_DEMAND_M3S * 86400:,.0f} m3/d) for one connection: check the unit",
                application_id=self.application_id)

    def _check_place(self) -> None:
        has_xy = self.x_m is not None or self.y_m is not None
        if has_xy and (self.x_m is None or self.y_m is None):
            raise ConnectionInputError("location", "give both x_m and y_m",
                                       application_id=self.application_id)
        if has_xy == (self.node is not None):
            raise ConnectionInputError(
                "location", "give exactly one of a location (x_m, y_m) or a node",
                application_id=self.application_id)
        if has_xy:
            object.__setattr__(self, "x_m", self._num("location", self.x_m))
            object.__setattr__(self, "y_m", self._num("location", self.y_m))
        elif not isinstance(self.node, str) or not self.node:
            raise ConnectionInputError("node", f"must be a junction name, got {self.node!r}",
                                       application_id=self.application_id)

    def _check_meter_and_storeys(self) -> None:
        dn = self.meter_dn
        try:
            dn_int = int(dn)
            ok = dn_int == float(dn) and dn_int in STANDARD_METER_DN
        except (TypeError, ValueError):
            ok = False
        if not ok or isinstance(dn, bool):
            raise ConnectionInputError(
                "meter_dn", f"DN {dn!r} is not a standard meter size "
                f"({', '.join(map(str, STANDARD_METER_DN))})", application_id=self.application_id)
        object.__setattr__(self, "meter_dn", dn_int)
        s = self.storeys
        try:
            s_int = int(s)
            ok = s_int == float(s) and not isinstance(s, bool)
        except (TypeError, ValueError):
            ok = False
        if not ok or s_int < 1:
            raise ConnectionInputError("storeys", f"must be a whole number >= 1, got {s!r}",
                                       application_id=self.application_id)
        if s_int > MAX_STOREYS:
            raise ConnectionInputError("storeys", f"{s_int} is more than {MAX_STOREYS}",
                                       application_id=self.application_id)
        object.__setattr__(self, "storeys", s_int)

    def _check_pattern(self) -> None:
        if self.pattern is None:
            return
        try:
            values = np.asarray([float(v) for v in self.pattern], dtype=float)
        except (TypeError, ValueError):
            raise ConnectionInputError("pattern", "must be a list of numbers",
                                       application_id=self.application_id) from None
        if (len(values) == 0 or not np.all(np.isfinite(values)) or np.any(values < 0)
                or values.mean() <= 0 or 86400 % len(values) != 0):
            raise ConnectionInputError(
                "pattern", "needs n >= 1 finite, non-negative multipliers with a positive mean, "
                "n dividing 24 h into whole seconds (24 = hourly)",
                application_id=self.application_id)
        object.__setattr__(self, "pattern", tuple(float(v) for v in values))

    # ---- derived values -----------------------------------------------------------
    @property
    def demand_m3s(self) -> float:
        """Mean demand, m3/s."""
        if self.demand_l_s is not None:
            return self.demand_l_s * 1e-3
        return self.demand_m3_d / 86400.0

    @property
    def head_required_m(self) -> float:
        """Required service head, m: ``required_head_m`` if given, else the storey rule."""
        if self.required_head_m is not None:
            return self.required_head_m
        return required_head_m(self.storeys)

    @property
    def is_business(self) -> bool:
        """True for market-entity users (:data:`BUSINESS_CLASSES`)."""
        return self.customer_class in BUSINESS_CLASSES

    def daily_pattern(self) -> np.ndarray:
        """The multipliers over 24 h (mean 1): the application's own, or its class default."""
        if self.pattern is None:
            return class_pattern(self.customer_class)
        values = np.asarray(self.pattern, dtype=float)
        return values / values.mean()

    def multiplier_at(self, clock_s: np.ndarray) -> np.ndarray:
        """Pattern multiplier at clock times ``clock_s`` (s after midnight, any day)."""
        pat = self.daily_pattern()
        step_s = 86400 // len(pat)
        k = (np.asarray(clock_s, dtype=np.int64) % 86400) // step_s
        return pat[k]

    @property
    def on_application(self) -> bool:
        """Connection on application (plan §2): front-loaded service or a reserved tap, and
        cost confirmed, meter installable, no earthwork."""
        return bool((self.reserved_tap or self.front_loaded) and self.ready_to_connect)

    def peak_demand_m3s(self) -> float:
        """Demand in the pattern's peak step, m3/s."""
        return self.demand_m3s * float(self.daily_pattern().max())

    # ---- records ----------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable) of the fields; inverse of :meth:`from_record`."""
        rec = asdict(self)
        rec["pattern"] = None if self.pattern is None else list(self.pattern)
        rec["received_on"] = None if self.received_on is None else self.received_on.isoformat()
        return rec

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, row: int | None = None) -> Application:
        """Build an application from text or plain values (a CSV row, a JSON record).

        Empty strings and NaN count as missing. Booleans accept true/false, yes/no, 1/0,
        y/n; ``pattern`` accepts numbers separated by ``;`` or spaces; ``received_on`` an
        ISO date (YYYY-MM-DD).

        Parameters
        ----------
        record : mapping
            Field name -> value; unknown keys raise.
        row : int, optional
            Batch row number put into any error.

        Raises
        ------
        ConnectionInputError
            Naming the field (and ``row``).
        """
        known = set(cls.__dataclass_fields__)
        values: dict[str, Any] = {}
        aid = record.get("application_id")
        aid = aid if isinstance(aid, str) and aid else None
        try:
            for key, raw in record.items():
                if key not in known:
                    raise ConnectionInputError(str(key), f"unknown column; known: {sorted(known)}")
                if _missing(raw):
                    continue
                values[key] = _parse_field(key, raw)
            return cls(**values)
        except ConnectionInputError as e:
            raise ConnectionInputError(e.field, e.message, row=row,
                                       application_id=e.application_id or aid) from None


_BOOL = {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False,
         "n": False, "0": False}
_BOOL_FIELDS = ("low_risk", "reserved_tap", "front_loaded", "ready_to_connect")
_FLOAT_FIELDS = ("demand_l_s", "demand_m3_d", "x_m", "y_m", "required_head_m",
                 "service_length_m", "elevation_m")


def _missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    return isinstance(raw, float) and math.isnan(raw)


def _parse_field(key: str, raw: Any) -> Any:
    text = raw.strip() if isinstance(raw, str) else raw
    if key in _BOOL_FIELDS:
        if isinstance(text, (bool, np.bool_)):
            return bool(text)
        value = _BOOL.get(str(text).lower())
        if value is None:
            raise ConnectionInputError(key, f"must be true or false, got {raw!r}")
        return value
    if key in _FLOAT_FIELDS:
        return _finite("location" if key in ("x_m", "y_m") else key, text)
    if key in ("meter_dn", "storeys"):
        v = _finite(key, text)
        if v != int(v):
            raise ConnectionInputError(key, f"must be a whole number, got {raw!r}")
        return int(v)
    if key == "pattern":
        if isinstance(text, str):
            parts = [p for p in re.split(r"[;\s]+", text) if p]
            try:
                return tuple(float(p) for p in parts)
            except ValueError:
                raise ConnectionInputError("pattern", f"not a list of numbers: {raw!r}") from None
        return text  # checked by Application
    if key == "received_on":
        if isinstance(text, date):
            return text
        try:
            return date.fromisoformat(str(text))
        except ValueError:
            raise ConnectionInputError("received_on",
                                       f"not a date (YYYY-MM-DD): {raw!r}") from None
    return str(text)
