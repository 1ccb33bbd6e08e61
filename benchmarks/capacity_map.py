"""Spare-capacity map of every junction vs a plain EPANET 2.2 bisection, same process, one run.

Usage::

    python benchmarks/capacity_map.py [--sample-net6 N] [--sample-bwsn2 N] [--full-net6]
                                      [--threads T] [--seed S]

For Net6 and bwsn_network2 (``/work/shared/networks``; skipped with a message if absent) it
times:

* ours: ``planning.connections.SpareCapacity(net, 14 m).table()`` for every junction (compile,
  base solve and the searches; numba's JIT compilation is done before timing, on a few
  junctions);
* the reference: for each junction, ``planning.connections.reference_bisection`` (doubling
  from 1 L/s, then bisection) with the EPANET 2.2 toolkit kept open
  (``benchmarks.reference.EpanetProject``, duration 0, pattern start at the same peak time):
  each trial sets the junction's base demand (``EN_BASEDEMAND``, scaled by its pattern
  multiplier and the demand multiplier so that the extra demand is constant), solves
  (``ENinitH(0)`` + ``ENrunH``: the last flows are the next start) and reads the node heads.
  A trial that ends unbalanced (EPANET warning 1) from the last flows is solved again from
  EPANET's initial flows (``ENinitH(10)``): warm starts alone stall on bwsn_network2 and
  give capacities 70x too small; only if that fails too does the trial count as a
  violation, like a failed solve of ours (which starts from EPANET's initial state). Same
  stopping rule: ``hi - lo <= max(1e-3 * hi, 1e-7 m3/s)``.

EPANET runs on a random sample of junctions and its time is extrapolated per junction to the
whole network (said so in the output); ``--full-net6`` runs it on every Net6 junction (about
20 minutes). It also prints the largest relative difference between the two capacities on
the timed junctions, and the warm time of one application assessed on Net6. The last line
is the speed ratio (the smaller of the two networks).
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
print = functools.partial(print, flush=True)  # noqa: A001 - progress shows as it runs
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.reference import EpanetProject  # noqa: E402
from models import load_network  # noqa: E402
from planning.connections import (  # noqa: E402
    Application,
    ConnectionStudy,
    SpareCapacity,
    reference_bisection,
)

MIN_PRESSURE_M = 14.0
RTOL = 1e-3
ATOL_M3S = 1e-7
NETWORKS = {
    "Net6": None,  # found through benchmarks.networks
    "bwsn_network2": Path("/work/shared/networks/bwsn_network2.inp"),
}


def network_file(name: str) -> Path | None:
    from benchmarks.networks import network_path

    try:
        return network_path(name)
    except FileNotFoundError:
        fixed = NETWORKS.get(name)
        return fixed if fixed is not None and fixed.exists() else None


def pattern_factor(wn, junction: str, time_s: int) -> float:
    """Multiplier EPANET applies to the junction's primary base demand at ``time_s``."""
    t = wn.options.time
    hyd = wn.options.hydraulic
    pstep = int(round(t.pattern_timestep)) or 3600
    period = (int(round(t.pattern_start)) + time_s) // pstep
    demands = wn.get_node(junction).demand_timeseries_list
    name = demands[0].pattern_name if len(demands) else None
    if name not in wn.pattern_name_list:
        name = hyd.pattern if hyd.pattern in wn.pattern_name_list else (
            "1" if "1" in wn.pattern_name_list else None)
    mult = 1.0
    if name is not None:
        m = wn.get_pattern(name).multipliers
        mult = float(m[period % len(m)]) if len(m) else 1.0
    return mult * float(hyd.demand_multiplier)


def epanet_bisection(path: Path, wn, sc: SpareCapacity, nodes: list[str]):
    """Reference capacities of ``nodes`` and the wall time of the loop (s)."""
    pstart = int(round(wn.options.time.pattern_start))
    positive = {n for n, j in wn.junctions()
                if sum(d.base_value for d in j.demand_timeseries_list) > 0}
    out: dict[str, float] = {}
    skipped = []
    solves = 0
    retries = 0
    with EpanetProject(path, "2.2", duration_s=0, pattern_time_s=pstart + sc.time_s) as p:
        t0 = time.perf_counter()
        base = p.solve(link_flows=False)
        names = p.node_names
        index = {n: i for i, n in enumerate(names)}
        gov = np.array([index[n] for n in names[: p.n_junctions]
                        if n in positive and base.pressure_m[index[n]] >= MIN_PRESSURE_M])
        for node in nodes:
            factor = pattern_factor(wn, node, sc.time_s)
            if factor <= 0:
                skipped.append(node)
                continue
            j = index[node]
            base_demand = p.base_demand_m3_s(node)

            def feasible(q_m3s: float, node=node, j=j, base_demand=base_demand,
                         factor=factor) -> bool:
                nonlocal retries
                p.set_base_demand(node, base_demand + q_m3s / factor)
                snap = p.solve(link_flows=False)
                if 1 in snap.warnings:  # unbalanced from the last flows: try a fresh start
                    retries += 1
                    snap = p.solve(link_flows=False, reinit_flows=True)
                    if 1 in snap.warnings:
                        return False
                pres = snap.pressure_m
                return bool(pres[j] >= MIN_PRESSURE_M and (pres[gov] >= MIN_PRESSURE_M).all())

            q, calls = reference_bisection(feasible, rtol=RTOL, atol_m3s=ATOL_M3S)
            solves += calls
            p.set_base_demand(node, base_demand)
            out[node] = q
        wall_s = time.perf_counter() - t0
    return out, wall_s, solves + retries, skipped


