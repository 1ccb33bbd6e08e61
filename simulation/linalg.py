"""Sparse LDL^T of a symmetric junction matrix: the core's solver, for linearised networks.

The hydraulic core solves every Newton iteration with these three functions (symbolic
analysis once per network, numeric factorisation and triangular solves every iteration, as
EPANET's ``smatrix.c`` / ``linsolve`` do). Planning code that builds its own symmetric
matrix on the same kind of graph (e.g. the Jacobian of a linearised network) uses them
through this module; they are the kernels themselves, so ``ldl_numeric`` and ``ldl_solve``
can be called from numba code.

Exports
-------
build_structure(nj, n1, n2) -> SparseStructure
    Symbolic analysis of the matrix whose off-diagonal pattern is the links ``n1[k]``-
    ``n2[k]`` between unknowns ``0..nj-1`` (ends >= nj are fixed heads and ignored):
    fill-reducing ordering (``perm[new] = old``, ``iperm``), upper-CSC pattern of the
    permuted matrix (``ap``, ``ai``), value positions of each unknown's diagonal
    (``diag_pos``) and each link's off-diagonal (``link_pos``, -1 when not a matrix entry),
    elimination tree (``parent``) and the pattern of L (``lp``, ``li``, ``rp``, ``rc``,
    ``rpos``). Plain Python.
ldl_numeric(n, ap, ai, ax, lp, rp, rc, rpos, li, lx, d, y) -> int
    Numeric factorisation A = L D L^T of the permuted upper-CSC values ``ax`` on that
    pattern; fills ``lx`` (len ``lp[n]``) and ``d`` (n); ``y`` is an all-zero work vector
    (n) and is left all zero. Returns -1 on success, else the (permuted) row whose pivot is
    not positive. numba, no allocation.
ldl_solve(n, lp, li, lx, d, x) -> None
    Solves L D L^T x = b in place (``x`` holds b, in permuted order, on entry). numba.

Units are the caller's: the functions are pure linear algebra.
"""

from .kernels.arrays import SparseStructure
from .kernels.linalg import build_structure, ldl_numeric, ldl_solve

__all__ = ["SparseStructure", "build_structure", "ldl_numeric", "ldl_solve"]
