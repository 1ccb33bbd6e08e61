"""Reading the files planners edit by hand: UTF-8 text, CSV tables, GIS layers.

Exports :class:`InputFileError`, :func:`read_text`, :func:`read_csv_strings`,
:func:`read_gis_layers` and :func:`gis_layer_names`. A file that is not UTF-8 text, not a CSV table or not a file GDAL
reads raises :class:`InputFileError` with the file name and, where known, the line; each
planning package turns it into its own input error (``ConnectionInputError``,
``LeakageInputError``, ``ShutdownInputError``), so a bad file is reported in words, never as
a ``UnicodeDecodeError``, a pandas parser error or a GDAL exception.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from models.errors import PlannerError


class InputFileError(PlannerError, ValueError):
    """A file that cannot be read as the text table or GIS file it should be.

    Parameters
    ----------
    source : str
        File name.
    line : int or None
        1-based line of the problem (text files), when known.
    problem : str
        What is wrong, and how to fix it.
    """

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return f"{where}: {self.problem}"

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.problem))


def read_text(path: str | os.PathLike) -> str:
    """The text of a UTF-8 file (a leading byte-order mark is dropped).

    Raises
    ------
    InputFileError
        Bytes that are not UTF-8 (the line is named), or NUL bytes (a binary file).
    FileNotFoundError
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputFileError(path.name, line,
                             f"byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file "
                             "as UTF-8 (in Excel: 'CSV UTF-8')") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputFileError(path.name, line, "holds NUL bytes: a binary file, not text")
    return text


def read_csv_strings(path: str | os.PathLike, **kw) -> pd.DataFrame:
    """A UTF-8 CSV file with a header row, every cell a string (empty cells ``""``).

    Extra keyword arguments go to :func:`pandas.read_csv`.

    Raises
    ------
    InputFileError
        Not UTF-8 text, empty (no header row), or rows pandas cannot split.
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise InputFileError(path.name, None, "the file is empty (a header row is needed)")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, **kw)
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise InputFileError(path.name, int(found.group(1)) if found else None,
                             f"not a CSV table: {str(exc).strip()}") from None


def read_gis_layers(path: str | os.PathLike, names: Iterable[str] | None = None,
                    *, geometry: bool = True) -> dict[str, pd.DataFrame]:
    """Layers of a GeoPackage (or any file GDAL reads), as :func:`gis.read_layers`.

    Parameters
    ----------
    path : str or os.PathLike
    names : iterable of str, optional
        Layers to read (absent ones skipped); all by default.
    geometry : bool
        Read geometries (False: attribute tables only, faster).

    Raises
    ------
    InputFileError
        A file GDAL cannot open or a layer it cannot read.
    """
    import pyogrio

    path = Path(path)
    try:
        present = {str(row[0]): row[1] for row in pyogrio.list_layers(path)}
        wanted = list(present) if names is None else [n for n in names if n in present]
        layers = {name: pyogrio.read_dataframe(
            path, layer=name, read_geometry=geometry and present[name] is not None)
            for name in wanted}
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError) as exc:
        problem = str(exc).replace(str(path), path.name).split(";")[0]
        raise InputFileError(path.name, None, f"not a GeoPackage or GIS file GDAL reads "
                             f"({problem})") from None
    from gis.crs_check import warn_if_crs_mismatch

    for name, frame in layers.items():  # degrees labelled as metres, and the like
        warn_if_crs_mismatch(frame, f"{path.name}:{name}")
    return layers


def gis_layer_names(path: str | os.PathLike) -> list[str]:
    """Names of the layers of a GIS file (see :func:`read_gis_layers` for errors)."""
    import pyogrio

    path = Path(path)
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        problem = str(exc).replace(str(path), path.name).split(";")[0]
        raise InputFileError(path.name, None, f"not a GeoPackage or GIS file GDAL reads "
                             f"({problem})") from None
