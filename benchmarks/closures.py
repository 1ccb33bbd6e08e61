"""Every pipe closure on every network: the sweep completes and failures are counted.

For each network of the WNTR package and ``../shared/networks`` (and the local copies in
``tests/data/networks``): a pressure-driven single-period solve at the hour of peak demand
(minimum pressure 0 m, required 14 m), then every pipe closed in turn, warm-started from the
base case. Prints the number of cases, how many did not converge or broke the matrix, how
many cut junctions off from every source (beyond those already cut off in the base case),
and the time.

Usage::

    python benchmarks/closures.py [NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.networks import LOCAL, SHARED_ONLY, WNTR_NETWORKS, available, network_path  # noqa: E402
from models import load_network  # noqa: E402
from simulation import PdaSettings, SteadyStateSolver, peak_demand_time_s  # noqa: E402


def sweep(name: str) -> dict:
    net = load_network(network_path(name))
    wn = net.wn
    t = peak_demand_time_s(net)
    t0 = time.perf_counter()
    solver = SteadyStateSolver(net, time_s=t, pda=PdaSettings(0.0, 14.0, None))
    r = solver.sweep_closures(wn.pipe_name_list, 14.0)
    uns, err, its = r.unsupplied, r.error_code, r.iterations
    wall = time.perf_counter() - t0
    return dict(name=name, peak_h=t // 3600, cases=len(err),
                base_ok=bool(solver.base.converged), unconverged=int((err == 1).sum()),
                broken=int((err >= 100).sum()),
                cut_off=int((uns.sum(axis=1) > (~solver.base.supplied[:uns.shape[1]]).sum()).sum()),
                mean_iter=float(its.mean()) if len(its) else 0.0, seconds=wall)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    args = ap.parse_args(argv)
    names = args.names or available(WNTR_NETWORKS + LOCAL + SHARED_ONLY)
    print(f"{'network':16s} {'peak h':>6s} {'cases':>6s} {'not conv.':>9s} {'matrix err':>10s} "
          f"{'cut off':>7s} {'iter':>5s} {'s':>7s}")
    total = bad = 0
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = sweep(name)
        total += r["cases"]
        bad += r["unconverged"] + r["broken"]
        print(f"{r['name']:16s} {r['peak_h']:6d} {r['cases']:6d} {r['unconverged']:9d} "
              f"{r['broken']:10d} {r['cut_off']:7d} {r['mean_iter']:5.1f} {r['seconds']:7.1f}"
              + ("" if r["base_ok"] else "  (base case did not converge)"), flush=True)
    print(f"\n{total} closures on {len(names)} networks completed; {bad} did not converge "
          "(reported above, never returned as answers)")
    return 0 if np.isfinite(total) else 1


if __name__ == "__main__":
    raise SystemExit(main())
