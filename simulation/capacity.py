"""Largest extra demand at junctions that keeps them and protected junctions at pressure.

For a junction n, the answer is the largest constant extra demand q (m3/s) at n such that
the single-period solve of a :class:`~simulation.SteadyStateSolver` (same pattern time,
tanks at their initial levels) leaves n and every protected junction supplied and at or
above a minimum pressure head; a solve that fails (not converged, ill-conditioned) counts
as a violation. The search (head sensitivities from the base factorisation for a first
estimate, then power-law model steps and bisection on warm- or cold-started nonlinear
solves) is the numba kernel :mod:`simulation.kernels.capacity`; this module orders the
junctions, spreads them over threads and converts units.

Exports :func:`max_extra_demand` (called by :meth:`SteadyStateSolver.max_extra_demand`,
the public entry point) and its result :class:`ExtraDemandResult`. Called by
``planning.connections.capacity`` (spare capacity for new connections).
"""

from __future__ import annotations

import math
import queue
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.csgraph

from .kernels import capacity as K
from .kernels.constants import QZERO
from .kernels.eps import init_hydraulics
from .kernels.state import copy_state, new_state
from .kernels.structs import pack_state
from .results import ReadOnlyArrays
from .units import MPERFT

START_MODES = {"cold": 0, "flows": 1, "previous": 2}
CHUNK = 64  # junctions per task (neighbours in breadth-first order)


@dataclass(frozen=True)
class ExtraDemandResult(ReadOnlyArrays):
    """Outcome of :meth:`SteadyStateSolver.max_extra_demand`, one entry per junction asked.

    Arrays are read-only and in the order of ``node_names``.

    Attributes
    ----------
    node_names : tuple of str
        The junctions searched.
    extra_demand_m3s : numpy.ndarray
        Largest feasible extra demand found (the feasible end of the final bracket), m3/s;
        0 when the junction is below the minimum or cut off already.
    first_order_m3s : numpy.ndarray
        Linear estimate from the base head sensitivities, m3/s (inf when nothing falls).
    upper_m3s : numpy.ndarray
        Infeasible end of the final bracket, m3/s (inf when none was found).
    base_pressure_m : numpy.ndarray
        Pressure head of the junction in the base case, m.
    limiting_index : numpy.ndarray of int64
        Solver index of the junction that falls short first at ``upper_m3s`` (-1 if none,
        e.g. when the violation is a failed solve).
    limiting_node : tuple of str
        Its name ("" if none).
    solves, iterations : numpy.ndarray of int64
        Nonlinear solves and their Newton iterations.
    status : numpy.ndarray of int64
        Code per junction, named in :attr:`STATUS`.
    protected : numpy.ndarray of bool
        Per junction (solver order): the junctions that had to stay at pressure.
    min_pressure_m, rtol, atol_m3s, q_max_m3s : float
        The minimum pressure head (m) and the stopping rule
        ``upper - extra <= max(rtol * upper, atol_m3s)``; ``q_max_m3s`` the search limit.
    start : str
        Starting point of the solves (see :meth:`SteadyStateSolver.max_extra_demand`).
    """

    STATUS: ClassVar[dict] = {
        K.OK: "ok", K.BELOW_MINIMUM: "below minimum", K.NOT_SUPPLIED: "not supplied",
        K.AT_LIMIT: "at search limit", K.NOT_CONVERGED: "search not converged"}

    node_names: tuple
    extra_demand_m3s: np.ndarray
    first_order_m3s: np.ndarray
    upper_m3s: np.ndarray
    base_pressure_m: np.ndarray
    limiting_index: np.ndarray
    limiting_node: tuple
    solves: np.ndarray
    iterations: np.ndarray
    status: np.ndarray
    protected: np.ndarray
    min_pressure_m: float
    rtol: float
    atol_m3s: float
    q_max_m3s: float
    start: str

    def __len__(self) -> int:
        return len(self.node_names)

    @property
    def status_names(self) -> list:
        """``status`` as words ("ok", "below minimum", ...)."""
        return [self.STATUS[int(v)] for v in self.status]

    def to_frame(self) -> pd.DataFrame:
        """Per-junction columns (status as words); index ``node``."""
        return pd.DataFrame({
            "extra_demand_m3s": self.extra_demand_m3s,
            "first_order_m3s": self.first_order_m3s,
            "upper_m3s": self.upper_m3s,
            "base_pressure_m": self.base_pressure_m,
            "limiting_node": list(self.limiting_node),
            "solves": self.solves,
            "iterations": self.iterations,
            "status": self.status_names,
        }, index=pd.Index(list(self.node_names), name="node", dtype=object))


def _junction(solver, node) -> int:
    i = int(node) if isinstance(node, (int, np.integer)) else solver.node_index(node)
    if not 0 <= i < solver.compiled.net.nj:
        raise ValueError(f"{node!r} is not a junction")
    return i


def _protected_mask(solver, protected, pmin_m: float) -> np.ndarray:
    nj = solver.compiled.net.nj
    base = solver.base
    if protected is None:
        return base.supplied[:nj] & (base.pressure_m[:nj] >= pmin_m)
    arr = np.asarray(protected) if not isinstance(protected, (set, frozenset)) else None
    if arr is not None and arr.dtype == np.bool_:
        if arr.shape != (nj,):
            raise ValueError(f"protected: expected {nj} booleans (one per junction, solver "
                             f"order), got shape {arr.shape}")
        return arr.copy()
    mask = np.zeros(nj, dtype=bool)
    for node in protected:
        mask[_junction(solver, node)] = True
    return mask


