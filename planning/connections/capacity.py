"""Spare capacity: the largest extra demand a junction can take with every customer at pressure.

Exports :func:`spare_capacity` (one node, the contract), :func:`spare_capacity_map` (every
junction, a table), :func:`capacity_layer` (the table as a GIS layer), :class:`SpareCapacity`
(the reusable search object both use), :func:`peak_demand_time_s` (re-exported from
:mod:`simulation`) and
:func:`reference_bisection` (the plain bisection the benchmarks and tests compare with).

Definition
----------
The spare capacity of junction ``n`` is the largest constant extra demand ``q`` (m3/s) at
``n`` such that, in a single-period demand-driven solve at pattern time ``time_s`` (tanks at
their initial levels), ``n`` itself and every junction with a positive base demand that met
``min_pressure_m`` without the extra demand stay at or above ``min_pressure_m``. It is 0 when
``n`` is below the minimum (or cut off) already. A solve that fails (not converged,
ill-conditioned) counts as a violation.

Method
------
One :class:`simulation.SteadyStateSolver` (compiled once, base case solved once), then per
junction, in a numba kernel of this module that drives the core's kernels and releases the
GIL (two threads by default):

1. first-order estimate from the base linearisation: ``q1 = min_i (p_i - pmin) / |dp_i/dq|``
   over the governing junctions (one triangular solve with the base factorisation);
2. model steps on ``g(q) = min_i (p_i(q) - pmin)``: each is one nonlinear single-period
   solve with the core's kernels (from EPANET's initial state by default, see
   :class:`SpareCapacity` ``start``), then one triangular solve with that solution's
   factorisation for the slope of the limiting junction; the next guess is the root of
   ``g0 + s0 q - b q**m`` fitted to that junction's base margin and slope and to its margin
   and slope at the current ``q`` (a parabola or Newton when the fit fails), aimed
   ``rtol / 4`` past the predicted root so that the bracket closes; bisection whenever a
   guess leaves the bracket or a solve fails;
3. stop when the bracket ``[lo, hi]`` (``lo`` feasible, ``hi`` not) satisfies
   ``hi - lo <= max(rtol * hi, atol)``; return ``lo``.

:func:`reference_bisection` uses the same stopping rule (default ``rtol = 1e-3``,
``atol = 1e-7`` m3/s) from the bracket found by doubling 1 L/s, so both return a feasible
value within 0.1 % below the true boundary.
"""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.csgraph
from numba import njit

from simulation import SteadyStateSolver, compile_network, peak_demand_time_s
from simulation.kernels.constants import QZERO
from simulation.kernels.eps import controls, demands, init_hydraulics
from simulation.kernels.linalg import ldl_solve
from simulation.kernels.solver import hydsolve
from simulation.kernels.state import copy_state, new_state
from simulation.kernels.structs import pack_state
from simulation.kernels.sweep import copy_into

from .errors import ConnectionInputError

MPERFT = 0.3048
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL_M3S = 1e-7
DEFAULT_QMAX_M3S = 10.0

STATUS = {0: "ok", 1: "below minimum", 2: "not supplied", 3: "at search limit",
          4: "search not converged"}
"""Codes of the ``status`` column of :func:`spare_capacity_map`."""

_MODES = {"cold": 0, "flows": 1, "previous": 2}
_MAX_SOLVES = 60
_CHUNK = 64  # junctions per task (neighbours in breadth-first order)
_NEWTON_SOLVES = 14  # after this many solves at one node, bisect only


@njit(cache=True, error_model="numpy")
def _slope(sm, lx, dd, nj, n, xw):
    """Fill ``xw`` (matrix order) with d(head)/d(demand at n), ft per cfs."""
    xw[:] = 0.0
    xw[sm.iperm[n]] = -1.0
    ldl_solve(nj, sm.lp, sm.li, lx, dd, xw)


@njit(cache=True, error_model="numpy")
def _solve_at(net, opt, sm, ctl, st, start, n, q, warm, warm_flow):
    """One single-period solve: ``start`` state + ``q`` (cfs) extra demand at junction n;
    with ``warm``, links open in ``start`` begin at ``warm_flow`` (EPANET's ENinitH(0))."""
    copy_into(st, start)
    if warm:
        for k in range(net.nl):
            if abs(st.flow[k]) > QZERO:
                st.flow[k] = warm_flow[k]
    demands(net, opt, st, 0)
    st.node_demand[n] += q
    st.demand_flow[n] += q
    controls(net, opt, st, ctl, 0)
    return hydsolve(net, opt, sm, ctl, st)


