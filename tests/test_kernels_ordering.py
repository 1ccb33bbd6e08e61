"""The reduced minimum-degree ordering (trees and chains first) of big junction matrices."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from simulation.kernels.linalg import (
    REDUCED_ORDER_MIN_NJ,
    _fill,
    _upper_pattern,
    build_structure,
    ldl_numeric,
    ldl_solve,
)
from simulation.kernels.ordering import _mmd, _symmetric_adjacency, reduced_min_degree_order


def _city_like(side, chain, trees, seed):
    """A grid whose streets are chains of ``chain`` junctions, trees hanging off the
    crossings, a detached ring joined by one pipe, and one link to a fixed node."""
    rng = np.random.default_rng(seed)
    n1, n2 = [], []
    n = side * side

    def link(a, b):
        n1.append(a)
        n2.append(b)

    def street(a, b):
        nonlocal n
        prev = a
        for _ in range(chain):
            link(prev, n)
            prev = n
            n += 1
        link(prev, b)

    for r in range(side):
        for c in range(side):
            v = r * side + c
            if c + 1 < side:
                street(v, v + 1)
            if r + 1 < side:
                street(v, v + side)
    for _ in range(trees):  # branches of 1-4 junctions hanging off random junctions
        prev = int(rng.integers(0, n))
        for _ in range(int(rng.integers(1, 5))):
            link(prev, n)
            prev = n
            n += 1
    ring = list(range(n, n + 12))
    n += 12
    for i in range(12):
        link(ring[i], ring[(i + 1) % 12])
    link(ring[0], 0)
    link(0, n)  # the fixed-grade node
    return n, np.array(n1), np.array(n2), rng


def _fill_of(nj, i_rows, j_cols, perm):
    iperm = np.empty(nj, dtype=np.int64)
    iperm[perm] = np.arange(nj)
    ap, ai = _upper_pattern(nj, i_rows, j_cols, iperm)
    return _fill(nj, ap, ai)[0]


def test_reduced_order_is_a_permutation_with_minimum_degree_fill():
    nj, n1, n2, _ = _city_like(30, 2, 1500, seed=1)
    jj = n2 < nj
    i_rows, j_cols = n1[jj], n2[jj]
    perm = reduced_min_degree_order(nj, i_rows, j_cols)
    assert np.array_equal(np.sort(perm), np.arange(nj))
    full = _mmd(nj, _symmetric_adjacency(nj, i_rows, j_cols))
    assert _fill_of(nj, i_rows, j_cols, perm) <= 1.05 * _fill_of(nj, i_rows, j_cols, full)


def test_big_network_structure_solves_like_scipy():
    nj, n1, n2, rng = _city_like(30, 2, 1500, seed=2)
    assert nj >= REDUCED_ORDER_MIN_NJ  # the reduced ordering is the one used
    sm = build_structure(nj, n1, n2)
    p = rng.uniform(0.1, 10.0, len(n1))
    ax = np.zeros(len(sm.ai))
    rows, cols, vals = [], [], []
    for k in range(len(n1)):
        a, b = n1[k], n2[k]
        for x in (a, b):
            if x < nj:
                ax[sm.diag_pos[x]] += p[k]
                rows.append(x)
                cols.append(x)
                vals.append(p[k])
        if sm.link_pos[k] >= 0:
            ax[sm.link_pos[k]] -= p[k]
            rows += [a, b]
            cols += [b, a]
            vals += [-p[k], -p[k]]
    lx = np.zeros(max(int(sm.lp[-1]), 1))
    d = np.zeros(nj)
    y = np.zeros(nj)
    assert ldl_numeric(nj, sm.ap, sm.ai, ax, sm.lp, sm.rp, sm.rc, sm.rpos, sm.li, lx, d,
                       y) == -1
    b = rng.normal(size=nj)
    x = b[sm.perm].copy()
    ldl_solve(nj, sm.lp, sm.li, lx, d, x)
    ours = np.empty(nj)
    ours[sm.perm] = x
    ref = spla.spsolve(sp.csc_matrix((vals, (rows, cols)), shape=(nj, nj)), b)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-10)
