"""Compile step for networks read by the fast reader, and the one entry for any model.

Exports ``compile_model``, ``peak_demand_time_s`` (a ``models.Network``, WNTR model or ``CompiledNetwork`` -> a
``CompiledNetwork``) and ``compile_inp`` (INP path -> ``CompiledNetwork``).

A network read by ``models.load_network`` keeps its junctions, pipes and demands as
arrays (``models.inp_fast.InpArrays``) and the rest in a small WNTR *skeleton* model.
``compile_model`` compiles the skeleton with ``compile_network`` (tanks, pumps, valves,
patterns, curves, options) and fills in the bulk from the arrays with the same
arithmetic, so the result is bit for bit the ``compile_network`` of the full WNTR model.
Controls and rules are compiled from the skeleton against the full indices.
"""

from __future__ import annotations

import os

import numpy as np
from wntr.epanet.util import HydParam

from models.network import wntr_model

from .compile import CompiledNetwork, NetArrays, _pipe_leakage, compile_network, total_demand_m3s
from .compile_parts import adjacency, pipe_arrays
from .controls import ControlArrays, _hours_g, _internal_setting, control_rows_to_arrays
from .kernels import constants as C


def compile_model(net) -> CompiledNetwork:
    """The solver's arrays of a network, from its fast-reader arrays when it has them.

    Parameters
    ----------
    net : models.Network, wntr.network.WaterNetworkModel or CompiledNetwork
        A compiled network is returned as it is; a ``Network`` whose WNTR model has not
        been built is compiled from its arrays (no WNTR model is built); anything else
        with ``compile_network``.

    Returns
    -------
    CompiledNetwork
    """
    if isinstance(net, CompiledNetwork):
        return net
    arrays = getattr(net, "arrays", None)
    leakage = getattr(net, "pipe_leakage", None)
    if arrays is not None:
        return compile_arrays(arrays, leakage)
    return compile_network(wntr_model(net), leakage)


def compile_inp(path: str | os.PathLike, *, encoding: str | None = None) -> CompiledNetwork:
    """Read an INP file and compile it (``compile_model(models.load_network(path))``).

    Raises
    ------
    models.NetworkInputError
        As ``models.load_network``.
    """
    from models import load_network

    return compile_model(load_network(path, encoding=encoding))


