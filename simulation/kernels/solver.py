"""One hydraulic solution: Newton iterations of the Global Gradient Algorithm.

Semantics of EPANET 2.2's ``hydsolver.c`` (damping, convergence tests, PDA convergence),
with the status checks of ``hydstatus.c`` in :mod:`.status`, plus one extension in
:mod:`.islands`: junctions cut off from every tank and reservoir are taken out of the
equations (no water is delivered there) instead of producing a singular or garbage
solution.
"""

from __future__ import annotations

import math

from numba import njit

from .coeffs import (
    demand_headloss,
    emitter_headloss,
    headloss_coeffs,
    matrix_coeffs,
)
from .constants import CLOSED, CONST_HP, DDA, MINPDIFF, PUMP
from .islands import set_unsupplied_heads, update_islands
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
from .status import bad_valve, link_status, pressure_switch, valve_status


# ---------------------------------------------------------------------------------------
# flow updates and convergence
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def new_flows(net, opt, st):
    """Update link, emitter and demand flows from new heads; returns relative change.

    Link and leakage terms are those of the last ``headloss_coeffs`` / ``matrix_coeffs``
    (same flows), so it must follow them.
    """
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
        dp = max(o_preq - o_pmin, MINPDIFF)
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
        # head losses and gradients at the flows the matrix was built with (matrix_coeffs)
        s_leak_hfa = st.leak_hfa
        s_leak_gfa = st.leak_gfa
        s_leak_hva = st.leak_hva
        s_leak_gva = st.leak_gva
        for i in range(nj):
            cfa = s_leak_cfa[i]
            cva = s_leak_cva[i]
            if not sup[i] or (cfa == 0.0 and cva == 0.0):
                continue
            dh = s_head[i] - n_el[i]
            dqfa = 0.0
            if cfa > 0.0:
                dqfa = (s_leak_hfa[i] - dh) / s_leak_gfa[i] * relax
                s_leak_qfa[i] -= dqfa
            dqva = 0.0
            if cva > 0.0:
                dqva = (s_leak_hva[i] - dh) / s_leak_gva[i] * relax
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
    """EPANET 2.2 ``pdaconverged``: True unless a demand flow is negative or positive at
    negative pressure (tolerance 0.001 cfs / ft); also the deficient-node statistics.

    Applied whatever ACCURACY says, so a loose ACCURACY cannot stop the iterations with
    full demand served below the minimum pressure.
    """
    n_el = net.el
    o_pmin = opt.pmin
    s_demand_flow = st.demand_flow
    s_head = st.head
    s_node_demand = st.node_demand
    s_supplied = st.supplied
    tol = 0.001
    conv = True
    total = 0.0
    red = 0.0
    ndef = 0
    for i in range(net.nj):
        if s_node_demand[i] <= 0.0 or not s_supplied[i]:
            continue
        d = s_demand_flow[i]
        if d < -tol:
            conv = False
        if d > tol and s_head[i] - n_el[i] - o_pmin < -tol:
            conv = False
        if d + 0.0001 < s_node_demand[i]:
            ndef += 1
            total += s_node_demand[i]
            red += s_node_demand[i] - d
    st.iscal[I_DEFICIENT] = ndef
    st.fs[F_DEMRED] = red / total * 100.0 if total > 0.0 else 0.0
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
    # leakage, an EPANET 2.3 feature, keeps 2.3's test
    if opt.has_leakage:
        return leakage_converged(net, st)
    if opt.demand_model != DDA:
        return pda_converged(net, opt, st)
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
            x = h / cva
            qref += x * math.sqrt(x)  # (h / cva) ** 1.5, without a pow call
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
    while True:
        if it > maxtrials:
            # Newton did not converge with cut-off parts still coupled in (e.g. the only
            # source closed off): look for them once and, if any, retry without them
            if converged or island_mode or update_islands(net, opt, st, True) == 0:
                break
            island_mode = True
            maxtrials = it - 1 + maxtrials
            nextcheck = it + opt.checkfreq
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
                    # EPANET stops here: junctions cut off from every source are marked
                    # (no water delivered, heads set) without another trial, so the
                    # supplied part keeps EPANET's own answer and trial count; the search
                    # is skipped when no link opened or closed since a solve that had no
                    # cut-off junctions
                    island_mode = True
                    update_islands(net, opt, st, had_islands)
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
