"""EPANET 2.3 pipe-leakage (FAVAD) coefficients in the solver's internal units."""

from __future__ import annotations

import math

from .units import MPERFT

#: discharge coefficient EPANET 2.3 uses for pipe leaks
LEAK_CD = 0.6
G_FT_S2 = 32.2


def favad_coefficients(area_mm2_per_100m: float, expansion_mm2_per_m: float,
                       length_ft: float) -> tuple[float, float]:
    """Whole-pipe FAVAD coefficients (ca, ce) in cfs/ft^0.5 and cfs/ft^1.5.

    Leak outflow of the pipe at pressure head ``h`` (ft) is ``(ca + ce * h) * sqrt(h)``
    (EPANET 2.3: ``Q = Cd * sqrt(2g) * (A0 + m * h) * sqrt(h)``, Cd = 0.6, g = 32.2 ft/s2).

    Parameters
    ----------
    area_mm2_per_100m : float
        Leak area, mm2 per 100 m of pipe.
    expansion_mm2_per_m : float
        Increase of leak area per metre of pressure head, mm2 per 100 m of pipe.
    length_ft : float
        Pipe length (ft).
    """
    sections = length_ft * MPERFT / 100.0          # number of 100-m sections
    c_orif = LEAK_CD * math.sqrt(2.0 * G_FT_S2) * 1.0e-6   # EPANET's 4.8149866e-6
    ca = c_orif * area_mm2_per_100m / MPERFT ** 2 * sections
    ce = c_orif * expansion_mm2_per_m / MPERFT * sections  # mm2/m -> ft2/ft
    return ca, ce
