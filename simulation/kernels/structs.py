"""Numba StructRef containers handed to the kernels (one pointer per argument).

The Python side keeps NamedTuples (``NetArrays``, ``Options``, ``SparseStructure``,
``ControlArrays``, ``RuleArrays``, ``State``); the kernels receive StructRefs holding the
same arrays. Passing a pointer instead of a flattened 60-field tuple cuts numba's
compile time roughly tenfold. Field lists must match the NamedTuples (a test checks).
"""

from __future__ import annotations

from numba import njit, types
from numba.experimental import structref

_F8 = types.float64[::1]
_I8 = types.int64[::1]
_B1 = types.boolean[::1]
_I1 = types.int8[::1]


@structref.register
class _NetStructType(types.StructRef):
    """StructRef type of NetArrays."""


class NetStruct(structref.StructRefProxy):
    """Python handle of a packed NetArrays (opaque; pass it to the kernels)."""


structref.define_boxing(_NetStructType, NetStruct)
NET_TYPE = _NetStructType([
    ("nj", types.int64),
    ("nn", types.int64),
    ("nl", types.int64),
    ("el", _F8),
    ("n1", _I8),
    ("n2", _I8),
    ("ltype", _I8),
    ("diam", _F8),
    ("length", _F8),
    ("km", _F8),
    ("kc", _F8),
    ("status0", _I8),
    ("rcoef", _F8),
    ("link_pump", _I8),
    ("link_curve", _I8),
    ("pump_link", _I8),
    ("pump_type", _I8),
    ("pump_h0", _F8),
    ("pump_r", _F8),
    ("pump_n", _F8),
    ("pump_q0", _F8),
    ("pump_qmax", _F8),
    ("pump_hmax", _F8),
    ("pump_curve", _I8),
    ("pump_pat", _I8),
    ("valve_link", _I8),
    ("tank_node", _I8),
    ("node_tank", _I8),
    ("tank_area", _F8),
    ("tank_hmin", _F8),
    ("tank_hmax", _F8),
    ("tank_h0", _F8),
    ("tank_vmin", _F8),
    ("tank_vmax", _F8),
    ("tank_v0", _F8),
    ("tank_vcurve", _I8),
    ("tank_pat", _I8),
    ("tank_overflow", _B1),
    ("dem_ptr", _I8),
    ("dem_base", _F8),
    ("dem_pat", _I8),
    ("ke", _F8),
    ("pat_ptr", _I8),
    ("pat_val", _F8),
    ("cur_ptr", _I8),
    ("cur_x", _F8),
    ("cur_y", _F8),
    ("adj_ptr", _I8),
    ("adj_link", _I8),
    ("status_link", _I8),
    ("leak_ca", _F8),
    ("leak_ce", _F8),
    ("jleak_sa", _F8),
    ("jleak_se", _F8),
    ("jleak_cfa", _F8),
    ("jleak_cva", _F8),
    ("oleak_node", _I8),
    ("oleak_c", _F8),
    ("oleak_start", _F8),
    ("oleak_end", _F8),
])


