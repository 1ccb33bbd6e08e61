"""Network runs: open a network with its placement, summarise it, run it, tabulate pressures.

Exports :class:`OpenedNetwork`, :func:`open_network`, :func:`open_network_bytes`,
:class:`NetworkSummary`, :func:`network_summary`,
:func:`node_attributes`, :class:`NetworkRunSettings`, :class:`NetworkRunResult`,
:func:`network_simulator`, :func:`run_network`, :func:`pressure_map_layer`,
:func:`parse_network_run` (the ``network_run`` study kind) and
:func:`write_network_run` (its CLI output). Called by the Network page and by
``python -m planning run``.

Everything is SI inside (m, m3/s, s); tables name their units in column names. Nothing here
changes the network it is given.
"""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import gis
import models
import simulation
from application.files import (
    ENVELOPE_KEYS,
    MAX_UPLOAD_BYTES,
    Fields,
    ScenarioFileError,
    Study,
)
from application.placement_files import placement_from, read_placement
from gis.layers import node_geometry
from gis.schema import LAYERS
from models.inp_limits import inp_limits
from simulation.standards import MIN_SERVICE_HEAD_M

NETWORK_SUFFIXES = (".inp", ".gpkg")
"""File types a network can be opened from."""
SERVICE_PRESSURE_M = MIN_SERVICE_HEAD_M
"""Default minimum service pressure head (m): 0.14 MPa = 14.28 m at network extremities
(CJ/T 316-2009 §6.2, now GB/T 32063-2015; medium-high confidence; a parameter of every run)."""
NETWORK_RUN_VERSION = 1
"""Newest ``network_run`` file version."""


@dataclass(frozen=True)
class OpenedNetwork:
    """A loaded network with where it sits on the map.

    Attributes
    ----------
    net : models.Network
        The model (read-only by convention: pages and studies never change it).
    placement : gis.Placement
        Model coordinates -> metric CRS (EPSG:4543 by default).
    source : str
        File name it came from.
    sha256 : str
        Hash of the file's bytes (cache key for pages).
    """

    net: models.Network
    placement: gis.Placement
    source: str
    sha256: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_placement(path: Path) -> gis.Placement | None:
    """The placement stored in a network GeoPackage by :func:`gis.write_geopackage`."""
    import json

    table = gis.read_layers(path, ["network_model"]).get("network_model")
    if table is None:
        return None
    rows = dict(zip(table["key"], table["value"]))
    if "placement" not in rows:
        return None
    return gis.Placement.from_dict(json.loads(rows["placement"]))


def _check_whole_network(wn, path: Path) -> None:
    """What the INP reader checks of a whole network, for a GeoPackage's network."""
    if wn.num_nodes < 2:
        found = "no nodes" if not wn.num_nodes else "only one node"
        layers = ", ".join(LAYERS)
        raise gis.GisInputError(f"{path.name} holds {found}, so no network (is it a network "
                                f"GeoPackage, with layers {layers}?); EPANET needs two")
    if not (wn.num_reservoirs or wn.num_tanks):
        raise gis.GisInputError(f"{path.name} has no reservoir or tank: the network has no "
                                "source of water", layer="reservoirs")


