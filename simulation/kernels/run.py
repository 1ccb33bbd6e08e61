"""The extended-period driver: one compiled call runs a whole simulation."""

from __future__ import annotations

import numpy as np
from numba import njit

from .eps import init_hydraulics, run_period, timestep
from .state import F_DEMRED, F_MAXHERR, I_DEFICIENT, I_HALT, I_NUNSUPPLIED, I_RTIME

# columns of the per-step diagnostics table
D_TIME = 0
D_ITER = 1
D_RELERR = 2
D_ERR = 3
D_UNSUPPLIED = 4
D_MAXHERR = 5
D_DEMRED = 6
D_DEFICIENT = 7
ND = 8


@njit(cache=True, error_model="numpy")
def _grow(a):
    b = np.empty((a.shape[0] * 2, a.shape[1]))
    b[: a.shape[0]] = a
    return b


@njit(cache=True, error_model="numpy")
def _save(net, st, r, o_head, o_dem, o_flow, o_status, o_setting, o_sup, o_leak):
    for n in range(net.nn):
        o_head[r, n] = st.head[n]
        o_dem[r, n] = st.node_demand[n]
        o_sup[r, n] = 1 if st.supplied[n] else 0
    for i in range(net.nj):
        o_leak[r, i] = st.leak_flow[i]
    for k in range(net.nl):
        o_flow[r, k] = st.flow[k]
        o_status[r, k] = st.status[k]
        o_setting[r, k] = st.setting[k]


@njit(cache=True, error_model="numpy")
def _save_leak(net, st, r, o_leak):
    for i in range(net.nj):
        o_leak[r, i] = st.leak_flow[i]


@njit(cache=True, error_model="numpy", nogil=True)
def run_eps(net, opt, sm, ctl, rules, st, nrep, o_head, o_dem, o_flow, o_status,
            o_setting, o_sup, o_leak, o_rep_step, warm_flow, full=True):
    """Run the whole extended period.

    Results at report times go to the ``o_*`` arrays (row r = report time
    ``rstart + r * rstep``); ``o_rep_step[r]`` is the index of the hydraulic step whose
    solution was reported. ``warm_flow`` (empty, or one flow per link in cfs) replaces
    EPANET's initial flows of open links, e.g. with a base run's solution. With
    ``full=False`` only ``o_leak`` (junction leakage, cfs) and ``o_rep_step`` are written
    (the other ``o_*`` arrays may then be empty). Returns (diagnostics array
    [nsteps, ND], number of reports written, error code of the last step).
    """
    diag = np.zeros((64, ND))
    nstep = 0
    act_rule = -np.ones(net.nl, dtype=np.int64)
    act_idx = -np.ones(net.nl, dtype=np.int64)
    act_else = -np.ones(net.nl, dtype=np.int64)
    init_hydraulics(net, opt, st)
    if len(warm_flow) == net.nl:
        for k in range(net.nl):
            if st.status[k] > 2:  # not closed
                st.flow[k] = warm_flow[k]
    htime = 0
    r = 0
    rep_t = opt.rstart
    last_err = 0
    while True:
        it, relerr, err = run_period(net, opt, sm, ctl, st, htime)
        if nstep == diag.shape[0]:
            diag = _grow(diag)
        diag[nstep, D_TIME] = htime
        diag[nstep, D_ITER] = it
        diag[nstep, D_RELERR] = relerr
        diag[nstep, D_ERR] = err
        diag[nstep, D_UNSUPPLIED] = st.iscal[I_NUNSUPPLIED]
        diag[nstep, D_MAXHERR] = st.fs[F_MAXHERR]
        diag[nstep, D_DEMRED] = st.fs[F_DEMRED]
        diag[nstep, D_DEFICIENT] = st.iscal[I_DEFICIENT]
        nstep += 1
        last_err = err
        if err >= 100:
            break
        if err == 1 and opt.extraiter == -1:
            st.iscal[I_HALT] = 1
        if r < nrep and htime >= rep_t:
            if full:
                _save(net, st, r, o_head, o_dem, o_flow, o_status, o_setting, o_sup, o_leak)
            else:
                _save_leak(net, st, r, o_leak)
            o_rep_step[r] = nstep - 1
            r += 1
            rep_t += opt.rstep
        if st.iscal[I_HALT] == 1 or htime >= opt.dur:
            break
        tstep = timestep(net, opt, st, ctl, rules, htime, act_rule, act_idx, act_else)
        htime += tstep
        if htime >= st.iscal[I_RTIME]:
            st.iscal[I_RTIME] += opt.rstep
    return diag[:nstep], r, last_err