@njit(cache=True)
def _pack_net(nj, nn, nl, el, n1, n2, ltype, diam, length, km, kc, status0, rcoef, link_pump,
        link_curve, pump_link, pump_type, pump_h0, pump_r, pump_n, pump_q0, pump_qmax,
        pump_hmax, pump_curve, pump_pat, valve_link, tank_node, node_tank, tank_area, tank_hmin,
        tank_hmax, tank_h0, tank_vmin, tank_vmax, tank_v0, tank_vcurve, tank_pat, tank_overflow,
        dem_ptr, dem_base, dem_pat, ke, pat_ptr, pat_val, cur_ptr, cur_x, cur_y, adj_ptr,
        adj_link, status_link, leak_ca, leak_ce, jleak_sa, jleak_se, jleak_cfa, jleak_cva,
        oleak_node, oleak_c, oleak_start, oleak_end):
    s = structref.new(NET_TYPE)
    s.nj = nj
    s.nn = nn
    s.nl = nl
    s.el = el
    s.n1 = n1
    s.n2 = n2
    s.ltype = ltype
    s.diam = diam
    s.length = length
    s.km = km
    s.kc = kc
    s.status0 = status0
    s.rcoef = rcoef
    s.link_pump = link_pump
    s.link_curve = link_curve
    s.pump_link = pump_link
    s.pump_type = pump_type
    s.pump_h0 = pump_h0
    s.pump_r = pump_r
    s.pump_n = pump_n
    s.pump_q0 = pump_q0
    s.pump_qmax = pump_qmax
    s.pump_hmax = pump_hmax
    s.pump_curve = pump_curve
    s.pump_pat = pump_pat
    s.valve_link = valve_link
    s.tank_node = tank_node
    s.node_tank = node_tank
    s.tank_area = tank_area
    s.tank_hmin = tank_hmin
    s.tank_hmax = tank_hmax
    s.tank_h0 = tank_h0
    s.tank_vmin = tank_vmin
    s.tank_vmax = tank_vmax
    s.tank_v0 = tank_v0
    s.tank_vcurve = tank_vcurve
    s.tank_pat = tank_pat
    s.tank_overflow = tank_overflow
    s.dem_ptr = dem_ptr
    s.dem_base = dem_base
    s.dem_pat = dem_pat
    s.ke = ke
    s.pat_ptr = pat_ptr
    s.pat_val = pat_val
    s.cur_ptr = cur_ptr
    s.cur_x = cur_x
    s.cur_y = cur_y
    s.adj_ptr = adj_ptr
    s.adj_link = adj_link
    s.status_link = status_link
    s.leak_ca = leak_ca
    s.leak_ce = leak_ce
    s.jleak_sa = jleak_sa
    s.jleak_se = jleak_se
    s.jleak_cfa = jleak_cfa
    s.jleak_cva = jleak_cva
    s.oleak_node = oleak_node
    s.oleak_c = oleak_c
    s.oleak_start = oleak_start
    s.oleak_end = oleak_end
    return s


def pack_net(nt):
    """Pack a NetArrays into its StructRef."""
    return _pack_net(*nt)


@structref.register
class _OptStructType(types.StructRef):
    """StructRef type of Options."""


class OptStruct(structref.StructRefProxy):
    """Python handle of a packed Options (opaque; pass it to the kernels)."""


structref.define_boxing(_OptStructType, OptStruct)
OPT_TYPE = _OptStructType([
    ("formflag", types.int64),
    ("hexp", types.float64),
    ("qexp", types.float64),
    ("viscos", types.float64),
    ("hacc", types.float64),
    ("htol", types.float64),
    ("qtol", types.float64),
    ("rqtol", types.float64),
    ("maxiter", types.int64),
    ("extraiter", types.int64),
    ("checkfreq", types.int64),
    ("maxcheck", types.int64),
    ("damplimit", types.float64),
    ("head_error_limit", types.float64),
    ("flow_change_limit", types.float64),
    ("dmult", types.float64),
    ("demand_model", types.int64),
    ("pmin", types.float64),
    ("preq", types.float64),
    ("pexp", types.float64),
    ("dur", types.int64),
    ("hstep", types.int64),
    ("pstep", types.int64),
    ("pstart", types.int64),
    ("rstep", types.int64),
    ("rstart", types.int64),
    ("rulestep", types.int64),
    ("tstart", types.int64),
    ("ucf_flow", types.float64),
    ("ucf_head", types.float64),
    ("ucf_pressure", types.float64),
    ("ucf_demand", types.float64),
    ("tshift", types.int64),
    ("has_leakage", types.int64),
    ("report_head_error", types.int64),
])


