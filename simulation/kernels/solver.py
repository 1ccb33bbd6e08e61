"""One hydraulic solution: Newton iterations of the Global Gradient Algorithm.

Semantics of EPANET 2.2's ``hydsolver.c`` and ``hydstatus.c`` (status checks of check
valves, pumps, control valves and links to full/empty tanks; damping; convergence tests;
PDA convergence), plus one extension: junctions cut off from every tank and reservoir are
found each iteration and taken out of the equations (no water is delivered there) instead
of producing a singular or garbage solution.
"""

from __future__ import annotations

import math

from numba import njit

from .coeffs import (
    demand_headloss,
    emitter_headloss,
    headloss_coeffs,
    leakage_headloss,
    matrix_coeffs,
)
from .constants import (
    ACTIVE,
    BIG,
    CBIG,
    CLOSED,
    CONST_HP,
    CVPIPE,
    DDA,
    FCV,
    HILEVEL,
    LOWLEVEL,
    MISSING,
    OPEN,
    PIPE,
    PRV,
    PSV,
    PUMP,
    TEMPCLOSED,
    XFCV,
    XHEAD,
    XPRESSURE,
)
from .linalg import ldl_numeric, ldl_solve
from .state import (
    F_DEMRED,
    F_MAXHERR,
    F_MAXQCHG,
    F_RELAX,
    F_RELERR,
    I_BADVALVES,
    I_DEFICIENT,
    I_ERRNODE,
    I_ITER,
    I_NUNSUPPLIED,
)


# ---------------------------------------------------------------------------------------
# islands
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def link_conducts(ltype, status, setting, flow, ptype, pump_r):
    """True when a link can carry water (its coefficient is not EPANET's closed one)."""
    if status <= CLOSED:
        return False
    if ltype == PUMP:
        if setting == 0.0:
            return False
        if ptype == CONST_HP:
            # a constant-power pump at (near) zero flow has gradient > CBIG: closed
            q = abs(flow)
            if q == 0.0 or -pump_r * setting * setting * setting / (q * q) > CBIG:
                return False
    return True


