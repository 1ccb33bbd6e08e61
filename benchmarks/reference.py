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

import contextlib
import copy
import ctypes
import dataclasses
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

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

EPANET22 = "2.2"
EPANET23 = "2.3"

REPO = Path(__file__).resolve().parents[1]

# EPANET toolkit codes (epanet2_enums.h); these values are the same in 2.2 and 2.3.
_EN_ELEVATION = 0
_EN_BASEDEMAND = 1
_EN_DEMAND = 9
_EN_HEAD = 10
_EN_INITSTATUS = 4
_EN_INITSETTING = 5
_EN_FLOW = 8
_EN_DURATION = 0
_EN_PATTERNSTART = 4
_EN_NODECOUNT = 0
_EN_TANKCOUNT = 1
_EN_LINKCOUNT = 2
_EN_CVPIPE = 0
_EN_PIPE = 1
# EPANET 2.3 only (FAVAD pipe leakage).
_EN_LEAK_AREA = 26
_EN_LEAK_EXPAN = 27
_EN_LINK_LEAKAGE = 28
_EN_LEAKAGEFLOW = 30
# ENinitH flags: 0 = keep the last flows as the next initial guess, don't save; 10 = re-initialise.
_INITH_KEEP_FLOWS = 0
_INITH_REINIT_FLOWS = 10

_MAX_ID_CHARS = 255  # EN_getnodeid writes at most MAXID (31) chars; leave room anyway

# m3/s per EPANET flow unit (code order of EN_FlowUnits; CMS exists from 2.3 on).
_US_GALLON_M3 = 3.785411784e-3
_M3_S_PER_FLOW_UNIT = {
    0: 0.3048**3,  # CFS
    1: _US_GALLON_M3 / 60.0,  # GPM
    2: 1e6 * _US_GALLON_M3 / 86400.0,  # MGD
    3: 1e6 * 4.54609e-3 / 86400.0,  # IMGD
    4: 1233.48183754752 / 86400.0,  # AFD
    5: 1e-3,  # LPS
    6: 1e-3 / 60.0,  # LPM
    7: 1e3 / 86400.0,  # MLD
    8: 1.0 / 3600.0,  # CMH
    9: 1.0 / 86400.0,  # CMD
    10: 1.0,  # CMS
}
_US_FLOW_UNITS = {0, 1, 2, 3, 4}  # lengths and heads in feet
_M_PER_FT = 0.3048

EPANET_WARNINGS = {
    1: "system hydraulically unbalanced",
    2: "system may be hydraulically unstable",
    3: "system disconnected",
    4: "pumps cannot deliver enough flow or head",
    5: "valves cannot deliver enough flow",
    6: "system has negative pressures",
}


class EpanetError(RuntimeError):
    """An EPANET toolkit call returned an error code (>= 100).

    Attributes
    ----------
    code : int
        EPANET error code.
    """

    def __init__(self, code: int, message: str):
        super().__init__(f"EPANET error {code}: {message}")
        self.code = code


