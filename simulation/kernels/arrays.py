"""The frozen arrays the kernels take: network, options and the matrix's symbolic structure.

Exports ``NetArrays``, ``Options`` and ``SparseStructure`` (NamedTuples of NumPy arrays and
scalars, in EPANET's internal units). The compile step (``simulation.compile``) fills them;
``kernels.structs`` packs them for numba; ``kernels.linalg`` builds ``SparseStructure``.
Defined here, below both, so that no kernel imports the compile step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class NetArrays(NamedTuple):
    """Static network arrays (internal units). Indices are 0-based."""

    nj: int
    nn: int
    nl: int
    el: np.ndarray            # node elevation / reservoir base head (ft)
    n1: np.ndarray            # link start node
    n2: np.ndarray            # link end node
    ltype: np.ndarray         # link type code
    diam: np.ndarray          # link diameter (ft)
    length: np.ndarray        # link length (ft)
    km: np.ndarray            # minor loss coefficient on Q^2 basis (ft/cfs^2)
    kc: np.ndarray            # roughness (pipes, DW in ft), initial setting (pumps/valves)
    status0: np.ndarray       # initial status code
    rcoef: np.ndarray         # resistance coefficient (EPANET Link.R)
    link_pump: np.ndarray     # pump index of link or -1
    link_curve: np.ndarray    # GPV headloss curve index or -1
    pump_link: np.ndarray
    pump_type: np.ndarray
    pump_h0: np.ndarray
    pump_r: np.ndarray
    pump_n: np.ndarray
    pump_q0: np.ndarray
    pump_qmax: np.ndarray
    pump_hmax: np.ndarray
    pump_curve: np.ndarray    # head curve index or -1
    pump_pat: np.ndarray      # speed pattern index or -1
    valve_link: np.ndarray
    tank_node: np.ndarray     # node index of each tank/reservoir
    node_tank: np.ndarray     # tank index of node or -1
    tank_area: np.ndarray     # ft2 (0 for reservoirs)
    tank_hmin: np.ndarray
    tank_hmax: np.ndarray
    tank_h0: np.ndarray
    tank_vmin: np.ndarray
    tank_vmax: np.ndarray
    tank_v0: np.ndarray
    tank_vcurve: np.ndarray   # volume curve index or -1
    tank_pat: np.ndarray      # reservoir head pattern or -1
    tank_overflow: np.ndarray
    dem_ptr: np.ndarray       # CSR over junctions of demand categories
    dem_base: np.ndarray      # cfs
    dem_pat: np.ndarray       # pattern index (default pattern resolved)
    ke: np.ndarray            # emitter headloss coefficient per junction (0 = none)
    pat_ptr: np.ndarray
    pat_val: np.ndarray
    cur_ptr: np.ndarray
    cur_x: np.ndarray
    cur_y: np.ndarray
    adj_ptr: np.ndarray       # node -> incident links (CSR)
    adj_link: np.ndarray
    status_link: np.ndarray   # links whose status check can change them (CV, pump, FCV, tank)
    leak_ca: np.ndarray       # pipe leakage, whole pipe, fixed area: Cd*sqrt(2g)*A0 (cfs/ft^0.5)
    leak_ce: np.ndarray       # pipe leakage, whole pipe, expansion: Cd*sqrt(2g)*m (cfs/ft^1.5)
    jleak_sa: np.ndarray      # per junction: sum of its pipes' fixed-area coefficients
    jleak_se: np.ndarray      # per junction: sum of its pipes' expansion coefficients
    jleak_cfa: np.ndarray     # inverted jleak_sa: h = cfa * q^2 (ft, cfs; 0 = none)
    jleak_cva: np.ndarray     # inverted jleak_se: h = cva * q^(2/3) (ft, cfs; 0 = none)
    oleak_node: np.ndarray    # orifice leaks (WNTR add_leak): junction index
    oleak_c: np.ndarray       # Cd*A*sqrt(2g) (cfs/ft^0.5)
    oleak_start: np.ndarray   # s
    oleak_end: np.ndarray     # s


class Options(NamedTuple):
    """Scalar solver and time options (internal units, seconds)."""

    formflag: int
    hexp: float
    qexp: float
    viscos: float
    hacc: float
    htol: float
    qtol: float
    rqtol: float
    maxiter: int
    extraiter: int
    checkfreq: int
    maxcheck: int
    damplimit: float
    head_error_limit: float
    flow_change_limit: float
    dmult: float
    demand_model: int
    pmin: float
    preq: float
    pexp: float
    dur: int
    hstep: int
    pstep: int
    pstart: int
    rstep: int
    rstart: int
    rulestep: int
    tstart: int
    ucf_flow: float
    ucf_head: float
    ucf_pressure: float
    ucf_demand: float
    tshift: int               # s added to the clock for time-limited leaks (snapshots)
    has_leakage: int          # 1 if any pipe or orifice leak exists
    report_head_error: int    # 1: compute the max head error at convergence (diagnostics;
    #                           EPANET does it for its status report; off by default)


class SparseStructure(NamedTuple):
    """Symbolic structure of the junction head matrix (upper CSC of P A P^T)."""

    iperm: np.ndarray         # junction -> matrix row
    perm: np.ndarray          # matrix row -> junction
    ap: np.ndarray
    ai: np.ndarray
    diag_pos: np.ndarray      # junction -> position of its diagonal in ax
    link_pos: np.ndarray      # link -> position of its off-diagonal in ax (-1 if none)
    parent: np.ndarray        # elimination tree
    lp: np.ndarray            # column pointers of L
    rp: np.ndarray            # row-pattern pointers of L
    rc: np.ndarray            # row-pattern columns
    rpos: np.ndarray          # storage position of each row-pattern entry
    li: np.ndarray            # row index of each stored entry of L