@njit(cache=True, error_model="numpy")
def update_islands(net, opt, st, force):
    """Mark junctions connected to a tank/reservoir through conducting links.

    Unsupplied junctions get zero delivered demand; if their island draws water (positive
    demand, an emitter or a leak) they are *drained* (head = elevation + Pmin), otherwise
    they keep the trapped head EPANET would give them (mean of the heads across their
    closed boundary links). Returns the number of unsupplied junctions.
    """
    n_adj_link = net.adj_link
    n_adj_ptr = net.adj_ptr
    n_ke = net.ke
    n_link_pump = net.link_pump
    n_ltype = net.ltype
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    n_nl = net.nl
    n_nn = net.nn
    n_pump_r = net.pump_r
    n_pump_type = net.pump_type
    s_comp = st.comp
    s_conducting = st.conducting
    s_demand_flow = st.demand_flow
    s_drained = st.drained
    s_emitter_flow = st.emitter_flow
    s_flow = st.flow
    s_iscal = st.iscal
    s_leak_cfa = st.leak_cfa
    s_leak_cva = st.leak_cva
    s_leak_flow = st.leak_flow
    s_leak_qfa = st.leak_qfa
    s_leak_qva = st.leak_qva
    s_node_demand = st.node_demand
    s_queue = st.queue
    s_setting = st.setting
    s_status = st.status
    s_supplied = st.supplied
    nl = n_nl
    changed = force
    for k in range(nl):
        p = n_link_pump[k]
        ptype = n_pump_type[p] if p >= 0 else -1
        pr = n_pump_r[p] if p >= 0 else 0.0
        c = link_conducts(n_ltype[k], s_status[k], s_setting[k], s_flow[k], ptype, pr)
        if c != s_conducting[k]:
            s_conducting[k] = c
            changed = True
    if not changed:
        return s_iscal[I_NUNSUPPLIED]
    nj = n_nj
    nn = n_nn
    sup = s_supplied
    # give back demand to junctions that were cut off; those still cut off lose it again
    for i in range(nj):
        if not sup[i]:
            s_demand_flow[i] = s_node_demand[i]
            s_emitter_flow[i] = 1.0 if n_ke[i] > 0.0 else 0.0
            s_leak_qfa[i] = 0.001 if s_leak_cfa[i] > 0.0 else 0.0
            s_leak_qva[i] = 0.001 if s_leak_cva[i] > 0.0 else 0.0
    for n in range(nn):
        sup[n] = n >= nj
        s_drained[n] = False
        s_comp[n] = -1
    q = s_queue
    head = 0
    tail = 0
    for n in range(nj, nn):
        q[tail] = n
        tail += 1
    while head < tail:
        n = q[head]
        head += 1
        for p in range(n_adj_ptr[n], n_adj_ptr[n + 1]):
            k = n_adj_link[p]
            if not s_conducting[k]:
                continue
            m = n_n1[k] if n_n2[k] == n else n_n2[k]
            if not sup[m]:
                sup[m] = True
                q[tail] = m
                tail += 1
    nuns = 0
    for i in range(nj):
        if not sup[i]:
            nuns += 1
    s_iscal[I_NUNSUPPLIED] = nuns
    if nuns == 0:
        return 0
    # label islands of unsupplied junctions and decide whether each one drains
    ncomp = 0
    for s in range(nj):
        if sup[s] or s_comp[s] >= 0:
            continue
        head = 0
        tail = 1
        q[0] = s
        s_comp[s] = ncomp
        draws = False
        while head < tail:
            n = q[head]
            head += 1
            if (s_node_demand[n] > 0.0 or n_ke[n] > 0.0 or s_leak_cfa[n] > 0.0
                    or s_leak_cva[n] > 0.0):
                draws = True
            for p in range(n_adj_ptr[n], n_adj_ptr[n + 1]):
                k = n_adj_link[p]
                if not s_conducting[k]:
                    continue
                m = n_n1[k] if n_n2[k] == n else n_n2[k]
                if m < nj and s_comp[m] < 0 and not sup[m]:
                    s_comp[m] = ncomp
                    q[tail] = m
                    tail += 1
        if draws:
            for t in range(tail):
                s_drained[q[t]] = True
        ncomp += 1
    for i in range(nj):
        if not sup[i]:
            s_demand_flow[i] = 0.0
            s_emitter_flow[i] = 0.0
            s_leak_flow[i] = 0.0
            s_leak_qfa[i] = 0.0
            s_leak_qva[i] = 0.0
    for k in range(nl):
        if not (sup[n_n1[k]] and sup[n_n2[k]]):
            s_flow[k] = 0.0
    set_unsupplied_heads(net, opt, st)
    return nuns


@njit(cache=True, error_model="numpy")
def set_unsupplied_heads(net, opt, st):
    """Heads of unsupplied junctions.

    Drained islands: elevation + Pmin (what EPANET's PDA gives: no pressure, no water).
    Trapped islands (nothing draws water): the mean head across the island's boundary
    links, which is EPANET's answer for a zero-demand node behind closed links.
    """
    n_adj_link = net.adj_link
    n_adj_ptr = net.adj_ptr
    n_el = net.el
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    o_pmin = opt.pmin
    s_comp = st.comp
    s_comp_cnt = st.comp_cnt
    s_comp_sum = st.comp_sum
    s_drained = st.drained
    s_head = st.head
    s_supplied = st.supplied
    nj = n_nj
    sup = s_supplied
    for i in range(nj):
        s_comp_sum[i] = 0.0
        s_comp_cnt[i] = 0
    for i in range(nj):
        if sup[i] or s_drained[i]:
            continue
        c = s_comp[i]
        for p in range(n_adj_ptr[i], n_adj_ptr[i + 1]):
            k = n_adj_link[p]
            m = n_n1[k] if n_n2[k] == i else n_n2[k]
            if sup[m]:
                s_comp_sum[c] += s_head[m]
                s_comp_cnt[c] += 1
    for i in range(nj):
        if sup[i]:
            continue
        if s_drained[i]:
            s_head[i] = n_el[i] + o_pmin
            continue
        c = s_comp[i]
        if s_comp_cnt[c] > 0:
            s_head[i] = s_comp_sum[c] / s_comp_cnt[c]
        else:
            s_head[i] = n_el[i]


