"""Closure branches: what closing some links over [s, s + D) costs, for many starts s.

The exact answer for one start is an extended-period simulation from time 0 with the
links closed over the window. Up to s that simulation *is* the baseline (nothing closed),
so :func:`closure_branches` runs the baseline once and, at every start, copies its state
(tank volumes, link statuses and settings, flows, the report clock) into a work state that
runs on with the links held closed until s + D: ``horizon + n_starts x D`` hydraulic steps
instead of ``sum(s + D)``, with the same steps (and so the same results) as the full
simulations. The numba kernel is :mod:`simulation.kernels.branches`; it composes the
core's own step functions and adds nothing to their physics.

Exports :func:`closure_branches` and its result :class:`BranchCosts`. Called by
``planning.shutdowns.window`` (the least-harm start of a shutdown).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .compile import CompiledNetwork, compile_network
from .kernels.branches import (
    COL_ERROR,
    COL_LOW,
    COL_NO_WATER,
    COL_NOT_CONVERGED,
    COL_UNSERVED,
    N_COLS,
    branch_costs,
)
from .kernels.state import copy_state, new_state
from .kernels.structs import pack_state
from .results import ReadOnlyArrays
from .simulator import model_parts
from .units import MPERFT

FT3_TO_M3 = MPERFT ** 3


@dataclass(frozen=True)
class BranchCosts(ReadOnlyArrays):
    """Costs of one closure at every start, from :func:`closure_branches`.

    Every array has one entry per start, in the order of ``starts_s``, and is read-only.
    Costs are summed over the report times r with ``s <= r < s + D``, each weighted by the
    report step (rectangles). "Weight" is the per-junction weight given to
    :func:`closure_branches` (e.g. customer accounts: weight-seconds are then
    customer-seconds).

    Attributes
    ----------
    starts_s : numpy.ndarray of int64
        Closure starts, s of simulation time.
    duration_s : int
        Closure length D, s.
    no_water_weight_s, below_min_weight_s : numpy.ndarray
        With the closure: weight-seconds without water (cut off from every source, or a
        pressure head at or below ``no_water_pressure_m``), and supplied but below
        ``min_pressure_m``.
    unserved_m3 : numpy.ndarray
        With the closure: demand asked for but not delivered (pressure-driven shortfall and
        cut-off junctions), m3.
    baseline_no_water_weight_s, baseline_below_min_weight_s, baseline_unserved_m3
        The same costs of the baseline (nothing closed) over the same window.
    excess_no_water_weight_s, excess_below_min_weight_s, excess_unserved_m3
        With the closure minus the baseline: what the closure causes.
    error_code : numpy.ndarray of int64
        0 every step converged; 1 some step did not converge (the run went on);
        >= 100 the solver failed (the costs stop there); -1 the start was not a
        hydraulic step (cannot happen for starts on the report grid).
    not_converged_steps : numpy.ndarray of int64
        Branch steps that did not converge.
    """

    starts_s: np.ndarray
    duration_s: int
    no_water_weight_s: np.ndarray
    below_min_weight_s: np.ndarray
    unserved_m3: np.ndarray
    baseline_no_water_weight_s: np.ndarray
    baseline_below_min_weight_s: np.ndarray
    baseline_unserved_m3: np.ndarray
    excess_no_water_weight_s: np.ndarray
    excess_below_min_weight_s: np.ndarray
    excess_unserved_m3: np.ndarray
    error_code: np.ndarray
    not_converged_steps: np.ndarray

    def __len__(self) -> int:
        return len(self.starts_s)

    @property
    def failed(self) -> np.ndarray:
        """Starts whose branch (or the baseline before them) the solver gave up on."""
        return self.error_code >= 100

    @property
    def converged(self) -> np.ndarray:
        """Starts whose every step converged."""
        return self.error_code == 0

    def to_frame(self) -> pd.DataFrame:
        """Every array as a column; index ``start_s``."""
        cols = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("starts_s", "duration_s")}
        return pd.DataFrame(cols, index=pd.Index(self.starts_s, name="start_s"))


def _weights(cn: CompiledNetwork, weights) -> np.ndarray:
    if weights is None:
        return np.ones(cn.net.nj)
    if isinstance(weights, pd.Series):
        return weights.reindex(cn.junction_names).fillna(0).to_numpy(dtype=float)
    if isinstance(weights, Mapping):
        return np.array([float(weights.get(n, 0.0)) for n in cn.junction_names])
    w = np.asarray(weights, dtype=float)
    if w.shape != (cn.net.nj,):
        raise ValueError(f"weights: expected {cn.net.nj} values (one per junction, in "
                         f"compiled order), got shape {w.shape}")
    return w


def _check_times(cn: CompiledNetwork, starts: np.ndarray, duration_s: int) -> None:
    rstep, rstart = int(cn.opt.rstep), int(cn.opt.rstart)
    if duration_s <= 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    if rstep <= 0 or rstart % rstep:
        raise ValueError(f"the report step ({rstep} s) must be positive and divide the "
                         f"report start ({rstart} s)")
    if len(starts) and starts.min() < 0:
        raise ValueError("starts_s must not be negative")
    off = starts[starts % rstep != 0]
    if len(off):
        raise ValueError(f"every start must be a multiple of the report step ({rstep} s); "
                         f"{int(off[0])} s is not")


def closure_branches(net, closed_links, starts_s, duration_s: int, weights=None, *,
                     no_water_pressure_m: float, min_pressure_m: float,
                     threads: int = 2) -> BranchCosts:
    """Cost of closing ``closed_links`` over [s, s + D) for every start s, in one pass.

    Equivalent to one extended-period simulation per start with the links closed at s
    and reopened at s + D (as time controls would), minus the baseline over the same
    window, at the cost of one baseline and ``len(starts_s) x D`` of branch steps. The
    links are held closed in every step of a branch (controls and rules cannot reopen
    them). Runs go to ``max(starts_s) + duration_s`` whatever the model's duration; the
    model's report step sets where costs are sampled.

    Parameters
    ----------
    net : CompiledNetwork, models.Network or wntr.network.WaterNetworkModel
        Compiled here unless already compiled (:func:`compile_network`); never modified.
    closed_links : iterable of str
        Link names closed in every branch.
    starts_s : array-like of int
        Closure starts, s of simulation time; each a multiple of the report step (the
        report start must be one too). Any order; repeats allowed.
    duration_s : int
        Closure length D, s (> 0).
    weights : pandas.Series, mapping, array-like or None
        Weight of each junction in the "weight-seconds" costs (e.g. customer accounts):
        by junction name (missing junctions weigh 0), or an array in
        ``compiled.junction_names`` order. ``None``: 1 per junction.
    no_water_pressure_m : float
        Pressure head (m, head minus elevation) at or below which a junction counts as
        without water.
    min_pressure_m : float
        Minimum service pressure head, m.
    threads : int
        Worker threads; each runs its own baseline and takes every ``threads``-th start
        (the kernel releases the GIL).

    Returns
    -------
    BranchCosts

    Raises
    ------
    KeyError
        Unknown link name.
    ValueError
        A start off the report grid, a negative start or a non-positive duration.
    """
    cn = net if isinstance(net, CompiledNetwork) else compile_network(*model_parts(net))
    closed = np.array([cn.link_index[n] for n in closed_links], dtype=np.int64)
    starts_in = np.asarray(starts_s, dtype=np.int64).reshape(-1)
    duration_s = int(duration_s)
    _check_times(cn, starts_in, duration_s)
    cust = _weights(cn, weights)
    order = np.argsort(starts_in, kind="stable")
    starts = starts_in[order]
    out_sorted, base_sorted = _run(cn, closed, starts, duration_s, cust,
                                   float(no_water_pressure_m) / MPERFT,
                                   float(min_pressure_m) / MPERFT, threads)
    out = np.empty_like(out_sorted)
    out[order] = out_sorted
    basewin = np.empty_like(base_sorted)
    basewin[order] = base_sorted
    excess = out[:, :3] - basewin
    return BranchCosts(
        starts_s=starts_in.copy(), duration_s=duration_s,
        no_water_weight_s=out[:, COL_NO_WATER].copy(),
        below_min_weight_s=out[:, COL_LOW].copy(),
        unserved_m3=out[:, COL_UNSERVED] * FT3_TO_M3,
        baseline_no_water_weight_s=basewin[:, COL_NO_WATER].copy(),
        baseline_below_min_weight_s=basewin[:, COL_LOW].copy(),
        baseline_unserved_m3=basewin[:, COL_UNSERVED] * FT3_TO_M3,
        excess_no_water_weight_s=excess[:, COL_NO_WATER].copy(),
        excess_below_min_weight_s=excess[:, COL_LOW].copy(),
        excess_unserved_m3=excess[:, COL_UNSERVED] * FT3_TO_M3,
        error_code=out[:, COL_ERROR].astype(np.int64),
        not_converged_steps=out[:, COL_NOT_CONVERGED].astype(np.int64),
    )


def _run(cn: CompiledNetwork, closed, starts, dur_s: int, cust, pmin_ft: float,
         plow_ft: float, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """The kernel over ``threads`` threads (sorted starts dealt round-robin).

    Returns the branch costs (starts x N_COLS, internal units) and the baseline's over
    each branch's window (starts x 3).
    """
    rstep = int(cn.opt.rstep)
    n = len(starts)
    if n == 0:
        return np.zeros((0, N_COLS)), np.zeros((0, 3))
    n_rep = int((starts.max() + dur_s) // rstep + 1)
    out = np.zeros((n, N_COLS))
    threads = max(1, min(int(threads), n))
    groups = [np.arange(g, n, threads) for g in range(threads)]
    bases = [np.zeros((n_rep, N_COLS)) for _ in groups]
    template = new_state(cn.net, cn.sm)
    args = cn.kernel_args

    def work(g):
        idx = groups[g]
        st = pack_state(copy_state(template))
        wk = pack_state(copy_state(template))
        part = np.zeros((len(idx), N_COLS))
        branch_costs(*args, st, wk, closed, starts[idx], dur_s, cust, pmin_ft, plow_ft,
                     part, bases[g])
        out[idx] = part

    if threads == 1:
        work(0)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, range(threads)))
    base = np.maximum.reduce(bases) if len(bases) > 1 else bases[0]
    cum = np.vstack([np.zeros((1, 3)), np.cumsum(base[:, :3], axis=0)])
    first = starts // rstep
    last = (starts + dur_s + rstep - 1) // rstep
    return out, cum[last] - cum[first]
