"""EPANET 2.2 and 2.3.5 engines through ctypes, for the reference runners.

See ``benchmarks/reference.py`` for how they are used; this module holds the toolkit
constants, the error type and the thin ctypes wrappers (one class per engine).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

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