@njit(cache=True, error_model="numpy")
def _power_root(g0, s0, g, s, q):
    """Root of the model g(x) = g0 + s0 x - b x**m fitted to the base margin ``g0`` and slope
    ``s0`` and to the margin ``g`` and slope ``s`` at ``q`` (NaN when no such model fits)."""
    drop = g0 + s0 * q - g
    if not (s0 <= 0.0 and drop > 1e-12 and s0 - s > 0.0):
        return math.nan
    m = (s0 - s) * q / drop
    if not (1.0 < m < 6.0):
        return math.nan
    b = drop / q**m
    x = q
    for _ in range(50):
        gx = g0 + s0 * x - b * x**m
        sx = s0 - m * b * x ** (m - 1.0)
        if not sx < 0.0:
            return math.nan
        dx = -gx / sx
        x += dx
        if not x > 0.0:
            return math.nan
        if abs(dx) <= 1e-12 * x:
            return x
    return x


@njit(cache=True, error_model="numpy")
def _first_short(net, sm, st, n, gov, pmin_ft, xw, q):
    """Junction (n or one of gov) whose linear prediction from here reaches the minimum at
    the smallest extra demand; -1 if none is falling."""
    best = math.inf
    who = -1
    for k in range(-1, len(gov)):
        i = n if k < 0 else gov[k]
        s = xw[sm.iperm[i]]
        if s < 0.0:
            r = q + (st.head[i] - net.el[i] - pmin_ft) / -s
            if r < best:
                best = r
                who = i
    return who


@njit(cache=True, error_model="numpy")
def _predict(net, sm, st, base, i, pmin_ft, xw, xw0, q, q_prev, h_prev):
    """Predicted extra demand at which junction i reaches the minimum (inf if not falling)."""
    s = xw[sm.iperm[i]]
    if not s < 0.0:
        return math.inf
    g = st.head[i] - net.el[i] - pmin_ft
    g0 = base.head[i] - net.el[i] - pmin_ft
    r = _power_root(g0, xw0[sm.iperm[i]], g, s, q)
    if r > 0.0:
        return r
    d = -g / s
    if q_prev != q:
        g_prev = h_prev[i] - net.el[i] - pmin_ft
        dq = q_prev - q
        curv = (g_prev - g - s * dq) / (dq * dq)
        disc = s * s - 4.0 * curv * g
        if curv < 0.0 and disc > 0.0:
            d = -2.0 * g / (s - math.sqrt(disc))
    return q + d


@njit(cache=True, error_model="numpy")
def _worst(net, st, n, gov, pmin_ft):
    """(min over n and gov of pressure - pmin, ft; its junction; all supplied?)."""
    gmin = st.head[n] - net.el[n] - pmin_ft
    arg = n
    ok = st.supplied[n]
    for k in range(len(gov)):
        i = gov[k]
        if not st.supplied[i]:
            ok = False
        g = st.head[i] - net.el[i] - pmin_ft
        if g < gmin:
            gmin = g
            arg = i
    return gmin, arg, ok


