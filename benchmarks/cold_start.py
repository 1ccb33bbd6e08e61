"""Cold start: a new process's first answer after set-up (``make run`` / ``make test``).

Run ``python benchmarks/cold_start.py`` (after ``make warm``, which the set-up runs). Each
try starts a fresh Python process that imports the project, reads the network and solves
it (``SteadyStateSolver`` for the first steady answer, then ``NumbaSimulator.run_sim`` for
the extended period); the wall time is from the process's start to the answer, so it
includes the interpreter, every import and loading the compiled kernels from numba's
on-disk cache. Printed for Net1 (goal <= 5 s) and the planner's demo network, best of
``--repeat``, with the time split inside the child. ``--uncached`` adds one try with an
empty cache folder (``NUMBA_CACHE_DIR``): the wait a fresh clone would have without the
set-up's warm-up.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from application.warmup import _networks  # noqa: E402  (Net1 and the demo network)

_CHILD = """
import time
t0 = time.perf_counter()
from models import load_network
from simulation import NumbaSimulator, SteadyStateSolver
t1 = time.perf_counter()
net = load_network({path!r})
snap = SteadyStateSolver(net).base
t2 = time.perf_counter()
NumbaSimulator(net).run_sim()
t3 = time.perf_counter()
print("SPLIT", t1 - t0, t2 - t1, t3 - t2)
"""


def first_answer(path: Path, env: dict | None = None) -> tuple[float, list[float]]:
    """Wall time of a fresh process up to its first steady answer, and the child's split.

    Returns
    -------
    wall_s : float
        Process start to the steady answer (s): the process's total time minus the
        extended-period run after it.
    split_s : list of float
        Imports, read + steady solve, extended-period run (s), measured in the child.
    """
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(path=str(path))],
                          cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True,
                          timeout=1800)
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child failed:\n{proc.stderr[-2000:]}")
    split = [float(x) for x in proc.stdout.rsplit("SPLIT", 1)[1].split()]
    return total - split[2], split


def _env(cache_dir: str | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--uncached", action="store_true",
                        help="also time one start with an empty numba cache (slow)")
    args = parser.parse_args(argv)
    cached = sum(1 for _ in REPO.glob("simulation/kernels/__pycache__/*.nbi"))
    print(f"numba cache: {cached} kernel index files in simulation/kernels/__pycache__")
    for path in _networks():
        runs = [first_answer(path, _env()) for _ in range(args.repeat)]
        wall, split = min(runs)
        goal = "   goal <= 5 s" if path.stem == "Net1" else ""
        print(f"{path.stem}: new process -> first steady answer {wall:5.2f} s (best of "
              f"{args.repeat}; imports {split[0]:.2f} s, read + solve {split[1]:.2f} s; "
              f"then a full EPS run {split[2]:.2f} s){goal}", flush=True)
        if args.uncached:
            with tempfile.TemporaryDirectory(prefix="numba_cache_") as empty:
                wall, split = first_answer(path, _env(empty))
            print(f"{path.stem}: same with an empty numba cache {wall:5.2f} s "
                  f"(imports {split[0]:.2f} s, read + compile kernels + solve "
                  f"{split[1]:.2f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
