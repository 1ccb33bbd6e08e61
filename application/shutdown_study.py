"""Shutdown jobs: the study kind, its plans, its tables and layers, and its files.

Exports :func:`parse_shutdown_jobs` (the ``shutdown_jobs`` file format), :func:`policy_of`,
:func:`job_of`, :func:`study_now`, :func:`study_items`, :class:`ShutdownInputs`,
:func:`check_shutdown_jobs`, :func:`plan_item`, :func:`run_jobs`, the tables
(:func:`summary_table`, :func:`valves_table`, :func:`affected_table`,
:func:`best_window_table`, :func:`windows_table`, :func:`notice_table`,
:func:`emergency_table`), the layers (:func:`affected_layer`, :func:`isolated_links_layer`,
:func:`valves_layer`) and :func:`write_shutdown_jobs` (what ``python -m planning run``
writes). The Shutdowns page and the CLI go through here; the numbers come from
:mod:`planning.shutdowns` (``plan_job`` for works, ``burst`` for bursts).

File format (version 1); job keys are those of ``planning.shutdowns.Job``, ``policy`` keys
scalar fields of ``planning.shutdowns.Policy``, bursts the arguments of
``planning.shutdowns.burst``::

    network: ctown_batadal.inp     # needed outside the app; the app uses its open network
    placement: placement.yaml      # optional
    valves: valves.csv             # optional valve layer (CSV or GIS file): without it a
                                   # synthetic N-1 layer is used and flagged
    customers: customers.csv       # optional accounts per junction (node,customers)
    accounts: accounts.csv         # optional billing export, one row per account
                                   # (planning.shutdowns.accounts): placed on the network,
                                   # counted per junction and named on notices
    now: "2025-06-28T09:00"        # optional: study time (notice counts from it)
    policy: {notice_h: 24, night_only: true, night_start_h: 22, night_end_h: 6}
    jobs:
      - job_id: W-2025-001
        pipe: P1
        duration_h: 6
        description: replace a valve on P1
        inoperable_valves: []
        not_before: "2025-07-01T22:00"
    bursts:
      - job_id: B-2025-001
        pipe: P100
        time: "2025-07-02T03:15"
        repair_h: 8

Times are naive local (Kunming) times, ``YYYY-MM-DDThh:mm``. Every value is checked when
the file is read; what needs the network (an unknown pipe or valve, a bad valve or customer
file) is checked by :func:`check_shutdown_jobs` and when it runs. Both raise
:class:`ScenarioFileError` naming the key, e.g. ``jobs.yaml, key 'jobs[0].pipe': no pipe
'P9' in the network``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

import gis
from application.body_keys import put, read_network, unique_id
from application.disk_names import disk_names, slug
from application.files import ENVELOPE_KEYS, Fields, ScenarioFileError, Study

SHUTDOWN_JOBS_VERSION = 1
"""Newest ``shutdown_jobs`` file version."""
SHUTDOWN_POLICY_NUMBERS = ("min_pressure_m", "no_water_pressure_m", "full_demand_pressure_m",
                           "notice_h", "horizon_days", "start_step_h", "night_start_h",
                           "night_end_h")
"""Numeric ``planning.shutdowns.Policy`` fields a file may set (plus ``night_only``)."""
NOTICE_MIN_H = 24.0
"""Least notice before a planned shutdown, h (Kunming 2023 plan §14)."""
MAX_HORIZON_DAYS = 31.0
"""Longest start search a file may ask for, days (each start is a branch of the run)."""
JOB_KEYS = ("job_id", "pipe", "duration_h", "description", "inoperable_valves", "not_before")
BURST_KEYS = ("job_id", "pipe", "time", "repair_h", "description", "inoperable_valves")
DEFAULT_REPAIR_H = 8.0
"""Repair time of a burst when the file gives none, h (``planning.shutdowns.burst``)."""
SECTIONS = ("jobs", "bursts")
INPUT_FILE_KEYS = ("valves", "customers", "accounts")
"""Body keys that name input files (valve layer, customers per junction, accounts)."""
"""Body lists that hold planned works and bursts."""
STATUS_CODES = {"supplied": 0, "below minimum": 1, "cut off": 2,
                "isolated (inoperable valve)": 3, "isolated": 4}
"""Node categories of ``Impact.node_status`` as numbers (for colour scales), least harm
first."""


# ---- the file format --------------------------------------------------------------------
def _when(f: Fields, key: str, *, required: bool) -> str | None:
    """A naive local date-time ``YYYY-MM-DDThh:mm`` (as text), checked."""
    text = f.text(key, required=required)
    if text is None or not text.strip():
        if required:
            raise f.error(key, "missing (required)")
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise f.error(key, f"not a date and time (YYYY-MM-DDThh:mm): {text!r}") from None
    if when.tzinfo is not None:
        raise f.error(key, "give local (Kunming) time without a time zone")
    return when.isoformat(timespec="minutes")


def _policy(f: Fields) -> dict[str, Any]:
    p = f.mapping("policy")
    p.only([*SHUTDOWN_POLICY_NUMBERS, "night_only"])
    policy: dict[str, Any] = {}
    for key in SHUTDOWN_POLICY_NUMBERS:
        hour = key.startswith("night_")
        value = p.number(key, required=False, minimum=0, maximum=23 if hour else None,
                         integer=hour)
        put(policy, key, value)
    if "night_only" in p.data:
        policy["night_only"] = p.flag("night_only")
    if policy.get("notice_h", NOTICE_MIN_H) < NOTICE_MIN_H:
        raise p.error("notice_h", f"planned shutdowns need at least {NOTICE_MIN_H:g} h notice "
                      f"(§14), got {policy['notice_h']:g}")
    for key in ("horizon_days", "start_step_h"):
        if key in policy and policy[key] <= 0:
            raise p.error(key, "must be > 0")
    if policy.get("horizon_days", 0) > MAX_HORIZON_DAYS:
        raise p.error("horizon_days", f"at most {MAX_HORIZON_DAYS:g} days")
    return policy


def _duration(item: Fields, key: str, *, required: bool) -> float | None:
    value = item.number(key, required=required, minimum=0)
    if value is not None and value <= 0:
        raise item.error(key, "must be > 0")
    return value


def parse_shutdown_jobs(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``shutdown_jobs`` study (see the module docstring).

    Raises
    ------
    ScenarioFileError
        Naming the key (``jobs[0].duration_h``, ``policy.notice_h``, ...).
    """
    f.only([*ENVELOPE_KEYS, "network", "placement", "valves", "customers", "accounts", "now",
            "policy", *SECTIONS])
    body: dict[str, Any] = {}
    read_network(f, body)
    for key in INPUT_FILE_KEYS:
        put(body, key, f.text(key, required=False))
    put(body, "now", _when(f, "now", required=False))
    body["policy"] = _policy(f)
    seen: set = set()
    jobs = []
    for j in f.items("jobs"):
        j.only(JOB_KEYS)
        job: dict[str, Any] = {"job_id": unique_id(j, "job_id", seen), "pipe": j.text("pipe"),
                               "duration_h": _duration(j, "duration_h", required=True)}
        put(job, "description", j.text("description", required=False))
        job["inoperable_valves"] = j.texts("inoperable_valves")
        put(job, "not_before", _when(j, "not_before", required=False))
        jobs.append(job)
    bursts = []
    for b in f.items("bursts"):
        b.only(BURST_KEYS)
        burst: dict[str, Any] = {"job_id": unique_id(b, "job_id", seen), "pipe": b.text("pipe"),
                                 "time": _when(b, "time", required=True)}
        put(burst, "repair_h", _duration(b, "repair_h", required=False))
        put(burst, "description", b.text("description", required=False))
        burst["inoperable_valves"] = b.texts("inoperable_valves")
        bursts.append(burst)
    if not jobs and not bursts:
        raise f.error("jobs", "give at least one job or burst")
    body["jobs"] = jobs
    body["bursts"] = bursts
    return body


