"""Sparse LDL^T factorisation of the junction head matrix.

Symbolic work (fill-reducing ordering, elimination tree, column counts) is done once per
network in :func:`build_structure`; every Newton iteration only refills the values and calls
:func:`ldl_numeric` and :func:`ldl_solve` (up-looking LDL^T, as in T. Davis's LDL algorithm).
The ordering is a minimum-degree ordering of A + A^T taken from SuperLU (MMD), compared
with reverse Cuthill-McKee; the one with less fill is kept. Above ``REDUCED_ORDER_MIN_NJ``
junctions the trees and chains are ordered first by graph walks and minimum degree runs
on the reduced core only (:mod:`.ordering`; less than half the time, about the same fill),
with no comparison.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import reverse_cuthill_mckee
from scipy.sparse.linalg import splu

from .arrays import SparseStructure
from .ordering import reduced_min_degree_order

REDUCED_ORDER_MIN_NJ = 5000
"""From this many junctions on, the reduced minimum-degree ordering alone is used."""


@njit(cache=True, error_model="numpy")
def _etree_counts(n, ap, ai, parent, lnz, flag):
    """Elimination tree and column counts of L for an upper-CSC pattern (rows < col)."""
    for k in range(n):
        parent[k] = -1
        flag[k] = k
        lnz[k] = 0
        for p in range(ap[k], ap[k + 1]):
            i = ai[p]
            if i < k:
                while flag[i] != k:
                    if parent[i] == -1:
                        parent[i] = k
                    lnz[i] += 1
                    flag[i] = k
                    i = parent[i]


def _upper_pattern(nj, i_rows, j_cols, iperm):
    """Upper-triangular CSC pattern (with diagonal) of P A P^T; duplicates merged."""
    a = iperm[i_rows]
    b = iperm[j_cols]
    rows = np.minimum(a, b)
    cols = np.maximum(a, b)
    rows = np.concatenate([rows, np.arange(nj)])
    cols = np.concatenate([cols, np.arange(nj)])
    m = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(nj, nj)).tocsc()
    m.sum_duplicates()
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int64)


@njit(cache=True, error_model="numpy")
def _row_patterns(n, ap, ai, parent, lp):
    """Static row patterns of L: for row k the columns i < k with L(k,i) != 0 (sorted)
    and where each entry is stored in the column-ordered value array.

    Returns (rp, rc, rpos, li): CSR of row patterns, storage positions, row indices.
    """
    lnz = np.zeros(n, dtype=np.int64)
    flag = -np.ones(n, dtype=np.int64)
    nnz = lp[n]
    li = np.zeros(max(nnz, 1), dtype=np.int64)
    rp = np.zeros(n + 1, dtype=np.int64)
    rc = np.zeros(max(nnz, 1), dtype=np.int64)
    rpos = np.zeros(max(nnz, 1), dtype=np.int64)
    buf = np.zeros(n, dtype=np.int64)
    cnt = 0
    for k in range(n):
        flag[k] = k
        m = 0
        for p in range(ap[k], ap[k + 1]):
            i = ai[p]
            while flag[i] != k:
                buf[m] = i
                m += 1
                flag[i] = k
                i = parent[i]
        row = np.sort(buf[:m])
        for j in range(m):
            i = row[j]
            pos = lp[i] + lnz[i]
            li[pos] = k
            lnz[i] += 1
            rc[cnt] = i
            rpos[cnt] = pos
            cnt += 1
        rp[k + 1] = cnt
    return rp, rc, rpos, li


def _fill(nj, ap, ai):
    parent = np.empty(nj, dtype=np.int64)
    lnz = np.empty(nj, dtype=np.int64)
    flag = np.empty(nj, dtype=np.int64)
    _etree_counts(nj, ap, ai, parent, lnz, flag)
    return int(lnz.sum()), parent, lnz


def _candidate_orderings(nj, i_rows, j_cols):
    """Yield candidate permutations perm[new] = old (minimum degree last: usually best)."""
    if nj < 3 or len(i_rows) == 0:
        yield np.arange(nj, dtype=np.int64)
        return
    if nj >= REDUCED_ORDER_MIN_NJ:
        yield reduced_min_degree_order(nj, i_rows, j_cols)
        return
    lap = sp.coo_matrix((np.ones(len(i_rows)), (i_rows, j_cols)), shape=(nj, nj))
    lap = (lap + lap.T).tocsr()
    if nj <= 20000:  # cheap alternatives; minimum degree wins on large networks anyway
        yield np.arange(nj, dtype=np.int64)
        yield np.asarray(reverse_cuthill_mckee(lap, symmetric_mode=True), dtype=np.int64)
    try:
        deg = np.asarray(abs(lap).sum(axis=1)).ravel()
        spd = (sp.diags(deg + 1.0) - lap * 0.5).tocsc()
        lu = splu(spd, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                  options={"SymmetricMode": True})
        yield np.asarray(lu.perm_c, dtype=np.int64).argsort().astype(np.int64)
        yield np.asarray(lu.perm_c, dtype=np.int64)
    except Exception:  # pragma: no cover - SuperLU failure only loses one candidate
        return


def build_structure(nj, n1, n2):
    """Symbolic analysis of the junction matrix.

    Parameters
    ----------
    nj : int
        Number of junctions (unknown heads); junctions are nodes ``0..nj-1``.
    n1, n2 : numpy.ndarray of int
        Start and end node of every link.

    Returns
    -------
    SparseStructure
    """

    jj = (n1 < nj) & (n2 < nj) & (n1 != n2)
    i_rows = n1[jj]
    j_cols = n2[jj]
    best = None
    candidates = list(_candidate_orderings(nj, i_rows, j_cols))
    for perm in candidates:
        if len(perm) != nj or (nj and np.bincount(perm, minlength=nj).max() != 1):
            continue
        if len(candidates) == 1:  # nothing to compare: skip the fill count
            best = (0, perm)
            break
        iperm = np.empty(nj, dtype=np.int64)
        iperm[perm] = np.arange(nj)
        ap, ai = _upper_pattern(nj, i_rows, j_cols, iperm)
        fill, parent, lnz = _fill(nj, ap, ai)
        if best is None or fill < best[0]:
            best = (fill, perm)
    perm = best[1]
    if nj > 1:
        # a postorder of the elimination tree keeps the fill and improves memory locality
        iperm = np.empty(nj, dtype=np.int64)
        iperm[perm] = np.arange(nj)
        ap, ai = _upper_pattern(nj, i_rows, j_cols, iperm)
        _, parent, _ = _fill(nj, ap, ai)
        perm = perm[_postorder(parent)]
    iperm = np.empty(nj, dtype=np.int64)
    iperm[perm] = np.arange(nj)
    ap, ai = _upper_pattern(nj, i_rows, j_cols, iperm)
    _, parent, lnz = _fill(nj, ap, ai)
    lp = np.zeros(nj + 1, dtype=np.int64)
    lp[1:] = np.cumsum(lnz)
    diag_pos, link_pos = _positions(nj, ap, ai, iperm, n1, n2, jj)
    rp, rc, rpos, li = _row_patterns(nj, ap, ai, parent, lp)
    return SparseStructure(iperm=iperm, perm=perm, ap=ap, ai=ai, diag_pos=diag_pos,
                           link_pos=link_pos, parent=parent, lp=lp, rp=rp, rc=rc, rpos=rpos,
                           li=li)


@njit(cache=True, error_model="numpy")
def _postorder(parent):
    """Postorder of a forest given by ``parent`` (-1 for roots); returns new -> old."""
    n = len(parent)
    head = -np.ones(n, dtype=np.int64)
    nxt = -np.ones(n, dtype=np.int64)
    for j in range(n - 1, -1, -1):
        p = parent[j]
        if p >= 0:
            nxt[j] = head[p]
            head[p] = j
    post = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    k = 0
    for root in range(n):
        if parent[root] != -1:
            continue
        top = 0
        stack[0] = root
        while top >= 0:
            p = stack[top]
            child = head[p]
            if child == -1:
                top -= 1
                post[k] = p
                k += 1
            else:
                head[p] = nxt[child]
                top += 1
                stack[top] = child
    return post


@njit(cache=True, error_model="numpy")
def _find(ai, start, stop, row):
    lo = start
    hi = stop
    while lo < hi:
        mid = (lo + hi) // 2
        if ai[mid] < row:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, error_model="numpy")
def _positions(nj, ap, ai, iperm, n1, n2, jj):
    """Value-array positions of each junction's diagonal and each link's off-diagonal."""
    diag_pos = np.empty(nj, dtype=np.int64)
    for j in range(nj):
        col = iperm[j]
        diag_pos[j] = _find(ai, ap[col], ap[col + 1], col)
    link_pos = -np.ones(len(n1), dtype=np.int64)
    for k in range(len(n1)):
        if not jj[k]:
            continue
        a = iperm[n1[k]]
        b = iperm[n2[k]]
        r = min(a, b)
        c = max(a, b)
        link_pos[k] = _find(ai, ap[c], ap[c + 1], r)
    return diag_pos, link_pos


@njit(cache=True, error_model="numpy")
def ldl_numeric(n, ap, ai, ax, lp, rp, rc, rpos, li, lx, d, y):
    """Numeric LDL^T of the upper-CSC matrix (ap, ai, ax) on a static pattern.

    Row k of L is a sparse triangular solve over the precomputed row pattern (columns in
    increasing order, a valid topological order). ``y`` must be all zero on entry and is
    left all zero. Returns -1 on success, or the (permuted) row whose pivot is not
    positive.
    """
    for k in range(n):
        for p in range(ap[k], ap[k + 1]):
            y[ai[p]] += ax[p]
        dk = y[k]
        y[k] = 0.0
        for q in range(rp[k], rp[k + 1]):
            i = rc[q]
            yi = y[i]
            y[i] = 0.0
            pend = rpos[q]
            for p in range(lp[i], pend):
                y[li[p]] -= lx[p] * yi
            lki = yi / d[i]
            dk -= lki * yi
            lx[pend] = lki
        d[k] = dk
        if not dk > 0.0:
            for j in range(k + 1, n):
                y[j] = 0.0
            return k
    return -1


@njit(cache=True, error_model="numpy")
def ldl_solve(n, lp, li, lx, d, x):
    """Solve L D L^T x = b in place (x holds b on entry)."""
    for j in range(n):
        xj = x[j]
        for p in range(lp[j], lp[j + 1]):
            x[li[p]] -= lx[p] * xj
    for j in range(n):
        x[j] /= d[j]
    for j in range(n - 1, -1, -1):
        s = x[j]
        for p in range(lp[j], lp[j + 1]):
            s -= lx[p] * x[li[p]]
        x[j] = s
