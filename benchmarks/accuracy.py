"""Accuracy of NumbaSimulator against EPANET 2.2 (wntr's EpanetSimulator) on every network.

For each network, demand-driven (the model's own options) and pressure-driven (PDA with
minimum pressure 0 m and required pressure 20 m): max and median |head - EPANET head| over
all nodes and report times. Nodes that are cut off from every source (no water) are
counted separately: EPANET has no such notion and returns numerically meaningless heads
there (e.g. -1e24 m on Anytown, whose pumps never run).

Usage::

    python benchmarks/accuracy.py [NAME ...] [--max-hours H]
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
from benchmarks.reference import run_wntr_epanet_simulator  # noqa: E402
from models import load_network  # noqa: E402
from simulation import NumbaSimulator  # noqa: E402

PDA_MIN_M = 0.0
PDA_REQ_M = 20.0


def compare(name: str, mode: str, max_hours: float | None) -> dict:
    """Run both simulators on one network and mode; return the error summary."""
    net = load_network(network_path(name)).copy()
    wn = net.wn
    if max_hours is not None and wn.options.time.duration > max_hours * 3600:
        wn.options.time.duration = int(max_hours * 3600)
    if mode == "PDA":
        wn.options.hydraulic.demand_model = "PDA"
        wn.options.hydraulic.minimum_pressure = PDA_MIN_M
        wn.options.hydraulic.required_pressure = PDA_REQ_M
    t0 = time.perf_counter()
    ours = NumbaSimulator(net).run_sim(convergence="report")
    t_ours = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = run_wntr_epanet_simulator(wn).results
    h = ours.node["head"]
    hr = ref.node["head"].reindex(index=h.index, columns=h.columns)
    err = (h - hr).abs().to_numpy()
    sup = ours.node["supplied"].to_numpy()
    garbage = np.abs(hr.to_numpy()) > 1.0e6
    ok = sup & ~garbage
    e = err[ok]
    return dict(
        network=name, mode=mode, hours=wn.options.time.duration / 3600.0,
        nodes=h.shape[1], reports=h.shape[0],
        max_m=float(e.max()) if e.size else float("nan"),
        median_m=float(np.median(e)) if e.size else float("nan"),
        max_all_m=float(np.nanmax(err)),
        unsupplied=int((~sup).sum()), epanet_invalid=int(garbage.sum()),
        converged=bool(ours.converged), seconds=t_ours,
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--max-hours", type=float, default=None,
                    help="cap each run's duration (default: the model's own)")
    args = ap.parse_args(argv)
    names = args.names or available(WNTR_NETWORKS + LOCAL + SHARED_ONLY)
    rows = []
    hdr = (f"{'network':18s} {'mode':4s} {'hours':>6s} {'nodes':>6s} {'max|dH| m':>11s} "
           f"{'median m':>10s} {'unsupplied':>10s} {'EPANET invalid':>14s} {'conv':>5s}")
    print(hdr)
    print("-" * len(hdr))
    for name in names:
        for mode in ("DDA", "PDA"):
            cap = args.max_hours
            if cap is None and name in SHARED_ONLY:
                cap = 24.0
            r = compare(name, mode, cap)
            rows.append(r)
            print(f"{r['network']:18s} {r['mode']:4s} {r['hours']:6.0f} {r['nodes']:6d} "
                  f"{r['max_m']:11.2e} {r['median_m']:10.1e} {r['unsupplied']:10d} "
                  f"{r['epanet_invalid']:14d} {str(r['converged']):>5s}", flush=True)
    worst = max((r["max_m"] for r in rows if np.isfinite(r["max_m"])), default=float("nan"))
    print(f"\nworst max |head - EPANET 2.2 head| over supplied nodes: {worst:.2e} m "
          "(goal <= 1e-2 m); unsupplied = node-times cut off from every source "
          "(no water; EPANET has no valid head there)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
