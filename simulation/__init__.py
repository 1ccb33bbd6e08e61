"""Hydraulic core: compile a WNTR model to frozen arrays and solve it with numba.

Public API
----------
NumbaSimulator
    ``NumbaSimulator(net).run_sim()`` -> :class:`SimulationResults`.
SimulationResults, ConvergenceError
ScenarioRunner
    Many extended-period what-ifs (valve settings, pump speeds, statuses) on one compiled
    network, warm-started and spread over threads.
SteadyStateSolver, Snapshot, ClosureSweepResult
    Single-period solves at one pattern time with warm-started what-ifs (extra demands,
    closed links, closure sweeps) for the planning modules.
ExtraDemandResult
    From ``SteadyStateSolver.max_extra_demand``: the largest extra demand each junction can
    take with it and the protected junctions at a minimum pressure (spare capacity).
closure_branches, BranchCosts
    The cost of closing links over [s, s + D) for many starts s (customer-seconds without
    water or below a minimum pressure, unserved demand), hot-started from one baseline
    extended-period run.
compile_network, CompiledNetwork
compile_model, compile_inp
    A network's arrays without building its WNTR model when ``models.load_network``'s
    fast reader read it; ``compile_inp(path)`` reads and compiles an INP file.
peak_demand_time_s, total_demand_m3s
    Demand profile helpers (the hour of peak demand for snapshot studies).

Public submodules (import them by name): ``simulation.linalg`` (the core's sparse LDL^T,
for linearised networks) and ``simulation.codes`` (link status codes of solver states).
Everything under ``simulation.kernels`` is private to the core.
"""

from .branches import BranchCosts, closure_branches
from .capacity import ExtraDemandResult
from .compile import CompiledNetwork, compile_network, peak_demand_time_s, total_demand_m3s
from .compile_inp import compile_inp, compile_model
from .results import ConvergenceError, SimulationResults
from .scenario import ScenarioRunner
from .simulator import NumbaSimulator
from .steady import ClosureSweepResult, Snapshot, SteadyStateSolver

__all__ = [
    "NumbaSimulator",
    "SimulationResults",
    "ConvergenceError",
    "compile_network",
    "compile_model",
    "compile_inp",
    "CompiledNetwork",
    "peak_demand_time_s",
    "total_demand_m3s",
    "SteadyStateSolver",
    "Snapshot",
    "ClosureSweepResult",
    "ExtraDemandResult",
    "ScenarioRunner",
    "closure_branches",
    "BranchCosts",
]
