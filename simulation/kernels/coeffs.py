"""Headloss and matrix coefficients of the linearised network equations.

Port of the semantics of EPANET 2.2's ``hydcoeffs.c``: every link gets P = 1/(headloss
gradient) and Y = headloss/gradient; nodes add demand, emitter, leakage and valve terms.
Unsupplied junctions (cut off from every tank and reservoir) are decoupled: their rows
become identity rows holding a prescribed head and their demands are zero.
"""

from __future__ import annotations

import math

from numba import njit

from .constants import (
    CBIG,
    CLOSED,
    CONST_HP,
    CSMALL,
    CUSTOM,
    CVPIPE,
    DDA,
    DW,
    FCV,
    GPV,
    MISSING,
    NOCURVE,
    PBV,
    PIPE,
    PRV,
    PSV,
    PUMP,
    TCV,
    TINY,
)

# Darcy-Weisbach friction factor constants (EPANET hydcoeffs.c)
A1 = 3.14159265358979323850e03
A2 = 1.57079632679489661930e03
A8 = 4.61841319859066668690e00
A9 = -8.68588963806503655300e-01
AB = 3.28895476345399058690e-03
AC = -5.14214965799093883760e-03
PI = 3.141592654


@njit(cache=True, error_model="numpy")
def curve_coeff(cur_ptr, cur_x, cur_y, c, q):
    """Intercept h0 (ft) and slope r (ft/cfs) of curve ``c`` segment containing ``q``."""
    p0 = cur_ptr[c]
    npts = cur_ptr[c + 1] - p0
    k2 = 0
    while k2 < npts and cur_x[p0 + k2] < q:
        k2 += 1
    if k2 == 0:
        k2 = 1
    elif k2 == npts:
        k2 -= 1
    k1 = k2 - 1
    x1 = cur_x[p0 + k1]
    x2 = cur_x[p0 + k2]
    y1 = cur_y[p0 + k1]
    y2 = cur_y[p0 + k2]
    r = (y2 - y1) / (x2 - x1)
    h0 = y1 - r * x1
    return h0, r


@njit(cache=True, error_model="numpy")
def interp_curve(cur_ptr, cur_x, cur_y, c, x, inverse):
    """Linear interpolation on curve ``c`` (y of x, or x of y when ``inverse``)."""
    p0 = cur_ptr[c]
    n = cur_ptr[c + 1] - p0
    if inverse:
        xs = cur_y[p0:p0 + n]
        ys = cur_x[p0:p0 + n]
    else:
        xs = cur_x[p0:p0 + n]
        ys = cur_y[p0:p0 + n]
    m = n - 1
    if x <= xs[0]:
        return ys[0]
    for i in range(1, m + 1):
        if xs[i] >= x:
            dx = xs[i] - xs[i - 1]
            dy = ys[i] - ys[i - 1]
            if abs(dx) < TINY:
                return ys[i]
            return ys[i] - (xs[i] - x) * dy / dx
    return ys[m]


@njit(cache=True, error_model="numpy")
def friction_factor(q, e, s):
    """Darcy-Weisbach friction factor and its flow derivative (EPANET 2.2)."""
    w = q / s
    if w >= A1:
        y1 = A8 / w ** 0.9
        y2 = e / 3.7 + y1
        y3 = A9 * math.log(y2)
        f = 1.0 / (y3 * y3)
        dfdq = 1.8 * f * y1 * A9 / y2 / y3 / q
    else:
        y2 = e / 3.7 + AB
        y3 = A9 * math.log(y2)
        fa = 1.0 / (y3 * y3)
        fb = (2.0 + AC / (y2 * y3)) * fa
        r = w / A2
        x1 = 7.0 * fa - fb
        x2 = 0.128 - 17.0 * fa + 2.5 * fb
        x3 = -0.128 + 13.0 * fa - (fb + fb)
        x4 = 0.032 - 3.0 * fa + 0.5 * fb
        f = x1 + r * (x2 + r * (x3 + r * x4))
        dfdq = (x2 + r * (2.0 * x3 + r * 3.0 * x4)) / s / A2
    return f, dfdq


