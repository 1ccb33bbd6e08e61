"""Files written all-or-nothing: a temporary file beside the target, then ``os.replace``.

Every file the project writes for a user (INP models, GeoPackages, study files, output
tables, plots, notices) goes through :func:`replacing`, so a reader never sees half a file
and a writer that fails or is killed leaves the previous version in place (a killed
writer's temporary file is removed by the next write of the same file).
"""

from __future__ import annotations

import glob
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# side files SQLite (GeoPackage) may leave beside a database being written
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    The temporary file sits in the target's folder (created if missing) so the rename is
    atomic, and keeps the target's suffix so writers that pick a format from the name
    still work. On success it is flushed to disk (``fsync``) and renamed onto ``path``;
    if the block raises, it is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The file to (re)place.

    Examples
    --------
    >>> with replacing("out/table.csv") as tmp:          # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to {tmp} for {path}")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        for p in (tmp, *(Path(f"{tmp}{s}") for s in _SQLITE_SIDE_FILES)):
            p.unlink(missing_ok=True)


def _remove_stale_temps(path: Path) -> None:
    """Remove temporary files for ``path`` left by writers that were killed (dead pids)."""
    pattern = re.compile(rf"^\.{re.escape(path.stem)}\.(\d+)\.[0-9a-f]{{8}}\.tmp"
                         rf"{re.escape(path.suffix)}(-journal|-wal|-shm)?$")
    for entry in path.parent.glob(f".{glob.escape(path.stem)}.*.tmp*"):
        found = pattern.match(entry.name)
        if found and not _alive(int(found.group(1))):
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> Path:
    """Write ``path`` through ``write(binary_file)``, all or nothing (see :func:`replacing`).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with replacing(path) as tmp, open(tmp, "xb") as fh:
        write(fh)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path``, all or nothing (see :func:`replacing`)."""
    return write_atomic(path, lambda fh: fh.write(data))
