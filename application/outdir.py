"""Run folders: a command-line run is written to a hidden folder and shown in one rename.

Exports :func:`run_folder`, :func:`mark_incomplete`, :func:`read_manifest`,
:class:`OutputFolderError`, :data:`MANIFEST_NAME`, :data:`INCOMPLETE_NAME` and the exit
statuses :data:`EXIT_INCOMPLETE`. Used by ``python -m planning run``,
``python -m planning.capacity`` and ``python -m planning.leakage``.

How a run is written:

1. ``--out`` must not exist, or be an empty folder; a folder with files is refused unless
   ``force`` (``--force``) is given, which replaces it as a whole (so new CSVs never sit
   beside old GeoPackages and PNGs) -- and only if it is an earlier run's folder (it holds
   a manifest), so a mistyped ``--out`` never deletes anything else.
2. Everything is written into ``.<out>.<pid>.partial/`` beside ``--out`` (same file
   system), never into ``--out`` itself.
3. At the end ``manifest.json`` lists every file with its size and SHA-256, whether the run
   is ``complete`` and the problems found; the files are flushed to disk and the folder is
   renamed to ``--out`` in one step. A killed run leaves nothing in ``--out`` (only a
   hidden ``.partial`` folder beside it, removed by the next run into the same ``--out``).

A runner that writes results but stops short (e.g. a hydraulic step that does not converge)
calls :func:`mark_incomplete`: the run folder then holds ``INCOMPLETE.txt`` with the
reasons, the manifest says ``"complete": false`` and the CLI exits with
:data:`EXIT_INCOMPLETE`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from models import PlannerError

MANIFEST_NAME = "manifest.json"
"""The completion manifest written last into every run folder."""
INCOMPLETE_NAME = "INCOMPLETE.txt"
"""Written into a run folder whose results stop short, one reason per line."""
EXIT_INCOMPLETE = 3
"""CLI exit status of a run that wrote its files but stopped short (see the manifest)."""
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(partial|old)$")


class OutputFolderError(PlannerError, ValueError):
    """An output folder that cannot take a run (holds files from before, or is a file)."""


def mark_incomplete(folder: str | os.PathLike, reason: str) -> Path:
    """Record that the run being written to ``folder`` stopped short, and why.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder a runner writes to (the hidden run folder under the CLI).
    reason : str
        One line, shown by the CLI and kept in ``INCOMPLETE.txt`` and the manifest.

    Returns
    -------
    pathlib.Path
        The ``INCOMPLETE.txt`` file.
    """
    path = Path(folder) / INCOMPLETE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(" ".join(reason.split()) + "\n")
    return path


def _has_files(out: Path) -> bool:
    return out.is_dir() and any(out.iterdir())


def _check_target(out: Path, force: bool) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputFolderError(f"--out {out} exists and is not a folder")
    if _has_files(out) and not force:
        raise OutputFolderError(
            f"--out {out} already holds files (from an earlier run?); choose a new folder "
            "or add --force to replace it as a whole")
    if _has_files(out) and not (out / MANIFEST_NAME).is_file():
        raise OutputFolderError(
            f"--out {out} holds files but no {MANIFEST_NAME}, so it is not a folder an "
            "earlier run wrote; --force replaces only run folders (remove it yourself)")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(out: Path) -> None:
    """Remove hidden run folders of ``out`` left by runs that were killed."""
    if not out.parent.is_dir():
        return
    for entry in out.parent.iterdir():
        found = _PARTIAL.match(entry.name)
        if found and found["name"] == out.name and not _pid_alive(int(found["pid"])):
            shutil.rmtree(entry, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _manifest(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        _fsync(path)
        files.append({"path": path.relative_to(folder).as_posix(),
                      "bytes": path.stat().st_size, "sha256": _sha256(path)})
    marker = folder / INCOMPLETE_NAME
    problems = marker.read_text(encoding="utf-8").splitlines() if marker.exists() else []
    return {"format": "kunming-planner-run", "version": 1, "complete": not problems,
            "problems": problems,
            "finished_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            **meta, "files": files}


@contextmanager
def run_folder(out: str | os.PathLike, *, force: bool = False,
               meta: dict[str, Any] | None = None) -> Iterator[Path]:
    """Yield a hidden folder to write a run into; on success it becomes ``out`` in one step.

    Parameters
    ----------
    out : str or os.PathLike
        The ``--out`` folder: absent, empty, or (with ``force``) replaced as a whole.
    force : bool
        Replace an ``out`` that already holds files.
    meta : dict, optional
        Extra plain data for the manifest (study, kind, ...).

    Yields
    ------
    pathlib.Path
        The hidden folder (``.<out>.<pid>.partial`` beside ``out``).

    Raises
    ------
    OutputFolderError
        ``out`` holds files and ``force`` is False (checked before and after the run), or
        ``out`` is a file. On any error the hidden folder is removed and ``out`` is left
        as it was.
    """
    out = Path(os.path.abspath(out))
    _check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out)
    tmp = out.parent / f".{out.name}.{os.getpid()}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        _check_target(out, force)
        manifest = _manifest(tmp, dict(meta or {}))
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                         encoding="utf-8")
        _fsync(tmp / MANIFEST_NAME)
        _fsync(tmp)
        if _has_files(out):  # force: move the old run aside, show the new one, drop the old
            old = out.parent / f".{out.name}.{os.getpid()}.old"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)  # onto an absent or empty folder: one atomic rename
        _fsync(out.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_manifest(folder: str | os.PathLike, *, verify: bool = True) -> dict[str, Any]:
    """The manifest of a run folder, checked against the files.

    Parameters
    ----------
    folder : str or os.PathLike
    verify : bool
        Check each listed file's size and SHA-256, and that no file is unlisted.

    Raises
    ------
    OutputFolderError
        No manifest (the run did not finish), or files that differ from it.
    """
    folder = Path(folder)
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise OutputFolderError(f"{folder} has no {MANIFEST_NAME}: the run did not finish")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if verify:
        listed = {f["path"]: f for f in manifest["files"]}
        present = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p != path}
        if present != set(listed):
            raise OutputFolderError(f"{folder}: files differ from {MANIFEST_NAME} "
                                    f"(extra {sorted(present - set(listed))}, missing "
                                    f"{sorted(set(listed) - present)})")
        for name, entry in listed.items():
            if _sha256(folder / name) != entry["sha256"]:
                raise OutputFolderError(f"{folder / name} changed since the run "
                                        f"(SHA-256 differs from {MANIFEST_NAME})")
    return manifest