# ---------------------------------------------------------------------------------------------
# Timing, tables, memory, scratch folders
# ---------------------------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeat: int = 5, *, warmup: int = 0) -> float:
    """Best wall time of ``fn()`` over ``repeat`` calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is discarded.
    repeat : int
        Timed calls (>= 1). The minimum is the least noisy estimate on a shared machine.
    warmup : int
        Untimed calls first (JIT compilation, caches).

    Returns
    -------
    float
        Best wall time, seconds (``time.perf_counter``).
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    for _ in range(warmup):
        fn()
    best_s = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best_s = min(best_s, time.perf_counter() - t0)
    return best_s


def print_ratio_table(
    times_s: Mapping[str, float],
    reference: str,
    *,
    title: str | None = None,
    file: TextIO | None = None,
) -> None:
    """Print each entry's time as a ratio to a reference measured in the same run.

    Parameters
    ----------
    times_s : mapping of str to float
        Row label -> best wall time, seconds; ``nan`` marks a row that could not run.
    reference : str
        Key of ``times_s`` the ratios are relative to.
    title : str, optional
        Printed above the table.
    file : text stream, optional
        Defaults to ``sys.stdout``.
    """
    out = sys.stdout if file is None else file
    ref_s = times_s[reference]
    width = max(len(k) for k in times_s) + 2
    if title:
        print(title, file=out)
    print(f"{'':<{width}}{'ratio':>8}   (time / {reference}; lower is faster)", file=out)
    for label, t_s in times_s.items():
        ratio = t_s / ref_s if ref_s > 0 else math.nan
        shown = "   n/a" if math.isnan(ratio) else f"{ratio:8.3g}"
        print(f"{label:<{width}}{shown:>8}   [{t_s * 1e3:.1f} ms this run]", file=out)


def peak_rss_mib(code: str, *, timeout_s: float = 1800.0) -> float:
    """Peak resident memory of a fresh Python process that runs ``code``.

    The child runs in a temporary folder with the repository root on ``PYTHONPATH`` (so
    ``benchmarks``, ``simulation`` etc. import). Measure a baseline (the same imports, no work)
    the same way and subtract it to get the memory of the work itself.

    Parameters
    ----------
    code : str
        Python source run with ``python -c``.
    timeout_s : float
        Wall-clock limit for the child, seconds.

    Returns
    -------
    float
        Peak resident set size, MiB: ``VmHWM`` from ``/proc/self/status`` on Linux, because
        ``ru_maxrss`` of a child started by fork/vfork + exec starts at the parent's RSS;
        ``ru_maxrss`` elsewhere.
    """
    probe = (
        "\nimport resource as _r, sys as _s\n"
        "_kib = None\n"
        "try:\n"
        "    with open('/proc/self/status') as _f:\n"
        "        _kib = next(int(l.split()[1]) for l in _f if l.startswith('VmHWM:'))\n"
        "except (OSError, StopIteration):\n"
        "    _raw = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss\n"
        "    _kib = _raw / 1024 if _s.platform == 'darwin' else _raw\n"
        "print('PEAK_RSS_KIB', _kib)\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="rss_") as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", code + probe],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"child process failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(proc.stdout.rsplit("PEAK_RSS_KIB", 1)[1].split()[0]) / 1024


@contextlib.contextmanager
def scratch_dir(prefix: str = "bench_") -> Iterator[Path]:
    """Work inside a new temporary folder; restore the working folder and delete it after.

    Yields
    ------
    pathlib.Path
        The temporary folder (the current working folder inside the ``with`` block).
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, _working_dir(Path(tmp)):
        yield Path(tmp)


@contextlib.contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


# ---------------------------------------------------------------------------------------------
# Engines: the toolkit calls a project needs, for each EPANET version
# ---------------------------------------------------------------------------------------------

_DBL_P = ctypes.POINTER(ctypes.c_double)
_INT_P = ctypes.POINTER(ctypes.c_int)
_LONG_P = ctypes.POINTER(ctypes.c_long)
_CTYPES_LIBS: dict[str, ctypes.CDLL] = {}


def _ctypes_lib(path: str, has_bulk_getters: bool) -> ctypes.CDLL:
    """A private ctypes handle on an EPANET library (by full path), argument types declared.

    A separate ``CDLL`` object from WNTR's (same loaded library) so that declaring ``argtypes``
    here does not change how WNTR's wrapper calls its own handle.
    """
    lib = _CTYPES_LIBS.get(path)
    if lib is not None:
        return lib
    lib = ctypes.CDLL(path)
    ph, c_int, c_long, c_double = ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_double
    c_char_p = ctypes.c_char_p
    signatures = {
        "EN_createproject": [ctypes.POINTER(ctypes.c_void_p)],
        "EN_deleteproject": [ph],
        "EN_open": [ph, c_char_p, c_char_p, c_char_p],
        "EN_close": [ph],
        "EN_openH": [ph],
        "EN_initH": [ph, c_int],
        "EN_runH": [ph, _LONG_P],
        "EN_nextH": [ph, _LONG_P],
        "EN_closeH": [ph],
        "EN_getcount": [ph, c_int, _INT_P],
        "EN_getflowunits": [ph, _INT_P],
        "EN_gettimeparam": [ph, c_int, _LONG_P],
        "EN_settimeparam": [ph, c_int, c_long],
        "EN_getnodeid": [ph, c_int, c_char_p],
        "EN_getlinkid": [ph, c_int, c_char_p],
        "EN_getlinktype": [ph, c_int, _INT_P],
        "EN_getnodevalue": [ph, c_int, c_int, _DBL_P],
        "EN_getlinkvalue": [ph, c_int, c_int, _DBL_P],
        "EN_setnodevalue": [ph, c_int, c_int, c_double],
        "EN_setlinkvalue": [ph, c_int, c_int, c_double],
        "EN_setstatusreport": [ph, c_int],
        "EN_geterror": [c_int, c_char_p, c_int],
    }
    if has_bulk_getters:
        signatures["EN_getnodevalues"] = [ph, c_int, _DBL_P]
        signatures["EN_getlinkvalues"] = [ph, c_int, _DBL_P]
    for name, argtypes in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes = argtypes
        fn.restype = c_int
    _CTYPES_LIBS[path] = lib
    return lib


