"""Hydraulic core: compile a WNTR model to frozen arrays and solve it with numba.

Public API
----------
NumbaSimulator
    ``NumbaSimulator(net).run_sim()`` -> :class:`SimulationResults`.
SimulationResults, ConvergenceError
compile_network, CompiledNetwork
"""

from .compile import CompiledNetwork, compile_network
from .results import ConvergenceError, SimulationResults
from .simulator import NumbaSimulator

__all__ = [
    "NumbaSimulator",
    "SimulationResults",
    "ConvergenceError",
    "compile_network",
    "CompiledNetwork",
]
