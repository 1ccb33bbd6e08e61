"""Shared pieces of the pages: the current network, caches keyed by file hash, downloads.

The network a session works on is a :class:`NetworkSource` in ``st.session_state``
(the demo until the user uploads one or loads a study). Loaded networks and compiled
solvers are ``st.cache_resource`` entries keyed by the file's SHA-256 and placement; run
results are ``st.cache_data`` entries keyed by that and the run settings.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

import gis
from application import (
    MAX_UPLOAD_MB,
    NetworkRunResult,
    NetworkRunSettings,
    OpenedNetwork,
    PlannerError,
    network_simulator,
    node_attributes,
    run_network,
)
from application.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    set_language,
)
from application.sources import (  # noqa: F401 (the pages import the sources from here)
    NetworkSource,
    companions,
    demo_source,
    network_keys,
    open_source_network,
    source_of_study,
)
from application.writers import csv_bytes

NETWORK_ERRORS = (PlannerError,)
"""What a bad network file raises (the project's one error base); shown as a message, never
as a traceback."""
SOURCE_KEY = "network_source"
"""Session-state key of the current :class:`NetworkSource`."""


@st.cache_resource(max_entries=8, show_spinner=False)
def _open(key: tuple, _source: NetworkSource) -> OpenedNetwork:
    return open_source_network(_source)


def open_source(source: NetworkSource) -> OpenedNetwork:
    """Open (once per file and placement, shared by all sessions) a network source.

    Raises
    ------
    PlannerError
        The file is not a network (line named), or its placement is bad.
    """
    return _open(source.key, source)


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
    PlannerError
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
    st.download_button(label, csv_bytes(frame, index=index, encoding="utf-8-sig"),
                       file_name=file_name,
                       mime="text/csv", key=key, icon=":material/download:")


def document_buttons(write, stem: str, *, key: str) -> None:
    """Download buttons for a document in each language (``write(lang) -> str``).

    The Chinese file is named with 中文 in it, the English one with "en"; both UTF-8 text.
    """
    cols = st.columns(len(LANGUAGES))
    for col, lang in zip(cols, LANGUAGES):
        col.download_button(_("Download ({language})").format(language=LANGUAGE_NAMES[lang]),
                            write(lang).encode("utf-8"), file_name=f"{stem}_{lang}.txt",
                            mime="text/plain", key=f"{key}_{lang}",
                            icon=":material/description:")


LANGUAGE_KEY = "language"
"""Session-state key of the interface language (a code of ``application.i18n.LANGUAGES``)."""


def apply_language() -> None:
    """Make the session's language current for this run (call first, before any text).

    The language is ``st.session_state["language"]`` (set by the sidebar switch), or the
    ``?lang=en`` query parameter on a first visit, or the ``PLANNER_LANGUAGE`` environment
    variable (the test suite's English pages); Simplified Chinese otherwise.
    """
    lang = st.session_state.get(LANGUAGE_KEY)
    if lang not in LANGUAGES:
        lang = st.query_params.get("lang", os.environ.get("PLANNER_LANGUAGE", DEFAULT_LANGUAGE))
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        st.session_state[LANGUAGE_KEY] = lang
    set_language(lang)


def sidebar() -> None:
    """Sidebar: the language switch, which network the session works on, the upload limit."""
    source = current_source()
    with st.sidebar:
        st.radio("语言 / Language", LANGUAGES, key=LANGUAGE_KEY, horizontal=True,
                 format_func=LANGUAGE_NAMES.get)
        label = _("demo (C-Town, CC BY 4.0, placed in Kunming)") if source.demo else source.name
        st.caption(_("Network: **{label}**  \nUploads up to {MAX_UPLOAD_MB} MB. Change the network on the Network page.").format(label=label, MAX_UPLOAD_MB=MAX_UPLOAD_MB))
