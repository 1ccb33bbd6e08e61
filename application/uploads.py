"""Uploaded input files (a valve layer, an account table) kept beside the saved studies.

A study names its input files by path, so an upload the app should plan with is written
once to ``<studies folder>/uploads/<hash>/<name>`` (atomically; the same bytes give the same
file) and the study refers to that file.

Exports :func:`save_upload`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from application.paths import studies_dir
from models import write_atomic

__all__ = ["save_upload"]


def save_upload(name: str, data: bytes) -> Path:
    """Write an upload to the studies folder's ``uploads/`` (if not there yet); its path."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(name).name).strip("-.") or "upload"
    folder = studies_dir() / "uploads" / digest  # the name stays the user's, for captions
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe
    if not path.is_file():
        write_atomic(path, lambda fh: fh.write(data))
    return path
