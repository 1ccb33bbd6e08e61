"""Which files a study may name: its own folder and the project's scenario folders, nothing else.

Exports :data:`TRUSTED_ENV`, :func:`allowed_roots`, :func:`checked_path` and
:func:`redact_quoted`. Used by :meth:`application.files.Study.resolve`, through which
every key that names a file (``network``, ``placement``, ``valves``, ``customers``,
``ledger``, ``registry``, ``zones.file``) is opened, and by the runners that turn a reader's
error about such a file into a message (which must not echo the file's cells).

Rule: a name is taken relative to the study's folder (an uploaded study: the demo folder)
and followed through every symlink; the real path must lie inside one of
:func:`allowed_roots`. So ``/etc/passwd``, ``../../x`` and a symlink that leaves the
roots are refused before anything is read, whatever the suffix. See docs/security.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from application.paths import SCENARIOS_DIR, studies_dir

TRUSTED_ENV = "PLANNER_TRUSTED_DIRS"
"""Environment variable: extra folders (``os.pathsep``-separated) studies may name files in.
Set by the operator (never by a study); empty by default."""


def allowed_roots(folder: Path | None = None) -> list[Path]:
    """Real paths of the folders a study's file names may point into.

    Parameters
    ----------
    folder : pathlib.Path, optional
        The study's own folder (where its file lies; the demo folder for uploads).

    Returns
    -------
    list of pathlib.Path
        ``folder``, the project's ``scenarios/``, the app's studies folder
        (``$PLANNER_STUDIES_DIR``) and every folder in ``$PLANNER_TRUSTED_DIRS``.
    """
    roots: list[Path] = [SCENARIOS_DIR, studies_dir()]
    if folder is not None:
        roots.insert(0, Path(folder))
    extra = os.environ.get(TRUSTED_ENV, "")
    roots += [Path(p) for p in extra.split(os.pathsep) if p.strip()]
    return [Path(os.path.realpath(r)) for r in roots]


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def checked_path(relative: str | os.PathLike, folder: Path | None) -> Path:
    """The path a study's file name points to, if it stays inside :func:`allowed_roots`.

    Parameters
    ----------
    relative : str or os.PathLike
        The name as written in the study.
    folder : pathlib.Path or None
        The study's folder; names are relative to it.

    Returns
    -------
    pathlib.Path
        ``folder / relative`` (not resolved, so messages show the name the user knows).

    Raises
    ------
    PermissionError
        The name is empty, holds a NUL or control character, or its real path (every
        symlink followed, ``..`` applied) lies outside the allowed folders. The message
        names the written name only, never what is at the target.
    """
    text = os.fspath(relative)
    if not text.strip():
        raise PermissionError("an empty file name")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise PermissionError("a file name with a control character")
    path = Path(text)
    if folder is not None and not path.is_absolute():
        path = Path(folder) / path
    real = Path(os.path.realpath(path))
    if not _inside(real, allowed_roots(folder)):
        how = ("an absolute path" if Path(text).is_absolute()
               else "a symlink" if _has_symlink(path) else "a path")
        raise PermissionError(
            f"{text!r} is {how} that leads outside the study's folder and the project's "
            "scenarios/ folder; only files there may be named (copy the file next to the "
            "study)")
    return path


def _has_symlink(path: Path) -> bool:
    for part in (path, *path.parents):
        try:
            if part.is_symlink():
                return True
        except OSError:
            return False
    return False


_QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\[[^\]\n]*\]""")


def redact_quoted(message: str, keep: Iterable[str] = ()) -> str:
    """``message`` with every quoted value and bracketed list replaced by ``'…'``.

    Readers quote the cells and headers of the file they reject; a message about a file a
    study names is shown to whoever runs the study, so it keeps where (file, line, column)
    and what is wrong, not the file's content.

    Parameters
    ----------
    message : str
    keep : iterable of str
        Quoted words that are not content (expected column names) and may stay.
    """
    keep = set(keep)

    def one(match: re.Match) -> str:
        inner = match.group(0)[1:-1]
        return match.group(0) if inner in keep else "'…'"

    return _QUOTED.sub(one, message)
