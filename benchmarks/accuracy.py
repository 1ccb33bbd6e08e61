"""Accuracy of NumbaSimulator against EPANET 2.2 (wntr's EpanetSimulator) on every network.

Networks: wntr's shipped ones, ``../shared/networks`` and ``../shared/networks/more``
(durations capped at 48 h; BWSN Network 2 at 24 h, where EPANET 2.2 itself halts at 27 h).
For each, demand-driven (the model's own options) and pressure-driven (PDA with minimum
pressure 0 m and required pressure 20 m): max and median |head - EPANET head| over the
supplied nodes at every report time, and whether our run converged (``unbal``: steps
EPANET-style unbalanced, continued as ``UNBALANCED CONTINUE`` asks; ``FAIL``: a
``ConvergenceError``). Nodes cut off from every source (no water) are counted
separately: EPANET has no such notion and returns numerically meaningless heads there
(e.g. -1e24 m on Anytown, whose pumps never run). EPANET runs in a temporary folder.

Usage::

    python benchmarks/accuracy.py [NAME_OR_INP ...] [--max-hours H] [--modes DDA,PDA]
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

from benchmarks.networks import (  # noqa: E402
    LOCAL,
    SHARED_NETWORKS,
    SHARED_ONLY,
    WNTR_NETWORKS,
    available,
    network_path,
)
from benchmarks.reference import run_wntr_epanet_simulator  # noqa: E402
from models import load_network  # noqa: E402
from simulation import ConvergenceError, NumbaSimulator  # noqa: E402

PDA_MIN_M = 0.0
MAX_GOAL_M = 0.01       # max |head - EPANET head| over supplied nodes and report times
MEDIAN_GOAL_M = 1.0e-4  # and its median
PDA_REQ_M = 20.0
CAP_HOURS = 48.0
SHORT_CAP_HOURS = {"bwsn_network2": 24.0}  # EPANET 2.2 halts at 27 h
MORE = SHARED_NETWORKS / "more"


def all_networks() -> list[Path]:
    """INP paths of every benchmark network present here."""
    paths = [network_path(n) for n in available(WNTR_NETWORKS + LOCAL + SHARED_ONLY)]
    if MORE.is_dir():
        paths += sorted(MORE.glob("*.inp"))
    return paths


def resolve(name: str) -> Path:
    """An INP path from a path or a network name (also looked up in ``more/``)."""
    p = Path(name)
    if p.suffix == ".inp" and p.exists():
        return p
    if (MORE / f"{name}.inp").exists():
        return MORE / f"{name}.inp"
    return network_path(name)


def compare(path: Path, mode: str, max_hours: float | None) -> dict:
    """Run both simulators on one network and mode; return the error summary."""
    net = load_network(path).copy()
    wn = net.wn
    cap = SHORT_CAP_HOURS.get(path.stem, CAP_HOURS) if max_hours is None else max_hours
    if wn.options.time.duration > cap * 3600:
        wn.options.time.duration = int(cap * 3600)
    if mode == "PDA":
        wn.options.hydraulic.demand_model = "PDA"
        wn.options.hydraulic.minimum_pressure = PDA_MIN_M
        wn.options.hydraulic.required_pressure = PDA_REQ_M
    t0 = time.perf_counter()
    failed = ""
    try:
        ours = NumbaSimulator(net).run_sim()
    except ConvergenceError as exc:
        ours = exc.results
        failed = str(exc)
    t_ours = time.perf_counter() - t0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = run_wntr_epanet_simulator(wn).results
    except Exception as exc:  # EPANET halts (e.g. UNBALANCED STOP): no reference output
        return dict(network=path.stem, mode=mode, hours=wn.options.time.duration / 3600.0,
                    nodes=len(wn.node_name_list), reports=0, ref_reports=0,
                    max_m=float("nan"), median_m=float("nan"), unsupplied=0,
                    epanet_invalid=0, unbalanced=0, failed=failed,
                    worst=f"EPANET 2.2 gave no results ({type(exc).__name__})",
                    seconds=t_ours, no_ref=True)
    h = ours.node["head"]
    hr = ref.node["head"]
    times = h.index.intersection(hr.index)
    h = h.loc[times]
    hr = hr.loc[times].reindex(columns=h.columns)
    err = (h - hr).abs().to_numpy()
    sup = ours.node["supplied"].loc[times].to_numpy().astype(bool)
    garbage = np.abs(hr.to_numpy()) > 1.0e6
    ok = sup & ~garbage
    e = err[ok]
    diag = ours.diagnostics
    unbal = int((~diag["converged"]).sum()) if "converged" in diag else 0
    worst = ""
    if e.size:
        i, j = np.unravel_index(np.argmax(np.where(ok, err, -1.0)), err.shape)
        worst = f"{h.columns[j]}@{int(times[i])}s"
    return dict(
        network=path.stem, mode=mode, hours=wn.options.time.duration / 3600.0,
        nodes=h.shape[1], reports=len(times), ref_reports=len(hr.index),
        max_m=float(e.max()) if e.size else float("nan"),
        median_m=float(np.median(e)) if e.size else float("nan"),
        unsupplied=int((~sup).sum()), epanet_invalid=int(garbage.sum()),
        unbalanced=unbal, failed=failed, worst=worst, seconds=t_ours,
    )


HEADER = (f"{'network':20s} {'mode':4s} {'hours':>5s} {'nodes':>6s} {'max|dH| m':>10s} "
          f"{'median m':>9s} {'unsup':>6s} {'EPinv':>6s} {'unbal':>5s} {'status':>6s}  worst")


def row_text(r: dict) -> str:
    within = r["max_m"] <= MAX_GOAL_M and r["median_m"] <= MEDIAN_GOAL_M
    status = "FAIL" if r["failed"] else ("ok" if within else "miss")
    if r.get("no_ref"):
        status = "no-ref"
    return (f"{r['network']:20s} {r['mode']:4s} {r['hours']:5.0f} {r['nodes']:6d} "
            f"{r['max_m']:10.2e} {r['median_m']:9.1e} {r['unsupplied']:6d} "
            f"{r['epanet_invalid']:6d} {r['unbalanced']:5d} {status:>6s}  {r['worst']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="network names or INP paths (default: all)")
    ap.add_argument("--max-hours", type=float, default=None,
                    help=f"cap each run's duration (default {CAP_HOURS:.0f} h, BWSN 2 24 h)")
    ap.add_argument("--modes", default="DDA,PDA")
    args = ap.parse_args(argv)
    paths = [resolve(n) for n in args.names] if args.names else all_networks()
    rows = []
    print(HEADER)
    print("-" * len(HEADER))
    for path in paths:
        for mode in args.modes.split(","):
            r = compare(path, mode, args.max_hours)
            rows.append(r)
            print(row_text(r), flush=True)
            if r["failed"]:
                print(f"    ConvergenceError: {r['failed']}", flush=True)
    finite = [r["max_m"] for r in rows if np.isfinite(r["max_m"])]
    worst = max(finite, default=float("nan"))
    misses = [f"{r['network']}/{r['mode']}" for r in rows
              if not r.get("no_ref") and (r["failed"] or not (r["max_m"] <= MAX_GOAL_M
                                                             and r["median_m"] <= MEDIAN_GOAL_M))]
    print(f"\nworst max |head - EPANET 2.2 head| over supplied nodes: {worst:.2e} m "
          "(goal <= 1e-2 m); unsup = node-times cut off from every source (no water; "
          "EPANET has no valid head there)")
    print(f"{len(rows) - len(misses)} of {len(rows)} runs within {MAX_GOAL_M} m (max) and "
          f"{MEDIAN_GOAL_M} m (median); misses: "
          f"{', '.join(misses) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
