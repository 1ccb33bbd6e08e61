"""The plant and project registry: loading, validation, and the review's assumptions.

A registry is a folder of tables (each a ``.csv`` or a ``.gpkg``; see docs/capacity.md):

``plants`` (required), ``catchments`` (required), ``projects`` (required),
``measurements``, ``samples``, ``reported``, ``parameters`` (optional); optional geometry:
``lon``/``lat`` columns in ``plants`` and catchment polygons in ``catchments.geojson`` (or
the geometry of ``catchments.gpkg``), checked in :mod:`planning.capacity.geometry`.

:func:`load_registry` reads them all, checks every cell and every cross-reference, and
returns a :class:`Registry` - or raises :class:`~planning.capacity.schema.RegistryError`
naming file, row and column, in which case nothing is returned. :meth:`Registry.from_frames`
does the same for tables already in memory (an editor, a test, a what-if).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

import numpy as np
import pandas as pd

from .geometry import (
    AREAS_FILE,
    check_plant_locations,
    parse_catchment_areas,
    read_catchment_areas,
)
from .schema import (
    CATCHMENTS,
    MEASUREMENTS,
    PARAMETERS,
    PLANTS,
    PROJECTS,
    REPORTED,
    SAMPLES,
    YEAR_MAX,
    YEAR_MIN,
    RegistryError,
    TableSpec,
    parse_table,
)
from .standards import (
    CLASS_1A,
    DEFAULT_RETURN_FACTOR,
    PEAKING_FACTOR_TABLE,
    SAMPLE_PARAMETERS,
    SAMPLE_PH,
    EffluentLimits,
)
from .targets import CONTEXT_INDICATORS, INDICATORS

__all__ = ["Assumptions", "Registry", "load_registry"]

_TABLES: tuple[TableSpec, ...] = (
    PARAMETERS, PLANTS, CATCHMENTS, PROJECTS, MEASUREMENTS, SAMPLES, REPORTED
)


@dataclass(frozen=True)
class Assumptions:
    """Scalar assumptions of the review; every one is a default the user may change.

    Parameters
    ----------
    base_year : int
        Last year before the plan period; "new" capacity and sewers count from
        ``base_year + 1`` (2021 in the plan). Plants in ``plants`` are the fleet of that year.
    as_of_year : int or None
        Year of the review. Unfinished projects planned before it are *overdue* and moved to
        it; completed projects and measurements may not lie after it. None: no such rules.
    return_factor : float
        Sewage as a share of water use, default 0.85 (GB 50014 range 0.8-0.9, high
        confidence). A catchment's own ``return_factor`` overrides it.
    infiltration_share : float
        Groundwater infiltration (and other extraneous inflow) as a share of collected sewage,
        default 0.10 (an assumption: a common design allowance of 10-15 %). A catchment's own
        ``infiltration_share`` overrides it.
    reclaimed_load_factor : float
        Share of reclaimed-water production capacity delivered on an average day, default 0.8
        (an assumption).
    high_utilisation : float
        Mean inflow over capacity at which a plant is flagged ``high`` (default 0.85, an
        assumption: a common trigger to plan an expansion). Above 1.0 it is ``overloaded``.
    peaking_table : tuple of (float, float)
        (mean flow L/s, Kz) pairs, default GB 50014-2021 (medium confidence).
    class_1a : EffluentLimits
        Limits samples are checked against, default GB 18918-2002 Class 1A.
    """

    base_year: int = 2020
    as_of_year: int | None = None
    return_factor: float = DEFAULT_RETURN_FACTOR
    infiltration_share: float = 0.10
    reclaimed_load_factor: float = 0.80
    high_utilisation: float = 0.85
    peaking_table: tuple[tuple[float, float], ...] = PEAKING_FACTOR_TABLE
    class_1a: EffluentLimits = CLASS_1A

    #: Fields that ``parameters.csv`` may set, with their allowed ranges.
    SCALARS: ClassVar[Mapping[str, tuple[float, float]]] = MappingProxyType({
        "base_year": (YEAR_MIN, YEAR_MAX - 1),
        "as_of_year": (YEAR_MIN, YEAR_MAX),
        "return_factor": (1e-9, 1.0),
        "infiltration_share": (0.0, 2.0),
        "reclaimed_load_factor": (0.0, 1.0),
        "high_utilisation": (1e-9, 5.0),
    })

    def __post_init__(self) -> None:
        for name, (low, high) in self.SCALARS.items():
            value = getattr(self, name)
            if value is None and name == "as_of_year":
                continue
            if not (low <= float(value) <= high):
                raise ValueError(f"{name} = {value!r} out of range [{low:g}, {high:g}]")
        for name in ("base_year", "as_of_year"):
            value = getattr(self, name)
            if value is not None and int(value) != value:
                raise ValueError(f"{name} must be a whole year, got {value!r}")
        if self.as_of_year is not None and self.as_of_year <= self.base_year:
            raise ValueError(
                f"as_of_year {self.as_of_year} must be after base_year {self.base_year}"
            )

    def replace(self, **changes: object) -> Assumptions:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class Registry:
    """A validated registry. Treat it as immutable: functions return new ones.

    Attributes
    ----------
    plants, catchments, projects, measurements, samples, reported : pandas.DataFrame
        Parsed tables (columns as in docs/capacity.md; ``catchments`` and ``plants`` are
        GeoDataFrames when read from GeoPackage). Row ``i`` is data row ``i + 1`` of its file.
        ``plants`` has ``lon`` and ``lat`` (WGS84 degrees; NaN where not located).
    assumptions : Assumptions
        Scalar assumptions (from ``parameters`` when loaded from a folder).
    files : Mapping[str, str]
        Table name -> file name used in error messages (e.g. ``"plants" -> "plants.csv"``).
    catchment_areas : geopandas.GeoDataFrame or None
        Catchment polygons (``catchment_id``, ``illustrative``, ``source``, geometry) in
        EPSG:4326, from ``catchments.geojson`` or the geometry of ``catchments.gpkg``; None
        when the registry has none. Not every catchment needs a polygon.
    """

    plants: pd.DataFrame
    catchments: pd.DataFrame
    projects: pd.DataFrame
    measurements: pd.DataFrame
    samples: pd.DataFrame
    reported: pd.DataFrame
    assumptions: Assumptions = Assumptions()
    files: Mapping[str, str] = dataclasses.field(default_factory=dict)
    catchment_areas: pd.DataFrame | None = None

    @classmethod
    def from_frames(
        cls,
        plants: pd.DataFrame,
        catchments: pd.DataFrame,
        projects: pd.DataFrame | None = None,
        measurements: pd.DataFrame | None = None,
        samples: pd.DataFrame | None = None,
        reported: pd.DataFrame | None = None,
        assumptions: Assumptions | None = None,
        files: Mapping[str, str] | None = None,
        catchment_areas: pd.DataFrame | None = None,
    ) -> Registry:
        """Validate tables held in memory and build a registry.

        Parameters
        ----------
        plants, catchments : pandas.DataFrame
            Required tables; raw strings or typed values.
        projects, measurements, samples, reported : pandas.DataFrame, optional
            Missing tables are empty.
        assumptions : Assumptions, optional
            Defaults to ``Assumptions()``.
        files : Mapping[str, str], optional
            Table name -> name used in error messages (default: the table name).
        catchment_areas : geopandas.GeoDataFrame, optional
            Catchment polygons keyed by ``catchment_id`` (any CRS; stored in EPSG:4326).
            Default: the geometry of ``catchments`` when it is a GeoDataFrame, else none.

        Raises
        ------
        RegistryError
            On the first bad cell or broken reference.
        """
        raw = {
            "plants": plants, "catchments": catchments, "projects": projects,
            "measurements": measurements, "samples": samples, "reported": reported,
        }
        names = {spec.name: spec.name for spec in _TABLES}
        names.update(files or {})
        tables = {}
        for spec in _TABLES:
            if spec.name == "parameters":
                continue
            frame = raw[spec.name]
            if frame is None:
                frame = pd.DataFrame({c: [] for c in spec.column_names})
            tables[spec.name] = parse_table(frame, spec, names[spec.name])
        check_plant_locations(tables["plants"], names["plants"])
        ids = tables["catchments"]["catchment_id"]
        if catchment_areas is not None:
            names.setdefault("catchment_areas", "catchment_areas")
            catchment_areas = parse_catchment_areas(catchment_areas, ids,
                                                    names["catchment_areas"])
        elif _has_geometry(tables["catchments"]):
            names["catchment_areas"] = names["catchments"]
            catchment_areas = parse_catchment_areas(tables["catchments"], ids,
                                                    names["catchments"], skip_empty=True)
        registry = cls(**tables, assumptions=assumptions or Assumptions(), files=names,
                       catchment_areas=catchment_areas)
        _check_references(registry)
        return registry

    def file(self, table: str) -> str:
        """File name of ``table`` for messages."""
        return self.files.get(table, table)

    def replace(self, **changes: object) -> Registry:
        """A new registry with some tables or the assumptions replaced, validated again."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.update(changes)
        return Registry.from_frames(**fields)


