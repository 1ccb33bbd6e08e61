"""Shared pieces of the pages: the current network, caches keyed by file hash, downloads.

The network a session works on is a :class:`NetworkSource` in ``st.session_state``
(the demo until the user uploads one or loads a study). Loaded networks and compiled
solvers are ``st.cache_resource`` entries keyed by the file's SHA-256 and placement; run
results are ``st.cache_data`` entries keyed by that and the run settings.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

import gis
import models
from planning.studies import (
    DEMO_NETWORK,
    DEMO_PLACEMENT,
    MAX_UPLOAD_MB,
    NetworkRunResult,
    NetworkRunSettings,
    OpenedNetwork,
    ScenarioFileError,
    network_simulator,
    node_attributes,
    open_network_bytes,
    read_placement,
    run_network,
)
from planning.studies.network_run import placement_from

NETWORK_ERRORS = (models.NetworkInputError, gis.GisInputError, ScenarioFileError)
"""What a bad network file raises; shown as a message, never as a traceback."""
SOURCE_KEY = "network_source"
"""Session-state key of the current :class:`NetworkSource`."""


@dataclass(frozen=True)
class NetworkSource:
    """A network file a session works on (its bytes, so a page never re-reads an upload).

    Attributes
    ----------
    name : str
        File name shown to the user.
    data : bytes
        File content (INP or GeoPackage).
    sha256 : str
        Hash of ``data``.
    placement_file : str or None
        Placement YAML on disk, if any.
    placement_json : str or None
        Placement mapping (JSON text), as a study file gives it, if any.
    path : str or None
        The file on disk (demo or a study's network); None for uploads.
    demo : bool
        True for the shipped demo.
    """

    name: str
    data: bytes = field(repr=False)
    sha256: str
    placement_file: str | None = None
    placement_json: str | None = None
    path: str | None = None
    demo: bool = False

    @classmethod
    def from_bytes(cls, name: str, data: bytes, **kw) -> NetworkSource:
        """Source for uploaded or read bytes."""
        return cls(name=name, data=data, sha256=hashlib.sha256(data).hexdigest(), **kw)

    @property
    def key(self) -> tuple:
        """Cache key: content and placement."""
        return (self.sha256, self.placement_file, self.placement_json)


def demo_source() -> NetworkSource:
    """The shipped demo: C-Town (CC BY 4.0) placed in Kunming."""
    return NetworkSource.from_bytes(DEMO_NETWORK.name, DEMO_NETWORK.read_bytes(),
                                    placement_file=str(DEMO_PLACEMENT), path=str(DEMO_NETWORK),
                                    demo=True)


@st.cache_resource(max_entries=8, show_spinner=False)
def _open(key: tuple, name: str, _data: bytes, _source: NetworkSource) -> OpenedNetwork:
    opened = open_network_bytes(name, _data)
    if _source.placement_file:
        placement = read_placement(_source.placement_file, opened.net)
    elif _source.placement_json:
        placement = placement_from(json.loads(_source.placement_json), opened.net,
                                   source=name)
    else:
        return opened
    return OpenedNetwork(opened.net, placement, opened.source, opened.sha256)


def open_source(source: NetworkSource) -> OpenedNetwork:
    """Open (once per file and placement, shared by all sessions) a network source.

    Raises
    ------
    models.NetworkInputError, gis.GisInputError, ScenarioFileError
    """
    return _open(source.key, source.name, source.data, source)


def current_source() -> NetworkSource:
    """The session's network source (the demo by default)."""
    return st.session_state.get(SOURCE_KEY) or demo_source()


def current_network() -> OpenedNetwork:
    """The session's network, opened (a stored source has opened before)."""
    return open_source(current_source())


def use_source(source: NetworkSource) -> None:
    """Make ``source`` the session's network, only if it opens (else raise, state kept).

    Raises
    ------
    models.NetworkInputError, gis.GisInputError, ScenarioFileError
    """
    open_source(source)
    st.session_state[SOURCE_KEY] = source


@st.cache_resource(max_entries=4, show_spinner=False)
def _simulator(key: tuple, duration_h: float | None, _opened: OpenedNetwork):
    return network_simulator(_opened, NetworkRunSettings(duration_h=duration_h)), threading.Lock()


@st.cache_data(max_entries=16, show_spinner=False)
def _run(key: tuple, settings_key: tuple, _opened: OpenedNetwork,
         _settings: NetworkRunSettings) -> NetworkRunResult:
    simulator, lock = _simulator(key, _settings.duration_h, _opened)
    with lock:  # one run at a time per compiled solver (shared across sessions)
        return run_network(_opened, _settings, simulator)


def run_current(settings: NetworkRunSettings) -> NetworkRunResult:
    """Run the session's network (cached by network and settings)."""
    source = current_source()
    return _run(source.key, settings.key(), open_source(source), settings)


@st.cache_resource(max_entries=8, show_spinner=False)
def _web_geometry(key: tuple, _opened: OpenedNetwork):
    from gis.layers import link_geometry, node_geometry

    nodes = gis.to_web(node_geometry(_opened.net, _opened.placement))
    links = gis.to_web(link_geometry(_opened.net, _opened.placement))
    return nodes, links, node_attributes(_opened)


def web_geometry() -> tuple:
    """(nodes, links, node attributes) of the session's network, in EPSG:4326 for maps."""
    source = current_source()
    return _web_geometry(source.key, open_source(source))


def geopackage_bytes(opened: OpenedNetwork, extra_layers: dict | None = None) -> bytes:
    """The network (and result layers) as GeoPackage bytes, for a download button."""
    with tempfile.TemporaryDirectory(prefix="planner-gpkg-") as folder:
        path = Path(folder) / "network.gpkg"
        gis.write_geopackage(opened.net, path, opened.placement, extra_layers=extra_layers)
        return path.read_bytes()


def csv_button(label: str, frame: pd.DataFrame, file_name: str, *, key: str,
               index: bool = False) -> None:
    """A CSV download button for a table (UTF-8 with BOM so spreadsheet tools read 中文)."""
    st.download_button(label, models.csv_bytes(frame, index=index, encoding="utf-8-sig"),
                       file_name=file_name,
                       mime="text/csv", key=key, icon=":material/download:")


def source_of_study(study) -> NetworkSource | None:
    """The network a study names (``network`` and ``placement`` keys), or None if none.

    Raises
    ------
    ScenarioFileError
        The network file does not exist.
    """
    rel = study.body.get("network")
    if rel is None:
        return None
    network = study.resolve(rel)
    if not network.exists():
        raise ScenarioFileError(study.source, "network", f"file not found: {network}")
    placement = study.body.get("placement")
    kw = {}
    if isinstance(placement, str):
        kw["placement_file"] = str(study.resolve(placement).resolve())
    elif placement is not None:
        kw["placement_json"] = json.dumps(placement, sort_keys=True)
    demo = (network.resolve() == DEMO_NETWORK.resolve()
            and kw.get("placement_file") in (None, str(DEMO_PLACEMENT.resolve())))
    if demo and "placement_file" in kw:
        kw["placement_file"] = str(DEMO_PLACEMENT)
    return NetworkSource.from_bytes(network.name, network.read_bytes(), path=str(network),
                                    demo=demo, **kw)


def network_keys(source: NetworkSource, file_stem: str) -> dict:
    """``network`` and ``placement`` keys naming ``source`` in a study saved to the studies
    folder: a path relative to it, or (for an upload) ``<file_stem>-<upload name>``, the
    companion file :func:`companions` writes beside the study."""
    import os
    import re

    from planning.studies import studies_dir

    def rel(path: str) -> str:
        return os.path.relpath(path, studies_dir())

    upload = f"{file_stem}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', source.name)}"
    keys: dict = {"network": rel(source.path) if source.path else upload}
    if source.placement_file:
        keys["placement"] = rel(source.placement_file)
    elif source.placement_json:
        keys["placement"] = json.loads(source.placement_json)
    return keys


def companions(source: NetworkSource, study) -> dict[str, bytes]:
    """Files to save beside a study: an uploaded network (nothing for files on disk)."""
    if source.path or "network" not in study.body:
        return {}
    return {study.body["network"]: source.data}


def sidebar() -> None:
    """Sidebar: which network the session works on, and the upload limit."""
    source = current_source()
    with st.sidebar:
        label = "demo (C-Town, CC BY 4.0, placed in Kunming)" if source.demo else source.name
        st.caption(f"Network: **{label}**  \nUploads up to {MAX_UPLOAD_MB} MB. "
                   "Change the network on the Network page.")
