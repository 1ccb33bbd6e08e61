"""What-ifs as inputs: a :class:`Scenario` value applied to a compiled network.

A scenario changes what a run does without touching the model it was compiled from: the run
length, links closed over time windows (as an operator's time controls would), and the
pressure-driven demand settings (one :class:`PdaSettings` value for every planning
module). Only a real topology change (a new tap, a new pipe) needs a copy of the model and a
new compile.

Exports :class:`PdaSettings`, :class:`LinkClosure`, :class:`Scenario`,
:func:`with_scenario` and :func:`run_scenario`::

    cn = compile_network(wn)                                   # once
    shut = Scenario(duration_s=86400, closures=(LinkClosure("P1", 3600, 7200),))
    res = run_scenario(cn, shut, convergence="report")         # wn never edited
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import wntr

from .compile import CompiledNetwork
from .controls import ControlArrays, _hours_g, _internal_setting
from .kernels import constants as C
from .results import SimulationResults
from .simulator import execute
from .standards import MIN_SERVICE_HEAD_M

__all__ = ["LinkClosure", "PdaSettings", "Scenario", "run_scenario", "with_scenario"]


@dataclass(frozen=True)
class PdaSettings:
    """Pressure-driven demand (EPANET 2.2 PDA), the one settings value of the project.

    Attributes
    ----------
    minimum_pressure_m : float
        At or below it a junction gets no water, m.
    required_pressure_m : float
        From it on a junction gets its full demand, m.
    exponent : float or None
        Pressure exponent of the demand between the two; None keeps the model's.
    """

    minimum_pressure_m: float = 0.0
    required_pressure_m: float = MIN_SERVICE_HEAD_M
    exponent: float | None = 0.5

    def apply_to(self, wn: wntr.network.WaterNetworkModel) -> None:
        """Set these on a model's hydraulic options (for a private copy before compiling)."""
        hyd = wn.options.hydraulic
        hyd.demand_model = "PDA"
        hyd.minimum_pressure = float(self.minimum_pressure_m)
        hyd.required_pressure = float(self.required_pressure_m)
        if self.exponent is not None:
            hyd.pressure_exponent = float(self.exponent)


@dataclass(frozen=True)
class LinkClosure:
    """A link closed at ``start_s`` and reopened at ``reopen_s`` (simulation time, s).

    ``reopen_s`` None: closed to the end of the run. A link closed at the start of the run
    (its initial status) is never reopened, and a reopening after the run's end is dropped.
    """

    link: str
    start_s: int
    reopen_s: int | None = None


@dataclass(frozen=True)
class Scenario:
    """What one run changes, as a value.

    Attributes
    ----------
    duration_s : int or None
        Run length, s; the compiled network's when None.
    closures : tuple of LinkClosure
        Time controls added after the model's own, in this order (close, then reopen, per
        closure), exactly as if they had been added to the model.
    """

    duration_s: int | None = None
    closures: tuple[LinkClosure, ...] = ()


def _closure_controls(cn: CompiledNetwork, closures, duration_s: int) -> ControlArrays:
    rows = []
    for c in closures:
        k = cn.link_index.get(c.link)
        if k is None:
            raise KeyError(f"unknown link {c.link!r}")
        actions = [(c.start_s, wntr.network.LinkStatus.Closed)]
        if (c.reopen_s is not None and c.reopen_s <= duration_s
                and cn.net.status0[k] != C.CLOSED):
            actions.append((c.reopen_s, wntr.network.LinkStatus.Open))
        for when, status in actions:
            code, setting = _internal_setting(None, "status", status, cn.net, k, cn.units)
            rows.append((k, -1, C.TIMER, 0.0, _hours_g(int(when)), code, setting))
    base = cn.ctl
    if not rows:
        return base
    a = list(zip(*rows))
    add = ControlArrays(
        link=np.asarray(a[0], dtype=np.int64), node=np.asarray(a[1], dtype=np.int64),
        ctype=np.asarray(a[2], dtype=np.int64), grade=np.asarray(a[3], dtype=float),
        time=np.asarray(a[4], dtype=np.int64), status=np.asarray(a[5], dtype=np.int64),
        setting=np.asarray(a[6], dtype=float), enabled=np.ones(len(rows), dtype=np.bool_))
    return ControlArrays(*(np.concatenate([old, new]) for old, new in zip(base, add)))


def with_scenario(cn: CompiledNetwork, scenario: Scenario) -> CompiledNetwork:
    """The compiled network running ``scenario`` (arrays shared, ``cn`` unchanged).

    Raises
    ------
    KeyError
        A closure names a link the network does not have.
    """
    opt = cn.opt
    if scenario.duration_s is not None:
        dur = int(scenario.duration_s)
        # EPANET (input1.c adjustdata): a report start past the end reports from 0
        opt = opt._replace(dur=dur, rstart=opt.rstart if opt.rstart <= dur else 0)
    ctl = _closure_controls(cn, scenario.closures, opt.dur)
    if opt is cn.opt and ctl is cn.ctl:
        return cn
    return replace(cn, opt=opt, ctl=ctl)


def run_scenario(cn: CompiledNetwork, scenario: Scenario, *, name: str = "",
                 convergence: str = "raise") -> SimulationResults:
    """Run ``scenario`` on a compiled network (see :func:`with_scenario`).

    Parameters
    ----------
    cn : CompiledNetwork
    scenario : Scenario
    name : str
        Network name for the results.
    convergence : {"raise", "report"}
        As :meth:`simulation.NumbaSimulator.run_sim`.
    """
    run = with_scenario(cn, scenario)
    return execute(run, run.kernel_args, name, convergence=convergence)
