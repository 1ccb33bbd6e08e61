"""The study kinds: one row per kind, with its file parser and (when it can run) its runner.

Exports :class:`StudyKind`, :data:`KINDS`, :data:`PARSERS`, :func:`load_study`,
:func:`parse_uploaded_study` and :func:`run_study`. The CLI (``python -m planning run``)
and the app's pages go through here.

Adding a kind:

1. write ``parse_<kind>(fields, version) -> body`` (``application.body_keys`` has the
   readers every parser shares: ``network``/``placement``, unique ids);
2. write ``write_<kind>(study, out_dir) -> list[Path]`` that runs it and writes its files
   (``connection_study.py``, ``leakage_study.py`` and ``shutdown_study.py`` are examples:
   parser, runner and the helpers their pages call, in one module per kind);
3. add its :data:`KINDS` row.

Nothing else changes: the CLI dispatches on ``kind``, and the app's save/load widgets
take the kind's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from application.capacity_whatif import (
    CAPACITY_WHATIF_VERSION,
    parse_capacity_whatif,
    write_capacity_whatif,
)
from application.connection_study import (
    CONNECTION_APPLICATIONS_VERSION,
    parse_connection_applications,
    write_connection_applications,
)
from application.files import Parser, ScenarioFileError, Study, parse_study, read_study
from application.leakage_study import (
    LEAKAGE_SETTINGS_VERSION,
    parse_leakage_settings,
    write_leakage_settings,
)
from application.network_run import (
    NETWORK_RUN_VERSION,
    parse_network_run,
    write_network_run,
)
from application.shutdown_study import (
    SHUTDOWN_JOBS_VERSION,
    parse_shutdown_jobs,
    write_shutdown_jobs,
)

Runner = Callable[[Study, Path], list[Path]]
"""Runs a study and writes its outputs to a folder; returns the files written."""


@dataclass(frozen=True)
class StudyKind:
    """One study kind.

    Attributes
    ----------
    name : str
        The ``kind`` value in files.
    title : str
        What the app calls it.
    version : int
        Newest file version read and written.
    parse : Parser
        Body parser (see :func:`application.files.parse_study`).
    runner : Runner
        Runs the study and writes its files (the CLI's ``run``).
    """

    name: str
    title: str
    version: int
    parse: Parser
    runner: Runner


KINDS: dict[str, StudyKind] = {
    k.name: k
    for k in (
        StudyKind("network_run", "Network run (pressures)", NETWORK_RUN_VERSION,
                  parse_network_run, write_network_run),
        StudyKind("capacity_whatif", "2025 capacity what-if", CAPACITY_WHATIF_VERSION,
                  parse_capacity_whatif, write_capacity_whatif),
        StudyKind("connection_applications", "Connection applications",
                  CONNECTION_APPLICATIONS_VERSION, parse_connection_applications,
                  write_connection_applications),
        StudyKind("shutdown_jobs", "Shutdown jobs", SHUTDOWN_JOBS_VERSION,
                  parse_shutdown_jobs, write_shutdown_jobs),
        StudyKind("leakage_settings", "Leakage settings", LEAKAGE_SETTINGS_VERSION,
                  parse_leakage_settings, write_leakage_settings),
    )
}
"""Every study kind, by name."""

PARSERS: dict[str, tuple[int, Parser]] = {k.name: (k.version, k.parse) for k in KINDS.values()}
"""Kind -> (version, parser), as :func:`application.files.parse_study` takes them."""


def load_study(path: str | Path, kind: str | None = None) -> Study:
    """Read and check a study file; with ``kind``, refuse files of another kind.

    Raises
    ------
    ScenarioFileError
    """
    study = read_study(path, PARSERS)
    _expect(study, kind)
    return study


def parse_uploaded_study(name: str, data: bytes, kind: str | None = None,
                         folder: Path | None = None) -> Study:
    """Check an uploaded study (bytes); with ``kind``, refuse files of another kind.

    Relative paths in it resolve against ``folder`` (default: the demo folder).

    Raises
    ------
    ScenarioFileError
    """
    from application.paths import DEMO_DIR

    study = parse_study(data, PARSERS, source=Path(name).name, folder=folder or DEMO_DIR)
    _expect(study, kind)
    return study


def _expect(study: Study, kind: str | None) -> None:
    if kind is not None and study.kind != kind:
        raise ScenarioFileError(study.source, "kind", f"this is a {study.kind!r} file; "
                                f"this page reads {kind!r} files")


def run_study(study: Study, out: str | Path) -> list[Path]:
    """Run a study with its kind's runner and write its outputs to ``out`` (created)."""
    kind = KINDS[study.kind]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return kind.runner(study, out)


def plain(value):
    """Plain Python data from table cells: numpy scalars to int/float/bool, NaN/NA dropped.

    Mappings lose keys whose value is missing; lists keep their items (missing ones become
    None). Used to turn edited tables into study bodies.
    """
    import math

    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        out = {str(k): plain(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def build_study(kind: str, name: str, body: dict, *, description: str = "",
                example: bool = False) -> Study:
    """A checked study from a kind and a body built by a page (e.g. from edited tables).

    The body goes through the kind's parser exactly as a file would, so a study the app
    saves can always be read back, and a bad input is reported by key.

    Raises
    ------
    ScenarioFileError
        With source ``"<inputs>"`` and the key of the bad value.
    """
    spec = KINDS[kind]
    data = {"kind": kind, "version": spec.version, **plain(body)}
    from application.files import Fields

    checked = spec.parse(Fields(data, "<inputs>"), spec.version)
    return Study(kind=kind, version=spec.version, name=name, description=description,
                 example=example, body=checked)