# ---- from a body to planning.shutdowns ---------------------------------------------------
def policy_of(body: dict[str, Any]):
    """The ``planning.shutdowns.Policy`` of a study body (defaults for keys not given)."""
    from planning.shutdowns import Policy

    return Policy(**body.get("policy", {}))


def job_of(item: dict[str, Any]):
    """The ``planning.shutdowns.Job`` of one ``jobs`` item of a study body."""
    from planning.shutdowns import Job

    not_before = item.get("not_before")
    return Job(pipe=item["pipe"], duration_h=float(item["duration_h"]),
               job_id=item["job_id"], description=item.get("description", ""),
               inoperable_valves=tuple(item.get("inoperable_valves", ())),
               not_before=datetime.fromisoformat(not_before) if not_before else None)


def study_now(body: dict[str, Any]) -> datetime:
    """The study time: the body's ``now``, else the current local time to the minute."""
    now = body.get("now")
    if now:
        return datetime.fromisoformat(now)
    return datetime.now().replace(second=0, microsecond=0)


def study_items(body: dict[str, Any]) -> list[tuple[str, int]]:
    """Every job and burst of a body as ``(section, index)``: jobs first, then bursts."""
    return [(section, i) for section in SECTIONS for i in range(len(body.get(section, [])))]


@dataclass(frozen=True)
class ShutdownInputs:
    """What a study's plans share besides the network.

    Attributes
    ----------
    valves : pandas.DataFrame
        Valve layer in standard form (index ``valve``); synthetic N-1 when the study names
        no ``valves`` file (``valves["synthetic"]`` is then True everywhere).
    customers : pandas.Series or None
        Accounts by junction from the ``customers`` file; None: estimated from demand.
    valves_file, customers_file : str or None
        The files read (for captions).
    accounts : planning.shutdowns.PlacedAccounts or None
        The ``accounts`` file placed on the network (``customers`` then counts them per
        junction, 0 where none); None without one.
    accounts_file : str or None
    """

    valves: pd.DataFrame
    customers: pd.Series | None
    valves_file: str | None = None
    customers_file: str | None = None
    accounts: object = None
    accounts_file: str | None = None