# ---------------------------------------------------------------------------------------
# status checks
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def cv_status(htol, qtol, s, dh, q):
    """Check valve status from head difference ``dh`` and flow ``q``."""
    if abs(dh) > htol:
        if dh < -htol:
            return CLOSED
        elif q < -qtol:
            return CLOSED
        return OPEN
    if q < -qtol:
        return CLOSED
    return s


@njit(cache=True, error_model="numpy")
def pump_status(htol, ptype, phmax, setting, dh):
    """XHEAD when the pump's head gain ``dh`` exceeds its speed-adjusted shutoff head."""
    if ptype == CONST_HP:
        hmax = BIG
    else:
        hmax = setting * setting * phmax
    if dh > hmax + htol:
        return XHEAD
    return OPEN


@njit(cache=True, error_model="numpy")
def prv_status(net, opt, st, k, s, hset, h1, h2):
    htol = opt.htol
    q = st.flow[k]
    hml = net.km[k] * q * q
    status = s
    if s == ACTIVE:
        if q < -opt.qtol:
            status = CLOSED
        elif h1 - hml < hset - htol:
            status = OPEN
        else:
            status = ACTIVE
    elif s == OPEN:
        if q < -opt.qtol:
            status = CLOSED
        elif h2 >= hset + htol:
            status = ACTIVE
        else:
            status = OPEN
    elif s == CLOSED:
        if h1 >= hset + htol and h2 < hset - htol:
            status = ACTIVE
        elif h1 < hset - htol and h1 > h2 + htol:
            status = OPEN
        else:
            status = CLOSED
    elif s == XPRESSURE:
        if q < -opt.qtol:
            status = CLOSED
    return status


@njit(cache=True, error_model="numpy")
def psv_status(net, opt, st, k, s, hset, h1, h2):
    htol = opt.htol
    q = st.flow[k]
    hml = net.km[k] * q * q
    status = s
    if s == ACTIVE:
        if q < -opt.qtol:
            status = CLOSED
        elif h2 + hml > hset + htol:
            status = OPEN
        else:
            status = ACTIVE
    elif s == OPEN:
        if q < -opt.qtol:
            status = CLOSED
        elif h1 < hset - htol:
            status = ACTIVE
        else:
            status = OPEN
    elif s == CLOSED:
        if h2 > hset + htol and h1 > h2 + htol:
            status = OPEN
        elif h1 >= hset + htol and h1 > h2 + htol:
            status = ACTIVE
        else:
            status = CLOSED
    elif s == XPRESSURE:
        if q < -opt.qtol:
            status = CLOSED
    return status


@njit(cache=True, error_model="numpy")
def fcv_status(htol, qtol, s, h1, h2, q, setting):
    status = s
    if h1 - h2 < -htol:
        status = XFCV
    elif q < -qtol:
        status = XFCV
    elif s == XFCV and q >= setting:
        status = ACTIVE
    return status


