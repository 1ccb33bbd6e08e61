"""Column schemas of the registry tables and the parser that enforces them.

Every table is parsed cell by cell against its :class:`TableSpec`; the first bad cell raises
:class:`RegistryError` naming the file, the row (1 = first data row; the CSV line is one more
because of the header) and the column. Cross-table rules (references, base year) live in
:mod:`planning.capacity.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import PlannerError

from .standards import EFFLUENT_CLASSES, SAMPLE_PARAMETERS, SAMPLE_PH
from .targets import BASINS, SCOPES

__all__ = [
    "CATCHMENTS",
    "MEASUREMENTS",
    "PARAMETERS",
    "PLANTS",
    "PROJECTS",
    "PROJECT_KINDS",
    "PROJECT_STATUSES",
    "REPORTED",
    "SAMPLES",
    "SETTLEMENTS",
    "Column",
    "RegistryError",
    "TableSpec",
    "parse_table",
]

#: Earliest and latest year any registry cell may hold.
YEAR_MIN, YEAR_MAX = 1900, 2050

#: Pipeline project kinds.
PROJECT_KINDS: tuple[str, ...] = ("new_plant", "expansion", "reclaimed_plant", "upgrade", "sewer")
#: Project statuses. ``planned`` means approved but not started.
PROJECT_STATUSES: tuple[str, ...] = ("completed", "under_construction", "planned", "cancelled")
#: Settlement types of a catchment: a city (城市, incl. districts and county-level cities), a
#: county town (县城) or another town (建制镇).
SETTLEMENTS: tuple[str, ...] = ("city", "county_town", "town")


class RegistryError(PlannerError, ValueError):
    """A registry table breaks a rule; nothing of the registry is loaded.

    Attributes
    ----------
    file : str
        File (or table) name, e.g. ``"plants.csv"``.
    row : int or None
        1-based data row (the first row under the header is 1); None for file-level problems.
    column : str or None
        Column name; None when the problem is not tied to one column.
    problem : str
        What is wrong, in words.
    """

    def __init__(self, file: str, row: int | None, column: str | None, problem: str):
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        where = [file]
        if row is not None:
            where.append(f"row {row}" + (f" (line {row + 1})" if file.endswith(".csv") else ""))
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(", ".join(where) + f": {problem}")


@dataclass(frozen=True)
class Column:
    """One column of a registry table.

    Parameters
    ----------
    name : str
        Column name; units are part of the name.
    kind : str
        ``"text"``, ``"float"``, ``"int"``, ``"bool"``, ``"choice"`` or ``"date"``.
    required : bool
        The column must be present and every cell filled. When False the column may be absent
        or have blanks, which read as ``default``.
    default : object
        Value for blanks and for a missing optional column (NaN / <NA> / "" / False by kind).
    low, high : float or None
        Inclusive bounds for numbers.
    positive : bool
        Numbers must be strictly above zero.
    choices : tuple of str
        Allowed values (matched without regard to case) for ``"choice"``.
    unique : bool
        No two rows may share a value.
    """

    name: str
    kind: str
    required: bool = True
    default: object = None
    low: float | None = None
    high: float | None = None
    positive: bool = False
    choices: tuple[str, ...] = ()
    unique: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A registry table: its file stem, whether the file must exist, and its columns."""

    name: str
    columns: tuple[Column, ...]
    required_file: bool = True
    unique_together: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the specified columns, in order."""
        return tuple(c.name for c in self.columns)


def _flag_columns() -> tuple[Column, ...]:
    return (
        Column("illustrative", "bool", required=False, default=False),
        Column("source", "text", required=False, default=""),
    )


_YEAR = {"low": YEAR_MIN, "high": YEAR_MAX}

PLANTS = TableSpec(
    "plants",
    (
        Column("plant_id", "text", unique=True),
        Column("name", "text", unique=True),
        Column("basin", "choice", choices=BASINS),
        Column("county", "text", required=False, default=""),
        Column("design_capacity_m3_per_d", "float", low=0.0),
        Column("reclaimed_capacity_m3_per_d", "float", required=False, default=0.0, low=0.0),
        Column("year_in_service", "int", required=False, **_YEAR),
        Column("effluent_class", "choice", required=False, default="", choices=EFFLUENT_CLASSES),
        Column("ecological_reuse_share", "float", required=False, default=0.0, low=0.0, high=1.0),
        Column("lon", "float", required=False, low=-180.0, high=180.0),
        Column("lat", "float", required=False, low=-90.0, high=90.0),
        *_flag_columns(),
    ),
)

CATCHMENTS = TableSpec(
    "catchments",
    (
        Column("catchment_id", "text", unique=True),
        Column("name", "text"),
        Column("basin", "choice", choices=BASINS),
        Column("county", "text", required=False, default=""),
        Column("settlement", "choice", choices=SETTLEMENTS),
        Column("plant_id", "text", required=False, default=""),
        Column("population", "float", low=0.0),
        Column("per_capita_use_l_per_person_d", "float", low=0.0, high=5000.0),
        Column("population_growth_per_yr", "float", required=False, default=0.0,
               low=-0.2, high=0.2),
        Column("per_capita_growth_per_yr", "float", required=False, default=0.0,
               low=-0.2, high=0.2),
        Column("collection_rate", "float", low=0.0, high=1.0),
        Column("return_factor", "float", required=False, low=0.0, high=1.0, positive=True),
        Column("infiltration_share", "float", required=False, low=0.0, high=2.0),
        Column("area_km2", "float", required=False, low=0.0),
        *_flag_columns(),
    ),
)

PROJECTS = TableSpec(
    "projects",
    (
        Column("project_id", "text", unique=True),
        Column("name", "text"),
        Column("kind", "choice", choices=PROJECT_KINDS),
        Column("plant_id", "text", required=False, default=""),
        Column("catchment_id", "text", required=False, default=""),
        Column("basin", "choice", required=False, default="", choices=BASINS),
        Column("capacity_m3_per_d", "float", required=False, default=0.0, low=0.0),
        Column("reclaimed_capacity_m3_per_d", "float", required=False, default=0.0, low=0.0),
        Column("sewer_length_km", "float", required=False, default=0.0, low=0.0),
        Column("collection_rate_gain", "float", required=False, default=0.0, low=0.0, high=1.0),
        Column("effluent_class", "choice", required=False, default="", choices=EFFLUENT_CLASSES),
        Column("planned_year", "int", **_YEAR),
        Column("status", "choice", choices=PROJECT_STATUSES),
        *_flag_columns(),
    ),
)

MEASUREMENTS = TableSpec(
    "measurements",
    (
        Column("plant_id", "text"),
        Column("year", "int", **_YEAR),
        Column("month", "int", required=False, low=1, high=12),
        Column("treated_volume_m3", "float", low=0.0),
        Column("reused_volume_m3", "float", required=False, low=0.0),
        *_flag_columns(),
    ),
    required_file=False,
    unique_together=("plant_id", "year", "month"),
)

SAMPLES = TableSpec(
    "samples",
    (
        Column("plant_id", "text"),
        Column("date", "date"),
        *(Column(p, "float", required=False, low=0.0) for p in SAMPLE_PARAMETERS),
        Column(SAMPLE_PH, "float", required=False, low=0.0, high=14.0),
        Column("water_temp_c", "float", required=False, low=-5.0, high=50.0),
        *_flag_columns(),
    ),
    required_file=False,
)

REPORTED = TableSpec(
    "reported",
    (
        Column("year", "int", **_YEAR),
        Column("scope", "choice", choices=tuple(SCOPES)),
        Column("indicator", "text"),
        Column("value", "float"),
        Column("unit", "text", required=False, default=""),
        Column("source", "text"),
        Column("illustrative", "bool", required=False, default=False),
    ),
    required_file=False,
)

PARAMETERS = TableSpec(
    "parameters",
    (
        Column("name", "text", unique=True),
        Column("value", "float"),
        Column("unit", "text", required=False, default=""),
        Column("source", "text", required=False, default=""),
        Column("confidence", "text", required=False, default=""),
    ),
    required_file=False,
)


def _blank_mask(values: pd.Series) -> np.ndarray:
    def blank(v: object) -> bool:
        if v is None:
            return True
        if isinstance(v, str):
            return v.strip() == ""
        try:
            return bool(pd.isna(v))
        except (TypeError, ValueError):
            return False

    return np.array([blank(v) for v in values], dtype=bool)


def _number_problem(col: Column, x: float, text: str) -> str | None:
    """Why number ``x`` (read from ``text``) breaks ``col``'s rules, or None."""
    if np.isnan(x):
        return f"not a number: {text!r}"
    if not np.isfinite(x):
        return f"not finite: {text!r}"
    if col.kind == "int" and x != np.floor(x):
        return f"not a whole number: {text!r}"
    if col.positive and x <= 0:
        return f"must be > 0, got {x:g}"
    below = col.low is not None and x < col.low
    above = col.high is not None and x > col.high
    if not (below or above):
        return None
    if "year" in col.name:
        what = "year out of range"
    elif below and col.low == 0:
        what = "negative value"
    else:
        what = "value out of range"
    low = "" if col.low is None else f"{col.low:g}"
    high = "" if col.high is None else f"{col.high:g}"
    allowed = f"{low} to {high}" if low and high else (f">= {low}" if low else f"<= {high}")
    return f"{what}: {x:g} (allowed {allowed})"


