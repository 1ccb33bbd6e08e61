"""Spare capacity: the largest extra demand a junction can take with every customer at pressure.

Exports :func:`spare_capacity` (one node, the contract), :func:`spare_capacity_map` (every
junction, a table), :func:`capacity_layer` (the table as a GIS layer), :class:`SpareCapacity`
(the reusable search object both use), :func:`peak_demand_time_s` (re-exported from
:mod:`simulation`) and
:func:`reference_bisection` (the plain bisection the benchmarks and tests compare with).

Definition
----------
The spare capacity of junction ``n`` is the largest constant extra demand ``q`` (m3/s) at
``n`` such that, in a single-period demand-driven solve at pattern time ``time_s`` (tanks at
their initial levels), ``n`` itself and every junction with a positive base demand that met
``min_pressure_m`` without the extra demand stay at or above ``min_pressure_m``. It is 0 when
``n`` is below the minimum (or cut off) already. A solve that fails (not converged,
ill-conditioned) counts as a violation.

Method
------
One :class:`simulation.SteadyStateSolver` (compiled once, base case solved once) and its
:meth:`~simulation.SteadyStateSolver.max_extra_demand` search, with the junctions of positive
base demand that meet the minimum in the base case as the protected ones. The search is the
core's (a numba kernel in :mod:`simulation`, two threads by default):

1. first-order estimate from the base linearisation: ``q1 = min_i (p_i - pmin) / |dp_i/dq|``
   over the governing junctions (one triangular solve with the base factorisation);
2. model steps on ``g(q) = min_i (p_i(q) - pmin)``: each is one nonlinear single-period
   solve (from EPANET's initial state by default, see :class:`SpareCapacity` ``start``),
   then one triangular solve with that solution's factorisation for the slope of the
   limiting junction; the next guess is the root of ``g0 + s0 q - b q**m`` fitted to that
   junction's base margin and slope and to its margin and slope at the current ``q`` (a
   parabola or Newton when the fit fails), aimed ``rtol / 4`` past the predicted root so
   that the bracket closes; bisection whenever a guess leaves the bracket or a solve fails;
3. stop when the bracket ``[lo, hi]`` (``lo`` feasible, ``hi`` not) satisfies
   ``hi - lo <= max(rtol * hi, atol)``; return ``lo``.

This module adds the definition of a customer (positive base demand), names, the table and
the map layer; it calls only :mod:`simulation`'s public API.

:func:`reference_bisection` uses the same stopping rule (default ``rtol = 1e-3``,
``atol = 1e-7`` m3/s) from the bracket found by doubling 1 L/s, so both return a feasible
value within 0.1 % below the true boundary.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from models import wntr_model
from simulation import (
    ExtraDemandResult,
    SteadyStateSolver,
    compile_network,
    peak_demand_time_s,
)
from simulation.standards import MIN_SERVICE_HEAD_M

from .errors import ConnectionInputError

DEFAULT_RTOL = 1e-3
DEFAULT_ATOL_M3S = 1e-7
DEFAULT_QMAX_M3S = 10.0

STATUS = dict(ExtraDemandResult.STATUS)
"""Codes of the ``status`` column of :func:`spare_capacity_map` (the core's)."""


def reference_bisection(feasible: Callable[[float], bool], *, rtol: float = DEFAULT_RTOL,
                        atol_m3s: float = DEFAULT_ATOL_M3S, q_start_m3s: float = 1e-3,
                        q_max_m3s: float = DEFAULT_QMAX_M3S) -> tuple[float, int]:
    """Plain bisection for the largest feasible extra demand (the reference method).

    Checks ``feasible(0)``; doubles ``q_start_m3s`` until infeasible (bracket); bisects until
    ``hi - lo <= max(rtol * hi, atol_m3s)``; returns ``lo``. Same stopping rule as
    :class:`SpareCapacity`.

    Parameters
    ----------
    feasible : callable
        ``feasible(q_m3s) -> bool``: one solve with ``q_m3s`` extra at the node.

    Returns
    -------
    (float, int)
        Capacity (m3/s) and the number of ``feasible`` calls.
    """
    calls = 1
    if not feasible(0.0):
        return 0.0, calls
    lo, q = 0.0, q_start_m3s
    while True:
        calls += 1
        if not feasible(q):
            break
        lo = q
        if q >= q_max_m3s:
            return q_max_m3s, calls
        q = min(2.0 * q, q_max_m3s)
    hi = q
    while hi - lo > max(rtol * hi, atol_m3s):
        mid = 0.5 * (lo + hi)
        calls += 1
        if feasible(mid):
            lo = mid
        else:
            hi = mid
    return lo, calls


def _positive_demand(wn, names) -> np.ndarray:
    out = np.zeros(len(names), dtype=bool)
    for i, name in enumerate(names):
        j = wn.get_node(name)
        out[i] = sum(d.base_value for d in j.demand_timeseries_list) > 0.0
    return out


class SpareCapacity:
    """Spare-capacity searches on one network at one time (compiled and solved once).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    min_pressure_m : float
        Minimum pressure the node and the governing junctions must keep, m.
    time_s : int, optional
        Pattern time of the solve, s; :func:`peak_demand_time_s` when None.
    rtol, atol_m3s : float
        Stopping rule ``hi - lo <= max(rtol * hi, atol_m3s)`` (relative 1e-3 on q).
    q_max_m3s : float
        Search limit, m3/s (status "at search limit" when it is reached).
    start : {"cold", "flows", "previous"}
        Starting point of every nonlinear solve. ``"cold"`` (default): EPANET's own start
        of a single-period run (initial statuses and settings, flows of 1 ft/s), so each
        solve is exactly the EPANET single-period solve the definition names, whatever
        happened before; networks whose valves admit several solutions (C-Town) give
        EPANET's. ``"flows"``: initial statuses and settings with the base case's flows;
        ``"previous"``: with the flows of the previous solve at the same junction (what
        EPANET's ``ENinitH(0)`` does in a bisection loop). Both re-solve cold when a solve
        fails, need about 25 % fewer iterations, and agree with ``"cold"`` within 0.5 % on
        C-Town.

    Attributes
    ----------
    solver : simulation.SteadyStateSolver
        The demand-driven base case at ``time_s``.
    governing : numpy.ndarray of bool
        Per junction (solver order): positive base demand, supplied and at or above the
        minimum in the base case.
    """

    def __init__(self, net, min_pressure_m: float = MIN_SERVICE_HEAD_M,
                 time_s: int | None = None, *,
                 rtol: float = DEFAULT_RTOL, atol_m3s: float = DEFAULT_ATOL_M3S,
                 q_max_m3s: float = DEFAULT_QMAX_M3S, start: str = "cold"):
        if not (math.isfinite(min_pressure_m) and min_pressure_m >= 0):
            raise ConnectionInputError("min_pressure_m", f"must be >= 0, got {min_pressure_m!r}")
        wn = wntr_model(net)
        compiled = compile_network(wn, getattr(net, "pipe_leakage", None))  # compiled once
        self.time_s = peak_demand_time_s(compiled) if time_s is None else int(time_s)
        self.min_pressure_m = float(min_pressure_m)
        self.rtol, self.atol_m3s, self.q_max_m3s = float(rtol), float(atol_m3s), float(q_max_m3s)
        self.solver = SteadyStateSolver(compiled, self.time_s, demand_model="DDA")
        nj = len(self.solver.junction_names)
        base = self.solver.base
        self.junction_names = list(self.solver.junction_names)
        self.governing = (_positive_demand(wn, self.junction_names) & base.supplied[:nj]
                          & (base.pressure_m[:nj] >= self.min_pressure_m))
        if start not in ("cold", "flows", "previous"):
            raise ConnectionInputError(
                "start", f"must be 'cold', 'flows' or 'previous', got {start!r}")
        self.start = start

    def _index(self, node: str) -> int:
        try:
            i = self.solver.node_index(node)
        except KeyError:
            raise ConnectionInputError("node", f"unknown node {node!r}") from None
        if i >= len(self.junction_names):
            raise ConnectionInputError("node", f"{node!r} is a tank or reservoir, not a junction")
        return i

    def at(self, node: str) -> float:
        """Spare capacity of one junction, m3/s."""
        return float(self.table([node], threads=1)["spare_capacity_m3s"].iloc[0])

    def table(self, nodes: Iterable[str] | None = None, threads: int = 2) -> pd.DataFrame:
        """Spare capacity of many junctions (all by default).

        Parameters
        ----------
        nodes : iterable of str, optional
            Junction names; every junction when None.
        threads : int
            Worker threads (each with its own solver state; the kernel releases the GIL).

        Returns
        -------
        pandas.DataFrame
            Index ``node``; columns ``spare_capacity_m3s`` (the feasible end of the final
            bracket), ``spare_capacity_l_s``, ``first_order_m3s`` (the linear estimate, inf
            when nothing limits it), ``upper_m3s`` (infeasible end), ``base_pressure_m``,
            ``limiting_node`` (junction that falls short first; "" if none), ``solves``
            (nonlinear solves), ``iterations`` (their Newton iterations), ``status`` (see
            :data:`STATUS`), ``governing`` (the node counts as a customer).
            ``attrs``: ``time_s``, ``min_pressure_m``, ``rtol``, ``atol_m3s``, ``elapsed_s``.

        Notes
        -----
        Junctions are searched in breadth-first order over the network, in chunks of 64 (one
        task each on the thread pool); a search's first guess uses its predecessor's result,
        so a junction's value can differ (within the tolerance) with the list it is part of,
        never with the number of threads.
        """
        t0 = time.perf_counter()
        names = self.junction_names if nodes is None else list(nodes)
        idx = np.array([self._index(n) for n in names], dtype=np.int64)
        res = self.solver.max_extra_demand(
            idx, self.min_pressure_m, protected=self.governing, rtol=self.rtol,
            atol_m3s=self.atol_m3s, q_max_m3s=self.q_max_m3s, start=self.start,
            threads=threads)
        q = np.array(res.extra_demand_m3s)
        table = pd.DataFrame({
            "spare_capacity_m3s": q,
            "spare_capacity_l_s": q * 1e3,
            "first_order_m3s": np.array(res.first_order_m3s),
            "upper_m3s": np.array(res.upper_m3s),
            "base_pressure_m": np.array(res.base_pressure_m),
            "limiting_node": list(res.limiting_node),
            "solves": np.array(res.solves),
            "iterations": np.array(res.iterations),
            "status": res.status_names,
            "governing": self.governing[idx],
        }, index=pd.Index(names, name="node", dtype=object))
        table.attrs.update(time_s=self.time_s, min_pressure_m=self.min_pressure_m,
                           rtol=self.rtol, atol_m3s=self.atol_m3s,
                           elapsed_s=time.perf_counter() - t0)
        return table


def spare_capacity(net, node, min_pressure_m=MIN_SERVICE_HEAD_M, time_s=None) -> float:
    """Largest constant extra demand (m3/s) at ``node`` that keeps customers at pressure.

    In a single-period demand-driven solve at ``time_s`` (default: the pattern time of peak
    total demand in the first 24 h; tanks at their initial levels), ``node`` itself and every
    junction with a positive base demand that met ``min_pressure_m`` before the extra demand
    all stay at or above ``min_pressure_m``. 0.0 when none fits. Relative tolerance 1e-3 (the
    value returned is feasible and within 0.1 % of the boundary).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    node : str
        A junction.
    min_pressure_m : float
        m.
    time_s : int, optional
        Pattern time, s.

    Returns
    -------
    float
        m3/s.

    Raises
    ------
    ConnectionInputError
        Unknown node, or not a junction.
    """
    return SpareCapacity(net, min_pressure_m, time_s).at(node)


def spare_capacity_map(net, min_pressure_m: float = MIN_SERVICE_HEAD_M,
                       time_s: int | None = None, *,
                       nodes: Iterable[str] | None = None, ledger=None, placement=None,
                       policy=None, threads: int = 2, rtol: float = DEFAULT_RTOL) -> pd.DataFrame:
    """Spare capacity of every junction, as a table (see :meth:`SpareCapacity.table`).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    min_pressure_m, time_s
        As for :func:`spare_capacity`.
    nodes : iterable of str, optional
        Only these junctions.
    ledger : Ledger, optional
        Approved-but-not-connected applications are connected (on a copy) first, so the map
        shows what is left; their tap and customer junctions appear in the table too.
    placement : gis.Placement, optional
        Where the network lies (for the ledger's locations and the ``x_m``/``y_m``
        columns); the ledger's, else ``gis.kunming_placement(net)``.
    policy : Policy, optional
        Snapping rules for the ledger's applications.
    threads : int
    rtol : float

    Returns
    -------
    pandas.DataFrame
        The columns of :meth:`SpareCapacity.table` plus ``x_m``, ``y_m`` (in
        ``attrs["crs"]``) and ``application_id`` (the ledger application that added the
        junction, "" for the network's own).
    """
    from .tap import committed_network, resolve_placement

    placement = resolve_placement(net, ledger, placement)
    work, added = net, {}
    if ledger is not None:
        work, added = committed_network(net, ledger, placement, policy)
    table = SpareCapacity(work, min_pressure_m, time_s, rtol=rtol).table(nodes, threads)
    wn = wntr_model(work)
    xy = np.array([wn.get_node(n).coordinates for n in table.index], dtype=float).reshape(-1, 2)
    placed = placement.to_target(xy) if len(xy) else np.zeros((0, 2))
    table["x_m"] = placed[:, 0]
    table["y_m"] = placed[:, 1]
    table["application_id"] = [added.get(n, "") for n in table.index]
    table.attrs["crs"] = placement.crs
    return table


def capacity_layer(table: pd.DataFrame, crs: str | None = None) -> gpd.GeoDataFrame:
    """The spare-capacity table as a point layer (one point per junction).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`spare_capacity_map` (needs ``x_m``, ``y_m``).
    crs : str, optional
        Defaults to ``table.attrs["crs"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        Same index and columns, Point geometry; write it with ``gis.write_layers``.
    """
    crs = crs or table.attrs.get("crs")
    geometry = gpd.points_from_xy(table["x_m"], table["y_m"])
    layer = gpd.GeoDataFrame(table.copy(), geometry=geometry, crs=crs)
    layer.attrs = {k: v for k, v in table.attrs.items() if k != "crs"}
    return layer
