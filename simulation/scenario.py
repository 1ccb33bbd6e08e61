"""Many extended-period what-ifs of one network (settings and statuses changed).

:class:`ScenarioRunner` compiles the network once; each case changes initial link
settings (PRV/PSV/PBV pressure, FCV flow, TCV coefficient, pump speed) or statuses, starts
from the base run's initial flows, and runs the whole period. ``run_many`` spreads cases over
threads: the kernels release the GIL, so two cores run two cases at once. ``leakage_many``
runs the same cases but keeps only their leakage volume (no result tables), so nearly all of
a case runs outside the GIL.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from wntr.epanet.util import HydParam

from .compile import compile_network
from .kernels import constants as C
from .kernels.structs import pack_net
from .results import SimulationResults
from .simulator import execute, execute_leakage, model_parts


class ScenarioRunner:
    """Extended-period what-ifs on one compiled network.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    """

    def __init__(self, net):
        wn, leakage = model_parts(net)
        self.compiled = compile_network(wn, leakage)
        self._name = getattr(wn, "name", "") or ""
        self.base = execute(self.compiled, self.compiled.kernel_args, self._name)
        q = self.base.link["flowrate"].iloc[0].to_numpy()
        self._warm = q / self.compiled.units.cfs_to_m3s()

    def _internal_setting(self, k: int, value_si: float) -> float:
        cn = self.compiled
        u = cn.units
        t = cn.net.ltype[k]
        if t in (C.PRV, C.PSV, C.PBV):
            return u.file_value(value_si, HydParam.Pressure) / u.pressure
        if t == C.FCV:
            return u.flow_cfs(value_si)
        if t in (C.TCV, C.PUMP):
            return float(value_si)
        raise ValueError(f"link {cn.link_names[k]!r}: only valves and pumps take a setting")

    def _args(self, settings, statuses):
        cn = self.compiled
        kc = cn.net.kc.copy()
        status0 = cn.net.status0.copy()
        for name, value in (settings or {}).items():
            k = cn.link_index.get(name)
            if k is None:
                raise KeyError(f"unknown link {name!r}")
            kc[k] = self._internal_setting(k, value)
            if cn.net.ltype[k] in (C.PRV, C.PSV, C.FCV):
                status0[k] = C.ACTIVE
        for name, value in (statuses or {}).items():
            k = cn.link_index.get(name)
            if k is None:
                raise KeyError(f"unknown link {name!r}")
            if str(value).upper() not in ("OPEN", "CLOSED"):
                raise ValueError(f"link {name!r}: status must be OPEN or CLOSED")
            closed = str(value).upper() == "CLOSED"
            status0[k] = C.CLOSED if closed else C.OPEN
            if cn.net.ltype[k] > C.PUMP and cn.net.ltype[k] != C.GPV:
                kc[k] = C.MISSING
        net = cn.net._replace(kc=kc, status0=status0)
        return (pack_net(net),) + cn.kernel_args[1:]

    def run(self, settings: dict | None = None, statuses: dict | None = None,
            warm: bool = True, convergence: str = "raise") -> SimulationResults:
        """One what-if.

        Parameters
        ----------
        settings : dict, optional
            ``{link: setting}`` in SI: PRV/PSV/PBV pressure (m), FCV flow (m3/s), TCV loss
            coefficient, pump relative speed.
        statuses : dict, optional
            ``{link: "OPEN" | "CLOSED"}`` fixed initial statuses.
        warm : bool
            Start from the base run's initial flows (fewer iterations at t = 0).
        """
        return execute(self.compiled, self._args(settings, statuses), self._name,
                       warm_flow=self._warm if warm else None, convergence=convergence)

    def run_many(self, cases: list[dict], threads: int = 2, warm: bool = True,
                 convergence: str = "raise") -> list[SimulationResults]:
        """Run ``cases`` (dicts with optional ``settings`` and ``statuses``) on threads."""
        args = [self._args(c.get("settings"), c.get("statuses")) for c in cases]
        warm_flow = self._warm if warm else None

        def one(a):
            return execute(self.compiled, a, self._name, warm_flow=warm_flow,
                           convergence=convergence)

        return _map(one, args, threads)

    def leakage_many(self, cases: list[dict], threads: int = 2, warm: bool = True,
                     convergence: str = "raise") -> np.ndarray:
        """Leakage volume of each case (m3), as :func:`total_leakage_m3` of its run.

        The same simulations as :meth:`run_many`, reduced to the leakage inside the run
        (no result tables): much less work per case, and the threads spend nearly all of
        their time in the compiled kernel, outside the GIL.

        Parameters
        ----------
        cases : list of dict
            Each with optional ``settings`` and ``statuses`` (see :meth:`run`).
        threads : int
            Worker threads (one per core).
        warm : bool
            Start from the base run's initial flows.
        convergence : {"raise", "report"}

        Returns
        -------
        numpy.ndarray
            Pipe and orifice leakage volume over the period per case (m3), report-step
            rectangles.
        """
        args = [self._args(c.get("settings"), c.get("statuses")) for c in cases]
        warm_flow = self._warm if warm else None

        def one(a):
            t, q = execute_leakage(self.compiled, a, warm_flow=warm_flow,
                                   convergence=convergence)
            return leakage_volume_m3(t, q)

        return np.array(_map(one, args, threads), dtype=float)


def _map(fn, items, threads: int) -> list:
    """``[fn(x) for x in items]``, on ``threads`` threads when there is more than one."""
    if threads <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max(1, int(threads))) as pool:
        return list(pool.map(fn, items))


def leakage_volume_m3(times_s: np.ndarray, leakage_m3s: np.ndarray) -> float:
    """Volume (m3) of a leakage series (m3/s at times in s): report-step rectangles."""
    t = np.asarray(times_s, dtype=float)
    if len(t) < 2:
        return 0.0
    return float(np.sum(np.asarray(leakage_m3s)[:-1] * np.diff(t)))


def total_leakage_m3(results: SimulationResults) -> float:
    """Leakage volume over the run (m3), trapezoid-free: report-step rectangles."""
    leak = results.node["leak_demand"].sum(axis=1).to_numpy()
    t = results.node["leak_demand"].index.to_numpy(dtype=float)
    return leakage_volume_m3(t, leak)
