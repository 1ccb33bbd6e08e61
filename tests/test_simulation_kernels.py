"""Kernel-level checks: sparse LDL^T against SciPy, StructRef layouts, no model mutation."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import wntr

from benchmarks.networks import network_path
from simulation import NumbaSimulator
from simulation.compile import NetArrays, Options, SparseStructure
from simulation.controls import ControlArrays, RuleArrays
from simulation.kernels import structs
from simulation.kernels.linalg import build_structure, ldl_numeric, ldl_solve
from simulation.kernels.state import State


def _random_network(n, extra, seed):
    rng = np.random.default_rng(seed)
    # a spanning tree plus random extra edges, junctions 0..n-1, one fixed node n
    n1 = [int(rng.integers(0, i)) for i in range(1, n)]
    n2 = list(range(1, n))
    for _ in range(extra):
        a, b = rng.integers(0, n, 2)
        if a != b:
            n1.append(int(a))
            n2.append(int(b))
    n1.append(0)
    n2.append(n)  # link to the fixed-grade node
    return np.array(n1), np.array(n2), rng


def test_ldl_matches_scipy_on_random_spd_systems():
    for seed, (n, extra) in enumerate([(5, 2), (60, 40), (400, 300)]):
        n1, n2, rng = _random_network(n, extra, seed)
        sm = build_structure(n, n1, n2)
        p = rng.uniform(0.1, 10.0, len(n1))
        ax = np.zeros(len(sm.ai))
        dense = np.zeros((n, n))
        for k in range(len(n1)):
            a, b = n1[k], n2[k]
            for x in (a, b):
                if x < n:
                    ax[sm.diag_pos[x]] += p[k]
                    dense[x, x] += p[k]
            if sm.link_pos[k] >= 0:
                ax[sm.link_pos[k]] -= p[k]
                dense[a, b] -= p[k]
                dense[b, a] -= p[k]
        lx = np.zeros(max(int(sm.lp[-1]), 1))
        d = np.zeros(n)
        y = np.zeros(n)
        assert ldl_numeric(n, sm.ap, sm.ai, ax, sm.lp, sm.rp, sm.rc, sm.rpos, sm.li, lx, d,
                           y) == -1
        assert not y.any(), "work vector must be left zero"
        b = rng.normal(size=n)
        x = b[sm.perm].copy()
        ldl_solve(n, sm.lp, sm.li, lx, d, x)
        ours = np.empty(n)
        ours[sm.perm] = x
        ref = spla.spsolve(sp.csc_matrix(dense), b)
        assert np.allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_singular_matrix_is_reported_not_solved():
    n1, n2 = np.array([0, 1]), np.array([1, 2])  # node 2 is junction, nothing fixed
    sm = build_structure(3, n1, n2)
    ax = np.zeros(len(sm.ai))
    for k in range(2):
        for x in (n1[k], n2[k]):
            ax[sm.diag_pos[x]] += 1.0
        ax[sm.link_pos[k]] -= 1.0
    bad = ldl_numeric(3, sm.ap, sm.ai, ax, sm.lp, sm.rp, sm.rc, sm.rpos, sm.li,
                      np.zeros(max(int(sm.lp[-1]), 1)), np.zeros(3), np.zeros(3))
    assert bad >= 0


def test_struct_layouts_match_named_tuples():
    for nt, st_type in [(NetArrays, structs.NET_TYPE), (Options, structs.OPT_TYPE),
                        (SparseStructure, structs.SM_TYPE), (ControlArrays, structs.CTL_TYPE),
                        (RuleArrays, structs.RULES_TYPE), (State, structs.STATE_TYPE)]:
        assert list(st_type.field_dict) == list(nt._fields), nt.__name__


def test_simulator_never_mutates_the_model():
    wn = wntr.network.WaterNetworkModel(str(network_path("Net3")))
    wn.options.time.duration = 6 * 3600
    before = wn.to_dict()
    NumbaSimulator(wn).run_sim()
    assert wn.to_dict() == before
