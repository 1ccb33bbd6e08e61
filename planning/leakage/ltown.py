"""Worked example: L-Town (BattLeDIM 2020) with its 2019 leaks, leakage and rate by month.

Exports :func:`read_battledim_leaks`, :func:`leak_schedule`, :func:`add_orifice_leaks`,
:func:`ltown_zones`, :func:`ltown_monthly`, :class:`LtownExample`, and the default paths
:data:`LTOWN_NETWORK` and :data:`LTOWN_LEAKS` (copies under ``scenarios/leakage/``, CC BY 4.0,
see the ATTRIBUTION file there). The command ``python -m planning.leakage ltown-example``
calls :func:`ltown_monthly` and writes its tables and plot.

Method (documented in docs/leakage.md)
--------------------------------------
- Each listed leak is an orifice at a new junction in the middle of its pipe (the pipe is
  split in two, as the BattLeDIM generator does), ``Q = Cd A sqrt(2 g p)`` with Cd = 0.75
  (the generator's value) and ``A = pi d^2 / 4`` from the listed diameter d.
- Times: the listed end time is the last 5-minute step with the leak, so the leak stops one
  step (300 s) later. *Abrupt* leaks have their full area from the start time.
  *Incipient* leaks grow as the generator makes them: the diameter rises linearly from 0 at
  the start time to d at the peak time, so the area grows with the square of time; after
  the peak it stays full. Growth is approximated by steps: in each simulated chunk (at
  most ``chunk_days``, 7 by default) a leak has one area, the time-mean of its area over
  the part of the chunk in which it is active (so the chunk's leaked volume matches the
  growth curve at the chunk's pressure).
- The year is simulated chunk by chunk at the INP's 5-minute hydraulic and report step
  (chunks never cross a month end); each chunk starts from the tank level and pump status
  at the end of the previous one. Demand patterns repeat weekly in the INP; pattern time 0
  is 2019-01-01 00:00.
- ``sample_days=k`` simulates only k days from the middle of each month (day 15 onwards)
  and scales the volumes to the month: much faster, but leaks that are not active in the
  sample window are missed and growth is frozen at the window's mean.
"""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import models
from simulation import NumbaSimulator

from ..inputfiles import InputFileError, read_text
from .balance import NETWORK, water_balance
from .errors import LeakageInputError, file_error
from .zones import Zones, zones_from_boundaries

_REPO = Path(__file__).resolve().parents[2]
LTOWN_NETWORK = _REPO / "scenarios" / "leakage" / "ltown_battledim.inp"
"""L-Town (BattLeDIM 2020) network, a copy of tests/data/networks/ltown_battledim.inp."""
LTOWN_LEAKS = _REPO / "scenarios" / "leakage" / "ltown_leaks_2019.yalm"
"""BattLeDIM 2019 evaluation leaks (``leakages_2019_evaluation.yalm``)."""
LEAK_STEP_S = 300
"""Time step of the leak list (5 minutes): a listed end time is the last step with the leak."""
DISCHARGE_COEFF = 0.75
"""Orifice discharge coefficient used by the BattLeDIM dataset generator."""
LTOWN_ZONE_NODES = {"R1": "A", "n226": "B", "T1": "C"}
"""A node in each L-Town area: A (fed by the reservoirs through PRV-1/PRV-2), B (behind
PRV-3) and C (above the pump PUMP_1, with tank T1)."""
LTOWN_BOUNDARY = ("PRV-3", "PUMP_1")


def _parse_time(text: str, where: str, field: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text.strip())
    except (ValueError, TypeError):
        raise LeakageInputError(f"{text.strip()!r} is not a date and time (YYYY-MM-DD HH:MM)",
                                source=where, field=field) from None


