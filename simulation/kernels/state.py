"""Mutable solver state: plain arrays, allocated once per run (or per worker in sweeps)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# indices into State.fs (float scalars)
F_RELAX = 0
F_DSYSTEM = 1
F_RELERR = 2
F_MAXHERR = 3
F_MAXQCHG = 4
F_DEMRED = 5
F_LEAKAGE = 6
NFS = 8

# indices into State.iscal (int scalars)
I_HTIME = 0
I_RTIME = 1
I_ITER = 2
I_HALT = 3
I_ERRNODE = 4
I_DEFICIENT = 5
I_ISLANDS_DIRTY = 6
I_NUNSUPPLIED = 7
I_BADVALVES = 8
NIS = 10


class State(NamedTuple):
    """Hydraulic state in internal units; every array is owned by one run."""

    head: np.ndarray          # nn, ft
    flow: np.ndarray          # nl, cfs
    status: np.ndarray        # nl, status code
    setting: np.ndarray       # nl
    pcoef: np.ndarray         # nl, 1/headloss gradient
    ycoef: np.ndarray         # nl, headloss/gradient
    node_demand: np.ndarray   # nn: junction full demand (outflow after a solve); tank inflow
    demand_flow: np.ndarray   # nj: delivered demand during a solve (full demand after it)
    emitter_flow: np.ndarray  # nj
    leak_flow: np.ndarray     # nj: pipe leakage + orifice leaks leaving each junction
    leak_qfa: np.ndarray      # nj: fixed-area (sqrt-law) leakage flow
    leak_qva: np.ndarray      # nj: expanding-area (power 1.5) leakage flow
    leak_cfa: np.ndarray      # nj: inverted coefficient, h = cfa * qfa^2 (0 = none)
    leak_cva: np.ndarray      # nj: inverted coefficient, h = cva * qva^(2/3) (0 = none)
    leak_hfa: np.ndarray      # nj: fixed-area leakage head loss (ft) at the matrix's qfa
    leak_gfa: np.ndarray      # nj: its gradient (ft/cfs), reused by the flow update
    leak_hva: np.ndarray      # nj: expanding-area leakage head loss (ft) at the matrix's qva
    leak_gva: np.ndarray      # nj: its gradient (ft/cfs)
    xflow: np.ndarray         # nn
    tank_v: np.ndarray        # ntank, ft3
    ax: np.ndarray            # matrix values (upper CSC)
    rhs: np.ndarray           # nj, right-hand side by junction
    xw: np.ndarray            # nj, permuted solve vector
    lx: np.ndarray            # values of L (pattern in SparseStructure)
    dd: np.ndarray            # diagonal D
    yw: np.ndarray            # LDL work vector, all zero between factorisations
    supplied: np.ndarray      # nn bool: connected to a tank or reservoir
    drained: np.ndarray       # nn bool: unsupplied and its island draws water
    comp: np.ndarray          # nn int: island label of unsupplied junctions (-1 otherwise)
    comp_sum: np.ndarray      # nn float work array (boundary head sums per island)
    comp_cnt: np.ndarray      # nn int work array
    queue: np.ndarray         # nn int work array
    conducting: np.ndarray    # nl bool: last conducting state used for islands
    fs: np.ndarray            # float scalars (see F_*)
    iscal: np.ndarray         # int scalars (see I_*)


def new_state(net, sm) -> State:
    """Allocate a zeroed state for a compiled network."""
    nn, nl, nj = net.nn, net.nl, net.nj
    ntank = len(net.tank_node)
    nnz_l = int(sm.lp[-1]) if len(sm.lp) else 0
    return State(
        head=np.zeros(nn), flow=np.zeros(nl), status=np.zeros(nl, dtype=np.int64),
        setting=np.zeros(nl), pcoef=np.zeros(nl), ycoef=np.zeros(nl),
        node_demand=np.zeros(nn), demand_flow=np.zeros(nj), emitter_flow=np.zeros(nj),
        leak_flow=np.zeros(nj), leak_qfa=np.zeros(nj), leak_qva=np.zeros(nj),
        leak_cfa=np.zeros(nj), leak_cva=np.zeros(nj), leak_hfa=np.zeros(nj),
        leak_gfa=np.zeros(nj), leak_hva=np.zeros(nj), leak_gva=np.zeros(nj), xflow=np.zeros(nn), tank_v=np.zeros(ntank),
        ax=np.zeros(len(sm.ai)), rhs=np.zeros(nj), xw=np.zeros(nj),
        lx=np.zeros(max(nnz_l, 1)), dd=np.zeros(nj), yw=np.zeros(nj),
        supplied=np.ones(nn, dtype=np.bool_), drained=np.zeros(nn, dtype=np.bool_),
        comp=-np.ones(nn, dtype=np.int64), comp_sum=np.zeros(nn),
        comp_cnt=np.zeros(nn, dtype=np.int64), queue=np.zeros(nn, dtype=np.int64),
        conducting=np.zeros(nl, dtype=np.bool_),
        fs=np.zeros(NFS), iscal=np.zeros(NIS, dtype=np.int64),
    )


def copy_state(st: State) -> State:
    """Deep copy (warm starts for sweeps)."""
    return State(*(a.copy() for a in st))
