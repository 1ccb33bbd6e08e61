"""Capacity what-if studies (``kind: capacity_whatif``) on top of :mod:`planning.capacity`.

Exports :func:`parse_capacity_whatif` (the file format), :func:`whatif_of`,
:func:`registry_path`, :func:`checked_whatif`, :func:`whatif_study`, the tables the 2025
capacity page edits (:func:`project_choices`, :func:`added_rows`,
:func:`whatif_from_tables`), the display tables (:func:`gap_display`,
:func:`gap_comparison`) and :func:`write_capacity_whatif` (CLI output). File format::

    kind: capacity_whatif
    version: 1
    name: Jinning plant two years late
    registry: ../capacity          # optional: registry folder (default: the Kunming demo)
    years: [2020, 2030]            # optional: first and last year reported
    whatif:
      delay_years: {D-2025-02: 2}  # project id -> years later
      cancel: [O-2025-02]
      add_projects:                # rows of projects.csv (see docs/capacity.md)
        - {project_id: W-1, name: Shilin extra, kind: expansion, plant_id: SL-1,
           capacity_m3_per_d: 5000, planned_year: 2025, status: planned}
      population_growth_per_yr: 0.015   # optional overrides (fractions)
      per_capita_growth_per_yr: 0.0
      return_factor: 0.9
      parameters: {reclaimed_load_factor: 0.7}
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from application.files import ENVELOPE_KEYS, Fields, ScenarioFileError, Study
from application.paths import SCENARIOS_DIR
from planning.capacity import (  # noqa: F401 (some only for the page)
    DEFAULT_YEARS,
    Registry,
    RegistryError,
    WhatIf,
    apply_whatif,
    capacity_layers,
    gap_table,
    indicators,
    load_registry,
    plot_trajectories,
    project_schedule,
)
from planning.capacity.layers import has_geometry  # noqa: F401 (for the map section)

CAPACITY_WHATIF_VERSION = 1
"""Newest ``capacity_whatif`` file version."""
DEMO_REGISTRY = SCENARIOS_DIR / "capacity"
"""The Kunming demo registry (illustrative rows marked)."""
ADDED_KINDS = ("expansion", "reclaimed_plant")
"""Kinds of project the page can add (treatment or reclaimed-water capacity)."""
_PROJECT_KEYS = ("project_id", "name", "kind", "plant_id", "catchment_id", "basin",
                 "capacity_m3_per_d", "reclaimed_capacity_m3_per_d", "sewer_length_km",
                 "collection_rate_gain", "effluent_class", "planned_year", "status",
                 "illustrative", "source")
_NUMERIC_PROJECT_KEYS = ("capacity_m3_per_d", "reclaimed_capacity_m3_per_d", "sewer_length_km",
                         "collection_rate_gain", "planned_year")


def _added_project(f: Fields) -> dict[str, Any]:
    f.only(_PROJECT_KEYS)
    row: dict[str, Any] = {}
    for key in _PROJECT_KEYS:
        if key in _NUMERIC_PROJECT_KEYS:
            value = f.number(key, required=key == "planned_year", minimum=0,
                             integer=key == "planned_year")
        elif key == "illustrative":
            value = f.flag(key) if key in f.data else None
        else:
            value = f.text(key, required=key in ("project_id", "kind"))
        if value is not None:
            row[key] = value
    row.setdefault("name", row["project_id"])
    row.setdefault("status", "planned")
    return row


def parse_capacity_whatif(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``capacity_whatif`` study: ``registry``, ``years`` and ``whatif``.

    Types and keys are checked here; project ids are checked against the registry by
    :func:`checked_whatif`.
    """
    f.only([*ENVELOPE_KEYS, "registry", "years", "whatif"])
    body: dict[str, Any] = {}
    registry = f.text("registry", required=False)
    if registry is not None:
        body["registry"] = registry
    if f.data.get("years") is not None:
        years = f.data["years"]
        if (not isinstance(years, list) or len(years) != 2
                or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
                or not 1900 <= years[0] <= years[1] <= 2100):
            raise f.error("years", "must be [first, last], two years in order, e.g. [2020, 2030]")
        body["years"] = list(years)
    w = f.mapping("whatif", required=True)
    w.only(["delay_years", "cancel", "add_projects", "population_growth_per_yr",
            "per_capita_growth_per_yr", "return_factor", "parameters"])
    delays = w.mapping("delay_years")
    whatif: dict[str, Any] = {
        "delay_years": {str(pid): delays.number(pid, integer=True, minimum=0)
                        for pid in delays.data},
        "cancel": w.texts("cancel"),
        "add_projects": [_added_project(item) for item in w.items("add_projects")],
    }
    for key, low, high in (("population_growth_per_yr", -0.2, 0.2),
                           ("per_capita_growth_per_yr", -0.2, 0.2),
                           ("return_factor", 0.0, 1.5)):
        value = w.number(key, required=False, minimum=low, maximum=high)
        if value is not None:
            whatif[key] = value
    params = w.mapping("parameters")
    whatif["parameters"] = {str(k): params.number(k) for k in params.data}
    body["whatif"] = whatif
    return body


