"""Linear screening of pipe closures: which closures cannot change who is below minimum.

Closing one pipe usually moves heads by centimetres far from it. Power-system planners
screen N-1 line outages with the base case's linearised network ("outage distribution
factors") and solve the full model only where the screen cannot vouch for the answer;
this module does the same for pipes, on the linearised network of ``linearise`` (the
Jacobian ``A`` of the junction head equations at the base solution, factorised once).

Closing pipe k, carrying ``q_k`` from a to b, removes its conductance ``p_k`` and its
flow: ``A' dH = q_k w`` with ``A' = A - p_k w w^T``, ``w = e_a - e_b``, so by
Sherman-Morrison ``dH = q_k y / (1 - p_k w^T y)`` with ``y = A^-1 w``: one pair of
triangular solves per pipe. A pipe whose closure cuts junctions off from every source (a
bridge of the graph of open links, found with one depth-first search; closed links that
the solver may open count as open) leaves them without water; for the rest the same
formula is exact, or, when nothing on the cut-off side depends on pressure, their demand
disappears at the supplied end: ``dH = q_k A^-1 e_a``. Then, per closure (see
:func:`_solve_check`): flow changes through active PRVs / PSVs are passed on to their
other end; the non-linearity of the pipe losses is estimated (a pipe error sum, or one
chord step); links that may change status (pumps, check valves, tank links, closed
valves) must keep their direction / head difference.

A closure is *vouched for* when every supplied junction keeps its side of the minimum
pressure: ``safety * (|dH_i| + error_i) + margin_m < |p_i - p_min|``, and no status may
change. Its answer is then the base classification plus the junctions cut off; every
other closure is solved in full by the hydraulic core. ``ClosureScreen.reason`` says why
a closure was not vouched for. The tests check, network by network, that the screened
sweep gives exactly the full sweep's sets.

Exports :class:`ClosureScreen`, :class:`ClosureScreener` (built once per base case) and
:func:`closure_screen`. Called by ``criticality``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from simulation.linalg import ldl_solve

from .linearise import Q_EPS, jacobian, pipe_rows, valve_data, watched_links

DENOM_MIN = 0.02      # 1 - p_k R_ab below this: the closure is too strong to linearise
SURGE_RATIO = 4.0     # a pipe predicted to carry this many times its flow ...
SURGE_LOSS_M = 0.3    # ... with more head loss than this (m) makes the closure non-linear

# why a closure was not vouched for (ClosureScreen.reason)
R_VOUCHED, R_STRONG, R_VALVE, R_STATUS, R_MARGIN, R_NONLINEAR, R_CUT_OFF = range(7)
REASONS = ("vouched", "too strong to linearise", "regulating valve may change state",
           "a pump, check valve or tank link may change status",
           "junctions close to the minimum pressure", "pipe losses too non-linear",
           "touches a part cut off in the base case")


@dataclass(frozen=True)
class ClosureScreen:
    """Screen result for a list of pipes.

    Attributes
    ----------
    vouched : numpy.ndarray of bool, shape (n_pipes,)
        The base classification (plus ``cut_off``) is the answer for these pipes.
    cut_off : list of numpy.ndarray of int
        Per pipe, junction indices cut off from every source by the closure (empty for
        most pipes).
    max_dh_m : numpy.ndarray, shape (n_pipes,)
        Largest predicted head change at a supplied junction, m (NaN where not linearised).
    reason : numpy.ndarray of int, shape (n_pipes,)
        Why a closure was not vouched for: an index into ``REASONS`` (0 = vouched).
    """

    vouched: np.ndarray
    cut_off: list
    max_dh_m: np.ndarray
    reason: np.ndarray


@njit(cache=True)
def _bridges(nn, n1, n2, conducting, is_source):
    """Iterative DFS over the open-link multigraph (parallel links are not bridges).

    Returns per link the child node of the bridge in the DFS tree (-1 if not a bridge);
    per node the entry and exit times (a subtree is the tin range [tin, tout)), the
    component, the number of sources in its DFS subtree; per component its sources.
    """
    nl = len(n1)
    deg = np.zeros(nn + 1, dtype=np.int64)
    for k in range(nl):
        if conducting[k] and n1[k] != n2[k]:
            deg[n1[k] + 1] += 1
            deg[n2[k] + 1] += 1
    ptr = np.cumsum(deg)
    adj_n = np.empty(ptr[-1], dtype=np.int64)
    adj_k = np.empty(ptr[-1], dtype=np.int64)
    fill = ptr[:-1].copy()
    for k in range(nl):
        if conducting[k] and n1[k] != n2[k]:
            adj_n[fill[n1[k]]] = n2[k]
            adj_k[fill[n1[k]]] = k
            fill[n1[k]] += 1
            adj_n[fill[n2[k]]] = n1[k]
            adj_k[fill[n2[k]]] = k
            fill[n2[k]] += 1
    tin = -np.ones(nn, dtype=np.int64)
    tout = np.zeros(nn, dtype=np.int64)
    low = np.zeros(nn, dtype=np.int64)
    comp = -np.ones(nn, dtype=np.int64)
    src = np.zeros(nn, dtype=np.int64)
    parent_link = -np.ones(nn, dtype=np.int64)
    child_of_bridge = -np.ones(nl, dtype=np.int64)
    stack = np.empty(nn, dtype=np.int64)
    it = np.empty(nn, dtype=np.int64)
    comp_src = np.zeros(nn, dtype=np.int64)
    timer = 0
    ncomp = 0
    for root in range(nn):
        if tin[root] >= 0:
            continue
        sp = 0
        stack[0] = root
        it[root] = ptr[root]
        tin[root] = timer
        low[root] = timer
        timer += 1
        comp[root] = ncomp
        src[root] = 1 if is_source[root] else 0
        while sp >= 0:
            u = stack[sp]
            if it[u] < ptr[u + 1]:
                j = it[u]
                it[u] += 1
                v = adj_n[j]
                k = adj_k[j]
                if k == parent_link[u]:
                    continue
                if tin[v] < 0:
                    parent_link[v] = k
                    tin[v] = timer
                    low[v] = timer
                    timer += 1
                    comp[v] = ncomp
                    src[v] = 1 if is_source[v] else 0
                    it[v] = ptr[v]
                    sp += 1
                    stack[sp] = v
                elif tin[v] < low[u]:
                    low[u] = tin[v]
            else:
                tout[u] = timer
                sp -= 1
                if sp >= 0:
                    w = stack[sp]
                    src[w] += src[u]
                    if low[u] < low[w]:
                        low[w] = low[u]
                    if low[u] > tin[w]:
                        child_of_bridge[parent_link[u]] = u
        comp_src[ncomp] = src[root]
        ncomp += 1
    return child_of_bridge, tin, tout, comp, src, comp_src[:ncomp]


@njit(cache=True)
def _grow(buf, need):
    if need <= len(buf):
        return buf
    nb = np.empty(max(2 * len(buf), need, 16), dtype=np.int64)
    nb[:len(buf)] = buf
    return nb


@njit(cache=True, nogil=True)
def _prepare(ks, n1, n2, nj, free, jmap, base_closed, child, tin, tout, comp, src,
             comp_src, by_tin, flows, supplied):
    """Per closure: kind (0 loop, 1 cuts junctions off, 2 no effect, 3 touches a part
    cut off in the base case), the free rows of
    its two ends ``ia``/``ib`` (-1: none), for kind 1 the free row of the supplied end
    ``fa`` and the flow into the cut-off side ``scale``, and the junctions cut off (CSR
    ``cptr``/``cidx``)."""
    nc = len(ks)
    kind = np.zeros(nc, dtype=np.int64)
    ia = -np.ones(nc, dtype=np.int64)
    ib = -np.ones(nc, dtype=np.int64)
    fa = -np.ones(nc, dtype=np.int64)
    scale = np.zeros(nc)
    cptr = np.zeros(nc + 1, dtype=np.int64)
    buf = np.empty(16, dtype=np.int64)
    count = 0
    for c in range(nc):
        k = ks[c]
        u = n1[k]
        v = n2[k]
        cptr[c + 1] = count
        if base_closed[k]:
            kind[c] = 2
            continue
        if not (supplied[u] and supplied[v]):
            kind[c] = 3  # heads of cut-off parts are not physical: leave it to the solver
            continue
        ch = child[k]
        if ch >= 0:
            in_sub = src[ch]
            in_rest = comp_src[comp[ch]] - in_sub
            if in_sub == 0 and in_rest == 0:
                kind[c] = 2  # cut off in the base case already
                continue
            if in_sub == 0 or in_rest == 0:
                kind[c] = 1
                if in_sub == 0:
                    feed = u if ch == v else v
                    for t in range(tin[ch], tout[ch]):
                        if by_tin[t] < nj:
                            buf = _grow(buf, count + 1)
                            buf[count] = by_tin[t]
                            count += 1
                else:
                    feed = ch
                    for n in range(nj):
                        if comp[n] == comp[ch] and not (tin[ch] <= tin[n] < tout[ch]):
                            buf = _grow(buf, count + 1)
                            buf[count] = n
                            count += 1
                cptr[c + 1] = count
                if feed < nj and free[feed]:
                    fa[c] = jmap[feed]
                    scale[c] = flows[k] if n1[k] == feed else -flows[k]
        if u < nj and free[u]:
            ia[c] = jmap[u]
        if v < nj and free[v]:
            ib[c] = jmap[v]
    return kind, ia, ib, fa, scale, cptr, buf[:count].copy()


class Closures(NamedTuple):
    """The closures screened, one entry per pipe (from ``_prepare``)."""

    kind: np.ndarray
    ia: np.ndarray
    ib: np.ndarray
    fa: np.ndarray
    p_k: np.ndarray
    q_k: np.ndarray
    k1: np.ndarray
    k2: np.ndarray
    scale: np.ndarray
    cptr: np.ndarray
    cidx: np.ndarray


class BaseFactor(NamedTuple):
    """The base Jacobian's LDL^T factor and the watched junctions' room, m."""

    iperm: np.ndarray
    lp: np.ndarray
    li: np.ndarray
    lx: np.ndarray
    d: np.ndarray
    free_j: np.ndarray
    nj: int
    watch: np.ndarray
    room: np.ndarray


class Margins(NamedTuple):
    """Safety factor, margin (m) and chord-error factor of the vouching test."""

    safety: float
    margin: float
    err_factor: float


class Valves(NamedTuple):
    """Regulating valves (``linearise.valve_data``)."""

    vq: np.ndarray
    vmargin: np.ndarray
    vother: np.ndarray
    vsign: np.ndarray
    vfixed: np.ndarray
    vz: np.ndarray
    vptr: np.ndarray
    vrow: np.ndarray
    vp: np.ndarray
    vlink: np.ndarray


class Watched(NamedTuple):
    """The closed pipes (``ks``) and links that may change status
    (``linearise.watched_links``)."""

    ks: np.ndarray
    wa: np.ndarray
    wb: np.ndarray
    wp: np.ndarray
    wval: np.ndarray
    wtype: np.ndarray
    wlink: np.ndarray


class PipeRows(NamedTuple):
    """Linearised pipes for the chord step (``linearise.pipe_rows``)."""

    la: np.ndarray
    lb: np.ndarray
    lp_: np.ndarray
    lq: np.ndarray
    lr: np.ndarray
    ln: np.ndarray
    lm: np.ndarray
    llink: np.ndarray
    lh0: np.ndarray


@njit(cache=True, nogil=True)
def _solve_check(closures, factor, margins, valves, watched, pipes):
    """Predicted head changes per closure and the margin test (see module notes).

    The arguments are the :class:`Closures`, :class:`BaseFactor`, :class:`Margins`,
    :class:`Valves`, :class:`Watched` and :class:`PipeRows` tuples of arrays.

    1. Sherman-Morrison with the base factor: ``dH = q_k y / (1 - p_k w^T y)``. For a
       closure that cuts junctions off this is exact for the rest (the removed link
       decouples the cut-off side) when the cut-off side has pressure-dependent demand to
       ground it; otherwise its demand is re-injected at the supplied end.
    2. Active PRVs (PSVs) hold their downstream (upstream) node; the flow they pass
       follows the demand on that side, which a fixed node leaves out. The change of
       flow out of the fixed node is passed on to the valve's other end (``A^-1 e_other``),
       all valves at once (a small linear system); a closed pipe at the fixed node takes
       its own flow out of the valve's.
    3. Pipe losses are not linear (h ~ q^1.85): one chord step (the flows the pipes
       really carry at the predicted heads, re-balanced through the same factor) gives
       an error estimate per junction; ``err_factor`` times it is added to the change.
       (Where the sum of the pipes' errors, put on every junction, already clears the
       margins, that bound is used and the chord solve skipped.)
       A pipe predicted to carry more than 4 times its flow with over 0.3 m of loss
       means the closure is too non-linear for the screen (the chord step then
       underestimates: a 20-fold flow is a 250-fold loss).
    4. Links that may change status (pumps, check valves, tank links, closed valves) must
       keep their flow direction / head difference with the safety factor.
    A closure is vouched when ``safety * (|dH| + error) + margin`` stays inside every
    watched junction's distance to the minimum pressure.
    """
    kind, ia, ib, fa, p_k, q_k, k1, k2, scale, cptr, cidx = closures
    iperm, lp, li, lx, d, free_j, nj, watch, room = factor
    safety, margin, err_factor = margins
    vq, vmargin, vother, vsign, vfixed, vz, vptr, vrow, vp, vlink = valves
    ks, wa, wb, wp, wval, wtype, wlink = watched
    la, lb, lp_, lq, lr, ln, lm, llink, lh0 = pipes
    nc = len(kind)
    nf = len(free_j)
    nv = len(vq)
    vouched = np.zeros(nc, dtype=np.bool_)
    max_dh = np.full(nc, np.nan)
    reason = np.zeros(nc, dtype=np.int64)
    skip = np.zeros(nj, dtype=np.bool_)
    x = np.zeros(nf)
    y = np.zeros(nf)      # A^-1 w in row order (for Sherman-Morrison corrections)
    err_h = np.zeros(nf)  # error estimate of the predicted head change, m
    dq0 = np.zeros(nv)
    im = np.zeros((nv, nv))
    dh = np.zeros(nf)
    applied = np.zeros(nv)
    for c in range(nc):
        if kind[c] == 2:
            vouched[c] = True
            max_dh[c] = 0.0
            continue
        if kind[c] == 3:
            reason[c] = R_CUT_OFF
            continue
        x[:] = 0.0
        if ia[c] >= 0:
            x[iperm[ia[c]]] += 1.0
        if ib[c] >= 0:
            x[iperm[ib[c]]] -= 1.0
        if ia[c] >= 0 or ib[c] >= 0:
            ldl_solve(nf, lp, li, lx, d, x)
        for row in range(nf):
            y[row] = x[iperm[row]]
        r = 0.0
        if ia[c] >= 0:
            r += y[ia[c]]
        if ib[c] >= 0:
            r -= y[ib[c]]
        denom = 1.0 - p_k[c] * r
        sm = denom >= DENOM_MIN
        if sm:
            f = q_k[c] / denom
            for row in range(nf):
                dh[row] = f * y[row]
        elif kind[c] == 1:
            x[:] = 0.0
            if fa[c] >= 0:
                x[iperm[fa[c]]] = 1.0
                ldl_solve(nf, lp, li, lx, d, x)
            for row in range(nf):
                dh[row] = scale[c] * x[iperm[row]]
        else:
            reason[c] = R_STRONG
            continue
        for t in range(cptr[c], cptr[c + 1]):
            skip[cidx[t]] = True
        ok = True
        applied[:] = 0.0
        # (2) regulating valves pass flow changes on to their other end: with dq0 their
        # flow changes for the prediction so far and D[v, u] the change of valve v's flow
        # per unit passed on by valve u, the passed-on flows solve (I - D) a = dq0
        if nv > 0:
            for v in range(nv):
                if vfixed[v] >= 0 and skip[vfixed[v]]:
                    ok = False
                    reason[c] = R_VALVE
                s = 0.0
                for t in range(vptr[v], vptr[v + 1]):
                    if vlink[t] != ks[c]:
                        s += vp[t] * dh[vrow[t]]
                if k1[c] == vfixed[v]:
                    s += q_k[c]
                elif k2[c] == vfixed[v]:
                    s -= q_k[c]
                dq0[v] = -vsign[v] * s
                for u in range(nv):
                    su = 0.0
                    for t in range(vptr[v], vptr[v + 1]):
                        if vlink[t] != ks[c]:
                            su += vp[t] * vz[u, vrow[t]]
                    im[v, u] = (1.0 if u == v else 0.0) - vsign[v] * vsign[u] * su
            if abs(np.linalg.det(im)) < 1e-12:
                ok = False
                reason[c] = R_VALVE
            else:
                applied[:] = np.linalg.solve(im, dq0)
                for u in range(nv):
                    if applied[u] != 0.0:
                        f_u = vsign[u] * applied[u]
                        for row in range(nf):
                            dh[row] -= f_u * vz[u, row]
        # (3) pipe losses are not linear (h ~ q^1.85): one chord step with the same factor
        # (the flows the pipes really carry at the predicted heads, re-balanced through
        # the linear network) estimates the error of the prediction, junction by junction
        x[:] = 0.0
        surge = False
        e_sum = 0.0
        for w in range(len(llink)):
            if llink[w] == ks[c]:
                continue
            da = 0.0
            db = 0.0
            if la[w] >= 0:
                if skip[free_j[la[w]]]:
                    continue
                da = dh[la[w]]
            if lb[w] >= 0:
                if skip[free_j[lb[w]]]:
                    continue
                db = dh[lb[w]]
            q0 = lq[w]
            step = lp_[w] * (da - db)
            if abs(step) <= 1e-3 * max(abs(q0), Q_EPS):
                continue  # error ~ (dq/q)^2 of the loss change: negligible
            q1 = q0 + step
            a1 = max(abs(q1), Q_EPS)
            hf = lr[w] * a1 ** ln[w]
            loss1 = hf + lm[w] * a1 * a1
            e = (loss1 if q1 >= 0.0 else -loss1) - lh0[w] - (da - db)
            slope = ln[w] * hf / a1 + 2.0 * lm[w] * a1
            dq = e / slope  # the linear flow minus the flow the pipe really carries
            if a1 > SURGE_RATIO * max(abs(q0), Q_EPS) and loss1 > SURGE_LOSS_M:
                surge = True
            e_sum += abs(e)
            if la[w] >= 0:
                x[iperm[la[w]]] += dq
            if lb[w] >= 0:
                x[iperm[lb[w]]] -= dq
        # cheap first: every pipe's error is a head source in the linear network, moving
        # no junction by more than itself; only where their sum, on every junction, does
        # not clear the margins is the chord step solved for a local estimate
        roomy = True
        for row in range(nf):
            j = free_j[row]
            if watch[j] and not skip[j] and \
                    safety * (abs(dh[row]) + err_factor * e_sum) + margin >= room[j]:
                roomy = False
                break
        if roomy:
            for row in range(nf):
                err_h[row] = err_factor * e_sum
        else:
            ldl_solve(nf, lp, li, lx, d, x)
            corr = 0.0
            if sm:
                if ia[c] >= 0:
                    corr += x[iperm[ia[c]]]
                if ib[c] >= 0:
                    corr -= x[iperm[ib[c]]]
                corr *= p_k[c] / denom
            for row in range(nf):
                err_h[row] = err_factor * abs(x[iperm[row]] + corr * y[row])
        if surge:
            ok = False  # a pipe takes several times its flow with real losses
            reason[c] = R_NONLINEAR
        for v in range(nv):
            dho = dh[vother[v]] if vother[v] >= 0 else 0.0
            if safety * abs(applied[v]) >= abs(vq[v]) or safety * abs(dho) >= vmargin[v]:
                ok = False
                reason[c] = R_VALVE
        # (4) links that may change status
        for w in range(len(wlink)):
            if wlink[w] == ks[c]:
                continue
            da = dh[wa[w]] if wa[w] >= 0 else 0.0
            db = dh[wb[w]] if wb[w] >= 0 else 0.0
            if wtype[w] == 0:
                if safety * abs(wp[w] * (da - db)) >= wval[w]:
                    ok = False
                    reason[c] = R_STATUS
            elif safety * abs(da - db) >= wval[w]:
                ok = False
                reason[c] = R_STATUS
        worst = 0.0
        for row in range(nf):
            j = free_j[row]
            if not watch[j] or skip[j]:
                continue
            a = abs(dh[row])
            if a > worst:
                worst = a
            if safety * (a + err_h[row]) + margin >= room[j] and ok:
                ok = False
                reason[c] = R_MARGIN if safety * a + margin >= room[j] else R_NONLINEAR
        for t in range(cptr[c], cptr[c + 1]):
            skip[cidx[t]] = False
        vouched[c] = ok
        max_dh[c] = worst
    return vouched, max_dh, reason


class ClosureScreener:
    """The linearised base case, factorised once; screens any list of pipes.

    Parameters are those of :func:`closure_screen` less ``pipes``.
    """

    def __init__(self, wn, base, required_m3s, *, min_pressure_m: float, pmin_m: float,
                 preq_m: float, pexp: float = 0.5, safety: float = 2.0,
                 margin_m: float = 0.02, err_factor: float = 2.0):
        node_names = list(wn.node_name_list)
        pos_of = {n: i for i, n in enumerate(node_names)}
        junction_names = list(wn.junction_name_list)
        nj = len(junction_names)
        jset = set(junction_names)
        order = np.array([pos_of[n] for n in junction_names] +
                         [pos_of[n] for n in node_names if n not in jset], dtype=np.int64)
        node_index = {node_names[order[i]]: i for i in range(len(order))}
        head = np.asarray(base["head_m"], dtype=float)[order]
        supplied = np.asarray(base["supplied"], dtype=bool)[order]
        link_names = list(wn.link_name_list)
        self.link_index = {n: i for i, n in enumerate(link_names)}
        status = np.asarray(base["status"])
        flows = np.asarray(base["flow_m3s"], dtype=float)
        setting = np.asarray(base["setting"], dtype=float)
        fac, p, free, jmap, n1, n2, regulating, law = jacobian(
            wn, head, flows, status, setting, node_index,
            np.asarray(required_m3s, dtype=float), supplied, pmin_m, preq_m, pexp)
        el = np.array([wn.get_node(n).elevation for n in junction_names])
        room = np.abs(head[:nj] - el - min_pressure_m)
        watch = supplied[:nj] & free
        is_source = np.zeros(len(node_names), dtype=np.bool_)
        is_source[nj:] = True
        # topology: a closed link the solver may open (a pump closed by its status check,
        # a valve, a check valve, a tank link) counts as open, so the screen never claims
        # a cut-off that a status change could undo
        links = [wn.get_link(x) for x in link_names]
        watched = watched_links(wn, links, status, setting, flows, head, p, free, jmap,
                                 n1, n2, nj, node_index.__getitem__)
        may_open = np.zeros(len(links), dtype=bool)
        may_open[watched[-1][watched[4] == 1]] = True
        topo = (status != 0) | may_open
        child, tin, tout, comp, src, comp_src = _bridges(len(node_names), n1, n2, topo,
                                                        is_source)
        self._topo = (nj, free, jmap, status == 0, child, tin, tout, comp, src, comp_src,
                      np.argsort(tin), flows, supplied, n1, n2, p)
        self._fixed = BaseFactor(fac.iperm, fac.lp, fac.li, fac.lx, fac.d,
                                 np.flatnonzero(free).astype(np.int64), nj, watch, room)
        self._extra = (valve_data(regulating, fac, p, free, jmap, n1, n2, nj, head, flows),
                       watched,
                       pipe_rows(law, p, flows, free, jmap, n1, n2, nj))
        self._params = (float(safety), float(margin_m), float(err_factor))

    def screen(self, pipes, threads: int = 1) -> ClosureScreen:
        """Screen closing each of ``pipes`` in turn (``threads`` share the pipes)."""
        k_all = np.array([self.link_index[x] for x in pipes], dtype=np.int64)
        threads = max(1, min(int(threads), len(k_all)))
        parts = np.array_split(np.arange(len(k_all)), threads)
        vouched = np.zeros(len(k_all), dtype=bool)
        max_dh = np.full(len(k_all), np.nan)
        reason = np.zeros(len(k_all), dtype=np.int64)
        cut_off: list = [None] * len(k_all)

        def run(part):
            if len(part) == 0:
                return
            v, m, r, cuts = self._screen(k_all[part])
            vouched[part], max_dh[part], reason[part] = v, m, r
            for i, cut in zip(part, cuts):
                cut_off[i] = cut

        if threads == 1:
            run(parts[0])
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(run, parts))
        return ClosureScreen(vouched=vouched, cut_off=cut_off, max_dh_m=max_dh,
                             reason=reason)

    def _screen(self, k_idx):
        nj, free, jmap, closed, child, tin, tout, comp, src, comp_src, by_tin, flows, \
            supplied, n1, n2, p = self._topo
        kind, ia, ib, fa, scale, cptr, cidx = _prepare(
            k_idx, n1, n2, nj, free, jmap, closed, child, tin, tout, comp, src, comp_src,
            by_tin, flows, supplied)
        valves, watched, pipes_lin = self._extra
        safety, margin, err_factor = self._params
        vouched, max_dh, reason = _solve_check(
            Closures(kind, ia, ib, fa, p[k_idx], flows[k_idx], n1[k_idx], n2[k_idx], scale,
                     cptr, cidx),
            self._fixed, Margins(safety, margin, err_factor), Valves(*valves),
            Watched(k_idx, *watched), PipeRows(*pipes_lin))
        cuts = [cidx[cptr[c]:cptr[c + 1]] for c in range(len(k_idx))]
        return vouched, max_dh, reason, cuts


def closure_screen(wn, base, pipes, required_m3s, *, min_pressure_m: float,
                   pmin_m: float, preq_m: float, pexp: float = 0.5,
                   safety: float = 2.0, margin_m: float = 0.02,
                   err_factor: float = 2.0) -> ClosureScreen:
    """Screen single-pipe closures against the base solution (see the module notes).

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
        The model the base solution belongs to.
    base : dict
        Base solution in SI, model order (``wn.node_name_list``, ``wn.link_name_list``):
        ``head_m`` and ``supplied`` (nodes), ``flow_m3s``, ``status`` (0 closed, 1 open,
        2 active) and ``setting`` (links).
    pipes : sequence of str
    required_m3s : numpy.ndarray
        Demand asked for at the base time, per junction (``wn.junction_name_list``).
    min_pressure_m : float
        The classification threshold.
    pmin_m, preq_m, pexp : float
        Pressure-driven demand parameters of the base solve.
    safety, margin_m : float
        Vouch only if ``safety * |dH| + margin_m`` stays inside every junction's margin.
    err_factor : float
        Multiple of the chord-step error estimate added to each predicted head change.

    Returns
    -------
    ClosureScreen
    """
    return ClosureScreener(wn, base, required_m3s, min_pressure_m=min_pressure_m,
                           pmin_m=pmin_m, preq_m=preq_m, pexp=pexp, safety=safety,
                           margin_m=margin_m, err_factor=err_factor).screen(pipes)