def compile_arrays(arrays, pipe_leakage=None) -> CompiledNetwork:
    """Compile the fast reader's ``InpArrays`` (see the module docstring).

    Parameters
    ----------
    arrays : models.inp_fast.InpArrays
    pipe_leakage : pandas.DataFrame, optional
        As ``compile_network``.

    Returns
    -------
    CompiledNetwork
    """
    from .controls import compile_controls, compile_rules
    from .kernels.linalg import build_structure

    skel_wn = arrays.skeleton
    sk = compile_network(skel_wn, structure=False)
    u, sn = sk.units, sk.net
    nj = len(arrays.junction_names)
    node_names = arrays.node_names
    link_names = arrays.link_names
    nn, nl = len(node_names), len(link_names)
    np_ = len(arrays.pipe_names)
    node_index = dict(zip(node_names, range(nn)))
    link_index = dict(zip(link_names, range(nl)))
    snj = sn.nj
    # skeleton node / link -> full index
    node_map = np.concatenate([arrays.skeleton_junctions, np.arange(nj, nn, dtype=np.int64)])
    link_map = np.concatenate([arrays.skeleton_pipes,
                               np.arange(np_, nl, dtype=np.int64)])

    # ---- nodes --------------------------------------------------------------------------
    el = np.empty(nn)
    el[:nj] = arrays.elevation_m / 0.3048
    el[nj:] = sn.el[snj:]
    dem_factor = u.file_factor(HydParam.Demand) / u.flow
    dem_base = arrays.demand_base_m3s * dem_factor
    names = skel_wn.options.hydraulic.pattern
    def_pat = {name: i + 1 for i, name in enumerate(skel_wn.pattern_name_list)}.get(
        names if names is not None else "1", 0)
    dem_pat = np.where(arrays.demand_pattern < 0, def_pat, arrays.demand_pattern + 1)
    ke = np.zeros(nj)
    ke[arrays.skeleton_junctions] = sn.ke[:snj]
    node_tank = -np.ones(nn, dtype=np.int64)
    node_tank[nj:] = np.arange(nn - nj)

    # ---- links --------------------------------------------------------------------------
    formflag = sk.opt.formflag
    pipe = pipe_arrays(arrays.pipe_diameter_m, arrays.pipe_length_m, arrays.pipe_roughness,
                       arrays.pipe_minor_loss, arrays.pipe_check_valve, arrays.pipe_closed,
                       u, formflag, sk.opt.hexp)
    link = {}
    for key in ("ltype", "diam", "length", "km", "kc", "status0", "rcoef"):
        column = np.empty(nl, dtype=getattr(sn, key).dtype)
        column[:np_] = pipe[key]
        column[link_map] = getattr(sn, key)  # pumps, valves; pipes a [STATUS] line may set
        link[key] = column
    for key in ("link_pump", "link_curve"):
        column = -np.ones(nl, dtype=np.int64)
        column[link_map] = getattr(sn, key)
        link[key] = column
    n1 = np.empty(nl, dtype=np.int64)
    n2 = np.empty(nl, dtype=np.int64)
    n1[:np_] = arrays.pipe_start
    n2[:np_] = arrays.pipe_end
    n1[link_map] = node_map[sn.n1]
    n2[link_map] = node_map[sn.n2]
    rough_si = np.full(nl, np.nan)
    rough_si[:np_] = arrays.pipe_roughness
    adj_ptr, adj_link = adjacency(n1, n2, nn)
    ltype = link["ltype"]
    status_link = np.nonzero((ltype == C.CVPIPE) | (ltype == C.PUMP) | (ltype == C.FCV)
                             | (n1 >= nj) | (n2 >= nj))[0].astype(np.int64)

    leak = _pipe_leakage(pipe_leakage, link_index, link["length"], n1, n2, nj, nl, u)
    oleak_node = node_map[sn.oleak_node]
    has_leakage = int(bool(leak["leak_ca"].any() or leak["leak_ce"].any() or len(oleak_node)))

    net = NetArrays(
        nj=nj, nn=nn, nl=nl, el=el, n1=n1, n2=n2, ltype=ltype, diam=link["diam"],
        length=link["length"], km=link["km"], kc=link["kc"], status0=link["status0"],
        rcoef=link["rcoef"], link_pump=link["link_pump"], link_curve=link["link_curve"],
        pump_link=link_map[sn.pump_link], pump_type=sn.pump_type, pump_h0=sn.pump_h0,
        pump_r=sn.pump_r, pump_n=sn.pump_n, pump_q0=sn.pump_q0, pump_qmax=sn.pump_qmax,
        pump_hmax=sn.pump_hmax, pump_curve=sn.pump_curve, pump_pat=sn.pump_pat,
        valve_link=link_map[sn.valve_link], tank_node=np.arange(nj, nn, dtype=np.int64),
        node_tank=node_tank, tank_area=sn.tank_area, tank_hmin=sn.tank_hmin,
        tank_hmax=sn.tank_hmax, tank_h0=sn.tank_h0, tank_vmin=sn.tank_vmin,
        tank_vmax=sn.tank_vmax, tank_v0=sn.tank_v0, tank_vcurve=sn.tank_vcurve,
        tank_pat=sn.tank_pat, tank_overflow=sn.tank_overflow, dem_ptr=arrays.demand_ptr.copy(),
        dem_base=dem_base, dem_pat=dem_pat.astype(np.int64), ke=ke, pat_ptr=sn.pat_ptr,
        pat_val=sn.pat_val, cur_ptr=sn.cur_ptr, cur_x=sn.cur_x, cur_y=sn.cur_y,
        adj_ptr=adj_ptr, adj_link=adj_link, status_link=status_link,
        oleak_node=oleak_node, oleak_c=sn.oleak_c, oleak_start=sn.oleak_start,
        oleak_end=sn.oleak_end, **leak,
    )
    opt = sk.opt._replace(has_leakage=has_leakage)
    sm = build_structure(nj, n1, n2)
    if arrays.controls is None:
        ctl = compile_controls(skel_wn, node_index, link_index, net, u)
    else:
        ctl = control_arrays(arrays.controls, node_index, link_index, net, u,
                             nj + len(skel_wn.reservoir_name_list))
    rules = compile_rules(skel_wn, node_index, link_index, net, u)
    return CompiledNetwork(
        net=net, opt=opt, sm=sm, ctl=ctl, rules=rules, node_names=list(node_names),
        link_names=list(link_names), junction_names=list(arrays.junction_names), units=u,
        node_index=node_index, link_index=link_index, pipe_roughness_si=rough_si,
        warnings=sk.warnings,
    )


