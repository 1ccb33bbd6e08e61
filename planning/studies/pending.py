"""File formats of the studies whose planning modules are still being written.

Exports :func:`parse_connection_applications`, :func:`parse_shutdown_jobs` and
:func:`parse_leakage_settings`. These fix what the app saves and loads now (applications,
jobs, leakage settings); the runners arrive with ``planning.connections``,
``planning.shutdowns`` and ``planning.leakage`` (see ``planning.studies.kinds``). Values
the plan text leaves out (the free external-line length, the "350" working days) are
parameters under ``rules``, never guesses.

connection_applications (version 1); item keys are those of
``planning.connections.Application``, ``policy`` keys those of ``planning.connections.Policy``::

    network: ctown_batadal.inp     # optional; the app uses the network it has open
    policy:                        # optional; the plan's missing numbers are parameters
      free_external_line_max_m: 50 # ASSUMPTION: "external line within X m" is free (§12)
      days_350_without_external_line: 2   # "350" service, N missing in the plan text
      days_350_with_external_line: 5      # "350" service, M missing
    applications:
      - application_id: A-2025-001
        applicant: Example bakery
        customer_class: commercial # residential | commercial | industrial | public
        node: J511                 # an existing junction, or x_m and y_m (map metres)
        demand_l_s: 0.5            # daily mean (or demand_m3_d)
        meter_dn: 25               # mm
        storeys: 2                 # GB 50013 service head (28 m for 6 storeys)
        required_head_m: 12        # optional: overrides the storeys rule
        service_length_m: 12       # optional: external line length
        reserved_tap: true
        front_loaded: true         # survey, design and approval done before applying (§1)
        low_risk: false            # "11000" fast track (§2)
        received_on: 2025-06-30

shutdown_jobs (version 1); job keys are those of ``planning.shutdowns.Job``, ``policy`` keys
scalar fields of ``planning.shutdowns.Policy``, bursts the arguments of
``planning.shutdowns.burst``::

    network: ctown_batadal.inp
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

leakage_settings (version 1)::

    period: 2025-Q1
    supplied_m3: 117000000
    registered_m3: 105000000       # registered (metered) consumption
    billed_m3: 104000000           # optional, for non-revenue water
    household_metered_share: 0.6   # r in R1 = 0.08 r (CJJ 92-2016)
    dn75_length_km: 4200           # for A in R2
    mean_outlet_pressure_mpa: 0.40 # for R3
    frost_depth_m: 0.0             # for R4
"""

from __future__ import annotations

from typing import Any

from planning.studies.files import ENVELOPE_KEYS, Fields

CUSTOMER_CLASSES = ("residential", "commercial", "industrial", "public")
"""Customer classes (as ``planning.connections.CUSTOMER_CLASSES``)."""
CONNECTION_POLICY_KEYS = ("min_pressure_m", "free_meter_max_dn", "free_external_line_max_m",
                          "extension_margin_max", "fast_track_days",
                          "days_350_without_external_line", "days_350_with_external_line",
                          "parallel_approval_days", "notification_approval_days",
                          "median_target_days")
"""Numeric ``planning.connections.Policy`` fields a file may set."""
SHUTDOWN_POLICY_NUMBERS = ("min_pressure_m", "no_water_pressure_m", "full_demand_pressure_m",
                           "notice_h", "horizon_days", "start_step_h", "night_start_h",
                           "night_end_h")
"""Numeric ``planning.shutdowns.Policy`` fields a file may set (plus ``night_only``)."""


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def _network(f: Fields, body: dict[str, Any]) -> None:
    """Optional ``network`` (.inp/.gpkg, relative to the file) and ``placement`` keys."""
    network = f.text("network", required=False)
    if network is not None and not network.lower().endswith((".inp", ".gpkg")):
        raise f.error("network", "must name a .inp or .gpkg file")
    _put(body, "network", network)
    placement = f.data.get("placement")
    if placement is not None and not isinstance(placement, (str, dict)):
        raise f.error("placement", "must be a placement file name or a mapping")
    if placement is not None and network is None:
        raise f.error("placement", "needs a network")
    _put(body, "placement", placement)


def _unique(item: Fields, key: str, seen: set) -> str:
    value = item.text(key)
    if value in seen:
        raise item.error(key, f"duplicate id {value!r}")
    seen.add(value)
    return value