def _parse_column(values: pd.Series, col: Column, file: str) -> pd.Series:
    blank = _blank_mask(values)
    if col.required and blank.any():
        raise RegistryError(file, int(np.argmax(blank)) + 1, col.name, "empty cell")
    text = pd.Series([("" if b else str(v).strip()) for v, b in zip(values, blank)], dtype=object)

    if col.kind == "text":
        return text.astype(str)
    if col.kind == "choice":
        lookup = {c.casefold(): c for c in col.choices}
        out = []
        for i, (t, b) in enumerate(zip(text, blank)):
            if b:
                out.append(col.default if col.default is not None else "")
            elif t.casefold() in lookup:
                out.append(lookup[t.casefold()])
            else:
                raise RegistryError(
                    file, i + 1, col.name, f"unknown value {t!r} (allowed: {', '.join(col.choices)})"
                )
        return pd.Series(out, dtype=str)
    if col.kind == "bool":
        truth = {"true": True, "yes": True, "y": True, "1": True, "1.0": True,
                 "false": False, "no": False, "n": False, "0": False, "0.0": False}
        out = []
        for i, (t, b) in enumerate(zip(text, blank)):
            if b:
                out.append(bool(col.default))
            elif t.casefold() in truth:
                out.append(truth[t.casefold()])
            else:
                raise RegistryError(file, i + 1, col.name, f"not true/false: {t!r}")
        return pd.Series(out, dtype=bool)
    if col.kind == "date":
        parsed = pd.to_datetime(text.where(~blank, None), errors="coerce", format="ISO8601")
        bad = ~blank & parsed.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise RegistryError(file, i + 1, col.name, f"not a date (YYYY-MM-DD): {text[i]!r}")
        return parsed
    if col.kind in ("float", "int"):
        numbers = pd.to_numeric(text.where(~blank, None), errors="coerce").astype(float)
        arr = numbers.to_numpy()
        for i in np.flatnonzero(~blank):
            problem = _number_problem(col, float(arr[i]), text[i])
            if problem:
                raise RegistryError(file, int(i) + 1, col.name, problem)
        if col.kind == "int":
            out = pd.array(
                [pd.NA if blank[i] else int(arr[i]) for i in range(len(arr))], dtype="Int64"
            )
            if col.default is not None:
                out = out.fillna(int(col.default))
            return pd.Series(out)
        if col.default is not None:
            numbers = numbers.where(~blank, float(col.default))
        return numbers
    raise ValueError(f"unknown column kind {col.kind!r}")  # programming error


