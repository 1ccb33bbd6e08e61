"""EPANET 2.3 pipe-leakage (FAVAD) coefficients in the solver's internal units."""

from __future__ import annotations

import math

#: discharge coefficient EPANET 2.3 uses for pipe leaks
LEAK_CD = 0.6
G_FT_S2 = 32.2


def favad_coefficients(area_mm2_per_100m: float, expansion_mm2_per_m: float,
                       length_ft: float, units) -> tuple[float, float]:
    """Whole-pipe FAVAD coefficients (c1, c2) in cfs/ft^0.5 and cfs/ft^1.5.

    Leak outflow of the pipe at pressure head ``h`` (ft) is ``c1 * h**0.5 + c2 * h**1.5``
    (EPANET 2.3: ``Q = Cd * (A0 + m * h) * sqrt(2 g h)``), with ``A0`` the leak area per
    100 m of pipe times the pipe's length and ``m`` the area expansion per metre of head
    per 100 m of pipe.

    Parameters
    ----------
    area_mm2_per_100m : float
        Leak area, mm2 per 100 m of pipe.
    expansion_mm2_per_m : float
        Increase of leak area per metre of pressure head, mm2 per 100 m of pipe.
    length_ft : float
        Pipe length (ft).
    units : UnitSystem
        Unused today; kept so the signature stays when US-unit files are supported.
    """
    length_m = length_ft * 0.3048
    per = length_m / 100.0
    a0_ft2 = area_mm2_per_100m * per * 1.0e-6 / 0.3048 ** 2
    m_ft = expansion_mm2_per_m * per * 1.0e-6 / 0.3048 ** 2 / 0.3048  # ft2 per ft of head
    k = LEAK_CD * math.sqrt(2.0 * G_FT_S2)
    return k * a0_ft2, k * m_ft
