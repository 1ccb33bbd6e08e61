"""Study files (scenarios) and the headless runner behind ``python -m planning``.

Every study the planner runs (a network run, a capacity what-if, connection applications,
shutdown jobs, leakage settings) is a human-readable YAML file with a ``kind`` and a
``version``; see docs/app.md for each format. Public API::

    study = load_study("scenarios/demo/network_run.yaml")   # checked, or ScenarioFileError
    run_study(study, "out/run")                              # what `python -m planning run` does
    write_study(study, "scenarios/studies/mine.yaml")        # atomic (temp file + os.replace)

The Network, 2025 capacity, Connections and Leakage pages use :mod:`.network_run`,
:mod:`.capacity_whatif`, :mod:`.connection_study` and :mod:`.leakage_study` for everything
they compute, so that the pages hold no numerics.
"""

from application.capacity_whatif import (
    DEMO_REGISTRY,
    checked_whatif,
    gap_comparison,
    gap_display,
    registry_path,
    whatif_of,
    whatif_study,
)
from application.files import (
    MAX_STUDY_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB,
    ScenarioFileError,
    Study,
    atomic_write_bytes,
    dump_study,
    write_study,
)
from application.kinds import (
    KINDS,
    StudyKind,
    build_study,
    load_study,
    parse_uploaded_study,
    run_study,
)
from application.network_run import (
    SERVICE_PRESSURE_M,
    NetworkRunResult,
    NetworkRunSettings,
    NetworkSummary,
    OpenedNetwork,
    network_run_settings,
    network_simulator,
    network_summary,
    node_attributes,
    open_network,
    open_network_bytes,
    open_study_network,
    pressure_map_layer,
    run_network,
)
from application.paths import (
    DEMO_DIR,
    DEMO_NETWORK,
    DEMO_PLACEMENT,
    studies_dir,
    study_file_name,
    study_files,
)
from application.placement_files import placement_study, read_placement
from models import PlannerError

__all__ = [
    "DEMO_DIR",
    "DEMO_NETWORK",
    "DEMO_PLACEMENT",
    "DEMO_REGISTRY",
    "KINDS",
    "MAX_STUDY_BYTES",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_MB",
    "SERVICE_PRESSURE_M",
    "NetworkRunResult",
    "NetworkRunSettings",
    "NetworkSummary",
    "OpenedNetwork",
    "PlannerError",
    "ScenarioFileError",
    "Study",
    "StudyKind",
    "atomic_write_bytes",
    "build_study",
    "checked_whatif",
    "dump_study",
    "gap_comparison",
    "gap_display",
    "load_study",
    "network_run_settings",
    "network_simulator",
    "network_summary",
    "node_attributes",
    "open_network",
    "open_network_bytes",
    "open_study_network",
    "parse_uploaded_study",
    "placement_study",
    "pressure_map_layer",
    "read_placement",
    "registry_path",
    "run_network",
    "run_study",
    "studies_dir",
    "study_file_name",
    "study_files",
    "whatif_of",
    "whatif_study",
    "write_study",
]