@njit(cache=True)
def _pack_opt(formflag, hexp, qexp, viscos, hacc, htol, qtol, rqtol, maxiter, extraiter,
        checkfreq, maxcheck, damplimit, head_error_limit, flow_change_limit, dmult,
        demand_model, pmin, preq, pexp, dur, hstep, pstep, pstart, rstep, rstart, rulestep,
        tstart, ucf_flow, ucf_head, ucf_pressure, ucf_demand, tshift, has_leakage,
        report_head_error):
    s = structref.new(OPT_TYPE)
    s.formflag = formflag
    s.hexp = hexp
    s.qexp = qexp
    s.viscos = viscos
    s.hacc = hacc
    s.htol = htol
    s.qtol = qtol
    s.rqtol = rqtol
    s.maxiter = maxiter
    s.extraiter = extraiter
    s.checkfreq = checkfreq
    s.maxcheck = maxcheck
    s.damplimit = damplimit
    s.head_error_limit = head_error_limit
    s.flow_change_limit = flow_change_limit
    s.dmult = dmult
    s.demand_model = demand_model
    s.pmin = pmin
    s.preq = preq
    s.pexp = pexp
    s.dur = dur
    s.hstep = hstep
    s.pstep = pstep
    s.pstart = pstart
    s.rstep = rstep
    s.rstart = rstart
    s.rulestep = rulestep
    s.tstart = tstart
    s.ucf_flow = ucf_flow
    s.ucf_head = ucf_head
    s.ucf_pressure = ucf_pressure
    s.ucf_demand = ucf_demand
    s.tshift = tshift
    s.has_leakage = has_leakage
    s.report_head_error = report_head_error
    return s


def pack_opt(nt):
    """Pack a Options into its StructRef."""
    return _pack_opt(*nt)


@structref.register
class _SmStructType(types.StructRef):
    """StructRef type of SparseStructure."""


class SmStruct(structref.StructRefProxy):
    """Python handle of a packed SparseStructure (opaque; pass it to the kernels)."""


structref.define_boxing(_SmStructType, SmStruct)
SM_TYPE = _SmStructType([
    ("iperm", _I8),
    ("perm", _I8),
    ("ap", _I8),
    ("ai", _I8),
    ("diag_pos", _I8),
    ("link_pos", _I8),
    ("parent", _I8),
    ("lp", _I8),
    ("rp", _I8),
    ("rc", _I8),
    ("rpos", _I8),
    ("li", _I8),
])


@njit(cache=True)
def _pack_sm(iperm, perm, ap, ai, diag_pos, link_pos, parent, lp, rp, rc, rpos, li):
    s = structref.new(SM_TYPE)
    s.iperm = iperm
    s.perm = perm
    s.ap = ap
    s.ai = ai
    s.diag_pos = diag_pos
    s.link_pos = link_pos
    s.parent = parent
    s.lp = lp
    s.rp = rp
    s.rc = rc
    s.rpos = rpos
    s.li = li
    return s


def pack_sm(nt):
    """Pack a SparseStructure into its StructRef."""
    return _pack_sm(*nt)


@structref.register
class _CtlStructType(types.StructRef):
    """StructRef type of ControlArrays."""


class CtlStruct(structref.StructRefProxy):
    """Python handle of a packed ControlArrays (opaque; pass it to the kernels)."""


structref.define_boxing(_CtlStructType, CtlStruct)
CTL_TYPE = _CtlStructType([
    ("link", _I8),
    ("node", _I8),
    ("ctype", _I8),
    ("grade", _F8),
    ("time", _I8),
    ("status", _I8),
    ("setting", _F8),
    ("enabled", _B1),
])


@njit(cache=True)
def _pack_ctl(link, node, ctype, grade, time, status, setting, enabled):
    s = structref.new(CTL_TYPE)
    s.link = link
    s.node = node
    s.ctype = ctype
    s.grade = grade
    s.time = time
    s.status = status
    s.setting = setting
    s.enabled = enabled
    return s


def pack_ctl(nt):
    """Pack a ControlArrays into its StructRef."""
    return _pack_ctl(*nt)


@structref.register
class _RulesStructType(types.StructRef):
    """StructRef type of RuleArrays."""


class RulesStruct(structref.StructRefProxy):
    """Python handle of a packed RuleArrays (opaque; pass it to the kernels)."""


structref.define_boxing(_RulesStructType, RulesStruct)
RULES_TYPE = _RulesStructType([
    ("pptr", _I8),
    ("p_logop", _I8),
    ("p_object", _I8),
    ("p_index", _I8),
    ("p_var", _I8),
    ("p_relop", _I8),
    ("p_status", _I8),
    ("p_value", _F8),
    ("tptr", _I8),
    ("t_link", _I8),
    ("t_status", _I8),
    ("t_setting", _F8),
    ("eptr", _I8),
    ("e_link", _I8),
    ("e_status", _I8),
    ("e_setting", _F8),
    ("priority", _F8),
])


