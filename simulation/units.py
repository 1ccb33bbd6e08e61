"""Unit conversion between the SI model (WNTR) and the solver's internal units.

The hydraulic kernels work in EPANET's internal units (feet, cubic feet per second,
seconds) with EPANET's own conversion constants, so that every empirical constant of
EPANET 2.2 (Hazen-Williams 4.727, viscosity 1.1e-5 ft2/s, tolerances in ft and cfs) keeps
its meaning. Values reach the kernels the way EPANET would see them in an INP file written
by WNTR: SI value -> file units (WNTR's ``from_si``) -> internal units (EPANET's factors).
"""

from __future__ import annotations

from wntr.epanet.util import FlowUnits, HydParam, from_si

from models.units import MPERFT

# EPANET 2.2 constants (src/types.h)
M3PERFT3 = 0.028317
PSIPERFT = 0.4333
KPAPERPSI = 6.895
KWPERHP = 0.7457
GPMPERCFS = 448.831

#: EPANET flow-unit factors: user flow units per cfs (src/types.h)
FLOW_PER_CFS = {
    "CFS": 1.0,
    "GPM": 448.831,
    "MGD": 0.64632,
    "IMGD": 0.5382,
    "AFD": 1.9837,
    "LPS": 28.317,
    "LPM": 1699.0,
    "MLD": 2.4466,
    "CMH": 101.94,
    "CMD": 2446.6,
}
SI_UNITS = {"LPS", "LPM", "MLD", "CMH", "CMD"}


class UnitSystem:
    """EPANET's unit conversion factors (``Ucf``) for one INP flow-unit choice.

    Parameters
    ----------
    flow_units : str
        EPANET flow units of the model's file (``wn.options.hydraulic.inpfile_units``).
    pressure_units : str or None
        ``PSI``, ``KPA`` or ``METERS`` (EPANET 2.2 PRESSURE option); defaults by unit system.
    specific_gravity : float
        Fluid specific gravity (EPANET ``SpGrav``).
    """

    def __init__(self, flow_units: str, pressure_units: str | None = None,
                 specific_gravity: float = 1.0):
        name = str(flow_units).upper()
        if name not in FLOW_PER_CFS:
            raise ValueError(f"unknown flow units {flow_units!r}")
        self.flow_units = name
        self.fu = FlowUnits[name]
        self.si = name in SI_UNITS
        sg = float(specific_gravity)
        self.flow = FLOW_PER_CFS[name]
        if self.si:
            self.length = MPERFT
            self.volume = MPERFT ** 3  # EPANET 2.2 converts volumes with MperFT^3, not M3perFT3
            self.power = KWPERHP
            pu = (pressure_units or "METERS").upper()
            self.pressure = KPAPERPSI * PSIPERFT * sg if pu == "KPA" else MPERFT * sg
        else:
            self.length = 1.0
            self.volume = 1.0
            self.power = 1.0
            pu = (pressure_units or "PSI").upper()
            self.pressure = PSIPERFT * sg
        self.pressure_units = pu

    # --- SI (WNTR) value -> value as written in the INP file ---------------------------
    def file_factor(self, param: HydParam) -> float:
        """Multiplier from SI to the file's units for ``param`` (WNTR's ``from_si``)."""
        cache = self.__dict__.setdefault("_factors", {})
        key = param.name  # enum hashing is slow; names are unique
        if key not in cache:
            cache[key] = float(from_si(self.fu, 1.0, param))
        return cache[key]

    def file_value(self, value_si: float, param: HydParam) -> float:
        """SI value as WNTR writes it into an INP file of these units."""
        return float(value_si) * self.file_factor(param)

    # --- SI -> internal --------------------------------------------------------------
    def flow_cfs(self, q_m3s: float) -> float:
        """Flow (m3/s) to cfs."""
        return self.file_value(q_m3s, HydParam.Flow) / self.flow

    def length_ft(self, x_m: float) -> float:
        """Length, elevation or head (m) to ft."""
        return x_m / MPERFT

    def pressure_ft(self, p_m: float) -> float:
        """Pressure head (m) to ft, through the file's pressure units as EPANET does."""
        return self.file_value(p_m, HydParam.Pressure) / self.pressure

    # --- internal -> SI --------------------------------------------------------------
    def cfs_to_m3s(self) -> float:
        """Factor from cfs to m3/s (inverse of :meth:`flow_cfs`)."""
        return 1.0 / self.flow_cfs(1.0)