@njit(cache=True, error_model="numpy")
def pipe_py(flow, closed, ml, r, rough, diam, formflag, hexp, rqtol, viscos):
    """(P, Y) of a pipe (EPANET pipecoeff / DWpipecoeff)."""
    if closed:
        return 1.0 / CBIG, flow
    q = abs(flow)
    if formflag == DW:
        e = rough / diam
        s = viscos * diam
        if q <= A2 * s:
            r2 = 16.0 * PI * s * r
            hloss = flow * (r2 + ml * q)
            hgrad = r2 + 2.0 * ml * q
        else:
            f, dfdq = friction_factor(q, e, s)
            r1 = f * r + ml
            hloss = r1 * q * flow
            hgrad = 2.0 * r1 * q + dfdq * r * q * q
        return 1.0 / hgrad, hloss / hgrad
    hgrad = hexp * r * q ** (hexp - 1.0)
    if hgrad < rqtol:
        hgrad = rqtol
        hloss = hgrad * q
    else:
        hloss = hgrad * q / hexp
    if ml > 0.0:
        hloss += ml * q * q
        hgrad += 2.0 * ml * q
    if flow < 0.0:
        hloss = -hloss
    return 1.0 / hgrad, hloss / hgrad


@njit(cache=True, error_model="numpy")
def pump_py(flow, closed, setting, ptype, ph0, pr, pn, curve, cur_ptr, cur_x, cur_y, rqtol):
    """(P, Y) of a pump (EPANET pumpcoeff)."""
    if closed or setting == 0.0:
        return 1.0 / CBIG, flow
    q = abs(flow)
    if ptype == NOCURVE:
        return 1.0 / CSMALL, flow
    if ptype == CUSTOM:
        h0, r = curve_coeff(cur_ptr, cur_x, cur_y, curve, q / setting)
        hgrad = -r * setting
        hloss = -h0 * setting * setting + hgrad * flow
        return 1.0 / hgrad, hloss / hgrad
    h0 = setting * setting * ph0
    n = pn
    if abs(n - 1.0) < TINY:
        n = 1.0
    r = pr * setting ** (2.0 - n)
    if ptype == CONST_HP:
        # EPANET 2.2: linear curve when the gradient is too large or too small
        hgrad = -r / q / q
        if hgrad > CBIG:
            hgrad = CBIG
            hloss = -hgrad * flow
        elif hgrad < rqtol:
            hgrad = rqtol
            hloss = -hgrad * flow
        else:
            hloss = r / flow
    elif n != 1.0:
        hgrad = n * r * q ** (n - 1.0)
        if hgrad < rqtol:
            hgrad = rqtol
            hloss = h0 + hgrad * flow
        else:
            hloss = h0 + hgrad * flow / n
    else:
        hgrad = r
        hloss = h0 + hgrad * flow
    return 1.0 / hgrad, hloss / hgrad


@njit(cache=True, error_model="numpy")
def valve_py(flow, closed, km, rqtol):
    """(P, Y) of an open/closed valve (or fully open control valve) with minor loss km."""
    if closed:
        return 1.0 / CBIG, flow
    if km > 0.0:
        q = abs(flow)
        hgrad = 2.0 * km * q
        if hgrad < rqtol:
            hgrad = rqtol
            hloss = flow * hgrad
        else:
            hloss = flow * hgrad / 2.0
        return 1.0 / hgrad, hloss / hgrad
    return 1.0 / CSMALL, flow


@njit(cache=True, error_model="numpy")
def gpv_py(flow, status, km, curve, cur_ptr, cur_x, cur_y, rqtol):
    if status == CLOSED:
        return valve_py(flow, True, km, rqtol)
    q = max(abs(flow), TINY)
    h0, r = curve_coeff(cur_ptr, cur_x, cur_y, curve, q)
    r = max(r, TINY)
    sgn = 1.0 if flow >= 0.0 else -1.0
    return 1.0 / r, (h0 / r + q) * sgn


@njit(cache=True, error_model="numpy")
def pbv_py(flow, closed, setting, km, rqtol):
    if setting == MISSING or setting == 0.0:
        return valve_py(flow, closed, km, rqtol)
    if km * flow * flow > setting:
        return valve_py(flow, closed, km, rqtol)
    return CBIG, setting * CBIG


@njit(cache=True, error_model="numpy")
def tcv_py(flow, closed, setting, km, diam, rqtol):
    if setting != MISSING:
        d2 = diam * diam
        km = 0.02517 * setting / (d2 * d2)
    return valve_py(flow, closed, km, rqtol)