def _file_error(exc, source: str | None, key: str) -> ScenarioFileError:
    """The reader's error, naming file, line and column but none of the file's cells."""
    from application.safe_paths import redact_quoted

    return ScenarioFileError(source, key, redact_quoted(str(exc), FILE_COLUMNS))


FILE_COLUMNS = ("link", "node", "valve", "operable", "synthetic", "customers", "name",
                "junction", "junctions", "valves", "id", "pipe", "position", "normal_status",
                "dn", "account_id", "address", "class", "meter_dn", "x", "y", "phone",
                "sensitive")
"""Column and layer names a valve, customer or account file is expected to have (quoted in
messages as field names; never cell values)."""


def read_inputs(opened, body: dict[str, Any], *, resolve: Callable[[str], Path] = Path,
                source: str | None = None) -> ShutdownInputs:
    """Read the body's valve layer and customer table (or make the synthetic layer).

    Raises
    ------
    ScenarioFileError
        Key ``valves`` or ``customers``: file missing, or a row the network refuses (the
        file's line and field are named in the message).
    """
    from planning.shutdowns import (
        ShutdownInputError,
        place_accounts,
        read_accounts,
        read_customers,
        read_valve_layer,
        synthetic_valve_layer,
    )

    files: dict[str, Path | None] = {}
    for key in INPUT_FILE_KEYS:
        rel = body.get(key)
        files[key] = resolve(rel) if rel else None
        if files[key] is not None and not files[key].is_file():
            raise ScenarioFileError(source, key, f"file not found: {files[key]}")
    try:
        valves = (read_valve_layer(files["valves"], opened.net) if files["valves"]
                  else synthetic_valve_layer(opened.net, 1, seed=0))
    except (ShutdownInputError, ValueError, OSError) as exc:
        raise _file_error(exc, source, "valves") from None
    try:
        customers = (read_customers(files["customers"], opened.net) if files["customers"]
                     else None)
    except (ShutdownInputError, ValueError, OSError) as exc:
        raise _file_error(exc, source, "customers") from None
    accounts = None
    if files["accounts"]:
        try:
            accounts = place_accounts(opened.net, read_accounts(files["accounts"]),
                                      opened.placement)
        except (ShutdownInputError, ValueError, OSError) as exc:
            raise _file_error(exc, source, "accounts") from None
        if customers is None:
            junctions = pd.Index(opened.net.wn.junction_name_list)
            customers = accounts.per_node().reindex(junctions, fill_value=0)
    return ShutdownInputs(valves, customers,
                          files["valves"].name if files["valves"] else None,
                          files["customers"].name if files["customers"] else None,
                          accounts, files["accounts"].name if files["accounts"] else None)


