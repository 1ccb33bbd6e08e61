"""Leakage settings: the study kind, the simulated assessment, its layer and its files.

Exports :func:`parse_leakage_settings` (the ``leakage_settings`` file format),
:func:`leakage_rules`, :func:`zones_of`, :func:`check_leakage_settings`, :class:`LeakageRun`,
:func:`run_leakage`,
:func:`reported_assessment`, :func:`leakage_node_layer`, :func:`prv_names` and
:func:`write_leakage_settings` (what ``python -m planning run`` writes). The Leakage page
and the CLI go through here; the numbers come from :mod:`planning.leakage`.

A study has one or both of two parts.

**Simulated network**: pipe leakage (EPANET 2.3 FAVAD area and expansion) for every pipe,
per zone or per pipe; a run of the network with it; the water balance, CJJ 92-2016 rates and
grade, leakage per zone and minimum night flow; optionally a PRV setting sweep::

    network: ctown_batadal.inp     # needed outside the app; the app uses its open network
    placement: placement.yaml      # optional
    leakage:                       # rules: neither pipe nor zone = every pipe
      - {leak_area_mm2_per_100m: 0.5, leak_expansion_mm2_per_m: 0.01}
      - {zone: Z2, leak_area_mm2_per_100m: 1.0}      # beats the network-wide rule
      - {pipe: P100, leak_area_mm2_per_100m: 4.0}    # beats the zone rule
    zones:                         # optional: without it the network is one zone
      boundaries: pumps_and_valves # or a list of links; each connected part is a zone
      names: {T1: North}           # optional: label the zone holding a node
      # file: zones.csv            # or a node,zone / pipe,zone CSV (or a GeoPackage)
    duration_h: 24                 # optional: run length (default 24 h)
    min_pressure_m: 14             # optional: pressure compliance in the PRV sweep
    household_metered_share: 0.6   # r in R1 = 8 r % (CJJ 92-2016; the model cannot know it)
    frost_depth_m: 0.0             # optional: R4
    prv_sweep:                     # optional
      valves: [V45]                # PRVs set alike in each case
      settings_m: [30, 35, 40, 45]

**Reported figures** of a period (what a utility publishes quarterly)::

    period: 2025-Q1
    supplied_m3: 117000000
    registered_m3: 105300000       # Qa 注册用户用水量: authorised use, metered and unmetered
    billed_m3: 104500000           # optional, for non-revenue water
    household_metered_share: 0.6
    dn75_length_km: 4200           # for A in R2
    mean_outlet_pressure_mpa: 0.40 # for R3
    frost_depth_m: 0.0

Bad values raise :class:`ScenarioFileError` naming the key, including those only the network
can refuse (``leakage[1].zone``: unknown zone; ``prv_sweep.valves``: not a PRV).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import gis
from application.body_keys import put, read_network
from application.files import ENVELOPE_KEYS, Fields, ScenarioFileError, Study
from simulation.standards import MIN_SERVICE_HEAD_M

LEAKAGE_SETTINGS_VERSION = 1
"""Newest ``leakage_settings`` file version."""
AREA_KEY = "leak_area_mm2_per_100m"
EXPANSION_KEY = "leak_expansion_mm2_per_m"
REPORTED_KEYS = ("supplied_m3", "registered_m3", "billed_m3", "household_metered_share",
                 "dn75_length_km", "mean_outlet_pressure_mpa", "frost_depth_m")
"""Keys of the reported figures (``planning.leakage.assess_settings``)."""
PUMPS_AND_VALVES = "pumps_and_valves"
"""``zones.boundaries`` value: cut the network at every pump and valve."""
DEFAULT_DURATION_H = 24.0
SERVICE_PRESSURE_M = MIN_SERVICE_HEAD_M
MAX_SWEEP_CASES = 40
"""Most settings one PRV sweep may try (each is a full run)."""


# ---- the file format --------------------------------------------------------------------
def parse_leakage_settings(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``leakage_settings`` study (see the module docstring)."""
    f.only([*ENVELOPE_KEYS, "network", "placement", "period", *REPORTED_KEYS, "leakage",
            "zones", "duration_h", "min_pressure_m", "prv_sweep"])
    body: dict[str, Any] = {}
    read_network(f, body)
    reported = "supplied_m3" in f.data or "registered_m3" in f.data
    if not reported and f.data.get("leakage") is None:
        raise f.error("leakage", "give leakage settings to simulate, or the reported "
                      "volumes (supplied_m3, registered_m3), or both")
    put(body, "period", f.text("period", required=reported))
    if reported:
        from planning.leakage import period_days

        if period_days(body.get("period") or "") is None:
            raise f.error("period", f"{body.get('period')!r} is not a period: give the year, "
                          "quarter, half or month the volumes cover (2025, 2025-Q1, "
                          "2025-H2, 2025-03)")
    if reported:
        body["supplied_m3"] = f.number("supplied_m3", minimum=0)
        body["registered_m3"] = f.number("registered_m3", minimum=0)
        if body["supplied_m3"] <= 0:
            raise f.error("supplied_m3", "must be > 0")
        if body["registered_m3"] > body["supplied_m3"]:
            raise f.error("registered_m3", "is larger than supplied_m3")
        put(body, "billed_m3", f.number("billed_m3", required=False, minimum=0))
    body["household_metered_share"] = f.number("household_metered_share", minimum=0,
                                               maximum=1)
    for key in ("dn75_length_km", "mean_outlet_pressure_mpa"):
        put(body, key, f.number(key, required=reported, minimum=0))
    body["frost_depth_m"] = f.number("frost_depth_m", required=False, default=0.0, minimum=0)
    if f.data.get("leakage") is not None:
        _parse_simulation(f, body)
    return body


