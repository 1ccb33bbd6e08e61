"""Open a network and answer at once: INP path -> first steady answer, against EPANET 2.2.

Run ``python benchmarks/open_network.py`` (``--help`` for options). For synthetic networks
of 100,000 and 300,000 junctions (``benchmarks/synthetic_network.py``, written once into
``--inp-dir``) and BWSN Network 2 (``/work/shared/networks``; skipped if absent) it times,
best of ``--repeat``, in one process:

- ours: ``models.load_network`` (the fast reader), then ``SteadyStateSolver(net)`` (compile
  from the reader's arrays, symbolic factorisation, the period-0 solve);
- EPANET 2.2 (WNTR's library through ``benchmarks.epanet_engine``): ``ENopen``, then
  ``ENopenH`` + ``ENinitH`` + ``ENrunH`` (the period-0 solve), in a scratch folder;

and prints load / ``ENopen`` (goal <= 3) and first answer / EPANET's (goal <= 1.0), the
largest head difference of the two answers, and (unless ``--no-rss``) the peak memory
of a fresh process doing each (goal <= 2 GB at 300,000 junctions). The numba kernels are
compiled (or loaded from the cache) on Net1 before timing: ``benchmarks/cold_start.py``
measures a new process's first answer.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import sys
import time
from pathlib import Path

import numpy as np

try:
    from benchmarks.epanet_engine import _ENGINES, EPANET22
except ModuleNotFoundError:  # run as a script: put the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.epanet_engine import _ENGINES, EPANET22
from benchmarks.epanet_engine import _EN_HEAD, _EN_NODECOUNT, _EN_TANKCOUNT
from benchmarks.synthetic_network import write_synthetic_inp
from benchmarks.timing import peak_rss_mib, scratch_dir

BWSN2 = Path("/work/shared/networks/bwsn_network2.inp")
_M_PER_FT = 0.3048  # EPANET reports heads in ft for US flow units (codes 0-4)

_OURS_RSS_CODE = """
from models import load_network
from simulation import SteadyStateSolver
SteadyStateSolver(load_network({path!r}))
"""
_OURS_BASE_RSS_CODE = """
import models, simulation
from simulation.kernels import eps, sweep
"""
_EPANET_RSS_CODE = """
import ctypes
from benchmarks.epanet_engine import _ENGINES, EPANET22
from benchmarks.timing import scratch_dir
with scratch_dir():
    en = _ENGINES[EPANET22]({path!r}, 'r.rpt', '')
    en.open_h(); en.init_h(0); en.run_h(ctypes.c_long(0))
"""
_EPANET_BASE_RSS_CODE = """
from benchmarks.epanet_engine import _ENGINES, EPANET22
"""


def time_epanet(path: Path, repeat: int) -> dict:
    """Best ``ENopen`` and ``ENopen``..``ENrunH`` times of EPANET 2.2, and its heads (m)."""
    best_open = best_total = math.inf
    head = None
    for _ in range(repeat):
        with scratch_dir("open_net_"):
            t0 = time.perf_counter()
            en = _ENGINES[EPANET22](str(path), "r.rpt", "")
            t1 = time.perf_counter()
            en.open_h()
            en.init_h(0)
            en.run_h(ctypes.c_long(0))
            t2 = time.perf_counter()
            nn = en.count(_EN_NODECOUNT)
            nj = nn - en.count(_EN_TANKCOUNT)
            head = en.node_values(_EN_HEAD, nn)[:nj]
            if en.flow_units() <= 4:
                head = head * _M_PER_FT
            en.close_h()
            en.close()
        best_open = min(best_open, t1 - t0)
        best_total = min(best_total, t2 - t0)
    return {"open_s": best_open, "total_s": best_total, "head_m": head}


def time_ours(path: Path, repeat: int) -> dict:
    """Best load and load + compile + first solve times of the fast reader and numba core."""
    from models import load_network
    from simulation import SteadyStateSolver

    best_load = best_total = math.inf
    solver = None
    for _ in range(repeat):
        solver = None  # free the last run's arrays before timing the next
        t0 = time.perf_counter()
        net = load_network(path)
        t1 = time.perf_counter()
        solver = SteadyStateSolver(net)
        t2 = time.perf_counter()
        best_load = min(best_load, t1 - t0)
        best_total = min(best_total, t2 - t0)
    snap = solver.base
    nj = solver.compiled.net.nj
    return {"load_s": best_load, "total_s": best_total, "fast": net.arrays is not None,
            "head_m": np.asarray(snap.head_m)[:nj], "n_junctions": nj}


def warm_up() -> None:
    """Compile (or load from the cache) the kernels a steady solve uses, on Net1."""
    import wntr

    from models import load_network
    from simulation import SteadyStateSolver

    net1 = Path(wntr.__file__).parent / "library" / "networks" / "Net1.inp"
    SteadyStateSolver(load_network(net1))


def report(label: str, path: Path, repeat: int, rss: bool) -> None:
    """Time one network and print its lines."""
    ep = time_epanet(path, repeat)
    ours = time_ours(path, repeat)
    diff = float(np.max(np.abs(ours["head_m"] - ep["head_m"])))
    reader = "fast reader" if ours["fast"] else "WNTR reader (fallback)"
    print(f"{label}: {ours['n_junctions']} junctions, {reader}, best of {repeat}")
    print(f"  load      {ours['load_s']:7.3f} s  vs ENopen {ep['open_s']:7.3f} s"
          f"   ratio {ours['load_s'] / ep['open_s']:5.2f} (goal <= 3)")
    print(f"  answer    {ours['total_s']:7.3f} s  vs EPANET {ep['total_s']:7.3f} s"
          f"   ratio {ours['total_s'] / ep['total_s']:5.2f} (goal <= 1.0)"
          f"   [load + compile + solve vs ENopen + ENopenH + ENinitH + ENrunH]")
    print(f"  largest junction head difference to EPANET 2.2: {diff:.2e} m")
    if rss:
        base = peak_rss_mib(_OURS_BASE_RSS_CODE)
        mine = peak_rss_mib(_OURS_RSS_CODE.format(path=str(path)))
        ep_base = peak_rss_mib(_EPANET_BASE_RSS_CODE)
        ep_mib = peak_rss_mib(_EPANET_RSS_CODE.format(path=str(path)))
        print(f"  peak RSS  {mine:7.0f} MiB (imports alone {base:.0f} MiB)  vs EPANET "
              f"{ep_mib:.0f} MiB (imports alone {ep_base:.0f} MiB)   goal <= 2048 MiB")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 300_000],
                        help="synthetic network sizes (junctions)")
    parser.add_argument("--inp-dir", type=Path, default=Path("out/open_network"),
                        help="where the synthetic INP files are written (and reused)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-rss", action="store_true", help="skip peak-memory children")
    args = parser.parse_args(argv)

    warm_up()
    for n in args.sizes:
        path = args.inp_dir.resolve() / f"synthetic_{n}.inp"
        if not path.is_file():
            print(f"writing {path} ...", flush=True)
            write_synthetic_inp(path, n, seed=1)
        report(f"synthetic {n}", path, args.repeat, not args.no_rss)
    if BWSN2.is_file():
        report("BWSN Network 2", BWSN2, args.repeat, not args.no_rss)
    else:
        print(f"BWSN Network 2: {BWSN2} not found, skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
