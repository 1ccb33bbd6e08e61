"""Compile WNTR controls and rules into arrays with EPANET 2.2 semantics.

WNTR keeps controls as Python objects; EPANET (and so the reference, which runs the INP
that WNTR writes) sees them as [CONTROLS] lines and [RULES] blocks. This module produces
what EPANET would hold after reading that INP: simple controls (time, clock time, tank
level, junction pressure) and rules (flat premise lists with EPANET's AND/OR evaluation,
THEN/ELSE actions, priorities). Threshold values go through the same text formatting WNTR
uses when it writes the file, so tolerance tests see the same numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import wntr
from wntr.epanet.util import HydParam
from wntr.network.controls import (
    AndCondition,
    Control,
    OrCondition,
    SimTimeCondition,
    TimeOfDayCondition,
    ValueCondition,
    _ControlType,
)

from models.errors import PlannerError

from .kernels import constants as C


class ControlArrays(NamedTuple):
    """EPANET simple controls."""

    link: np.ndarray
    node: np.ndarray          # -1 for time controls
    ctype: np.ndarray         # LOWLEVEL, HILEVEL, TIMER, TIMEOFDAY
    grade: np.ndarray         # ft (node controls)
    time: np.ndarray          # s (time controls)
    status: np.ndarray
    setting: np.ndarray
    enabled: np.ndarray


class RuleArrays(NamedTuple):
    """EPANET rule-based controls, flattened (CSR by rule)."""

    pptr: np.ndarray
    p_logop: np.ndarray
    p_object: np.ndarray
    p_index: np.ndarray
    p_var: np.ndarray
    p_relop: np.ndarray
    p_status: np.ndarray
    p_value: np.ndarray       # user units, as EPANET compares them
    tptr: np.ndarray
    t_link: np.ndarray
    t_status: np.ndarray
    t_setting: np.ndarray     # internal units or MISSING
    eptr: np.ndarray
    e_link: np.ndarray
    e_status: np.ndarray
    e_setting: np.ndarray
    priority: np.ndarray


class UnsupportedControl(PlannerError, ValueError):
    """A control or rule that EPANET 2.2 cannot express."""


_REL = {"<": C.OP_LT, "<=": C.OP_LE, ">": C.OP_GT, ">=": C.OP_GE, "=": C.OP_EQ,
        "==": C.OP_EQ, "!=": C.OP_NE, "<>": C.OP_NE}


def _relop(relation) -> int:
    sym = getattr(relation, "symbol", None) or str(relation)
    text = getattr(relation, "text", "").upper()
    if text in ("IS", "EQ"):
        return C.OP_EQ
    if text in ("NOT", "NE"):
        return C.OP_NE
    if text == "BELOW":
        return C.OP_LT
    if text == "ABOVE":
        return C.OP_GT
    if sym in _REL:
        return _REL[sym]
    raise UnsupportedControl(f"unknown relation {relation!r}")


def _g6(x: float) -> float:
    """Value after WNTR's '{:.6g}' formatting of rule thresholds."""
    return float(f"{x:.6g}")


def _hours_g(seconds: float) -> int:
    """Time after WNTR writes it as '{:g}' hours and EPANET reads it back."""
    hours = float(f"{seconds / 3600.0:g}")
    return int(3600.0 * hours)


def _status_code(value) -> int:
    v = int(value)
    if v == int(wntr.network.LinkStatus.Closed):
        return C.CLOSED
    if v == int(wntr.network.LinkStatus.Active):
        return C.ACTIVE
    return C.OPEN


def _internal_setting(link, attr: str, value, net, k: int, u) -> tuple[int, float]:
    """(status, setting) of a control action, as EPANET's controldata/newaction store it."""
    t = net.ltype[k]
    if attr == "status":
        s = _status_code(value)
        if s == C.ACTIVE:
            return C.ACTIVE, net.kc[k]
        if t == C.PUMP:
            return s, (1.0 if s == C.OPEN else 0.0)
        if t == C.GPV:
            return s, net.kc[k]
        return s, C.MISSING
    x = float(value)
    if t == C.PUMP:
        return (C.CLOSED if x == 0.0 else C.OPEN), x
    if t in (C.PRV, C.PSV, C.PBV):
        return C.ACTIVE, u.file_value(x, HydParam.Pressure) / u.pressure
    if t == C.FCV:
        return C.ACTIVE, u.file_value(x, HydParam.Flow) / u.flow
    if t == C.TCV:
        return C.ACTIVE, x
    if t == C.GPV:
        raise UnsupportedControl("GPV settings cannot be changed by a control")
    if t in (C.PIPE, C.CVPIPE):
        return (C.CLOSED if x == 0.0 else C.OPEN), C.MISSING
    raise UnsupportedControl(f"cannot set {attr} of link type {t}")


