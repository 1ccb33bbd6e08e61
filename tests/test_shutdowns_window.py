"""The least-harm window: hot-started branches against brute force, and the rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from benchmarks.networks import network_path
from models import load_network
from planning.shutdowns import Policy, customers_per_node, isolate, segment_map
from planning.shutdowns.study import study_clock, study_model
from planning.shutdowns.valves import synthetic_valve_layer
from planning.shutdowns.window import (
    COST_COLUMNS,
    brute_force_costs,
    candidate_starts,
    earliest_start,
    score_starts,
)

NOW = datetime(2024, 3, 4, 0, 0)  # a Monday


def _compare(name, pipe, dur_h, horizon_days, unvalved):
    net = load_network(network_path(name))
    policy = Policy(horizon_days=horizon_days, notice_h=0.0)
    dur = int(dur_h * 3600)
    clock = study_clock(net, NOW)
    cands = candidate_starts(clock, NOW, dur, policy)
    iso = isolate(segment_map(net, synthetic_valve_layer(net, unvalved, seed=0)), pipe)
    model = study_model(net, clock, int(cands["start_s"].max()) + dur, policy, job_s=dur)
    cust = customers_per_node(net)
    fast = score_starts(model, cands, iso.closed_links, dur, cust, policy)
    slow = brute_force_costs(model, cands, iso.closed_links, dur, cust, policy)
    return fast, slow


@pytest.mark.parametrize("name,pipe,dur_h,days,unvalved", [
    ("Net3", "173", 12, 2, 2),     # N-2 valves: the cut-off area depends on the tanks
    ("ltown_battledim", "p486", 4, 1, 1),
])
def test_window_matches_brute_force(name, pipe, dur_h, days, unvalved):
    fast, slow = _compare(name, pipe, dur_h, days, unvalved)
    assert len(fast) == 24 * days
    for col, tol in zip(COST_COLUMNS, (1e-6, 1e-6, 1e-3)):
        np.testing.assert_allclose(fast[col], slow[col], atol=tol, rtol=1e-7, err_msg=col)
    best = fast.index[fast["best"]][0]
    # the chosen start has the fewest customer-hours without water of all starts
    brute_min = slow["customer_hours_without_water"].min()
    assert slow.loc[best, "customer_hours_without_water"] == pytest.approx(brute_min, abs=1e-6)
    assert slow.index[slow["best"]][0] == best
    assert (fast["rank"].dropna() >= 1).all()


def test_net3_objective_varies_and_best_is_minimum():
    fast, slow = _compare("Net3", "173", 12, 2, 2)
    col = "customer_hours_without_water"
    assert fast[col].max() > fast[col].min()  # a meaningful choice
    assert fast.loc[fast["best"], col].iloc[0] == fast[col].min()


def test_rules_notice_night_and_forbidden_days():
    net = load_network(network_path("Net3"))
    now = datetime(2024, 3, 4, 9, 20)
    policy = Policy(night_only=True, forbidden_dates=(date(2024, 3, 6),),
                    forbidden_weekdays=(3,))  # Wednesday 6th and every Thursday
    dur = 5 * 3600
    clock = study_clock(net, now)
    cands = candidate_starts(clock, now, dur, policy)
    first = earliest_start(now, policy)
    assert first == datetime(2024, 3, 5, 10, 0)  # 24 h notice, next whole hour
    ok = cands[cands["permitted"]]
    assert len(ok) > 0
    for start, row in ok.iterrows():
        assert start >= now + timedelta(hours=24)
        assert start.hour >= 22 or start.hour < 6
        assert row["end"] <= (start + timedelta(days=1 if start.hour >= 22 else 0)).replace(
            hour=6, minute=0)
        days = {start.date(), (row["end"] - timedelta(seconds=1)).date()}
        assert date(2024, 3, 6) not in days
        assert all(d.weekday() != 3 for d in days)
    reasons = set(cands.loc[~cands["permitted"], "reason"])
    assert any("notice" in r for r in reasons)
    assert any("forbidden date" in r for r in reasons)
    assert any("night window" in r for r in reasons)
    assert cands.index[0] >= now and cands.index[-1] < now + timedelta(days=7)


def test_long_job_in_night_mode_only_needs_a_night_start():
    net = load_network(network_path("Net3"))
    policy = Policy(night_only=True, notice_h=0)
    cands = candidate_starts(study_clock(net, NOW), NOW, 30 * 3600, policy)
    ok = cands[cands["permitted"]]
    assert len(ok) and all(s.hour >= 22 or s.hour < 6 for s in ok.index)
