"""Speed of NumbaSimulator against the EPANET 2.2 toolkit loop (same process, same run).

For Net6 (24 h), L-Town (its full 168 h) and BWSN Network 2 (24 h): wall time of
``NumbaSimulator.run_sim()`` over the EPANET 2.2 hydraulic loop (``ENopenH``, ``ENinitH``,
``ENrunH``/``ENnextH`` through ``wntr.epanet.toolkit``; the INP parse is not timed), best of
three, warm JIT cache. The compile step (model -> arrays, ordering, symbolic factorisation)
is timed separately and also reported added to the run. The ratio to WNTR's own
``WNTRSimulator`` is printed too, and the cold-start (first-call JIT compile) time is
measured in a fresh process with an empty numba cache.

Usage::

    python benchmarks/solver.py [--no-wntr] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import wntr  # noqa: E402

from benchmarks.networks import network_path  # noqa: E402
from benchmarks.reference import run_epanet, run_wntr_simulator, timed  # noqa: E402
from models import load_network  # noqa: E402
from simulation import NumbaSimulator  # noqa: E402

CASES = [("Net6", 24), ("ltown_battledim", None), ("bwsn_network2", 24)]

_COLD = """
import time, sys
t0 = time.perf_counter()
sys.path.insert(0, {repo!r})
from simulation import NumbaSimulator
import wntr
wn = wntr.network.WaterNetworkModel({inp!r})
t1 = time.perf_counter()
NumbaSimulator(wn).run_sim()
t2 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}}")
"""


def cold_start_s() -> tuple[float, float]:
    """(cold, warm) seconds of the first NumbaSimulator run (Net1) in a fresh process.

    Cold: empty numba cache, so every kernel is compiled. Warm: the cache just written.
    """
    inp = str(network_path("Net1"))
    out = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for _ in range(2):
            r = subprocess.run([sys.executable, "-c", _COLD.format(repo=str(REPO), inp=inp)],
                               env=env, capture_output=True, text=True, check=True, cwd=cache)
            out.append(float(r.stdout.split()[1]))
    return out[0], out[1]


def bench(name: str, hours: float | None, repeat: int, with_wntr: bool) -> dict:
    net = load_network(network_path(name)).copy()
    wn = net.wn
    if hours is not None:
        wn.options.time.duration = int(hours * 3600)
    with tempfile.TemporaryDirectory() as d:
        inp = os.path.join(d, f"{name}.inp")
        wntr.network.write_inpfile(wn, inp)
        ep = run_epanet(inp, repeat=repeat)
    NumbaSimulator(net).run_sim()  # warm the JIT cache for this network's types
    t_compile = timed(lambda: NumbaSimulator(net), repeat=repeat)
    sim = NumbaSimulator(net)
    t_run = timed(sim.run_sim, repeat=repeat)
    t_wntr = float("nan")
    if with_wntr:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_wntr = run_wntr_simulator(wn).wall_s
        except Exception as exc:  # WNTRSimulator rejects D-W networks, may fail to converge
            print(f"  WNTRSimulator failed on {name}: {type(exc).__name__}: {exc}")
    return dict(name=name, hours=wn.options.time.duration / 3600, steps=ep.n_steps,
                epanet=ep.wall_s, run=t_run, compile=t_compile, wntr=t_wntr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-wntr", action="store_true", help="skip WNTRSimulator (slow)")
    args = ap.parse_args(argv)
    rows = []
    for name, hours in CASES:
        try:
            network_path(name)
        except FileNotFoundError:
            print(f"{name}: not available here, skipped")
            continue
        rows.append(bench(name, hours, args.repeat, not args.no_wntr))
    print(f"\n{'network':16s} {'hours':>5s} {'steps':>5s} {'EPANET2.2 s':>11s} "
          f"{'ours run s':>10s} {'compile s':>9s} {'run/EPANET':>10s} "
          f"{'(compile+run)/EPANET':>20s} {'WNTRSim/ours':>12s}")
    for r in rows:
        print(f"{r['name']:16s} {r['hours']:5.0f} {r['steps']:5d} {r['epanet']:11.3f} "
              f"{r['run']:10.3f} {r['compile']:9.3f} {r['run'] / r['epanet']:10.2f} "
              f"{(r['compile'] + r['run']) / r['epanet']:20.2f} "
              f"{r['wntr'] / r['run']:12.1f}")
    t0 = time.perf_counter()
    cold, warm = cold_start_s()
    print(f"\ncold start (empty numba cache, first run of Net1 incl. JIT compile): {cold:.1f} s; "
          f"warm start (cached): {warm:.2f} s  [{time.perf_counter() - t0:.0f} s to measure]")
    for r in rows:
        print(f"ratio NumbaSimulator/EPANET 2.2 loop, {r['name']}: {r['run'] / r['epanet']:.2f} "
              "(goal <= 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
