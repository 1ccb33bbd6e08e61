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

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from wntr.epanet.util import HydParam

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

MPERFT = 0.3048


class ConvergenceError(RuntimeError):
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

    node: MappingProxyType
    link: MappingProxyType
    diagnostics: pd.DataFrame = field(repr=False)
    network_name: str = ""
    error_code: int = 0

    @property
    def converged(self) -> bool:
        """True when every hydraulic step converged."""
        return bool(self.diagnostics["converged"].all())

    @property
    def timestamps_s(self) -> np.ndarray:
        return np.asarray(self.node["head"].index)


def _wntr_status(code: np.ndarray) -> np.ndarray:
    out = np.ones_like(code, dtype=float)
    out[code <= C.CLOSED] = 0.0
    out[code == C.ACTIVE] = 2.0
    return out


def build_results(cn, raw, diag, nrep_written, err, name="") -> SimulationResults:
    """Convert kernel outputs (internal units) into SI DataFrames."""
    net = cn.net
    u = cn.units
    q_si = u.cfs_to_m3s()
    times = cn.opt.rstart + cn.opt.rstep * np.arange(nrep_written)
    idx = pd.Index(times.astype(np.int64), name=None)
    nodes = cn.node_labels
    links = cn.link_labels
    r = nrep_written
    head_ft = raw["head"][:r]
    head = head_ft * MPERFT
    el_m = net.el * MPERFT
    pressure = head - el_m[None, :]
    leak_nodes = np.zeros((r, net.nn))
    leak_nodes[:, : net.nj] = raw["leak"][:r] * q_si
    demand = raw["demand"][:r] * q_si - leak_nodes  # consumers + emitters, as EPANET 2.2
    flow = raw["flow"][:r] * q_si
    status_code = raw["status"][:r].astype(np.int64)
    # EPANET reports no flow through a closed pump (its tiny numerical flow is dropped)
    flow[(status_code <= C.CLOSED) & (net.ltype == C.PUMP)[None, :]] = 0.0
    setting = raw["setting"][:r].copy()

    area_m2 = np.pi * (net.diam * MPERFT) ** 2 / 4.0
    velocity = np.zeros_like(flow)
    nz = area_m2 > 0
    velocity[:, nz] = np.abs(flow[:, nz]) / area_m2[nz]
    velocity[:, net.ltype == C.PUMP] = 0.0

    dh = head_ft[:, net.n1] - head_ft[:, net.n2]
    headloss = np.where(net.ltype[None, :] == C.PUMP, dh, np.abs(dh)) * MPERFT
    pipe = (net.ltype == C.PIPE) | (net.ltype == C.CVPIPE)
    length_m = net.length * MPERFT
    headloss[:, pipe] = headloss[:, pipe] / np.where(length_m[pipe] > 0, length_m[pipe], 1.0)
    headloss[status_code <= C.CLOSED] = 0.0

    # settings back to SI (EPANET reports 0 for a missing setting)
    missing = setting == C.MISSING
    t = net.ltype
    for mask, factor in (
        ((t == C.PRV) | (t == C.PSV) | (t == C.PBV), u.pressure / u.file_factor(HydParam.Pressure)),
        (t == C.FCV, u.flow / u.file_factor(HydParam.Flow)),
    ):
        setting[:, mask] *= factor
    setting[:, pipe] = cn.pipe_roughness_si[None, pipe]
    setting[missing] = 0.0
    supplied = raw["supplied"][:r].astype(bool)

    node = {
        "head": pd.DataFrame(head, index=idx, columns=nodes),
        "pressure": pd.DataFrame(pressure, index=idx, columns=nodes),
        "demand": pd.DataFrame(demand, index=idx, columns=nodes),
        "leak_demand": pd.DataFrame(leak_nodes, index=idx, columns=nodes),
        "supplied": pd.DataFrame(supplied, index=idx, columns=nodes),
    }
    link = {
        "flowrate": pd.DataFrame(flow, index=idx, columns=links),
        "velocity": pd.DataFrame(velocity, index=idx, columns=links),
        "headloss": pd.DataFrame(headloss, index=idx, columns=links),
        "status": pd.DataFrame(_wntr_status(status_code), index=idx, columns=links),
        "setting": pd.DataFrame(setting, index=idx, columns=links),
        "leak": pd.DataFrame(_pipe_leakage(net, head_ft) * q_si, index=idx, columns=links),
    }
    d = pd.DataFrame({
        "time_s": diag[:, D_TIME].astype(np.int64),
        "iterations": diag[:, D_ITER].astype(np.int64),
        "relative_error": diag[:, D_RELERR],
        "error_code": diag[:, D_ERR].astype(np.int64),
        "unsupplied_junctions": diag[:, D_UNSUPPLIED].astype(np.int64),
        "max_head_error_m": diag[:, D_MAXHERR] * MPERFT,
        "demand_reduction_pct": diag[:, D_DEMRED],
        "deficient_nodes": diag[:, D_DEFICIENT].astype(np.int64),
    })
    d["converged"] = d["error_code"] == 0
    return SimulationResults(node=MappingProxyType(node), link=MappingProxyType(link),
                             diagnostics=d, network_name=name, error_code=int(err))


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