def read_table(folder: Path, spec: TableSpec) -> tuple[pd.DataFrame | None, str]:
    """Read ``<spec.name>.csv`` or ``.gpkg`` from ``folder`` as raw strings / typed values.

    Returns the frame (None when an optional file is absent) and the file name for messages.
    """
    csv, gpkg = folder / f"{spec.name}.csv", folder / f"{spec.name}.gpkg"
    if csv.exists() and gpkg.exists():
        raise RegistryError(spec.name, None, None, "both .csv and .gpkg present; keep one")
    if gpkg.exists():
        import geopandas as gpd

        try:
            return gpd.read_file(gpkg), gpkg.name
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
            raise RegistryError(gpkg.name, None, None, f"cannot read GeoPackage: {exc}") from exc
    if csv.exists():
        try:
            frame = pd.read_csv(
                csv, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                skipinitialspace=True,
            )
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise RegistryError(csv.name, None, None, f"cannot read CSV: {exc}") from exc
        return frame, csv.name
    if spec.required_file:
        raise RegistryError(f"{spec.name}.csv", None, None, "required file missing")
    return None, f"{spec.name}.csv"


def _has_geometry(frame: pd.DataFrame) -> bool:
    """Whether a parsed table carries a geometry column with at least one shape."""
    import sys

    gpd = sys.modules.get("geopandas")  # a GeoDataFrame implies geopandas is imported
    return (gpd is not None and isinstance(frame, gpd.GeoDataFrame)
            and bool(frame.geometry.notna().any()))


