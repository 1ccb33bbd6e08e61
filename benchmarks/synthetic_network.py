"""A large synthetic city network (>= 100,000 junctions) for speed and memory benchmarks.

Exports
-------
make_synthetic_network(n_junctions, seed) -> wntr.network.WaterNetworkModel
write_synthetic_inp(path, n_junctions, seed) -> SyntheticSummary
time_numba_steady(wn) -> best compile and steady-solve times of the numba core

Run ``python benchmarks/synthetic_network.py --out PATH`` to write the INP and print its counts and
the EPANET 2.2 steady-state solve time, the numba core's, their ratio and both peak memories.
Callers: ``benchmarks/`` scripts and ``tests/test_benchmark_tools.py``.

The network
-----------
A street grid in metres whose blocks are 60-170 m wide (pipe lengths 50-200 m). Every
``mains_every``-th row and column is a trunk main (DN300-DN800, larger near the sources, with
DN800/DN1000 outlet pipes from tanks and reservoirs); the other streets carry distribution pipes
(DN100 50 %, DN150 35 %, DN200 15 %). 45 % of the distribution pipes are left out, except where
needed to keep the network connected: that leaves about 1.22 pipes per junction and many dead
ends, as in real networks (BWSN Network 2: 1.18, L-Town: 1.16). A full grid (2 pipes per junction)
is not realistic and also makes EPANET's ordering step (ENopenH) explode with fill-in: for
100,000 junctions it took about 100 times longer at 1.73 pipes per junction and 17 times longer
at 1.46 than at 1.23 (one machine, one run each). Hazen-Williams roughness
100-140. Ground elevations come from a smooth terrain rising from a lake shore in the south-west
(1890 m) to hills in the north-east (1950 m), like Kunming's basin. Four clear-water reservoirs
(head 1975 m), a lake intake (1887 m) with two parallel pumps, and three tanks (1962.5-1974 m)
feed the mains. Base demands total 2.5 m3/s per 100,000 junctions (0.025 L/s each on average,
lognormally spread) under one 24-hour diurnal pattern (night 0.47, peak 1.47 at 8:00). At the
peak hour the lowest junction pressure is about 22 m (highest about 84 m); a 24-hour run has no
EPANET warnings and the tanks drain by day and refill at night.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wntr

try:
    from benchmarks.reference import (
        EPANET22,
        peak_rss_mib,
        print_ratio_table,
        solve_steady,
        timed,
    )
except ModuleNotFoundError:  # run as a script: put the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.reference import (
        EPANET22,
        peak_rss_mib,
        print_ratio_table,
        solve_steady,
        timed,
    )

__all__ = [
    "DIURNAL_PATTERN",
    "SyntheticSummary",
    "make_synthetic_network",
    "peak_hour_s",
    "time_numba_steady",
    "write_synthetic_inp",
]

# Hourly demand multipliers of a city day (night minimum, 8:00 and 19:00 peaks), mean 1.
_DIURNAL_RAW = np.array(
    [
        0.55, 0.50, 0.48, 0.48, 0.52, 0.70, 1.05, 1.40, 1.50, 1.25, 1.15, 1.20,
        1.30, 1.15, 1.05, 1.00, 1.05, 1.20, 1.40, 1.48, 1.35, 1.15, 0.90, 0.70,
    ]
)  # fmt: skip
DIURNAL_PATTERN = _DIURNAL_RAW / _DIURNAL_RAW.mean()

_DIST_DIAMETERS_M = np.array([0.10, 0.15, 0.20])
_DIST_DIAMETER_P = np.array([0.50, 0.35, 0.15])
_MAIN_DIAMETERS_M = np.array([0.8, 0.6, 0.5, 0.4, 0.3, 0.3])
# main diameter steps down at these distances from the nearest source (fraction of the city
# width)
_MAIN_STEP_FRACTIONS = np.array([0.02, 0.04, 0.07, 0.11, 0.16])

_TERRAIN_LOW_M = 1890.0
_TERRAIN_HIGH_M = 1950.0
_GRAVITY_HEAD_M = 1975.0  # clear-water reservoirs on the hills
_LAKE_HEAD_M = 1887.0  # Dianchi-like lake surface
_TANK_BOTTOM_M = 1962.0
_TANK_INIT_LEVEL_M = 8.0
_TANK_MIN_LEVEL_M = 0.5
_TANK_MAX_LEVEL_M = 12.0
_TANK_DIAMETER_M = 40.0
_PUMP_FLOW_SHARE = 0.15  # design flow of each of the two pumps, share of the mean demand
_PUMP_DESIGN_HEAD_M = 95.0
_DEMAND_M3_S_PER_JUNCTION = 2.5 / 100_000

# Sources as fractions of the city's width/height (x east, y north), snapped to mains crossings.
_GRAVITY_SITES = [(0.80, 0.85), (0.20, 0.80), (0.85, 0.30), (0.50, 0.55)]
_LAKE_SITE = (0.15, 0.15)
_TANK_SITES = [(0.55, 0.90), (0.90, 0.60), (0.35, 0.35)]
_SOURCE_PIPE_LENGTH_M = 200.0


@dataclass(frozen=True)
class SyntheticSummary:
    """What ``write_synthetic_inp`` wrote.

    Attributes
    ----------
    path : pathlib.Path
    n_junctions, n_pipes, n_pumps, n_reservoirs, n_tanks : int
    total_base_demand_m3_s : float
        Sum of junction base demands (pattern mean is 1), m3/s.
    build_s, write_s : float
        Wall time to build the model / to write the INP, seconds.
    """

    path: Path
    n_junctions: int
    n_pipes: int
    n_pumps: int
    n_reservoirs: int
    n_tanks: int
    total_base_demand_m3_s: float
    build_s: float
    write_s: float


def peak_hour_s() -> int:
    """Start of the peak hour of ``DIURNAL_PATTERN``, seconds after midnight."""
    return int(np.argmax(DIURNAL_PATTERN)) * 3600


def _terrain_m(x_m: np.ndarray, y_m: np.ndarray, width_m: float, rng) -> np.ndarray:
    """Smooth ground elevation, m: a south-west to north-east rise plus a few broad hills."""
    u, v = x_m / width_m, y_m / width_m
    z = 1.0 * (u + v)
    for _ in range(5):
        cx, cy = rng.uniform(0.0, 1.0, 2)
        radius = rng.uniform(0.15, 0.4)
        height = rng.uniform(-0.4, 0.6)
        z += height * np.exp(-((u - cx) ** 2 + (v - cy) ** 2) / (2 * radius**2))
    z += 0.05 * np.sin(2 * math.pi * rng.uniform(1.5, 3.0) * u + rng.uniform(0, 2 * math.pi))
    z = (z - z.min()) / (z.max() - z.min())
    return _TERRAIN_LOW_M + z * (_TERRAIN_HIGH_M - _TERRAIN_LOW_M)


def _spanning_repair(n: int, kept: np.ndarray, dropped: np.ndarray) -> np.ndarray:
    """Dropped edges (rows of ``dropped``) that must come back to make the graph connected."""
    parent = np.arange(n)

    def find(a: int) -> int:
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:  # path compression
            parent[a], a = root, parent[a]
        return root

    for a, b in kept:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    back = []
    for i, (a, b) in enumerate(dropped):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            back.append(i)
    return np.array(back, dtype=int)


def make_synthetic_network(
    n_junctions: int = 100_000,
    seed: int = 0,
    *,
    block_m: tuple[float, float] = (60.0, 170.0),
    mains_every: int = 12,
    drop_fraction: float = 0.45,
    total_demand_m3_s: float | None = None,
) -> wntr.network.WaterNetworkModel:
    """Build the synthetic city network.

    Parameters
    ----------
    n_junctions : int
        Street-grid junctions (exactly this many; the sources add reservoirs and tanks only).
    seed : int
        Seed of every random choice; the same arguments give the same network.
    block_m : (float, float)
        Range of block sides, m: each grid column and row gets its own width from it, and
        every node is moved by up to +-8 m, so pipe lengths run from 50 to 200 m.
    mains_every : int
        Every this many rows/columns of the grid is a trunk main.
    drop_fraction : float
        Share of distribution pipes left out (put back where needed for connectivity).
    total_demand_m3_s : float, optional
        Sum of base demands, m3/s; default 2.5 m3/s per 100,000 junctions.

    Returns
    -------
    wntr.network.WaterNetworkModel
        Coordinates in metres, SI units, Hazen-Williams, 24-hour run with hourly steps,
        demand-driven analysis.
    """
    if n_junctions < 4 * mains_every**2:
        raise ValueError(
            f"n_junctions must be >= {4 * mains_every**2} for mains_every={mains_every}"
        )
    rng = np.random.default_rng(seed)
    nx = math.ceil(math.sqrt(n_junctions))
    k = np.arange(n_junctions)
    col, row = k % nx, k // nx
    n_rows = math.ceil(n_junctions / nx)
    col_x_m = np.concatenate([[0.0], np.cumsum(rng.uniform(*block_m, nx - 1))])
    row_y_m = np.concatenate([[0.0], np.cumsum(rng.uniform(*block_m, n_rows - 1))])
    x_m = col_x_m[col] + rng.uniform(-8.0, 8.0, n_junctions)
    y_m = row_y_m[row] + rng.uniform(-8.0, 8.0, n_junctions)
    width_m = float(max(col_x_m[-1], row_y_m[-1]))
    elevation_m = _terrain_m(x_m, y_m, width_m, rng)

    # --- street edges: (from, to), and which are mains
    h = k[(col < nx - 1) & (k + 1 < n_junctions)]
    v = k[k + nx < n_junctions]
    edges = np.concatenate([np.column_stack([h, h + 1]), np.column_stack([v, v + nx])])
    is_main = np.concatenate([row[h] % mains_every == 0, col[v] % mains_every == 0])
    drop = (~is_main) & (rng.random(len(edges)) < drop_fraction)
    back = _spanning_repair(n_junctions, edges[~drop], edges[drop])
    keep = ~drop
    keep[np.flatnonzero(drop)[back]] = True
    edges, is_main = edges[keep], is_main[keep]

    dx = x_m[edges[:, 1]] - x_m[edges[:, 0]]
    dy = y_m[edges[:, 1]] - y_m[edges[:, 0]]
    # streets are not straight: a few percent longer than the chord
    length_m = np.clip(np.hypot(dx, dy) * rng.uniform(1.0, 1.1, len(edges)), 50.0, 200.0)

    # --- source sites on mains crossings (full rows only)
    n_full_rows = n_junctions // nx
    main_rows = np.arange(0, n_full_rows, mains_every)
    main_cols = np.arange(0, nx, mains_every)

    def site_node(fx: float, fy: float) -> int:
        r = main_rows[np.argmin(np.abs(main_rows - fy * (n_full_rows - 1)))]
        c = main_cols[np.argmin(np.abs(main_cols - fx * (nx - 1)))]
        return int(r * nx + c)

    gravity_nodes = [site_node(*s) for s in _GRAVITY_SITES]
    lake_node = site_node(*_LAKE_SITE)
    tank_nodes = [site_node(*s) for s in _TANK_SITES]
    source_nodes = np.array(gravity_nodes + [lake_node] + tank_nodes)

    # --- diameters: mains step down with distance from the nearest source
    mid_x = 0.5 * (x_m[edges[:, 0]] + x_m[edges[:, 1]])
    mid_y = 0.5 * (y_m[edges[:, 0]] + y_m[edges[:, 1]])
    dist_m = np.min(
        np.hypot(mid_x[:, None] - x_m[source_nodes], mid_y[:, None] - y_m[source_nodes]), axis=1
    )
    step = np.searchsorted(_MAIN_STEP_FRACTIONS * width_m, dist_m)
    diameter_m = np.where(
        is_main,
        _MAIN_DIAMETERS_M[step],
        rng.choice(_DIST_DIAMETERS_M, size=len(edges), p=_DIST_DIAMETER_P),
    )
    roughness = np.where(
        is_main, rng.integers(110, 141, len(edges)), rng.integers(100, 141, len(edges))
    )

    # --- demands
    total_m3_s = (
        _DEMAND_M3_S_PER_JUNCTION * n_junctions if total_demand_m3_s is None else total_demand_m3_s
    )
    weights = rng.lognormal(0.0, 0.5, n_junctions)
    base_demand_m3_s = total_m3_s * weights / weights.sum()

    # --- the model
    wn = wntr.network.WaterNetworkModel()
    wn.name = f"synthetic city, {n_junctions} junctions, seed {seed}"
    opts = wn.options
    opts.hydraulic.inpfile_units = "LPS"
    opts.hydraulic.headloss = "H-W"
    opts.hydraulic.demand_model = "DDA"
    opts.time.duration = 24 * 3600
    opts.time.hydraulic_timestep = 3600
    opts.time.pattern_timestep = 3600
    opts.time.report_timestep = 3600
    opts.time.quality_timestep = 300
    wn.add_pattern("diurnal", list(DIURNAL_PATTERN))
    opts.hydraulic.pattern = "diurnal"

    names = [f"J{i}" for i in range(n_junctions)]
    for i in range(n_junctions):
        wn.add_junction(
            names[i],
            base_demand=float(base_demand_m3_s[i]),
            demand_pattern="diurnal",
            elevation=round(float(elevation_m[i]), 2),
            coordinates=(round(float(x_m[i]), 1), round(float(y_m[i]), 1)),
        )
    for j, (a, b) in enumerate(edges):
        wn.add_pipe(
            f"{'M' if is_main[j] else 'P'}{j}",
            names[a],
            names[b],
            length=round(float(length_m[j]), 1),
            diameter=float(diameter_m[j]),
            roughness=float(roughness[j]),
        )

    def outside(node: int) -> tuple[float, float]:
        """A point 200 m from ``node``, away from the city centre (where plants sit)."""
        cx, cy = 0.5 * col_x_m[-1], 0.5 * row_y_m[n_full_rows - 1]
        ux, uy = x_m[node] - cx, y_m[node] - cy
        norm = math.hypot(ux, uy) or 1.0
        return (
            round(float(x_m[node] + _SOURCE_PIPE_LENGTH_M * ux / norm), 1),
            round(float(y_m[node] + _SOURCE_PIPE_LENGTH_M * uy / norm), 1),
        )

    for i, node in enumerate(gravity_nodes, start=1):
        wn.add_reservoir(f"R{i}", base_head=_GRAVITY_HEAD_M, coordinates=outside(node))
        wn.add_pipe(f"MR{i}", f"R{i}", names[node], _SOURCE_PIPE_LENGTH_M, 1.0, 130.0)
    wn.add_reservoir("LAKE", base_head=_LAKE_HEAD_M, coordinates=outside(lake_node))
    pump_flow_m3_s = _PUMP_FLOW_SHARE * total_m3_s
    wn.add_curve("PUMPCURVE", "HEAD", [(pump_flow_m3_s, _PUMP_DESIGN_HEAD_M)])
    for p in ("PU1", "PU2"):
        wn.add_pump(p, "LAKE", names[lake_node], pump_type="HEAD", pump_parameter="PUMPCURVE")
    for i, node in enumerate(tank_nodes, start=1):
        wn.add_tank(
            f"T{i}",
            elevation=_TANK_BOTTOM_M,
            init_level=_TANK_INIT_LEVEL_M,
            min_level=_TANK_MIN_LEVEL_M,
            max_level=_TANK_MAX_LEVEL_M,
            diameter=_TANK_DIAMETER_M,
            coordinates=outside(node),
        )
        wn.add_pipe(f"MT{i}", f"T{i}", names[node], _SOURCE_PIPE_LENGTH_M, 0.8, 130.0)
    return wn


def write_synthetic_inp(
    path: str | os.PathLike, n_junctions: int = 100_000, seed: int = 0, **kwargs
) -> SyntheticSummary:
    """Build the synthetic network and write it as an EPANET INP (LPS units), atomically.

    Written to a temporary file next to ``path`` and moved over it (``os.replace``), so a
    reader never sees half a file.

    Parameters
    ----------
    path : str or pathlib.Path
        Where the INP goes.
    n_junctions, seed, **kwargs
        Passed to ``make_synthetic_network``.

    Returns
    -------
    SyntheticSummary
    """
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    wn = make_synthetic_network(n_junctions, seed, **kwargs)
    build_s = time.perf_counter() - t0
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".inp.tmp", dir=path.parent)
    os.close(fd)
    try:
        t0 = time.perf_counter()
        wntr.network.write_inpfile(wn, tmp, units="LPS", version=2.2)
        write_s = time.perf_counter() - t0
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return SyntheticSummary(
        path=path,
        n_junctions=wn.num_junctions,
        n_pipes=wn.num_pipes,
        n_pumps=wn.num_pumps,
        n_reservoirs=wn.num_reservoirs,
        n_tanks=wn.num_tanks,
        total_base_demand_m3_s=float(
            sum(j.demand_timeseries_list[0].base_value for _, j in wn.junctions())
        ),
        build_s=build_s,
        write_s=write_s,
    )


def time_numba_steady(wn: wntr.network.WaterNetworkModel, *, pattern_time_s: int = 0,
                      repeat: int = 3) -> tuple[float, float, int]:
    """Best wall times of the numba core's single-period solve of ``wn``.

    Same work as the EPANET reference (``solve_steady``): demands at ``pattern_time_s``,
    tanks at their initial level, Newton iterations from EPANET's initial flows.

    Returns
    -------
    compile_s : float
        Model -> arrays, fill-reducing ordering and symbolic factorisation (the part that
        corresponds to EPANET's ``ENopenH``), seconds.
    solve_s : float
        Initialisation and the hydraulic solution, seconds.
    iterations : int
    """
    from simulation import compile_network
    from simulation.kernels.eps import init_hydraulics, run_period
    from simulation.kernels.state import new_state
    from simulation.kernels.structs import pack_state

    def compiled():
        cn = compile_network(wn)
        return cn.with_options(cn.opt._replace(dur=0, pstart=cn.opt.pstart + pattern_time_s))

    cn = compiled()
    its = []

    def solve():
        net_s, opt_s, sm_s, ctl_s, _ = cn.kernel_args
        st = pack_state(new_state(cn.net, cn.sm))
        init_hydraulics(net_s, opt_s, st)
        it, _, err = run_period(net_s, opt_s, sm_s, ctl_s, st, 0)
        if err:
            raise RuntimeError(f"numba solve failed (error {err})")
        its.append(it)

    solve()  # JIT warm-up
    return timed(compiled, repeat=repeat), timed(solve, repeat=repeat), its[-1]


_NUMBA_RSS_CODE = """
import wntr
from benchmarks.synthetic_network import time_numba_steady
wn = wntr.network.WaterNetworkModel({path!r})
time_numba_steady(wn, pattern_time_s={t}, repeat=1)
"""
_NUMBA_BASE_RSS_CODE = """
import wntr, simulation
from simulation.kernels import eps, run
wn = wntr.network.WaterNetworkModel({path!r})
"""


_EPANET_RSS_CODE = """
from benchmarks.reference import solve_steady
solve_steady({path!r}, version={version!r})
"""
_BASELINE_RSS_CODE = """
import benchmarks.reference, wntr, numpy, pandas
"""


def main(argv: list[str] | None = None) -> int:
    """Command line: write the network, print counts, EPANET 2.2 steady time and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="INP file to write")
    parser.add_argument("--n-junctions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="timed solves per engine")
    parser.add_argument(
        "--rss", action="store_true", help="also measure EPANET 2.2 peak memory (subprocess)"
    )
    args = parser.parse_args(argv)

    summary = write_synthetic_inp(args.out, args.n_junctions, args.seed)
    print(f"wrote {summary.path}")
    print(
        f"  {summary.n_junctions} junctions, {summary.n_pipes} pipes, {summary.n_pumps} pumps, "
        f"{summary.n_reservoirs} reservoirs, {summary.n_tanks} tanks; "
        f"base demand {summary.total_base_demand_m3_s:.3f} m3/s"
    )
    print(f"  build {summary.build_s:.1f} s, INP write {summary.write_s:.1f} s")

    peak_s = peak_hour_s()
    snap = solve_steady(summary.path, version=EPANET22, pattern_time_s=peak_s, repeat=args.repeat)
    junction_p = snap.pressure_m[: snap.n_junctions]
    print(
        f"EPANET 2.2 steady solve at the peak hour ({peak_s // 3600}:00): "
        f"best {snap.wall_s:.3f} s of {args.repeat} (ENopenH..ENnextH); "
        f"junction pressure min {junction_p.min():.1f} m, max {junction_p.max():.1f} m; "
        f"warnings {snap.warnings or 'none'}"
    )
    times_s = {"EPANET 2.2 toolkit": snap.wall_s}
    if args.rss:
        base_mib = peak_rss_mib(_BASELINE_RSS_CODE)
        epanet_mib = peak_rss_mib(_EPANET_RSS_CODE.format(path=str(summary.path), version="2.2"))
        print(
            f"EPANET 2.2 open + steady solve: peak RSS {epanet_mib:.0f} MiB "
            f"(imports alone {base_mib:.0f} MiB; difference {epanet_mib - base_mib:.0f} MiB)"
        )

    wn = wntr.network.WaterNetworkModel(str(summary.path))
    compile_s, solve_s, its = time_numba_steady(wn, pattern_time_s=peak_s, repeat=args.repeat)
    print(f"numba core: compile {compile_s:.3f} s, solve {solve_s:.3f} s ({its} iterations)")
    times_s["numba solve"] = solve_s
    times_s["numba compile + solve"] = compile_s + solve_s
    print_ratio_table(times_s, "EPANET 2.2 toolkit", title="steady-state solve, synthetic network")
    if args.rss:
        base = peak_rss_mib(_NUMBA_BASE_RSS_CODE.format(path=str(summary.path)))
        core = peak_rss_mib(_NUMBA_RSS_CODE.format(path=str(summary.path), t=peak_s))
        print(f"numba core compile + solve: peak RSS {core:.0f} MiB (imports + WNTR model alone "
              f"{base:.0f} MiB; core's own {core - base:.0f} MiB; goal <= 2048 MiB)")
    print(f"steady-state ratio numba solve / EPANET 2.2: {solve_s / snap.wall_s:.2f} "
          f"(compile + solve: {(compile_s + solve_s) / snap.wall_s:.2f}; goal <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
