"""Extended-period simulation: demands, controls, rules, tanks and time steps.

Semantics of EPANET 2.2's ``hydraul.c`` and ``rules.c``: the hydraulic step is shortened
to the next pattern step, report time, tank filling/draining, simple-control or rule event;
rules are evaluated every rule step while tank levels are advanced.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .coeffs import interp_curve
from .constants import (
    ACTIVE,
    CLOSED,
    CONST_HP,
    FCV,
    GPV,
    HILEVEL,
    IS_ACTIVE,
    IS_CLOSED,
    IS_NUMBER,
    IS_OPEN,
    LOGOP_OR,
    LOWLEVEL,
    MISSING,
    OP_EQ,
    OP_GE,
    OP_GT,
    OP_LE,
    OP_LT,
    OP_NE,
    OPEN,
    PBV,
    PIPE,
    PRV,
    PSV,
    PUMP,
    QZERO,
    R_SYSTEM,
    SECPERDAY,
    TIMEOFDAY,
    TIMER,
    TINY,
    V_CLOCKTIME,
    V_DEMAND,
    V_DRAINTIME,
    V_FILLTIME,
    V_FLOW,
    V_GRADE,
    V_HEAD,
    V_LEVEL,
    V_PRESSURE,
    V_SETTING,
    V_TIME,
)
from .solver import hydsolve
from .state import F_DSYSTEM, I_HALT, I_HTIME, I_RTIME

PI = 3.141592654


@njit(cache=True, error_model="numpy")
def pattern_factor(pat_ptr, pat_val, pat, period):
    """Multiplier of pattern ``pat`` in pattern period ``period`` (cyclic)."""
    p0 = pat_ptr[pat]
    n = pat_ptr[pat + 1] - p0
    return pat_val[p0 + period % n]


@njit(cache=True, error_model="numpy")
def reset_pump_flow(net, st, k):
    p = net.link_pump[k]
    if net.pump_type[p] == CONST_HP:
        st.flow[k] = net.pump_q0[p]


@njit(cache=True, error_model="numpy")
def set_link_status(net, st, k, value):
    """EPANET setlinkstatus: value 1 opens, 0 closes (adjusting pump/valve settings)."""
    t = net.ltype[k]
    if value == 1:
        if t == PUMP:
            if st.status[k] == CLOSED:
                reset_pump_flow(net, st, k)
            st.setting[k] = 1.0
        if t > PUMP and t != GPV:
            st.setting[k] = MISSING
        st.status[k] = OPEN
    elif value == 0:
        if t == PUMP:
            st.setting[k] = 0.0
        if t > PUMP and t != GPV:
            st.setting[k] = MISSING
        st.status[k] = CLOSED


@njit(cache=True, error_model="numpy")
def set_link_setting(net, st, k, value):
    """EPANET setlinksetting: pump speed or valve setting, adjusting status."""
    t = net.ltype[k]
    if t == PUMP:
        st.setting[k] = value
        if value > 0.0 and st.status[k] <= CLOSED:
            reset_pump_flow(net, st, k)
            st.status[k] = OPEN
        if value == 0.0 and st.status[k] > CLOSED:
            st.status[k] = CLOSED
    elif t == FCV:
        st.setting[k] = value
        st.status[k] = ACTIVE
    else:
        if st.setting[k] == MISSING and st.status[k] <= CLOSED:
            st.status[k] = OPEN
        st.setting[k] = value


@njit(cache=True, error_model="numpy")
def demands(net, opt, st, htime):
    """Junction demands, reservoir heads and pump speeds at time ``htime`` (s)."""
    n_dem_base = net.dem_base
    n_dem_pat = net.dem_pat
    n_dem_ptr = net.dem_ptr
    n_el = net.el
    n_nj = net.nj
    n_pat_ptr = net.pat_ptr
    n_pat_val = net.pat_val
    n_pump_link = net.pump_link
    n_pump_pat = net.pump_pat
    n_tank_area = net.tank_area
    n_tank_node = net.tank_node
    n_tank_pat = net.tank_pat
    o_dmult = opt.dmult
    o_has_leakage = opt.has_leakage
    o_pstart = opt.pstart
    o_pstep = opt.pstep
    s_demand_flow = st.demand_flow
    s_fs = st.fs
    s_head = st.head
    s_node_demand = st.node_demand
    period = (htime + o_pstart) // o_pstep
    # every pattern's multiplier for this period, looked up once
    npat = len(n_pat_ptr) - 1
    fac = np.empty(max(npat, 1))
    for p in range(npat):
        fac[p] = pattern_factor(n_pat_ptr, n_pat_val, p, period)
    dsys = 0.0
    for i in range(n_nj):
        total = 0.0
        for d in range(n_dem_ptr[i], n_dem_ptr[i + 1]):
            dj = n_dem_base[d] * fac[n_dem_pat[d]] * o_dmult
            if dj > 0.0:
                dsys += dj
            total += dj
        s_node_demand[i] = total
        s_demand_flow[i] = total
    s_fs[F_DSYSTEM] = dsys
    if o_has_leakage:
        leak_coefficients(net, opt, st, htime)
    for ti in range(len(n_tank_node)):
        if n_tank_area[ti] == 0.0 and n_tank_pat[ti] >= 0:
            n = n_tank_node[ti]
            s_head[n] = n_el[n] * fac[n_tank_pat[ti]]
    for p in range(len(n_pump_link)):
        if n_pump_pat[p] >= 0:
            k = n_pump_link[p]
            set_link_setting(net, st, k, fac[n_pump_pat[p]])


@njit(cache=True, error_model="numpy")
def static_leak_coefficients(sa, se):
    """EPANET 2.3's inverted leakage coefficients of the pipe leakage alone.

    Parameters
    ----------
    sa, se : numpy.ndarray
        Per junction, the fixed-area (cfs/ft^0.5) and expanding-area (cfs/ft^1.5) FAVAD
        coefficients of its pipes.

    Returns
    -------
    cfa, cva : numpy.ndarray
        ``h = cfa * qfa^2`` and ``h = cva * qva^(2/3)`` (h in ft, q in cfs); 0 = none.
    """
    n = len(sa)
    cfa = np.zeros(n)
    cva = np.zeros(n)
    for i in range(n):
        if sa[i] > 0.0:
            cfa[i] = 1.0 / (sa[i] * sa[i])
        if se[i] > 0.0:
            cva[i] = 1.0 / se[i] ** (2.0 / 3.0)
    return cfa, cva


@njit(cache=True, error_model="numpy")
def leak_coefficients(net, opt, st, htime):
    """Junction leakage coefficients at ``htime``: pipe leakage plus active orifice leaks.

    Coefficients are EPANET 2.3's inverted forms (h = cfa*q^2, h = cva*q^(2/3)); a
    leak that appears starts from EPANET's initial flow of 0.001 cfs. The pipe-leakage
    part is precomputed (``net.jleak_cfa``/``jleak_cva``); junctions with an orifice leak
    open at ``htime`` are recomputed from the summed coefficients.
    """
    n_jleak_sa = net.jleak_sa
    n_jleak_cfa = net.jleak_cfa
    n_jleak_cva = net.jleak_cva
    n_nj = net.nj
    n_oleak_c = net.oleak_c
    n_oleak_end = net.oleak_end
    n_oleak_node = net.oleak_node
    n_oleak_start = net.oleak_start
    o_tshift = opt.tshift
    s_leak_cfa = st.leak_cfa
    s_leak_cva = st.leak_cva
    s_leak_flow = st.leak_flow
    s_leak_qfa = st.leak_qfa
    s_leak_qva = st.leak_qva
    nj = n_nj
    clock = htime + o_tshift
    for i in range(nj):
        s_leak_cfa[i] = n_jleak_cfa[i]
        s_leak_cva[i] = n_jleak_cva[i]
    nleak = len(n_oleak_node)
    if nleak > 0:
        # same sums as the pipe-only coefficients: pipes first, then leaks in their order
        raw = np.zeros(nj)
        todo = np.zeros(nj, dtype=np.bool_)
        for j in range(nleak):
            if n_oleak_start[j] <= clock < n_oleak_end[j]:
                todo[n_oleak_node[j]] = True
                raw[n_oleak_node[j]] = n_jleak_sa[n_oleak_node[j]]
        for j in range(nleak):
            if n_oleak_start[j] <= clock < n_oleak_end[j]:
                raw[n_oleak_node[j]] += n_oleak_c[j]
        for j in range(nleak):
            n = n_oleak_node[j]
            if todo[n]:
                sa = raw[n]
                s_leak_cfa[n] = 1.0 / (sa * sa) if sa > 0.0 else 0.0
                todo[n] = False
    for i in range(nj):
        if s_leak_cfa[i] > 0.0:
            if s_leak_qfa[i] == 0.0:
                s_leak_qfa[i] = 0.001
        else:
            s_leak_qfa[i] = 0.0
        if s_leak_cva[i] > 0.0:
            if s_leak_qva[i] == 0.0:
                s_leak_qva[i] = 0.001
        else:
            s_leak_qva[i] = 0.0
        s_leak_flow[i] = s_leak_qfa[i] + s_leak_qva[i]


@njit(cache=True, error_model="numpy")
def tank_volume(net, ti, h):
    n = net.tank_node[ti]
    c = net.tank_vcurve[ti]
    if c < 0:
        return net.tank_vmin[ti] + (h - net.tank_hmin[ti]) * net.tank_area[ti]
    return interp_curve(net.cur_ptr, net.cur_x, net.cur_y, c, h - net.el[n], False)


@njit(cache=True, error_model="numpy")
def tank_grade(net, ti, v):
    n = net.tank_node[ti]
    c = net.tank_vcurve[ti]
    if c < 0:
        return net.tank_hmin[ti] + (v - net.tank_vmin[ti]) / net.tank_area[ti]
    return net.el[n] + interp_curve(net.cur_ptr, net.cur_x, net.cur_y, c, v, True)


@njit(cache=True, error_model="numpy")
def controls(net, opt, st, ctl, htime):
    """Apply simple time and tank-level controls at ``htime``; returns count applied."""
    nj = net.nj
    setsum = 0
    for i in range(len(ctl.link)):
        if not ctl.enabled[i]:
            continue
        k = ctl.link[i]
        if k < 0:
            continue
        reset = False
        n = ctl.node[i]
        if n >= nj:
            ti = net.node_tank[n]
            h = st.head[n]
            vplus = abs(st.node_demand[n])
            v1 = tank_volume(net, ti, h)
            v2 = tank_volume(net, ti, ctl.grade[i])
            if ctl.ctype[i] == LOWLEVEL and v1 <= v2 + vplus:
                reset = True
            if ctl.ctype[i] == HILEVEL and v1 >= v2 - vplus:
                reset = True
        if ctl.ctype[i] == TIMER and ctl.time[i] == htime:
            reset = True
        if ctl.ctype[i] == TIMEOFDAY and (htime + opt.tstart) % SECPERDAY == ctl.time[i]:
            reset = True
        if not reset:
            continue
        s1 = CLOSED if st.status[k] <= CLOSED else OPEN
        s2 = ctl.status[i]
        k1 = st.setting[k]
        k2 = k1
        if net.ltype[k] > PIPE:
            k2 = ctl.setting[i]
        if net.ltype[k] == PUMP and s1 == CLOSED and s2 == OPEN:
            reset_pump_flow(net, st, k)
        if s1 != s2 or k1 != k2:
            st.status[k] = s2
            st.setting[k] = k2
            setsum += 1
    return setsum


@njit(cache=True, error_model="numpy")
def tank_levels(net, st, tstep):
    for ti in range(len(net.tank_node)):
        if net.tank_area[ti] == 0.0:
            continue
        n = net.tank_node[ti]
        q = st.node_demand[n]
        st.tank_v[ti] += q * tstep
        if st.tank_v[ti] + q >= net.tank_vmax[ti]:
            st.tank_v[ti] = net.tank_vmax[ti]
        elif st.tank_v[ti] - q <= net.tank_vmin[ti]:
            st.tank_v[ti] = net.tank_vmin[ti]
        st.head[n] = tank_grade(net, ti, st.tank_v[ti])


@njit(cache=True, error_model="numpy")
def tank_timestep(net, st, tstep):
    for ti in range(len(net.tank_node)):
        if net.tank_area[ti] == 0.0:
            continue
        n = net.tank_node[ti]
        h = st.head[n]
        q = st.node_demand[n]
        if abs(q) <= QZERO:
            continue
        if q > 0.0 and h < net.tank_hmax[ti]:
            v = net.tank_vmax[ti] - st.tank_v[ti]
        elif q < 0.0 and h > net.tank_hmin[ti]:
            v = net.tank_vmin[ti] - st.tank_v[ti]
        else:
            continue
        xt = v / q
        if abs(xt) > tstep + 1:
            continue
        t = int(np.floor(xt + 0.5))
        if t > 0 and t < tstep:
            tstep = t
    return tstep


@njit(cache=True, error_model="numpy")
def control_timestep(net, opt, st, ctl, htime, tstep):
    nj = net.nj
    for i in range(len(ctl.link)):
        if not ctl.enabled[i]:
            continue
        t = 0
        n = ctl.node[i]
        if n >= 0:
            if n < nj:
                continue
            ti = net.node_tank[n]
            h = st.head[n]
            q = st.node_demand[n]
            if abs(q) <= QZERO:
                continue
            g = ctl.grade[i]
            if (h < g and ctl.ctype[i] == HILEVEL and q > 0.0) or (
                    h > g and ctl.ctype[i] == LOWLEVEL and q < 0.0):
                v = tank_volume(net, ti, g) - st.tank_v[ti]
                t = int(np.floor(v / q + 0.5))
        if ctl.ctype[i] == TIMER:
            if ctl.time[i] > htime:
                t = ctl.time[i] - htime
        if ctl.ctype[i] == TIMEOFDAY:
            t1 = (htime + opt.tstart) % SECPERDAY
            t2 = ctl.time[i]
            if t2 >= t1:
                t = t2 - t1
            else:
                t = SECPERDAY - t1 + t2
        if t > 0 and t < tstep:
            k = ctl.link[i]
            if (net.ltype[k] > PIPE and st.setting[k] != ctl.setting[i]) or (
                    st.status[k] != ctl.status[i]):
                tstep = t
    return tstep


# ---------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _check_time(opt, rules, j, time1, htime):
    if rules.p_var[j] == V_TIME:
        t1 = time1
        t2 = htime
    else:
        t1 = (time1 + opt.tstart) % SECPERDAY
        t2 = (htime + opt.tstart) % SECPERDAY
    x = rules.p_value[j]
    r = rules.p_relop[j]
    if r == OP_LT:
        return not (t2 >= x)
    if r == OP_LE:
        return not (t2 > x)
    if r == OP_GT:
        return not (t2 <= x)
    if r == OP_GE:
        return not (t2 < x)
    if t2 < t1:
        flag = x >= t1 or x <= t2
    else:
        flag = x >= t1 and x <= t2
    if r == OP_EQ:
        return flag
    return not flag


@njit(cache=True, error_model="numpy")
def _check_status(st, rules, j):
    s = st.status[rules.p_index[j]]
    if s <= CLOSED:
        v = IS_CLOSED
    elif s == ACTIVE:
        v = IS_ACTIVE
    else:
        v = IS_OPEN
    if v == rules.p_status[j] and rules.p_relop[j] == OP_EQ:
        return True
    if v != rules.p_status[j] and rules.p_relop[j] == OP_NE:
        return True
    return False


@njit(cache=True, error_model="numpy")
def _check_value(net, opt, st, rules, j):
    i = rules.p_index[j]
    v = rules.p_var[j]
    nj = net.nj
    if v == V_DEMAND:
        if rules.p_object[j] == R_SYSTEM:
            x = st.fs[F_DSYSTEM] * opt.ucf_demand
        else:
            x = st.node_demand[i] * opt.ucf_demand
    elif v == V_HEAD or v == V_GRADE:
        x = st.head[i] * opt.ucf_head
    elif v == V_PRESSURE:
        x = (st.head[i] - net.el[i]) * opt.ucf_pressure
    elif v == V_LEVEL:
        x = (st.head[i] - net.el[i]) * opt.ucf_head
    elif v == V_FLOW:
        x = abs(st.flow[i]) * opt.ucf_flow
    elif v == V_SETTING:
        if st.setting[i] == MISSING:
            return False
        x = st.setting[i]
        t = net.ltype[i]
        if t == PRV or t == PSV or t == PBV:
            x = x * opt.ucf_pressure
        elif t == FCV:
            x = x * opt.ucf_flow
    elif v == V_FILLTIME or v == V_DRAINTIME:
        if i < nj:
            return False
        ti = net.node_tank[i]
        if net.tank_area[ti] == 0.0:
            return False
        q = st.node_demand[i]
        if v == V_FILLTIME:
            if q <= TINY:
                return False
            x = (net.tank_vmax[ti] - st.tank_v[ti]) / q
        else:
            if q >= -TINY:
                return False
            x = (net.tank_vmin[ti] - st.tank_v[ti]) / q
    else:
        return False
    tol = 1.0e-3
    val = rules.p_value[j]
    r = rules.p_relop[j]
    if r == OP_EQ:
        return not (abs(x - val) > tol)
    if r == OP_NE:
        return not (abs(x - val) < tol)
    if r == OP_LT:
        return not (x > val + tol)
    if r == OP_LE:
        return not (x > val - tol)
    if r == OP_GT:
        return not (x < val - tol)
    if r == OP_GE:
        return not (x < val + tol)
    return True


@njit(cache=True, error_model="numpy")
def _check_premise(net, opt, st, rules, j, time1, htime):
    v = rules.p_var[j]
    if v == V_TIME or v == V_CLOCKTIME:
        return _check_time(opt, rules, j, time1, htime)
    if rules.p_status[j] > IS_NUMBER:
        return _check_status(st, rules, j)
    return _check_value(net, opt, st, rules, j)


@njit(cache=True, error_model="numpy")
def _eval_premises(net, opt, st, rules, r, time1, htime):
    result = True
    for j in range(rules.pptr[r], rules.pptr[r + 1]):
        if rules.p_logop[j] == LOGOP_OR:
            if not result:
                result = _check_premise(net, opt, st, rules, j, time1, htime)
        else:
            if not result:
                return False
            result = _check_premise(net, opt, st, rules, j, time1, htime)
    return result


@njit(cache=True, error_model="numpy")
def check_rules(net, opt, st, rules, htime, dt, act_rule, act_idx, act_else):
    """Evaluate all rules over the last interval and apply their actions (EPANET).

    ``act_rule``/``act_idx``/``act_else`` are per-link work arrays (rule, action index,
    THEN/ELSE flag) initialised to -1; they are reset before returning.
    """
    time1 = htime - dt + 1
    nrules = len(rules.priority)
    touched = 0
    order = np.empty(net.nl, dtype=np.int64)
    for r in range(nrules):
        if _eval_premises(net, opt, st, rules, r, time1, htime):
            a0 = rules.tptr[r]
            a1 = rules.tptr[r + 1]
            is_else = False
        else:
            a0 = rules.eptr[r]
            a1 = rules.eptr[r + 1]
            is_else = True
        for a in range(a0, a1):
            k = rules.e_link[a] if is_else else rules.t_link[a]
            if act_rule[k] >= 0:
                if rules.priority[r] > rules.priority[act_rule[k]]:
                    act_rule[k] = r
                    act_idx[k] = a
                    act_else[k] = 1 if is_else else 0
            else:
                act_rule[k] = r
                act_idx[k] = a
                act_else[k] = 1 if is_else else 0
                order[touched] = k
                touched += 1
    n = 0
    for m in range(touched):
        k = order[m]
        a = act_idx[k]
        if act_else[k] == 1:
            status = rules.e_status[a]
            x = rules.e_setting[a]
        else:
            status = rules.t_status[a]
            x = rules.t_setting[a]
        s = st.status[k]
        v = st.setting[k]
        flag = False
        if status == IS_OPEN and s <= CLOSED:
            set_link_status(net, st, k, 1)
            flag = True
        elif status == IS_CLOSED and s > CLOSED:
            set_link_status(net, st, k, 0)
            flag = True
        elif x != MISSING:
            if abs(x - v) > 1.0e-3:
                set_link_setting(net, st, k, x)
                flag = True
        if flag:
            n += 1
        act_rule[k] = -1
        act_idx[k] = -1
        act_else[k] = -1
    return n


@njit(cache=True, error_model="numpy")
def rule_timestep(net, opt, st, rules, htime, tstep, act_rule, act_idx, act_else):
    """Advance tanks in rule steps until a rule fires; returns the (shortened) step."""
    tnow = htime
    tmax = tnow + tstep
    if len(rules.priority) == 0:
        dt = tstep
        dt1 = dt
    else:
        dt = opt.rulestep
        dt1 = opt.rulestep - (tnow % opt.rulestep)
    dt = min(dt, tstep)
    dt1 = min(dt1, tstep)
    if dt1 == 0:
        dt1 = dt
    t = tnow
    while True:
        t += dt1
        tank_levels(net, st, dt1)
        if check_rules(net, opt, st, rules, t, dt1, act_rule, act_idx, act_else) > 0:
            break
        dt = min(dt, tmax - t)
        dt1 = dt
        if dt <= 0:
            break
    return t - tnow


@njit(cache=True, error_model="numpy")
def timestep(net, opt, st, ctl, rules, htime, act_rule, act_idx, act_else):
    """Length of the next hydraulic step (s); tank levels are advanced over it."""
    tstep = opt.hstep
    n = (htime + opt.pstart) // opt.pstep + 1
    t = n * opt.pstep - htime
    if t > 0 and t < tstep:
        tstep = t
    t = st.iscal[I_RTIME] - htime
    if t > 0 and t < tstep:
        tstep = t
    tstep = tank_timestep(net, st, tstep)
    tstep = control_timestep(net, opt, st, ctl, htime, tstep)
    if len(rules.priority) > 0:
        tstep = rule_timestep(net, opt, st, rules, htime, tstep, act_rule, act_idx, act_else)
    else:
        tank_levels(net, st, tstep)
    return tstep


@njit(cache=True, error_model="numpy")
def init_hydraulics(net, opt, st):
    """EPANET openhyd + inithyd: tanks, emitter flows, link statuses, settings, flows."""
    for ti in range(len(net.tank_node)):
        n = net.tank_node[ti]
        st.tank_v[ti] = net.tank_v0[ti]
        st.head[n] = net.tank_h0[ti]
        st.node_demand[n] = 0.0
    for i in range(net.nj):
        st.emitter_flow[i] = 1.0 if net.ke[i] > 0.0 else 0.0
        st.leak_flow[i] = 0.0
        st.leak_qfa[i] = 0.0
        st.leak_qva[i] = 0.0
        st.head[i] = net.el[i]
    for k in range(net.nl):
        s0 = net.status0[k]
        st.status[k] = s0
        st.setting[k] = net.kc[k]
        t = net.ltype[k]
        if s0 == CLOSED:
            st.flow[k] = QZERO
        elif t == PUMP:
            st.flow[k] = net.kc[k] * net.pump_q0[net.link_pump[k]]
        else:
            st.flow[k] = PI * net.diam[k] * net.diam[k] / 4.0
        if (t == PRV or t == PSV or t == FCV) and net.kc[k] != MISSING:
            st.status[k] = ACTIVE
        if st.status[k] <= CLOSED:
            st.flow[k] = QZERO
        st.conducting[k] = False
    st.iscal[I_HTIME] = 0
    st.iscal[I_RTIME] = opt.rstep
    st.iscal[I_HALT] = 0


@njit(cache=True, error_model="numpy")
def run_period(net, opt, sm, ctl, st, htime):
    """Demands, controls and one hydraulic solution at ``htime``."""
    demands(net, opt, st, htime)
    controls(net, opt, st, ctl, htime)
    return hydsolve(net, opt, sm, ctl, st)