def _assumptions_from(parameters: pd.DataFrame, file: str) -> Assumptions:
    values: dict[str, object] = {}
    for i, row in parameters.iterrows():
        name = row["name"]
        if name not in Assumptions.SCALARS:
            raise RegistryError(
                file, int(i) + 1, "name",
                f"unknown parameter {name!r} (known: {', '.join(Assumptions.SCALARS)})",
            )
        value = float(row["value"])
        values[name] = int(value) if name.endswith("_year") and value == int(value) else value
    try:
        return Assumptions(**values)
    except ValueError as exc:
        bad = next((n for n in values if n in str(exc)), None)
        row = None if bad is None else int(np.flatnonzero(parameters["name"] == bad)[0]) + 1
        raise RegistryError(file, row, "value", str(exc)) from exc


def load_registry(folder: str | Path, assumptions: Assumptions | None = None) -> Registry:
    """Load and validate a registry folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        Folder holding ``plants``, ``catchments``, ``projects`` and optionally
        ``measurements``, ``samples``, ``reported``, ``parameters`` (each ``.csv`` or
        ``.gpkg``), and optionally ``catchments.geojson`` with catchment polygons.
    assumptions : Assumptions, optional
        Overrides ``parameters`` entirely when given.

    Returns
    -------
    Registry

    Raises
    ------
    RegistryError
        Naming file, row and column of the first problem; no registry is returned.
    FileNotFoundError
        If ``folder`` is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"registry folder not found: {folder}")
    raw: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    for spec in _TABLES:
        raw[spec.name], files[spec.name] = read_table(folder, spec)
    areas, files["catchment_areas"] = read_catchment_areas(folder)
    if areas is not None and _has_geometry(raw["catchments"]):
        raise RegistryError(AREAS_FILE, None, None,
                            f"{files['catchments']} has polygons too; keep one of them")
    if assumptions is None:
        assumptions = Assumptions()
        if raw["parameters"] is not None:
            params = parse_table(raw["parameters"], PARAMETERS, files["parameters"])
            assumptions = _assumptions_from(params, files["parameters"])
    return Registry.from_frames(
        plants=raw["plants"], catchments=raw["catchments"], projects=raw["projects"],
        measurements=raw["measurements"], samples=raw["samples"], reported=raw["reported"],
        assumptions=assumptions, files=files, catchment_areas=areas,
    )


# --------------------------------------------------------------------------- cross-checks


def _check_references(reg: Registry) -> None:
    """Rules that span tables or depend on the assumptions. Raises RegistryError."""
    a = reg.assumptions
    plants = reg.plants.set_index("plant_id", drop=False)
    f_pl, f_ca, f_pr = reg.file("plants"), reg.file("catchments"), reg.file("projects")

    for i, year in reg.plants["year_in_service"].items():
        if pd.notna(year) and year > a.base_year:
            raise RegistryError(
                f_pl, i + 1, "year_in_service",
                f"year out of range: {year} is after the base year {a.base_year}; a plant "
                "built later goes in projects as kind new_plant",
            )

    for i, pid in reg.catchments["plant_id"].items():
        if pid and pid not in plants.index:
            raise RegistryError(f_ca, i + 1, "plant_id", f"unknown plant {pid!r}")

    catchments = reg.catchments.set_index("catchment_id", drop=False)
    new_plant_of: dict[str, int] = {}
    for i, p in reg.projects.iterrows():
        row = int(i) + 1
        _check_project(p, row, f_pr, plants, catchments, a, new_plant_of)

    for i, pid in reg.plants["plant_id"].items():
        zero = (reg.plants.at[i, "design_capacity_m3_per_d"] == 0
                and reg.plants.at[i, "reclaimed_capacity_m3_per_d"] == 0)
        if not zero or pid in new_plant_of:
            continue
        later = reg.projects[(reg.projects["plant_id"] == pid)]
        if len(later):
            j = int(later.index[0])
            raise RegistryError(
                f_pr, j + 1, "plant_id",
                f"plant {pid!r} has no capacity in plants and no new_plant project",
            )

    _check_measurements(reg, plants, a)
    _check_samples(reg, plants, a)
    known = set(INDICATORS) | set(CONTEXT_INDICATORS)
    for i, name in reg.reported["indicator"].items():
        if name not in known:
            raise RegistryError(reg.file("reported"), i + 1, "indicator",
                                f"unknown indicator {name!r}")


def _check_project(
    p: pd.Series,
    row: int,
    file: str,
    plants: pd.DataFrame,
    catchments: pd.DataFrame,
    a: Assumptions,
    new_plant_of: dict[str, int],
) -> None:
    kind = p["kind"]
    if p["planned_year"] <= a.base_year:
        raise RegistryError(
            file, row, "planned_year",
            f"year out of range: {p['planned_year']} is not after the base year {a.base_year}; "
            "earlier capacity belongs in plants",
        )
    if p["status"] == "completed" and a.as_of_year is not None and p["planned_year"] > a.as_of_year:
        raise RegistryError(
            file, row, "planned_year",
            f"year out of range: completed project dated {p['planned_year']}, after the review "
            f"year {a.as_of_year}",
        )
    allowed = {
        "new_plant": {"capacity_m3_per_d", "reclaimed_capacity_m3_per_d"},
        "expansion": {"capacity_m3_per_d"},
        "reclaimed_plant": {"reclaimed_capacity_m3_per_d"},
        "upgrade": set(),
        "sewer": {"sewer_length_km", "collection_rate_gain"},
    }[kind]
    for col in ("capacity_m3_per_d", "reclaimed_capacity_m3_per_d", "sewer_length_km",
                "collection_rate_gain"):
        if col not in allowed and p[col] != 0:
            raise RegistryError(file, row, col, f"not used by kind {kind!r}; leave it empty")
    if kind != "upgrade" and p["effluent_class"]:
        raise RegistryError(file, row, "effluent_class", "only kind 'upgrade' sets a class")

    if kind == "sewer":
        if p["plant_id"]:
            raise RegistryError(file, row, "plant_id", "a sewer project names a catchment")
        if p["sewer_length_km"] <= 0:
            raise RegistryError(file, row, "sewer_length_km", "a sewer project needs a length > 0")
        cid = p["catchment_id"]
        if cid and cid not in catchments.index:
            raise RegistryError(file, row, "catchment_id", f"unknown catchment {cid!r}")
        if not cid and not p["basin"]:
            raise RegistryError(file, row, "basin", "a sewer project needs a catchment or a basin")
        if p["collection_rate_gain"] > 0 and not cid:
            raise RegistryError(file, row, "catchment_id", "a collection-rate gain needs a catchment")
        if cid and p["basin"] and p["basin"] != catchments.at[cid, "basin"]:
            raise RegistryError(file, row, "basin",
                                f"{p['basin']!r} differs from catchment basin "
                                f"{catchments.at[cid, 'basin']!r}")
        return

    pid = p["plant_id"]
    if p["catchment_id"]:
        raise RegistryError(file, row, "catchment_id", f"not used by kind {kind!r}")
    if not pid:
        raise RegistryError(file, row, "plant_id", f"kind {kind!r} needs a plant")
    if pid not in plants.index:
        raise RegistryError(file, row, "plant_id", f"unknown plant {pid!r}")
    if p["basin"] and p["basin"] != plants.at[pid, "basin"]:
        raise RegistryError(file, row, "basin",
                            f"{p['basin']!r} differs from plant basin {plants.at[pid, 'basin']!r}")
    if kind == "new_plant":
        if pid in new_plant_of:
            raise RegistryError(file, row, "plant_id",
                                f"duplicate new_plant for {pid!r} (first at row {new_plant_of[pid]})")
        base = plants.loc[pid]
        if base["design_capacity_m3_per_d"] > 0 or base["reclaimed_capacity_m3_per_d"] > 0:
            raise RegistryError(file, row, "plant_id",
                                f"plant {pid!r} already has capacity in plants; use expansion")
        if p["capacity_m3_per_d"] + p["reclaimed_capacity_m3_per_d"] <= 0:
            raise RegistryError(file, row, "capacity_m3_per_d", "a new plant needs capacity > 0")
        new_plant_of[pid] = row
    elif kind == "expansion" and p["capacity_m3_per_d"] <= 0:
        raise RegistryError(file, row, "capacity_m3_per_d", "an expansion needs capacity > 0")
    elif kind == "reclaimed_plant" and p["reclaimed_capacity_m3_per_d"] <= 0:
        raise RegistryError(file, row, "reclaimed_capacity_m3_per_d",
                            "a reclaimed-water project needs capacity > 0")
    elif kind == "upgrade" and not p["effluent_class"]:
        raise RegistryError(file, row, "effluent_class", "an upgrade needs the new class")


def _check_measurements(reg: Registry, plants: pd.DataFrame, a: Assumptions) -> None:
    m, file = reg.measurements, reg.file("measurements")
    for i, r in m.iterrows():
        if r["plant_id"] not in plants.index:
            raise RegistryError(file, int(i) + 1, "plant_id", f"unknown plant {r['plant_id']!r}")
        if a.as_of_year is not None and r["year"] > a.as_of_year:
            raise RegistryError(file, int(i) + 1, "year",
                                f"year out of range: {r['year']} is after the review year "
                                f"{a.as_of_year}")
    if len(m):
        annual = m["month"].isna()
        mixed = m[annual].set_index(["plant_id", "year"]).index.intersection(
            m[~annual].set_index(["plant_id", "year"]).index)
        if len(mixed):
            pid, year = mixed[0]
            i = int(m.index[(m["plant_id"] == pid) & (m["year"] == year) & annual][0])
            raise RegistryError(file, i + 1, "month",
                                f"plant {pid!r} {year}: both an annual and monthly rows")


def _check_samples(reg: Registry, plants: pd.DataFrame, a: Assumptions) -> None:
    s, file = reg.samples, reg.file("samples")
    for i, r in s.iterrows():
        if r["plant_id"] not in plants.index:
            raise RegistryError(file, int(i) + 1, "plant_id", f"unknown plant {r['plant_id']!r}")
        if all(pd.isna(r[c]) for c in (*SAMPLE_PARAMETERS, SAMPLE_PH)):
            raise RegistryError(file, int(i) + 1, None, "a sample with no measured parameter")
        year = r["date"].year
        if not YEAR_MIN <= year <= YEAR_MAX or (a.as_of_year is not None and year > a.as_of_year):
            raise RegistryError(file, int(i) + 1, "date", f"year out of range: {r['date']:%Y-%m-%d}")