def _parse_simulation(f: Fields, body: dict[str, Any]) -> None:
    rules = []
    for r in f.items("leakage", required=True):
        r.only(["pipe", "zone", AREA_KEY, EXPANSION_KEY, "note"])
        rule: dict[str, Any] = {}
        put(rule, "pipe", r.text("pipe", required=False))
        put(rule, "zone", r.text("zone", required=False))
        if "pipe" in rule and "zone" in rule:
            raise r.error("zone", "give a pipe or a zone, not both")
        rule[AREA_KEY] = r.number(AREA_KEY, minimum=0)
        rule[EXPANSION_KEY] = r.number(EXPANSION_KEY, required=False, default=0.0, minimum=0)
        put(rule, "note", r.text("note", required=False))
        rules.append(rule)
    if not rules:
        raise f.error("leakage", "give at least one rule")
    body["leakage"] = rules
    if f.data.get("zones") is not None:
        z = f.mapping("zones")
        z.only(["boundaries", "names", "file"])
        if ("boundaries" in z.data) == ("file" in z.data):
            raise z.error(None, "give either boundaries or file")
        zones: dict[str, Any] = {}
        if "file" in z.data:
            zones["file"] = z.text("file")
        elif z.data["boundaries"] == PUMPS_AND_VALVES:
            zones["boundaries"] = PUMPS_AND_VALVES
        else:
            zones["boundaries"] = z.texts("boundaries", required=True)
        names = z.mapping("names")
        if names.data:
            if "boundaries" not in zones:
                raise z.error("names", "only with boundaries")
            zones["names"] = {str(k): names.text(k) for k in names.data}
        body["zones"] = zones
    if any("zone" in rule for rule in rules) and "zones" not in body:
        raise f.error("zones", "missing: the leakage rules name zones")
    body["duration_h"] = f.number("duration_h", required=False, default=DEFAULT_DURATION_H,
                                  minimum=1, maximum=24 * 31)
    body["min_pressure_m"] = f.number("min_pressure_m", required=False,
                                      default=SERVICE_PRESSURE_M, minimum=0)
    if f.data.get("prv_sweep") is not None:
        s = f.mapping("prv_sweep")
        s.only(["valves", "settings_m"])
        valves = s.texts("valves", required=True)
        if not valves:
            raise s.error("valves", "give at least one PRV")
        values = s.data.get("settings_m")
        if not isinstance(values, list) or not values:
            raise s.error("settings_m", "must be a list of outlet pressures (m)")
        if len(values) > MAX_SWEEP_CASES:
            raise s.error("settings_m", f"at most {MAX_SWEEP_CASES} settings")
        sf = Fields(dict(enumerate(values)), f.source, s.key("settings_m"))
        body["prv_sweep"] = {"valves": valves,
                             "settings_m": [sf.number(i, minimum=0) for i in range(len(values))]}


def has_simulation(body: dict[str, Any]) -> bool:
    """True when the body has leakage settings to simulate."""
    return bool(body.get("leakage"))


def has_reported(body: dict[str, Any]) -> bool:
    """True when the body has reported volumes to assess."""
    return body.get("supplied_m3") is not None


