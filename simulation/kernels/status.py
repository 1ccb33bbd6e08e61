"""Link status checks of EPANET 2.2's ``hydstatus.c``.

Check valves, pumps, pressure-reducing/-sustaining and flow-control valves, links to full
or empty tanks, and pressure-switch controls, evaluated between Newton iterations.
"""

from __future__ import annotations

from numba import njit

from .constants import (
    ACTIVE,
    BIG,
    CLOSED,
    CONST_HP,
    CVPIPE,
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
    """Status checks of CVs, pumps, FCVs and links to tanks; True if any changed.

    Only ``net.status_link`` is visited: other links (plain pipes and valves between
    junctions) are never changed by these checks (XHEAD and TEMPCLOSED are only set on
    pumps and tank links).
    """
    n_link_pump = net.link_pump
    n_ltype = net.ltype
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
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
    for k in net.status_link:
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


