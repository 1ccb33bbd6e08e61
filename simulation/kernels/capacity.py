"""Largest extra demand at a junction that keeps the junction and protected ones at pressure.

For each junction n of a list, :func:`extra_demand_search` finds the largest constant extra
demand q at n such that a single-period solve leaves n and every protected junction
supplied and at or above a minimum pressure (a failed solve counts as a violation):

1. first-order estimate from the base linearisation, ``q1 = min_i (p_i - pmin) / |dp_i/dq|``
   (one triangular solve with the base factorisation);
2. model steps on ``g(q) = min_i (p_i(q) - pmin)``: one nonlinear solve at q with the core's
   own kernels (demands, controls, the GGA solve), then one triangular solve with that
   solution's factorisation for the slope; the next guess is the root of a power-law model
   ``g0 + s0 q - b q**m`` fitted to the base margin and slope and to the margin and slope
   at q (a parabola or Newton when the fit fails), aimed ``rtol / 4`` past the predicted
   root so that the bracket closes; bisection whenever a guess leaves the bracket or a
   solve fails;
3. stop when ``hi - lo <= max(rtol * hi, atol)``; the answer is ``lo`` (feasible).

A junction's first guess is scaled by the previous junction's ratio of answer to
first-order estimate, so results depend (within the tolerance) on the order of the list.

Exports :func:`extra_demand_search` (numba, releases the GIL) and the status codes
``OK``, ``BELOW_MINIMUM``, ``NOT_SUPPLIED``, ``AT_LIMIT``, ``NOT_CONVERGED``. Called by
``simulation.capacity`` (the public entry point, :meth:`SteadyStateSolver.max_extra_demand`,
which orders the junctions, runs this on threads and converts units).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .constants import QZERO
from .eps import controls, demands
from .linalg import ldl_solve
from .solver import hydsolve
from .sweep import copy_into

OK = 0              # the bracket closed: the answer is within the tolerance
BELOW_MINIMUM = 1   # the junction is below the minimum already (answer 0)
NOT_SUPPLIED = 2    # the junction is cut off from every source (answer 0)
AT_LIMIT = 3        # still feasible at the search limit (answer = the limit)
NOT_CONVERGED = 4   # the search ran out of solves (answer = feasible end of the bracket)

MAX_SOLVES = 60
NEWTON_SOLVES = 14  # after this many solves at one junction, bisect only


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
def extra_demand_search(net, opt, sm, ctl, st, base, start, cold, mode, nodes, gov, pmin_ft,
                        rtol, atol, qmax, work,
                        out_q, out_q1, out_hi, out_limit, out_solves, out_iters, out_status):
    """Largest extra demand at each junction in ``nodes`` (internal units: cfs, ft).

    ``st`` is a work state; ``base`` the solved base state (its factorisation gives the
    first-order estimate); ``start`` the state every solve starts from and ``cold`` EPANET's
    initial state; ``mode`` 0 (cold), 1 (base flows) or 2 (the previous solve's flows;
    modes 1 and 2 re-solve cold when a solve fails); ``gov`` the protected junctions
    (indices); ``pmin_ft`` the minimum pressure head, ft; stopping rule
    ``hi - lo <= max(rtol * hi, atol)`` (``atol``, ``qmax`` in cfs); ``work`` a work
    vector (nj). Writes per node: extra demand (feasible end of the bracket), first-order
    estimate, infeasible end, limiting junction (-1 if none), solves, Newton iterations,
    status code (``OK`` ... ``NOT_CONVERGED``).
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
            out_status[c] = NOT_SUPPLIED
            continue
        if base.head[n] - net.el[n] < pmin_ft:
            out_status[c] = BELOW_MINIMUM
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
        status = NOT_CONVERGED
        q_prev = 0.0
        h_prev[:] = base.head
        warm_flow[:] = base.flow
        while solves < MAX_SOLVES:
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
                status = OK
                break
            if feasible and q >= qmax:
                status = AT_LIMIT
                break
            # 2. next guess: for the junction that falls short first by the linear
            # prediction here, and for the one with the least margin, the root of a model
            # of its margin fitted to its base margin and slope and to its margin and slope
            # here (power law, else the parabola through here and the previous point, else
            # Newton); the smaller root, aimed a little past it so that the bracket closes
            cand = math.nan
            if err == 0 and ok and solves < NEWTON_SOLVES:
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
        if status == OK and lo > 0.0 and q1 < math.inf:
            ratio = min(lo / q1, 1.0)
        out_q[c] = lo
        out_hi[c] = hi
        out_limit[c] = limit
        out_solves[c] = solves
        out_status[c] = status