def read_battledim_leaks(path: str | Path = LTOWN_LEAKS) -> pd.DataFrame:
    """Read a BattLeDIM leak list (``linkID, startTime, endTime, leakDiameter (m),
    leakType, peakTime`` per line; ``#`` comments and YAML ``- `` prefixes allowed, lines
    without a comma skipped, so a ``dataset_configuration_*.yalm`` file reads too).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    pandas.DataFrame
        Columns ``pipe``, ``start``, ``end`` (last step with the leak), ``diameter_m``,
        ``leak_type`` (``"incipient"`` or ``"abrupt"``), ``peak``; one row per leak.

    Raises
    ------
    LeakageInputError
        Naming the file and line: wrong number of fields, bad time, diameter or type.
    """
    path = Path(path)
    rows = []
    try:
        text = read_text(path)
    except InputFileError as exc:
        raise file_error(exc) from None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("-"):
            line = line[1:].strip()
        if not line or line.startswith("#") or "," not in line:
            continue  # comments, YAML keys, sensor lists: only leak lines have commas
        where = f"{path.name}, line {n}"
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 6:
            raise LeakageInputError(f"{len(parts)} fields; a leak line has 6 (linkID, "
                                    "startTime, endTime, leakDiameter, leakType, peakTime)",
                                    source=where)
        pipe, start, end, diameter, kind, peak = parts
        try:
            d = float(diameter)
        except ValueError:
            raise LeakageInputError(f"{diameter!r} is not a number", source=where,
                                    field="leakDiameter") from None
        if not (math.isfinite(d) and d > 0):
            raise LeakageInputError(f"{d!r} must be > 0 m", source=where, field="leakDiameter")
        if kind.lower() not in ("incipient", "abrupt"):
            raise LeakageInputError(f"{kind!r} is not 'incipient' or 'abrupt'", source=where,
                                    field="leakType")
        t0 = _parse_time(start, where, "startTime")
        t1 = _parse_time(end, where, "endTime")
        tp = _parse_time(peak, where, "peakTime")
        if t1 < t0:
            raise LeakageInputError("ends before it starts", source=where, field="endTime")
        rows.append({"pipe": pipe, "start": t0, "end": t1, "diameter_m": d,
                     "leak_type": kind.lower(), "peak": tp})
    return pd.DataFrame(rows, columns=["pipe", "start", "end", "diameter_m", "leak_type",
                                       "peak"])


def _mean_growth(t0: float, tp: float, a: float, b: float) -> float:
    """Mean over [a, b) of ((t - t0) / (tp - t0))^2 clipped to [0, 1] (t0 <= a < b)."""
    if tp <= t0 or a >= tp:
        return 1.0
    span = tp - t0
    ramp_end = min(b, tp)
    x1, x2 = (a - t0) / span, (ramp_end - t0) / span
    ramp = (x2 ** 3 - x1 ** 3) * span / 3.0
    flat = max(0.0, b - tp)
    return (ramp + flat) / (b - a)