@njit(cache=True, error_model="numpy")
def valve_status(net, opt, st):
    """Update PRV/PSV status (every iteration); True if any changed."""
    change = False
    for v in range(len(net.valve_link)):
        k = net.valve_link[v]
        if st.setting[k] == MISSING:
            continue
        t = net.ltype[k]
        n1 = net.n1[k]
        n2 = net.n2[k]
        s = st.status[k]
        if t == PRV:
            hset = net.el[n2] + st.setting[k]
            st.status[k] = prv_status(net, opt, st, k, s, hset, st.head[n1], st.head[n2])
        elif t == PSV:
            hset = net.el[n1] + st.setting[k]
            st.status[k] = psv_status(net, opt, st, k, s, hset, st.head[n1], st.head[n2])
        else:
            continue
        if s != st.status[k]:
            change = True
    return change


@njit(cache=True, error_model="numpy")
def _tank_link_status(net, opt, st, k, n1, n2):
    """Close links that would fill a full tank or drain an empty one (EPANET 2.2)."""
    if st.status[k] <= CLOSED:
        return
    nj = net.nj
    q = st.flow[k]
    tn = n1
    on = n2
    if n1 < nj:
        if n2 < nj:
            return
        tn = n2
        on = n1
        q = -q
    ti = net.node_tank[tn]
    if net.tank_area[ti] == 0.0:
        return
    h = st.head[tn] - st.head[on]
    if st.head[tn] >= net.tank_hmax[ti] - opt.htol and not net.tank_overflow[ti]:
        if net.ltype[k] == PUMP:
            if net.n2[k] == tn:
                st.status[k] = TEMPCLOSED
        elif cv_status(opt.htol, opt.qtol, OPEN, h, q) == CLOSED:
            st.status[k] = TEMPCLOSED
    if st.head[tn] <= net.tank_hmin[ti] + opt.htol:
        if net.ltype[k] == PUMP:
            if net.n1[k] == tn:
                st.status[k] = TEMPCLOSED
        elif cv_status(opt.htol, opt.qtol, CLOSED, h, q) == OPEN:
            st.status[k] = TEMPCLOSED


@njit(cache=True, error_model="numpy")
def link_status(net, opt, st):
    """Status checks of CVs, pumps, FCVs and links to tanks; True if any changed."""
    n_link_pump = net.link_pump
    n_ltype = net.ltype
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    n_nl = net.nl
    n_pump_hmax = net.pump_hmax
    n_pump_type = net.pump_type
    o_htol = opt.htol
    o_qtol = opt.qtol
    s_flow = st.flow
    s_head = st.head
    s_setting = st.setting
    s_status = st.status
    change = False
    nj = n_nj
    htol = o_htol
    qtol = o_qtol
    status = s_status
    head = s_head
    for k in range(n_nl):
        n1 = n_n1[k]
        n2 = n_n2[k]
        dh = head[n1] - head[n2]
        s = status[k]
        if s == XHEAD or s == TEMPCLOSED:
            status[k] = OPEN
        t = n_ltype[k]
        if t == CVPIPE:
            status[k] = cv_status(htol, qtol, status[k], dh, s_flow[k])
        if t == PUMP and status[k] >= OPEN and s_setting[k] > 0.0:
            p = n_link_pump[k]
            status[k] = pump_status(htol, n_pump_type[p], n_pump_hmax[p], s_setting[k],
                                    -dh)
        if t == FCV and s_setting[k] != MISSING:
            status[k] = fcv_status(htol, qtol, s, head[n1], head[n2], s_flow[k],
                                   s_setting[k])
        if n1 >= nj or n2 >= nj:
            _tank_link_status(net, opt, st, k, n1, n2)
        if s != s_status[k]:
            change = True
    return change