@njit(cache=True, error_model="numpy", nogil=True)
def capacity_kernel(net, opt, sm, ctl, st, base, start, cold, mode, nodes, gov, pmin_ft, rtol,
                    atol, qmax, work,
                    out_q, out_q1, out_hi, out_limit, out_solves, out_iters, out_status):
    """Spare capacity of each junction in ``nodes`` (internal units: cfs, ft).

    ``st`` is a work state; ``base`` the solved base state (its factorisation gives the
    first-order estimate); ``start`` the state every solve starts from and ``cold`` EPANET's
    initial state; ``mode`` 0 (cold), 1 (base flows) or 2 (the previous solve's flows;
    modes 1 and 2 re-solve cold when a solve fails); ``gov`` the governing junctions;
    ``work`` a work vector (nj). Writes per node: capacity (feasible end of the bracket),
    first-order estimate, infeasible end, limiting junction (-1 if none), solves, Newton
    iterations, status code (see ``STATUS``).
    """
    nj = net.nj
    h_prev = np.zeros(net.nn)
    xw0 = np.zeros(nj)
    ratio = 0.0
    warm_flow = base.flow.copy()
    for c in range(len(nodes)):
        n = nodes[c]
        out_limit[c] = -1
        out_solves[c] = 0
        out_iters[c] = 0
        out_hi[c] = 0.0
        out_q1[c] = 0.0
        out_q[c] = 0.0
        if not base.supplied[n]:
            out_status[c] = 2
            continue
        if base.head[n] - net.el[n] < pmin_ft:
            out_status[c] = 1
            out_limit[c] = n
            continue
        # 1. first-order estimate from the base factorisation
        _slope(sm, base.lx, base.dd, nj, n, xw0)
        xw = xw0
        q1 = math.inf
        s = xw[sm.iperm[n]]
        if s < 0.0:
            q1 = (base.head[n] - net.el[n] - pmin_ft) / -s
        for k in range(len(gov)):
            i = gov[k]
            s = xw[sm.iperm[i]]
            if s < 0.0:
                qi = (base.head[i] - net.el[i] - pmin_ft) / -s
                if qi < q1:
                    q1 = qi
        out_q1[c] = q1
        xw = work
        lo = 0.0
        hi = math.inf
        limit = -1
        q = q1
        if ratio > 0.0 and q1 < math.inf:
            q = q1 * ratio  # the previous (neighbouring) junction's capacity / estimate
        q = q if q < qmax else qmax
        if not q > atol:
            q = atol
        solves = 0
        status = 4
        q_prev = 0.0
        h_prev[:] = base.head
        warm_flow[:] = base.flow
        while solves < _MAX_SOLVES:
            it, rel, err = _solve_at(net, opt, sm, ctl, st, start, n, q, mode == 2, warm_flow)
            if err != 0 and mode != 0:  # a warm start can fail where a cold one converges
                out_iters[c] += it
                it, rel, err = _solve_at(net, opt, sm, ctl, st, cold, n, q, False, warm_flow)
            solves += 1
            out_iters[c] += it
            gmin, arg, ok = _worst(net, st, n, gov, pmin_ft)
            feasible = err == 0 and ok and gmin >= 0.0
            if mode == 2 and err == 0:
                warm_flow[:] = st.flow
            if feasible:
                lo = q
            else:
                hi = q
                limit = arg if (err == 0 and ok) else -1
            if hi < math.inf and hi - lo <= max(rtol * hi, atol):
                status = 0
                break
            if feasible and q >= qmax:
                status = 3
                break
            # 2. next guess: for the junction that falls short first by the linear
            # prediction here, and for the one with the least margin, the root of a model
            # of its margin fitted to its base margin and slope and to its margin and slope
            # here (power law, else the parabola through here and the previous point, else
            # Newton); the smaller root, aimed a little past it so that the bracket closes
            cand = math.nan
            if err == 0 and ok and solves < _NEWTON_SOLVES:
                _slope(sm, st.lx, st.dd, nj, n, xw)
                first = _first_short(net, sm, st, n, gov, pmin_ft, xw, q)
                r = math.inf
                for i in (arg, first):
                    if i >= 0:
                        ri = _predict(net, sm, st, base, i, pmin_ft, xw, xw0, q, q_prev, h_prev)
                        if ri < r:
                            r = ri
                if r < math.inf:
                    cand = r * (1.0 + 0.25 * rtol) if feasible else r * (1.0 - 0.25 * rtol)
            q_prev = q
            h_prev[:] = st.head
            if not (cand > lo and cand < hi):
                cand = 2.0 * q if hi == math.inf else 0.5 * (lo + hi)
            q = cand if cand < qmax else qmax
        if status == 0 and lo > 0.0 and q1 < math.inf:
            ratio = min(lo / q1, 1.0)
        out_q[c] = lo
        out_hi[c] = hi
        out_limit[c] = limit
        out_solves[c] = solves
        out_status[c] = status


