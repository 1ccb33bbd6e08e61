"""Vectorised pieces of the compile step shared by ``compile_network`` and ``compile_inp``.

Exports ``pipe_arrays`` (pipe columns in internal units from WNTR's SI values) and
``adjacency`` (node -> incident links). One implementation for both compile paths keeps
their arrays equal bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import wntr
from wntr.epanet.util import HydParam

from .kernels import constants as C


def pipe_arrays(diameter_m, length_m, roughness, minor_loss, check_valve, closed, u,
                formflag, hexp) -> dict:
    """Pipe columns in internal units, from WNTR's SI values (vectorised).

    Parameters
    ----------
    diameter_m, length_m, roughness, minor_loss : ndarray
        As WNTR holds them (roughness: m for D-W, unitless for H-W and C-M).
    check_valve, closed : ndarray of bool
    u : UnitSystem
    formflag : int
        Head-loss formula code.
    hexp : float
        Head-loss exponent.

    Returns
    -------
    dict of ndarray
        ``ltype``, ``diam`` (ft), ``length`` (ft), ``kc`` (roughness in file units, D-W
        in ft), ``km`` (ft/cfs^2), ``rcoef`` (EPANET's resistance), ``status0``.
    """
    dw = formflag == C.DW
    d_file = diameter_m * u.file_factor(HydParam.PipeDiameter)
    diam = d_file / (12.0 if not u.si else 1000.0 * u.length)
    length = length_m * u.file_factor(HydParam.Length) / u.length
    rough_file = roughness * float(wntr.epanet.util.from_si(
        u.fu, 1.0, HydParam.RoughnessCoeff, darcy_weisbach=dw))
    kc = rough_file / (1000.0 * u.length) if dw else rough_file
    dd = diam
    with np.errstate(divide="ignore", invalid="ignore"):
        km = np.where(dd > 0, 0.02517 * minor_loss / dd ** 4, 0.0)
        e, L = kc, length
        if formflag == C.HW:
            rcoef = 4.727 * L / e ** hexp / dd ** 4.871
        elif formflag == C.DW:
            rcoef = L / 2.0 / 32.2 / dd / (math.pi * dd ** 2 / 4.0) ** 2
        else:
            rcoef = (4.0 * e / (1.49 * math.pi * dd ** 2)) ** 2 * (dd / 4.0) ** -1.333 * L
    ltype = np.where(check_valve, C.CVPIPE, C.PIPE).astype(np.int64)
    status0 = np.where(closed, C.CLOSED, C.OPEN).astype(np.int64)
    return dict(ltype=ltype, diam=diam, length=length, kc=kc, km=km, rcoef=rcoef,
                status0=status0)


def adjacency(n1, n2, nn):
    """Node -> incident links (CSR), each node's links in link order.

    Returns
    -------
    adj_ptr, adj_link : ndarray of int64
    """
    ends = np.empty(2 * len(n1), dtype=np.int64)
    ends[0::2] = n1
    ends[1::2] = n2
    adj_ptr = np.zeros(nn + 1, dtype=np.int64)
    adj_ptr[1:] = np.cumsum(np.bincount(ends, minlength=nn))
    adj_link = (np.argsort(ends, kind="stable") // 2).astype(np.int64)
    return adj_ptr, adj_link
