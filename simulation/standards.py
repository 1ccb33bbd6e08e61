"""Service standards the core's defaults follow (one place for each number).

Exports :data:`MIN_SERVICE_PRESSURE_MPA`, :data:`M_PER_MPA` and :data:`MIN_SERVICE_HEAD_M`.
"""

MIN_SERVICE_PRESSURE_MPA = 0.14
"""Minimum service pressure at network extremities, MPa (CJ/T 316-2009 §6.2, now
GB/T 32063-2015; medium-high confidence)."""

M_PER_MPA = 1e6 / (1000.0 * 9.80665)
"""Metres of water head per MPa (density 1000 kg/m3, standard gravity 9.80665 m/s2):
101.97 m."""

MIN_SERVICE_HEAD_M = MIN_SERVICE_PRESSURE_MPA * M_PER_MPA
"""Minimum service pressure head, m: 0.14 MPa = 14.276 m, shown as 14.28 m (not 14 m).
The default of every "below the service pressure" check in the project: spare capacity,
connection policy, shutdown policy, leakage PRV compliance, network runs, PDA required
pressure."""