def open_network(path: str | Path, placement: gis.Placement | None = None) -> OpenedNetwork:
    """Open an EPANET INP file or a network GeoPackage.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.inp`` or ``.gpkg`` file.
    placement : gis.Placement, optional
        Where the model sits. Default: the placement stored in a GeoPackage, else
        :func:`gis.kunming_placement`.

    Returns
    -------
    OpenedNetwork

    Raises
    ------
    models.NetworkInputError
        A bad INP file (file, line and problem).
    gis.GisInputError
        A bad GeoPackage (layer, row and column).
    ScenarioFileError
        An unsupported file type or a missing file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in NETWORK_SUFFIXES:
        raise ScenarioFileError(path.name, None, f"a network must be one of "
                                f"{', '.join(NETWORK_SUFFIXES)} files, got {suffix or 'no suffix'!r}")
    if not path.exists():
        raise ScenarioFileError(str(path), None, "network file not found")
    limit, _ = inp_limits()  # the INP reader's byte limit, for GeoPackages too
    if path.stat().st_size > limit:
        raise ScenarioFileError(path.name, None, f"file is {path.stat().st_size / 2**20:,.1f} "
                                f"MB; the limit is {limit / 2**20:,.1f} MB "
                                "($PLANNER_MAX_INP_MB raises it)")
    data = path.read_bytes()
    if suffix == ".inp":
        net = models.load_network(path)
    else:
        try:
            with warnings.catch_warnings(record=True) as caught:  # CRS label checks
                warnings.simplefilter("always", gis.CrsWarning)
                wn = gis.read_geopackage(path)
            stored = _stored_placement(path)
        except gis.GisInputError:
            raise
        except Exception as exc:  # GDAL: not a GeoPackage at all, truncated file, ...
            detail = str(exc).replace(f"'{path}'", "the file").split(";")[0].rstrip(".")
            raise gis.GisInputError(f"cannot read {path.name} as a GeoPackage: {detail}") from None
        _check_whole_network(wn, path)
        net = models.Network.from_wn(wn)
        net.path = path
        net.warnings.extend(f"{path.name}: {w.message}" for w in caught
                            if issubclass(w.category, gis.CrsWarning))
        placement = placement or stored
    placement = placement or gis.kunming_placement(net)
    return OpenedNetwork(net=net, placement=placement, source=path.name, sha256=_sha256(data))


def open_network_bytes(name: str, data: bytes,
                       placement: gis.Placement | None = None) -> OpenedNetwork:
    """Open an uploaded network (INP or GeoPackage bytes) through a private temp folder.

    Parameters
    ----------
    name : str
        The uploaded file's name (its suffix picks the reader; messages name it).
    data : bytes
        File content; at most :data:`MAX_UPLOAD_BYTES`.
    placement : gis.Placement, optional
        As for :func:`open_network`.

    Returns
    -------
    OpenedNetwork

    Raises
    ------
    models.NetworkInputError, gis.GisInputError, ScenarioFileError
        As for :func:`open_network`; ScenarioFileError also for an oversized upload.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioFileError(name, None, f"upload is {len(data) / 1e6:.1f} MB; the limit is "
                                f"{MAX_UPLOAD_BYTES / 1024 / 1024:.0f} MB")
    safe = Path(name).name or "network.inp"
    with tempfile.TemporaryDirectory(prefix="planner-upload-") as folder:
        path = Path(folder) / safe
        path.write_bytes(data)
        opened = open_network(path, placement)
    opened.net.path = Path(safe)
    return opened


@dataclass(frozen=True)
class NetworkSummary:
    """What a planner checks first about a network (SI units, names carry them)."""

    source: str
    counts: dict[str, int]
    flow_units_in_file: str
    headloss_formula: str
    demand_model: str
    base_demand_m3_per_s: float
    pipe_length_km: float
    duration_h: float
    hydraulic_step_min: float
    pattern_step_min: float
    report_step_min: float
    crs: str
    centre_lon_deg: float
    centre_lat_deg: float
    warnings: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """Rows of ``item``, ``value`` (text) and ``unit``, for display and CSV."""
        rows = [(f"{kind.lower()}s" if not kind.endswith("s") else kind.lower(), f"{n:,}", "count")
                for kind, n in self.counts.items()]
        rows += [
            ("flow units in the file", self.flow_units_in_file, ""),
            ("headloss formula", self.headloss_formula, ""),
            ("demand model", self.demand_model, ""),
            ("base demand, sum", f"{self.base_demand_m3_per_s * 1000:,.1f}", "L/s"),
            ("base demand, sum per day", f"{self.base_demand_m3_per_s * 86400:,.0f}", "m³/d"),
            ("pipe length", f"{self.pipe_length_km:,.1f}", "km"),
            ("duration", f"{self.duration_h:g}", "h"),
            ("hydraulic time step", f"{self.hydraulic_step_min:g}", "min"),
            ("pattern time step", f"{self.pattern_step_min:g}", "min"),
            ("report time step", f"{self.report_step_min:g}", "min"),
            ("map CRS", self.crs, ""),
            ("centre", f"{self.centre_lon_deg:.4f} E, {self.centre_lat_deg:.4f} N", "degrees"),
        ]
        return pd.DataFrame(rows, columns=["item", "value", "unit"])