def _item_error(exc, section: str, index: int, source: str | None) -> ScenarioFileError:
    """A ``ShutdownInputError`` about one job or burst, named by its key."""
    field = getattr(exc, "field", None)
    if field == "duration_h" and section == "bursts":
        field = "repair_h"
    key = f"{section}[{index}]" + (f".{field}" if field in (*JOB_KEYS, *BURST_KEYS) else "")
    return ScenarioFileError(source, key, getattr(exc, "problem", str(exc)))


def check_shutdown_jobs(opened, body: dict[str, Any], *,
                        resolve: Callable[[str], Path] = Path,
                        source: str | None = None) -> ShutdownInputs:
    """Check what only the network can check, without running anything: the valve and
    customer files, every pipe, every inoperable valve id.

    Returns
    -------
    ShutdownInputs

    Raises
    ------
    ScenarioFileError
        Naming the key (``jobs[0].pipe``, ``bursts[1].inoperable_valves``, ``valves``).
    """
    inputs = read_inputs(opened, body, resolve=resolve, source=source)
    links = set(opened.net.wn.link_name_list)
    for section, i in study_items(body):
        item = body[section][i]
        if item["pipe"] not in links:
            raise ScenarioFileError(source, f"{section}[{i}].pipe",
                                    f"no pipe {item['pipe']!r} in the network")
        unknown = [v for v in item.get("inoperable_valves", []) if v not in inputs.valves.index]
        if unknown:
            layer = inputs.valves_file or "the synthetic valve layer"
            raise ScenarioFileError(source, f"{section}[{i}].inoperable_valves",
                                    f"no valve {unknown[0]!r} in {layer}")
    return inputs


def plan_item(opened, body: dict[str, Any], section: str, index: int, *,
              inputs: ShutdownInputs | None = None, resolve: Callable[[str], Path] = Path,
              source: str | None = None, now: datetime | None = None):
    """Plan one job (``plan_job``) or burst (``burst``) of a study body.

    Parameters
    ----------
    opened : application.OpenedNetwork
        Not modified.
    body : dict
        A ``shutdown_jobs`` body.
    section : {"jobs", "bursts"}
    index : int
        Position in ``body[section]``.
    inputs : ShutdownInputs, optional
        Valve layer and customers (read with :func:`read_inputs` when None).
    resolve : callable
        Turns the body's relative file names into paths.
    source : str, optional
        File name for messages.
    now : datetime, optional
        Study time; :func:`study_now` by default. Bursts start at their own time.

    Returns
    -------
    planning.shutdowns.JobPlan

    Raises
    ------
    ScenarioFileError
        An unknown pipe or valve, a bad duration, a bad valve or customer file, named by
        key (``jobs[0].pipe``).
    """
    from planning.shutdowns import ShutdownInputError, burst, plan_job

    if inputs is None:
        inputs = read_inputs(opened, body, resolve=resolve, source=source)
    item = body[section][index]
    try:
        if section == "jobs":
            return plan_job(opened.net, job_of(item), inputs.valves, policy_of(body),
                            now=now or study_now(body), customers=inputs.customers)
        return burst(opened.net, item["pipe"], datetime.fromisoformat(item["time"]),
                     inputs.valves, policy_of(body),
                     repair_h=float(item.get("repair_h", DEFAULT_REPAIR_H)),
                     customers=inputs.customers, job_id=item["job_id"],
                     inoperable_valves=tuple(item.get("inoperable_valves", ())))
    except ShutdownInputError as exc:
        raise _item_error(exc, section, index, source) from None