class _Engine:
    """An open EPANET project driven through ctypes (``lib`` + ``handle``).

    Subclasses open and close the project; values are in the INP's own units.
    """

    label = "EPANET"
    has_leakage = False

    lib: ctypes.CDLL
    handle: ctypes.c_void_p

    # -- errors ---------------------------------------------------------------------------
    def error_text(self, code: int) -> str:
        buf = ctypes.create_string_buffer(256)
        if self.lib.EN_geterror(code, buf, 255) != 0:
            return "unknown error"
        return buf.value.decode("latin-1")

    def check(self, code: int, what: str) -> int:
        """Raise ``EpanetError`` on an error code (>= 100); return a warning code (1-6) or 0."""
        if code >= 100:
            raise EpanetError(code, f"{what}: {self.error_text(code)}")
        return code

    # -- project --------------------------------------------------------------------------
    def count(self, code: int) -> int:
        n = ctypes.c_int()
        self.check(self.lib.EN_getcount(self.handle, code, ctypes.byref(n)), "ENgetcount")
        return n.value

    def flow_units(self) -> int:
        units = ctypes.c_int()
        self.check(self.lib.EN_getflowunits(self.handle, ctypes.byref(units)), "ENgetflowunits")
        return units.value

    def get_time(self, code: int) -> int:
        v = ctypes.c_long()
        self.check(self.lib.EN_gettimeparam(self.handle, code, ctypes.byref(v)), "ENgettimeparam")
        return v.value

    def set_time(self, code: int, value_s: int) -> None:
        self.check(self.lib.EN_settimeparam(self.handle, code, int(value_s)), "ENsettimeparam")

    def set_status_report(self, on: bool) -> None:
        self.check(self.lib.EN_setstatusreport(self.handle, 1 if on else 0), "ENsetstatusreport")

    def link_type(self, index: int) -> int:
        t = ctypes.c_int()
        self.check(self.lib.EN_getlinktype(self.handle, index, ctypes.byref(t)), "ENgetlinktype")
        return t.value

    # -- scalar values ----------------------------------------------------------------------
    def get_node_value(self, index: int, code: int) -> float:
        v = ctypes.c_double()
        err = self.lib.EN_getnodevalue(self.handle, index, code, ctypes.byref(v))
        self.check(err, f"ENgetnodevalue({index}, {code})")
        return v.value

    def get_link_value(self, index: int, code: int) -> float:
        v = ctypes.c_double()
        err = self.lib.EN_getlinkvalue(self.handle, index, code, ctypes.byref(v))
        self.check(err, f"ENgetlinkvalue({index}, {code})")
        return v.value

    def set_node_value(self, index: int, code: int, value: float) -> None:
        err = self.lib.EN_setnodevalue(self.handle, index, code, float(value))
        self.check(err, f"ENsetnodevalue({index}, {code}, {value})")

    def set_link_value(self, index: int, code: int, value: float) -> None:
        err = self.lib.EN_setlinkvalue(self.handle, index, code, float(value))
        self.check(err, f"ENsetlinkvalue({index}, {code}, {value})")

    # -- hydraulics -------------------------------------------------------------------------
    def open_h(self) -> None:
        self.check(self.lib.EN_openH(self.handle), "ENopenH")

    def init_h(self, flag: int) -> None:
        self.check(self.lib.EN_initH(self.handle, flag), "ENinitH")

    def run_h(self, t_s: ctypes.c_long) -> int:
        return self.check(self.lib.EN_runH(self.handle, ctypes.byref(t_s)), "ENrunH")

    def next_h(self, dt_s: ctypes.c_long) -> int:
        return self.check(self.lib.EN_nextH(self.handle, ctypes.byref(dt_s)), "ENnextH")

    def close_h(self) -> None:
        self.check(self.lib.EN_closeH(self.handle), "ENcloseH")

    # -- names and bulk reads ---------------------------------------------------------------
    def node_ids(self, n: int) -> list[str]:
        return self._ids(self.lib.EN_getnodeid, n, "ENgetnodeid")

    def link_ids(self, n: int) -> list[str]:
        return self._ids(self.lib.EN_getlinkid, n, "ENgetlinkid")

    def _ids(self, fn, n: int, what: str) -> list[str]:
        buf = ctypes.create_string_buffer(_MAX_ID_CHARS + 1)
        out = []
        for i in range(1, n + 1):
            self.check(fn(self.handle, i, buf), what)
            out.append(buf.value.decode("latin-1"))
        return out

    def node_values(self, code: int, n: int) -> np.ndarray:
        return self._values(self.lib.EN_getnodevalue, code, n, "ENgetnodevalue")

    def link_values(self, code: int, n: int) -> np.ndarray:
        return self._values(self.lib.EN_getlinkvalue, code, n, "ENgetlinkvalue")

    def _values(self, fn, code: int, n: int, what: str) -> np.ndarray:
        # one call per element: EPANET 2.2 has no EN_getnodevalues
        out = np.empty(n)
        v = ctypes.c_double()
        ref = ctypes.byref(v)
        h = self.handle
        for i in range(1, n + 1):
            err = fn(h, i, code, ref)
            if err:
                self.check(err, f"{what}({i}, {code})")
            out[i - 1] = v.value
        return out

    def close(self) -> None:
        raise NotImplementedError


