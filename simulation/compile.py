"""Compile step: a WNTR ``WaterNetworkModel`` -> frozen arrays for the numba kernels.

Nothing here runs a simulation and nothing writes back into the model. The arrays are in
EPANET's internal units (ft, cfs, s) and follow EPANET 2.2's input processing (pump curve
fitting, tank volumes, minor-loss and emitter coefficient conversion, time-step adjustment),
so the kernels reproduce EPANET 2.2's answers on the same model.

Node order: junctions, then reservoirs, then tanks. Link order: pipes, pumps, valves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
import wntr
from wntr.epanet.util import HydParam

from .compile_parts import adjacency, pipe_arrays
from .kernels import constants as C
from .kernels.arrays import NetArrays, Options, SparseStructure
from .kernels.eps import static_leak_coefficients
from .units import UnitSystem


@dataclass(frozen=True)
class CompiledNetwork:
    """Everything the kernels need, plus name maps back to the model.

    Attributes
    ----------
    net, opt, sm, ctl, rules :
        Arrays and scalars passed to the numba kernels.
    node_names, link_names : list of str
        Names in kernel index order.
    units : UnitSystem
        Conversion factors of the model's INP units.
    """

    net: NetArrays
    opt: Options
    sm: SparseStructure
    ctl: tuple
    rules: tuple
    node_names: list
    link_names: list
    junction_names: list
    units: UnitSystem
    node_index: dict = field(repr=False)
    link_index: dict = field(repr=False)
    pipe_roughness_si: np.ndarray = field(repr=False, default=None)
    warnings: tuple = ()

    @property
    def n_junctions(self) -> int:
        return self.net.nj

    @cached_property
    def node_labels(self) -> pd.Index:
        """Node names as a pandas Index (built once; DataFrame columns)."""
        return pd.Index(self.node_names, name="name")

    @cached_property
    def link_labels(self) -> pd.Index:
        """Link names as a pandas Index (built once; DataFrame columns)."""
        return pd.Index(self.link_names, name="name")

    @cached_property
    def kernel_args(self) -> tuple:
        """(net, opt, sm, ctl, rules) packed as StructRefs for the numba kernels."""
        from .kernels.structs import pack_ctl, pack_net, pack_opt, pack_rules, pack_sm

        return (pack_net(self.net), pack_opt(self.opt), pack_sm(self.sm),
                pack_ctl(self.ctl), pack_rules(self.rules))

    def with_options(self, opt: Options) -> CompiledNetwork:
        """A copy using other solver/time options (arrays are shared, read-only)."""
        return replace(self, opt=opt)


def _powercurve(h0, h1, h2, q1, q2):
    """EPANET's 3-point power-curve fit; returns (a, b, c) or None if invalid."""
    tiny = C.TINY
    if h0 < tiny or h0 - h1 < tiny or h1 - h2 < tiny or q1 < tiny or q2 - q1 < tiny:
        return None
    a = h0
    h4 = h0 - h1
    h5 = h0 - h2
    c = math.log(h5 / h4) / math.log(q2 / q1)
    if c <= 0.0 or c > 20.0:
        return None
    b = -h4 / q1 ** c
    if b >= 0.0:
        return None
    return a, b, c


class _CurveStore:
    """Curves converted per use (pump head, tank volume, valve headloss)."""

    def __init__(self):
        self.x: list = []
        self.y: list = []
        self.keys: dict = {}

    def add(self, key, x, y) -> int:
        if key in self.keys:
            return self.keys[key]
        self.keys[key] = len(self.x)
        self.x.append(np.asarray(x, dtype=float))
        self.y.append(np.asarray(y, dtype=float))
        return self.keys[key]

    def arrays(self):
        ptr = np.zeros(len(self.x) + 1, dtype=np.int64)
        for i, x in enumerate(self.x):
            ptr[i + 1] = ptr[i] + len(x)
        xs = np.concatenate(self.x) if self.x else np.zeros(0)
        ys = np.concatenate(self.y) if self.y else np.zeros(0)
        return ptr, xs, ys


