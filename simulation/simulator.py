"""``NumbaSimulator``: the public entry point of the hydraulic core."""

from __future__ import annotations

import warnings

import numpy as np

from models.network import wntr_model

from .compile import CompiledNetwork
from .compile_inp import compile_model
from .kernels.run import D_ERR, D_TIME, run_eps
from .kernels.state import new_state
from .kernels.structs import pack_state
from .results import ConvergenceError, SimulationResults, build_results


def model_parts(net):
    """(wntr model, pipe leakage table or None) from a Network or a bare WNTR model."""
    wn = wntr_model(net)
    leakage = getattr(net, "pipe_leakage", None)
    return wn, leakage


def _setup(cn: CompiledNetwork, warm_flow, convergence: str):
    """Report count, a fresh packed state and the warm-start flows for one run."""
    if convergence not in ("raise", "report"):
        raise ValueError("convergence must be 'raise' or 'report'")
    opt = cn.opt
    nrep = max((opt.dur - opt.rstart) // opt.rstep + 1, 1)
    warm = np.zeros(0) if warm_flow is None else np.ascontiguousarray(warm_flow, dtype=float)
    return nrep, pack_state(new_state(cn.net, cn.sm)), warm


def _failing(time_s, error_code, extraiter: int) -> list:
    """Times of the steps that fail a run: every unconverged step under UNBALANCED STOP;
    under UNBALANCED CONTINUE only ill-conditioned ones (an unbalanced step, code 1, is
    continued with a warning as EPANET does)."""
    error_code = np.asarray(error_code)
    bad = error_code != 0 if extraiter < 0 else error_code >= 100
    return np.asarray(time_s)[bad].astype(np.int64).tolist()


def _failure(bad: list, nwritten: int, nrep: int, err: int) -> str | None:
    """The ConvergenceError message of a run, or None when every step converged."""
    if bad:
        return (f"hydraulic solution failed at {len(bad)} time step(s), first at "
                f"t = {bad[0]} s (error code {err})")
    if nwritten < nrep:
        return f"simulation stopped after {nwritten} of {nrep} reports"
    return None


def execute(cn: CompiledNetwork, kernel_args, name: str = "", warm_flow=None,
            convergence: str = "raise") -> SimulationResults:
    """Run one extended-period simulation of a compiled network.

    Parameters
    ----------
    cn : CompiledNetwork
    kernel_args : tuple
        ``cn.kernel_args`` or a variant with modified network arrays.
    warm_flow : numpy.ndarray, optional
        Initial link flows (cfs) instead of EPANET's defaults.
    convergence : {"raise", "report"}
    """
    nrep, st, warm = _setup(cn, warm_flow, convergence)
    net = cn.net
    raw = {
        "head": np.zeros((nrep, net.nn)),
        "demand": np.zeros((nrep, net.nn)),
        "flow": np.zeros((nrep, net.nl)),
        "status": np.zeros((nrep, net.nl)),
        "setting": np.zeros((nrep, net.nl)),
        "supplied": np.zeros((nrep, net.nn), dtype=np.int8),
        "leak": np.zeros((nrep, net.nj)),
    }
    rep_step = np.zeros(nrep, dtype=np.int64)
    diag, nwritten, err = run_eps(
        *kernel_args, st, nrep, raw["head"], raw["demand"], raw["flow"],
        raw["status"], raw["setting"], raw["supplied"], raw["leak"], rep_step, warm, True)
    res = build_results(cn, raw, diag, nwritten, err, name)
    if convergence == "raise":
        d = res.diagnostics
        bad = _failing(d["time_s"], d["error_code"], cn.opt.extraiter)
        msg = _failure(bad, nwritten, nrep, err)
        if msg:
            raise ConvergenceError(msg, res, bad)
    for w in res.warnings:
        warnings.warn(w, RuntimeWarning, stacklevel=3)
    return res


def execute_leakage(cn: CompiledNetwork, kernel_args, warm_flow=None,
                    convergence: str = "raise") -> tuple[np.ndarray, np.ndarray]:
    """Run one extended-period simulation and keep only the total leakage.

    The same run as :func:`execute` (same steps, controls and solver), without building
    result tables: for sweeps that need nothing else.

    Parameters
    ----------
    cn : CompiledNetwork
    kernel_args : tuple
        ``cn.kernel_args`` or a variant with modified network arrays.
    warm_flow : numpy.ndarray, optional
        Initial link flows (cfs) instead of EPANET's defaults.
    convergence : {"raise", "report"}
        ``"raise"``: :class:`ConvergenceError` (with ``results=None``) when a step fails;
        ``"report"``: return what was computed.

    Returns
    -------
    times_s : numpy.ndarray
        Report times (s).
    leakage_m3s : numpy.ndarray
        Pipe and orifice leakage summed over all junctions at each report time (m3/s).
    """
    nrep, st, warm = _setup(cn, warm_flow, convergence)
    opt = cn.opt
    leak = np.zeros((nrep, cn.net.nj))
    none_f = np.zeros((0, 0))
    rep_step = np.zeros(nrep, dtype=np.int64)
    diag, nwritten, err = run_eps(
        *kernel_args, st, nrep, none_f, none_f, none_f, none_f, none_f,
        np.zeros((0, 0), dtype=np.int8), leak, rep_step, warm, False)
    if convergence == "raise":
        bad = _failing(diag[:, D_TIME], diag[:, D_ERR], opt.extraiter)
        msg = _failure(bad, nwritten, nrep, err)
        if msg:
            raise ConvergenceError(msg, None, bad)
    times = opt.rstart + opt.rstep * np.arange(nwritten)
    return times.astype(np.int64), leak[:nwritten].sum(axis=1) * cn.units.cfs_to_m3s()


class NumbaSimulator:
    """EPANET 2.2-compatible hydraulic simulator compiled with numba.

    Parameters
    ----------
    net : models.Network, wntr.network.WaterNetworkModel or CompiledNetwork
        The network. It is read once, when the simulator is built, and never modified;
        build a new simulator after editing the model. A compiled network is used as it
        is (no second compile).

    Examples
    --------
    >>> results = NumbaSimulator(wn).run_sim()          # doctest: +SKIP
    >>> results.node["pressure"].loc[3600, "J1"]         # doctest: +SKIP
    """

    def __init__(self, net):
        if isinstance(net, CompiledNetwork):
            self._name = ""
            self.compiled = net
            return
        self._name = (getattr(net, "name", None)
                      or getattr(getattr(net, "wn", None), "name", "") or "")
        self.compiled: CompiledNetwork = compile_model(net)

    def run_sim(self, convergence: str = "raise") -> SimulationResults:
        """Run the extended-period simulation set in the model's time options.

        Parameters
        ----------
        convergence : {"raise", "report"}
            What to do when a hydraulic step does not converge or the matrix is
            ill-conditioned. ``"raise"`` (default) raises :class:`ConvergenceError`
            carrying the results and the failing times (a step left unbalanced under
            the model's ``UNBALANCED CONTINUE`` is not a failure: the run carries on as
            EPANET does, with a ``RuntimeWarning``, ``results.warnings`` and the
            ``unbalanced`` diagnostics column); ``"report"`` returns the results
            with ``results.converged == False`` and per-step ``results.diagnostics``.

        Returns
        -------
        SimulationResults
        """
        return execute(self.compiled, self.compiled.kernel_args, self._name,
                       convergence=convergence)
