"""Reference runners for the benchmarks: EPANET 2.2, EPANET 2.3.5 and WNTR, timed in-process.

Exports
-------
EpanetProject
    One EPANET project kept open: a timed hydraulic loop, and single-period solves with link
    status, link setting, base demand or pipe leakage edits between them (sweeps, bisections).
run_epanet, solve_steady
    Open an INP, time a complete extended-period run / a single-period solve, close.
HydraulicRun, Snapshot
    What a timed loop / one solve returns (SI units: m, m3/s).
run_wntr_simulator, run_wntr_epanet_simulator, WntrRun
    WNTR's own simulators as extra references.
timed, print_ratio_table, peak_rss_mib, scratch_dir
    Best-of-N wall time, a ratio table, peak memory of a child process, a temporary working
    folder.

Callers: the scripts in ``benchmarks/`` and ``tests/test_benchmark_tools.py``. Importing this
module loads no EPANET library and touches no file.

Engines (``version``)
---------------------
``"2.2"``
    The libepanet22 bundled in WNTR: opened and closed through ``wntr.epanet.toolkit.ENepanet``
    (``version=2.2``), every other call through ctypes on the same library with the project
    handle. The wrapper lacks the status-report switch and bulk reads, reads IDs into a
    31-byte buffer (EPANET writes up to 32 bytes) and logs each warning through ``logging``
    (inside the timed loop).
``"2.3"``
    EPANET 2.3.5, the library shipped in the ``owa-epanet`` package, through ctypes. Its SWIG
    module ``epanet.toolkit`` is not used: it links ``libepanet2.so`` by SONAME, which WNTR's
    EPANET 2.2 also carries, so once WNTR has loaded its library the import binds to 2.2 and
    fails; and it turns warning codes (6 = negative pressures, ...) into a bare
    ``Warning('WARNING')``.
Both engines return every warning code and raise ``EpanetError`` on every error code.

EPANET creates scratch files (``enXXXXXX``) in the current folder and writes status lines to its
report file; each project lives in its own ``tempfile.TemporaryDirectory``, the process works in
that folder only while EPANET may touch files (open, hydraulics, close), and the folder is deleted
on close. The working-folder switch is process-wide: drive projects from one thread.
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.epanet_engine import (  # noqa: E402,F401  (re-exported)
    _EN_BASEDEMAND,
    _EN_CVPIPE,
    _EN_DEMAND,
    _EN_DURATION,
    _EN_ELEVATION,
    _EN_FLOW,
    _EN_HEAD,
    _EN_INITSETTING,
    _EN_INITSTATUS,
    _EN_LEAK_AREA,
    _EN_LEAK_EXPAN,
    _EN_LEAKAGEFLOW,
    _EN_LINK_LEAKAGE,
    _EN_LINKCOUNT,
    _EN_NODECOUNT,
    _EN_PATTERNSTART,
    _EN_PIPE,
    _EN_TANKCOUNT,
    _ENGINES,
    _INITH_KEEP_FLOWS,
    _INITH_REINIT_FLOWS,
    _M3_S_PER_FLOW_UNIT,
    _M_PER_FT,
    _US_FLOW_UNITS,
    EPANET22,
    EPANET23,
    EPANET_WARNINGS,
    EpanetError,
    _Engine,
    _working_dir,
)
from benchmarks.timing import peak_rss_mib, print_ratio_table, scratch_dir, timed  # noqa: E402,F401

__all__ = [
    "EPANET22",
    "EPANET23",
    "EpanetError",
    "EpanetProject",
    "HydraulicRun",
    "Snapshot",
    "WntrRun",
    "peak_rss_mib",
    "print_ratio_table",
    "run_epanet",
    "run_wntr_epanet_simulator",
    "run_wntr_simulator",
    "scratch_dir",
    "solve_steady",
    "timed",
]

@dataclass(frozen=True)
class Snapshot:
    """Hydraulic state after one EPANET solve, in SI units.

    Node arrays follow ``node_names`` (EPANET order: junctions first, then tanks and
    reservoirs); link arrays follow ``link_names``.

    Attributes
    ----------
    time_s : int
        Simulation time of the solve, seconds from the start of the run.
    head_m : numpy.ndarray, shape (n_nodes,)
        Hydraulic head, m.
    pressure_m : numpy.ndarray, shape (n_nodes,)
        Pressure head, m: ``head_m`` minus node elevation (EPANET's EN_PRESSURE in metres for a
        specific gravity of 1, without the psi round trip of US-unit models).
    demand_m3_s : numpy.ndarray, shape (n_nodes,)
        EN_DEMAND, m3/s: the node's computed outflow (negative = inflow from a tank/reservoir;
        EPANET 2.3 counts pipe leakage assigned to the node in it).
    flow_m3_s : numpy.ndarray or None, shape (n_links,)
        Link flow rate, m3/s; None when the caller skipped reading it.
    leakage_m3_s : numpy.ndarray or None, shape (n_nodes,)
        Node leakage flow (EN_LEAKAGEFLOW), m3/s; EPANET 2.3 only.
    warnings : tuple of int
        EPANET warning codes returned by this solve (see ``EPANET_WARNINGS``).
    wall_s : float
        Wall time of the solve, seconds (what it covers depends on the caller; see there).
    node_names, link_names : tuple of str
    n_junctions : int
        The first ``n_junctions`` nodes are junctions.
    """

    time_s: int
    head_m: np.ndarray
    pressure_m: np.ndarray
    demand_m3_s: np.ndarray
    flow_m3_s: np.ndarray | None
    leakage_m3_s: np.ndarray | None
    warnings: tuple[int, ...]
    wall_s: float
    node_names: tuple[str, ...] = field(repr=False)
    link_names: tuple[str, ...] = field(repr=False)
    n_junctions: int = 0

    @property
    def min_junction_pressure_m(self) -> float:
        """Lowest junction pressure, m."""
        return float(self.pressure_m[: self.n_junctions].min())

    def node_frame(self) -> pd.DataFrame:
        """Node results as a DataFrame: index = node name; head_m, pressure_m, demand_m3_s."""
        data = {
            "head_m": self.head_m,
            "pressure_m": self.pressure_m,
            "demand_m3_s": self.demand_m3_s,
        }
        if self.leakage_m3_s is not None:
            data["leakage_m3_s"] = self.leakage_m3_s
        return pd.DataFrame(data, index=pd.Index(self.node_names, name="node"))

    def link_frame(self) -> pd.DataFrame:
        """Link results as a DataFrame: index = link name; flow_m3_s."""
        if self.flow_m3_s is None:
            raise ValueError("link flows were not read for this snapshot")
        return pd.DataFrame(
            {"flow_m3_s": self.flow_m3_s}, index=pd.Index(self.link_names, name="link")
        )


@dataclass(frozen=True)
class HydraulicRun:
    """One timed EPANET hydraulic loop (ENopenH, ENinitH, ENrunH/ENnextH until the step is 0).

    Attributes
    ----------
    engine : str
        ``"EPANET 2.2"`` or ``"EPANET 2.3"``.
    n_steps : int
        Hydraulic solves (ENrunH calls), including intermediate ones at control and tank events.
    final_time_s : int
        Time of the last solve, seconds (the run's duration when it completes).
    wall_s : float
        Wall time of the loop, seconds: ENopenH (matrix ordering) + ENinitH + every ENrunH and
        ENnextH; best over the repeats when the caller asked for several. Reading recorded
        results is excluded. Opening the INP and closing are excluded.
    warnings : tuple of (int, int)
        ``(time_s, code)`` for each EPANET warning (see ``EPANET_WARNINGS``).
    snapshots : tuple of Snapshot
        The state after each solve, only when recording was asked for.
    """

    engine: str
    n_steps: int
    final_time_s: int
    wall_s: float
    warnings: tuple[tuple[int, int], ...]
    snapshots: tuple[Snapshot, ...] = ()

    def node_results(self) -> dict[str, pd.DataFrame]:
        """Recorded node results shaped like WNTR's ``results.node``.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``'head'`` (m), ``'pressure'`` (m), ``'demand'`` (m3/s) and, for EPANET 2.3,
            ``'leak_demand'`` (m3/s); index = time in seconds, columns = node names. Every
            solve is a row, intermediate event times included (WNTR's EpanetSimulator keeps
            report times only: filter on ``index % report_step == 0``).
        """
        if not self.snapshots:
            raise ValueError("no snapshots: run with record=True")
        names = pd.Index(self.snapshots[0].node_names)
        index = pd.Index([s.time_s for s in self.snapshots], name="time_s")
        out = {
            "head": pd.DataFrame([s.head_m for s in self.snapshots], index, names),
            "pressure": pd.DataFrame([s.pressure_m for s in self.snapshots], index, names),
            "demand": pd.DataFrame([s.demand_m3_s for s in self.snapshots], index, names),
        }
        if self.snapshots[0].leakage_m3_s is not None:
            out["leak_demand"] = pd.DataFrame(
                [s.leakage_m3_s for s in self.snapshots], index, names
            )
        return out

    def link_results(self) -> dict[str, pd.DataFrame]:
        """Recorded link results shaped like WNTR's ``results.link``: ``'flowrate'`` (m3/s)."""
        if not self.snapshots:
            raise ValueError("no snapshots: run with record=True")
        names = pd.Index(self.snapshots[0].link_names)
        index = pd.Index([s.time_s for s in self.snapshots], name="time_s")
        return {"flowrate": pd.DataFrame([s.flow_m3_s for s in self.snapshots], index, names)}


# ---------------------------------------------------------------------------------------------
# The kept-open project
# ---------------------------------------------------------------------------------------------


class EpanetProject:
    """One EPANET project, open until ``close()`` (use it as a context manager).

    Parameters
    ----------
    inp_path : str or pathlib.Path
        EPANET INP file.
    version : {"2.2", "2.3"}
        Engine: WNTR's bundled EPANET 2.2, or owa-epanet's 2.3.5.
    duration_s : int, optional
        Overrides the INP's duration (EN_DURATION, set before ENopenH). 0 = single period.
    pattern_time_s : int, optional
        Overrides the pattern start (EN_PATTERNSTART), so that the first period uses the
        demand multipliers of that time of day (e.g. the peak hour for a steady solve).
    status_report : bool
        Keep EPANET's per-step status lines in the report file (the INP's ``Status``
        option). Off by default: writing them is report I/O, not solving, and for
        ``Status Full`` models it dominates the loop.

    Notes
    -----
    Edits (``set_link_open``, ``set_base_demand``, ``set_link_setting``,
    ``set_pipe_leakage``) change the *initial* values EPANET copies into the solver at every
    ENinitH, so they apply to the next ``solve()`` or ``run_hydraulics()`` and stay until
    changed back. Values are SI except where a name says otherwise.

    Examples
    --------
    >>> with EpanetProject(path, duration_s=0) as p:  # doctest: +SKIP
    ...     base = p.solve()
    ...     p.set_link_open("P12", False)
    ...     closed = p.solve()
    ...     p.set_link_open("P12", True)
    """

    def __init__(
        self,
        inp_path: str | os.PathLike,
        version: str = EPANET22,
        *,
        duration_s: int | None = None,
        pattern_time_s: int | None = None,
        status_report: bool = False,
    ):
        if version not in _ENGINES:
            raise ValueError(f"version must be one of {sorted(_ENGINES)}, not {version!r}")
        self.inp_path = Path(inp_path).resolve()
        if not self.inp_path.is_file():
            raise FileNotFoundError(self.inp_path)
        self.version = version
        self._tmp = tempfile.TemporaryDirectory(prefix="epanet_")
        self._dir = Path(self._tmp.name)
        self._hyd_open = False
        self._engine: _Engine | None = None
        try:
            with _working_dir(self._dir):
                self._engine = _ENGINES[version](
                    str(self.inp_path), str(self._dir / "report.rpt"), str(self._dir / "out.bin")
                )
            self._configure(duration_s, pattern_time_s, status_report)
        except BaseException:
            self.close()
            raise

    def _configure(self, duration_s, pattern_time_s, status_report) -> None:
        en = self._engine
        if duration_s is not None:
            en.set_time(_EN_DURATION, int(duration_s))
        if pattern_time_s is not None:
            en.set_time(_EN_PATTERNSTART, int(pattern_time_s))
        en.set_status_report(status_report)
        self.n_nodes = en.count(_EN_NODECOUNT)
        self.n_links = en.count(_EN_LINKCOUNT)
        self.n_junctions = self.n_nodes - en.count(_EN_TANKCOUNT)
        self.node_names = tuple(en.node_ids(self.n_nodes))
        self.link_names = tuple(en.link_ids(self.n_links))
        self._node_index = {name: i + 1 for i, name in enumerate(self.node_names)}
        self._link_index = {name: i + 1 for i, name in enumerate(self.link_names)}
        units = en.flow_units()
        self._m3_s_per_flow = _M3_S_PER_FLOW_UNIT[units]
        self._m_per_length = _M_PER_FT if units in _US_FLOW_UNITS else 1.0
        self.elevation_m = en.node_values(_EN_ELEVATION, self.n_nodes) * self._m_per_length

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def engine(self) -> str:
        """``"EPANET 2.2"`` or ``"EPANET 2.3"``."""
        return _ENGINES[self.version].label

    @property
    def duration_s(self) -> int:
        """The run's duration (EN_DURATION), seconds."""
        return self._open_engine().get_time(_EN_DURATION)

    def close(self) -> None:
        """Close EPANET and delete the scratch folder (safe to call twice)."""
        try:
            if self._engine is not None:
                with _working_dir(self._dir):
                    try:
                        if self._hyd_open:
                            self._engine.close_h()
                    finally:
                        self._hyd_open = False
                        engine, self._engine = self._engine, None
                        engine.close()
        finally:
            self._tmp.cleanup()

    def __enter__(self) -> EpanetProject:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _open_engine(self) -> _Engine:
        if self._engine is None:
            raise RuntimeError("the EPANET project is closed")
        return self._engine

    # -- edits ----------------------------------------------------------------------------
    def _link(self, name: str) -> int:
        try:
            return self._link_index[name]
        except KeyError:
            raise KeyError(f"no link {name!r} in {self.inp_path.name}") from None

    def _node(self, name: str) -> int:
        try:
            return self._node_index[name]
        except KeyError:
            raise KeyError(f"no node {name!r} in {self.inp_path.name}") from None

    def set_link_open(self, link_name: str, is_open: bool) -> None:
        """Open or close a pipe, pump or valve for the next solves (EN_INITSTATUS).

        EN_INITSTATUS rather than EN_STATUS: ENinitH copies the initial status into the solver
        at every solve, so only the initial one survives to the next solve. Opening a control
        valve this way fixes it open (no longer regulating); ``set_link_setting`` makes it
        active again. Check valves cannot be closed (EPANET error 207).
        """
        self._open_engine().set_link_value(
            self._link(link_name), _EN_INITSTATUS, 1 if is_open else 0
        )

    def link_is_open(self, link_name: str) -> bool:
        """Initial status (EN_INITSTATUS) of a link: True unless closed."""
        return self._open_engine().get_link_value(self._link(link_name), _EN_INITSTATUS) != 0

    def set_link_setting(self, link_name: str, setting_project_units: float) -> None:
        """Set a link's initial setting (EN_INITSETTING) in the INP's own units.

        Pipes: roughness coefficient. Pumps: relative speed. PRV/PSV/PBV: pressure (m for SI
        models, psi for US ones). FCV: flow in the INP's flow unit. TCV: loss coefficient.
        """
        self._open_engine().set_link_value(
            self._link(link_name), _EN_INITSETTING, setting_project_units
        )

    def link_setting(self, link_name: str) -> float:
        """A link's initial setting (EN_INITSETTING) in the INP's own units."""
        return self._open_engine().get_link_value(self._link(link_name), _EN_INITSETTING)

    def set_base_demand(self, node_name: str, base_demand_m3_s: float) -> None:
        """Set a junction's base demand (EN_BASEDEMAND: its primary demand category), m3/s.

        The demand pattern and global multiplier still apply on top.
        """
        self._open_engine().set_node_value(
            self._node(node_name), _EN_BASEDEMAND, base_demand_m3_s / self._m3_s_per_flow
        )

    def base_demand_m3_s(self, node_name: str) -> float:
        """A junction's base demand (EN_BASEDEMAND), m3/s."""
        value = self._open_engine().get_node_value(self._node(node_name), _EN_BASEDEMAND)
        return value * self._m3_s_per_flow

    def set_pipe_leakage(
        self, link_name: str, area_mm2_per_100m: float, expansion_mm2_per_m: float = 0.0
    ) -> None:
        """Set a pipe's FAVAD leakage parameters (EPANET 2.3 only; SI models only).

        Parameters
        ----------
        link_name : str
            A pipe.
        area_mm2_per_100m : float
            EN_LEAK_AREA: leak area at zero pressure, mm2 per 100 m of pipe.
        expansion_mm2_per_m : float
            EN_LEAK_EXPAN: growth of that area per metre of pressure head, mm2 per m of head
            per 100 m of pipe (EPANET scales both by the pipe's length / 100).

        Notes
        -----
        EPANET 2.3.5 rebuilds its node leakage coefficients at every ENinitH, so the change
        applies to the next solve without re-opening the hydraulic solver.
        """
        en = self._open_engine()
        if not en.has_leakage:
            raise NotImplementedError(f"pipe leakage needs EPANET 2.3, not {en.label}")
        if self._m_per_length != 1.0:
            raise NotImplementedError("pipe leakage here takes SI models only (US-unit INP)")
        index = self._link(link_name)
        if en.link_type(index) not in (_EN_CVPIPE, _EN_PIPE):
            raise ValueError(f"{link_name!r} is not a pipe; only pipes leak")
        en.set_link_value(index, _EN_LEAK_AREA, area_mm2_per_100m)
        en.set_link_value(index, _EN_LEAK_EXPAN, expansion_mm2_per_m)

    def link_leakage_m3_s(self) -> np.ndarray:
        """Leakage flow of every link at the last solve (EN_LINK_LEAKAGE), m3/s; EPANET 2.3."""
        en = self._open_engine()
        if not en.has_leakage:
            raise NotImplementedError(f"pipe leakage needs EPANET 2.3, not {en.label}")
        return en.link_values(_EN_LINK_LEAKAGE, self.n_links) * self._m3_s_per_flow

    # -- solving --------------------------------------------------------------------------
    def _close_hydraulics(self) -> None:
        if self._hyd_open:
            self._hyd_open = False
            self._open_engine().close_h()

    def _snapshot(
        self, time_s: int, warnings: tuple[int, ...], wall_s: float, link_flows: bool = True
    ) -> Snapshot:
        en = self._open_engine()
        head_m = en.node_values(_EN_HEAD, self.n_nodes) * self._m_per_length
        leakage = None
        if en.has_leakage:
            leakage = en.node_values(_EN_LEAKAGEFLOW, self.n_nodes) * self._m3_s_per_flow
        return Snapshot(
            time_s=int(time_s),
            head_m=head_m,
            pressure_m=head_m - self.elevation_m,
            demand_m3_s=en.node_values(_EN_DEMAND, self.n_nodes) * self._m3_s_per_flow,
            flow_m3_s=(
                en.link_values(_EN_FLOW, self.n_links) * self._m3_s_per_flow if link_flows else None
            ),
            leakage_m3_s=leakage,
            warnings=warnings,
            wall_s=wall_s,
            node_names=self.node_names,
            link_names=self.link_names,
            n_junctions=self.n_junctions,
        )

    def solve(self, *, reinit_flows: bool = False, link_flows: bool = True) -> Snapshot:
        """Solve the first period of the run with the current edits, hydraulics kept open.

        Parameters
        ----------
        reinit_flows : bool
            ENinitH(10): start from EPANET's default flows. By default (ENinitH(0)) the last
            solve's flows are the initial guess, as a sweep over small edits would use them.
        link_flows : bool
            Read link flows too. With EPANET 2.2 every value is one toolkit call (about 0.3 s
            for heads, demands and flows of a 100,000-junction network, several solves' worth
            in a sweep); skip the flows when only node results matter.

        Returns
        -------
        Snapshot
            ``wall_s`` covers ENinitH + ENrunH (the first call also opens the hydraulic
            solver, outside the timing).
        """
        en = self._open_engine()
        with _working_dir(self._dir):
            if not self._hyd_open:
                en.open_h()
                self._hyd_open = True
            t_s = ctypes.c_long()
            t0 = time.perf_counter()
            en.init_h(_INITH_REINIT_FLOWS if reinit_flows else _INITH_KEEP_FLOWS)
            code = en.run_h(t_s)
            wall_s = time.perf_counter() - t0
        return self._snapshot(t_s.value, (code,) if code else (), wall_s, link_flows)

    def run_hydraulics(self, *, record: bool = False) -> HydraulicRun:
        """Time one complete hydraulic run: ENopenH, ENinitH(0), ENrunH/ENnextH to step 0.

        Parameters
        ----------
        record : bool
            Keep a ``Snapshot`` after every solve (reading is excluded from ``wall_s``).

        Returns
        -------
        HydraulicRun
        """
        en = self._open_engine()
        snapshots: list[Snapshot] = []
        warnings: list[tuple[int, int]] = []
        t_s, dt_s = ctypes.c_long(), ctypes.c_long()
        n_steps = 0
        read_s = 0.0
        with _working_dir(self._dir):
            self._close_hydraulics()
            t0 = time.perf_counter()
            en.open_h()
            self._hyd_open = True
            en.init_h(_INITH_KEEP_FLOWS)
            while True:
                code = en.run_h(t_s)
                n_steps += 1
                if code:
                    warnings.append((t_s.value, code))
                if record:
                    r0 = time.perf_counter()
                    snapshots.append(self._snapshot(t_s.value, (code,) if code else (), math.nan))
                    read_s += time.perf_counter() - r0
                code = en.next_h(dt_s)
                if code:
                    warnings.append((t_s.value, code))
                if dt_s.value <= 0:
                    break
            wall_s = time.perf_counter() - t0 - read_s
            self._close_hydraulics()
        return HydraulicRun(
            engine=en.label,
            n_steps=n_steps,
            final_time_s=t_s.value,
            wall_s=wall_s,
            warnings=tuple(warnings),
            snapshots=tuple(snapshots),
        )


# ---------------------------------------------------------------------------------------------
# One-shot EPANET runners
# ---------------------------------------------------------------------------------------------


def run_epanet(
    inp_path: str | os.PathLike,
    *,
    version: str = EPANET22,
    duration_s: int | None = None,
    repeat: int = 1,
    record: bool = False,
    status_report: bool = False,
) -> HydraulicRun:
    """Open an INP and time complete extended-period hydraulic runs (best of ``repeat``).

    Parameters
    ----------
    inp_path : str or pathlib.Path
        EPANET INP file.
    version : {"2.2", "2.3"}
        EPANET engine.
    duration_s : int, optional
        Cap on the run's duration, seconds (default: the INP's).
    repeat : int
        Runs on the same open project, each from ENopenH (fresh flows and matrix ordering).
    record : bool
        Keep the state after every solve of the last run.
    status_report : bool
        See ``EpanetProject``.

    Returns
    -------
    HydraulicRun
        Of the last run, with ``wall_s`` the best over all runs.
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    with EpanetProject(
        inp_path, version, duration_s=duration_s, status_report=status_report
    ) as project:
        best_s = math.inf
        for i in range(repeat):
            run = project.run_hydraulics(record=record and i == repeat - 1)
            best_s = min(best_s, run.wall_s)
    return HydraulicRun(
        engine=run.engine,
        n_steps=run.n_steps,
        final_time_s=run.final_time_s,
        wall_s=best_s,
        warnings=run.warnings,
        snapshots=run.snapshots,
    )


def solve_steady(
    inp_path: str | os.PathLike,
    *,
    version: str = EPANET22,
    pattern_time_s: int | None = None,
    repeat: int = 1,
) -> Snapshot:
    """Open an INP and time a single-period (steady-state) solve, best of ``repeat``.

    Parameters
    ----------
    inp_path : str or pathlib.Path
        EPANET INP file.
    version : {"2.2", "2.3"}
        EPANET engine.
    pattern_time_s : int, optional
        Time of day whose demand multipliers apply (default: the INP's pattern start).
    repeat : int
        Solves on the same open project, each from ENopenH.

    Returns
    -------
    Snapshot
        The solution; ``wall_s`` = best ENopenH + ENinitH + ENrunH + ENnextH time, seconds.
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    with EpanetProject(inp_path, version, duration_s=0, pattern_time_s=pattern_time_s) as p:
        best_s = math.inf
        for i in range(repeat):
            run = p.run_hydraulics(record=i == repeat - 1)
            best_s = min(best_s, run.wall_s)
    return dataclasses.replace(run.snapshots[-1], wall_s=best_s)


# ---------------------------------------------------------------------------------------------
# WNTR's simulators
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WntrRun:
    """A timed WNTR simulation.

    Attributes
    ----------
    engine : str
        Which simulator.
    wall_s : float
        Best ``run_sim()`` wall time over the repeats, seconds.
    results : wntr.sim.SimulationResults
        Results of the last run.
    """

    engine: str
    wall_s: float
    results: object


def _fresh_model(model, duration_s: int | None):
    """A model to simulate: loaded from a path, or a deep copy (WNTR writes state into it)."""
    import wntr

    if isinstance(model, (str, os.PathLike)):
        wn = wntr.network.WaterNetworkModel(str(model))
    else:
        wn = copy.deepcopy(model)
    if duration_s is not None:
        wn.options.time.duration = int(duration_s)
    return wn


def run_wntr_simulator(model, *, duration_s: int | None = None, repeat: int = 1) -> WntrRun:
    """Time ``wntr.sim.WNTRSimulator(wn).run_sim()`` (best of ``repeat``).

    Parameters
    ----------
    model : str, pathlib.Path or wntr.network.WaterNetworkModel
        INP path, or a model (copied for each run, outside the timing).
    duration_s : int, optional
        Cap on the duration, seconds.
    repeat : int
        Timed runs, each on a fresh model.

    Returns
    -------
    WntrRun
    """
    import wntr

    best_s, results = math.inf, None
    for _ in range(repeat):
        wn = _fresh_model(model, duration_s)
        sim = wntr.sim.WNTRSimulator(wn)
        t0 = time.perf_counter()
        results = sim.run_sim()
        best_s = min(best_s, time.perf_counter() - t0)
    return WntrRun("WNTRSimulator", best_s, results)


def run_wntr_epanet_simulator(
    model, *, duration_s: int | None = None, version: float = 2.2, repeat: int = 1
) -> WntrRun:
    """Time ``wntr.sim.EpanetSimulator(wn).run_sim()``, its files in a temporary folder.

    The time is end to end: WNTR writes an INP, EPANET runs hydraulics and water quality
    (ENsolveH/ENsolveQ) and writes its binary output, WNTR reads it back.

    Parameters
    ----------
    model : str, pathlib.Path or wntr.network.WaterNetworkModel
        INP path, or a model (copied for each run, outside the timing).
    duration_s : int, optional
        Cap on the duration, seconds.
    version : float
        EPANET library WNTR uses (2.2 or 2.0).
    repeat : int
        Timed runs, each on a fresh model.

    Returns
    -------
    WntrRun
    """
    import wntr

    best_s, results = math.inf, None
    for _ in range(repeat):
        wn = _fresh_model(model, duration_s)
        with scratch_dir("wntr_epanet_") as tmp:
            sim = wntr.sim.EpanetSimulator(wn)
            t0 = time.perf_counter()
            results = sim.run_sim(file_prefix=str(tmp / "wntr"), version=version)
            best_s = min(best_s, time.perf_counter() - t0)
    return WntrRun(f"wntr EpanetSimulator (EPANET {version})", best_s, results)