def _as_file_error(exc, source: str | None, prefix: str) -> ScenarioFileError:
    """A ``LeakageInputError`` as a :class:`ScenarioFileError` on ``prefix`` (a dotted key)."""
    key = prefix
    if getattr(exc, "row", None) is not None and prefix == "leakage":
        key = f"leakage[{exc.row - 1}]"
    if getattr(exc, "field", None):
        key = f"{key}.{exc.field}"
    return ScenarioFileError(source, key, getattr(exc, "message", str(exc)))


# ---- the simulated assessment ----------------------------------------------------------
def leakage_rules(body: dict[str, Any]) -> list:
    """The ``planning.leakage.LeakageRule`` list of a body (row = position + 1)."""
    from planning.leakage import LeakageRule

    return [LeakageRule(r[AREA_KEY], r.get(EXPANSION_KEY, 0.0), pipe=r.get("pipe"),
                        zone=r.get("zone"), row=i + 1, source="leakage")
            for i, r in enumerate(body.get("leakage", []))]


def zones_of(net, body: dict[str, Any], resolve: Callable[[str], Path] = Path,
             source: str | None = None):
    """The ``planning.leakage.Zones`` a body asks for (None: the network is one zone).

    Parameters
    ----------
    net : models.Network
    body : dict
    resolve : callable
        Turns a relative file name into a path (``Study.resolve``).
    source : str, optional
        File name for messages.

    Raises
    ------
    ScenarioFileError
        Unknown links or nodes, a bad zone file (key ``zones...``).
    """
    from planning.leakage import LeakageInputError, read_zones, zones_from_boundaries

    spec = body.get("zones")
    if spec is None:
        return None
    try:
        if "file" in spec:
            path = resolve(spec["file"])
            if not Path(path).is_file():
                raise ScenarioFileError(source, "zones.file", f"file not found: {path}")
            return read_zones(net, path)
        links = spec["boundaries"]
        if links == PUMPS_AND_VALVES:
            wn = net.wn
            links = [*wn.pump_name_list, *wn.valve_name_list]
        return zones_from_boundaries(net, links, spec.get("names"))
    except LeakageInputError as exc:
        what = ("file" if "file" in spec
                else "names" if exc.field in ("names", "node") else "boundaries")
        raise ScenarioFileError(source, f"zones.{what}",
                                _redacted(str(exc)) if what == "file" else exc.message) from None


def _redacted(message: str) -> str:
    """A zone file's error without the file's cells (see application.safe_paths)."""
    from application.safe_paths import redact_quoted

    return redact_quoted(message, ("node", "zone", "name", "zones"))


@dataclass(frozen=True)
class LeakageRun:
    """What a simulated leakage assessment shows.

    Attributes
    ----------
    table : pandas.DataFrame
        Per zone and for the network (index ``zone``, :data:`planning.leakage.NETWORK` last):
        the water balance (``supplied_m3``, ``registered_m3``, ``leakage_m3``,
        ``leakage_m3_per_d``, ``negligible_supply``, ...) and the CJJ 92-2016 rates
        (``gross_loss_rate_pct``, ``r1_pct`` ... ``r4_pct``, ``assessed_rate_pct``,
        ``grade``, ``verdict``), as ``planning.leakage.cjj92_table``.
    night_flow : pandas.DataFrame
        ``planning.leakage.minimum_night_flow`` (per zone and night).
    nodes : pandas.DataFrame
        Per junction: ``zone``, ``leakage_m3_per_d`` (its share of pipe leakage),
        ``mean_pressure_m``.
    duration_h : float
        Length of the run, h.
    converged : bool
    messages : list of str
        Notes (convergence, the CJJ 92 confidence note).
    sweep : pandas.DataFrame or None
        ``SweepResult.table`` of the PRV sweep (``base`` first), when one was asked for.
    sweep_best : str or None
        Label of the best compliant case (None: no case saves leakage and keeps compliance).
    sweep_valves : list of str
    """

    table: pd.DataFrame
    night_flow: pd.DataFrame
    nodes: pd.DataFrame
    duration_h: float
    converged: bool
    messages: list[str] = field(default_factory=list)
    sweep: pd.DataFrame | None = None
    sweep_best: str | None = None
    sweep_valves: list[str] = field(default_factory=list)

    @property
    def network(self) -> pd.Series:
        """The network's row of :attr:`table`."""
        from planning.leakage import NETWORK

        return self.table.loc[NETWORK]


def prv_names(net) -> list[str]:
    """Names of the network's PRVs (what a sweep can set)."""
    wn = net.wn
    return [v for v in wn.valve_name_list if wn.get_link(v).valve_type == "PRV"]


