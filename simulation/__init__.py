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
peak_demand_time_s, total_demand_m3s, demand_at
    Demand profile helpers (the hour of peak demand for snapshot studies; the demand each
    junction asks for at given times).
Scenario, LinkClosure, PdaSettings, with_scenario, run_scenario
    What-ifs as inputs to a compiled network (run length, link closures over time
    windows) and the one pressure-driven-demand settings value; the model is never edited.
MIN_SERVICE_HEAD_M
    The minimum service pressure head, m (0.14 MPa = 14.28 m, CJ/T 316-2009): every default
    threshold.
compile_model, compile_inp
    A network's arrays without building its WNTR model when ``models.load_network``'s
    fast reader read it; ``compile_inp(path)`` reads and compiles an INP file.

Public submodules (import them by name): ``simulation.linalg`` (the core's sparse LDL^T,
for linearised networks) and ``simulation.codes`` (link status codes of solver states).
Everything under ``simulation.kernels`` is private to the core.
"""

from .branches import BranchCosts, closure_branches
from .capacity import ExtraDemandResult
from .compile import (
    CompiledNetwork,
    compile_network,
    demand_at,
    total_demand_m3s,
)
from .compile_inp import compile_inp, compile_model, peak_demand_time_s
from .results import ConvergenceError, SimulationResults
from .scenario import ScenarioRunner
from .simulator import NumbaSimulator
from .standards import MIN_SERVICE_HEAD_M
from .steady import ClosureSweepResult, Snapshot, SteadyStateSolver
from .whatif import LinkClosure, PdaSettings, Scenario, run_scenario, with_scenario

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
    "demand_at",
    "SteadyStateSolver",
    "Snapshot",
    "ClosureSweepResult",
    "ExtraDemandResult",
    "ScenarioRunner",
    "closure_branches",
    "BranchCosts",
    "MIN_SERVICE_HEAD_M",
    "Scenario",
    "LinkClosure",
    "PdaSettings",
    "with_scenario",
    "run_scenario",
]
