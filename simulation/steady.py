"""Steady-state (single-period) solves for planning sweeps.

:class:`SteadyStateSolver` compiles a network once, solves the base case at one pattern
time (tanks at their initial levels, as EPANET's single-period analysis does), and then
answers many modified cases (extra demands, closed links) warm-started from that base
solution. Nothing is written back into the model. :meth:`SteadyStateSolver.max_extra_demand`
searches for the largest extra demand each junction can take with every protected junction
at pressure (the kernel is in :mod:`simulation.kernels.capacity`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from models.network import wntr_model

from .capacity import ExtraDemandResult, max_extra_demand
from .compile import CompiledNetwork
from .compile_inp import compile_model
from .kernels import constants as C
from .kernels.eps import init_hydraulics, run_period
from .kernels.linalg import ldl_solve
from .kernels.state import copy_state, new_state
from .kernels.structs import pack_state
from .kernels.sweep import solve_modified, sweep_closures
from .results import ConvergenceError
from .standards import MIN_SERVICE_HEAD_M
from .units import MPERFT
from .whatif import PdaSettings


@dataclass(frozen=True)
class Snapshot:
    """One single-period solution in SI units (arrays in the solver's element order).

    Attributes
    ----------
    head_m, pressure_m, demand_m3s : numpy.ndarray
        Per node (junctions first): head, pressure head, delivered outflow.
    required_demand_m3s : numpy.ndarray
        Per node: demand asked for (junctions; 0 elsewhere).
    flow_m3s : numpy.ndarray
        Per link (0 in closed links, as EPANET's toolkit reports).
    supplied : numpy.ndarray of bool
        Per node: connected to a tank or reservoir.
    converged : bool
    iterations : int
    error_code : int
        0 solved, 1 not converged, 110 ill-conditioned.
    """

    node_names: list
    link_names: list
    head_m: np.ndarray
    pressure_m: np.ndarray
    demand_m3s: np.ndarray
    required_demand_m3s: np.ndarray
    flow_m3s: np.ndarray
    supplied: np.ndarray
    converged: bool
    iterations: int
    error_code: int

    def node_frame(self) -> pd.DataFrame:
        """Node table indexed by name."""
        return pd.DataFrame({
            "head_m": self.head_m, "pressure_m": self.pressure_m,
            "demand_m3s": self.demand_m3s, "required_demand_m3s": self.required_demand_m3s,
            "supplied": self.supplied}, index=pd.Index(self.node_names, name="node"))

    def link_frame(self) -> pd.DataFrame:
        """Link table indexed by name."""
        return pd.DataFrame({"flow_m3s": self.flow_m3s},
                            index=pd.Index(self.link_names, name="link"))


class ClosureSweepResult(NamedTuple):
    """Outcome of :meth:`SteadyStateSolver.sweep_closures`, one row per closed link.

    Attributes
    ----------
    low : numpy.ndarray of bool, shape (n_cases, n_junctions)
        Supplied junctions with pressure below the minimum.
    unsupplied : numpy.ndarray of bool, shape (n_cases, n_junctions)
        Junctions cut off from every tank and reservoir.
    error_code : numpy.ndarray of int, shape (n_cases,)
        0 solved, 1 not converged, 110 ill-conditioned: rows with a non-zero code are
        not answers.
    iterations : numpy.ndarray of int, shape (n_cases,)
    unserved_m3s : numpy.ndarray, shape (n_cases,)
        Demand asked for but not delivered, summed over junctions, m3/s (PDA shortfall
        plus the demand of cut-off junctions).
    """

    low: np.ndarray
    unsupplied: np.ndarray
    error_code: np.ndarray
    iterations: np.ndarray
    unserved_m3s: np.ndarray


class SteadyStateSolver:
    """Single-period solver with warm-started what-ifs.

    Parameters
    ----------
    net : models.Network, wntr.network.WaterNetworkModel or CompiledNetwork
        A compiled network is reused as it is (its PDA values apply unless overridden).
    time_s : int
        Pattern time of the snapshot (s from the pattern start); also shifts the clock
        time for time-of-day controls. Tanks start at their initial levels.
    demand_model : {"DDA", "PDA"} or None
        Overrides the model's demand model.
    pda : simulation.PdaSettings, optional
        Pressure-driven demand with these settings (overriding the model's demand model and
        PDA values; an exponent of None keeps the model's).
    """

    def __init__(self, net, time_s: int = 0, *, demand_model=None,
                 pda: PdaSettings | None = None):
        minimum_pressure_m = required_pressure_m = pressure_exponent = None
        if pda is not None:
            demand_model = "PDA"
            minimum_pressure_m, required_pressure_m = pda.minimum_pressure_m, \
                pda.required_pressure_m
            pressure_exponent = pda.exponent
        if isinstance(net, CompiledNetwork):
            cn, model_options = net, None
        else:
            cn = compile_model(net)  # no WNTR model built for a fast-read network
            model_options = getattr(net, "options", None) or wntr_model(net).options
        u = cn.units
        opt = cn.opt
        # snapshots skip the diagnostic head-error pass (one headloss evaluation per solve)
        changes = dict(dur=0, pstart=opt.pstart + int(time_s),
                       tstart=(opt.tstart + int(time_s)) % C.SECPERDAY, tshift=int(time_s),
                       report_head_error=0)
        if demand_model is not None:
            changes["demand_model"] = C.PDA if str(demand_model).upper() in ("PDA", "PDD") \
                else C.DDA
        pda = changes.get("demand_model", opt.demand_model) == C.PDA
        if pda:
            pmin_ft = opt.pmin if minimum_pressure_m is None else \
                u.pressure_ft(minimum_pressure_m)
            preq_ft = opt.preq if required_pressure_m is None else \
                u.pressure_ft(required_pressure_m)
            if model_options is not None:  # the model's PDA values even when run as DDA
                hyd = model_options.hydraulic
                if minimum_pressure_m is None:
                    pmin_ft = u.pressure_ft(hyd.minimum_pressure)
                if required_pressure_m is None:
                    preq_ft = u.pressure_ft(hyd.required_pressure)
            changes["pmin"] = pmin_ft
            changes["preq"] = max(preq_ft, pmin_ft + 0.1 / u.pressure)
            if pressure_exponent is not None:
                changes["pexp"] = float(pressure_exponent)
        else:
            changes["pmin"] = 0.0
        self.compiled = cn.with_options(opt._replace(**changes))
        self.time_s = int(time_s)
        self.demand_model = "PDA" if pda else "DDA"
        self._q_si = u.cfs_to_m3s()
        c = self.compiled
        self._k = c.kernel_args
        net_s, opt_s, sm_s, ctl_s, _ = self._k
        self._base = new_state(c.net, c.sm)
        self._base_s = pack_state(self._base)
        init_hydraulics(net_s, opt_s, self._base_s)
        it, rel, err = run_period(net_s, opt_s, sm_s, ctl_s, self._base_s, 0)
        self.base = self._snapshot(self._base, it, err)
        if err >= 100:
            raise ConvergenceError(f"base case failed (error {err})", None, [self.time_s])
        self._work = new_state(c.net, c.sm)
        self._work_s = pack_state(self._work)
        self._extra_demand_cache: dict = {}  # start states, node ranks (simulation.capacity)

    @property
    def base_state(self):
        """Kernel state of the base solution (US units, solver order); treat as read-only.

        For planning kernels that warm-start their own solves from the base case.
        """
        return self._base

    # ---- indexing -------------------------------------------------------------------
    @property
    def node_names(self) -> list:
        return self.compiled.node_names

    @property
    def link_names(self) -> list:
        return self.compiled.link_names

    @property
    def junction_names(self) -> list:
        return self.compiled.junction_names

    def node_index(self, name: str) -> int:
        try:
            return self.compiled.node_index[name]
        except KeyError:
            raise KeyError(f"unknown node {name!r}") from None

    def link_index(self, name: str) -> int:
        try:
            return self.compiled.link_index[name]
        except KeyError:
            raise KeyError(f"unknown link {name!r}") from None

    # ---- solves -----------------------------------------------------------------------
    def _snapshot(self, st, it, err) -> Snapshot:
        net = self.compiled.net
        head = st.head * MPERFT
        pressure = head - net.el * MPERFT
        dem = st.node_demand.copy()
        dem[: net.nj] -= st.leak_flow
        dem *= self._q_si
        req = np.zeros(net.nn)
        req[: net.nj] = st.demand_flow * self._q_si
        flow = st.flow * self._q_si
        flow[st.status <= C.CLOSED] = 0.0  # EPANET keeps a 1e-6 cfs placeholder; report 0
        return Snapshot(
            node_names=self.compiled.node_names, link_names=self.compiled.link_names,
            head_m=head, pressure_m=pressure, demand_m3s=dem, required_demand_m3s=req,
            flow_m3s=flow, supplied=st.supplied.copy(),
            converged=err == 0, iterations=int(it), error_code=int(err))

    def solve(self, extra_demand_m3s: dict | None = None, closed_links=(),
              start: str = "warm") -> Snapshot:
        """Solve the base case modified by extra junction demands and closed links.

        Parameters
        ----------
        extra_demand_m3s : dict, optional
            ``{junction name: extra demand (m3/s)}`` added to the junction's demand.
        closed_links : iterable of str
            Links closed for this solve.
        start : {"warm", "cold"}
            ``"warm"`` (default) starts Newton from the base solution (fast, and the
            answer nearest the base case); ``"cold"`` starts from EPANET's initial flows
            and statuses, as a fresh EPANET run of the modified network would.
        """
        if start not in ("warm", "cold"):
            raise ValueError(f"start must be 'warm' or 'cold', not {start!r}")
        net_s, opt_s, sm_s, ctl_s, _ = self._k
        nodes, q = self._extra(extra_demand_m3s)
        links = np.array([self.link_index(n) for n in closed_links], dtype=np.int64)
        it, rel, err = solve_modified(net_s, opt_s, sm_s, ctl_s, self._work_s, self._base_s,
                                      nodes, q, links, start == "cold")
        return self._snapshot(self._work, it, err)

    def _extra(self, extra):
        extra = extra or {}
        nodes = np.zeros(len(extra), dtype=np.int64)
        q = np.zeros(len(extra))
        for i, (name, val) in enumerate(extra.items()):
            n = self.node_index(name)
            if n >= self.compiled.net.nj:
                raise ValueError(f"{name!r} is not a junction")
            nodes[i] = n
            q[i] = float(val) / self._q_si
        return nodes, q

    def head_sensitivity(self, junction: str) -> np.ndarray:
        """d(head)/d(demand at ``junction``) for every junction, m per m3/s (<= 0).

        Linearisation at the base solution: one extra solve with the base case's last
        factorisation (no new Newton iterations).
        """
        c = self.compiled
        j = self.node_index(junction)
        nj = c.net.nj
        if j >= nj:
            raise ValueError(f"{junction!r} is not a junction")
        x = np.zeros(nj)
        x[c.sm.iperm[j]] = -1.0
        ldl_solve(nj, c.sm.lp, c.sm.li, self._base.lx, self._base.dd, x)
        out = np.empty(nj)
        out[:] = x[c.sm.iperm]
        return out * MPERFT / self._q_si

    def sweep_closures(self, links, min_pressure_m: float, threads: int = 2
                       ) -> ClosureSweepResult:
        """Close each link in turn; which junctions fall below ``min_pressure_m``.

        Parameters
        ----------
        links : iterable of str or int
            Link names (or solver indices), one case each.
        min_pressure_m : float
            Pressure head below which a supplied junction counts as low, m.
        threads : int
            Worker threads (each case is independent; results do not depend on it).

        Returns
        -------
        ClosureSweepResult
        """
        c = self.compiled
        idx = np.array([self.link_index(n) if isinstance(n, str) else int(n) for n in links],
                       dtype=np.int64)
        nj = c.net.nj
        low = np.zeros((len(idx), nj), dtype=np.bool_)
        uns = np.zeros((len(idx), nj), dtype=np.bool_)
        err = np.zeros(len(idx), dtype=np.int64)
        its = np.zeros(len(idx), dtype=np.int64)
        short = np.zeros(len(idx))
        pmin_ft = min_pressure_m / MPERFT
        threads = max(1, min(int(threads), len(idx)))
        chunks = np.array_split(np.arange(len(idx)), threads)

        net_s, opt_s, sm_s, ctl_s, _ = self._k

        def run(ch, st):
            if len(ch) == 0:
                return
            sl = slice(ch[0], ch[-1] + 1)
            sweep_closures(net_s, opt_s, sm_s, ctl_s, st, self._base_s, idx[sl], pmin_ft,
                           low[sl], uns[sl], err[sl], its[sl], short[sl])

        states = [self._work_s] + [pack_state(copy_state(self._work))
                                   for _ in range(threads - 1)]
        if threads == 1:
            run(chunks[0], states[0])
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(run, chunks, states))
        return ClosureSweepResult(low, uns, err, its, short * self._q_si)

    def max_extra_demand(self, nodes=None, min_pressure_m: float = MIN_SERVICE_HEAD_M, *, protected=None,
                         rtol: float = 1e-3, atol_m3s: float = 1e-7, q_max_m3s: float = 10.0,
                         start: str = "cold", threads: int = 2) -> ExtraDemandResult:
        """Largest constant extra demand at each junction that keeps everyone at pressure.

        For junction n the answer is the largest extra demand q (m3/s) at n such that this
        solver's single-period solve with q added at n leaves n and every protected
        junction supplied and at or above ``min_pressure_m`` (a failed solve counts as a
        violation). It is 0 when n is below the minimum or cut off already. The search
        starts from the base case's head sensitivities (first-order estimate), then takes
        model steps (power-law fits of the pressure margin) and bisection on nonlinear
        solves until ``upper - q <= max(rtol * upper, atol_m3s)``; the answer is feasible
        and, with the default ``rtol``, within 0.1 % below the boundary.

        Parameters
        ----------
        nodes : iterable of str or int, optional
            Junction names (or solver indices); every junction when None.
        min_pressure_m : float
            Minimum pressure head, m (>= 0).
        protected : array-like of bool, or iterable of str or int, optional
            Junctions that must stay at pressure as well: a mask over the junctions (solver
            order) or names/indices. Default: every junction supplied and at or above
            ``min_pressure_m`` in the base case.
        rtol : float
            Relative tolerance on q (stopping rule above).
        atol_m3s : float
            Absolute tolerance on q, m3/s.
        q_max_m3s : float
            Search limit, m3/s (status "at search limit" when still feasible there).
        start : {"cold", "flows", "previous"}
            Starting point of every nonlinear solve. ``"cold"``: EPANET's own start of a
            single-period run (initial statuses and settings, flows of 1 ft/s), so each
            solve is the one a fresh EPANET run would do. ``"flows"``: initial statuses and
            settings with the base case's flows; ``"previous"``: with the flows of the
            previous solve at the same junction (as EPANET's ``ENinitH(0)`` in a loop).
            Both re-solve cold when a solve fails and need fewer iterations.
        threads : int
            Worker threads (the kernel releases the GIL). Junctions are searched in
            breadth-first order over the network in chunks of 64, each search's first guess
            using its predecessor's result: a junction's answer can differ (within the
            tolerance) with the list it is part of, never with ``threads``.

        Returns
        -------
        ExtraDemandResult

        Raises
        ------
        KeyError
            Unknown node name.
        ValueError
            A node that is not a junction, a negative minimum pressure, an unknown start or
            a non-positive tolerance.
        """
        return max_extra_demand(self, nodes, min_pressure_m, protected=protected, rtol=rtol,
                                atol_m3s=atol_m3s, q_max_m3s=q_max_m3s, start=start,
                                threads=threads)