@njit(cache=True, error_model="numpy")
def headloss_coeffs(net, opt, st):
    """P and Y coefficients of every link (EPANET headlosscoeffs)."""
    n_cur_ptr = net.cur_ptr
    n_cur_x = net.cur_x
    n_cur_y = net.cur_y
    n_diam = net.diam
    n_kc = net.kc
    n_km = net.km
    n_link_curve = net.link_curve
    n_link_pump = net.link_pump
    n_ltype = net.ltype
    n_nl = net.nl
    n_pump_curve = net.pump_curve
    n_pump_h0 = net.pump_h0
    n_pump_n = net.pump_n
    n_pump_r = net.pump_r
    n_pump_type = net.pump_type
    n_rcoef = net.rcoef
    o_formflag = opt.formflag
    o_hexp = opt.hexp
    o_rqtol = opt.rqtol
    o_viscos = opt.viscos
    s_flow = st.flow
    s_pcoef = st.pcoef
    s_setting = st.setting
    s_status = st.status
    s_ycoef = st.ycoef
    ltype = n_ltype
    flow = s_flow
    status = s_status
    setting = s_setting
    pc = s_pcoef
    yc = s_ycoef
    km = n_km
    rq = o_rqtol
    cur_ptr = n_cur_ptr
    cur_x = n_cur_x
    cur_y = n_cur_y
    for k in range(n_nl):
        t = ltype[k]
        closed = status[k] <= CLOSED
        if t == PIPE or t == CVPIPE:
            p, y = pipe_py(flow[k], closed, km[k], n_rcoef[k], n_kc[k], n_diam[k],
                           o_formflag, o_hexp, rq, o_viscos)
        elif t == PUMP:
            i = n_link_pump[k]
            p, y = pump_py(flow[k], closed, setting[k], n_pump_type[i], n_pump_h0[i],
                           n_pump_r[i], n_pump_n[i], n_pump_curve[i], cur_ptr, cur_x,
                           cur_y, rq)
        elif t == PBV:
            p, y = pbv_py(flow[k], closed, setting[k], km[k], rq)
        elif t == TCV:
            p, y = tcv_py(flow[k], closed, setting[k], km[k], n_diam[k], rq)
        elif t == GPV:
            p, y = gpv_py(flow[k], status[k], km[k], n_link_curve[k], cur_ptr, cur_x,
                          cur_y, rq)
        else:  # PRV, PSV, FCV
            if setting[k] == MISSING:
                p, y = valve_py(flow[k], closed, km[k], rq)
            else:
                p = 0.0
                y = yc[k]
        pc[k] = p
        yc[k] = y


@njit(cache=True, error_model="numpy")
def emitter_headloss(ke, q, qexp, rqtol):
    """Emitter head loss (ft) and gradient for outflow ``q`` (cfs)."""
    ke = max(CSMALL, ke)
    hgrad = qexp * ke * abs(q) ** (qexp - 1.0)
    if hgrad < rqtol:
        hgrad = rqtol
        hloss = hgrad * q
    else:
        hloss = hgrad * q / qexp
    return hloss, hgrad


@njit(cache=True, error_model="numpy")
def leakage_headloss(rqtol, q, c, n):
    """Inverted leakage law h = c * q^(1/n) (EPANET 2.3 eval_node_leakage), with the
    lower barrier that keeps leakage from going negative. Returns (head loss, gradient)."""
    n = 1.0 / n
    g = n * c * abs(q) ** (n - 1.0)
    if g < rqtol:
        g = rqtol / n
        h = g * q
    else:
        h = g * q / n
    a = 1.0e9 * q
    b = math.sqrt(a * a + 1.0e-6)
    h += (a - b) / 2.0
    g += (1.0e9 / 2.0) * (1.0 - a / b)
    return h, g


@njit(cache=True, error_model="numpy")
def demand_headloss(d, dfull, dp, n, rqtol):
    """Inverted PDA demand function (EPANET 2.2): head loss and gradient of demand flow."""
    r = d / dfull
    if r <= 0.0:
        hgrad = CBIG
        hloss = CBIG * d
    elif r < 1.0:
        hgrad = n * dp * r ** (n - 1.0) / dfull
        if hgrad < rqtol:
            hgrad = rqtol
            hloss = hgrad * d
        else:
            hloss = hgrad * d / n
    else:
        hgrad = CBIG
        hloss = dp + CBIG * (d - dfull)
    return hloss, hgrad


