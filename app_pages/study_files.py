"""Save and load study files from a page: one box per page, the same for every kind.

Exports :func:`study_box`. A page gives its study kind, a ``build()`` that turns its inputs
into a checked :class:`application.Study`, and an ``on_load(study)`` that puts a study's
values into the page's session state. Loading runs in a button callback, before the page's
widgets are drawn; ``on_load`` must check everything before it assigns anything, so a bad
file leaves the session as it was (the box then shows the file, key and problem).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from app_pages.common import NETWORK_ERRORS, apply_language
from application import (
    ScenarioFileError,
    Study,
    atomic_write_bytes,
    dump_study,
    load_study,
    parse_uploaded_study,
    studies_dir,
    study_file_name,
    study_files,
    write_study,
)
from application.i18n import _
from application.paths import SCENARIOS_DIR

LOAD_ERRORS = NETWORK_ERRORS
"""Errors a study load reports as a message."""


def _message(key: str, level: str, text: str) -> None:
    st.session_state[f"{key}_msg"] = (level, text)


def _apply(key: str, read: Callable[[], Study], on_load: Callable[[Study], None]) -> None:
    study = None
    try:
        study = read()
        on_load(study)
    except LOAD_ERRORS as exc:
        # a file the study names (network, registry) is at fault: say which study named it
        where = (_("{source} names a bad file: ").format(source=study.source) if study is not None and study.source
                 and study.source not in str(exc) else "")
        _message(key, "error", _("Not loaded, nothing changed. ") + f"{where}{exc}")
    else:
        _message(key, "success", _("Loaded {name} ({source}).").format(
            name=study.name or study.source, source=study.source))


def _load_selected(kind: str, key: str, on_load: Callable[[Study], None]) -> None:
    apply_language()  # a callback runs before app.py: its messages need the language too
    path = st.session_state.get(f"{key}_choice")
    if not path:
        _message(key, "error", _("Choose a study file first."))
        return
    _apply(key, lambda: load_study(path, kind), on_load)


def _load_upload(kind: str, key: str, on_load: Callable[[Study], None]) -> None:
    apply_language()  # a callback runs before app.py: its messages need the language too
    upload = st.session_state.get(f"{key}_upload")
    if upload is None:
        _message(key, "error", _("Choose a file to upload first."))
        return
    _apply(key, lambda: parse_uploaded_study(upload.name, upload.getvalue(), kind), on_load)


def _choices(kind: str) -> list[str]:
    """Files of this kind in scenarios/demo and the studies folder (bad files listed too)."""
    out = []
    for path in study_files():
        try:
            if load_study(path).kind != kind:
                continue
        except ScenarioFileError:
            pass  # listed, so that loading it shows what is wrong
        out.append(str(path))
    return out


def study_box(
    kind: str,
    key: str,
    build: Callable[[], Study],
    on_load: Callable[[Study], None],
    *,
    companions: Callable[[Study], dict[str, bytes]] | None = None,
    expanded: bool = False,
) -> None:
    """The "Study file" box: download, save to ``scenarios/studies``, load a file or an upload.

    Parameters
    ----------
    kind : str
        Study kind (``application.KINDS``).
    key : str
        Prefix of this box's widget keys (unique per page).
    build : callable
        Returns the study of the page's current inputs; may raise ScenarioFileError.
    on_load : callable
        Takes a loaded study and sets the page's session state (may raise the errors in
        :data:`LOAD_ERRORS` before it changes anything).
    companions : callable, optional
        Files to save beside the study (name -> bytes), e.g. an uploaded network.
    expanded : bool
        Open the box at first.
    """
    with st.expander(_("Study file: save or load (YAML)"), expanded=expanded,
                     icon=":material/description:"):
        try:
            study, problem = build(), None
        except ScenarioFileError as exc:
            study, problem = None, str(exc)
        left, right = st.columns(2)
        with left:
            if problem:
                st.caption(_(":material/info: The inputs cannot be saved yet: {problem}").format(problem=problem))
            name = study_file_name(study.name if study else "", kind)
            st.download_button(_("Download this study"), dump_study(study) if study else "",
                               file_name=name, mime="application/x-yaml", key=f"{key}_download",
                               disabled=study is None, icon=":material/download:")
            target = studies_dir() / name
            if st.button(_("Save to {v0}").format(v0=_short(target)), key=f"{key}_save", disabled=study is None,
                         icon=":material/save:"):
                for file_name, data in (companions(study) if companions else {}).items():
                    atomic_write_bytes(target.parent / file_name, data)
                write_study(study, target)
                _message(key, "success", _("Saved {target}.").format(target=target))
        with right:
            st.selectbox(_("Saved and example studies"), _choices(kind), key=f"{key}_choice",
                         format_func=lambda p: _short(Path(p)), index=None,
                         placeholder=_("choose a file"))
            st.button(_("Load the chosen file"), key=f"{key}_load", on_click=_load_selected,
                      args=(kind, key, on_load), icon=":material/folder_open:")
            st.file_uploader(_("Or upload a study file (.yaml, up to 1 MB)"),
                             type=["yaml", "yml"], key=f"{key}_upload")
            st.button(_("Load the upload"), key=f"{key}_load_upload", on_click=_load_upload,
                      args=(kind, key, on_load), icon=":material/upload_file:")
        level, text = st.session_state.get(f"{key}_msg", (None, None))
        if level == "error":
            st.error(text, icon=":material/error:")
        elif level == "success":
            st.success(text, icon=":material/check_circle:")


def _short(path: Path) -> str:
    """``scenarios/…`` relative path when inside the project, else the full path."""
    try:
        return str(path.resolve().relative_to(SCENARIOS_DIR.resolve().parent))
    except ValueError:
        return str(path)
