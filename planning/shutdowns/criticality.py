"""Criticality: every pipe closed in turn, at the peak hour, pressure-driven.

For each pipe: customers left without water (cut off from every tank and reservoir),
customers pushed below the minimum pressure, and demand no longer served, all counted
against the base case at the same hour (what the closure *causes*). Single-period:
tanks at their initial levels, demand at the chosen hour (the peak by default).

Method. The closures are screened with the linearised network (``screen``): a closure
whose predicted head changes cannot move any junction across the minimum pressure is
answered from the base case (junctions it cuts off, found from the graph, lose their
water); the others are solved in full by the core
(``simulation.SteadyStateSolver.sweep_closures``, warm-started, threaded). Column
``method`` says which ("screened" / "solved"). ``screen=False`` solves all. Demand not
served is exact for solved closures that push junctions below the minimum (one more
solve each); otherwise it is the base-case delivery of the junctions cut off.

With a ``dask.distributed`` client the pipes are split into one chunk per worker; each
worker builds its own solver once and returns its chunk's table.

Exports :func:`criticality`, :func:`closure_sweep`, :class:`ClosureSweep`,
:class:`ClosureSweeper`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation import SteadyStateSolver, peak_demand_time_s
from simulation import codes as C

from ..service_level import MIN_SERVICE_PRESSURE_M
from .customers import customers_per_node
from .errors import ShutdownInputError
from .screen import ClosureScreener

COLUMNS = ("customers_without_water", "customers_below_min", "junctions_without_water",
           "junctions_below_min", "demand_not_served_m3s", "method", "error_code")


@dataclass(frozen=True)
class ClosureSweep:
    """Junction classification for every closure.

    Attributes
    ----------
    pipes : list of str
    junction_names : list of str
    low : numpy.ndarray of bool, shape (n_pipes, n_junctions)
        Supplied and below the minimum pressure.
    unsupplied : numpy.ndarray of bool, same shape
        Cut off from every tank and reservoir.
    error_code : numpy.ndarray of int
        Core error code per closure (0 solved or screened, 1 not converged, 110 failed).
    solved : numpy.ndarray of bool
        Closures solved in full (the rest were vouched for by the screen).
    base_low, base_unsupplied : numpy.ndarray of bool, shape (n_junctions,)
    """

    pipes: list
    junction_names: list
    low: np.ndarray
    unsupplied: np.ndarray
    error_code: np.ndarray
    solved: np.ndarray
    base_low: np.ndarray
    base_unsupplied: np.ndarray


class ClosureSweeper:
    """One network at one hour, ready to close pipes: solver, base case, screen data.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    time_s : int
        Pattern time of the snapshot, s.
    min_pressure_m : float
        Minimum service pressure, m.
    no_water_pressure_m, required_m : float
        Pressure-driven demand: nothing at or below / full demand from, m.
    pexp : float
        Pressure exponent.

    Attributes
    ----------
    solver : simulation.SteadyStateSolver
    timings_s : dict
        Wall time of the last :meth:`sweep`: ``screen_base`` (first sweep only: the
        linearised network and its factor), ``screen``, ``solve`` (full solves),
        ``n_solved``.
    """

    def __init__(self, net, time_s, min_pressure_m, no_water_pressure_m, required_m,
                 pexp=0.5):
        self.wn = getattr(net, "wn", net)
        self.min_pressure_m = float(min_pressure_m)
        self.pmin_m = float(no_water_pressure_m)
        self.preq_m = float(required_m)
        self.pexp = pexp
        self.time_s = int(time_s)
        self.solver = SteadyStateSolver(net, self.time_s, demand_model="PDA",
                                        minimum_pressure_m=self.pmin_m,
                                        required_pressure_m=self.preq_m,
                                        pressure_exponent=pexp)
        b = self.solver.base
        nj = len(self.solver.junction_names)
        self.nj = nj
        self.required = b.required_demand_m3s[:nj]
        self.delivered = np.clip(b.demand_m3s[:nj], 0.0, None)
        self.base_uns = ~b.supplied[:nj]
        self.base_low = b.supplied[:nj] & (b.pressure_m[:nj] < self.min_pressure_m)
        self._screen_base = None
        self._screener = None
        self.timings_s: dict = {}

    def screen_base(self) -> dict:
        """Base solution with link statuses (0 closed, 1 open, 2 active) and settings
        (pump speeds), in model order, from the solver's base state."""
        if self._screen_base is None:
            st = self.solver.base_state
            code = np.asarray(st.status)
            status = np.where(code <= C.CLOSED, 0, np.where(code == C.ACTIVE, 2, 1))
            nodes = list(self.wn.node_name_list)
            links = list(self.wn.link_name_list)
            b = self.solver.base

            def by_link(values):
                return pd.Series(values, index=b.link_names).reindex(links).to_numpy()

            self._screen_base = {
                "head_m": pd.Series(b.head_m, index=b.node_names).reindex(nodes).to_numpy(),
                "supplied": pd.Series(b.supplied, index=b.node_names).reindex(nodes)
                .to_numpy(),
                "flow_m3s": by_link(b.flow_m3s),
                "status": by_link(status),
                "setting": by_link(np.asarray(st.setting, dtype=float)),
            }
        return self._screen_base

    def sweep(self, pipes, threads=2, screen=True) -> ClosureSweep:
        """Close each pipe in turn (see :func:`closure_sweep`)."""
        n = len(pipes)
        low = np.repeat(self.base_low[None, :], n, axis=0)
        uns = np.repeat(self.base_uns[None, :], n, axis=0)
        err = np.zeros(n, dtype=np.int64)
        solved = np.ones(n, dtype=bool)
        t = {"screen_base": 0.0, "screen": 0.0, "solve": 0.0}
        if screen and n:
            t0 = time.perf_counter()
            if self._screener is None:
                self._screener = ClosureScreener(
                    self.wn, self.screen_base(), self.required,
                    min_pressure_m=self.min_pressure_m, pmin_m=self.pmin_m,
                    preq_m=self.preq_m, pexp=self.pexp)
            t1 = time.perf_counter()
            scr = self._screener.screen(pipes, threads=threads)
            t["screen_base"], t["screen"] = t1 - t0, time.perf_counter() - t1
            solved = ~scr.vouched
            for i in np.flatnonzero(scr.vouched):
                cut = scr.cut_off[i]
                if len(cut):
                    uns[i, cut] = True
                    low[i, cut] = False
        todo = np.flatnonzero(solved)
        if len(todo):
            t0 = time.perf_counter()
            r = self.solver.sweep_closures([pipes[i] for i in todo], self.min_pressure_m,
                                           threads=threads)
            lo, un, er = r.low, r.unsupplied, r.error_code
            t["solve"] = time.perf_counter() - t0
            low[todo] = lo
            uns[todo] = un
            err[todo] = er
        t["n_solved"] = int(len(todo))
        self.timings_s = t
        return ClosureSweep(list(pipes), list(self.solver.junction_names), low, uns, err,
                            solved, self.base_low, self.base_uns)

    def table(self, sweep: ClosureSweep, customers: np.ndarray) -> pd.DataFrame:
        new_uns = sweep.unsupplied & ~self.base_uns[None, :]
        new_low = sweep.low & ~self.base_low[None, :] & ~sweep.unsupplied
        cust = customers.astype(float)
        lost = new_uns.astype(float) @ self.delivered
        base_unserved = float(np.clip(self.required - self.delivered, 0, None).sum())
        for i in np.flatnonzero(sweep.solved & new_low.any(axis=1)):
            snap = self.solver.solve(closed_links=[sweep.pipes[i]])
            got = np.clip(snap.demand_m3s[:self.nj], 0.0, None) * snap.supplied[:self.nj]
            lost[i] = float(np.clip(self.required - got, 0, None).sum()) - base_unserved
        return pd.DataFrame({
            "customers_without_water": (new_uns.astype(float) @ cust).astype(np.int64),
            "customers_below_min": (new_low.astype(float) @ cust).astype(np.int64),
            "junctions_without_water": new_uns.sum(axis=1),
            "junctions_below_min": new_low.sum(axis=1),
            "demand_not_served_m3s": np.clip(lost, 0.0, None),
            "method": np.where(sweep.solved, "solved", "screened"),
            "error_code": sweep.error_code,
        }, index=pd.Index(sweep.pipes, name="pipe"))