def leak_schedule(leaks: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The leaks active in ``[start, end)``, with their times and area there.

    Parameters
    ----------
    leaks : pandas.DataFrame
        From :func:`read_battledim_leaks`.
    start, end : pandas.Timestamp
        The simulated window.

    Returns
    -------
    pandas.DataFrame
        Columns ``pipe``, ``leak_type``, ``start_s`` and ``end_s`` (active part, s from
        ``start``), ``area_m2`` (time-mean area over the active part; see the module
        docstring), ``full_area_m2``.
    """
    rows = []
    w0, w1 = start.value / 1e9, end.value / 1e9
    for leak in leaks.itertuples(index=False):
        t0 = leak.start.value / 1e9
        t1 = leak.end.value / 1e9 + LEAK_STEP_S
        a, b = max(t0, w0), min(t1, w1)
        if b <= a:
            continue
        full = math.pi * leak.diameter_m ** 2 / 4.0
        growth = 1.0
        if leak.leak_type == "incipient":
            growth = _mean_growth(t0, leak.peak.value / 1e9, a, b)
        rows.append({"pipe": leak.pipe, "leak_type": leak.leak_type, "start_s": a - w0,
                     "end_s": b - w0, "area_m2": full * growth, "full_area_m2": full})
    return pd.DataFrame(rows, columns=["pipe", "leak_type", "start_s", "end_s", "area_m2",
                                       "full_area_m2"])


def add_orifice_leaks(net, schedule: pd.DataFrame,
                      discharge_coeff: float = DISCHARGE_COEFF) -> models.Network:
    """A new network with an orifice leak in the middle of each scheduled pipe.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    schedule : pandas.DataFrame
        From :func:`leak_schedule` (``pipe``, ``start_s``, ``end_s``, ``area_m2``).
    discharge_coeff : float
        Cd of every orifice.

    Returns
    -------
    models.Network
        Pipe ``p`` is split into ``p`` and ``p_Bleak`` at a new junction ``p_leaknode``
        (the BattLeDIM names) carrying a WNTR ``add_leak`` with the scheduled area and
        times; the new pipe keeps ``p``'s leakage per 100 m.
    """
    import wntr

    base = net if isinstance(net, models.Network) else models.Network.from_wn(net)
    out = base.copy()
    wn = out.wn
    extra = []
    for i, row in enumerate(schedule.itertuples(index=False), start=1):
        if row.pipe not in wn.pipe_name_list:
            raise LeakageInputError(f"{row.pipe!r} is not a pipe of the network",
                                    source="leak schedule", row=i, field="pipe")
        if f"{row.pipe}_leaknode" in wn.node_name_list:
            raise LeakageInputError(f"two leaks on pipe {row.pipe!r} in one run",
                                    source="leak schedule", row=i, field="pipe")
        node, new_pipe = f"{row.pipe}_leaknode", f"{row.pipe}_Bleak"
        wntr.morph.split_pipe(wn, row.pipe, new_pipe, node, return_copy=False)
        wn.get_node(node).add_leak(wn, area=float(row.area_m2), discharge_coeff=discharge_coeff,
                                   start_time=int(round(row.start_s)),
                                   end_time=int(round(row.end_s)))
        if row.pipe in out.pipe_leakage.index:
            extra.append(out.pipe_leakage.loc[[row.pipe]].rename(index={row.pipe: new_pipe}))
    if extra:
        out.pipe_leakage = pd.concat([out.pipe_leakage, *extra]).rename_axis("pipe")
    return out


def ltown_zones(net) -> Zones:
    """L-Town's three areas A, B, C (zones cut at PRV-3 and PUMP_1; see
    :data:`LTOWN_ZONE_NODES`)."""
    return zones_from_boundaries(net, LTOWN_BOUNDARY, LTOWN_ZONE_NODES)


@dataclass(frozen=True)
class LtownExample:
    """Result of :func:`ltown_monthly`.

    Attributes
    ----------
    monthly : pandas.DataFrame
        Index ``month`` (``"2019-01"`` ...): ``days``, ``days_simulated``,
        ``supplied_m3``, ``registered_m3``, ``leakage_m3``, ``leakage_m3_per_d``,
        ``gross_loss_rate_pct`` (CJJ 92 综合漏损率 R_WL),
        ``leaks_active`` (leaks active at some time in the month), ``runs`` (simulations).
    by_zone : pandas.DataFrame
        Index ``month``; leakage per area (A, B, C), m3.
    leaks : pandas.DataFrame
        The leak list used.
    notes : tuple of str
    """

    monthly: pd.DataFrame
    by_zone: pd.DataFrame
    leaks: pd.DataFrame
    notes: tuple[str, ...]


def _chunks(year: int, month: int, chunk_days: int, sample_days: int | None):
    days = calendar.monthrange(year, month)[1]
    first = pd.Timestamp(year=year, month=month, day=1)
    if sample_days:
        k = min(sample_days, days)
        start = first + pd.Timedelta(days=min(14, days - k))
        return days, [(start, start + pd.Timedelta(days=k))], days / k
    out, day = [], 0
    while day < days:
        n = min(chunk_days, days - day)
        out.append((first + pd.Timedelta(days=day), first + pd.Timedelta(days=day + n)))
        day += n
    return days, out, 1.0


def _carry(wn, state: dict) -> None:
    for name, level in state.get("tanks", {}).items():
        tank = wn.get_node(name)
        tank.init_level = float(min(max(level, tank.min_level), tank.max_level))
    for name, is_open in state.get("pumps", {}).items():
        pump = wn.get_link(name)
        pump.initial_status = "Open" if is_open else "Closed"


def _end_state(wn, results) -> dict:
    pressure = results.node["pressure"]
    status = results.link["status"]
    return {"tanks": {t: float(pressure[t].iloc[-1]) for t in wn.tank_name_list},
            "pumps": {p: bool(status[p].iloc[-1] > 0) for p in wn.pump_name_list}}


def ltown_monthly(net: models.Network | None = None, leaks: pd.DataFrame | None = None, *,
                  year: int = 2019, months: Iterable[int] = range(1, 13),
                  chunk_days: int = 7, sample_days: int | None = None,
                  discharge_coeff: float = DISCHARGE_COEFF,
                  progress: Callable[[str], None] | None = None) -> LtownExample:
    """Simulate L-Town with its leaks and tabulate leakage and leakage rate by month.

    Parameters
    ----------
    net : models.Network, optional
        Default: :data:`LTOWN_NETWORK`. Its own pipe leakage (if any) adds background
        leakage.
    leaks : pandas.DataFrame, optional
        Default: :func:`read_battledim_leaks` of :data:`LTOWN_LEAKS`.
    year : int
    months : iterable of int
        Months to simulate (1..12); with ``sample_days=None`` they run in order and carry
        tank levels and pump statuses across month ends.
    chunk_days : int
        Longest simulated run (days); an incipient leak's area is constant within one.
    sample_days : int, optional
        Simulate only this many days per month and scale to the month (quick look).
    discharge_coeff : float
    progress : callable, optional
        Called with a line of text after each month.

    Returns
    -------
    LtownExample
    """
    if chunk_days < 1:
        raise LeakageInputError("must be >= 1", field="chunk_days")
    if sample_days is not None and sample_days < 1:
        raise LeakageInputError("must be >= 1", field="sample_days")
    net = net if net is not None else models.load_network(LTOWN_NETWORK)
    leaks = leaks if leaks is not None else read_battledim_leaks(LTOWN_LEAKS)
    step = int(net.wn.options.time.hydraulic_timestep)
    origin = pd.Timestamp(year=year, month=1, day=1)
    state: dict = {}
    monthly, by_zone = {}, {}
    for month in months:
        t_month = time.perf_counter()
        days, chunks, scale = _chunks(year, int(month), chunk_days, sample_days)
        totals = dict.fromkeys(("supplied_m3", "registered_m3", "leakage_m3"), 0.0)
        zone_totals: dict[str, float] = {}
        active = set()
        for start, end in chunks:
            schedule = leak_schedule(leaks, start, end)
            active.update(schedule["pipe"])
            case = add_orifice_leaks(net, schedule, discharge_coeff)
            opts = case.wn.options.time
            opts.duration = int((end - start).total_seconds())
            opts.report_timestep = step
            opts.report_start = 0
            opts.pattern_start = int((start - origin).total_seconds())
            opts.start_clocktime = 0
            if sample_days is None:
                _carry(case.wn, state)
            results = NumbaSimulator(case).run_sim()
            state = _end_state(case.wn, results)
            balance = water_balance(case, results, ltown_zones(case))
            for key in totals:
                totals[key] += float(balance.loc[NETWORK, key]) * scale
            for zone, value in balance["leakage_m3"].drop(NETWORK).items():
                zone_totals[zone] = zone_totals.get(zone, 0.0) + float(value) * scale
        label = f"{year}-{int(month):02d}"
        sim_days = sum((e - s).total_seconds() for s, e in chunks) / 86400.0
        supplied = totals["supplied_m3"]
        monthly[label] = {
            "days": days, "days_simulated": sim_days, **totals,
            "leakage_m3_per_d": totals["leakage_m3"] / days,
            "gross_loss_rate_pct": (100.0 * (supplied - totals["registered_m3"]) / supplied
                                    if supplied else np.nan),
            "leaks_active": len(active), "runs": len(chunks),
        }
        by_zone[label] = zone_totals
        if progress:
            row = monthly[label]
            progress(f"{label}: leakage {row['leakage_m3']:,.0f} m3 "
                     f"(R_WL {row['gross_loss_rate_pct']:.2f} %), {len(active)} leaks, "
                     f"{time.perf_counter() - t_month:.1f} s")
    monthly_df = pd.DataFrame.from_dict(monthly, orient="index").rename_axis("month")
    zone_df = pd.DataFrame.from_dict(by_zone, orient="index").rename_axis("month").fillna(0.0)
    zone_df = zone_df.add_prefix("leakage_m3_")
    notes = (
        f"Orifice leaks, Cd {discharge_coeff:g}, area from the listed diameter; incipient "
        f"leaks grow (diameter linear in time to the peak), one area per run of at most "
        f"{chunk_days} days (time-mean area).",
        "5-minute hydraulic steps; weekly demand patterns from the INP, pattern time 0 = "
        f"{year}-01-01 00:00.",
        ("Every day simulated; tank level and pump status carried between runs."
         if sample_days is None else
         f"Only {sample_days} day(s) from the 15th of each month simulated, scaled to the "
         "month: leaks not active then are missed."),
    )
    return LtownExample(monthly_df, zone_df, leaks, notes)