@njit(cache=True, error_model="numpy")
def pressure_switch(net, opt, st, ctl):
    """Simple controls on junction pressure, applied after convergence (EPANET pswitch)."""
    anychange = False
    nj = net.nj
    for i in range(len(ctl.link)):
        k = ctl.link[i]
        if k < 0 or not ctl.enabled[i]:
            continue
        n = ctl.node[i]
        if n < 0 or n >= nj:
            continue
        reset = False
        if ctl.ctype[i] == LOWLEVEL and st.head[n] <= ctl.grade[i] + opt.htol:
            reset = True
        if ctl.ctype[i] == HILEVEL and st.head[n] >= ctl.grade[i] - opt.htol:
            reset = True
        if not reset:
            continue
        t = net.ltype[k]
        s = st.status[k]
        change = False
        if t == PIPE or t == CVPIPE:
            if s != ctl.status[i]:
                change = True
        if t == PUMP:
            if st.setting[k] != ctl.setting[i]:
                change = True
        if t >= PRV:
            if st.setting[k] != ctl.setting[i]:
                change = True
            elif st.setting[k] == MISSING and s != ctl.status[i]:
                change = True
        if change:
            st.status[k] = ctl.status[i]
            if t > PIPE:
                st.setting[k] = ctl.setting[i]
            anychange = True
    return anychange


@njit(cache=True, error_model="numpy")
def bad_valve(net, st, n):
    """Fix an active PRV/PSV/FCV touching node n that makes the matrix singular."""
    for v in range(len(net.valve_link)):
        k = net.valve_link[v]
        if n == net.n1[k] or n == net.n2[k]:
            t = net.ltype[k]
            if t == PRV or t == PSV or t == FCV:
                if st.status[k] == ACTIVE:
                    if t == FCV:
                        st.status[k] = XFCV
                    else:
                        st.status[k] = XPRESSURE
                    return True
            return False
    return False


# ---------------------------------------------------------------------------------------
# flow updates and convergence
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def new_flows(net, opt, st):
    """Update link, emitter and demand flows from new heads; returns relative change."""
    n_el = net.el
    n_ke = net.ke
    n_link_pump = net.link_pump
    n_ltype = net.ltype
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    n_nl = net.nl
    n_nn = net.nn
    n_pump_type = net.pump_type
    o_demand_model = opt.demand_model
    o_hacc = opt.hacc
    o_has_leakage = opt.has_leakage
    o_pexp = opt.pexp
    o_pmin = opt.pmin
    o_preq = opt.preq
    o_qexp = opt.qexp
    o_rqtol = opt.rqtol
    s_demand_flow = st.demand_flow
    s_emitter_flow = st.emitter_flow
    s_flow = st.flow
    s_fs = st.fs
    s_head = st.head
    s_leak_cfa = st.leak_cfa
    s_leak_cva = st.leak_cva
    s_leak_flow = st.leak_flow
    s_leak_qfa = st.leak_qfa
    s_leak_qva = st.leak_qva
    s_node_demand = st.node_demand
    s_pcoef = st.pcoef
    s_status = st.status
    s_supplied = st.supplied
    s_ycoef = st.ycoef
    nj = n_nj
    relax = s_fs[F_RELAX]
    qsum = 0.0
    dqsum = 0.0
    maxchg = 0.0
    sup = s_supplied
    for n in range(nj, n_nn):
        s_node_demand[n] = 0.0
    for k in range(n_nl):
        n1 = n_n1[k]
        n2 = n_n2[k]
        if not (sup[n1] and sup[n2]):
            s_flow[k] = 0.0
            continue
        dh = s_head[n1] - s_head[n2]
        dq = s_ycoef[k] - s_pcoef[k] * dh
        dq *= relax
        if n_ltype[k] == PUMP:
            p = n_link_pump[k]
            if n_pump_type[p] == CONST_HP and dq > s_flow[k]:
                dq = s_flow[k] / 2.0
        s_flow[k] -= dq
        qsum += abs(s_flow[k])
        dqsum += abs(dq)
        if abs(dq) > maxchg:
            maxchg = abs(dq)
        if s_status[k] > CLOSED:
            if n1 >= nj:
                s_node_demand[n1] -= s_flow[k]
            if n2 >= nj:
                s_node_demand[n2] += s_flow[k]
    for i in range(nj):
        if n_ke[i] == 0.0 or not sup[i]:
            continue
        hloss, hgrad = emitter_headloss(n_ke[i], s_emitter_flow[i], o_qexp, o_rqtol)
        dh = s_head[i] - n_el[i]
        dq = (hloss - dh) / hgrad
        dq *= relax
        s_emitter_flow[i] -= dq
        qsum += abs(s_emitter_flow[i])
        dqsum += abs(dq)
        if abs(dq) > maxchg:
            maxchg = abs(dq)
    if o_demand_model != DDA:
        dp = o_preq - o_pmin
        n = 1.0 / o_pexp
        for i in range(nj):
            if s_node_demand[i] <= 0.0 or not sup[i]:
                continue
            hloss, hgrad = demand_headloss(s_demand_flow[i], s_node_demand[i], dp, n,
                                           o_rqtol)
            dh = s_head[i] - n_el[i] - o_pmin
            dq = (hloss - dh) / hgrad
            dq *= relax
            s_demand_flow[i] -= dq
            qsum += abs(s_demand_flow[i])
            dqsum += abs(dq)
            if abs(dq) > maxchg:
                maxchg = abs(dq)
    if o_has_leakage:
        for i in range(nj):
            cfa = s_leak_cfa[i]
            cva = s_leak_cva[i]
            if not sup[i] or (cfa == 0.0 and cva == 0.0):
                continue
            dh = s_head[i] - n_el[i]
            dqfa = 0.0
            if cfa > 0.0:
                h, g = leakage_headloss(o_rqtol, s_leak_qfa[i], cfa, 0.5)
                dqfa = (h - dh) / g * relax
                s_leak_qfa[i] -= dqfa
            dqva = 0.0
            if cva > 0.0:
                h, g = leakage_headloss(o_rqtol, s_leak_qva[i], cva, 1.5)
                dqva = (h - dh) / g * relax
                s_leak_qva[i] -= dqva
            s_leak_flow[i] = s_leak_qfa[i] + s_leak_qva[i]
            dq = dqfa + dqva
            if dq == 0.0:
                continue
            qsum += abs(s_leak_flow[i])
            dqsum += abs(dq)
            if abs(dq) > maxchg:
                maxchg = abs(dq)
    s_fs[F_MAXQCHG] = maxchg
    if qsum > o_hacc:
        return dqsum / qsum
    return dqsum