def reference_bisection(feasible: Callable[[float], bool], *, rtol: float = DEFAULT_RTOL,
                        atol_m3s: float = DEFAULT_ATOL_M3S, q_start_m3s: float = 1e-3,
                        q_max_m3s: float = DEFAULT_QMAX_M3S) -> tuple[float, int]:
    """Plain bisection for the largest feasible extra demand (the reference method).

    Checks ``feasible(0)``; doubles ``q_start_m3s`` until infeasible (bracket); bisects until
    ``hi - lo <= max(rtol * hi, atol_m3s)``; returns ``lo``. Same stopping rule as
    :class:`SpareCapacity`.

    Parameters
    ----------
    feasible : callable
        ``feasible(q_m3s) -> bool``: one solve with ``q_m3s`` extra at the node.

    Returns
    -------
    (float, int)
        Capacity (m3/s) and the number of ``feasible`` calls.
    """
    calls = 1
    if not feasible(0.0):
        return 0.0, calls
    lo, q = 0.0, q_start_m3s
    while True:
        calls += 1
        if not feasible(q):
            break
        lo = q
        if q >= q_max_m3s:
            return q_max_m3s, calls
        q = min(2.0 * q, q_max_m3s)
    hi = q
    while hi - lo > max(rtol * hi, atol_m3s):
        mid = 0.5 * (lo + hi)
        calls += 1
        if feasible(mid):
            lo = mid
        else:
            hi = mid
    return lo, calls


def _positive_demand(wn, names) -> np.ndarray:
    out = np.zeros(len(names), dtype=bool)
    for i, name in enumerate(names):
        j = wn.get_node(name)
        out[i] = sum(d.base_value for d in j.demand_timeseries_list) > 0.0
    return out