def network_summary(opened: OpenedNetwork) -> NetworkSummary:
    """Counts, units, demand and timing of a network.

    Parameters
    ----------
    opened : OpenedNetwork

    Returns
    -------
    NetworkSummary
        ``base_demand_m3_per_s`` sums every junction's base demands (before patterns and the
        demand multiplier); ``warnings`` are the reader's notes.
    """
    wn = opened.net.wn
    counts = {"Junction": wn.num_junctions, "Tank": wn.num_tanks,
              "Reservoir": wn.num_reservoirs, "Pipe": wn.num_pipes, "Pump": wn.num_pumps,
              "Valve": wn.num_valves}
    base = sum(d.base_value for _, j in wn.junctions() for d in j.demand_timeseries_list)
    length_m = sum(p.length for _, p in wn.pipes())
    t, h = wn.options.time, wn.options.hydraulic
    centre = gis.to_web(node_geometry(wn, opened.placement)).geometry
    lon = float(centre.x.mean()) if len(centre) else float("nan")
    lat = float(centre.y.mean()) if len(centre) else float("nan")
    return NetworkSummary(
        source=opened.source, counts=counts, flow_units_in_file=str(h.inpfile_units),
        headloss_formula=str(h.headloss), demand_model=str(h.demand_model),
        base_demand_m3_per_s=float(base), pipe_length_km=length_m / 1000.0,
        duration_h=t.duration / 3600.0, hydraulic_step_min=t.hydraulic_timestep / 60.0,
        pattern_step_min=t.pattern_timestep / 60.0, report_step_min=t.report_timestep / 60.0,
        crs=opened.placement.crs, centre_lon_deg=lon, centre_lat_deg=lat,
        warnings=list(opened.net.warnings))


def node_attributes(opened: OpenedNetwork) -> pd.DataFrame:
    """Per node: type, elevation (m) and base demand (L/s), for maps before any run.

    Returns
    -------
    pandas.DataFrame
        Index node name; columns ``node_type``, ``elevation_m``, ``base_demand_l_per_s``
        (NaN for tanks and reservoirs).
    """
    wn = opened.net.wn
    rows = []
    for name, node in wn.nodes():
        demand = (sum(d.base_value for d in node.demand_timeseries_list) * 1000.0
                  if node.node_type == "Junction" else np.nan)
        elevation = getattr(node, "elevation", None)
        if elevation is None:  # reservoirs: base head
            elevation = getattr(node, "base_head", np.nan)
        rows.append((name, node.node_type, float(elevation), demand))
    table = pd.DataFrame(rows, columns=["name", "node_type", "elevation_m", "base_demand_l_per_s"])
    return table.set_index("name")


@dataclass(frozen=True)
class NetworkRunSettings:
    """Settings of a network run (the body of a ``network_run`` study).

    Parameters
    ----------
    duration_h : float, optional
        Replaces the model's duration (h); None keeps it.
    map_time_h : float, optional
        Time shown on the map and in the pressure layer (h from the start); None picks the
        report time with the lowest junction pressure.
    min_pressure_m : float
        Service pressure threshold (m); 14.28 m (0.14 MPa) by default.
    """

    duration_h: float | None = None
    map_time_h: float | None = None
    min_pressure_m: float = SERVICE_PRESSURE_M

    def key(self) -> tuple:
        """Hashable form, for caches."""
        return (self.duration_h, self.map_time_h, self.min_pressure_m)