@njit(cache=True, error_model="numpy")
def max_head_error(net, opt, st):
    n_n1 = net.n1
    n_n2 = net.n2
    n_nl = net.nl
    s_head = st.head
    s_pcoef = st.pcoef
    s_status = st.status
    s_supplied = st.supplied
    s_ycoef = st.ycoef
    headloss_coeffs(net, opt, st)
    err = 0.0
    for k in range(n_nl):
        if s_status[k] <= CLOSED or s_pcoef[k] == 0.0:
            continue
        n1 = n_n1[k]
        n2 = n_n2[k]
        if not (s_supplied[n1] and s_supplied[n2]):
            continue
        dh = s_head[n1] - s_head[n2]
        e = abs(dh - s_ycoef[k] / s_pcoef[k])
        if e > err:
            err = e
    return err


@njit(cache=True, error_model="numpy")
def pda_converged(net, opt, st):
    """PDA demand deficit statistics; True if every demand is within 1e-4 cfs of its
    pressure-demand curve."""
    n_el = net.el
    n_nj = net.nj
    o_pexp = opt.pexp
    o_pmin = opt.pmin
    o_preq = opt.preq
    s_demand_flow = st.demand_flow
    s_fs = st.fs
    s_head = st.head
    s_iscal = st.iscal
    s_node_demand = st.node_demand
    s_supplied = st.supplied
    qtol = 0.0001
    conv = True
    dp = o_preq - o_pmin
    total = 0.0
    red = 0.0
    ndef = 0
    for i in range(n_nj):
        if s_node_demand[i] <= 0.0 or not s_supplied[i]:
            continue
        p = s_head[i] - n_el[i]
        if p <= o_pmin:
            q = 0.0
        elif p >= o_preq:
            q = s_node_demand[i]
        else:
            q = s_node_demand[i] * ((p - o_pmin) / dp) ** o_pexp
        if abs(q - s_demand_flow[i]) > qtol:
            conv = False
        if s_demand_flow[i] + qtol < s_node_demand[i]:
            ndef += 1
            total += s_node_demand[i]
            red += s_node_demand[i] - s_demand_flow[i]
    s_iscal[I_DEFICIENT] = ndef
    s_fs[F_DEMRED] = red / total * 100.0 if total > 0.0 else 0.0
    return conv


