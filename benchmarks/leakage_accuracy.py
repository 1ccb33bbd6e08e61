"""Pipe leakage in the core against EPANET 2.3.5 (owa-epanet), FAVAD on every pipe.

``python benchmarks/leakage_accuracy.py [NAMES ...] [--hours H] [--area A] [--expansion E]``

Every pipe leaks with the same EPANET 2.3 ``[LEAKAGE]`` parameters (default 1 mm2 per 100 m
of pipe and 0.01 mm2 per m of head per 100 m). The network is written as INP by the
project's writer (so EPANET reads the same ``[LEAKAGE]`` section) and run by both engines;
at every report time both have, the script prints the largest |head difference| over all
nodes and the largest relative difference of the network's total leakage. Goals (the
leakage issue): 0.01 m and 0.1 %. Only networks on which EPANET 2.3 and 2.2 agree without
leakage are meaningful (not Net6, ky4, ky10: 2.3 and 2.2 differ there by metres).

A control that fires on a tank level is a knife edge over long runs: millimetres of tank
level after days move the firing by a second, and a report time that falls in between shows
a pump on in one engine and off in the other. The table counts the report times over the
head goal, the first of them, and the largest difference at the other report times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import epanet.toolkit  # noqa: F401  (before WNTR loads EPANET 2.2; see tests/conftest.py)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import models  # noqa: E402
from benchmarks.networks import available, network_path  # noqa: E402
from benchmarks.reference import run_epanet  # noqa: E402
from planning.leakage import uniform_leakage  # noqa: E402
from simulation import NumbaSimulator  # noqa: E402

NETWORKS = ["Net1", "Net3", "ltown_battledim", "ctown_batadal"]
HEAD_GOAL_M = 0.01
LEAK_GOAL_REL = 1e-3


def epanet23_node_results(net: models.Network) -> dict:
    """EPANET 2.3.5 node results of ``net`` (written by the project's INP writer).

    Returns ``{key: DataFrame}`` (``head``, ``leak_demand``, ...), index = time (s), one row
    per time (the last solve at a time EPANET solved twice).
    """
    with tempfile.TemporaryDirectory() as folder:  # EPANET writes scratch files
        inp = os.path.join(folder, "leaky.inp")
        models.write_inp(net, inp)
        ref = run_epanet(inp, version="2.3", record=True).node_results()
    return {k: v[~v.index.duplicated(keep="last")] for k, v in ref.items()}


def compare(name: str, hours: float | None, area: float, expansion: float) -> dict:
    """Run one network with leakage on every pipe in both engines; the differences."""
    net = models.load_network(network_path(name))
    if hours is not None:
        net.wn.options.time.duration = int(hours * 3600)
    net = uniform_leakage(net, area, expansion)
    ours = NumbaSimulator(net).run_sim()
    ref = epanet23_node_results(net)
    times = ours.node["head"].index.intersection(ref["head"].index)
    cols = ours.node["head"].columns
    dh = (ours.node["head"].loc[times] - ref["head"].loc[times, cols]).abs().to_numpy()
    q = ours.node["leak_demand"].loc[times].sum(axis=1).to_numpy()
    qr = ref["leak_demand"].loc[times, cols].sum(axis=1).to_numpy()
    over = dh.max(axis=1) > HEAD_GOAL_M
    return dict(network=name, hours=net.wn.options.time.duration / 3600, reports=len(times),
                nodes=len(cols), max_head_m=float(dh.max()),
                times_over=int(over.sum()),
                first_over_h=float(times[over][0] / 3600) if over.any() else float("nan"),
                max_head_rest_m=float(dh[~over].max()) if (~over).any() else float("nan"),
                max_leak_rest=float(np.max(np.abs(q - qr)[~over] / qr[~over]))
                if (~over).any() else float("nan"),
                max_leak_rel=float(np.max(np.abs(q - qr) / qr)),
                leak_m3s=float(np.mean(qr)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--hours", type=float, default=None,
                    help="cap each run's duration (default: the model's own)")
    ap.add_argument("--area", type=float, default=1.0, help="mm2 per 100 m of pipe")
    ap.add_argument("--expansion", type=float, default=0.01,
                    help="mm2 per m of head, per 100 m of pipe")
    args = ap.parse_args(argv)
    names = args.names or available(NETWORKS)
    print(f"{'network':16s} {'hours':>6s} {'reports':>7s} {'nodes':>6s} "
          f"{'max|dH| m':>10s} {'max leak rel':>12s} {'mean leak m3/s':>14s} "
          f"{'times>goal':>10s} {'first h':>7s} {'max|dH| rest':>12s} {'leak rel rest':>13s}")
    rows = []
    for name in names:
        r = compare(name, args.hours, args.area, args.expansion)
        rows.append(r)
        print(f"{r['network']:16s} {r['hours']:6.0f} {r['reports']:7d} {r['nodes']:6d} "
              f"{r['max_head_m']:10.2e} {r['max_leak_rel']:12.2e} {r['leak_m3s']:14.4f} "
              f"{r['times_over']:10d} {r['first_over_h']:7.2f} {r['max_head_rest_m']:12.2e} "
              f"{r['max_leak_rest']:13.2e}",
              flush=True)
    ok = all(r["max_head_m"] <= HEAD_GOAL_M and r["max_leak_rel"] <= LEAK_GOAL_REL
             for r in rows)
    print(f"\nworst head {max(r['max_head_m'] for r in rows):.2e} m (goal {HEAD_GOAL_M} m), "
          f"worst total leakage {max(r['max_leak_rel'] for r in rows):.2e} relative "
          f"(goal {LEAK_GOAL_REL}): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
