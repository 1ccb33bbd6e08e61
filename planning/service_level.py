"""The network's minimum service pressure, one named constant for every planning package.

CJ/T 316-2009 §6.2 (now GB/T 32063-2015): at least 0.14 MPa at the network's extremities
(medium-high confidence). In metres of water head (density 1000 kg/m3, standard gravity
9.80665 m/s2): 0.14 MPa = 14.276 m, shown as 14.28 m, not 14 m.

Exports :data:`MIN_SERVICE_PRESSURE_MPA`, :data:`M_PER_MPA` and
:data:`MIN_SERVICE_PRESSURE_M`.
"""

MIN_SERVICE_PRESSURE_MPA = 0.14
"""Minimum network pressure, MPa (CJ/T 316-2009 §6.2 / GB/T 32063-2015)."""
M_PER_MPA = 1e6 / (1000.0 * 9.80665)
"""Metres of water head per MPa (101.97 m)."""
MIN_SERVICE_PRESSURE_M = MIN_SERVICE_PRESSURE_MPA * M_PER_MPA
"""Minimum network pressure, m of head (14.276 m)."""