def check_leakage_settings(opened, body: dict[str, Any], *,
                           resolve: Callable[[str], Path] = Path,
                           source: str | None = None) -> None:
    """Check what only the network can check (zones, rule pipes and zones, sweep valves)
    without running anything.

    Raises
    ------
    ScenarioFileError
        Naming the key, as :func:`run_leakage` would.
    """
    from planning.leakage import LeakageInputError, apply_leakage

    if not has_simulation(body):
        return
    zones = zones_of(opened.net, body, resolve, source)
    try:
        apply_leakage(opened.net, leakage_rules(body), zones, replace=True)
    except LeakageInputError as exc:
        raise _as_file_error(exc, source, "leakage") from None
    prvs = prv_names(opened.net)
    for valve in (body.get("prv_sweep") or {}).get("valves", []):
        if valve not in prvs:
            raise ScenarioFileError(source, "prv_sweep.valves",
                                    f"{valve!r} is not a PRV of the network (PRVs: "
                                    f"{', '.join(prvs) or 'none'})")


def run_leakage(opened, body: dict[str, Any], *, resolve: Callable[[str], Path] = Path,
                source: str | None = None) -> LeakageRun:
    """Set the body's leakage on a copy of the network, run it and assess the leakage.

    Parameters
    ----------
    opened : application.OpenedNetwork
        Not modified.
    body : dict
        A ``leakage_settings`` body with a simulation part (:func:`has_simulation`).
    resolve : callable
        Turns relative file names (a zone file) into paths.
    source : str, optional
        File name for messages.

    Returns
    -------
    LeakageRun

    Raises
    ------
    ScenarioFileError
        Unknown pipe or zone in a rule (``leakage[i].pipe``), bad zones, a sweep valve that
        is not a PRV.
    """
    import simulation
    from planning.leakage import (
        CONFIDENCE_NOTE,
        LeakageInputError,
        PressureCriteria,
        apply_leakage,
        cjj92_table,
        minimum_night_flow,
        sweep_prv,
    )
    from planning.leakage.balance import volume_weights_s

    net = opened.net
    zones = zones_of(net, body, resolve, source)
    try:
        leaky = apply_leakage(net, leakage_rules(body), zones, replace=True)
    except LeakageInputError as exc:
        raise _as_file_error(exc, source, "leakage") from None
    duration_h = float(body.get("duration_h", DEFAULT_DURATION_H))
    leaky.wn.options.time.duration = int(round(duration_h * 3600))
    res = simulation.NumbaSimulator(leaky).run_sim(convergence="report")
    table = cjj92_table(leaky, res, zones,
                        household_metered_share=body.get("household_metered_share", 0.0),
                        frost_depth_m=body.get("frost_depth_m", 0.0))
    night = minimum_night_flow(leaky, res, zones)
    leak = res.node["leak_demand"]
    junctions = [j for j in leaky.wn.junction_name_list if j in leak.columns]
    weights = volume_weights_s(leak.index.to_numpy(dtype=float))
    days = weights.sum() / 86400.0
    nodes = pd.DataFrame(index=pd.Index(junctions, name="node"))
    nodes["zone"] = (zones.node_zone.reindex(junctions) if zones is not None
                     else "network")
    nodes["leakage_m3_per_d"] = leak[junctions].mul(weights, axis=0).sum() / max(days, 1e-12)
    nodes["mean_pressure_m"] = res.node["pressure"][junctions].mean()
    messages = []
    if not res.converged:
        messages.append("the run did not converge at every step: the volumes are approximate")
    messages.append(CONFIDENCE_NOTE)
    sweep = best = None
    valves: list[str] = []
    if body.get("prv_sweep"):
        valves = list(body["prv_sweep"]["valves"])
        try:
            result = sweep_prv(leaky, valves, body["prv_sweep"]["settings_m"],
                               PressureCriteria(min_pressure_m=body.get("min_pressure_m",
                                                                        SERVICE_PRESSURE_M)))
        except LeakageInputError as exc:
            raise _as_file_error(exc, source, "prv_sweep") from None
        sweep, best = result.table, result.best
    return LeakageRun(table=table, night_flow=night, nodes=nodes, duration_h=duration_h,
                      converged=bool(res.converged), messages=messages, sweep=sweep,
                      sweep_best=best, sweep_valves=valves)


def reported_assessment(body: dict[str, Any], source: str | None = None):
    """CJJ 92-2016 rates of the reported figures (``planning.leakage.assess_settings``).

    Returns
    -------
    planning.leakage.Cjj92Result or None
        None when the body has no reported volumes.

    Raises
    ------
    ScenarioFileError
        A value the assessment refuses (key named).
    """
    from planning.leakage import LeakageInputError, assess_settings

    if not has_reported(body):
        return None
    try:
        return assess_settings({k: body.get(k) for k in ("period", *REPORTED_KEYS)})
    except LeakageInputError as exc:
        raise ScenarioFileError(source, exc.field, exc.message) from None