def _cached(solver, key: str, make):
    """A per-solver cache (start states, breadth-first ranks): built once, read-only."""
    cache = solver._extra_demand_cache
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _start_states(solver, start: str):
    """(state every solve starts from, EPANET's initial state) for ``start``."""
    c = solver.compiled

    def cold():
        st = new_state(c.net, c.sm)
        init_hydraulics(c.kernel_args[0], c.kernel_args[1], pack_state(st))
        return st

    cold_state = _cached(solver, "cold", cold)
    if start == "cold":
        return cold_state, cold_state

    def flows():
        st = copy_state(cold_state)
        moving = np.abs(st.flow) > QZERO  # links open at the start
        st.flow[moving] = solver.base_state.flow[moving]
        return st

    return _cached(solver, "flows", flows), cold_state


def _bfs_rank(solver) -> np.ndarray:
    """Rank of every node in breadth-first order over the network graph (all components)."""
    def make():
        net = solver.compiled.net
        nn = net.nn
        graph = scipy.sparse.coo_matrix(
            (np.ones(len(net.n1)), (net.n1, net.n2)), shape=(nn, nn)).tocsr()
        rank = np.full(nn, -1, dtype=np.int64)
        at = 0
        for seed in range(nn):
            if rank[seed] >= 0:
                continue
            seq = scipy.sparse.csgraph.breadth_first_order(graph, seed, directed=False,
                                                            return_predecessors=False)
            rank[seq] = np.arange(at, at + len(seq))
            at += len(seq)
        return rank

    return _cached(solver, "bfs_rank", make)


def max_extra_demand(solver, nodes: Iterable | None, min_pressure_m: float,
                     *, protected=None, rtol: float = 1e-3, atol_m3s: float = 1e-7,
                     q_max_m3s: float = 10.0, start: str = "cold",
                     threads: int = 2) -> ExtraDemandResult:
    """Largest extra demand at each junction; see :meth:`SteadyStateSolver.max_extra_demand`."""
    if not (math.isfinite(min_pressure_m) and min_pressure_m >= 0):
        raise ValueError(f"min_pressure_m must be >= 0, got {min_pressure_m!r}")
    if start not in START_MODES:
        raise ValueError(f"start must be 'cold', 'flows' or 'previous', got {start!r}")
    if not (rtol > 0 and atol_m3s > 0 and q_max_m3s > 0):
        raise ValueError("rtol, atol_m3s and q_max_m3s must be positive")
    c = solver.compiled
    jn = c.junction_names
    idx = np.array([_junction(solver, n) for n in (jn if nodes is None else nodes)],
                   dtype=np.int64)
    names = tuple(jn[i] for i in idx)
    pmin_m = float(min_pressure_m)
    mask = _protected_mask(solver, protected, pmin_m)
    gov = np.flatnonzero(mask).astype(np.int64)
    qc = c.units.cfs_to_m3s()  # m3/s per cfs
    m = len(idx)
    q = np.zeros(m)
    q1 = np.zeros(m)
    hi = np.zeros(m)
    limit = np.zeros(m, dtype=np.int64)
    solves = np.zeros(m, dtype=np.int64)
    iters = np.zeros(m, dtype=np.int64)
    status = np.zeros(m, dtype=np.int64)
    pmin_ft = pmin_m / MPERFT
    threads = max(1, min(int(threads), m)) if m else 1

    # neighbours one after another: a search's first guess reuses its predecessor's ratio
    # of answer to first-order estimate; fixed-size chunks, so that the results do not
    # depend on the number of threads
    order = np.argsort(_bfs_rank(solver)[idx], kind="stable")
    chunks = [order[i:i + CHUNK] for i in range(0, m, CHUNK)]
    pool_states: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(min(threads, len(chunks))):
        pool_states.put(pack_state(new_state(c.net, c.sm)))
    start_state, cold_state = _start_states(solver, start)
    # StructRefs share the states' arrays; the kernel compiles once for these types
    base_s, start_s, cold_s = (pack_state(x) for x in (solver.base_state, start_state,
                                                        cold_state))
    mode = START_MODES[start]
    atol_cfs, qmax_cfs = float(atol_m3s) / qc, float(q_max_m3s) / qc

    def run(sel):
        st = pool_states.get()
        try:
            outs = [np.zeros(len(sel)) for _ in range(3)] + [
                np.zeros(len(sel), dtype=np.int64) for _ in range(4)]
            K.extra_demand_search(*c.kernel_args[:4], st, base_s, start_s, cold_s, mode,
                                  idx[sel], gov, pmin_ft, float(rtol), atol_cfs, qmax_cfs,
                                  np.zeros(c.net.nj), *outs)
            (q[sel], q1[sel], hi[sel], limit[sel], solves[sel], iters[sel],
             status[sel]) = outs
        finally:
            pool_states.put(st)

    if threads == 1:
        for ch in chunks:
            run(ch)
    elif chunks:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, chunks))
    return ExtraDemandResult(
        node_names=names, extra_demand_m3s=q * qc, first_order_m3s=q1 * qc,
        upper_m3s=hi * qc, base_pressure_m=solver.base.pressure_m[idx],
        limiting_index=limit, limiting_node=tuple(jn[i] if i >= 0 else "" for i in limit),
        solves=solves, iterations=iters, status=status, protected=mask,
        min_pressure_m=pmin_m, rtol=float(rtol), atol_m3s=float(atol_m3s),
        q_max_m3s=float(q_max_m3s), start=start)
