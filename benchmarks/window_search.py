"""Least-harm shutdown window search on Net6: 168 hourly starts, an 8-hour job.

``python benchmarks/window_search.py [--days 7] [--hours 8] [--threads 2] [--brute 3]
[--pipe LINK-137]``

The study of ``planning.shutdowns``: Net6 with a synthetic N-2 valve layer (seed 0), pipe
``--pipe`` worked on (LINK-137: 7 junctions, 456 customers isolated), "now" Monday 00:00, every hourly start over ``--days`` days permitted (no
notice period). It times, in one process after a warm-up on a one-day search:

- the window search as the planner runs it (``window.score_starts``: one baseline,
  hot-started branches, ``--threads`` threads), goal <= 5 s at 168 starts;
- the same on one thread;
- the reference, one full extended-period simulation per start
  (``window.brute_force_costs``), on the first ``--brute`` starts only (a full run per
  start over a week takes minutes), with the per-start time and the largest difference
  of those starts' costs to the search's.

Prints the lines ``window search ...`` LAST. Timings on the shared 2-core development
machine vary by tens of per cent with the load (printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from benchmarks.networks import network_path  # noqa: E402
from models import load_network  # noqa: E402
from planning.shutdowns import Policy, customers_per_node, isolate, segment_map  # noqa: E402
from planning.shutdowns.study import study_clock, study_model  # noqa: E402
from planning.shutdowns.valves import synthetic_valve_layer  # noqa: E402
from planning.shutdowns.window import (  # noqa: E402
    COST_COLUMNS,
    brute_force_costs,
    candidate_starts,
    score_starts,
)

NOW = datetime(2024, 3, 4, 0, 0)  # a Monday
GOAL_S = 5.0


def _study(days: float, hours: float, threads: int, pipe: str):
    net = load_network(network_path("Net6"))
    policy = Policy(horizon_days=days, notice_h=0.0, threads=threads)
    dur = int(hours * 3600)
    clock = study_clock(net, NOW)
    cands = candidate_starts(clock, NOW, dur, policy)
    iso = isolate(segment_map(net, synthetic_valve_layer(net, 2, seed=0)), pipe)
    model = study_model(net, clock, int(cands["start_s"].max()) + dur, policy, job_s=dur)
    return model, cands, iso, dur, customers_per_node(net), policy


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--brute", type=int, default=3, help="starts run in full (reference)")
    ap.add_argument("--pipe", default="LINK-137", help="the pipe worked on")
    args = ap.parse_args(argv)

    warm = _study(1.0, args.hours, args.threads, args.pipe)
    score_starts(warm[0], warm[1].iloc[:2], warm[2].closed_links, *warm[3:])

    model, cands, iso, dur, cust, policy = _study(args.days, args.hours, args.threads, args.pipe)
    print(f"Net6: pipe {iso.pipe} isolated ({len(iso.nodes)} nodes, "
          f"{len(iso.closed_links)} links closed), {len(cands)} hourly starts, "
          f"{args.hours:g} h job; load average {os.getloadavg()[0]:.1f}", flush=True)
    t = time.perf_counter()
    fast = score_starts(model, cands, iso.closed_links, dur, cust, policy)
    t_fast = time.perf_counter() - t
    one = Policy(horizon_days=args.days, notice_h=0.0, threads=1)
    t = time.perf_counter()
    fast1 = score_starts(model, cands, iso.closed_links, dur, cust, one)
    t_one = time.perf_counter() - t
    same = all(np.array_equal(fast[c].to_numpy(), fast1[c].to_numpy()) for c in COST_COLUMNS)
    print(f"  best start {fast.index[fast['best']][0]}, "
          f"{fast[COST_COLUMNS[0]].min():.2f}-{fast[COST_COLUMNS[0]].max():.2f} "
          f"customer-hours without water over the starts; 1 thread gives the same table: "
          f"{same}")
    if args.brute > 0:
        sub = cands.iloc[:args.brute]
        t = time.perf_counter()
        slow = brute_force_costs(model, sub, iso.closed_links, dur, cust, policy)
        t_brute = (time.perf_counter() - t) / len(sub)
        gaps = [np.nanmax(np.abs(slow[c].to_numpy() - fast.loc[sub.index, c].to_numpy()))
                for c in COST_COLUMNS]
        diff = ", ".join(f"{c} {g:.1e}" for c, g in zip(COST_COLUMNS, gaps))
        print(f"  one full run per start (reference): {t_brute:.2f} s per start over the "
              f"first {len(sub)} starts (a start later in the week runs longer); largest "
              f"differences to the search: {diff}")
    print(f"window search ({args.threads} threads) {t_fast:.2f} s   goal <= {GOAL_S:g} s")
    print(f"window search (1 thread)  {t_one:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