def compare(ours, ref: dict[str, float]) -> tuple[float, str]:
    worst, where = 0.0, ""
    for node, q_ref in ref.items():
        q = float(ours.loc[node, "spare_capacity_m3s"])
        scale = max(abs(q_ref), abs(q))
        d = 0.0 if scale <= ATOL_M3S else abs(q - q_ref) / scale
        if d > worst:
            worst, where = d, node
    return worst, where


def run_network(name: str, sample: int | None, threads: int, rng) -> float | None:
    path = network_file(name)
    if path is None:
        print(f"\n== {name}: SKIPPED (network file not found; bwsn_network2 lives in "
              "/work/shared/networks)")
        return None
    net = load_network(path)
    wn = net.wn
    nj = wn.num_junctions
    print(f"\n== {name}: {nj} junctions, {wn.num_pipes} pipes, min pressure "
          f"{MIN_PRESSURE_M:g} m, rtol {RTOL:g}, {threads} thread(s)")
    SpareCapacity(net, MIN_PRESSURE_M).table(list(wn.junction_name_list[:3]), threads=1)  # JIT
    t0 = time.perf_counter()
    sc = SpareCapacity(net, MIN_PRESSURE_M, rtol=RTOL, atol_m3s=ATOL_M3S)
    table = sc.table(threads=threads)
    ours_s = time.perf_counter() - t0
    counts = table["status"].value_counts().to_dict()
    print(f"ours: all {nj} junctions in {ours_s:.2f} s ({ours_s / nj * 1e3:.2f} ms per junction; "
          f"peak time {sc.time_s} s; {table['solves'].mean():.2f} solves and "
          f"{table['iterations'].mean():.1f} Newton iterations per junction; status {counts})")
    names = list(wn.junction_name_list)
    if sample is None or sample >= nj:
        chosen = names
        how = "every junction"
    else:
        chosen = sorted(rng.choice(names, sample, replace=False).tolist())
        how = f"a random sample of {sample} junctions (seed fixed), extrapolated per junction"
    ref, ref_s, solves, skipped = epanet_bisection(path, wn, sc, chosen)
    done = len(ref)
    per_node_s = ref_s / max(done, 1)
    full_s = per_node_s * nj
    print(f"EPANET 2.2 bisection on {how}: {done} junctions in {ref_s:.1f} s "
          f"({per_node_s * 1e3:.1f} ms per junction, {solves / max(done, 1):.1f} solves each)"
          + (f"; {len(skipped)} skipped (pattern multiplier 0)" if skipped else ""))
    if done < nj:
        print(f"EPANET 2.2 bisection, all {nj} junctions: {full_s:.0f} s (EXTRAPOLATED from the "
              "sample)")
    worst, where = compare(table, ref)
    print(f"accuracy: max relative difference ours vs EPANET bisection on the {done} timed "
          f"junctions: {worst:.2e}" + (f" (at {where})" if where else ""))
    ratio = full_s / ours_s
    print(f"{name}: EPANET bisection / ours = {ratio:.1f}x")
    return ratio


def application_timing() -> None:
    path = network_file("Net6")
    net = load_network(path)
    from gis import kunming_placement

    placement = kunming_placement(net)
    study = ConnectionStudy(net, placement=placement)
    xy = placement.to_target(np.asarray(net.wn.get_node("JUNCTION-100").coordinates))[0]
    app = Application("BENCH-1", demand_l_s=2.0, customer_class="commercial",
                      x_m=xy[0] + 30.0, y_m=xy[1] + 20.0, meter_dn=40, storeys=6)
    t0 = time.perf_counter()
    study.assess(app)
    cold_s = time.perf_counter() - t0
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        result = study.assess(app)
        best = min(best, time.perf_counter() - t0)
    print(f"\n== one application on Net6 (24-h pressure-driven run, with and without it): "
          f"first {cold_s:.2f} s (copy, base run, any JIT compilation), warm {best:.3f} s "
          f"({'under' if best < 1 else 'OVER'} 1 s); verdict {result.verdict!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample-net6", type=int, default=100)
    ap.add_argument("--sample-bwsn2", type=int, default=30)
    ap.add_argument("--full-net6", action="store_true", help="EPANET on every Net6 junction")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2023)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    ratios = {}
    r = run_network("Net6", None if args.full_net6 else args.sample_net6, args.threads, rng)
    if r is not None:
        ratios["Net6"] = r
    r = run_network("bwsn_network2", args.sample_bwsn2, args.threads, rng)
    if r is not None:
        ratios["bwsn_network2"] = r
    application_timing()
    if not ratios:
        print("no network ran")
        return 1
    worst = min(ratios, key=ratios.get)
    print(f"\nRATIO (EPANET 2.2 bisection time / spare-capacity map time, smallest over "
          f"{', '.join(ratios)}; goal >= 30): {ratios[worst]:.1f}x ({worst})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
