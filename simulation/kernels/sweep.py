"""Single-period solves with modifications, warm-started from a base state (for sweeps).

Entry points release the GIL (``nogil=True``) so a Python thread pool can run one work
state per core.
"""

from __future__ import annotations

from numba import njit

from .constants import CLOSED, GPV, MISSING, PUMP
from .eps import controls, demands, init_hydraulics
from .solver import hydsolve


@njit(cache=True, error_model="numpy")
def copy_into(dst, src):
    """Copy every array of state ``src`` into ``dst`` (same shapes)."""
    dst.head[:] = src.head
    dst.flow[:] = src.flow
    dst.status[:] = src.status
    dst.setting[:] = src.setting
    dst.pcoef[:] = src.pcoef
    dst.ycoef[:] = src.ycoef
    dst.node_demand[:] = src.node_demand
    dst.demand_flow[:] = src.demand_flow
    dst.emitter_flow[:] = src.emitter_flow
    dst.leak_flow[:] = src.leak_flow
    dst.leak_qfa[:] = src.leak_qfa
    dst.leak_qva[:] = src.leak_qva
    dst.leak_cfa[:] = src.leak_cfa
    dst.leak_cva[:] = src.leak_cva
    dst.xflow[:] = src.xflow
    dst.tank_v[:] = src.tank_v
    dst.supplied[:] = src.supplied
    dst.drained[:] = src.drained
    dst.comp[:] = src.comp
    dst.conducting[:] = src.conducting
    dst.fs[:] = src.fs
    dst.iscal[:] = src.iscal
    dst.yw[:] = 0.0


@njit(cache=True, error_model="numpy")
def close_link(net, st, k):
    """Close link k for the solve (pumps get speed 0, control valves a fixed status)."""
    st.status[k] = CLOSED
    t = net.ltype[k]
    if t == PUMP:
        st.setting[k] = 0.0
    elif t > PUMP and t != GPV:
        st.setting[k] = MISSING


@njit(cache=True, error_model="numpy", nogil=True)
def solve_modified(net, opt, sm, ctl, st, base, extra_nodes, extra_q, closed_links,
                   cold=False):
    """One snapshot solve: base state + extra junction demands (cfs) + closed links.

    Demands and time controls are those of the base solve's time (``opt.pstart``).
    ``cold`` restarts from EPANET's initial flows and statuses instead of the base
    solution (a network with more than one hydraulic solution then gives the one
    EPANET finds). Returns (iterations, relative error, error code).
    """
    copy_into(st, base)
    if cold:
        init_hydraulics(net, opt, st)
    demands(net, opt, st, 0)
    for j in range(len(extra_nodes)):
        n = extra_nodes[j]
        st.node_demand[n] += extra_q[j]
        st.demand_flow[n] += extra_q[j]
    controls(net, opt, st, ctl, 0)
    for j in range(len(closed_links)):
        close_link(net, st, closed_links[j])
    return hydsolve(net, opt, sm, ctl, st)


@njit(cache=True, error_model="numpy", nogil=True)
def sweep_closures(net, opt, sm, ctl, st, base, links, pmin_ft, out_low, out_unsup, out_err,
                   out_iter, out_unserved):
    """Close each link of ``links`` in turn (one case each) from the base state.

    Per case: ``out_low[c, i]`` True when junction i is supplied with pressure head below
    ``pmin_ft``; ``out_unsup[c, i]`` True when junction i is cut off; error code,
    iterations, and the demand asked for but not delivered, summed over junctions (cfs).
    """
    empty_n = links[:0]
    empty_q = base.head[:0]
    one = links[:1].copy()
    for c in range(len(links)):
        one[0] = links[c]
        it, rel, err = solve_modified(net, opt, sm, ctl, st, base, empty_n, empty_q, one)
        out_err[c] = err
        out_iter[c] = it
        short = 0.0
        for i in range(net.nj):
            full = st.demand_flow[i]
            if full > 0.0:
                # node_demand holds delivered demand + emitter + leak outflow
                got = st.node_demand[i] - st.emitter_flow[i] - st.leak_flow[i]
                short += max(full - got, 0.0)
        out_unserved[c] = short
        for i in range(net.nj):
            sup = st.supplied[i]
            out_unsup[c, i] = not sup
            out_low[c, i] = sup and (st.head[i] - net.el[i]) < pmin_ft
