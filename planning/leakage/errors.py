"""The one error type of ``planning.leakage``: bad input, named by source, row and field.

Exports :class:`LeakageInputError` and :func:`file_error`. Raised by :mod:`.settings`
(leakage settings from code, a CSV or a GeoPackage), :mod:`.zones` (zone tables), :mod:`.cjj92` (indicator inputs) and
:mod:`.ltown` (the BattLeDIM leak list). Whatever raises it has changed nothing: every
function of this package returns a new network and never edits the one it is given.
"""

from __future__ import annotations

from models.errors import PlannerError


class LeakageInputError(PlannerError, ValueError):
    """Leakage settings, zones or indicator inputs are invalid; nothing was applied.

    Parameters
    ----------
    message : str
        What is wrong and what is accepted.
    source : str, optional
        File name (``"leakage.csv"``) or ``"settings"`` for values given in code.
    row : int, optional
        1-based data row (the first row under a CSV header is row 1, CSV line 2; for a
        GeoPackage layer, the feature's position, which is its ``fid`` for layers written
        by this project).
    field : str, optional
        Column or argument at fault (``"zone"``, ``"leak_area_mm2_per_100m"``).

    Attributes
    ----------
    message, source, row, field
        As given; ``str(error)`` joins them, e.g. ``"leakage.csv, row 3 (line 4), field
        'zone': unknown zone 'DMA9' (zones: DMA1, DMA2)"``.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 field: str | None = None, csv: bool = False):
        self.message = message
        self.source = source
        self.row = row
        self.field = field
        where = []
        if source:
            where.append(source)
        if row is not None:
            where.append(f"row {row}" + (f" (line {row + 1})" if csv else ""))
        if field:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


def file_error(exc) -> LeakageInputError:
    """A :class:`planning.inputfiles.InputFileError` (not UTF-8 CSV, not a GIS file) as a
    :class:`LeakageInputError` naming the file and line."""
    where = exc.source if exc.line is None else f"{exc.source}, line {exc.line}"
    return LeakageInputError(exc.problem, source=where)