def run_jobs(study: Study, opened=None,
             progress: Callable[[int, int, str], None] | None = None):
    """Plan every job and burst of a study: ``(opened, inputs, [JobPlan, ...])``.

    Parameters
    ----------
    study : Study
    opened : application.OpenedNetwork, optional
        Default: the study's ``network`` (required then).
    progress : callable, optional
        Called as ``progress(done, total, job_id)`` before each plan.

    Raises
    ------
    ScenarioFileError
        A missing network, a bad valve or customer file, or a job the network refuses.
    application.limits.RunLimitError
        The network is over the study size limit (``$PLANNER_MAX_STUDY_NODES``).
    """
    from application.limits import check_study_size
    from application.network_run import study_network

    opened = study_network(study, opened)
    body = study.body
    check_study_size(opened.net, "shutdown jobs", len(study_items(body)))
    inputs = check_shutdown_jobs(opened, body, resolve=study.resolve, source=study.source)
    now = study_now(body)
    items = study_items(body)
    plans = []
    for done, (section, i) in enumerate(items):
        if progress is not None:
            progress(done, len(items), body[section][i]["job_id"])
        plans.append(plan_item(opened, body, section, i, inputs=inputs, source=study.source,
                               now=now))
    return opened, inputs, plans


# ---- tables (one row per job, or per job and element) -------------------------------------
def _kind(plan) -> str:
    return "planned" if plan.planned else "unplanned"


def _tagged(plans, frame_of: Callable, index_name: str) -> pd.DataFrame:
    """Per-plan tables stacked, with ``job_id`` and ``kind`` first."""
    frames = []
    for plan in plans:
        frame = frame_of(plan)
        if frame is None or frame.empty:
            continue
        frame = frame.rename_axis(index_name).reset_index() if index_name else frame.copy()
        frame.insert(0, "kind", _kind(plan))
        frame.insert(0, "job_id", plan.job.job_id)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["job_id", "kind"])


def summary_table(plans) -> pd.DataFrame:
    """One row per plan: the window, what it costs, valves, notice and emergency flags.

    Columns ``job_id``, ``kind``, ``pipe``, ``description``, ``duration_h``, ``start``,
    ``end``, ``customers_without_water``, ``customers_below_min``,
    ``customer_hours_without_water``, ``customer_hours_below_min``,
    ``demand_not_served_m3``, ``max_hours_without_water``, ``valves_to_close``,
    ``isolated_nodes``, ``inoperable_valves_passed``, ``earliest_permitted``,
    ``emergency_supply_required``, ``synthetic_valves``, ``solver_ok``,
    ``hydraulics_reliable`` (False: a figure rests on unsound hydraulics, see ``checks``),
    ``notice_deadline`` (start minus the notice period), ``checks``.
    """
    rows = []
    for plan in plans:
        s = plan.impact.summary if plan.impact is not None else {}
        rows.append({
            "job_id": plan.job.job_id, "kind": _kind(plan), "pipe": plan.job.pipe,
            "description": plan.job.description, "duration_h": plan.job.duration_h,
            "start": s.get("start"), "end": s.get("end"),
            "customers_without_water": s.get("customers_without_water"),
            "customers_below_min": s.get("customers_below_min"),
            "customer_hours_without_water": s.get("customer_hours_without_water"),
            "customer_hours_below_min": s.get("customer_hours_below_min"),
            "demand_not_served_m3": s.get("demand_not_served_m3"),
            "max_hours_without_water": s.get("max_hours_without_water"),
            "valves_to_close": len(plan.valves_to_close),
            "isolated_nodes": len(plan.segment_nodes),
            "inoperable_valves_passed": len(plan.isolation.inoperable_passed),
            "earliest_permitted": plan.earliest_permitted,
            "emergency_supply_required": bool(plan.emergency is not None
                                              and plan.emergency.required),
            "synthetic_valves": bool(plan.isolation.synthetic_valves),
            "solver_ok": s.get("solver_ok"),
            "hydraulics_reliable": s.get("hydraulics_reliable"),
            "notice_deadline": plan.notice_deadline,
            "checks": " | ".join(plan.checks)})
    return pd.DataFrame(rows)


def valves_table(plans) -> pd.DataFrame:
    """Valves to close, per plan (``valve``, ``link``, ``node``, ``side``, ...)."""
    return _tagged(plans, lambda p: p.valves_to_close, "valve")


def affected_table(plans) -> pd.DataFrame:
    """Affected junctions per plan (``Impact.nodes``: category, customers, hours...)."""
    return _tagged(plans, lambda p: p.impact_table, "node")


def hourly_table(plans) -> pd.DataFrame:
    """By hour of each window: customers without water / below minimum, demand (m3)."""
    return _tagged(plans, lambda p: p.impact.hourly if p.impact is not None else None, "hour")


