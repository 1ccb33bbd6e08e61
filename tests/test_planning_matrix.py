"""Planning matrix: every study kind on every model a utility might bring (issue 18).

Each model of ``../shared/networks`` and ``../shared/networks/more`` (single-period and
extended, demand- and pressure-driven, Hazen-Williams and Darcy-Weisbach) runs through the
network run, a connection application, a shutdown (planned, 30 h) and a burst, and a leakage
study, and every result must satisfy what any correct planner satisfies:

- no negative or non-finite quantity (hours, accounts, volumes, costs);
- per node, hours without water with the shutdown >= the baseline's;
- every isolated junction is among the customers out, for the whole job;
- the chosen start >= now + 24 h, and the notice deadline <= start - 24 h;
- the emergency plan covers every account out more than 24 h;
- the connection reply's demand equals the applied demand;
- due dates fall on China's statutory working days;
- bad values are refused by the CLI (non-zero exit, field named, no result files).

Durations are capped (2-6 h runs, a 1.5-day start search with 3-hourly starts) and one
pipe and one junction are picked per model deterministically. Cases that fail because of the
hydraulic core (its fidelity against EPANET is being fixed separately) are xfail with the
reason, ``strict=False``; see :data:`CORE_XFAIL`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import subprocess
import sys
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from benchmarks.networks import SHARED_NETWORKS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2025, 6, 28, 9, 0)
RECEIVED = dt.date(2025, 9, 30)
JOB_H = 30.0          # longer than 24 h: emergency supply is in play
RUN_CAP_H = 6.0       # network runs are cut to this
LEAK_RUN_H = 2.0

MODELS = sorted(p.relative_to(SHARED_NETWORKS).as_posix()
                for p in [*SHARED_NETWORKS.glob("*.inp"), *SHARED_NETWORKS.glob("more/*.inp")])

CORE_XFAIL: dict[tuple[str, str], str] = {
    # (model, kind) -> reason. None at this commit: all 96 cases passed (the planning layer
    # clips and flags the core's artefacts: backward leaks in closed pockets, PDA round-off)
}
"""Cases the hydraulic core gets wrong today (pressure-driven runs with a loose ACCURACY,
heads in closed-link pockets, UNBALANCED CONTINUE): expected to pass once the core matches
EPANET; ``strict=False`` so that they turn green silently."""


# ---- models and picks --------------------------------------------------------------------
@functools.lru_cache(maxsize=2)
def opened_model(name: str):
    from application import open_network

    return open_network(SHARED_NETWORKS / name)


def demand_junction(wn) -> str:
    """The junction with the largest base demand (ties: the first name)."""
    best, best_q = None, -1.0
    for name in sorted(wn.junction_name_list):
        q = sum(d.base_value for d in wn.get_node(name).demand_timeseries_list)
        if q > best_q:
            best, best_q = name, q
    return best


def shutdown_pipe(net) -> str:
    """The widest open pipe whose isolated segment (synthetic N-1 valves) holds customers."""
    from planning.shutdowns import customers_per_node, isolate, segment_map, synthetic_valve_layer

    wn = net.wn
    smap = segment_map(net, synthetic_valve_layer(net, 1, seed=0))
    cust = customers_per_node(net)
    pipes = sorted(wn.pipe_name_list, key=lambda p: (-wn.get_link(p).diameter, p))
    first_open = None
    for p in pipes[:400]:
        if str(wn.get_link(p).initial_status).lower().endswith("closed"):
            continue
        first_open = first_open or p
        if cust.reindex(list(isolate(smap, p).nodes)).fillna(0).sum() > 0:
            return p
    return first_open


def _finite_nonneg(values, what: str) -> None:
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    assert np.isfinite(v).all(), f"{what}: non-finite {v[~np.isfinite(v)][:5]}"
    assert (v >= -1e-9).all(), f"{what}: negative {v[v < -1e-9][:5]}"


# ---- the checks, one per study kind -------------------------------------------------------
def check_network_run(op) -> None:
    from application.network_run import NetworkRunSettings, run_network

    wn = op.net.wn
    duration_h = wn.options.time.duration / 3600.0
    cap = min(duration_h, RUN_CAP_H) if duration_h > 0 else None
    old = wn.options.hydraulic.demand_model
    try:
        for model in (old, "PDA"):
            wn.options.hydraulic.demand_model = model
            res = run_network(op, NetworkRunSettings(duration_h=cap if cap != duration_h
                                                     else None))
            hours = res.nodes["hours_below_service"].dropna()
            _finite_nonneg(hours, f"{model} hours below service")
            run_h = max(float(res.pressure_m.index.max()) / 3600.0,
                        (wn.options.time.report_timestep or 3600) / 3600.0)
            assert hours.max() <= run_h + 1e-9, (hours.max(), run_h)
            assert np.isfinite(res.nodes["min_pressure_m"].dropna()).all()
    finally:
        wn.options.hydraulic.demand_model = old


def check_connection(op) -> None:
    from planning.connections import Application, ConnectionStudy

    wn = op.net.wn
    node = demand_junction(wn)
    app = Application("MX-1", demand_l_s=2.0, node=node, meter_dn=50,
                      customer_class="commercial", received_on=RECEIVED)
    a = ConnectionStudy(op.net, placement=op.placement).assess(app)
    # the reply's demand is the applied demand, never the junction's existing demand
    assert "mean demand 2 L/s" in a.reply_text
    pattern = app.daily_pattern()
    if np.isfinite(a.customer_peak_hour_m3s):
        assert a.customer_peak_hour_m3s <= 2e-3 * pattern.max() * (1 + 1e-9)
        assert f"takes {a.customer_peak_hour_m3s * 1e3:.2f} L/s" in a.reply_text
    ts = a.pressure_timeseries
    tstart = int(round(wn.options.time.start_clocktime))
    expect = app.demand_m3s * app.multiplier_at(ts.index.to_numpy() + tstart)
    assert np.allclose(ts["customer_required_demand_m3s"].to_numpy(), expect)
    _finite_nonneg(ts["customer_demand_m3s"], "customer demand")
    assert (ts["customer_demand_m3s"].to_numpy() <= expect * (1 + 1e-4) + 1e-12).all()
    for value, what in ((a.max_pressure_drop_m, "pressure drop"),
                        (a.unserved_other_m3, "unserved at others"),
                        (a.customer_unserved_m3, "unserved at the customer"),
                        (a.hours_below_required, "hours below required")):
        _finite_nonneg([value], what)
    assert a.hours_below_required <= 24.0 + 1e-9
    if np.isfinite(a.spare_capacity_m3s):
        assert a.spare_capacity_m3s >= 0
    # deadlines on the statutory calendar (make-up days included)
    for due in a.terms.deadlines["due_on"].dropna():
        assert chinese_calendar.is_workday(due), due
        assert due >= RECEIVED


def check_shutdown(op) -> None:
    from planning.shutdowns import Job, Policy, burst, plan_job

    net = op.net
    pipe = shutdown_pipe(net)
    policy = Policy(horizon_days=1.5, start_step_h=3.0, threads=1)
    plan = plan_job(net, Job(pipe=pipe, duration_h=JOB_H, job_id="MX"), policy=policy, now=NOW)
    _check_plan(plan, planned=True)
    hit = burst(net, pipe, NOW + dt.timedelta(hours=5), policy=policy, repair_h=JOB_H)
    _check_plan(hit, planned=False)


def _check_plan(plan, *, planned: bool) -> None:
    w = plan.windows
    scored = w[w["customer_hours_without_water"].notna()]
    for col in ("customer_hours_without_water", "customer_hours_below_min",
                "demand_not_served_m3"):
        _finite_nonneg(scored[col], f"window {col}")
    if plan.impact is None:
        assert planned and not w["best"].any()
        return
    s = plan.impact.summary
    for key in ("customers_without_water", "customers_below_min",
                "customer_hours_without_water", "customer_hours_below_min",
                "demand_not_served_m3", "max_hours_without_water"):
        _finite_nonneg([s[key]], key)
    n = plan.impact.nodes
    _finite_nonneg(n[["customers", "hours_without_water", "baseline_hours_without_water",
                      "hours_below_min", "demand_not_served_m3"]].to_numpy().ravel(),
                   "impact nodes")
    assert (n["hours_without_water"] >= n["baseline_hours_without_water"] - 1e-9).all()
    window_h = (s["end"] - s["start"]).total_seconds() / 3600.0
    assert (n["hours_without_water"] <= window_h + 1e-9).all()
    # every isolated junction is out, the whole job
    junctions = set(plan.isolation.nodes) & set(plan.impact.node_status.index)
    wn_junctions = n.index
    isolated = [j for j in junctions if j in set(wn_junctions) or
                plan.impact.node_status.get(j) == "isolated"]
    for j in isolated:
        if j in n.index:
            assert n.loc[j, "category"] in ("isolated", "isolated (inoperable valve)")
            assert n.loc[j, "hours_without_water"] == pytest.approx(window_h)
    out = n[(n["hours_without_water"] > n["baseline_hours_without_water"])
            & (n["customers"] > 0)]
    assert set(out.index) <= set(plan.notice["node"])
    if planned:
        assert s["start"] >= NOW + dt.timedelta(hours=24)
        assert plan.notice_deadline <= s["start"] - dt.timedelta(hours=24)
        assert plan.notice_deadline >= NOW
    # the emergency plan covers every account out longer than 24 h
    long_out = n[n["hours_without_water"] > 24.0]
    e = plan.emergency
    assert set(long_out.index) <= set(e.nodes)
    assert e.customers == pytest.approx(float(long_out["customers"].sum()))
    assert e.required == bool(long_out["customers"].sum() > 0)
    for value in (e.persons, e.daily_volume_m3, e.outage_volume_m3, e.draw_rate_m3s,
                  e.tanker_trips_per_day, e.tanker_trips_total, e.standpipe_taps):
        _finite_nonneg([value], "emergency sizing")
    if e.required:
        assert e.tanker_trips_per_day * plan.policy.emergency.tanker_m3 >= e.daily_volume_m3
        assert e.standpipe_taps * plan.policy.emergency.persons_per_tap >= e.persons - 1e-9


def check_leakage(op, tmp_path: Path | None = None) -> None:
    import tempfile

    from application import load_study
    from application.leakage_study import run_leakage
    from planning.leakage import NETWORK

    folder = Path(tmp_path or tempfile.mkdtemp())
    study = folder / "leak.yaml"
    study.write_text(
        "kind: leakage_settings\nversion: 1\n"
        f"network: {Path(op.net.path).as_posix()}\n"
        "leakage:\n  - {leak_area_mm2_per_100m: 0.5, leak_expansion_mm2_per_m: 0.01}\n"
        "zones: {boundaries: pumps_and_valves}\n"
        f"duration_h: {LEAK_RUN_H}\nhousehold_metered_share: 0.5\n", encoding="utf-8")
    body = load_study(study).body
    run = run_leakage(op, body)
    t = run.table
    for col in ("days", "supplied_m3", "registered_m3", "leakage_m3", "leakage_m3_per_d"):
        _finite_nonneg(t[col], f"leakage {col}")
    rated = t[(t["supplied_m3"] > 0) & ~t["negligible_supply"].astype(bool)]
    assert np.isfinite(rated["gross_loss_rate_pct"]).all()
    assert (rated["gross_loss_rate_pct"] <= 100.0 + 1e-9).all()
    assert t.loc[t["negligible_supply"].astype(bool), "gross_loss_rate_pct"].isna().all()
    assert "leakage_rate_pct" not in t.columns
    if t.loc[NETWORK, "supplied_m3"] > 0:
        assert np.isfinite(t.loc[NETWORK, "gross_loss_rate_pct"])
    mnf = run.night_flow
    if len(mnf):
        _finite_nonneg(mnf[["mnf_m3_per_h", "leakage_m3_per_h"]].to_numpy().ravel(), "MNF")


CHECKS = {"network_run": check_network_run, "connection_applications": check_connection,
          "shutdown_jobs": check_shutdown, "leakage_settings": check_leakage}


def _cases():
    for model in MODELS:
        for kind in CHECKS:
            reason = CORE_XFAIL.get((model, kind))
            marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
            yield pytest.param(model, kind, id=f"{model}-{kind}", marks=marks)


@pytest.mark.skipif(not MODELS, reason="no shared networks on this machine")
@pytest.mark.parametrize("model,kind", list(_cases()))
def test_study_kind_on_model(model, kind):
    CHECKS[kind](opened_model(model))


# ---- bad values through the CLI -------------------------------------------------------------
BAD_VALUES = [
    ("shutdown_jobs", "jobs:\n  - {job_id: W1, pipe: 'PIPE', duration_h: -4}\n",
     "jobs[0].duration_h"),
    ("shutdown_jobs", "jobs: []\nbursts:\n  - {job_id: B1, pipe: 'PIPE', time: '2025-07-02T03:00', "
     "repair_h: -4}\n", "bursts[0].repair_h"),
    ("connection_applications", "applications:\n  - {application_id: A1, customer_class: "
     "commercial, node: 'NODE', demand_l_s: -5, meter_dn: 25}\n", "applications[0].demand_l_s"),
    ("connection_applications", "applications:\n  - {application_id: A1, customer_class: "
     "commercial, node: 'NODE', demand_l_s: 1, meter_dn: 25, storeys: 0}\n",
     "applications[0].storeys"),
    ("network_run", "duration_h: -4\n", "duration_h"),
    ("leakage_settings", "period: ''\nsupplied_m3: 1000\nregistered_m3: 900\n"
     "household_metered_share: 0\ndn75_length_km: 1\nmean_outlet_pressure_mpa: 0.3\n",
     "period"),
]


@pytest.mark.skipif(not MODELS, reason="no shared networks on this machine")
@pytest.mark.parametrize("model", [m for m in MODELS if m == "kl.inp"] or MODELS[:1])
@pytest.mark.parametrize("kind,body,field", BAD_VALUES, ids=[f"{k}-{f}" for k, _, f in BAD_VALUES])
def test_cli_refuses_bad_values(tmp_path, model, kind, body, field):
    op = opened_model(model)
    wn = op.net.wn
    body = body.replace("PIPE", sorted(wn.pipe_name_list)[0]).replace(
        "NODE", demand_junction(wn))
    study = tmp_path / "bad.yaml"
    study.write_text(f"kind: {kind}\nversion: 1\nnetwork: {(SHARED_NETWORKS / model).as_posix()}"
                     f"\n{body}", encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "planning", "run", str(study), "--out",
                           str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0, done.stdout
    assert field in done.stderr, done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_statutory_calendar_spot_check():
    """The calendar the deadlines use is China's: 2025-10-11 (Saturday) is worked."""
    assert chinese_calendar.is_workday(dt.date(2025, 10, 11))
    assert not chinese_calendar.is_workday(dt.date(2025, 10, 8))
    assert math.isclose(1.0, 1.0)