def whatif_of(study: Study) -> WhatIf:
    """The :class:`planning.capacity.WhatIf` of a study (named after the study)."""
    w = study.body["whatif"]
    return WhatIf(name=study.name or "what-if", **w)


def registry_path(study: Study) -> Path:
    """Registry folder of a study: its ``registry`` key, else the demo.

    Raises
    ------
    ScenarioFileError
        Key ``registry``: the folder does not exist.
    """
    path = study.path_of("registry", folder=True)
    return DEMO_REGISTRY if path is None else path


def study_years(study: Study) -> range:
    """Years to report (2020-2030 unless the file says otherwise)."""
    first, last = study.body.get("years", [2020, 2030])
    return range(first, last + 1)


def checked_whatif(registry: Registry, whatif: WhatIf, source: str | None = None) -> Registry:
    """Apply a what-if, turning its errors into :class:`ScenarioFileError` naming the key.

    Returns
    -------
    Registry
        The changed registry.

    Raises
    ------
    ScenarioFileError
        Unknown or completed project (key ``whatif.delay_years.<id>`` or ``whatif.cancel``),
        an unknown parameter (``whatif.parameters``) or an added project that breaks a
        registry rule (``whatif.add_projects``).
    """
    def key_of(pid: str | None) -> str:
        if pid is not None and pid in whatif.delay_years:
            return f"whatif.delay_years.{pid}"
        return "whatif.cancel"

    for pid in [*whatif.delay_years, *whatif.cancel]:
        if pid not in set(registry.projects["project_id"]):
            raise ScenarioFileError(source, key_of(pid), f"unknown project {pid!r}")
    try:
        return apply_whatif(registry, whatif)
    except RegistryError as exc:
        raise ScenarioFileError(source, "whatif.add_projects", str(exc)) from None
    except (KeyError, ValueError, TypeError) as exc:
        text = str(exc).strip("'\"")
        pid = next((p for p in [*whatif.delay_years, *whatif.cancel] if repr(p) in text), None)
        if pid is None and whatif.parameters:
            raise ScenarioFileError(source, "whatif.parameters", text) from None
        raise ScenarioFileError(source, key_of(pid), text) from None


def whatif_study(whatif: WhatIf, *, registry: str | None = None,
                 years: Iterable[int] | None = None, description: str = "") -> Study:
    """A ``capacity_whatif`` study for a :class:`WhatIf` (for saving)."""
    w: dict[str, Any] = {
        "delay_years": {k: int(v) for k, v in whatif.delay_years.items()},
        "cancel": list(whatif.cancel),
        "add_projects": [dict(p) for p in whatif.add_projects],
    }
    for key in ("population_growth_per_yr", "per_capita_growth_per_yr", "return_factor"):
        value = getattr(whatif, key)
        if value is not None:
            w[key] = float(value)
    w["parameters"] = {k: float(v) for k, v in whatif.parameters.items()}
    body: dict[str, Any] = {}
    if registry is not None:
        body["registry"] = registry
    if years is not None:
        years = list(years)
        body["years"] = [int(years[0]), int(years[-1])]
    body["whatif"] = w
    return Study(kind="capacity_whatif", version=CAPACITY_WHATIF_VERSION, name=whatif.name,
                 description=description, body=body)


