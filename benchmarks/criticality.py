"""Criticality sweep benchmark: every pipe closed in turn, against EPANET 2.2.

1. Net6, peak hour, pressure-driven (nothing at or below 0 m, full demand from 14 m):
   every pipe closed in turn with ``planning.shutdowns`` (linear screen + the core's
   warm-started solves, 2 threads), timed against a kept-open EPANET 2.2 toolkit loop
   (``benchmarks.reference.EpanetProject``) doing the same closures in the same process
   (in 8 interleaved blocks, so that both see the same load on a shared machine; each
   closure is done once by each). Both read the same PDA INP file. A case matches when the set of junctions below
   14 m is the same (our side: supplied and below 14 m, or cut off from every source).
   EPANET cannot close check-valve pipes (error 207); those are left out of both.
2. bwsn_network2 (if present): the same sweep through a local Dask cluster (2 worker
   processes; each builds its own solver once and takes one chunk of pipes); cases/s.

The Net6 speed ratio is printed last. Run: ``.venv/bin/python benchmarks/criticality.py``
(options: ``--skip-bwsn``, ``--threads N``).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import epanet.toolkit  # noqa: E402,F401  (load order: owa-epanet before WNTR's EPANET)
import numpy as np  # noqa: E402
import wntr  # noqa: E402

from benchmarks.networks import network_path  # noqa: E402
from benchmarks.reference import EpanetProject, scratch_dir  # noqa: E402
from models import load_network  # noqa: E402
from planning.shutdowns.criticality import ClosureSweeper, criticality  # noqa: E402
from simulation import peak_demand_time_s  # noqa: E402

MIN_PRESSURE_M = 14.0
BLOCKS = 8


def pda_inp(src: Path, folder: Path) -> Path:
    """Write a copy of ``src`` with PDA (0 m -> 14 m) for both engines to read."""
    wn = copy.deepcopy(load_network(src).wn)
    h = wn.options.hydraulic
    h.demand_model = "PDA"
    h.minimum_pressure = 0.0
    h.required_pressure = MIN_PRESSURE_M
    out = folder / f"{src.stem}_pda.inp"
    wntr.network.write_inpfile(wn, str(out))
    return out


def net6(threads: int) -> float:
    with scratch_dir("crit_") as folder:
        inp = pda_inp(network_path("Net6"), folder)
        net = load_network(inp)
        wn = net.wn
        all_pipes = list(wn.pipe_name_list)
        pipes = [p for p in all_pipes if not wn.get_link(p).check_valve]
        peak = peak_demand_time_s(net)
        h = wn.options.hydraulic
        print(f"Net6: {len(all_pipes)} pipes ({len(all_pipes) - len(pipes)} check-valve pipe(s) "
              f"EPANET cannot close), {len(wn.junction_name_list)} junctions; "
              f"{len(pipes)} closures at the peak hour t = {peak} s; PDA "
              f"{h.minimum_pressure:.3f} -> {h.required_pressure:.3f} m")

        t0 = time.perf_counter()
        sweeper = ClosureSweeper(net, peak, MIN_PRESSURE_M, h.minimum_pressure,
                                 h.required_pressure)
        build_s = time.perf_counter() - t0
        sweeper.sweep(pipes[:20], threads=threads)  # numba caches, warm threads
        sweeper = ClosureSweeper(net, peak, MIN_PRESSURE_M, h.minimum_pressure,
                                 h.required_pressure)
        nj = len(sweeper.solver.junction_names)
        below = np.zeros((len(pipes), nj), dtype=bool)
        unsupplied = np.zeros_like(below)
        errors = np.zeros(len(pipes), dtype=np.int64)
        theirs = np.zeros_like(below)
        warn = np.zeros(len(pipes), dtype=bool)
        ours_s = epanet_s = 0.0
        tm = {"screen_base": 0.0, "screen": 0.0, "solve": 0.0, "n_solved": 0}
        with EpanetProject(inp, duration_s=0, pattern_time_s=peak) as ep:
            if list(ep.node_names[:ep.n_junctions]) != sweeper.solver.junction_names:
                raise RuntimeError("junction order differs between EPANET and the core")
            ep.solve(link_flows=False)
            # interleaved blocks: both engines see the same load on a shared machine
            for block in np.array_split(np.arange(len(pipes)), BLOCKS):
                names = [pipes[i] for i in block]
                t0 = time.perf_counter()
                ours = sweeper.sweep(names, threads=threads)
                ours_s += time.perf_counter() - t0
                for key in tm:
                    tm[key] += sweeper.timings_s[key]
                below[block] = ours.low | ours.unsupplied
                unsupplied[block] = ours.unsupplied
                errors[block] = ours.error_code
                t0 = time.perf_counter()
                for i, name in zip(block, names):
                    ep.set_link_open(name, False)
                    snap = ep.solve(link_flows=False)
                    ep.set_link_open(name, True)
                    theirs[i] = snap.pressure_m[:nj] < MIN_PRESSURE_M
                    warn[i] = bool(snap.warnings)
                epanet_s += time.perf_counter() - t0

    diff = below != theirs
    bad = diff.any(axis=1)
    # EPANET has no notion of a cut-off area: it gives cut-off junctions whatever head
    # the closed links' tiny conductance leaves them (often above 14 m)
    only_cut = bad & ~(diff & ~unsupplied).any(axis=1)
    not_conv = bad & ~only_cut & ((errors != 0) | warn)
    other = bad & ~only_cut & ~not_conv
    n_solved = tm["n_solved"]
    print(f"  ours: {ours_s:.3f} s for {len(pipes)} closures "
          f"({1e3 * ours_s / len(pipes):.3f} ms/case; solver build {build_s:.2f} s untimed)")
    print(f"    screen set-up {tm['screen_base']:.3f} s, linear screen {tm['screen']:.3f} s "
          f"({len(pipes) - n_solved} closures vouched for), full solves {tm['solve']:.3f} s "
          f"({n_solved} closures, {1e3 * tm['solve'] / max(n_solved, 1):.2f} ms each, "
          f"{threads} threads)")
    print(f"  EPANET 2.2 kept-open loop: {epanet_s:.3f} s "
          f"({1e3 * epanet_s / len(pipes):.3f} ms/case)")
    print(f"  cases whose set of junctions below {MIN_PRESSURE_M:g} m differs: {int(bad.sum())} "
          f"of {len(pipes)}")
    print(f"    only at junctions we report cut off (EPANET leaves them a pressure): "
          f"{int(only_cut.sum())}")
    print(f"    with a non-converged solve or an EPANET warning: {int(not_conv.sum())}")
    print(f"    other: {int(other.sum())}"
          + (f" ({', '.join(np.asarray(pipes)[other][:10])})" if other.any() else ""))
    return epanet_s / ours_s


def bwsn2() -> None:
    try:
        path = network_path("bwsn_network2")
    except FileNotFoundError:
        print("bwsn_network2: not found, skipped")
        return
    from dask.distributed import Client, LocalCluster

    wn = load_network(path).wn
    n = len(wn.pipe_name_list)
    print(f"bwsn_network2: {n} pipes, {len(wn.junction_name_list)} junctions; Dask "
          "LocalCluster, 2 worker processes x 1 thread, one chunk of pipes per worker")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        t0 = time.perf_counter()
        table = criticality(str(path), client=client)
        wall = time.perf_counter() - t0
    solved = int((table["method"] == "solved").sum())
    print(f"  {len(table)} closures in {wall:.1f} s wall (workers load the INP and build "
          f"their solver inside it): {len(table) / wall:.0f} cases/s; {solved} solved in "
          f"full, {len(table) - solved} vouched for by the screen; "
          f"{int((table['error_code'] != 0).sum())} with a solver error")
    top = table.sort_values("customers_without_water", ascending=False).head(3)
    print("  most critical pipes (customers without water):",
          ", ".join(f"{p} ({int(c)})" for p, c in top["customers_without_water"].items()))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-bwsn", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    ratio = net6(args.threads)
    if not args.skip_bwsn:
        bwsn2()
    print(f"Net6 criticality sweep: {ratio:.1f}x faster than the EPANET 2.2 kept-open loop "
          f"(goal 30x)")


if __name__ == "__main__":
    main()