@dataclass(frozen=True)
class NetworkRunResult:
    """Pressures of one extended-period run.

    Attributes
    ----------
    pressure_m : pandas.DataFrame
        Pressure head (m); index ``time_s`` (report times), one column per node.
    nodes : pandas.DataFrame
        Per node: ``node_type``, ``elevation_m``, ``pressure_at_map_time_m``,
        ``min_pressure_m``, ``mean_pressure_m``, ``max_pressure_m``, ``time_of_min_h``,
        ``hours_below_service`` (junctions; NaN elsewhere: report intervals, never more than
        the run; a single-period run counts one report step), ``supplied_always`` (bool).
    map_time_s : int
        The time shown on maps.
    converged : bool
    messages : list of str
        Convergence notes and how many junctions fall below the service pressure.
    settings : NetworkRunSettings
    """

    pressure_m: pd.DataFrame
    nodes: pd.DataFrame
    map_time_s: int
    converged: bool
    messages: list[str]
    settings: NetworkRunSettings

    @property
    def times_h(self) -> np.ndarray:
        """Report times in hours."""
        return np.asarray(self.pressure_m.index, dtype=float) / 3600.0


def network_simulator(opened: OpenedNetwork,
                      settings: NetworkRunSettings | None = None) -> simulation.NumbaSimulator:
    """The compiled solver for a network (with the settings' duration, if it overrides it).

    The run length is a scenario of the compiled network (:func:`simulation.with_scenario`):
    ``opened`` is never copied or modified.
    """
    simulator = simulation.NumbaSimulator(opened.net)
    if settings is not None and settings.duration_h is not None:
        duration_s = int(round(settings.duration_h * 3600))
        return simulation.NumbaSimulator(simulation.with_scenario(
            simulator.compiled, simulation.Scenario(duration_s=duration_s)))
    return simulator


def report_weights_h(times_s: np.ndarray, report_step_s: int) -> np.ndarray:
    """Hours each report time stands for: up to the next report time, 0 for the last.

    So a count of hours below a threshold never exceeds the run's length (a 168 h run with
    15-minute reports has 673 report times but 168 h). A single-period run (one report
    time) stands for one report step (1 h by default): a node below the threshold there is
    below for that step, not for 0 h.
    """
    t = np.asarray(times_s, dtype=float)
    if len(t) == 1:
        return np.array([report_step_s / 3600.0])
    return np.append(np.diff(t), 0.0) / 3600.0