def _default_series(col: Column, n: int) -> pd.Series:
    if col.kind == "int":
        fill = pd.NA if col.default is None else int(col.default)
        return pd.Series(pd.array([fill] * n, dtype="Int64"))
    if col.kind == "float":
        return pd.Series(np.full(n, np.nan if col.default is None else float(col.default)))
    if col.kind == "bool":
        return pd.Series(np.full(n, bool(col.default)), dtype=bool)
    if col.kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    return pd.Series([col.default if col.default is not None else ""] * n, dtype=str)


def parse_table(raw: pd.DataFrame, spec: TableSpec, file: str) -> pd.DataFrame:
    """Parse and check one raw table against its spec.

    Parameters
    ----------
    raw : pandas.DataFrame or geopandas.GeoDataFrame
        The table as read (strings or typed values). Row order is kept; the index is ignored.
    spec : TableSpec
        The table's schema.
    file : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A new frame with a 0-based RangeIndex (row ``i`` is data row ``i + 1``), every
        specified column typed and defaulted, extra columns kept as read, and the geometry
        column (with its CRS) kept when ``raw`` had one.

    Raises
    ------
    RegistryError
        On the first missing column, empty required cell, bad value or duplicate.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    geometry_name = _geometry_name(raw)
    columns: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name in raw.columns:
            columns[col.name] = _parse_column(raw[col.name], col, file).reset_index(drop=True)
        elif col.required:
            raise RegistryError(file, None, col.name, "missing required column")
        else:
            columns[col.name] = _default_series(col, n)
    for extra in raw.columns:
        if extra not in columns and extra != geometry_name:
            columns[extra] = raw[extra]
    out = pd.DataFrame(columns, index=pd.RangeIndex(n))

    for col in spec.columns:
        if col.unique:
            dup = out[col.name].duplicated()
            if dup.any():
                i = int(np.argmax(dup.to_numpy()))
                first = int(np.argmax((out[col.name] == out[col.name][i]).to_numpy()))
                raise RegistryError(
                    file, i + 1, col.name,
                    f"duplicate {col.name} {out[col.name][i]!r} (first at row {first + 1})",
                )
    if spec.unique_together:
        key = out[list(spec.unique_together)].astype(str)
        dup = key.duplicated()
        if dup.any():
            i = int(np.argmax(dup.to_numpy()))
            raise RegistryError(
                file, i + 1, spec.unique_together[-1],
                "duplicate row for (" + ", ".join(
                    f"{c}={key.iloc[i][c]}" for c in spec.unique_together) + ")",
            )
    if geometry_name is not None:
        import geopandas as gpd

        return gpd.GeoDataFrame(out, geometry=raw.geometry.values, crs=raw.crs)
    return out


def _geometry_name(frame: pd.DataFrame) -> str | None:
    """Name of the active geometry column of a GeoDataFrame, None for a plain DataFrame."""
    import geopandas as gpd

    return frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
