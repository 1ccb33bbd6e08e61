"""File format of the study kind whose planning module is still being wired: shutdown jobs.

Exports :func:`parse_shutdown_jobs` and the helpers the other kinds' parsers share
(:func:`_network`, :func:`_put`, :func:`_unique`). The runner arrives with
``planning.shutdowns`` (see ``planning.studies.kinds``). ``connection_applications`` and
``leakage_settings`` live in :mod:`planning.studies.connection_study` and
:mod:`planning.studies.leakage_study`.

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
"""

from __future__ import annotations

from typing import Any

from planning.studies.files import ENVELOPE_KEYS, Fields

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
