"""Output files of the application layer: CSV tables and PNG figures, each written atomically.

Exports :func:`write_csv` and :func:`save_figure`. Every file is first written to a
temporary file in the target folder and then moved into place with :func:`os.replace`
(:func:`models.write_atomic`), so a reader never sees a half-written file and a failed run
leaves the old one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from models import write_atomic

__all__ = ["save_figure", "write_csv"]


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False,
              float_format: str | None = None) -> Path:
    """Write a DataFrame as UTF-8 CSV (no index unless ``index``), atomically."""
    data = frame.to_csv(index=index, float_format=float_format).encode("utf-8")
    return write_atomic(path, lambda fh: fh.write(data))


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Save a figure as PNG, atomically."""
    return write_atomic(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi))
