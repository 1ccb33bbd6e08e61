"""The linearised network: the Jacobian of the junction head equations at a solution.

Every open link is a conductance ``p = dq/dh`` at its base flow (pipes and pumps: the
core's own loss laws and pump curves, :mod:`simulation.headloss`; open valves: minor losses); active PRVs / PSVs fix their downstream /
upstream node, active FCVs decouple; junctions between the no-water and full-demand
pressures add their pressure-driven demand slope. Tanks and reservoirs are fixed heads.
The matrix is factorised LDL^T with the hydraulic core's own symbolic analysis and kernels
(``simulation.linalg``). Also here: the links whose status the solver may change,
the pipes' loss laws for the non-linearity estimate, and the regulating valves' data.

Exports the helpers used by ``screen`` (all private to the package).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from simulation import compile_network
from simulation.headloss import pipe_losses, pump_gradient
from simulation.linalg import build_structure, ldl_numeric, ldl_solve

G = 9.81
Q_EPS = 1e-4          # m3/s: flows below this use the slope at Q_EPS


def jacobian(wn, head_m, flow_m3s, status, setting, node_index, required_m3s,
              supplied, pmin_m, preq_m, pexp):
    """The linearised network at a base solution.

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
    head_m : numpy.ndarray
        Node heads, m, junctions first (the order of ``node_index``).
    flow_m3s, status, setting : numpy.ndarray
        Per link in ``wn.link_name_list`` order: flow (m3/s), status (0 closed, 1 open,
        2 active), setting (SI).
    node_index : dict
        Node name -> index (junctions first).
    required_m3s : numpy.ndarray
        Demand asked for, per junction, m3/s.
    supplied : numpy.ndarray of bool
        Per node: connected to a source (unsupplied junctions are left out, fixed).
    pmin_m, preq_m, pexp : float
        Pressure-driven demand parameters.

    Returns
    -------
    tuple
        (Factor of the free-junction matrix, conductance per link (m3/s per m), free
        junction mask, junction -> free row (-1 fixed), start and end node per link,
        regulating valves as (link, fixed node, other node, +1 PRV / -1 PSV), loss law
        (r, n, m) per link (pipes; zero elsewhere)).
    """
    nj = len(wn.junction_name_list)
    regulating = []
    el = np.array([wn.get_node(n).elevation for n in wn.junction_name_list])
    fixed = ~supplied[:nj].copy()
    links = list(wn.link_name_list)
    nl = len(links)
    p = np.zeros(nl)
    law = np.zeros((nl, 3))  # r, n, m of pipes (0 for other links)
    n1 = np.empty(nl, dtype=np.int64)
    n2 = np.empty(nl, dtype=np.int64)
    # the core's own loss laws and pump curves (simulation.headloss), at |q| >= Q_EPS
    cn = compile_network(wn)
    core = np.array([cn.link_index[name] for name in links], dtype=np.int64)
    q_eps = np.where(flow_m3s < 0, -1.0, 1.0) * np.maximum(np.abs(flow_m3s), Q_EPS)
    flows_core = np.zeros(cn.net.nl)
    flows_core[core] = q_eps
    losses = pipe_losses(cn, flows_core)
    for k, name in enumerate(links):
        lk = wn.get_link(name)
        n1[k] = node_index[lk.start_node_name]
        n2[k] = node_index[lk.end_node_name]
        if status[k] == 0:
            continue
        q = flow_m3s[k]
        t = lk.link_type
        if t == "Pipe":
            j = core[k]
            p[k] = 1.0 / losses.gradient[j]
            law[k] = (losses.r[j], losses.n[j], losses.m[j])
        elif t == "Pump":
            speed = setting[k] if setting[k] > 0 else 1.0
            p[k] = 1.0 / max(pump_gradient(cn, core[k], abs(q_eps[k]), speed), 1e-9)
        else:
            vt = lk.valve_type
            active = status[k] == 2
            if active and vt == "PRV":
                if n2[k] < nj:
                    fixed[n2[k]] = True
                regulating.append((k, n2[k], n1[k], 1))
            elif active and vt == "PSV":
                if n1[k] < nj:
                    fixed[n1[k]] = True
                regulating.append((k, n1[k], n2[k], -1))
            elif active and vt == "FCV":
                pass
            else:
                area = np.pi * lk.diameter ** 2 / 4.0
                kloss = lk.minor_loss
                if vt == "TCV" and active:
                    kloss = max(float(setting[k]), kloss)
                m = max(kloss, 0.1) / (2.0 * G * area * area)
                p[k] = 1.0 / (2.0 * m * max(abs(q), Q_EPS))
    pos = p > 0
    cap = 1e4 * np.median(p[pos]) if pos.any() else 1.0
    p = np.minimum(p, cap)
    # PDA slope of delivered demand w.r.t. head
    press = head_m[:nj] - el
    dq = np.zeros(nj)
    mid = (press > pmin_m) & (press < preq_m) & (required_m3s > 0)
    if mid.any():
        span = preq_m - pmin_m
        x = (press[mid] - pmin_m) / span
        dq[mid] = required_m3s[mid] * pexp * x ** (pexp - 1.0) / span
    free = ~fixed
    jmap = -np.ones(nj, dtype=np.int64)
    jmap[free] = np.arange(free.sum())
    return (Factor.of(p, dq, free, jmap, n1, n2, nj), p, free, jmap, n1, n2, regulating,
            law)


@dataclass(frozen=True)
class Factor:
    """LDL^T of the free-junction Jacobian, with the core's symbolic analysis."""

    n: int
    iperm: np.ndarray
    lp: np.ndarray
    li: np.ndarray
    lx: np.ndarray
    d: np.ndarray

    @staticmethod
    def of(p, dq, free, jmap, n1, n2, nj):
        nf = int(free.sum())
        big = nf + 1  # any index >= nf is "not an unknown" for build_structure
        m1 = np.where(n1 < nj, jmap[np.minimum(n1, nj - 1)], big)
        m2 = np.where(n2 < nj, jmap[np.minimum(n2, nj - 1)], big)
        m1 = np.where(m1 < 0, big, m1)
        m2 = np.where(m2 < 0, big, m2)
        keep = p > 0
        m1, m2, pk = m1[keep], m2[keep], p[keep]
        ss = build_structure(nf, m1, m2)
        ax = np.zeros(len(ss.ai))
        _assemble(ax, ss.diag_pos, ss.link_pos, m1, m2, pk, dq[free] + 1e-12, nf)
        lx = np.zeros(max(int(ss.lp[-1]), 1))
        d = np.zeros(nf)
        bad = ldl_numeric(nf, ss.ap, ss.ai, ax, ss.lp, ss.rp, ss.rc, ss.rpos, ss.li, lx, d,
                          np.zeros(nf))
        if bad >= 0:
            raise FloatingPointError("linearised network matrix is not positive definite")
        return Factor(nf, ss.iperm, ss.lp, ss.li, lx, d)