@njit(cache=True, error_model="numpy")
def has_converged(net, opt, st, relerr):
    if relerr > opt.hacc:
        return False
    if opt.head_error_limit > 0.0 or opt.report_head_error:
        st.fs[F_MAXHERR] = max_head_error(net, opt, st)
    if opt.head_error_limit > 0.0 and st.fs[F_MAXHERR] > opt.head_error_limit:
        return False
    if opt.flow_change_limit > 0.0 and st.fs[F_MAXQCHG] > opt.flow_change_limit:
        return False
    # EPANET 2.2 has no separate PDA demand-convergence test (2.3 added one); leakage,
    # an EPANET 2.3 feature, keeps 2.3's test
    if opt.has_leakage:
        return leakage_converged(net, st)
    return True


@njit(cache=True, error_model="numpy")
def leakage_converged(net, st):
    """EPANET 2.3: every junction's leakage within 1e-4 cfs + 0.1 % of its FAVAD value."""
    n_el = net.el
    n_nj = net.nj
    s_head = st.head
    s_leak_cfa = st.leak_cfa
    s_leak_cva = st.leak_cva
    s_leak_qfa = st.leak_qfa
    s_leak_qva = st.leak_qva
    s_supplied = st.supplied
    for i in range(n_nj):
        cfa = s_leak_cfa[i]
        cva = s_leak_cva[i]
        if (cfa == 0.0 and cva == 0.0) or not s_supplied[i]:
            continue
        h = s_head[i] - n_el[i]
        if h < 0.0:
            continue  # EPANET's reference leakage is NaN here, which never fails the test
        qref = 0.0
        if cfa > 0.0:
            qref = math.sqrt(h / cfa)
        if cva > 0.0:
            qref += (h / cva) ** 1.5
        qtest = s_leak_qfa[i] + s_leak_qva[i]
        if abs(qref - qtest) > 0.0001 + 0.001 * qref:
            return False
    return True


@njit(cache=True, error_model="numpy")
def linear_solve(net, sm, st):
    """Factorise and solve the junction system; heads of junctions updated in place.

    Returns -1 on success or the junction whose pivot failed.
    """
    m_ai = sm.ai
    m_ap = sm.ap
    m_iperm = sm.iperm
    m_li = sm.li
    m_lp = sm.lp
    m_perm = sm.perm
    m_rc = sm.rc
    m_rp = sm.rp
    m_rpos = sm.rpos
    n_nj = net.nj
    s_ax = st.ax
    s_dd = st.dd
    s_head = st.head
    s_lx = st.lx
    s_rhs = st.rhs
    s_xw = st.xw
    s_yw = st.yw
    nj = n_nj
    if nj == 0:
        return -1
    bad = ldl_numeric(nj, m_ap, m_ai, s_ax, m_lp, m_rp, m_rc, m_rpos, m_li, s_lx,
                      s_dd, s_yw)
    if bad >= 0:
        return m_perm[bad]
    for j in range(nj):
        s_xw[m_iperm[j]] = s_rhs[j]
    ldl_solve(nj, m_lp, m_li, s_lx, s_dd, s_xw)
    for j in range(nj):
        s_head[j] = s_xw[m_iperm[j]]
    return -1


