"""Output files of the application layer: CSV tables and PNG figures, each written atomically.

Exports :func:`write_csv`, :func:`csv_bytes` (a download) and :func:`save_figure`. Every file is first written to a
temporary file in the target folder and then moved into place with :func:`os.replace`
(:func:`models.write_atomic`), so a reader never sees a half-written file and a failed run
leaves the old one. CSV text cells that a spreadsheet would run as a formula are neutralised
(:func:`models.write_csv`; see docs/security.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

import models
from models import write_atomic

__all__ = ["csv_bytes", "save_figure", "write_csv"]


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False,
              float_format: str | None = None) -> Path:
    """Write a DataFrame as UTF-8 CSV (no index unless ``index``), atomically, formula-like
    text neutralised (:func:`models.write_csv`)."""
    return models.write_csv(frame, path, index=index, float_format=float_format)


def csv_bytes(frame: pd.DataFrame, *, index: bool = False, encoding: str = "utf-8") -> bytes:
    """A DataFrame as CSV bytes for a download, formula-like text neutralised
    (:func:`models.csv_bytes`)."""
    return models.csv_bytes(frame, index=index, encoding=encoding)


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Save a figure as PNG, atomically."""
    return write_atomic(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi))