def run_network(opened: OpenedNetwork, settings: NetworkRunSettings | None = None,
                simulator: simulation.NumbaSimulator | None = None) -> NetworkRunResult:
    """Run the extended-period simulation and tabulate pressures.

    Parameters
    ----------
    opened : OpenedNetwork
    settings : NetworkRunSettings, optional
    simulator : simulation.NumbaSimulator, optional
        A compiled solver from :func:`network_simulator` with the same settings (pages
        cache it); built here when omitted.

    Returns
    -------
    NetworkRunResult
        A run that does not converge is returned with ``converged`` False and a message,
        not raised.
    """
    settings = settings or NetworkRunSettings()
    simulator = simulator or network_simulator(opened, settings)
    results = simulator.run_sim(convergence="report")
    pressure = results.node["pressure"].copy()
    pressure.index = pd.Index(np.asarray(pressure.index, dtype=np.int64), name="time_s")
    supplied = results.node["supplied"]
    attrs = node_attributes(opened)
    junctions = attrs.index[attrs["node_type"] == "Junction"]
    junctions = junctions[junctions.isin(pressure.columns)]

    if settings.map_time_h is not None:
        wanted = settings.map_time_h * 3600.0
        map_time = int(pressure.index[np.argmin(np.abs(pressure.index - wanted))])
    elif len(junctions):
        map_time = int(pressure[junctions].min(axis=1).idxmin())
    else:
        map_time = int(pressure.index[0])

    weights_h = report_weights_h(pressure.index.to_numpy(),
                                 int(opened.net.wn.options.time.report_timestep) or 3600)
    below = pd.Series((pressure[junctions] < settings.min_pressure_m).to_numpy().T @ weights_h,
                      index=junctions)
    nodes = attrs.reindex(pressure.columns)
    nodes["pressure_at_map_time_m"] = pressure.loc[map_time]
    nodes["min_pressure_m"] = pressure.min(axis=0)
    nodes["mean_pressure_m"] = pressure.mean(axis=0)
    nodes["max_pressure_m"] = pressure.max(axis=0)
    nodes["time_of_min_h"] = pressure.idxmin(axis=0).astype(float) / 3600.0
    nodes["hours_below_service"] = below.reindex(nodes.index)
    nodes["supplied_always"] = supplied.all(axis=0).reindex(nodes.index).astype(bool)
    nodes.index.name = "name"

    messages = []
    if not results.converged:
        bad = results.diagnostics.loc[~results.diagnostics["converged"], "time_s"]
        messages.append(f"the solver did not converge at {len(bad)} time step(s), first at "
                        f"{bad.iloc[0] / 3600:.2f} h; results there are approximate")
    n_low = int((nodes.loc[junctions, "min_pressure_m"] < settings.min_pressure_m).sum())
    messages.append(f"{n_low} of {len(junctions)} junctions fall below the service pressure "
                    f"of {settings.min_pressure_m:.4g} m at some time")
    cut = int((~nodes["supplied_always"]).sum())
    if cut:
        messages.append(f"{cut} nodes are cut off from every source at some time")
    return NetworkRunResult(pressure_m=pressure, nodes=nodes, map_time_s=map_time,
                            converged=bool(results.converged), messages=messages,
                            settings=settings)


def pressure_map_layer(opened: OpenedNetwork, result: NetworkRunResult,
                       time_s: int | None = None) -> gpd.GeoDataFrame:
    """Node points with pressure at one time and the run's statistics (for maps and files).

    Parameters
    ----------
    opened : OpenedNetwork
    result : NetworkRunResult
    time_s : int, optional
        Report time; the result's map time by default.

    Returns
    -------
    geopandas.GeoDataFrame
        In the placement's CRS; columns ``node_type``, ``pressure_m`` (at ``time_s``),
        ``min_pressure_m``, ``mean_pressure_m``, ``max_pressure_m``, ``hours_below_service``.
    """
    time_s = result.map_time_s if time_s is None else int(time_s)
    layer = gis.pressure_layer(opened.net, result.pressure_m.loc[time_s], opened.placement)
    for column in ("min_pressure_m", "mean_pressure_m", "max_pressure_m", "hours_below_service"):
        layer = gis.join_values(layer, result.nodes[column], column)
    return layer