def _load(net):
    if isinstance(net, (str, os.PathLike)):
        from models import load_network

        return load_network(Path(net))
    return net


def _pipes(wn, pipes):
    if pipes is None:
        return list(wn.pipe_name_list)
    pipes = [str(p) for p in pipes]
    known = set(wn.link_name_list)
    unknown = [p for p in pipes if p not in known]
    if unknown:
        raise ShutdownInputError("criticality", None, "pipes",
                                 f"no pipe {unknown[0]!r} in the network",
                                 missing=tuple(unknown))
    return pipes


def closure_sweep(net, pipes=None, *, time_s: int | None = None, min_pressure_m: float = MIN_SERVICE_PRESSURE_M,
                  no_water_pressure_m: float = 0.0, required_pressure_m: float | None = None,
                  threads: int = 2, screen: bool = True) -> ClosureSweep:
    """Which junctions are cut off / below minimum with each pipe closed in turn.

    Parameters
    ----------
    net : models.Network, wntr.network.WaterNetworkModel or path of an INP file
    pipes : sequence of str, optional
        All pipes by default.
    time_s : int, optional
        Pattern time of the snapshot, s; the peak-demand hour of the first day by default.
    min_pressure_m : float
        Minimum service pressure (classification threshold), m.
    no_water_pressure_m, required_pressure_m : float
        Pressure-driven demand: nothing at or below, full demand from (default
        ``min_pressure_m``).
    threads : int
        Threads for the full solves.
    screen : bool
        Screen closures with the linearised network first (see ``screen``).

    Returns
    -------
    ClosureSweep
    """
    net = _load(net)
    wn = getattr(net, "wn", net)
    pipes = _pipes(wn, pipes)
    t = peak_demand_time_s(net) if time_s is None else int(time_s)
    req = min_pressure_m if required_pressure_m is None else required_pressure_m
    return ClosureSweeper(net, t, min_pressure_m, no_water_pressure_m, req).sweep(pipes, threads,
                                                                           screen)


