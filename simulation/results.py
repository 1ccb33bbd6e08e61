"""Simulation results: immutable, shaped like WNTR's ``SimulationResults``.

``results.node[key]`` and ``results.link[key]`` are DataFrames indexed by report time in
seconds with one column per element (SI units), so code written for
``wntr.sim.EpanetSimulator`` results works unchanged.

Node keys: ``head`` (m), ``pressure`` (m), ``demand`` (m3/s: consumer demand plus emitter
outflow, as EPANET reports it; net inflow for tanks and reservoirs), ``leak_demand`` (m3/s:
pipe leakage and orifice leaks leaving the node), ``supplied`` (bool: connected to a tank
or reservoir). Junctions that are not supplied deliver no water (``demand`` 0); their
``pressure`` is the minimum pressure of the demand model (0 for DDA) when the cut-off area
draws water, or the trapped pressure behind the closed links when nothing draws water.

Link keys: ``flowrate`` (m3/s), ``velocity`` (m/s, 0 for pumps), ``headloss`` (pipes: m per
m of pipe; pumps and valves: m, EPANET's convention), ``status`` (0 closed, 1 open,
2 active), ``setting`` (pipe roughness, pump speed, valve setting in SI), ``leak`` (m3/s).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from wntr.epanet.util import HydParam

from models.errors import PlannerError

from .kernels import constants as C
from .kernels.run import (
    D_DEFICIENT,
    D_DEMRED,
    D_ERR,
    D_ITER,
    D_MAXHERR,
    D_RELERR,
    D_TIME,
    D_UNSUPPLIED,
)
from .units import MPERFT


class ReadOnlyArrays:
    """Dataclass base: every NumPy array field is made read-only once built.

    Result objects are shared between threads, caches and pages; a caller that wants to
    change an array takes a copy.
    """

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


class ConvergenceError(PlannerError, RuntimeError):
    """The hydraulic solver did not converge (or failed) at one or more time steps.

    Attributes
    ----------
    results : SimulationResults
        The results up to and including the failing steps, with ``diagnostics``.
    failed_times_s : list of int
        Times of the failing hydraulic steps.
    """

    def __init__(self, message, results, failed_times_s):
        super().__init__(message)
        self.results = results
        self.failed_times_s = failed_times_s


@dataclass(frozen=True)
class SimulationResults:
    """Results of one run (read-only mappings of DataFrames)."""

    node: Mapping
    link: Mapping
    diagnostics: pd.DataFrame = field(repr=False)
    network_name: str = ""
    error_code: int = 0
    warnings: tuple = ()

    @property
    def converged(self) -> bool:
        """True when every hydraulic step converged."""
        return bool(self.diagnostics["converged"].all())

    @property
    def unbalanced_times_s(self) -> list:
        """Times (s) of steps left unbalanced and continued, as ``UNBALANCED CONTINUE``
        asks (EPANET's warning 1); empty when every step converged."""
        d = self.diagnostics
        return d.loc[d["unbalanced"], "time_s"].tolist()


def _wntr_status(code: np.ndarray) -> np.ndarray:
    out = np.ones_like(code, dtype=float)
    out[code <= C.CLOSED] = 0.0
    out[code == C.ACTIVE] = 2.0
    return out


class LazyFrames(Mapping):
    """Read-only mapping of result DataFrames, each built on first access.

    Building every DataFrame of a long run costs as much as the run itself; sweeps that
    read one key should not pay for the others.
    """

    def __init__(self, builders: dict):
        self._builders = dict(builders)
        self._frames: dict = {}

    def __getitem__(self, key):
        if key not in self._frames:
            if key not in self._builders:
                raise KeyError(key)
            self._frames[key] = self._builders[key]()
        return self._frames[key]

    def __iter__(self):
        return iter(self._builders)

    def __len__(self):
        return len(self._builders)

    def __repr__(self):
        return f"LazyFrames({list(self._builders)})"


def build_results(cn, raw, diag, nrep_written, err, name="") -> SimulationResults:
    """Convert kernel outputs (internal units) into SI DataFrames (built on access)."""
    net = cn.net
    u = cn.units
    q_si = u.cfs_to_m3s()
    times = cn.opt.rstart + cn.opt.rstep * np.arange(nrep_written)
    idx = pd.Index(times.astype(np.int64), name=None)
    nodes = cn.node_labels
    links = cn.link_labels
    r = nrep_written
    head_ft = raw["head"][:r]
    status_code = raw["status"][:r].astype(np.int64)
    pipe = (net.ltype == C.PIPE) | (net.ltype == C.CVPIPE)

    def nframe(values):
        return pd.DataFrame(values, index=idx, columns=nodes)

    def lframe(values):
        return pd.DataFrame(values, index=idx, columns=links)

    def leak_nodes():
        out = np.zeros((r, net.nn))
        out[:, : net.nj] = raw["leak"][:r] * q_si
        return out

    def flow():
        q = raw["flow"][:r] * q_si
        # EPANET reports no flow through a closed pump (its tiny numerical flow is dropped)
        q[(status_code <= C.CLOSED) & (net.ltype == C.PUMP)[None, :]] = 0.0
        return q

    def velocity():
        area_m2 = np.pi * (net.diam * MPERFT) ** 2 / 4.0
        q = np.abs(flow())
        v = np.zeros_like(q)
        nz = (area_m2 > 0) & (net.ltype != C.PUMP)
        v[:, nz] = q[:, nz] / area_m2[nz]
        return v

    def headloss():
        dh = head_ft[:, net.n1] - head_ft[:, net.n2]
        hl = np.where(net.ltype[None, :] == C.PUMP, dh, np.abs(dh)) * MPERFT
        length_m = net.length * MPERFT
        hl[:, pipe] = hl[:, pipe] / np.where(length_m[pipe] > 0, length_m[pipe], 1.0)
        hl[status_code <= C.CLOSED] = 0.0
        return hl

    def setting():
        out = raw["setting"][:r].copy()
        missing = out == C.MISSING  # EPANET reports 0 for a missing setting
        t = net.ltype
        for mask, factor in (
            ((t == C.PRV) | (t == C.PSV) | (t == C.PBV),
             u.pressure / u.file_factor(HydParam.Pressure)),
            (t == C.FCV, u.flow / u.file_factor(HydParam.Flow)),
        ):
            out[:, mask] *= factor
        out[:, pipe] = cn.pipe_roughness_si[None, pipe]
        out[missing] = 0.0
        return out

    node = LazyFrames({
        "head": lambda: nframe(head_ft * MPERFT),
        "pressure": lambda: nframe(head_ft * MPERFT - (net.el * MPERFT)[None, :]),
        # consumers + emitters, as EPANET 2.2 reports it; leakage separately
        "demand": lambda: nframe(raw["demand"][:r] * q_si - leak_nodes()),
        "leak_demand": lambda: nframe(leak_nodes()),
        "supplied": lambda: nframe(raw["supplied"][:r].astype(bool)),
    })
    link = LazyFrames({
        "flowrate": lambda: lframe(flow()),
        "velocity": lambda: lframe(velocity()),
        "headloss": lambda: lframe(headloss()),
        "status": lambda: lframe(_wntr_status(status_code)),
        "setting": lambda: lframe(setting()),
        "leak": lambda: lframe(_pipe_leakage(net, head_ft) * q_si),
    })
    d = pd.DataFrame({
        "time_s": diag[:, D_TIME].astype(np.int64),
        "iterations": diag[:, D_ITER].astype(np.int64),
        "relative_error": diag[:, D_RELERR],
        "error_code": diag[:, D_ERR].astype(np.int64),
        "unsupplied_junctions": diag[:, D_UNSUPPLIED].astype(np.int64),
        # computed only when a HEADERROR limit is set (one extra headloss pass per step)
        "max_head_error_m": np.where(diag[:, D_MAXHERR] > 0, diag[:, D_MAXHERR] * MPERFT,
                                     np.nan),
        "demand_reduction_pct": diag[:, D_DEMRED],
        "deficient_nodes": diag[:, D_DEFICIENT].astype(np.int64),
    })
    d["converged"] = d["error_code"] == 0
    # not balanced within TRIALS (+ the extra trials of UNBALANCED CONTINUE n)
    d["unbalanced"] = d["error_code"] == 1
    return SimulationResults(node=node, link=link, diagnostics=d, network_name=name,
                             error_code=int(err), warnings=unbalanced_warnings(cn, d))


def unbalanced_warnings(cn, diagnostics: pd.DataFrame) -> tuple:
    """EPANET-style warnings for steps that were not balanced but continued."""
    if cn.opt.extraiter < 0:
        return ()
    t = diagnostics.loc[diagnostics["error_code"] == 1, "time_s"].tolist()
    if not t:
        return ()
    return (f"WARNING: system unbalanced at {len(t)} time step(s), first at t = {t[0]} s; "
            "continued as UNBALANCED CONTINUE asks",)


def _pipe_leakage(net, head_ft: np.ndarray) -> np.ndarray:
    """Leakage of every pipe (cfs) from the reported heads (EPANET 2.3 findlinkleakage)."""
    out = np.zeros((head_ft.shape[0], net.nl))
    k = np.nonzero((net.leak_ca > 0) | (net.leak_ce > 0))[0]
    if len(k) == 0:
        return out
    n1 = net.n1[k]
    n2 = net.n2[k]
    nj = net.nj
    h1 = np.maximum(head_ft[:, n1] - net.el[n1], 0.0)
    h2 = np.maximum(head_ft[:, n2] - net.el[n2], 0.0)
    half_a = net.leak_ca[k] / 2.0
    half_e = net.leak_ce[k] / 2.0
    q1 = np.where(n1 < nj, (half_a + half_e * h1) * np.sqrt(h1), 0.0)
    q2 = np.where(n2 < nj, (half_a + half_e * h2) * np.sqrt(h2), 0.0)
    # a junction joined to a tank or reservoir carries the whole pipe's leakage
    q1 = np.where(n2 >= nj, 2.0 * q1, q1)
    q2 = np.where(n1 >= nj, 2.0 * q2, q2)
    out[:, k] = q1 + q2
    return out