def parse_connection_applications(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``connection_applications`` study (see the module docstring)."""
    f.only([*ENVELOPE_KEYS, "network", "placement", "policy", "applications"])
    body: dict[str, Any] = {}
    _network(f, body)
    p = f.mapping("policy")
    p.only(CONNECTION_POLICY_KEYS)
    body["policy"] = {k: p.number(k, minimum=0) for k in p.data}
    apps: list[dict[str, Any]] = []
    seen: set = set()
    for a in f.items("applications", required=True):
        a.only(["application_id", "applicant", "customer_class", "node", "x_m", "y_m",
                "demand_l_s", "demand_m3_d", "meter_dn", "storeys", "required_head_m",
                "pattern", "low_risk", "reserved_tap", "front_loaded", "service_length_m",
                "elevation_m", "received_on"])
        app: dict[str, Any] = {"application_id": _unique(a, "application_id", seen)}
        _put(app, "applicant", a.text("applicant", required=False))
        app["customer_class"] = a.text("customer_class", choices=CUSTOMER_CLASSES)
        _put(app, "node", a.text("node", required=False))
        for key in ("x_m", "y_m"):
            _put(app, key, a.number(key, required=False))
        if ("node" in app) == ("x_m" in app or "y_m" in app):
            raise a.error("node", "give either node or both x_m and y_m")
        if ("x_m" in app) != ("y_m" in app):
            raise a.error("y_m" if "x_m" in app else "x_m", "give both x_m and y_m")
        for key in ("demand_l_s", "demand_m3_d"):
            _put(app, key, a.number(key, required=False, minimum=0))
        if ("demand_l_s" in app) == ("demand_m3_d" in app):
            raise a.error("demand_l_s", "give exactly one of demand_l_s or demand_m3_d")
        app["meter_dn"] = a.number("meter_dn", minimum=0, integer=True)
        app["storeys"] = a.number("storeys", required=False, default=1, minimum=1, integer=True)
        for key in ("required_head_m", "service_length_m", "elevation_m"):
            _put(app, key, a.number(key, required=False,
                                    minimum=None if key == "elevation_m" else 0))
        if a.data.get("pattern") is not None:
            pattern = a.data["pattern"]
            if not isinstance(pattern, list) or not pattern:
                raise a.error("pattern", "must be a list of multipliers over 24 h")
            pf = Fields(dict(enumerate(pattern)), f.source, a.key("pattern"))
            app["pattern"] = [pf.number(i, minimum=0) for i in range(len(pattern))]
        for key in ("low_risk", "reserved_tap", "front_loaded"):
            app[key] = a.flag(key)
        _put(app, "received_on", a.text("received_on", required=False))
        apps.append(app)
    body["applications"] = apps
    return body


def parse_shutdown_jobs(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``shutdown_jobs`` study (see the module docstring)."""
    f.only([*ENVELOPE_KEYS, "network", "placement", "now", "policy", "jobs", "bursts"])
    body: dict[str, Any] = {}
    _network(f, body)
    _put(body, "now", f.text("now", required=False))
    p = f.mapping("policy")
    p.only([*SHUTDOWN_POLICY_NUMBERS, "night_only"])
    policy: dict[str, Any] = {k: p.number(k, minimum=0) for k in p.data if k != "night_only"}
    if "night_only" in p.data:
        policy["night_only"] = p.flag("night_only")
    if policy.get("notice_h", 24.0) < 24:
        raise p.error("notice_h", f"planned shutdowns need at least 24 h notice (§14), got "
                      f"{policy['notice_h']:g}")
    body["policy"] = policy
    seen: set = set()
    jobs = []
    for j in f.items("jobs"):
        j.only(["job_id", "pipe", "duration_h", "description", "inoperable_valves",
                "not_before"])
        job: dict[str, Any] = {"job_id": _unique(j, "job_id", seen), "pipe": j.text("pipe"),
                               "duration_h": j.number("duration_h", minimum=0)}
        _put(job, "description", j.text("description", required=False))
        job["inoperable_valves"] = j.texts("inoperable_valves")
        _put(job, "not_before", j.text("not_before", required=False))
        jobs.append(job)
    bursts = []
    for b in f.items("bursts"):
        b.only(["job_id", "pipe", "time", "repair_h", "description", "inoperable_valves"])
        burst: dict[str, Any] = {"job_id": _unique(b, "job_id", seen), "pipe": b.text("pipe"),
                                 "time": b.text("time")}
        _put(burst, "repair_h", b.number("repair_h", required=False, minimum=0))
        _put(burst, "description", b.text("description", required=False))
        burst["inoperable_valves"] = b.texts("inoperable_valves")
        bursts.append(burst)
    if not jobs and not bursts:
        raise f.error("jobs", "give at least one job or burst")
    body["jobs"] = jobs
    body["bursts"] = bursts
    return body


def parse_leakage_settings(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``leakage_settings`` study (see the module docstring)."""
    f.only([*ENVELOPE_KEYS, "network", "placement", "period", "supplied_m3", "registered_m3", "billed_m3",
            "household_metered_share", "dn75_length_km", "mean_outlet_pressure_mpa",
            "frost_depth_m"])
    body: dict[str, Any] = {}
    _network(f, body)
    body["period"] = f.text("period")
    body["supplied_m3"] = f.number("supplied_m3", minimum=0)
    body["registered_m3"] = f.number("registered_m3", minimum=0)
    if body["registered_m3"] > body["supplied_m3"]:
        raise f.error("registered_m3", "is larger than supplied_m3")
    _put(body, "billed_m3", f.number("billed_m3", required=False, minimum=0))
    body["household_metered_share"] = f.number("household_metered_share", minimum=0, maximum=1)
    body["dn75_length_km"] = f.number("dn75_length_km", minimum=0)
    body["mean_outlet_pressure_mpa"] = f.number("mean_outlet_pressure_mpa", minimum=0)
    body["frost_depth_m"] = f.number("frost_depth_m", required=False, default=0.0, minimum=0)
    return body