def _is_simple(ctl) -> bool:
    # wntr's Control subclasses Rule; EPANET-style simple controls are not "rule" typed
    if not isinstance(ctl, Control) or ctl.epanet_control_type == _ControlType.rule:
        return False
    if len(ctl._then_actions) != 1 or ctl._else_actions:
        return False
    cond = ctl._condition
    if isinstance(cond, (SimTimeCondition, TimeOfDayCondition)):
        return True
    if isinstance(cond, ValueCondition):
        obj = cond._source_obj
        attr = cond._source_attr
        if isinstance(obj, wntr.network.Tank) and attr == "level":
            return True
        if isinstance(obj, wntr.network.Junction) and attr in ("pressure", "head"):
            return True
    return False


def compile_controls(wn, node_index, link_index, net, u) -> ControlArrays:
    """Simple controls of the model, in model order."""
    rows = []
    for _name, ctl in wn.controls():
        if not _is_simple(ctl):
            continue
        act = ctl._then_actions[0]
        target = act._target_obj
        if not isinstance(target, wntr.network.Link):
            continue  # e.g. leak_status actions (handled by the leak model)
        k = link_index[target.name]
        status, setting = _internal_setting(target, act._attribute, act._value, net, k, u)
        cond = ctl._condition
        node, ctype, grade, time = -1, C.TIMER, 0.0, 0
        if isinstance(cond, SimTimeCondition):
            ctype = C.TIMER
            time = _hours_g(cond._threshold)
        elif isinstance(cond, TimeOfDayCondition):
            ctype = C.TIMEOFDAY
            time = _hours_g(cond._threshold) % C.SECPERDAY
        else:
            obj = cond._source_obj
            node = node_index[obj.name]
            rel = _relop(cond._relation)
            ctype = C.LOWLEVEL if rel in (C.OP_LT, C.OP_LE) else C.HILEVEL
            thr = float(cond._threshold)
            if cond._source_attr == "level":
                grade = net.el[node] + u.file_value(thr, HydParam.HydraulicHead) / u.length
            elif cond._source_attr == "pressure":
                grade = net.el[node] + u.pressure_ft(thr)
            else:
                grade = u.length_ft(thr)
        rows.append((k, node, ctype, grade, time, status, setting))
    return control_rows_to_arrays(rows)


def control_rows_to_arrays(rows: list[tuple]) -> ControlArrays:
    """``ControlArrays`` of ``(link, node, ctype, grade_ft, time_s, status, setting)`` rows,
    all enabled (both compile paths build their rows, then call this)."""
    if not rows:
        z = np.zeros(0)
        zi = np.zeros(0, dtype=np.int64)
        return ControlArrays(zi, zi, zi, z, zi, zi, z, np.zeros(0, dtype=np.bool_))
    a = list(zip(*rows))
    return ControlArrays(
        link=np.asarray(a[0], dtype=np.int64), node=np.asarray(a[1], dtype=np.int64),
        ctype=np.asarray(a[2], dtype=np.int64), grade=np.asarray(a[3], dtype=float),
        time=np.asarray(a[4], dtype=np.int64), status=np.asarray(a[5], dtype=np.int64),
        setting=np.asarray(a[6], dtype=float), enabled=np.ones(len(rows), dtype=np.bool_))


def _flatten(cond, logop, out):
    """Flatten a WNTR condition tree the way WNTR writes it into [RULES]."""
    if isinstance(cond, OrCondition):
        _flatten(cond._condition_1, logop, out)
        _flatten(cond._condition_2, C.LOGOP_OR, out)
    elif isinstance(cond, AndCondition):
        _flatten(cond._condition_1, logop, out)
        _flatten(cond._condition_2, C.LOGOP_AND, out)
    else:
        out.append((logop, cond))


_NODE_VARS = {"demand": C.V_DEMAND, "head": C.V_HEAD, "level": C.V_LEVEL,
              "pressure": C.V_PRESSURE}
_LINK_VARS = {"flow": C.V_FLOW, "status": C.V_STATUS, "setting": C.V_SETTING,
              "power": C.V_POWER}