def _time_options(wn) -> dict:
    """EPANET 2.2's time-option adjustments (input1.c adjustdata)."""
    t = wn.options.time
    dur = int(round(t.duration))
    pstep = int(round(t.pattern_timestep)) or 3600
    rstep = int(round(t.report_timestep)) or pstep
    hstep = int(round(t.hydraulic_timestep)) or 3600
    hstep = min(hstep, pstep, rstep)
    rstart = int(round(t.report_start))
    if rstart > dur:
        rstart = 0
    rulestep = int(round(t.rule_timestep)) if t.rule_timestep else 0
    if rulestep <= 0:
        rulestep = max(hstep // 10, 1)
    rulestep = max(min(rulestep, hstep), 1)
    return dict(dur=dur, hstep=max(hstep, 1), pstep=pstep, pstart=int(round(t.pattern_start)),
                rstep=rstep, rstart=rstart, rulestep=rulestep,
                tstart=int(round(t.start_clocktime)) % C.SECPERDAY)


def compile_network(wn, pipe_leakage=None, *, structure: bool = True) -> CompiledNetwork:
    """Compile a WNTR model into the solver's frozen arrays.

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
        The model; it is read, never modified.
    pipe_leakage : pandas.DataFrame, optional
        EPANET 2.3 pipe leakage per pipe (columns ``leak_area_mm2_per_100m``,
        ``leak_expansion_mm2_per_m``), as kept by :class:`models.Network`.
    structure : bool
        False: leave ``sm``, ``ctl`` and ``rules`` as None (``simulation.compile_inp``
        compiles a partial model and builds them for the whole network).

    Returns
    -------
    CompiledNetwork
    """
    from .controls import compile_controls, compile_rules
    from .kernels.linalg import build_structure

    hyd = wn.options.hydraulic
    u = UnitSystem(hyd.inpfile_units or "GPM", hyd.inpfile_pressure_units, hyd.specific_gravity)
    warn: list[str] = []

    # ---- nodes ----------------------------------------------------------------------
    junctions = list(wn.junction_name_list)
    reservoirs = list(wn.reservoir_name_list)
    tanks = list(wn.tank_name_list)
    node_names = junctions + reservoirs + tanks
    node_index = {n: i for i, n in enumerate(node_names)}
    nj, nn = len(junctions), len(node_names)
    el = np.zeros(nn)

    # ---- patterns (index 0 is the constant pattern) ------------------------------------
    pat_names = list(wn.pattern_name_list)
    pat_index = {name: i + 1 for i, name in enumerate(pat_names)}
    pat_lists = [np.ones(1)]
    for name in pat_names:
        m = np.asarray(wn.get_pattern(name).multipliers, dtype=float)
        pat_lists.append(m if len(m) else np.ones(1))
    pat_ptr = np.zeros(len(pat_lists) + 1, dtype=np.int64)
    for i, m in enumerate(pat_lists):
        pat_ptr[i + 1] = pat_ptr[i] + len(m)
    pat_val = np.concatenate(pat_lists)
    default_pattern = hyd.pattern if hyd.pattern is not None else "1"
    def_pat = pat_index.get(default_pattern, 0)

    def pattern_of(name) -> int:
        if name is None or name == "":
            return def_pat
        return pat_index.get(name, def_pat)

    curves = _CurveStore()

    # ---- junctions: demands, emitters ----------------------------------------------
    dem_ptr = np.zeros(nj + 1, dtype=np.int64)
    dem_base: list[float] = []
    dem_pat: list[int] = []
    qexp = 1.0 / hyd.emitter_exponent
    ke = np.zeros(nj)
    dem_factor = u.file_factor(HydParam.Demand) / u.flow
    for i, name in enumerate(junctions):
        j = wn.get_node(name)
        el[i] = j.elevation / 0.3048
        for d in j.demand_timeseries_list:
            dem_base.append(d.base_value * dem_factor)
            dem_pat.append(pattern_of(d.pattern_name))
        dem_ptr[i + 1] = len(dem_base)
        if j.emitter_coefficient:
            c_user = u.file_value(j.emitter_coefficient, HydParam.EmitterCoeff)
            if c_user > 0:
                ke[i] = (u.flow ** qexp / u.pressure) / c_user ** qexp

    # ---- tanks & reservoirs (EPANET "tanks", reservoirs have area 0) -------------------
    ntank = len(reservoirs) + len(tanks)
    tank_node = np.arange(nj, nn, dtype=np.int64)
    node_tank = -np.ones(nn, dtype=np.int64)
    node_tank[nj:] = np.arange(ntank)
    t_area = np.zeros(ntank)
    t_hmin = np.zeros(ntank)
    t_hmax = np.zeros(ntank)
    t_h0 = np.zeros(ntank)
    t_vmin = np.zeros(ntank)
    t_vmax = np.zeros(ntank)
    t_v0 = np.zeros(ntank)
    t_vcurve = -np.ones(ntank, dtype=np.int64)
    t_pat = -np.ones(ntank, dtype=np.int64)
    t_over = np.zeros(ntank, dtype=np.bool_)
    for ti, name in enumerate(reservoirs):
        r = wn.get_node(name)
        n = nj + ti
        el[n] = u.length_ft(r.base_head)
        t_h0[ti] = t_hmin[ti] = t_hmax[ti] = el[n]
        if r.head_pattern_name:
            t_pat[ti] = pat_index.get(r.head_pattern_name, -1)
    for k, name in enumerate(tanks):
        ti = len(reservoirs) + k
        t = wn.get_node(name)
        n = nj + ti
        el[n] = u.length_ft(t.elevation)
        lvl = {a: u.file_value(getattr(t, a), HydParam.HydraulicHead)
               for a in ("init_level", "min_level", "max_level")}
        diam_user = u.file_value(t.diameter, HydParam.TankDiameter)
        area_user = math.pi * diam_user ** 2 / 4.0
        t_h0[ti] = el[n] + lvl["init_level"] / u.length
        t_hmin[ti] = el[n] + lvl["min_level"] / u.length
        t_hmax[ti] = el[n] + lvl["max_level"] / u.length
        t_over[ti] = bool(getattr(t, "overflow", False))
        if t.vol_curve_name:
            pts = np.asarray(wn.get_curve(t.vol_curve_name).points, dtype=float)
            x_user = np.array([u.file_value(p, HydParam.HydraulicHead) for p in pts[:, 0]])
            y_user = np.array([u.file_value(v, HydParam.Volume) for v in pts[:, 1]])
            t_vcurve[ti] = curves.add(("vol", t.vol_curve_name), x_user / u.length,
                                      y_user / u.volume)

            def vol(level_user, x=x_user, y=y_user):
                return float(np.interp(level_user, x, y))

            t_vmin[ti] = vol(lvl["min_level"]) / u.volume
            t_vmax[ti] = vol(lvl["max_level"]) / u.volume
            t_v0[ti] = vol(lvl["init_level"]) / u.volume
            span = x_user[-1] - x_user[0]
            a_user = (y_user[-1] - y_user[0]) / span if span > 0 else area_user
            t_area[ti] = max(a_user / u.volume * u.length, C.TINY)
        else:
            minvol_user = u.file_value(t.min_vol, HydParam.Volume)
            vmin = area_user * lvl["min_level"]
            if minvol_user > 0.0:
                vmin = minvol_user
            t_vmin[ti] = vmin / u.volume
            t_v0[ti] = (vmin + area_user * (lvl["init_level"] - lvl["min_level"])) / u.volume
            t_vmax[ti] = (vmin + area_user * (lvl["max_level"] - lvl["min_level"])) / u.volume
            t_area[ti] = math.pi * (diam_user / u.length) ** 2 / 4.0
            if t_area[ti] <= 0.0:
                t_area[ti] = C.TINY
                warn.append(f"tank {name!r} has zero diameter")

    # ---- links ----------------------------------------------------------------------
    pipes = list(wn.pipe_name_list)
    pumps = list(wn.pump_name_list)
    valves = list(wn.valve_name_list)
    link_names = pipes + pumps + valves
    link_index = {n: i for i, n in enumerate(link_names)}
    nl = len(link_names)
    n1 = np.zeros(nl, dtype=np.int64)
    n2 = np.zeros(nl, dtype=np.int64)
    ltype = np.zeros(nl, dtype=np.int64)
    diam = np.zeros(nl)
    length = np.zeros(nl)
    km = np.zeros(nl)
    kc = np.zeros(nl)
    status0 = np.full(nl, C.OPEN, dtype=np.int64)
    rcoef = np.zeros(nl)
    link_pump = -np.ones(nl, dtype=np.int64)
    link_curve = -np.ones(nl, dtype=np.int64)

    headloss = str(hyd.headloss).upper()
    formflag = {"H-W": C.HW, "D-W": C.DW, "C-M": C.CM}[headloss]
    hexp = 1.852 if formflag == C.HW else 2.0

    lobj = [wn.get_link(name) for name in link_names]
    n1[:] = [node_index[lk.start_node_name] for lk in lobj]
    n2[:] = [node_index[lk.end_node_name] for lk in lobj]

    rough_si = np.full(nl, np.nan)
    np_ = len(pipes)
    pobj = [wn.get_link(name) for name in pipes]
    rough_si[:np_] = [p.roughness for p in pobj]
    closed = wntr.network.LinkStatus.Closed
    pipe = pipe_arrays(
        np.array([p.diameter for p in pobj], dtype=float),
        np.array([p.length for p in pobj], dtype=float), rough_si[:np_],
        np.array([float(p.minor_loss) for p in pobj]),
        np.array([bool(p.check_valve) for p in pobj], dtype=bool),
        np.array([p.initial_status == closed for p in pobj], dtype=bool), u, formflag, hexp)
    for target, key in ((ltype, "ltype"), (diam, "diam"), (length, "length"), (kc, "kc"),
                        (km, "km"), (rcoef, "rcoef"), (status0, "status0")):
        target[:np_] = pipe[key]

    npump = len(pumps)
    pump_link = np.zeros(npump, dtype=np.int64)
    pump_type = np.zeros(npump, dtype=np.int64)
    pump_h0 = np.zeros(npump)
    pump_r = np.zeros(npump)
    pump_n = np.zeros(npump)
    pump_q0 = np.zeros(npump)
    pump_qmax = np.zeros(npump)
    pump_hmax = np.zeros(npump)
    pump_curve = -np.ones(npump, dtype=np.int64)
    pump_pat = -np.ones(npump, dtype=np.int64)
    for pi_, name in enumerate(pumps):
        k = len(pipes) + pi_
        p = wn.get_link(name)
        ltype[k] = C.PUMP
        link_pump[k] = pi_
        pump_link[pi_] = k
        rcoef[k] = C.CBIG
        speed = float(p.base_speed) if p.base_speed is not None else 1.0
        init_setting = getattr(p, "initial_setting", None)
        if isinstance(init_setting, float):
            speed = init_setting
        kc[k] = speed
        if p.initial_status == wntr.network.LinkStatus.Closed:
            status0[k] = C.CLOSED
        if p.speed_pattern_name:
            pump_pat[pi_] = pat_index.get(p.speed_pattern_name, -1)
        if p.pump_type == "POWER":
            hp = u.file_value(p.power, HydParam.Power) / u.power
            pump_type[pi_] = C.CONST_HP
            pump_h0[pi_] = 0.0
            pump_r[pi_] = -8.814 * hp
            pump_n[pi_] = -1.0
            pump_hmax[pi_] = C.BIG
            pump_qmax[pi_] = C.BIG
            pump_q0[pi_] = 1.0
            continue
        pts = np.asarray(p.get_pump_curve().points, dtype=float)
        qx = np.array([u.file_value(q, HydParam.Flow) for q in pts[:, 0]])
        hy = np.array([u.file_value(h, HydParam.HydraulicHead) for h in pts[:, 1]])
        npts = len(qx)
        fit = None
        if npts == 1:
            q1, h1 = qx[0], hy[0]
            fit = (1.33334 * h1, h1, 0.0, q1, 2.0 * q1)
        elif npts == 3 and qx[0] == 0.0:
            fit = (hy[0], hy[1], hy[2], qx[1], qx[2])
        if fit is not None:
            abc = _powercurve(*fit)
            if abc is None:
                raise ValueError(f"pump {name!r}: invalid pump curve (EPANET error 227)")
            a, b, c = abc
            pump_type[pi_] = C.POWER_FUNC
            pump_h0[pi_] = -a / u.length
            pump_r[pi_] = -b * u.flow ** c / u.length
            pump_n[pi_] = c
            pump_q0[pi_] = fit[3] / u.flow
            pump_qmax[pi_] = (-a / b) ** (1.0 / c) / u.flow
            pump_hmax[pi_] = fit[0] / u.length
        else:
            if np.any(np.diff(hy) >= 0):
                raise ValueError(f"pump {name!r}: head curve must decrease (EPANET error 227)")
            pump_type[pi_] = C.CUSTOM
            pump_qmax[pi_] = qx[-1] / u.flow
            pump_q0[pi_] = (qx[0] + qx[-1]) / 2.0 / u.flow
            pump_hmax[pi_] = hy[0] / u.length
            pump_curve[pi_] = curves.add(("pump", p.pump_curve_name), qx / u.flow,
                                         hy / u.length)

    nvalve = len(valves)
    valve_link = np.zeros(nvalve, dtype=np.int64)
    vcode = {"PRV": C.PRV, "PSV": C.PSV, "PBV": C.PBV, "FCV": C.FCV, "TCV": C.TCV,
             "GPV": C.GPV}
    for vi, name in enumerate(valves):
        k = len(pipes) + npump + vi
        v = wn.get_link(name)
        t = vcode[v.valve_type]
        ltype[k] = t
        valve_link[vi] = k
        rcoef[k] = C.CSMALL
        d = u.file_value(v.diameter, HydParam.PipeDiameter)
        diam[k] = d / (12.0 if not u.si else 1000.0 * u.length)
        km[k] = 0.02517 * float(v.minor_loss) / diam[k] ** 4 if diam[k] > 0 else 0.0
        if t == C.GPV:
            pts = np.asarray(wn.get_curve(v.headloss_curve_name).points, dtype=float)
            qx = np.array([u.file_value(q, HydParam.Flow) for q in pts[:, 0]])
            hy = np.array([u.file_value(h, HydParam.HydraulicHead) for h in pts[:, 1]])
            link_curve[k] = curves.add(("gpv", v.headloss_curve_name), qx / u.flow,
                                       hy / u.length)
            kc[k] = float(link_curve[k])
        else:
            s = float(v.initial_setting)
            if t in (C.PRV, C.PSV, C.PBV):
                kc[k] = u.file_value(s, HydParam.Pressure) / u.pressure
            elif t == C.FCV:
                kc[k] = u.file_value(s, HydParam.Flow) / u.flow
            else:
                kc[k] = s
        st = v.initial_status
        if st == wntr.network.LinkStatus.Closed:
            status0[k] = C.CLOSED
            if t != C.GPV:
                kc[k] = C.MISSING
        elif st == wntr.network.LinkStatus.Open:
            status0[k] = C.OPEN
            if t != C.GPV:
                kc[k] = C.MISSING
        else:
            # EPANET's valvedata: a valve with a setting starts ACTIVE (reported 2, as
            # rules and WNTR code reading link['status'] see it); a GPV starts OPEN
            status0[k] = C.OPEN if t == C.GPV else C.ACTIVE

    # ---- adjacency -------------------------------------------------------------------
    adj_ptr, adj_link = adjacency(n1, n2, nn)

    status_link = np.nonzero((ltype == C.CVPIPE) | (ltype == C.PUMP) | (ltype == C.FCV)
                             | (n1 >= nj) | (n2 >= nj))[0].astype(np.int64)

    # ---- leakage ---------------------------------------------------------------------
    leak = _pipe_leakage(pipe_leakage, link_index, length, n1, n2, nj, nl, u)
    oleak = _orifice_leaks(wn, node_index, nj)
    has_leakage = int(bool(leak["leak_ca"].any() or leak["leak_ce"].any()
                           or len(oleak["oleak_node"])))

    cur_ptr, cur_x, cur_y = curves.arrays()
    net = NetArrays(
        nj=nj, nn=nn, nl=nl, el=el, n1=n1, n2=n2, ltype=ltype, diam=diam, length=length,
        km=km, kc=kc, status0=status0, rcoef=rcoef, link_pump=link_pump,
        link_curve=link_curve, pump_link=pump_link, pump_type=pump_type, pump_h0=pump_h0,
        pump_r=pump_r, pump_n=pump_n, pump_q0=pump_q0, pump_qmax=pump_qmax,
        pump_hmax=pump_hmax, pump_curve=pump_curve, pump_pat=pump_pat,
        valve_link=valve_link, tank_node=tank_node, node_tank=node_tank, tank_area=t_area,
        tank_hmin=t_hmin, tank_hmax=t_hmax, tank_h0=t_h0, tank_vmin=t_vmin,
        tank_vmax=t_vmax, tank_v0=t_v0, tank_vcurve=t_vcurve, tank_pat=t_pat,
        tank_overflow=t_over, dem_ptr=dem_ptr, dem_base=np.asarray(dem_base, dtype=float),
        dem_pat=np.asarray(dem_pat, dtype=np.int64), ke=ke, pat_ptr=pat_ptr, pat_val=pat_val,
        cur_ptr=cur_ptr, cur_x=cur_x, cur_y=cur_y, adj_ptr=adj_ptr, adj_link=adj_link,
        status_link=status_link,
        **leak, **oleak,
    )

    # ---- options -----------------------------------------------------------------------
    unbal = str(hyd.unbalanced).upper()
    if unbal == "STOP":
        extraiter = -1
    else:
        extraiter = int(hyd.unbalanced_value or 0)
    times = _time_options(wn)
    viscos_rel = float(hyd.viscosity)
    viscos = viscos_rel * 1.1e-5 if viscos_rel > 1.0e-3 else viscos_rel
    pda = str(hyd.demand_model).upper() in ("PDA", "PDD")
    pmin = u.pressure_ft(hyd.minimum_pressure) if pda else 0.0
    preq = u.pressure_ft(hyd.required_pressure) if pda else 0.1
    if pda:
        # wntr writes MINIMUM/REQUIRED PRESSURE with 2 decimals; EPANET reads those
        pmin = round(u.file_value(hyd.minimum_pressure, HydParam.Pressure), 2) / u.pressure
        preq_user = max(round(u.file_value(hyd.required_pressure, HydParam.Pressure), 2), 0.1)
        preq = preq_user / u.pressure
    opt = Options(
        formflag=formflag, hexp=hexp, qexp=qexp, viscos=viscos, hacc=float(hyd.accuracy),
        htol=0.0005, qtol=0.0001, rqtol=1.0e-7, maxiter=int(hyd.trials),
        extraiter=extraiter, checkfreq=int(hyd.checkfreq), maxcheck=int(hyd.maxcheck),
        damplimit=float(hyd.damplimit),
        head_error_limit=float(hyd.headerror) / u.length if hyd.headerror else 0.0,
        flow_change_limit=float(hyd.flowchange) / u.flow if hyd.flowchange else 0.0,
        dmult=float(hyd.demand_multiplier), demand_model=C.PDA if pda else C.DDA,
        pmin=pmin, preq=preq, pexp=float(hyd.pressure_exponent),
        ucf_flow=u.flow, ucf_head=u.length, ucf_pressure=u.pressure, ucf_demand=u.flow,
        tshift=0, has_leakage=has_leakage, report_head_error=0, **times,
    )

    sm = ctl = rules = None
    if structure:
        sm = build_structure(nj, n1, n2)
        ctl = compile_controls(wn, node_index, link_index, net, u)
        rules = compile_rules(wn, node_index, link_index, net, u)
    return CompiledNetwork(
        net=net, opt=opt, sm=sm, ctl=ctl, rules=rules, node_names=node_names,
        link_names=link_names, junction_names=junctions, units=u, node_index=node_index,
        link_index=link_index, pipe_roughness_si=rough_si, warnings=tuple(warn),
    )


def _pipe_leakage(pipe_leakage, link_index, length_ft, n1, n2, nj, nl, u):
    """EPANET 2.3 FAVAD pipe leakage as per-link and per-junction coefficients.

    Whole pipe: Q = Cd*sqrt(2g) * (A0 + m*h) * sqrt(h), A0 = leak area per 100 m times the
    number of 100-m sections, m = area expansion per m of head per 100 m. EPANET 2.3 gives
    half of a pipe to each end junction, or the whole pipe to the junction when the other
    end is a tank or reservoir.
    """
    from .leakage_units import favad_coefficients

    ca = np.zeros(nl)
    ce = np.zeros(nl)
    sa = np.zeros(nj)
    se = np.zeros(nj)
    if pipe_leakage is not None and len(pipe_leakage):
        for name, row in pipe_leakage.iterrows():
            k = link_index.get(name)
            if k is None:
                continue
            ca[k], ce[k] = favad_coefficients(float(row["leak_area_mm2_per_100m"]),
                                              float(row["leak_expansion_mm2_per_m"]),
                                              length_ft[k])
            a, b = n1[k], n2[k]
            share = 0.5 if (a < nj and b < nj) else 1.0
            for n in (a, b):
                if n < nj:
                    sa[n] += share * ca[k]
                    se[n] += share * ce[k]
    cfa, cva = static_leak_coefficients(sa, se)
    return dict(leak_ca=ca, leak_ce=ce, jleak_sa=sa, jleak_se=se, jleak_cfa=cfa, jleak_cva=cva)


def _orifice_leaks(wn, node_index, nj):
    """Junction orifice leaks defined with WNTR's ``add_leak`` (area, Cd, start/end times).

    Q = Cd * A * sqrt(2 g p) with WNTR's g = 9.81 m/s2, converted to cfs/ft^0.5.
    """
    nodes, cs, starts, ends = [], [], [], []
    for name in wn.junction_name_list:
        node = wn.get_node(name)
        area = getattr(node, "leak_area", 0.0) or 0.0
        if not getattr(node, "leak", False) or area <= 0.0:
            continue
        cd = float(node.leak_discharge_coeff)
        c_si = cd * area * math.sqrt(2.0 * 9.81)            # m3/s per m^0.5
        nodes.append(node_index[name])
        cs.append(c_si * math.sqrt(0.3048) / 0.3048 ** 3)   # cfs per ft^0.5
        starts.append(_leak_time(wn, node, "start"))
        ends.append(_leak_time(wn, node, "end"))
    return dict(oleak_node=np.asarray(nodes, dtype=np.int64), oleak_c=np.asarray(cs, dtype=float),
                oleak_start=np.asarray(starts, dtype=float),
                oleak_end=np.asarray(ends, dtype=float))


def _leak_time(wn, node, which: str) -> float:
    """Start/end time (s) of a WNTR node leak, from the controls ``add_leak`` created.

    WNTR semantics: without a start control the leak starts only if it is already on
    (``leak_status``); without an end control it never ends.
    """
    never = 1.0e18
    cname = getattr(node, f"_leak_{which}_control_name", None)
    if cname and cname in wn.control_name_list:
        thr = getattr(getattr(wn.get_control(cname), "_condition", None), "_threshold", None)
        if thr is not None:
            return float(thr)
    if which == "start":
        return 0.0 if getattr(node, "leak_status", False) else never
    return never


def _category_demands_cfs(cn: CompiledNetwork, time_s: int, pattern_start_s: int):
    """Demand of every demand category at one time (cfs): base x pattern x multiplier."""
    net, opt = cn.net, cn.opt
    pat = net.dem_pat
    p0 = net.pat_ptr[pat]
    plen = net.pat_ptr[pat + 1] - p0
    period = (int(time_s) + pattern_start_s) // opt.pstep
    return net.dem_base * net.pat_val[p0 + period % plen] * opt.dmult


def demand_at(cn: CompiledNetwork, times_s, pattern_start_s: int | None = None) -> np.ndarray:
    """Demand every junction asks for at each time, m3/s: the project's one ``demand_at``.

    Base demand x pattern multiplier x demand multiplier, summed over the junction's demand
    categories (no pressure effect; emitters and leaks excluded).

    Parameters
    ----------
    cn : CompiledNetwork
    times_s : array-like of int
        Simulation times, s.
    pattern_start_s : int, optional
        Pattern time at simulation time 0; the compiled network's by default.

    Returns
    -------
    numpy.ndarray
        Shape (times, junctions), junctions in ``cn.junction_names`` order.
    """
    net = cn.net
    pstart = cn.opt.pstart if pattern_start_s is None else int(pattern_start_s)
    times = np.atleast_1d(np.asarray(times_s, dtype=np.int64))
    owner = np.repeat(np.arange(net.nj), np.diff(net.dem_ptr))
    out = np.zeros((len(times), net.nj))
    for r, t in enumerate(times):
        out[r] = np.bincount(owner, weights=_category_demands_cfs(cn, t, pstart),
                             minlength=net.nj)
    return out * cn.units.cfs_to_m3s()


def total_demand_m3s(cn: CompiledNetwork, times_s) -> np.ndarray:
    """Total junction demand asked for (m3/s) at each time in ``times_s`` (s).

    Positive demands only, demand multiplier applied, as EPANET's system demand.
    """
    times = np.atleast_1d(np.asarray(times_s, dtype=np.int64))
    out = np.zeros(len(times))
    for r, t in enumerate(times):
        d = _category_demands_cfs(cn, t, cn.opt.pstart)
        out[r] = d[d > 0].sum()
    return out * cn.units.cfs_to_m3s()