@njit(cache=True)
def _pack_rules(pptr, p_logop, p_object, p_index, p_var, p_relop, p_status, p_value, tptr,
        t_link, t_status, t_setting, eptr, e_link, e_status, e_setting, priority):
    s = structref.new(RULES_TYPE)
    s.pptr = pptr
    s.p_logop = p_logop
    s.p_object = p_object
    s.p_index = p_index
    s.p_var = p_var
    s.p_relop = p_relop
    s.p_status = p_status
    s.p_value = p_value
    s.tptr = tptr
    s.t_link = t_link
    s.t_status = t_status
    s.t_setting = t_setting
    s.eptr = eptr
    s.e_link = e_link
    s.e_status = e_status
    s.e_setting = e_setting
    s.priority = priority
    return s


def pack_rules(nt):
    """Pack a RuleArrays into its StructRef."""
    return _pack_rules(*nt)


@structref.register
class _StateStructType(types.StructRef):
    """StructRef type of State."""


class StateStruct(structref.StructRefProxy):
    """Python handle of a packed State (opaque; pass it to the kernels)."""


structref.define_boxing(_StateStructType, StateStruct)
STATE_TYPE = _StateStructType([
    ("head", _F8),
    ("flow", _F8),
    ("status", _I8),
    ("setting", _F8),
    ("pcoef", _F8),
    ("ycoef", _F8),
    ("node_demand", _F8),
    ("demand_flow", _F8),
    ("emitter_flow", _F8),
    ("leak_flow", _F8),
    ("leak_qfa", _F8),
    ("leak_qva", _F8),
    ("leak_cfa", _F8),
    ("leak_cva", _F8),
    ("leak_hfa", _F8),
    ("leak_gfa", _F8),
    ("leak_hva", _F8),
    ("leak_gva", _F8),
    ("xflow", _F8),
    ("tank_v", _F8),
    ("ax", _F8),
    ("rhs", _F8),
    ("xw", _F8),
    ("lx", _F8),
    ("dd", _F8),
    ("yw", _F8),
    ("supplied", _B1),
    ("drained", _B1),
    ("comp", _I8),
    ("comp_sum", _F8),
    ("comp_cnt", _I8),
    ("queue", _I8),
    ("conducting", _B1),
    ("fs", _F8),
    ("iscal", _I8),
])


@njit(cache=True)
def _pack_state(head, flow, status, setting, pcoef, ycoef, node_demand, demand_flow,
        emitter_flow, leak_flow, leak_qfa, leak_qva, leak_cfa, leak_cva, leak_hfa, leak_gfa,
        leak_hva, leak_gva, xflow, tank_v, ax, rhs, xw, lx, dd, yw, supplied, drained, comp, comp_sum, comp_cnt, queue, conducting, fs,
        iscal):
    s = structref.new(STATE_TYPE)
    s.head = head
    s.flow = flow
    s.status = status
    s.setting = setting
    s.pcoef = pcoef
    s.ycoef = ycoef
    s.node_demand = node_demand
    s.demand_flow = demand_flow
    s.emitter_flow = emitter_flow
    s.leak_flow = leak_flow
    s.leak_qfa = leak_qfa
    s.leak_qva = leak_qva
    s.leak_cfa = leak_cfa
    s.leak_cva = leak_cva
    s.leak_hfa = leak_hfa
    s.leak_gfa = leak_gfa
    s.leak_hva = leak_hva
    s.leak_gva = leak_gva
    s.xflow = xflow
    s.tank_v = tank_v
    s.ax = ax
    s.rhs = rhs
    s.xw = xw
    s.lx = lx
    s.dd = dd
    s.yw = yw
    s.supplied = supplied
    s.drained = drained
    s.comp = comp
    s.comp_sum = comp_sum
    s.comp_cnt = comp_cnt
    s.queue = queue
    s.conducting = conducting
    s.fs = fs
    s.iscal = iscal
    return s


def pack_state(nt):
    """Pack a State into its StructRef."""
    return _pack_state(*nt)