class SpareCapacity:
    """Spare-capacity searches on one network at one time (compiled and solved once).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    min_pressure_m : float
        Minimum pressure the node and the governing junctions must keep, m.
    time_s : int, optional
        Pattern time of the solve, s; :func:`peak_demand_time_s` when None.
    rtol, atol_m3s : float
        Stopping rule ``hi - lo <= max(rtol * hi, atol_m3s)`` (relative 1e-3 on q).
    q_max_m3s : float
        Search limit, m3/s (status "at search limit" when it is reached).
    start : {"cold", "flows", "previous"}
        Starting point of every nonlinear solve. ``"cold"`` (default): EPANET's own start
        of a single-period run (initial statuses and settings, flows of 1 ft/s), so each
        solve is exactly the EPANET single-period solve the definition names, whatever
        happened before; networks whose valves admit several solutions (C-Town) give
        EPANET's. ``"flows"``: initial statuses and settings with the base case's flows;
        ``"previous"``: with the flows of the previous solve at the same junction (what
        EPANET's ``ENinitH(0)`` does in a bisection loop). Both re-solve cold when a solve
        fails, need about 25 % fewer iterations, and agree with ``"cold"`` within 0.5 % on
        C-Town.

    Attributes
    ----------
    solver : simulation.SteadyStateSolver
        The demand-driven base case at ``time_s``.
    governing : numpy.ndarray of bool
        Per junction (solver order): positive base demand, supplied and at or above the
        minimum in the base case.
    """

    def __init__(self, net, min_pressure_m: float = 14.0, time_s: int | None = None, *,
                 rtol: float = DEFAULT_RTOL, atol_m3s: float = DEFAULT_ATOL_M3S,
                 q_max_m3s: float = DEFAULT_QMAX_M3S, start: str = "cold"):
        if not (math.isfinite(min_pressure_m) and min_pressure_m >= 0):
            raise ConnectionInputError("min_pressure_m", f"must be >= 0, got {min_pressure_m!r}")
        wn = getattr(net, "wn", net)
        compiled = compile_network(wn, getattr(net, "pipe_leakage", None))  # compiled once
        self.time_s = peak_demand_time_s(compiled) if time_s is None else int(time_s)
        self.min_pressure_m = float(min_pressure_m)
        self.rtol, self.atol_m3s, self.q_max_m3s = float(rtol), float(atol_m3s), float(q_max_m3s)
        self.solver = SteadyStateSolver(compiled, self.time_s, demand_model="DDA")
        nj = len(self.solver.junction_names)
        base = self.solver.base
        self.junction_names = list(self.solver.junction_names)
        self.governing = (_positive_demand(wn, self.junction_names) & base.supplied[:nj]
                          & (base.pressure_m[:nj] >= self.min_pressure_m))
        self._gov = np.flatnonzero(self.governing).astype(np.int64)
        self._q_cfs = self.solver.compiled.units.cfs_to_m3s()  # m3/s per cfs
        self.start = start
        self._bfs_rank = None
        c = self.solver.compiled
        self._cold = new_state(c.net, c.sm)
        init_hydraulics(c.kernel_args[0], c.kernel_args[1], pack_state(self._cold))
        if start == "cold":
            self._start = self._cold
        elif start in ("flows", "previous"):
            self._start = copy_state(self._cold)
            moving = np.abs(self._start.flow) > QZERO  # links open at the start
            self._start.flow[moving] = self.solver.base_state.flow[moving]
        else:
            raise ConnectionInputError(
                "start", f"must be 'cold', 'flows' or 'previous', got {start!r}")

    def _index(self, node: str) -> int:
        try:
            i = self.solver.node_index(node)
        except KeyError:
            raise ConnectionInputError("node", f"unknown node {node!r}") from None
        if i >= len(self.junction_names):
            raise ConnectionInputError("node", f"{node!r} is a tank or reservoir, not a junction")
        return i

    def _locality_order(self, idx: np.ndarray) -> np.ndarray:
        """Positions of ``idx`` in breadth-first order over the network graph, so that
        consecutive searches are at neighbouring junctions (their first guesses reuse the
        previous junction's ratio of capacity to first-order estimate)."""
        if self._bfs_rank is None:
            net = self.solver.compiled.net
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
            self._bfs_rank = rank
        return np.argsort(self._bfs_rank[idx], kind="stable")

    def at(self, node: str) -> float:
        """Spare capacity of one junction, m3/s."""
        return float(self.table([node], threads=1)["spare_capacity_m3s"].iloc[0])

    def table(self, nodes: Iterable[str] | None = None, threads: int = 2) -> pd.DataFrame:
        """Spare capacity of many junctions (all by default).

        Parameters
        ----------
        nodes : iterable of str, optional
            Junction names; every junction when None.
        threads : int
            Worker threads (each with its own solver state; the kernel releases the GIL).

        Returns
        -------
        pandas.DataFrame
            Index ``node``; columns ``spare_capacity_m3s`` (the feasible end of the final
            bracket), ``spare_capacity_l_s``, ``first_order_m3s`` (the linear estimate, inf
            when nothing limits it), ``upper_m3s`` (infeasible end), ``base_pressure_m``,
            ``limiting_node`` (junction that falls short first; "" if none), ``solves``
            (nonlinear solves), ``iterations`` (their Newton iterations), ``status`` (see
            :data:`STATUS`), ``governing`` (the node counts as a customer).

        Notes
        -----
        Junctions are searched in breadth-first order over the network, in chunks of 64 (one
        task each on the thread pool); a search's first guess uses its predecessor's result,
        so a junction's value can differ (within the tolerance) with the list it is part of,
        never with the number of threads.
            ``attrs``: ``time_s``, ``min_pressure_m``, ``rtol``, ``atol_m3s``, ``elapsed_s``.
        """
        t0 = time.perf_counter()
        names = self.junction_names if nodes is None else list(nodes)
        idx = np.array([self._index(n) for n in names], dtype=np.int64)
        m = len(idx)
        q = np.zeros(m)
        q1 = np.zeros(m)
        hi = np.zeros(m)
        limit = np.zeros(m, dtype=np.int64)
        solves = np.zeros(m, dtype=np.int64)
        iters = np.zeros(m, dtype=np.int64)
        status = np.zeros(m, dtype=np.int64)
        s = self.solver
        c = s.compiled
        qc = self._q_cfs
        pmin_ft = self.min_pressure_m / MPERFT
        threads = max(1, min(int(threads), m)) if m else 1

        order = self._locality_order(idx)
        # fixed-size chunks: the results do not depend on the number of threads
        chunks = [order[i:i + _CHUNK] for i in range(0, m, _CHUNK)]
        pool_states: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(min(threads, len(chunks))):
            pool_states.put(pack_state(new_state(c.net, c.sm)))
        # StructRefs share the states' arrays; the kernels compile once for these types
        base_s, start_s, cold_s = (pack_state(x) for x in (s.base_state, self._start,
                                                            self._cold))

        def run(sel):
            st = pool_states.get()
            try:
                outs = [np.zeros(len(sel)) for _ in range(3)] + [
                    np.zeros(len(sel), dtype=np.int64) for _ in range(4)]
                capacity_kernel(*c.kernel_args[:4], st, base_s, start_s, cold_s,
                                _MODES[self.start], idx[sel], self._gov, pmin_ft, self.rtol, self.atol_m3s / qc, self.q_max_m3s / qc,
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
        jn = self.junction_names
        base_p = s.base.pressure_m[idx] if m else np.zeros(0)
        table = pd.DataFrame({
            "spare_capacity_m3s": q * qc,
            "spare_capacity_l_s": q * qc * 1e3,
            "first_order_m3s": q1 * qc,
            "upper_m3s": hi * qc,
            "base_pressure_m": base_p,
            "limiting_node": [jn[i] if i >= 0 else "" for i in limit],
            "solves": solves,
            "iterations": iters,
            "status": [STATUS[int(v)] for v in status],
            "governing": self.governing[idx] if m else np.zeros(0, dtype=bool),
        }, index=pd.Index(names, name="node", dtype=object))
        table.attrs.update(time_s=self.time_s, min_pressure_m=self.min_pressure_m,
                           rtol=self.rtol, atol_m3s=self.atol_m3s,
                           elapsed_s=time.perf_counter() - t0)
        return table


def spare_capacity(net, node, min_pressure_m=14.0, time_s=None) -> float:
    """Largest constant extra demand (m3/s) at ``node`` that keeps customers at pressure.

    In a single-period demand-driven solve at ``time_s`` (default: the pattern time of peak
    total demand in the first 24 h; tanks at their initial levels), ``node`` itself and every
    junction with a positive base demand that met ``min_pressure_m`` before the extra demand
    all stay at or above ``min_pressure_m``. 0.0 when none fits. Relative tolerance 1e-3 (the
    value returned is feasible and within 0.1 % of the boundary).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    node : str
        A junction.
    min_pressure_m : float
        m.
    time_s : int, optional
        Pattern time, s.

    Returns
    -------
    float
        m3/s.

    Raises
    ------
    ConnectionInputError
        Unknown node, or not a junction.
    """
    return SpareCapacity(net, min_pressure_m, time_s).at(node)


def spare_capacity_map(net, min_pressure_m: float = 14.0, time_s: int | None = None, *,
                       nodes: Iterable[str] | None = None, ledger=None, placement=None,
                       policy=None, threads: int = 2, rtol: float = DEFAULT_RTOL) -> pd.DataFrame:
    """Spare capacity of every junction, as a table (see :meth:`SpareCapacity.table`).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    min_pressure_m, time_s
        As for :func:`spare_capacity`.
    nodes : iterable of str, optional
        Only these junctions.
    ledger : Ledger, optional
        Approved-but-not-connected applications are connected (on a copy) first, so the map
        shows what is left; their tap and customer junctions appear in the table too.
    placement : gis.Placement, optional
        Where the network lies (for the ledger's locations and the ``x_m``/``y_m``
        columns); the ledger's, else ``gis.kunming_placement(net)``.
    policy : Policy, optional
        Snapping rules for the ledger's applications.
    threads : int
    rtol : float

    Returns
    -------
    pandas.DataFrame
        The columns of :meth:`SpareCapacity.table` plus ``x_m``, ``y_m`` (in
        ``attrs["crs"]``) and ``application_id`` (the ledger application that added the
        junction, "" for the network's own).
    """
    from .tap import committed_network, resolve_placement

    placement = resolve_placement(net, ledger, placement)
    work, added = net, {}
    if ledger is not None:
        work, added = committed_network(net, ledger, placement, policy)
    table = SpareCapacity(work, min_pressure_m, time_s, rtol=rtol).table(nodes, threads)
    wn = getattr(work, "wn", work)
    xy = np.array([wn.get_node(n).coordinates for n in table.index], dtype=float).reshape(-1, 2)
    placed = placement.to_target(xy) if len(xy) else np.zeros((0, 2))
    table["x_m"] = placed[:, 0]
    table["y_m"] = placed[:, 1]
    table["application_id"] = [added.get(n, "") for n in table.index]
    table.attrs["crs"] = placement.crs
    return table


def capacity_layer(table: pd.DataFrame, crs: str | None = None) -> gpd.GeoDataFrame:
    """The spare-capacity table as a point layer (one point per junction).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`spare_capacity_map` (needs ``x_m``, ``y_m``).
    crs : str, optional
        Defaults to ``table.attrs["crs"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        Same index and columns, Point geometry; write it with ``gis.write_layers``.
    """
    crs = crs or table.attrs.get("crs")
    geometry = gpd.points_from_xy(table["x_m"], table["y_m"])
    layer = gpd.GeoDataFrame(table.copy(), geometry=geometry, crs=crs)
    layer.attrs = {k: v for k, v in table.attrs.items() if k != "crs"}
    return layer
