"""Hydraulic core: compile a WNTR model to frozen arrays and solve it with numba.

Public API
----------
NumbaSimulator
    ``NumbaSimulator(net).run_sim()`` -> :class:`SimulationResults`.
SimulationResults, ConvergenceError
SteadyStateSolver, Snapshot
    Single-period solves at one pattern time with warm-started what-ifs (extra demands,
    closed links, closure sweeps) for the planning modules.
compile_network, CompiledNetwork
"""

from .compile import CompiledNetwork, compile_network
from .results import ConvergenceError, SimulationResults
from .simulator import NumbaSimulator
from .steady import Snapshot, SteadyStateSolver

__all__ = [
    "NumbaSimulator",
    "SimulationResults",
    "ConvergenceError",
    "compile_network",
    "CompiledNetwork",
    "SteadyStateSolver",
    "Snapshot",
]
