"""Service standards the core's defaults follow (one place for each number).

Exports :data:`MIN_SERVICE_HEAD_M`.
"""

MIN_SERVICE_HEAD_M = 14.0
"""Minimum service pressure head at network extremities, m: 0.14 MPa (CJ/T 316-2009 §6.2,
GB/T 32063-2015). The default of every "below the service pressure" check in the project:
spare capacity, connection policy, shutdown policy, leakage PRV compliance, network runs."""
