"""Connection applications: the study kind, its assessment, its layers and its files.

Exports :func:`parse_connection_applications` (the ``connection_applications`` file format),
:func:`application_of`, :func:`policy_of`, :func:`open_ledger`, :func:`connection_study`,
:func:`assess_item`, :func:`affected_neighbours`, :func:`pressure_change_layer`,
:func:`applications_layer`, :func:`spare_capacity_layer` and
:func:`write_connection_applications` (what ``python -m planning run`` writes). The
Connections page and the CLI go through here; the numbers come from
:mod:`planning.connections`.

File format (version 1); item keys are fields of ``planning.connections.Application``,
``policy`` keys fields of ``planning.connections.Policy``::

    network: ctown_batadal.inp     # needed outside the app; the app uses its open network
    placement: placement.yaml      # optional (x_m / y_m are in this placement's CRS)
    ledger: connections_ledger.sqlite   # optional: approved applications count as built
    holidays: holidays.csv         # optional: days off / worked on top of China's statutory
                                   # calendar (date,kind = holiday | workday)
    policy:                        # optional; the plan's missing numbers are parameters
      min_pressure_m: 14           # network minimum (0.14 MPa, CJ/T 316)
      free_external_line_max_m: 50 # ASSUMPTION: "external line within X m" is free (§12)
      days_350_without_external_line: 2   # "350" service, N missing in the plan text
      days_350_with_external_line: 5      # "350" service, M missing
    applications:
      - application_id: A-2025-001
        applicant: Example bakery
        customer_class: commercial # residential | commercial | industrial | public
        node: J511                 # an existing junction, or x_m and y_m (map metres)
        demand_l_s: 0.5            # daily mean (or demand_m3_d)
        meter_dn: 25               # mm, a standard size
        storeys: 2                 # GB 50013 service head (28 m for 6 storeys)
        required_head_m: 12        # optional: overrides the storeys rule
        service_length_m: 12       # optional: external line length
        reserved_tap: true
        front_loaded: true         # survey, design and approval done before applying (§1)
        ready_to_connect: true     # cost confirmed, meter installable, no earthwork (§2)
        low_risk: false            # "11000" fast track (§2)
        received_on: 2025-06-30

Every value is checked when the file is read (an ``Application`` and a ``Policy`` are built
from it); what needs the network (an unknown junction, a location outside it) is checked
when it runs. Both raise :class:`ScenarioFileError` naming the key, e.g.
``apps.yaml, key 'applications[1].meter_dn': DN 45 is not a standard meter size (...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import gis
from application.body_keys import put, read_network, unique_id
from application.disk_names import disk_names
from application.files import ENVELOPE_KEYS, Fields, ScenarioFileError, Study
from planning.connections import STANDARD_METER_DN, Ledger, load_holidays  # noqa: F401 (the page's too)

CONNECTION_APPLICATIONS_VERSION = 1
"""Newest ``connection_applications`` file version."""
CUSTOMER_CLASSES = ("residential", "commercial", "industrial", "public")
"""Customer classes (as ``planning.connections.CUSTOMER_CLASSES``)."""
APPLICATION_KEYS = ("application_id", "applicant", "customer_class", "node", "x_m", "y_m",
                    "demand_l_s", "demand_m3_d", "meter_dn", "storeys", "required_head_m",
                    "pattern", "low_risk", "reserved_tap", "front_loaded", "ready_to_connect",
                    "service_length_m", "elevation_m", "received_on")
"""Keys of one application in a file."""
POLICY_NUMBERS = ("min_pressure_m", "free_external_line_max_m", "extension_margin_max",
                  "median_target_days")
"""Real-valued ``Policy`` fields a file may set."""
POLICY_WHOLE_NUMBERS = ("free_meter_max_dn", "fast_track_days",
                        "days_350_without_external_line", "days_350_with_external_line",
                        "parallel_approval_days", "notification_approval_days")
"""Whole-number ``Policy`` fields a file may set (DN, working days)."""
CONNECTION_POLICY_KEYS = POLICY_NUMBERS + POLICY_WHOLE_NUMBERS
"""Every ``Policy`` field a file may set."""
NEIGHBOUR_DROP_M = 0.01
"""A junction whose lowest daily pressure falls by more than this (m) is an affected
neighbour (smaller changes are solver round-off)."""


# ---- the file format --------------------------------------------------------------------
def parse_connection_applications(f: Fields, version: int) -> dict[str, Any]:
    """Body of a ``connection_applications`` study (see the module docstring)."""
    f.only([*ENVELOPE_KEYS, "network", "placement", "ledger", "holidays", "policy",
            "applications"])
    body: dict[str, Any] = {}
    read_network(f, body)
    put(body, "ledger", f.text("ledger", required=False))
    put(body, "holidays", f.text("holidays", required=False))
    p = f.mapping("policy")
    p.only(CONNECTION_POLICY_KEYS)
    body["policy"] = {k: p.number(k, minimum=0, integer=k in POLICY_WHOLE_NUMBERS)
                      for k in CONNECTION_POLICY_KEYS if p.data.get(k) is not None}
    try:
        policy_of({"policy": body["policy"]})
    except ValueError as exc:
        raise p.error(getattr(exc, "field", None), getattr(exc, "message", str(exc))) from None
    apps: list[dict[str, Any]] = []
    seen: set = set()
    for a in f.items("applications", required=True):
        apps.append(_parse_application(a, seen))
    if not apps:
        raise f.error("applications", "give at least one application")
    body["applications"] = apps
    return body


def _parse_application(a: Fields, seen: set) -> dict[str, Any]:
    a.only(APPLICATION_KEYS)
    app: dict[str, Any] = {"application_id": unique_id(a, "application_id", seen)}
    put(app, "applicant", a.text("applicant", required=False))
    app["customer_class"] = a.text("customer_class", choices=CUSTOMER_CLASSES)
    put(app, "node", a.text("node", required=False))
    for key in ("x_m", "y_m"):
        put(app, key, a.number(key, required=False))
    if ("node" in app) == ("x_m" in app or "y_m" in app):
        raise a.error("node", "give either node or both x_m and y_m")
    if ("x_m" in app) != ("y_m" in app):
        raise a.error("y_m" if "x_m" in app else "x_m", "give both x_m and y_m")
    for key in ("demand_l_s", "demand_m3_d"):
        put(app, key, a.number(key, required=False, minimum=0))
    if ("demand_l_s" in app) == ("demand_m3_d" in app):
        raise a.error("demand_l_s", "give exactly one of demand_l_s or demand_m3_d")
    app["meter_dn"] = a.number("meter_dn", minimum=0, integer=True)
    app["storeys"] = a.number("storeys", required=False, default=1, minimum=1, integer=True)
    for key in ("required_head_m", "service_length_m", "elevation_m"):
        put(app, key, a.number(key, required=False,
                                minimum=None if key == "elevation_m" else 0))
    if a.data.get("pattern") is not None:
        pattern = a.data["pattern"]
        if not isinstance(pattern, list) or not pattern:
            raise a.error("pattern", "must be a list of multipliers over 24 h")
        pf = Fields(dict(enumerate(pattern)), a.source, a.key("pattern"))
        app["pattern"] = [pf.number(i, minimum=0) for i in range(len(pattern))]
    for key in ("low_risk", "reserved_tap", "front_loaded"):
        app[key] = a.flag(key)
    if a.data.get("ready_to_connect") is not None:
        app["ready_to_connect"] = a.flag("ready_to_connect")
    received = a.text("received_on", required=False)
    if received is not None:
        try:
            date.fromisoformat(received)
        except ValueError:
            raise a.error("received_on", f"not a date (YYYY-MM-DD): {received!r}") from None
        app["received_on"] = received
    try:
        application_of(app)
    except ValueError as exc:
        raise a.error(_item_key(exc, app), getattr(exc, "message", str(exc))) from None
    return app


def _item_key(exc: Exception, item: dict) -> str | None:
    """The key of an application item that a ``ConnectionInputError`` is about."""
    field = getattr(exc, "field", None)
    if field == "location":
        return "node" if "node" in item else "x_m"
    if field == "demand_l_s" and "demand_m3_d" in item:
        return "demand_m3_d"
    return field if field in APPLICATION_KEYS else None


def application_of(item: dict[str, Any]):
    """The ``planning.connections.Application`` of one application item of a study body.

    Raises
    ------
    planning.connections.ConnectionInputError
        Naming the field.
    """
    from planning.connections import Application

    kw = dict(item)
    if kw.get("received_on") is not None:
        kw["received_on"] = date.fromisoformat(str(kw["received_on"]))
    if kw.get("pattern") is not None:
        kw["pattern"] = tuple(kw["pattern"])
    return Application(**kw)


def policy_of(body: dict[str, Any], study: Study | None = None):
    """The ``planning.connections.Policy`` of a study body (defaults for keys not given).

    Working days follow China's statutory calendar; a ``holidays`` file (relative to the
    study file, or absolute) overrides it day by day.

    Raises
    ------
    ScenarioFileError
        The holiday file is missing or bad (row and field named), when ``study`` is given.
    planning.connections.ConnectionInputError
        The same, without a study.
    """
    from planning.connections import ConnectionInputError, Policy

    kw = dict(body.get("policy", {}))
    rel = body.get("holidays")
    if rel is not None:
        path = study.resolve(rel) if study is not None else Path(rel)
        try:
            if not path.is_file():
                raise ConnectionInputError("holidays", f"file not found: {path}")
            kw["calendar"] = load_holidays(path)
        except ConnectionInputError as exc:
            if study is None:
                raise
            raise ScenarioFileError(study.source, "holidays", str(exc)) from None
    return Policy(**kw)


def open_ledger(study: Study):
    """The study's ledger (``ledger`` key, relative to the file), or None without one.

    Raises
    ------
    ScenarioFileError
        The file does not exist, or is not a ledger.
    """
    import sqlite3

    from planning.connections import ConnectionInputError

    path = study.path_of("ledger")
    if path is None:
        return None
    try:
        return Ledger(path)
    except (sqlite3.Error, ConnectionInputError) as exc:
        raise ScenarioFileError(study.source, "ledger", f"not a connection ledger: {exc}") \
            from None


# ---- assessing ----------------------------------------------------------------------------
def connection_study(opened, policy=None, ledger=None):
    """A ``planning.connections.ConnectionStudy`` on an opened network (its placement).

    Parameters
    ----------
    opened : application.OpenedNetwork
    policy : planning.connections.Policy, optional
    ledger : planning.connections.Ledger, optional
        Approved-but-not-connected applications count as part of the network.

    Returns
    -------
    planning.connections.ConnectionStudy
        Keep it (pages cache it per network, ledger and policy): its base run is reused.
    """
    from planning.connections import ConnectionStudy

    return ConnectionStudy(opened.net, ledger, policy, placement=opened.placement)


def assess_item(study, item: dict[str, Any], *, source: str | None = None,
                index: int | None = None):
    """Assess one application item of a study body on a ``ConnectionStudy``.

    Parameters
    ----------
    study : planning.connections.ConnectionStudy
    item : dict
        One entry of ``body["applications"]``.
    source : str, optional
        File name for messages.
    index : int, optional
        Position in the file's ``applications`` list, for messages.

    Returns
    -------
    planning.connections.Assessment

    Raises
    ------
    ScenarioFileError
        A bad value, or one the network refuses (unknown junction, location outside the
        network, no main wide enough), named by key (``applications[1].node``).
    """
    from planning.connections import ConnectionInputError

    try:
        return study.assess(application_of(item))
    except ConnectionInputError as exc:
        prefix = "applications" if index is None else f"applications[{index}]"
        key = _item_key(exc, item)
        raise ScenarioFileError(source, f"{prefix}.{key}" if key else prefix,
                                exc.message) from None


def affected_neighbours(assessment, min_drop_m: float = NEIGHBOUR_DROP_M) -> pd.DataFrame:
    """Junctions of the network whose lowest daily pressure falls with the connection.

    Parameters
    ----------
    assessment : planning.connections.Assessment
    min_drop_m : float
        Smallest fall that counts, m.

    Returns
    -------
    pandas.DataFrame
        Rows of ``assessment.node_table`` (largest fall first) for junctions that were in the
        network before (not the added tap or customer) and fall by more than ``min_drop_m``
        or newly below the minimum.
    """
    t = assessment.node_table
    keep = ~t["added"] & ((t["change_m"] < -min_drop_m) | t["newly_below_min"])
    keep &= t.index != assessment.customer_node
    return t[keep].sort_values("change_m", kind="stable")


def pressure_change_layer(opened, assessment) -> gpd.GeoDataFrame:
    """The network's junctions with their lowest daily pressure without and with the
    connection (``pressure_m``, ``pressure_before_m``, ``pressure_change_m``, m) and whether
    they are customers or newly below the minimum, in the placement's CRS."""
    t = assessment.node_table
    t = t[t.index.isin(opened.net.wn.junction_name_list)]  # not the ledger's or this one's
    layer = gis.pressure_layer(opened.net, t["new_min_pressure_m"], opened.placement,
                               before_m=t["base_min_pressure_m"])
    layer = layer[layer["node_type"] == "Junction"].copy()
    for column in ("customer", "newly_below_min"):
        layer[column] = t[column].reindex(layer.index).fillna(False).astype(bool)
    return layer


