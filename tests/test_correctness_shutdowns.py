"""Shutdown figures a planner can publish (issue 18 items 1, 3, 6 and 12).

On kl (a single-period utility model): no negative figure, no with-shutdown hours below the
baseline, a flag and a warning where the hydraulics are unsound, the notice deadline 24 h
before the start, and an emergency plan that covers every account without water over 24 h.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import planning.shutdowns.impact as impact_module
from benchmarks.networks import network_path
from models import load_network
from planning.shutdowns import Job, Policy, customers_per_node, plan_job
from planning.shutdowns.customers import (
    DEFAULT_USE_M3_PER_ACCOUNT_DAY,
    use_per_account_m3_day,
)
from planning.shutdowns.errors import ShutdownInputError
from planning.shutdowns.window import COST_COLUMNS, _clip_artefacts, _rank

NOW = dt.datetime(2025, 6, 28, 9, 0)
PIPE = "2760"  # kl: a large main whose segment holds 2 junctions with customers


@pytest.fixture(scope="module")
def kl():
    return load_network(network_path("kl"))


@pytest.fixture(scope="module")
def long_job(kl):
    return plan_job(kl, Job(pipe=PIPE, duration_h=30.0, job_id="J30"),
                    policy=Policy(horizon_days=2), now=NOW)


def test_notice_deadline_is_start_minus_notice(long_job):
    start = long_job.impact.summary["start"]
    assert long_job.notice_deadline == start - dt.timedelta(hours=24)
    assert start >= NOW + dt.timedelta(hours=24)
    line = next(c for c in long_job.checks if c.startswith("notice to customers by"))
    assert f"{start - dt.timedelta(hours=24):%Y-%m-%d %H:%M}" in line
    assert f"{NOW:%Y-%m-%d %H:%M}" not in line or start - dt.timedelta(hours=24) == NOW
    deadlines = set(long_job.notice["notice_deadline"])
    assert deadlines == {(start - dt.timedelta(hours=24)).isoformat(timespec="minutes")}


def test_emergency_covers_every_account_out_over_24h(long_job):
    nodes = long_job.impact.nodes
    out = nodes[nodes["hours_without_water"] > 24.0]
    e = long_job.emergency
    assert e.required and set(out.index) <= set(e.nodes)
    assert e.customers == pytest.approx(out["customers"].sum())
    groups = e.groups
    assert groups.loc[groups["needs_emergency_supply"], "accounts"].sum() == e.customers
    # sized from the groups: 15 L/person/d for every hour each group is out
    ep = long_job.policy.emergency
    need = groups[groups["needs_emergency_supply"]]
    expect = (need["persons"] * ep.litres_per_person_day / 1000.0
              * need["hours_without_water"] / 24.0).sum()
    assert e.outage_volume_m3 == pytest.approx(expect)
    assert e.tanker_trips_total == int(np.ceil(expect / ep.tanker_m3))
    assert e.standpipe_taps == int(np.ceil(e.persons / ep.persons_per_tap))
    assert e.assumptions and len(e.checked_times) >= 2  # each day of a 30-h job


def test_published_figures_never_negative_nor_below_baseline(long_job):
    s = long_job.impact.summary
    for key in ("customer_hours_without_water", "customer_hours_below_min",
                "demand_not_served_m3", "max_hours_without_water"):
        assert np.isfinite(s[key]) and s[key] >= 0
    n = long_job.impact.nodes
    assert (n["hours_without_water"] >= n["baseline_hours_without_water"]).all()
    assert (long_job.windows[list(COST_COLUMNS)].fillna(0) >= 0).all().all()
    assert "hydraulics_reliable" in n.columns


def test_artefact_is_clipped_and_flagged(kl, monkeypatch):
    """A run that supplies a node better with the shutdown than without (as the core did on
    single-period PDA runs) is published at the baseline and flagged, with a warning."""
    real = impact_module.outage_frames
    calls = {"n": 0}

    def frames(wn, results, policy, pattern_start_s=None):
        f = real(wn, results, policy, pattern_start_s)
        calls["n"] += 1
        if calls["n"] % 2 == 1:  # the run with the isolation: pretend everyone is supplied
            f = {**f, "no_water": f["no_water"] & False}
        else:                    # the baseline: one outside node without water all along
            nw = f["no_water"].copy()
            nw.iloc[:, -1] = True
            f = {**f, "no_water": nw}
        return f

    monkeypatch.setattr(impact_module, "outage_frames", frames)
    plan = plan_job(kl, Job(pipe=PIPE, duration_h=6.0), policy=Policy(horizon_days=2), now=NOW)
    n = plan.impact.nodes
    assert (n["hours_without_water"] >= n["baseline_hours_without_water"]).all()
    assert plan.impact.summary["customer_hours_without_water"] >= 0
    assert not plan.impact.summary["hydraulics_reliable"]
    assert any(c.startswith("WARNING") for c in plan.checks)
    # the drained segment is without water the whole window, whatever the run says
    drained = n[n["category"] == "isolated"]
    assert (drained["hours_without_water"] == 6.0).all()


def test_window_costs_below_zero_are_artefacts():
    table = pd.DataFrame({"start_s": [0, 3600, 7200], "permitted": True,
                          "solver": "ok", COST_COLUMNS[0]: [-50.0, 10.0, 10.0],
                          COST_COLUMNS[1]: [0.0, 0.0, 0.0], COST_COLUMNS[2]: [-1.0, 1.0, 1.0]})
    _clip_artefacts(table)
    assert (table[list(COST_COLUMNS)] >= 0).all().all()
    assert table.loc[0, "solver"] == "unreliable (below baseline)"
    ranked = _rank(table)
    assert ranked.loc[0, "rank"] == 3 and ranked.loc[1, "best"]


# ---- item 12: accounts from demand ------------------------------------------------------------
def test_accounts_from_demand_use_gbt50331_zone5(kl):
    assert DEFAULT_USE_M3_PER_ACCOUNT_DAY == pytest.approx(2.62 * 0.120)
    assert 2.62 * 0.100 <= DEFAULT_USE_M3_PER_ACCOUNT_DAY <= 2.62 * 0.140
    assert use_per_account_m3_day(3.0, 100.0) == pytest.approx(0.3)
    with pytest.raises(ShutdownInputError, match="persons_per_account"):
        use_per_account_m3_day(0.0, 120.0)
    cust = customers_per_node(kl)
    small = customers_per_node(kl, use_m3_per_account_day=0.5)
    assert cust.sum() > 1.4 * small.sum()   # 0.5 m3/d per account undercounted by ~37 %
    assert Policy(residential_litres_per_person_day=100).use_m3_per_account_day == \
        pytest.approx(0.262)