def control_arrays(rows, node_index, link_index, net, u, first_tank) -> ControlArrays:
    """Simple controls from checked ``[CONTROLS]`` lines, as ``compile_controls`` makes them.

    Each value goes through WNTR's reading (``to_si``, ``_str_time_to_sec``) and then the
    same conversions as ``compile_controls``, so the arrays are equal bit for bit.

    Parameters
    ----------
    rows : tuple of tuple of str
        ``models.inp_fast.InpArrays.controls``.
    node_index, link_index : dict
    net : NetArrays
    u : UnitSystem
    first_tank : int
        Node index of the first tank (junctions, then reservoirs, then tanks).

    Returns
    -------
    ControlArrays
    """
    from wntr.epanet.io import _str_time_to_sec
    from wntr.epanet.util import to_si
    from wntr.network import LinkStatus

    out = []
    for tokens in rows:
        k = link_index[tokens[1]]
        word = tokens[2].upper()
        t = net.ltype[k]
        if word in ("OPEN", "OPENED", "CLOSED", "ACTIVE"):
            attr, value = "status", LinkStatus[word].value
        elif t == C.PUMP:
            attr, value = "base_speed", float(tokens[2])
        elif t in (C.PRV, C.PSV, C.PBV):
            attr, value = "setting", to_si(u.fu, float(tokens[2]), HydParam.Pressure)
        elif t == C.FCV:
            attr, value = "setting", to_si(u.fu, float(tokens[2]), HydParam.Flow)
        else:
            attr, value = "setting", float(tokens[2])
        status, setting = _internal_setting(None, attr, value, net, k, u)
        node, ctype, grade, time = -1, C.TIMER, 0.0, 0
        if tokens[3] == "AT":
            time = _hours_g(int(_str_time_to_sec(tokens[5])))
            if tokens[4] == "CLOCKTIME":
                ctype, time = C.TIMEOFDAY, time % C.SECPERDAY
        else:
            node = node_index[tokens[5]]
            ctype = C.HILEVEL if tokens[6] == "ABOVE" else C.LOWLEVEL
            if node >= first_tank:
                thr = float(to_si(u.fu, float(tokens[7]), HydParam.HydraulicHead))
                grade = net.el[node] + u.file_value(thr, HydParam.HydraulicHead) / u.length
            else:
                thr = float(to_si(u.fu, float(tokens[7]), HydParam.Pressure))
                grade = net.el[node] + u.pressure_ft(thr)
        out.append((k, node, ctype, grade, time, status, setting))
    return control_rows_to_arrays(out)


def peak_demand_time_s(net, horizon_s: int = 86400) -> int:
    """Pattern time (s) of the largest total demand within ``horizon_s`` of the start.

    Candidates are the start and every pattern-period boundary after it (a pattern start
    that is not a multiple of the pattern step shifts the boundaries); the earliest
    maximum wins.

    Parameters
    ----------
    net : models.Network, wntr.network.WaterNetworkModel or CompiledNetwork

    Returns
    -------
    int
        Seconds from the model's start (the ``time_s`` of ``SteadyStateSolver``).
    """
    cn = compile_model(net)
    pstep = max(int(cn.opt.pstep), 1)
    first = (pstep - cn.opt.pstart % pstep) % pstep or pstep
    times = np.array([0, *range(first, max(int(horizon_s), 1), pstep)], dtype=np.int64)
    return int(times[int(np.argmax(total_demand_m3s(cn, times)))])