@njit(cache=True, error_model="numpy")
def matrix_coeffs(net, opt, sm, st):
    """Assemble the junction matrix and right-hand side (EPANET matrixcoeffs)."""
    m_diag_pos = sm.diag_pos
    m_link_pos = sm.link_pos
    n_el = net.el
    n_ke = net.ke
    n_ltype = net.ltype
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    n_nl = net.nl
    n_valve_link = net.valve_link
    o_demand_model = opt.demand_model
    o_has_leakage = opt.has_leakage
    o_pexp = opt.pexp
    o_pmin = opt.pmin
    o_preq = opt.preq
    o_qexp = opt.qexp
    o_rqtol = opt.rqtol
    s_ax = st.ax
    s_demand_flow = st.demand_flow
    s_emitter_flow = st.emitter_flow
    s_flow = st.flow
    s_head = st.head
    s_leak_cfa = st.leak_cfa
    s_leak_cva = st.leak_cva
    s_leak_qfa = st.leak_qfa
    s_leak_qva = st.leak_qva
    s_node_demand = st.node_demand
    s_pcoef = st.pcoef
    s_rhs = st.rhs
    s_setting = st.setting
    s_supplied = st.supplied
    s_xflow = st.xflow
    s_ycoef = st.ycoef
    nj = n_nj
    s_ax[:] = 0.0
    s_rhs[:] = 0.0
    s_xflow[:] = 0.0
    sup = s_supplied
    ax = s_ax
    rhs = s_rhs
    xflow = s_xflow
    head = s_head
    flow = s_flow
    diag_pos = m_diag_pos
    link_pos = m_link_pos
    lk1 = n_n1
    lk2 = n_n2
    # links (EPANET linkcoeffs)
    for k in range(n_nl):
        pk = s_pcoef[k]
        if pk == 0.0:
            continue
        n1 = lk1[k]
        n2 = lk2[k]
        if not (sup[n1] and sup[n2]):
            continue
        yk = s_ycoef[k]
        xflow[n1] -= flow[k]
        xflow[n2] += flow[k]
        if link_pos[k] >= 0:
            ax[link_pos[k]] -= pk
        if n1 < nj:
            ax[diag_pos[n1]] += pk
            rhs[n1] += yk
        elif n2 < nj:
            rhs[n2] += pk * head[n1]
        if n2 < nj:
            ax[diag_pos[n2]] += pk
            rhs[n2] -= yk
        elif n1 < nj:
            rhs[n1] += pk * head[n2]
    # emitters
    for i in range(nj):
        if n_ke[i] == 0.0 or not sup[i]:
            continue
        hloss, hgrad = emitter_headloss(n_ke[i], s_emitter_flow[i], o_qexp, o_rqtol)
        s_ax[m_diag_pos[i]] += 1.0 / hgrad
        s_rhs[i] += (hloss + n_el[i]) / hgrad
        s_xflow[i] -= s_emitter_flow[i]
    # pressure-dependent demands
    if o_demand_model != DDA:
        dp = o_preq - o_pmin
        n = 1.0 / o_pexp
        for i in range(nj):
            if s_node_demand[i] <= 0.0 or not sup[i]:
                continue
            hloss, hgrad = demand_headloss(s_demand_flow[i], s_node_demand[i], dp, n,
                                           o_rqtol)
            if hgrad > 0.0:
                s_ax[m_diag_pos[i]] += 1.0 / hgrad
                s_rhs[i] += (hloss + n_el[i] + o_pmin) / hgrad
    # pipe and orifice leakage: two emitter-like terms per junction (EPANET 2.3); head
    # losses and gradients are kept for the flow update that follows the solve
    if o_has_leakage:
        s_leak_hfa = st.leak_hfa
        s_leak_gfa = st.leak_gfa
        s_leak_hva = st.leak_hva
        s_leak_gva = st.leak_gva
        for i in range(nj):
            cfa = s_leak_cfa[i]
            cva = s_leak_cva[i]
            if not sup[i] or (cfa == 0.0 and cva == 0.0):
                continue
            if cfa > 0.0:
                h, g = leakage_headloss(o_rqtol, s_leak_qfa[i], cfa, 0.5)
                s_leak_hfa[i] = h
                s_leak_gfa[i] = g
                s_ax[m_diag_pos[i]] += 1.0 / g
                s_rhs[i] += (h + n_el[i]) / g
            if cva > 0.0:
                h, g = leakage_headloss(o_rqtol, s_leak_qva[i], cva, 1.5)
                s_leak_hva[i] = h
                s_leak_gva[i] = g
                s_ax[m_diag_pos[i]] += 1.0 / g
                s_rhs[i] += (h + n_el[i]) / g
            s_xflow[i] -= s_leak_qfa[i] + s_leak_qva[i]
    # node balances
    for i in range(nj):
        if not sup[i]:
            continue
        s_xflow[i] -= s_demand_flow[i]
        s_rhs[i] += s_xflow[i]
    # control valves (PRV, PSV, FCV) with a setting
    for v in range(len(n_valve_link)):
        k = n_valve_link[v]
        if s_setting[k] == MISSING:
            continue
        t = n_ltype[k]
        if t != PRV and t != PSV and t != FCV:
            continue
        n1 = n_n1[k]
        n2 = n_n2[k]
        if not (sup[n1] and sup[n2]):
            continue
        _valve_matrix(net, opt, sm, st, k, t, n1, n2)
    # unsupplied junctions: identity rows holding their prescribed heads
    for i in range(nj):
        if not sup[i]:
            s_ax[m_diag_pos[i]] = 1.0
            s_rhs[i] = s_head[i]