def _chunk_table(net, pipes, time_s, min_p, pmin, preq, customers, screen):
    sw = ClosureSweeper(_load(net), time_s, min_p, pmin, preq)
    cust = customers.reindex(sw.solver.junction_names).fillna(0).to_numpy()
    return sw.table(sw.sweep(pipes, threads=1, screen=screen), cust)


def criticality(net, pipes=None, *, time_s: int | None = None, min_pressure_m: float = MIN_SERVICE_PRESSURE_M,
                no_water_pressure_m: float = 0.0, required_pressure_m: float | None = None,
                customers=None, threads: int = 2, screen: bool = True,
                client=None) -> pd.DataFrame:
    """Criticality table: each pipe closed in turn (see the module notes).

    Parameters
    ----------
    net : models.Network, wntr.network.WaterNetworkModel or path of an INP file
    pipes, time_s, min_pressure_m, no_water_pressure_m, required_pressure_m, threads, screen
        As :func:`closure_sweep`.
    customers : pandas.Series, optional
        Accounts per junction; estimated from demand by default
        (``customers.customers_per_node``).
    client : dask.distributed.Client, optional
        Run one chunk of pipes per worker (given a path, each worker reads the file;
        given a network, it is scattered to the workers once).

    Returns
    -------
    pandas.DataFrame
        Index ``pipe``; columns ``customers_without_water``, ``customers_below_min``,
        ``junctions_without_water``, ``junctions_below_min`` (new, compared with the base
        case), ``demand_not_served_m3s`` (more than in the base case), ``method``,
        ``error_code``. ``attrs``: ``time_s``, ``min_pressure_m``.
    """
    source = net  # a path goes to the workers as it is: each loads the file itself
    net = _load(net)
    wn = getattr(net, "wn", net)
    pipes = _pipes(wn, pipes)
    t = peak_demand_time_s(net) if time_s is None else int(time_s)
    req = min_pressure_m if required_pressure_m is None else required_pressure_m
    cust = customers_per_node(wn, customers)
    if client is None:
        sw = ClosureSweeper(net, t, min_pressure_m, no_water_pressure_m, req)
        c = cust.reindex(sw.solver.junction_names).fillna(0).to_numpy()
        table = sw.table(sw.sweep(pipes, threads, screen), c)
    else:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        chunks = [list(x) for x in np.array_split(np.asarray(pipes, dtype=object), n_workers)
                  if len(x)]
        if isinstance(source, (str, os.PathLike)):
            net_f = str(source)
        else:
            net_f = client.scatter(net, broadcast=True)
        futures = [client.submit(_chunk_table, net_f, ch, t, min_pressure_m,
                                 no_water_pressure_m, req, cust, screen, pure=False)
                   for ch in chunks]
        table = pd.concat(client.gather(futures))
    table.attrs.update(time_s=t, min_pressure_m=float(min_pressure_m))
    return table