def windows_table(plans) -> pd.DataFrame:
    """Every candidate start of every plan: permitted, why not, costs, rank, best."""
    return _tagged(plans, lambda p: p.windows, "start")


def best_window_table(plans) -> pd.DataFrame:
    """One row per plan: the least-harm permitted start (empty start when none)."""
    rows = []
    for plan in plans:
        best = plan.best_window or {}
        rows.append({"job_id": plan.job.job_id, "kind": _kind(plan),
                     "start": best.get("start"), "end": best.get("end"),
                     "customer_hours_without_water": best.get("customer_hours_without_water"),
                     "customer_hours_below_min": best.get("customer_hours_below_min"),
                     "demand_not_served_m3": best.get("demand_not_served_m3"),
                     "earliest_permitted": plan.earliest_permitted,
                     "permitted_starts": int(plan.windows["permitted"].sum())})
    return pd.DataFrame(rows)


def notice_table(plans) -> pd.DataFrame:
    """The notice lists of every plan (``planning.shutdowns.notice.NOTICE_COLUMNS``)."""
    return _tagged(plans, lambda p: p.notice_list.drop(columns=["job_id", "kind"],
                                                       errors="ignore"), "")


def emergency_table(plans) -> pd.DataFrame:
    """One row per plan: is emergency supply required (outage over 24 h), volume, tankers,
    taps and the network points chosen."""
    rows = []
    for plan in plans:
        e = plan.emergency
        rows.append({"job_id": plan.job.job_id, "kind": _kind(plan),
                     "required": bool(e is not None and e.required),
                     "reason": e.reason if e is not None else "no permitted start",
                     "customers": e.customers if e is not None else 0.0,
                     "persons": e.persons if e is not None else 0.0,
                     "daily_volume_m3": e.daily_volume_m3 if e is not None else 0.0,
                     "draw_rate_l_s": e.draw_rate_m3s * 1e3 if e is not None else 0.0,
                     "outage_volume_m3": e.outage_volume_m3 if e is not None else 0.0,
                     "tanker_trips_per_day": e.tanker_trips_per_day if e is not None else 0,
                     "tanker_trips_total": e.tanker_trips_total if e is not None else 0,
                     "standpipe_taps": e.standpipe_taps if e is not None else 0,
                     "points": " ".join(e.points) if e is not None else "",
                     "points_ok": e.points_ok if e is not None else True,
                     "assumptions": " | ".join(e.assumptions) if e is not None else ""})
    return pd.DataFrame(rows)


def emergency_groups_table(plans) -> pd.DataFrame:
    """Hours without water per account group, per plan (``EmergencyPlan.groups``)."""
    return _tagged(plans, lambda p: p.emergency.groups if p.emergency is not None else None,
                   None)


# ---- layers ---------------------------------------------------------------------------------
def affected_layer(opened, plan) -> gpd.GeoDataFrame:
    """Every node with its supply during the shutdown, in the placement's CRS.

    Columns ``status`` (``Impact.node_status``: a category of
    ``planning.shutdowns.impact.CATEGORIES`` or "supplied"), ``status_code``
    (:data:`STATUS_CODES`), ``customers`` and the affected junctions' hours
    (``hours_without_water``, ``hours_below_min``, h) and ``demand_not_served_m3``.
    """
    if plan.impact is None:
        status = pd.Series("supplied", index=opened.net.wn.node_name_list)
        status[list(plan.segment_nodes)] = "isolated"
    else:
        status = plan.impact.node_status.astype(str)
    layer = gis.without_water_layer(opened.net, status, opened.placement, name="status")
    layer["status_code"] = layer["status"].map(STATUS_CODES).astype(float)
    nodes = plan.impact_table
    for column in ("customers", "hours_without_water", "hours_below_min",
                   "demand_not_served_m3"):
        layer[column] = (nodes[column].reindex(layer.index) if column in nodes
                         else float("nan"))
    return layer


def isolated_links_layer(opened, plan) -> gpd.GeoDataFrame:
    """Links closed for the shutdown: ``role`` "isolated" (inside the isolated segments) or
    "closed boundary link" (a valved link on its edge), in the placement's CRS."""
    inside = set(plan.isolation.links)
    role = pd.Series({link: "isolated" if link in inside else "closed boundary link"
                      for link in plan.isolation.closed_links}, dtype=object)
    layer = gis.without_water_layer(opened.net, role, opened.placement, per="link",
                                    name="role")
    return layer[layer["role"].notna()].copy()


