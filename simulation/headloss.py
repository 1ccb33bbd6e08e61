"""The core's head-loss laws in SI, for planning's linearised screens.

The hydraulic kernels own each law once (EPANET 2.2 ``pipecoeff``/``DWpipecoeff`` and
``pumpcoeff`` in :mod:`simulation.kernels.coeffs`: Hazen-Williams, Darcy-Weisbach with
EPANET's viscosity and friction factor, Chezy-Manning, minor losses; pump curves as the
compile step fitted them). This module evaluates those same functions on a compiled network
and converts to SI, so that a planning module linearising the network uses the solver's
physics and never a copy of it.

Exports :class:`PipeLosses`, :func:`pipe_losses` and :func:`pump_gradient`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .compile import CompiledNetwork
from .kernels import constants as C
from .kernels.coeffs import pipe_py, pump_py
from .units import MPERFT

__all__ = ["PipeLosses", "pipe_losses", "pump_gradient"]


class PipeLosses(NamedTuple):
    """Per link (0 where the link is not a pipe), at the flows asked, SI.

    Attributes
    ----------
    loss_m : numpy.ndarray
        Head loss in the flow direction, m.
    gradient : numpy.ndarray
        d(head loss)/d(flow), m per m3/s.
    r, n, m : numpy.ndarray
        The loss as ``r |q|^n + m q^2`` (m, m3/s): friction coefficient at this flow
        (Darcy-Weisbach: with the friction factor at this flow), exponent, minor loss.
    """

    loss_m: np.ndarray
    gradient: np.ndarray
    r: np.ndarray
    n: np.ndarray
    m: np.ndarray


@njit(cache=True)
def _pipe_terms(flow, ltype, km, rcoef, kc, diam, formflag, hexp, rqtol, viscos):
    nl = len(flow)
    loss = np.zeros(nl)
    grad = np.zeros(nl)
    for k in range(nl):
        if ltype[k] != C.PIPE and ltype[k] != C.CVPIPE:
            continue
        p, y = pipe_py(flow[k], False, km[k], rcoef[k], kc[k], diam[k], formflag, hexp,
                       rqtol, viscos)
        grad[k] = 1.0 / p
        loss[k] = y / p
    return loss, grad


def pipe_losses(cn: CompiledNetwork, flow_m3s: np.ndarray) -> PipeLosses:
    """Head loss, its gradient and the loss law of every pipe at ``flow_m3s``.

    Parameters
    ----------
    cn : CompiledNetwork
    flow_m3s : numpy.ndarray
        Flow per link in ``cn.link_names`` order, m3/s.

    Returns
    -------
    PipeLosses
    """
    net, opt = cn.net, cn.opt
    q_per_cfs = cn.units.cfs_to_m3s()
    flow_cfs = np.asarray(flow_m3s, dtype=float) / q_per_cfs
    loss_ft, grad = _pipe_terms(flow_cfs, net.ltype, net.km, net.rcoef, net.kc, net.diam,
                                opt.formflag, opt.hexp, opt.rqtol, opt.viscos)
    pipe = (net.ltype == C.PIPE) | (net.ltype == C.CVPIPE)
    n = np.where(pipe, opt.hexp if opt.formflag == C.HW else 2.0, 0.0)
    m_si = np.where(pipe, net.km * MPERFT / q_per_cfs ** 2, 0.0)
    loss_m = loss_ft * MPERFT
    qa = np.abs(np.asarray(flow_m3s, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(pipe & (qa > 0), (np.abs(loss_m) - m_si * qa * qa) / qa ** n, 0.0)
    return PipeLosses(loss_m=loss_m, gradient=grad * MPERFT / q_per_cfs, r=r, n=n, m=m_si)


def pump_gradient(cn: CompiledNetwork, link: int, flow_m3s: float, speed: float) -> float:
    """|d(head gain)/d(flow)| of pump ``link`` (index) at a flow and relative speed, m per
    m3/s: the slope of the head curve the solver uses (EPANET's fitted power curve, the
    curve itself, or constant power)."""
    net, opt = cn.net, cn.opt
    i = net.link_pump[link]
    q_per_cfs = cn.units.cfs_to_m3s()
    p, _ = pump_py(float(flow_m3s) / q_per_cfs, False, float(speed), net.pump_type[i],
                   net.pump_h0[i], net.pump_r[i], net.pump_n[i], net.pump_curve[i],
                   net.cur_ptr, net.cur_x, net.cur_y, opt.rqtol)
    return abs(1.0 / p) * MPERFT / q_per_cfs
