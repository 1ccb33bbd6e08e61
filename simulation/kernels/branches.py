"""Hot-started branches: the cost of a closure for every candidate start, in one pass.

The exact answer for "what does closing these links over [s, s + D) cost" is an extended
period simulation from the start of the horizon with the closure applied over that
window. Up to s that simulation *is* the baseline (nothing is closed yet), so the
baseline is run once, and at every candidate start s its state (tank volumes, link
statuses and settings, flows) is copied into a work state that runs on, with the links
closed, until s + D. The branch's steps are the ones the full simulation would take, so
its results are the full simulation's (tested against it), at a cost of
``horizon + n_starts x D`` hydraulic steps instead of ``sum(s + D)``.

The kernel composes the hydraulic core's own step functions (demands, controls, the GGA
solve, the time step with tanks and rules); it adds nothing to their physics.

Exports :func:`branch_costs` (numba, releases the GIL) and the column indices ``COL_*``
of its output. Called by ``simulation.branches`` (the public entry point,
:func:`simulation.closure_branches`, which runs it on threads and converts units).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .eps import controls, demands, init_hydraulics, timestep
from .solver import hydsolve
from .state import I_RTIME
from .sweep import close_link, copy_into

COL_NO_WATER = 0      # customer-seconds without water
COL_LOW = 1           # customer-seconds supplied but below the minimum pressure
COL_UNSERVED = 2      # demand not served, ft3 (internal units)
COL_ERROR = 3         # 0 ok, 1 some step not converged, >= 100 solver failure, -1 not reached
COL_NOT_CONVERGED = 4  # number of branch steps that did not converge
N_COLS = 5


@njit(cache=True, error_model="numpy")
def _solve_at(net, opt, sm, ctl, st, htime, closed):
    demands(net, opt, st, htime)
    controls(net, opt, st, ctl, htime)
    for j in range(len(closed)):
        close_link(net, st, closed[j])
    return hydsolve(net, opt, sm, ctl, st)


@njit(cache=True, error_model="numpy")
def _score(net, opt, st, customers, pmin_ft, plow_ft, out, c):
    no_water = 0.0
    low = 0.0
    unserved = 0.0
    for i in range(net.nj):
        p = st.head[i] - net.el[i]
        if (not st.supplied[i]) or p <= pmin_ft:
            no_water += customers[i]
        elif p < plow_ft:
            low += customers[i]
        d = st.demand_flow[i] - (st.node_demand[i] - st.emitter_flow[i] - st.leak_flow[i])
        if d > 0.0:
            unserved += d
    out[c, COL_NO_WATER] += no_water * opt.rstep
    out[c, COL_LOW] += low * opt.rstep
    out[c, COL_UNSERVED] += unserved * opt.rstep


@njit(cache=True, error_model="numpy", nogil=True)
def branch_costs(net, opt, sm, ctl, rules, st, work, closed, starts, dur_s, customers,
                 pmin_ft, plow_ft, out, base_out):
    """Baseline run with a closure branch at every start; fills ``out`` (starts x N_COLS).

    Parameters
    ----------
    net, opt, sm, ctl, rules
        A compiled network's ``kernel_args`` (``simulation.compile_network``);
        ``opt.rstep`` must divide every start and ``dur_s`` (report times are where costs
        are sampled).
    st, work
        Two packed states (``pack_state(new_state(...))``).
    closed : int64 array
        Link indices closed in every branch.
    starts : int64 array, increasing
        Branch start times, s from the run's start.
    dur_s : int
        Branch length, s.
    customers : float array (junctions)
    pmin_ft : float
        Pressure head (ft) at or below which a junction draws nothing.
    plow_ft : float
        Minimum service pressure head (ft).
    out : float array (len(starts), N_COLS), zeroed
        Costs summed over the report times r with s <= r < s + D, each weighted by the
        report step: customer-seconds without water (unsupplied, or pressure at or below
        ``pmin_ft``), customer-seconds below ``plow_ft`` (supplied, above ``pmin_ft``),
        unserved demand volume (ft3).
    base_out : float array (n_reports, N_COLS), zeroed
        The same costs of the baseline at each report time ``r * rstep`` (rstart 0) up to
        ``starts[-1] + dur_s``.

    Returns
    -------
    int
        0, or the solver error code (>= 100) that stopped the baseline.
    """
    nl = net.nl
    a_rule = -np.ones(nl, dtype=np.int64)
    a_idx = -np.ones(nl, dtype=np.int64)
    a_else = -np.ones(nl, dtype=np.int64)
    no_links = closed[:0]
    init_hydraulics(net, opt, st)
    htime = 0
    c = 0
    ns = len(starts)
    stop = starts[ns - 1] + dur_s if ns > 0 else 0
    while True:
        while c < ns and starts[c] < htime:
            out[c, COL_ERROR] = -1.0
            c += 1
        while c < ns and starts[c] == htime:
            copy_into(work, st)
            bt = htime
            end = htime + dur_s
            while True:
                it, rel, err = _solve_at(net, opt, sm, ctl, work, bt, closed)
                if err >= 100:
                    out[c, COL_ERROR] = err
                    break
                if err == 1:
                    out[c, COL_NOT_CONVERGED] += 1.0
                    out[c, COL_ERROR] = 1.0
                if (bt - opt.rstart) % opt.rstep == 0:
                    _score(net, opt, work, customers, pmin_ft, plow_ft, out, c)
                bt += timestep(net, opt, work, ctl, rules, bt, a_rule, a_idx, a_else)
                if bt >= work.iscal[I_RTIME]:
                    work.iscal[I_RTIME] += opt.rstep
                if bt >= end:
                    break
            c += 1
        if c >= ns and htime >= stop:
            break
        it, rel, err = _solve_at(net, opt, sm, ctl, st, htime, no_links)
        if err >= 100:
            for r in range(c, ns):
                out[r, COL_ERROR] = err
            return err
        if htime % opt.rstep == 0 and htime // opt.rstep < base_out.shape[0]:
            _score(net, opt, st, customers, pmin_ft, plow_ft, base_out, htime // opt.rstep)
        if htime >= stop:
            break
        htime += timestep(net, opt, st, ctl, rules, htime, a_rule, a_idx, a_else)
        if htime >= st.iscal[I_RTIME]:
            st.iscal[I_RTIME] += opt.rstep
    return 0