class _Epanet22(_Engine):
    """EPANET 2.2 bundled in WNTR, opened and closed through ``ENepanet``, else by ctypes."""

    label = "EPANET 2.2"

    def __init__(self, inp: str, rpt: str, out: str):
        from wntr.epanet.exceptions import EpanetException
        from wntr.epanet.toolkit import ENepanet

        self._w = ENepanet(version=2.2)
        self.lib = _ctypes_lib(self._w.ENlib._name, has_bulk_getters=False)
        try:
            self._w.ENopen(inp, rpt, out)
        except EpanetException as exc:
            # ENopen created the project before failing; free it
            self._w.ENlib.EN_deleteproject(self._w._project)
            raise EpanetError(self._w.errcode, f"ENopen({inp}): {exc}") from exc
        # ENepanet keeps the EN_Project pointer in a c_uint64
        self.handle = ctypes.c_void_p(self._w._project.value)

    def close(self) -> None:
        from wntr.epanet.exceptions import EpanetException

        try:
            self._w.ENclose()  # EN_close + EN_deleteproject
        except EpanetException as exc:
            raise EpanetError(self._w.errcode, f"ENclose: {exc}") from exc


def _owa_epanet_library() -> str:
    """Path of the EPANET 2.3 library that the owa-epanet package ships.

    Found without importing ``epanet.toolkit``: its SWIG module links ``libepanet2.so`` by
    SONAME, and once WNTR has loaded its EPANET 2.2 (same SONAME) the import binds to 2.2
    and fails (undefined symbol EN_getnodevalues). Loading by full path always gets 2.3.
    """
    spec = importlib.util.find_spec("epanet")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("owa-epanet is not installed (pip install owa-epanet)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    for pattern in ("libepanet2.so", "libepanet2.dylib", "epanet2.dll", "*epanet2*.so"):
        found = sorted(folder.glob(pattern))
        if found:
            return str(found[0])
    raise FileNotFoundError(f"no EPANET library in {folder}")


class _Epanet23(_Engine):
    """EPANET 2.3.5 from the owa-epanet package, driven by ctypes on the library it ships."""

    label = "EPANET 2.3"
    has_leakage = True

    def __init__(self, inp: str, rpt: str, out: str):
        self.lib = _ctypes_lib(_owa_epanet_library(), has_bulk_getters=True)
        self.handle = ctypes.c_void_p()
        self.check(self.lib.EN_createproject(ctypes.byref(self.handle)), "ENcreateproject")
        err = self.lib.EN_open(self.handle, inp.encode(), rpt.encode(), out.encode())
        if err >= 100:
            self.lib.EN_deleteproject(self.handle)
            self.check(err, f"ENopen({inp})")

    def node_values(self, code: int, n: int) -> np.ndarray:
        out = np.empty(n)
        err = self.lib.EN_getnodevalues(self.handle, code, out.ctypes.data_as(_DBL_P))
        self.check(err, f"ENgetnodevalues({code})")
        return out

    def link_values(self, code: int, n: int) -> np.ndarray:
        out = np.empty(n)
        err = self.lib.EN_getlinkvalues(self.handle, code, out.ctypes.data_as(_DBL_P))
        self.check(err, f"ENgetlinkvalues({code})")
        return out

    def close(self) -> None:
        try:
            self.check(self.lib.EN_close(self.handle), "ENclose")
        finally:
            self.lib.EN_deleteproject(self.handle)


_ENGINES: dict[str, type[_Engine]] = {EPANET22: _Epanet22, EPANET23: _Epanet23}


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


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