def valves_layer(opened, plan) -> gpd.GeoDataFrame:
    """The valves to close as points on their pipes (``planning.shutdowns.valve_points``)."""
    from planning.shutdowns import valve_points

    layer = valve_points(opened.net, plan.valves_to_close, opened.placement)
    layer["side"] = plan.valves_to_close["side"].reindex(layer.index)
    return layer


# ---- the CLI runner -------------------------------------------------------------------------
def safe_name(name: str) -> str:
    """A job id as a file or layer name part (letters, digits, underscores)."""
    return slug(name, "job")


def write_shutdown_jobs(study: Study, out: Path) -> list[Path]:
    """Run a ``shutdown_jobs`` study and write its tables, layers and plots to ``out``.

    Files: ``shutdown_summary.csv`` (one row per job and burst), ``valves_to_close.csv``,
    ``affected_customers.csv`` (junctions without water or below the minimum, with their
    accounts and hours), ``impact_hourly.csv``, ``best_window.csv``, ``windows.csv`` (every
    candidate start), ``notice_24h.csv`` (the notice list), ``emergency_supply.csv`` (one
    row per job; required for outages over 24 h), ``emergency_groups.csv`` (hours without
    water per account group), with an ``accounts`` file
    ``notice_accounts.csv`` (the notice list by account, sensitive first) and
    ``unplaced_accounts.csv``, ``shutdowns.gpkg`` (the network's layers
    plus, per job, ``affected_<id>`` nodes, ``isolated_<id>`` links and ``valves_<id>``
    points) and ``affected_<id>.png``; ``<id>`` is the id's letters, digits and
    underscores, plus a short hash when two ids would share it
    (:func:`application.disk_names.disk_names`).
    """
    from application.limits import progress
    from application.result_plots import plot_node_categories
    from application.writers import save_figure, write_csv

    opened, inputs, plans = run_jobs(study, progress=progress("shutdown job"))
    out.mkdir(parents=True, exist_ok=True)

    written = [
        write_csv(summary_table(plans), out / "shutdown_summary.csv"),
        write_csv(valves_table(plans), out / "valves_to_close.csv"),
        write_csv(affected_table(plans), out / "affected_customers.csv"),
        write_csv(hourly_table(plans), out / "impact_hourly.csv"),
        write_csv(best_window_table(plans), out / "best_window.csv"),
        write_csv(windows_table(plans), out / "windows.csv"),
        write_csv(notice_table(plans), out / "notice_24h.csv"),
        write_csv(emergency_table(plans), out / "emergency_supply.csv"),
        write_csv(emergency_groups_table(plans), out / "emergency_groups.csv"),
    ]
    if inputs.accounts is not None:  # an ``accounts`` file: notices name the customers
        from planning.shutdowns import account_notice

        by_account = [account_notice(p.notice_list, inputs.accounts) for p in plans
                      if p.impact is not None]
        written += [write_csv(pd.concat(by_account, ignore_index=True) if by_account else
                              pd.DataFrame(), out / "notice_accounts.csv"),
                    write_csv(inputs.accounts.unplaced, out / "unplaced_accounts.csv")]
    layers: dict[str, gpd.GeoDataFrame] = {}
    names = disk_names([plan.job.job_id for plan in plans], "job")  # A-1, A_1: two names
    for plan in plans:
        name = names[plan.job.job_id]
        affected = affected_layer(opened, plan)
        layers[f"affected_{name}"] = affected
        layers[f"isolated_{name}"] = isolated_links_layer(opened, plan)
        if len(plan.valves_to_close):
            layers[f"valves_{name}"] = valves_layer(opened, plan)
        title = f"{plan.job.job_id} ({_kind(plan)}, pipe {plan.job.pipe})"
        written.append(save_figure(plot_node_categories(affected, "status", STATUS_CODES,
                                                        title=title),
                                   out / f"affected_{name}.png"))
    written.append(gis.write_geopackage(opened.net, out / "shutdowns.gpkg", opened.placement,
                                        extra_layers=layers))
    return written
