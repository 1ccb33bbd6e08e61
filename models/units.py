"""Unit constants of the project, defined once (EPANET 2.2 src/types.h values).

Exports :data:`MPERFT`. ``simulation.units`` (the solver's unit system) and
``models.leakage`` use it; nothing else defines it.
"""

MPERFT = 0.3048
"""Metres per foot (EPANET's ``MperFT``)."""