@njit(cache=True, error_model="numpy")
def hydsolve(net, opt, sm, ctl, st):
    """Solve network heads and flows for the current demands and statuses.

    Returns (iterations, relative error, error code): error code 0 = solved, 1 = not
    converged within the trial limit, 110 = ill-conditioned matrix (node in I_ERRNODE).
    """
    nextcheck = opt.checkfreq
    st.fs[F_RELAX] = 1.0
    st.fs[F_MAXHERR] = 0.0
    st.fs[F_MAXQCHG] = 0.0
    st.iscal[I_DEFICIENT] = 0
    st.fs[F_DEMRED] = 0.0
    st.iscal[I_BADVALVES] = 0
    maxtrials = opt.maxiter
    if opt.extraiter > 0:
        maxtrials += opt.extraiter
    it = 1
    relerr = 0.0
    errcode = 0
    converged = False
    # Iterate exactly as EPANET does (cut-off parts coupled through closed links' tiny
    # conductances) so the trajectory, and the answer, match EPANET; only once converged
    # (or if the matrix breaks down) look for junctions cut off from every source and,
    # if any, keep iterating with them taken out of the equations (no water there).
    island_mode = False
    had_islands = st.iscal[I_NUNSUPPLIED] > 0
    for n in range(net.nn):
        st.supplied[n] = True
        st.drained[n] = False
    st.iscal[I_NUNSUPPLIED] = 0
    while it <= maxtrials:
        if island_mode:
            update_islands(net, opt, st, False)
        headloss_coeffs(net, opt, st)
        matrix_coeffs(net, opt, sm, st)
        bad = linear_solve(net, sm, st)
        if bad >= 0:
            if bad_valve(net, st, bad):
                st.iscal[I_BADVALVES] += 1
                continue
            if not island_mode:
                island_mode = True
                if update_islands(net, opt, st, True) > 0:
                    continue
            st.iscal[I_ERRNODE] = bad
            errcode = 110
            break
        if island_mode and st.iscal[I_NUNSUPPLIED] > 0:
            set_unsupplied_heads(net, opt, st)
        relerr = new_flows(net, opt, st)
        st.fs[F_RELAX] = 1.0
        valve_change = False
        if opt.damplimit > 0.0:
            if relerr <= opt.damplimit:
                st.fs[F_RELAX] = 0.6
                valve_change = valve_status(net, opt, st)
        else:
            valve_change = valve_status(net, opt, st)
        if has_converged(net, opt, st, relerr):
            converged = True
            if it > opt.maxiter:
                break
            stat_change = valve_change
            if link_status(net, opt, st):
                stat_change = True
            if pressure_switch(net, opt, st, ctl):
                stat_change = True
            if not stat_change:
                if not island_mode:
                    island_mode = True
                    # the search is skipped when no link opened or closed since a solve
                    # that had no cut-off junctions
                    if update_islands(net, opt, st, had_islands) > 0:
                        converged = False
                        nextcheck = it + opt.checkfreq
                        it += 1
                        continue
                break
            converged = False
            nextcheck = it + opt.checkfreq
        elif it <= opt.maxcheck and it == nextcheck:
            link_status(net, opt, st)
            nextcheck += opt.checkfreq
        it += 1
    if it > maxtrials:
        it = maxtrials
    if opt.demand_model != DDA:
        pda_converged(net, opt, st)  # deficient-node statistics for the diagnostics
    # report actual outflow in node_demand, keep full demand in demand_flow (EPANET)
    for i in range(net.nj):
        full = st.node_demand[i]
        st.node_demand[i] = st.demand_flow[i] + st.emitter_flow[i] + st.leak_flow[i]
        st.demand_flow[i] = full
    st.fs[F_RELERR] = relerr
    st.iscal[I_ITER] = it
    if errcode == 0 and not converged:
        errcode = 1
    return it, relerr, errcode