def parse_network_run(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``network_run`` study (see docs/app.md for the keys).

    Keys: ``network`` (required: .inp or .gpkg, relative to the file), ``placement``
    (optional: a mapping, or a placement file), ``duration_h``, ``map_time_h``,
    ``min_pressure_m`` (optional numbers).
    """
    f.only([*ENVELOPE_KEYS, "network", "placement", "duration_h", "map_time_h",
            "min_pressure_m"])
    network = f.text("network")
    if Path(network).suffix.lower() not in NETWORK_SUFFIXES:
        raise f.error("network", f"must name a {' or '.join(NETWORK_SUFFIXES)} file")
    placement = f.data.get("placement")
    if placement is not None and not isinstance(placement, (str, dict)):
        raise f.error("placement", "must be a placement file name or a mapping")
    body: dict[str, Any] = {"network": network}
    if placement is not None:
        body["placement"] = placement
    for name, minimum in (("duration_h", 0.0), ("map_time_h", 0.0), ("min_pressure_m", None)):
        value = f.number(name, required=False, minimum=minimum)
        if value is not None:
            body[name] = value
    return body


def network_run_settings(study: Study) -> NetworkRunSettings:
    """The :class:`NetworkRunSettings` of a ``network_run`` study."""
    b = study.body
    return NetworkRunSettings(duration_h=b.get("duration_h"), map_time_h=b.get("map_time_h"),
                              min_pressure_m=b.get("min_pressure_m", SERVICE_PRESSURE_M))


def study_network(study: Study, opened: OpenedNetwork | None = None) -> OpenedNetwork:
    """``opened`` if given (the app's network), else the network the study names.

    Raises
    ------
    ScenarioFileError
        The study names no network (a run outside the app needs one), or a bad one.
    """
    if opened is not None:
        return opened
    if "network" not in study.body:
        raise ScenarioFileError(study.source, "network",
                                "missing: a run outside the app needs the network file")
    return open_study_network(study)


def open_study_network(study: Study) -> OpenedNetwork:
    """Open the network of a study (``network`` and optional ``placement`` keys)."""
    path = study.resolve(study.body["network"])
    opened = open_network(path)
    spec = study.body.get("placement")
    if isinstance(spec, str):
        placement = read_placement(study.resolve(spec), opened.net)
    elif spec is not None:
        placement = placement_from(spec, opened.net, source=study.source)
    else:
        return opened
    return replace(opened, placement=placement)


def _duration_h(opened: OpenedNetwork) -> float:
    return opened.net.wn.options.time.duration / 3600.0


def write_network_run(study: Study, out: Path) -> list[Path]:
    """Run a ``network_run`` study and write its tables, layer and plots to ``out``.

    Files: ``network_summary.csv``, ``pressure_m.csv`` (report times x nodes),
    ``node_pressure.csv`` (per node statistics), ``network_pressure.gpkg`` (the network's six
    layers plus a ``pressure`` layer), ``pressure_map.png``, ``min_pressure.png``. A run
    whose solver fails at a step stops there: ``pressure_m.csv`` gets a ``run_note`` column
    (set on its last row) and the run is marked incomplete
    (:func:`application.outdir.mark_incomplete`).
    """
    from application.plots import plot_min_pressure, plot_pressure_map
    from application.writers import save_figure, write_csv

    opened = open_study_network(study)
    settings = network_run_settings(study)
    result = run_network(opened, settings)
    layer = pressure_map_layer(opened, result)
    out.mkdir(parents=True, exist_ok=True)
    pressure = result.pressure_m.reset_index()
    if not result.converged:  # say so in the table, the run folder and the exit status
        from application.outdir import mark_incomplete

        note = result.messages[0] + "; the run stops at the last row"
        pressure["run_note"] = [""] * (len(pressure) - 1) + [note]
        mark_incomplete(out, f"pressure_m.csv ends at {pressure['time_s'].iloc[-1] / 3600:g} h "
                        f"of {(settings.duration_h or _duration_h(opened)):g} h: {note}")
    written = [
        write_csv(network_summary(opened).table(), out / "network_summary.csv"),
        write_csv(pressure, out / "pressure_m.csv"),
        write_csv(result.nodes.reset_index(), out / "node_pressure.csv"),
        gis.write_geopackage(opened.net, out / "network_pressure.gpkg", opened.placement,
                             extra_layers={"pressure": layer}),
        save_figure(plot_pressure_map(layer, "min_pressure_m", settings.min_pressure_m,
                                      title=f"{study.name or opened.source}: minimum pressure"),
                    out / "pressure_map.png"),
        save_figure(plot_min_pressure(result), out / "min_pressure.png"),
    ]
    return written