@njit(cache=True)
def _assemble(ax, diag_pos, link_pos, m1, m2, p, diag, nf):
    for j in range(nf):
        ax[diag_pos[j]] += diag[j]
    for k in range(len(p)):
        a = m1[k]
        b = m2[k]
        if a < nf:
            ax[diag_pos[a]] += p[k]
        if b < nf:
            ax[diag_pos[b]] += p[k]
        if a < nf and b < nf and a != b:
            ax[link_pos[k]] -= p[k]


def shutoff_head(pump) -> float:
    """Shutoff head of a head pump at full speed (m); inf for power pumps."""
    if pump.pump_type == "POWER":
        return np.inf
    pts = np.asarray(pump.get_pump_curve().points, dtype=float)
    if len(pts) == 1:
        return 1.33334 * pts[0, 1]
    return float(pts[0, 1])


def watched_links(wn, links, status, setting, flows, head, p, free, jmap, n1, n2, nj,
                   node_index_of):
    """Links whose status the solver may change: their flow must not reverse or stop,
    or, closed, their head difference must not reach the point where they open.

    Running pumps, open check valves and open links of a tank at its lowest or highest
    level are watched for their flow (type 0, value = |flow| m3/s); pumps closed by their
    status check (head across above shutoff), closed valves, closed check valves and
    closed tank links for their head difference (type 1, value = margin m).

    Returns arrays (row of start node, row of end node (-1: fixed), conductance, flow,
    type 0 = flowing / 1 = closed, margin) and the link ids.
    """
    tanks = set(wn.tank_name_list)
    # a tank at its lowest or highest level closes its links against draining / filling
    at_limit = set()
    for name in tanks:
        tank = wn.get_node(name)
        i = node_index_of(name)
        level = head[i] - tank.elevation
        if level <= tank.min_level + 0.01 or level >= tank.max_level - 0.01:
            at_limit.add(name)
    rows = []
    for k, lk in enumerate(links):
        t = lk.link_type
        at_tank = lk.start_node_name in tanks or lk.end_node_name in tanks
        limit = lk.start_node_name in at_limit or lk.end_node_name in at_limit
        cv = t == "Pipe" and lk.check_valve
        if not (t != "Pipe" or cv or at_tank):
            continue
        dh_ab = head[n1[k]] - head[n2[k]]
        if status[k] != 0:
            if t == "Pump" or cv or limit:
                rows.append((k, 0, abs(flows[k])))
            continue
        if t == "Pump":
            speed = setting[k] if setting[k] > 0 else 1.0
            margin = -dh_ab - shutoff_head(lk) * speed * speed
            if margin > 0:  # closed by its status check (head above shutoff), may reopen
                rows.append((k, 1, margin))
        elif t == "Valve" and lk.valve_type in ("PRV", "PSV"):
            rows.append((k, 1, abs(dh_ab)))
        else:
            rows.append((k, 1, abs(dh_ab)))
    ids = np.array([r[0] for r in rows], dtype=np.int64)

    def row_of(n):
        return np.where((n < nj) & free[np.minimum(n, nj - 1)], jmap[np.minimum(n, nj - 1)], -1)

    return (row_of(n1[ids]), row_of(n2[ids]), p[ids],
            np.array([r[2] for r in rows], dtype=float),
            np.array([r[1] for r in rows], dtype=np.int64), ids)