def project_choices(registry: Registry, whatif: WhatIf | None = None) -> pd.DataFrame:
    """Projects a what-if may delay or cancel (not completed), with the what-if's choices.

    Returns
    -------
    pandas.DataFrame
        Columns ``project_id``, ``name``, ``kind``, ``status``, ``effective_year``,
        ``delay_years`` (int), ``cancel`` (bool).
    """
    whatif = whatif or WhatIf()
    sched = project_schedule(registry)
    table = sched.loc[sched["status"].isin(["planned", "under_construction"]),
                      ["project_id", "name", "kind", "status", "effective_year"]].copy()
    table["effective_year"] = table["effective_year"].astype("Int64")
    table["delay_years"] = [int(whatif.delay_years.get(p, 0)) for p in table["project_id"]]
    table["cancel"] = [p in whatif.cancel for p in table["project_id"]]
    return table.reset_index(drop=True)


def added_rows(whatif: WhatIf | None = None) -> pd.DataFrame:
    """Capacity additions of a what-if as an editable table.

    Returns
    -------
    pandas.DataFrame
        Columns ``project_id``, ``plant_id``, ``kind`` (``expansion`` or
        ``reclaimed_plant``), ``added_m3_per_d``, ``planned_year``; additions of other
        kinds (from files) are not listed here and are kept as they are.
    """
    rows = []
    for p in (whatif.add_projects if whatif else ()):
        if p.get("kind") in ADDED_KINDS:
            column = "capacity_m3_per_d" if p["kind"] == "expansion" else \
                "reclaimed_capacity_m3_per_d"
            rows.append({"project_id": p["project_id"], "plant_id": p.get("plant_id"),
                         "kind": p["kind"], "added_m3_per_d": p.get(column),
                         "planned_year": p.get("planned_year")})
    columns = ["project_id", "plant_id", "kind", "added_m3_per_d", "planned_year"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({"added_m3_per_d": "float64", "planned_year": "Int64"})


def whatif_from_tables(
    name: str,
    projects: pd.DataFrame,
    added: pd.DataFrame,
    *,
    population_growth_per_yr: float | None = None,
    per_capita_growth_per_yr: float | None = None,
    return_factor: float | None = None,
    keep_from: WhatIf | None = None,
) -> WhatIf:
    """Build a :class:`WhatIf` from the page's edited tables.

    Parameters
    ----------
    name : str
    projects : pandas.DataFrame
        From :func:`project_choices`, edited (``delay_years``, ``cancel``).
    added : pandas.DataFrame
        From :func:`added_rows`, edited; rows without a project id, plant or amount are
        skipped.
    population_growth_per_yr, per_capita_growth_per_yr, return_factor : float, optional
        Overrides (None: keep the registry's).
    keep_from : WhatIf, optional
        A loaded what-if whose ``parameters`` and non-capacity additions are kept.

    Returns
    -------
    WhatIf
    """
    delays = {str(r.project_id): int(r.delay_years) for r in projects.itertuples()
              if pd.notna(r.delay_years) and int(r.delay_years) > 0 and not bool(r.cancel)}
    cancel = tuple(str(r.project_id) for r in projects.itertuples() if bool(r.cancel))
    add = [dict(p) for p in (keep_from.add_projects if keep_from else ())
           if p.get("kind") not in ADDED_KINDS]
    for r in added.itertuples():
        if not r.project_id or pd.isna(r.added_m3_per_d) or not r.plant_id:
            continue
        column = "capacity_m3_per_d" if r.kind != "reclaimed_plant" else \
            "reclaimed_capacity_m3_per_d"
        year = 2025 if pd.isna(r.planned_year) else int(r.planned_year)
        before = next((dict(p) for p in (keep_from.add_projects if keep_from else ())
                       if p.get("project_id") == r.project_id), {})
        for stale in ("capacity_m3_per_d", "reclaimed_capacity_m3_per_d"):
            before.pop(stale, None)
        add.append({**before, "project_id": str(r.project_id),
                    "name": before.get("name", f"{r.project_id} (what-if)"),
                    "kind": r.kind if r.kind in ADDED_KINDS else "expansion",
                    "plant_id": str(r.plant_id), column: float(r.added_m3_per_d),
                    "planned_year": year, "status": before.get("status", "planned")})
    return WhatIf(name=name or "what-if", delay_years=delays, cancel=cancel,
                  add_projects=tuple(add), population_growth_per_yr=population_growth_per_yr,
                  per_capita_growth_per_yr=per_capita_growth_per_yr, return_factor=return_factor,
                  parameters=dict(keep_from.parameters) if keep_from else {})


def is_empty(whatif: WhatIf) -> bool:
    """True when a what-if changes nothing."""
    return not (whatif.delay_years or whatif.cancel or whatif.add_projects or whatif.parameters
                or whatif.population_growth_per_yr is not None
                or whatif.per_capita_growth_per_yr is not None
                or whatif.return_factor is not None)


def review(registry: Registry, whatif: WhatIf | None = None,
           years: Iterable[int] = DEFAULT_YEARS) -> dict[str, Any]:
    """Gap table, indicators and trajectory figures of a registry, or of a what-if on it.

    Returns
    -------
    dict
        ``gaps`` (gap table), ``indicators`` (long table over ``years``) and ``figures``
        (trajectory figures; with a what-if, the baseline drawn dotted).

    Raises
    ------
    ScenarioFileError
        The what-if does not fit the registry (key named, see :func:`checked_whatif`).
    """
    years = list(years)
    base_ind = indicators(registry, years)
    reg = registry if whatif is None else checked_whatif(registry, whatif)
    ind = base_ind if whatif is None else indicators(reg, years)
    figs = plot_trajectories(ind, baseline=None if whatif is None else base_ind,
                             reported=reg.reported, as_of_year=reg.assumptions.as_of_year,
                             note="" if whatif is None else f"what-if: {whatif.name}")
    return {"gaps": gap_table(reg), "indicators": ind, "figures": figs}


def show_value(value: float, unit: str) -> str:
    """A gap-table value as text in its unit (fractions as %, NaN as "no data")."""
    if pd.isna(value):
        return "no data"
    if unit == "fraction":
        return f"{100 * value:.1f} %"
    if unit == "m3_per_d":
        return f"{value:,.0f} m³/d"
    return f"{value:,.1f} {unit}"


def _show_gap(value: float, unit: str) -> str:
    if pd.isna(value):
        return "no data"
    if unit == "fraction":
        return f"{100 * value:+.1f} pp"
    return show_value(value, unit) if value <= 0 else "+" + show_value(value, unit)


def gap_display(gaps: pd.DataFrame) -> pd.DataFrame:
    """The gap table with values as text in their units (fractions as %), for display.

    Returns
    -------
    pandas.DataFrame
        Columns ``target`` (label), ``scope``, ``target value``, ``projected 2025``,
        ``committed 2025``, ``gap`` (target − projected; positive = short), ``status``,
        ``reason``, ``basis``, ``illustrative``, ``source``.
    """
    return pd.DataFrame({
        "target": gaps["label"],
        "scope": gaps["scope"],
        "target value": [show_value(v, u) for v, u in zip(gaps["target"], gaps["unit"])],
        "projected 2025": [show_value(v, u) for v, u in zip(gaps["projected"], gaps["unit"])],
        "committed 2025": [show_value(v, u) for v, u in zip(gaps["committed"], gaps["unit"])],
        "gap": [_show_gap(v, u) for v, u in zip(gaps["gap"], gaps["unit"])],
        "status": gaps["status"],
        "reason": gaps["reason"].fillna(""),
        "basis": gaps["basis"],
        "illustrative": gaps["illustrative"].astype(bool),
        "source": gaps["source"],
    })


def gap_comparison(base: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """Baseline and what-if gap tables side by side, as display text.

    Returns
    -------
    pandas.DataFrame
        Columns ``target``, ``scope``, ``target value``, ``projected (baseline)``,
        ``projected (what-if)``, ``status (baseline)``, ``status (what-if)``,
        ``reason (what-if)``, ``illustrative``.
    """
    b, w = gap_display(base), gap_display(whatif)
    return pd.DataFrame({
        "target": b["target"], "scope": b["scope"], "target value": b["target value"],
        "projected (baseline)": b["projected 2025"], "projected (what-if)": w["projected 2025"],
        "status (baseline)": b["status"], "status (what-if)": w["status"],
        "reason (what-if)": w["reason"],
        "illustrative": b["illustrative"] | w["illustrative"],
    })


def trunk_of(folder: Path):
    """The registry folder's trunk sewer (:func:`planning.capacity.load_trunk`), or None when
    the folder has no ``trunk_nodes`` table."""
    from planning.capacity import load_trunk

    has_trunk = any((folder / f"trunk_nodes{ext}").exists() for ext in (".csv", ".gpkg"))
    return load_trunk(folder) if has_trunk else None


def read_whatif(path: str | Path) -> WhatIf:
    """A what-if from a file: a ``capacity_whatif`` study (YAML) or its JSON form.

    The JSON form is the study's ``whatif`` mapping with a ``name`` beside it, e.g.
    ``{"name": "No. 13 late", "delay_years": {"D-2025-01": 2}}``. Both go through the
    same checks (:func:`parse_capacity_whatif`).

    Raises
    ------
    ScenarioFileError
        The file cannot be read, or a key is bad (named).
    """
    import json

    from application.files import read_study

    path = Path(path)
    if path.suffix.lower() != ".json":
        parsers = {"capacity_whatif": (CAPACITY_WHATIF_VERSION, parse_capacity_whatif)}
        return whatif_of(read_study(path, parsers))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioFileError(path.name, None, "file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ScenarioFileError(path.name, None, f"not JSON text: {exc}", line) from None
    except RecursionError:  # a hostile file: thousands of nested brackets
        raise ScenarioFileError(path.name, None, "not a what-if file: nested too deeply") \
            from None
    if not isinstance(data, dict):
        raise ScenarioFileError(path.name, None, "must be a JSON object of what-if fields")
    name = data.pop("name", None)
    fields = Fields({"whatif": data}, path.name)
    body = parse_capacity_whatif(fields, CAPACITY_WHATIF_VERSION)
    study = Study(kind="capacity_whatif", version=CAPACITY_WHATIF_VERSION,
                  name=str(name) if name else "", body=body, folder=path.parent,
                  source=path.name)
    return whatif_of(study)


def write_capacity_whatif(study: Study, out: Path) -> list[Path]:
    """Run a ``capacity_whatif`` study: the review with the what-if, written to ``out``.

    Files are those of :func:`application.capacity_review.write_review` with ``whatif`` (the
    baseline tables and plots, and ``*_whatif.csv``/``*_whatif.png``).
    """
    from application.capacity_review import write_review

    folder = registry_path(study)
    try:
        registry = load_registry(folder)
    except RegistryError as exc:  # where and what, not the registry's cells
        from application.safe_paths import redact_quoted

        raise ScenarioFileError(study.source, "registry", redact_quoted(
            str(exc), [str(exc.file), str(exc.column)])) from None
    whatif = whatif_of(study)
    checked_whatif(registry, whatif, study.source)
    return write_review(registry, out, whatif=whatif, years=study_years(study),
                        trunk=trunk_of(folder))
