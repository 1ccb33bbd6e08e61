"""Junctions cut off from every tank and reservoir (islands).

The one extension of the core over EPANET 2.2: each solve finds the connected components
of conducting links; components without a fixed-grade node are taken out of the equations
(no water is delivered there) instead of making the matrix singular.
"""

from __future__ import annotations

from numba import njit

from .constants import CLOSED, PUMP
from .state import I_NUNSUPPLIED


@njit(cache=True, error_model="numpy")
def link_conducts(ltype, status, setting, flow, ptype, pump_r):
    """True when a link can carry water (its coefficient is not EPANET's closed one)."""
    if status <= CLOSED:
        return False
    if ltype == PUMP and setting == 0.0:
        return False
    # an open constant-power pump conducts even at (near) zero flow, where EPANET caps
    # its gradient at CBIG: EPANET delivers the demand behind it (at a very high head)
    return True


@njit(cache=True, error_model="numpy")
def update_islands(net, opt, st, force):
    """Mark junctions connected to a tank/reservoir through conducting links.

    Unsupplied junctions get zero delivered demand; if their island draws water (positive
    demand, an emitter or a leak) they are *drained* (head = elevation + Pmin), otherwise
    they keep the trapped head EPANET would give them (mean of the heads across their
    closed boundary links). Returns the number of unsupplied junctions.
    """
    n_adj_link = net.adj_link
    n_adj_ptr = net.adj_ptr
    n_ke = net.ke
    n_link_pump = net.link_pump
    n_ltype = net.ltype
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    n_nl = net.nl
    n_nn = net.nn
    n_pump_r = net.pump_r
    n_pump_type = net.pump_type
    s_comp = st.comp
    s_conducting = st.conducting
    s_demand_flow = st.demand_flow
    s_drained = st.drained
    s_emitter_flow = st.emitter_flow
    s_flow = st.flow
    s_iscal = st.iscal
    s_leak_cfa = st.leak_cfa
    s_leak_cva = st.leak_cva
    s_leak_flow = st.leak_flow
    s_leak_qfa = st.leak_qfa
    s_leak_qva = st.leak_qva
    s_node_demand = st.node_demand
    s_queue = st.queue
    s_setting = st.setting
    s_status = st.status
    s_supplied = st.supplied
    nl = n_nl
    changed = force
    for k in range(nl):
        p = n_link_pump[k]
        ptype = n_pump_type[p] if p >= 0 else -1
        pr = n_pump_r[p] if p >= 0 else 0.0
        c = link_conducts(n_ltype[k], s_status[k], s_setting[k], s_flow[k], ptype, pr)
        if c != s_conducting[k]:
            s_conducting[k] = c
            changed = True
    if not changed:
        return s_iscal[I_NUNSUPPLIED]
    nj = n_nj
    nn = n_nn
    sup = s_supplied
    # give back demand to junctions that were cut off; those still cut off lose it again
    for i in range(nj):
        if not sup[i]:
            s_demand_flow[i] = s_node_demand[i]
            s_emitter_flow[i] = 1.0 if n_ke[i] > 0.0 else 0.0
            s_leak_qfa[i] = 0.001 if s_leak_cfa[i] > 0.0 else 0.0
            s_leak_qva[i] = 0.001 if s_leak_cva[i] > 0.0 else 0.0
    for n in range(nn):
        sup[n] = n >= nj
        s_drained[n] = False
        s_comp[n] = -1
    q = s_queue
    head = 0
    tail = 0
    for n in range(nj, nn):
        q[tail] = n
        tail += 1
    while head < tail:
        n = q[head]
        head += 1
        for p in range(n_adj_ptr[n], n_adj_ptr[n + 1]):
            k = n_adj_link[p]
            if not s_conducting[k]:
                continue
            m = n_n1[k] if n_n2[k] == n else n_n2[k]
            if not sup[m]:
                sup[m] = True
                q[tail] = m
                tail += 1
    nuns = 0
    for i in range(nj):
        if not sup[i]:
            nuns += 1
    s_iscal[I_NUNSUPPLIED] = nuns
    if nuns == 0:
        return 0
    # label islands of unsupplied junctions and decide whether each one drains
    ncomp = 0
    for s in range(nj):
        if sup[s] or s_comp[s] >= 0:
            continue
        head = 0
        tail = 1
        q[0] = s
        s_comp[s] = ncomp
        draws = False
        while head < tail:
            n = q[head]
            head += 1
            if (s_node_demand[n] > 0.0 or n_ke[n] > 0.0 or s_leak_cfa[n] > 0.0
                    or s_leak_cva[n] > 0.0):
                draws = True
            for p in range(n_adj_ptr[n], n_adj_ptr[n + 1]):
                k = n_adj_link[p]
                if not s_conducting[k]:
                    continue
                m = n_n1[k] if n_n2[k] == n else n_n2[k]
                if m < nj and s_comp[m] < 0 and not sup[m]:
                    s_comp[m] = ncomp
                    q[tail] = m
                    tail += 1
        if draws:
            for t in range(tail):
                s_drained[q[t]] = True
        ncomp += 1
    for i in range(nj):
        if not sup[i]:
            s_demand_flow[i] = 0.0
            s_emitter_flow[i] = 0.0
            s_leak_flow[i] = 0.0
            s_leak_qfa[i] = 0.0
            s_leak_qva[i] = 0.0
    for k in range(nl):
        if not (sup[n_n1[k]] and sup[n_n2[k]]):
            s_flow[k] = 0.0
    set_unsupplied_heads(net, opt, st)
    return nuns


@njit(cache=True, error_model="numpy")
def set_unsupplied_heads(net, opt, st):
    """Heads of unsupplied junctions.

    Drained islands: elevation + Pmin (what EPANET's PDA gives: no pressure, no water).
    Trapped islands (nothing draws water): the mean head across the island's boundary
    links, which is EPANET's answer for a zero-demand node behind closed links.
    """
    n_adj_link = net.adj_link
    n_adj_ptr = net.adj_ptr
    n_el = net.el
    n_n1 = net.n1
    n_n2 = net.n2
    n_nj = net.nj
    o_pmin = opt.pmin
    s_comp = st.comp
    s_comp_cnt = st.comp_cnt
    s_comp_sum = st.comp_sum
    s_drained = st.drained
    s_head = st.head
    s_supplied = st.supplied
    nj = n_nj
    sup = s_supplied
    for i in range(nj):
        s_comp_sum[i] = 0.0
        s_comp_cnt[i] = 0
    for i in range(nj):
        if sup[i] or s_drained[i]:
            continue
        c = s_comp[i]
        for p in range(n_adj_ptr[i], n_adj_ptr[i + 1]):
            k = n_adj_link[p]
            m = n_n1[k] if n_n2[k] == i else n_n2[k]
            if sup[m]:
                s_comp_sum[c] += s_head[m]
                s_comp_cnt[c] += 1
    for i in range(nj):
        if sup[i]:
            continue
        if s_drained[i]:
            s_head[i] = n_el[i] + o_pmin
            continue
        c = s_comp[i]
        if s_comp_cnt[c] > 0:
            s_head[i] = s_comp_sum[c] / s_comp_cnt[c]
        else:
            s_head[i] = n_el[i]