def _premise(cond, node_index, link_index, u):
    """(object, index, variable, relop, status, value) of one premise."""
    rel = _relop(cond._relation)
    if isinstance(cond, SimTimeCondition):
        return C.R_SYSTEM, -1, C.V_TIME, rel, C.IS_NUMBER, float(int(cond._threshold))
    if isinstance(cond, TimeOfDayCondition):
        return (C.R_SYSTEM, -1, C.V_CLOCKTIME, rel, C.IS_NUMBER,
                float(int(cond._threshold) % C.SECPERDAY))
    if not isinstance(cond, ValueCondition):
        raise UnsupportedControl(f"rule condition {type(cond).__name__} has no EPANET form")
    obj = cond._source_obj
    attr = cond._source_attr.lower()
    thr = cond._threshold
    if isinstance(obj, wntr.network.Node):
        if attr not in _NODE_VARS:
            raise UnsupportedControl(f"rule premise on node attribute {attr!r}")
        var = _NODE_VARS[attr]
        param = {C.V_DEMAND: HydParam.Demand, C.V_HEAD: HydParam.HydraulicHead,
                 C.V_LEVEL: HydParam.HydraulicHead, C.V_PRESSURE: HydParam.Pressure}[var]
        return C.R_NODE, node_index[obj.name], var, rel, C.IS_NUMBER, _g6(
            u.file_value(float(thr), param))
    if attr not in _LINK_VARS:
        raise UnsupportedControl(f"rule premise on link attribute {attr!r}")
    var = _LINK_VARS[attr]
    k = link_index[obj.name]
    if var == C.V_STATUS:
        code = _status_code(thr)
        st = {C.OPEN: C.IS_OPEN, C.CLOSED: C.IS_CLOSED, C.ACTIVE: C.IS_ACTIVE}[code]
        return C.R_LINK, k, var, rel, st, C.MISSING
    if var == C.V_FLOW:
        return C.R_LINK, k, var, rel, C.IS_NUMBER, _g6(u.file_value(float(thr), HydParam.Flow))
    if var == C.V_SETTING:
        x = float(thr)
        if isinstance(obj, wntr.network.Valve):
            if obj.valve_type in ("PRV", "PSV", "PBV"):
                x = u.file_value(x, HydParam.Pressure)
            elif obj.valve_type == "FCV":
                x = u.file_value(x, HydParam.Flow)
        return C.R_LINK, k, var, rel, C.IS_NUMBER, _g6(x)
    raise UnsupportedControl("POWER premises are not supported")


def _actions(actions, link_index, net, u):
    rows = []
    for act in actions:
        target = act._target_obj
        if not isinstance(target, wntr.network.Link):
            continue
        k = link_index[target.name]
        attr = act._attribute
        if attr == "status":
            code = _status_code(act._value)
            st = {C.OPEN: C.IS_OPEN, C.CLOSED: C.IS_CLOSED, C.ACTIVE: C.IS_ACTIVE}[code]
            rows.append((k, st, C.MISSING))
        else:
            x = _g6(float(act._value)) if net.ltype[k] == C.PUMP else float(act._value)
            t = net.ltype[k]
            if t in (C.PRV, C.PSV, C.PBV):
                x = _g6(u.file_value(x, HydParam.Pressure)) / u.pressure
            elif t == C.FCV:
                x = _g6(u.file_value(x, HydParam.Flow)) / u.flow
            elif t != C.PUMP:
                x = _g6(x)
            rows.append((k, C.IS_NUMBER, x))
    return rows


def compile_rules(wn, node_index, link_index, net, u) -> RuleArrays:
    """Rules (and any control that is not a simple EPANET control), in model order."""
    pptr, tptr, eptr, prio = [0], [0], [0], []
    prem, then, els = [], [], []
    for name, ctl in wn.controls():
        if _is_simple(ctl):
            continue
        flat: list = []
        _flatten(ctl._condition, C.LOGOP_AND, flat)
        try:
            for logop, cond in flat:
                prem.append((logop,) + _premise(cond, node_index, link_index, u))
        except UnsupportedControl as exc:
            raise UnsupportedControl(f"control {name!r}: {exc}") from None
        then.extend(_actions(ctl._then_actions, link_index, net, u))
        els.extend(_actions(ctl._else_actions, link_index, net, u))
        pptr.append(len(prem))
        tptr.append(len(then))
        eptr.append(len(els))
        prio.append(float(getattr(ctl, "_priority", 0) or 0))

    def cols(rows, n, dtypes):
        if not rows:
            return [np.zeros(0, dtype=d) for d in dtypes]
        z = list(zip(*rows))
        return [np.asarray(z[i], dtype=dtypes[i]) for i in range(n)]

    p = cols(prem, 7, [np.int64] * 6 + [float])
    t = cols(then, 3, [np.int64, np.int64, float])
    e = cols(els, 3, [np.int64, np.int64, float])
    return RuleArrays(
        pptr=np.asarray(pptr, dtype=np.int64), p_logop=p[0], p_object=p[1], p_index=p[2],
        p_var=p[3], p_relop=p[4], p_status=p[5], p_value=p[6],
        tptr=np.asarray(tptr, dtype=np.int64), t_link=t[0], t_status=t[1], t_setting=t[2],
        eptr=np.asarray(eptr, dtype=np.int64), e_link=e[0], e_status=e[1], e_setting=e[2],
        priority=np.asarray(prio, dtype=float))