def leakage_node_layer(opened, run: LeakageRun) -> gpd.GeoDataFrame:
    """Junction points with ``zone``, ``leakage_m3_per_d``, ``mean_pressure_m`` and their
    zone's ``zone_gross_loss_rate_pct`` (综合漏损率 R_WL) and ``zone_assessed_rate_pct`` (漏损率
    R_BL), in the placement's CRS. Junctions outside every zone take the network's rates (a
    run without zones: the whole network); zones of negligible supply have none."""
    layer = gis.node_result_layer(opened.net, run.nodes["leakage_m3_per_d"],
                                  "leakage_m3_per_d", opened.placement,
                                  node_types=("Junction",))
    layer["zone"] = run.nodes["zone"].reindex(layer.index)
    layer["mean_pressure_m"] = run.nodes["mean_pressure_m"].reindex(layer.index)
    from planning.leakage import NETWORK

    zone = layer["zone"].where(layer["zone"].isin(run.table.index), NETWORK)
    for column in ("gross_loss_rate_pct", "assessed_rate_pct"):
        layer[f"zone_{column}"] = zone.map(run.table[column]).astype(float)
    return layer


# ---- the CLI runner -------------------------------------------------------------------------
def write_leakage_settings(study: Study, out: Path) -> list[Path]:
    """Run a ``leakage_settings`` study and write its tables, layer and plots to ``out``.

    Simulated part: ``leakage_by_zone.csv`` (water balance and CJJ 92 rates per zone and
    for the network), ``night_flow.csv``, ``leakage_nodes.csv``, ``leakage.gpkg`` (the
    network's six layers and a ``leakage`` junction layer), ``leakage_by_zone.png``,
    ``leakage_map.png``; with a PRV sweep ``prv_sweep.csv`` and ``prv_sweep.png``.
    Reported figures: ``leakage_assessment.csv``.
    """
    from application.leakage_files import write_assessment
    from application.network_run import open_study_network
    from application.result_plots import plot_node_values, plot_prv_sweep, plot_zone_leakage
    from application.writers import save_figure, write_csv

    body = study.body
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    reported = reported_assessment(body, study.source)
    if has_simulation(body):
        if "network" not in body:
            raise ScenarioFileError(study.source, "network",
                                    "missing: a run outside the app needs the network file")
        opened = open_study_network(study)
        run = run_leakage(opened, body, resolve=study.resolve, source=study.source)
        if not run.converged:  # the run ends at the failing step: say so (exit status 3)
            from application.outdir import mark_incomplete

            mark_incomplete(out, f"leakage run: {run.messages[0]}")
        layer = leakage_node_layer(opened, run)
        written += [
            write_csv(run.table.reset_index(), out / "leakage_by_zone.csv"),
            write_csv(run.night_flow.reset_index(), out / "night_flow.csv"),
            write_csv(run.nodes.reset_index(), out / "leakage_nodes.csv"),
            gis.write_geopackage(opened.net, out / "leakage.gpkg", opened.placement,
                                 extra_layers={"leakage": layer}),
            save_figure(plot_zone_leakage(run.table), out / "leakage_by_zone.png"),
            save_figure(plot_node_values(
                layer, "leakage_m3_per_d", label="leakage (m³/d)",
                title=f"{study.name or opened.source}: leakage per junction "
                      f"(综合漏损率 R_WL {run.network['gross_loss_rate_pct']:.1f} %)"),
                out / "leakage_map.png"),
        ]
        if run.sweep is not None:
            written += [write_csv(run.sweep.reset_index(), out / "prv_sweep.csv"),
                        save_figure(plot_prv_sweep(run.sweep, run.sweep_valves),
                                    out / "prv_sweep.png")]
    if reported is not None:
        written += write_assessment(reported, out)
    return written


def sweep_settings_m(start_m: float, stop_m: float, step_m: float) -> list[float]:
    """Settings from ``start_m`` to ``stop_m`` (included) every ``step_m`` (m), at most
    :data:`MAX_SWEEP_CASES` of them."""
    if step_m <= 0 or stop_m < start_m:
        return [float(start_m)]
    values = np.arange(start_m, stop_m + step_m * 1e-6, step_m)[:MAX_SWEEP_CASES]
    return [round(float(v), 6) for v in values]