@njit(cache=True, error_model="numpy")
def _valve_matrix(net, opt, sm, st, k, t, n1, n2):
    nj = net.nj
    if t == PRV or t == PSV:
        if t == PRV:
            hset = net.el[n2] + st.setting[k]
        else:
            hset = net.el[n1] + st.setting[k]
        if st.status[k] == 4:  # ACTIVE
            st.pcoef[k] = 0.0
            if t == PRV:
                st.ycoef[k] = st.flow[k] + st.xflow[n2]
                if n2 < nj:
                    st.rhs[n2] += hset * CBIG
                    st.ax[sm.diag_pos[n2]] += CBIG
                if st.xflow[n2] < 0.0 and n1 < nj:
                    st.rhs[n1] += st.xflow[n2]
            else:
                st.ycoef[k] = st.flow[k] - st.xflow[n1]
                if n1 < nj:
                    st.rhs[n1] += hset * CBIG
                    st.ax[sm.diag_pos[n1]] += CBIG
                if st.xflow[n1] > 0.0 and n2 < nj:
                    st.rhs[n2] += st.xflow[n1]
            return
        st.pcoef[k], st.ycoef[k] = valve_py(st.flow[k], st.status[k] <= CLOSED, net.km[k],
                                            opt.rqtol)
        _open_valve_terms(net, sm, st, k, n1, n2)
        return
    # FCV
    q = st.setting[k]
    if st.status[k] == 4:  # ACTIVE
        st.xflow[n1] -= q
        st.xflow[n2] += q
        st.ycoef[k] = st.flow[k] - q
        if n1 < nj:
            st.rhs[n1] -= q
        if n2 < nj:
            st.rhs[n2] += q
        st.pcoef[k] = 1.0 / CBIG
        if sm.link_pos[k] >= 0:
            st.ax[sm.link_pos[k]] -= st.pcoef[k]
        if n1 < nj:
            st.ax[sm.diag_pos[n1]] += st.pcoef[k]
        if n2 < nj:
            st.ax[sm.diag_pos[n2]] += st.pcoef[k]
    else:
        st.pcoef[k], st.ycoef[k] = valve_py(st.flow[k], st.status[k] <= CLOSED, net.km[k],
                                            opt.rqtol)
        _open_valve_terms(net, sm, st, k, n1, n2)


@njit(cache=True, error_model="numpy")
def _open_valve_terms(net, sm, st, k, n1, n2):
    nj = net.nj
    pk = st.pcoef[k]
    dy = st.ycoef[k] - st.flow[k]
    if sm.link_pos[k] >= 0:
        st.ax[sm.link_pos[k]] -= pk
    if n1 < nj:
        st.ax[sm.diag_pos[n1]] += pk
        st.rhs[n1] += dy
    if n2 < nj:
        st.ax[sm.diag_pos[n2]] += pk
        st.rhs[n2] -= dy