def customer_xy_m(opened, assessment) -> tuple[float, float]:
    """Where the customer is, in the placement's CRS (m): its location, or its junction."""
    app = assessment.application
    if app.x_m is not None:
        return float(app.x_m), float(app.y_m)
    xy = np.asarray(opened.net.wn.get_node(app.node).coordinates, dtype=float)[None, :]
    out = opened.placement.to_target(xy)[0]
    return float(out[0]), float(out[1])


def applications_layer(opened, assessments) -> gpd.GeoDataFrame:
    """One point per assessed application (its summary row), in the placement's CRS."""
    rows = [a.summary() for a in assessments]
    xy = np.array([customer_xy_m(opened, a) for a in assessments], dtype=float).reshape(-1, 2)
    frame = pd.DataFrame(rows).set_index("application_id") if rows else pd.DataFrame()
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                            crs=opened.placement.crs)


def spare_capacity_layer(opened, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """The spare-capacity table (``ConnectionStudy.spare_capacity_map``) as junction points
    of the network (ledger junctions left out), in the placement's CRS."""
    own = table[table["application_id"] == ""] if "application_id" in table else table
    layer = gis.spare_capacity_layer(opened.net, own["spare_capacity_m3s"], opened.placement)
    for column in ("spare_capacity_l_s", "base_pressure_m", "limiting_node", "status"):
        layer[column] = own[column].reindex(layer.index)
    return layer


# ---- the CLI runner -------------------------------------------------------------------------
def run_applications(study: Study, opened=None,
                     progress: Callable[[int, int, str], None] | None = None):
    """Assess every application of a study: ``(opened, ConnectionStudy, [Assessment, ...])``.

    Parameters
    ----------
    study : Study
    opened : application.OpenedNetwork, optional
        Default: the study's ``network`` (required then).
    progress : callable, optional
        Called as ``progress(done, total, application_id)`` before each application.

    Raises
    ------
    ScenarioFileError
        A missing network or ledger, or an application the network refuses (key named).
    application.limits.RunLimitError
        The network is over the study size limit (``$PLANNER_MAX_STUDY_NODES``).
    """
    from application.limits import check_study_size
    from application.network_run import study_network

    opened = study_network(study, opened)
    check_study_size(opened.net, "connection applications", len(study.body["applications"]))
    cstudy = connection_study(opened, policy_of(study.body, study), open_ledger(study))
    items = study.body["applications"]
    out = []
    for i, item in enumerate(items):
        if progress is not None:
            progress(i, len(items), item["application_id"])
        out.append(assess_item(cstudy, item, source=study.source, index=i))
    return opened, cstudy, out


def write_connection_applications(study: Study, out: Path) -> list[Path]:
    """Run a ``connection_applications`` study and write its tables, layers and plots.

    Files: ``applications.csv`` (one row per application: verdict, pressures, neighbours,
    spare capacity, track, cost), ``replies.txt`` (the reply paragraphs), ``deadlines.csv``,
    ``neighbours.csv`` (every junction whose lowest pressure falls, per application),
    ``customer_pressure.csv`` (each customer's pressure through the day),
    ``spare_capacity.csv``, ``connections.gpkg`` (the network's six layers, an
    ``applications`` point layer, one ``pressure_change_<id>`` layer per application and a
    ``spare_capacity`` layer), ``pressure_<id>.png``, ``pressure_change_<id>.png``,
    ``spare_capacity_map.png``; ``ledger.csv`` when the study names a ledger.
    """
    from application.limits import progress
    from application.result_plots import plot_customer_pressure, plot_node_values
    from application.writers import save_figure, write_csv
    from models import write_atomic

    opened, cstudy, assessments = run_applications(study, progress=progress("application"))
    summary = pd.DataFrame([a.summary() for a in assessments])
    summary.insert(1, "applicant", [a.application.applicant for a in assessments])
    summary["received_on"] = [a.application.received_on for a in assessments]
    deadlines = pd.concat([a.terms.deadlines.assign(application_id=a.application.application_id)
                           for a in assessments], ignore_index=True)
    neighbours = pd.concat([affected_neighbours(a).reset_index().assign(
        application_id=a.application.application_id) for a in assessments], ignore_index=True)
    series = pd.concat([a.pressure_timeseries.reset_index().assign(
        application_id=a.application.application_id) for a in assessments], ignore_index=True)
    capacity = cstudy.spare_capacity_map()
    replies = "\n\n".join(a.reply_text for a in assessments) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv(summary, out / "applications.csv"),
        write_atomic(out / "replies.txt", lambda fh: fh.write(replies.encode("utf-8"))),
        write_csv(_first(deadlines, "application_id"), out / "deadlines.csv"),
        write_csv(_first(neighbours, "application_id"), out / "neighbours.csv"),
        write_csv(_first(series, "application_id"), out / "customer_pressure.csv"),
        write_csv(capacity.reset_index(), out / "spare_capacity.csv"),
    ]
    layers = {"applications": applications_layer(opened, assessments)}
    names = disk_names([a.application.application_id for a in assessments], "application")
    for a in assessments:
        aid = names[a.application.application_id]
        change = pressure_change_layer(opened, a)
        layers[f"pressure_change_{aid}"] = change
        written.append(save_figure(plot_customer_pressure(a), out / f"pressure_{aid}.png"))
        written.append(save_figure(plot_node_values(
            change, "pressure_change_m", label="change of the lowest daily pressure (m)",
            title=f"{a.application.application_id}: pressure change ({a.verdict})",
            diverging=True, marked=change["newly_below_min"],
            marked_label="newly below the minimum"), out / f"pressure_change_{aid}.png"))
    cap_layer = spare_capacity_layer(opened, capacity)
    layers["spare_capacity"] = cap_layer
    written.append(save_figure(plot_node_values(
        cap_layer, "spare_capacity_l_s", label="spare capacity (L/s)",
        title="Spare capacity at the peak hour"), out / "spare_capacity_map.png"))
    written.append(gis.write_geopackage(opened.net, out / "connections.gpkg", opened.placement,
                                        extra_layers=layers))
    if cstudy.ledger is not None:
        written.append(write_csv(cstudy.ledger.list().reset_index(), out / "ledger.csv"))
    return written


def _first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` with ``column`` moved to the front."""
    return frame[[column, *[c for c in frame.columns if c != column]]]