def pipe_rows(law, p, flows, free, jmap, n1, n2, nj):
    """Open pipes with a free end: (row a, row b, p, q, r, n, m, link, signed loss) for
    the non-linearity estimate."""
    ids = np.flatnonzero((law[:, 0] > 0) & (p > 0))

    def row_of(n):
        nn = np.minimum(n, nj - 1)
        return np.where((n < nj) & free[nn], jmap[nn], -1)

    ra, rb = row_of(n1[ids]), row_of(n2[ids])
    keep = (ra >= 0) | (rb >= 0)
    ids = ids[keep]
    ra, rb = ra[keep], rb[keep]
    q, r, n, m = flows[ids], law[ids, 0], law[ids, 1], law[ids, 2]
    h0 = np.sign(q) * (r * np.abs(q) ** n + m * q * q)
    return (ra, rb, p[ids], q, r, n, m, ids.astype(np.int64), h0)


def valve_data(regulating, fac, p, free, jmap, n1, n2, nj, head, flows):
    """Arrays for the regulating-valve correction in :func:`_solve_check`.

    Per active PRV/PSV: its flow, head margin (upstream minus downstream head), the free
    row of its non-fixed end (-1 if none), the column ``A^-1 e_other`` (free-row order)
    and, CSR over valves, the links from its fixed node to free junctions.
    """
    nv = len(regulating)
    nf = fac.n
    q = np.zeros(nv)
    margin = np.zeros(nv)
    other_row = -np.ones(nv, dtype=np.int64)
    sign = np.zeros(nv)
    fixed_node = -np.ones(nv, dtype=np.int64)
    z = np.zeros((nv, nf))
    nptr = np.zeros(nv + 1, dtype=np.int64)
    nrow, np_, nlink = [], [], []
    for v, (k, fixed, other, sg) in enumerate(regulating):
        q[v] = flows[k]
        margin[v] = head[n1[k]] - head[n2[k]]
        sign[v] = sg
        fixed_node[v] = fixed if fixed < nj else -1
        if other < nj and free[other]:
            other_row[v] = jmap[other]
            x = np.zeros(nf)
            x[fac.iperm[jmap[other]]] = 1.0
            ldl_solve(nf, fac.lp, fac.li, fac.lx, fac.d, x)
            z[v] = x[fac.iperm]
        for kk in np.flatnonzero(((n1 == fixed) | (n2 == fixed)) & (p > 0)):
            if kk == k:
                continue
            j = n2[kk] if n1[kk] == fixed else n1[kk]
            if j < nj and free[j]:
                nrow.append(jmap[j])
                np_.append(p[kk])
                nlink.append(kk)
        nptr[v + 1] = len(nrow)
    return (q, margin, other_row, sign, fixed_node, z, nptr,
            np.asarray(nrow, dtype=np.int64), np.asarray(np_, dtype=float),
            np.asarray(nlink, dtype=np.int64))
