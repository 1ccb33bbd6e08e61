"""Fill numba's on-disk cache at set-up: ``python -m application.warmup``.

Exports ``warm``. Run by the Makefile's install step (``make run`` / ``make test``), so a
new process loads compiled kernels from ``__pycache__`` instead of compiling them (about
40 s on a fresh clone). Every kernel is ``cache=True`` and compiled for the argument types
it is called with: ``warm`` runs the solver paths a first answer and the planner's pages
use (reader, extended period with and without leakage, single-period DDA and PDA solves,
what-ifs, closure sweeps, spare capacity, scenario runs, closure branches, the pipe
criticality screen) on Net1 and the planner's demo network.

numba keys a cache entry on the source file's modification time and size and on the
CPU; moving or copying the tree (``cp -a``, ``git worktree``) keeps it, editing a kernel
file or ``make clean-jit`` drops it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import wntr

from application.paths import DEMO_NETWORK
from simulation.standards import MIN_SERVICE_HEAD_M

NET1 = Path(wntr.__file__).resolve().parent / "library" / "networks" / "Net1.inp"


def _networks() -> list[Path]:
    return [p for p in (NET1, Path(DEMO_NETWORK)) if p.is_file()]


def _warm_one(path: Path) -> None:
    from models import load_network
    from simulation import NumbaSimulator, ScenarioRunner, SteadyStateSolver, closure_branches

    net = load_network(path)
    NumbaSimulator(net).run_sim(convergence="report")
    pipes = list(net.arrays.pipe_names if net.arrays is not None else net.wn.pipe_name_list)
    leaky = net.copy()
    leaky.pipe_leakage = pd.DataFrame(
        {"leak_area_mm2_per_100m": [1.0], "leak_expansion_mm2_per_m": [0.1]},
        index=pd.Index(pipes[:1], name="pipe"))
    NumbaSimulator(leaky).run_sim(convergence="report")
    for model in ("DDA", "PDA"):
        solver = SteadyStateSolver(net, demand_model=model)
        junction = solver.junction_names[-1]
        solver.solve(extra_demand_m3s={junction: 1e-3}, closed_links=pipes[:1])
        solver.solve(closed_links=pipes[1:2], start="cold")
        solver.head_sensitivity(junction)
        solver.sweep_closures(pipes[:4], min_pressure_m=MIN_SERVICE_HEAD_M, threads=1)
        solver.max_extra_demand([junction], threads=1)
    runner = ScenarioRunner(net)
    runner.run_many([{"statuses": {pipes[0]: "CLOSED"}}], threads=1)
    runner.leakage_many([{"statuses": {pipes[0]: "CLOSED"}}], threads=1)
    closure_branches(net, pipes[:1], np.array([0, 3600]), 3600, no_water_pressure_m=0.0,
                     min_pressure_m=MIN_SERVICE_HEAD_M, threads=1)
    from planning.shutdowns import criticality

    criticality(net, pipes[:6], threads=1)


def warm(paths=None, *, out=sys.stdout) -> None:
    """Run the solver and planner kernels once per network, compiling what is not cached.

    Parameters
    ----------
    paths : list of path, optional
        INP files; Net1 and the demo network by default.
    out : text stream
        Progress lines.
    """
    for path in paths or _networks():
        t0 = time.perf_counter()
        _warm_one(Path(path))
        print(f"warm-up: {Path(path).name} {time.perf_counter() - t0:.1f} s", file=out,
              flush=True)


if __name__ == "__main__":
    warm(sys.argv[1:] or None)
