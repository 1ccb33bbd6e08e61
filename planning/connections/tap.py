"""Where a connection joins the network, and the model edits that make it.

Exports :class:`Tap` (where), :class:`Connection` (what was added, with an ``undo``),
:class:`Tapper` (the snapping index of one network, cheap to reuse), :func:`connect` (edit a
model in place: split the main, add the customer junction and the service line) and
:func:`committed_network` (a copy of a network with the ledger's approved connections).

Callers: :mod:`.impact` (a private working copy per study), :mod:`.capacity` (the map with the
ledger). Nothing here edits a model the caller passed in, except :func:`connect`, which edits
the model it is given: give it a copy.

Snapping
--------
The tapped main is the nearest pipe (by geometry, with shapely's STRtree, in the placement's
metric CRS) whose diameter is at least the meter's DN x (1 - ``Policy.diameter_tolerance``),
that is open at the start and not a check-valve pipe, and that no earlier connection added. The
tap is the point of that pipe nearest to the customer; within ``Policy.snap_to_node_m`` of an
end junction the connection uses that junction, else the pipe is split there
(``wntr.morph.split_pipe``: lengths in proportion, elevation interpolated). Pipes split by
earlier connections are found through their original geometry and the piece that holds the
point is split again.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
import wntr

from models import wntr_model

from .application import Application
from .errors import ConnectionInputError
from .policy import Policy


@dataclass(frozen=True)
class Tap:
    """Where a connection joins the network.

    Attributes
    ----------
    node : str
        The junction the service line starts at: an existing one, or the new tap junction
        (``"<id>-TAP"``) when ``split``.
    split : bool
        The main is split to make ``node``.
    main : str or None
        The tapped pipe (the piece that holds the tap when it was split before); None for an
        application at a node.
    main_diameter_m : float or None
    fraction : float
        Position of the tap along ``main`` from its start node (0-1); 0 for a node.
    x_m, y_m : float
        Tap point in the placement's CRS, m.
    distance_m : float
        Straight distance from the customer's location to the tap, m (0 for a node).
    elevation_m : float
        Ground elevation at the tap, m.
    """

    node: str
    split: bool
    main: str | None
    main_diameter_m: float | None
    fraction: float
    x_m: float
    y_m: float
    distance_m: float
    elevation_m: float


@dataclass
class Connection:
    """The elements one application added to a model (names), and how to take them out.

    Attributes
    ----------
    application_id : str
    tap : Tap
    customer_node : str
        Where the customer's demand sits (``"<id>-CUST"``, or the application's node).
    service_line : str or None
        ``"<id>-SVC"``; None when the demand sits on an existing junction.
    service_length_m : float
    pattern : str
        The demand pattern added (``"<id>-PAT"``).
    added_nodes : list of str
        Junctions the connection added (tap, customer).
    """

    application_id: str
    tap: Tap
    customer_node: str
    service_line: str | None
    service_length_m: float
    pattern: str
    added_nodes: list = field(default_factory=list)
    _undo: list = field(default_factory=list, repr=False)

    def undo(self, wn: wntr.network.WaterNetworkModel) -> None:
        """Remove every element this connection added and restore the split main."""
        for step in reversed(self._undo):
            step(wn)
        self._undo.clear()


def _pattern_in_use(wn, pattern: str, user: tuple[str, str]) -> None:
    # wntr 1.5 removes a deleted junction's pattern usage from the curve registry, not
    # the pattern registry, so the pattern would stay "in use"; release it here.
    registry = getattr(wn, "_pattern_reg", None)
    if registry is not None:
        try:
            registry.remove_usage(pattern, user)
        except (KeyError, ValueError):
            pass


class Tapper:
    """Snapping index of one network: eligible mains in a metric CRS and the network extent.

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
        The network whose mains may be tapped (read once).
    placement : gis.Placement
        Model -> map transform (the same for every application of a study).
    policy : Policy

    Notes
    -----
    Splits made through :meth:`register_split` are tracked so that a later application on
    the same original pipe finds the right piece.
    """

    def __init__(self, wn, placement, policy: Policy):
        from gis.layers import link_geometry, node_geometry

        self.placement = placement
        self.policy = policy
        links = link_geometry(wn, placement)
        pipes = links[links["link_type"] == "Pipe"]
        keep, diam = [], []
        for name in pipes.index:
            p = wn.get_link(name)
            ok = (not p.check_valve and str(p.initial_status).upper() != "CLOSED"
                  and p.diameter > 0)
            keep.append(ok)
            diam.append(p.diameter)
        keep = np.asarray(keep, dtype=bool)
        self._names = np.asarray(pipes.index, dtype=object)[keep]
        self._diam_m = np.asarray(diam, dtype=float)[keep]
        self._geom = np.asarray(pipes.geometry.values, dtype=object)[keep]
        self._trees: dict[float, tuple[shapely.STRtree, np.ndarray]] = {}
        nodes = node_geometry(wn, placement)
        xy = shapely.get_coordinates(nodes.geometry.values)
        self.bounds_m = (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
        self._pieces: dict[str, list[tuple[float, float, str]]] = {}

    # ---- extent and nearest main ------------------------------------------------------
    def check_extent(self, x_m: float, y_m: float, application_id: str | None = None) -> None:
        """Raise ConnectionInputError if the point is outside the network's extent."""
        x0, y0, x1, y1 = self.bounds_m
        b = self.policy.extent_buffer_m
        if not (x0 - b <= x_m <= x1 + b and y0 - b <= y_m <= y1 + b):
            raise ConnectionInputError(
                "location", f"({x_m:.1f}, {y_m:.1f}) is outside the network's extent "
                f"x {x0:.0f}..{x1:.0f}, y {y0:.0f}..{y1:.0f} (+{b:g} m) in "
                f"{self.placement.crs}; check the coordinates and the CRS",
                application_id=application_id)

    def _tree(self, min_diameter_m: float):
        key = round(min_diameter_m, 6)
        if key not in self._trees:
            sel = np.flatnonzero(self._diam_m >= min_diameter_m)
            tree = shapely.STRtree(self._geom[sel]) if len(sel) else None
            self._trees[key] = (tree, sel)
        return self._trees[key]

    def nearest_main(self, x_m: float, y_m: float, meter_dn: int,
                     application_id: str | None = None) -> tuple[str, float, float, float]:
        """Nearest eligible original pipe for a meter size.

        Returns
        -------
        (pipe, fraction, distance_m, diameter_m)
            Fraction along the original pipe's geometry (0 at its start node).
        """
        min_d = meter_dn / 1000.0 * (1.0 - self.policy.diameter_tolerance)
        tree, sel = self._tree(min_d)
        if tree is None:
            raise ConnectionInputError(
                "meter_dn", f"no open main of at least DN{meter_dn} in the network",
                application_id=application_id)
        point = shapely.Point(x_m, y_m)
        hit, dist = tree.query_nearest(point, return_distance=True, all_matches=False)
        k = sel[int(hit[0])]
        line = self._geom[k]
        length = line.length
        frac = float(line.project(point) / length) if length > 0 else 0.0
        return str(self._names[k]), frac, float(dist[0]), float(self._diam_m[k])

    # ---- pieces of split pipes ----------------------------------------------------------
    def piece(self, pipe: str, fraction: float) -> tuple[str, float, float]:
        """(piece name, local fraction, piece share of the original) holding ``fraction``."""
        for f0, f1, name in self._pieces.get(pipe, [(0.0, 1.0, pipe)]):
            if f0 <= fraction <= f1:
                share = f1 - f0
                local = (fraction - f0) / share if share > 0 else 0.0
                return name, min(max(local, 0.0), 1.0), share
        return pipe, fraction, 1.0

    def register_split(self, pipe: str, fraction: float, new_piece: str) -> None:
        """Record that the piece of ``pipe`` holding ``fraction`` was split there; the part
        after the split point is now ``new_piece``."""
        pieces = self._pieces.get(pipe, [(0.0, 1.0, pipe)])
        out = []
        for f0, f1, name in pieces:
            if f0 <= fraction <= f1:
                out += [(f0, fraction, name), (fraction, f1, new_piece)]
            else:
                out.append((f0, f1, name))
        self._pieces[pipe] = out

    def fork(self) -> Tapper:
        """A copy sharing this index, with its own record of splits: for a trial connection
        on a copy of the model, so that this one never has to be restored."""
        other = copy.copy(self)
        other._pieces = {pipe: list(pieces) for pipe, pieces in self._pieces.items()}
        return other

    def unregister_split(self, pipe: str, new_piece: str) -> None:
        """Undo :meth:`register_split`."""
        pieces = self._pieces.get(pipe)
        if not pieces:
            return
        out: list[tuple[float, float, str]] = []
        for f0, f1, name in pieces:
            if name == new_piece and out:
                a0, _, aname = out.pop()
                out.append((a0, f1, aname))
            else:
                out.append((f0, f1, name))
        self._pieces[pipe] = out

    # ---- locating an application ---------------------------------------------------------
    def locate(self, wn, app: Application) -> Tap:
        """Where ``app`` joins the network ``wn`` (the model this index was built on, with
        any registered splits applied). Raises ConnectionInputError for an unknown node or a
        location outside the network."""
        aid = app.application_id
        if app.node is not None:
            if app.node not in wn.node_name_list:
                raise ConnectionInputError("node", f"unknown node {app.node!r}",
                                           application_id=aid)
            node = wn.get_node(app.node)
            if node.node_type != "Junction":
                raise ConnectionInputError(
                    "node", f"{app.node!r} is a {node.node_type.lower()}, not a junction",
                    application_id=aid)
            x, y = self.placement.to_target(np.asarray(node.coordinates, dtype=float))[0]
            return Tap(node=app.node, split=False, main=None, main_diameter_m=None,
                       fraction=0.0, x_m=float(x), y_m=float(y), distance_m=0.0,
                       elevation_m=float(node.elevation))
        self.check_extent(app.x_m, app.y_m, aid)
        pipe, frac, dist, diam = self.nearest_main(app.x_m, app.y_m, app.meter_dn, aid)
        line = self._geom[np.flatnonzero(self._names == pipe)[0]]
        tap_pt = line.interpolate(frac, normalized=True)
        name, local, share = self.piece(pipe, frac)
        link = wn.get_link(name)
        piece_len_m = line.length * share
        along_m = local * piece_len_m
        snap = self.policy.snap_to_node_m
        start, end = link.start_node, link.end_node
        if along_m <= snap and start.node_type == "Junction":
            return Tap(start.name, False, name, diam, 0.0, tap_pt.x, tap_pt.y, dist,
                       float(start.elevation))
        if piece_len_m - along_m <= snap and end.node_type == "Junction":
            return Tap(end.name, False, name, diam, 1.0, tap_pt.x, tap_pt.y, dist,
                       float(end.elevation))
        eps = min(0.5, snap / piece_len_m) if piece_len_m > 0 else 0.5
        local = min(max(local, eps), 1.0 - eps)
        if start.node_type == "Reservoir":
            elev = end.elevation
        elif end.node_type == "Reservoir":
            elev = start.elevation
        else:
            elev = start.elevation + (end.elevation - start.elevation) * local
        return Tap(f"{aid}-TAP", True, name, diam, local, tap_pt.x, tap_pt.y, dist, float(elev))


def _model_pattern(wn, app: Application) -> list[float]:
    """The application's clock-time pattern resampled onto the model's pattern periods
    (mean multiplier over each period), aligned with the model's start clock time and
    pattern start."""
    t = wn.options.time
    pstep = int(round(t.pattern_timestep)) or 3600
    pstart = int(round(t.pattern_start))
    tstart = int(round(t.start_clocktime))
    periods = max(1, math.ceil(86400 / pstep))
    fine = np.arange(0, pstep, max(1, min(60, pstep)))
    out = []
    for k in range(periods):
        clock = tstart + k * pstep - pstart + fine
        out.append(float(app.multiplier_at(clock).mean()))
    return out


def _service_roughness(wn, tap: Tap, policy: Policy) -> float:
    if policy.service_roughness is not None:
        return float(policy.service_roughness)
    if tap.main is not None:
        return float(wn.get_link(tap.main).roughness)
    pipes = [wn.get_link(name) for name, _ in wn.pipes()]
    attached = [p.roughness for p in pipes if tap.node in (p.start_node_name, p.end_node_name)]
    pool = attached or [p.roughness for p in pipes]
    return float(np.median(pool)) if pool else 130.0


def connect(wn, app: Application, tap: Tap, policy: Policy, placement,
            tapper: Tapper | None = None) -> Connection:
    """Add ``app`` to the model ``wn`` IN PLACE (give it a copy) at ``tap``.

    Splits the main when ``tap.split`` (the part after the tap becomes ``"<id>-MAIN"``),
    adds the customer junction ``"<id>-CUST"`` at the application's location (elevation:
    the application's or the tap's) with the demand and its pattern ``"<id>-PAT"``, and the
    service line ``"<id>-SVC"`` (DN of the meter, the main's roughness, the given length or
    the distance to the tap, at least 1 m). An application at a node without a service
    length puts its demand on that junction.

    The demand's base value is divided by the model's demand multiplier, so that the
    customer draws ``app.demand_m3s`` on average.

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
        Edited in place.
    app : Application
    tap : Tap
        From :meth:`Tapper.locate` on this model.
    policy : Policy
    placement : gis.Placement
    tapper : Tapper, optional
        Told about the split (so that later applications find the right piece).

    Returns
    -------
    Connection
        With ``undo(wn)``.
    """
    aid = app.application_id
    names = {f"{aid}-TAP", f"{aid}-CUST"}
    clash = names & set(wn.node_name_list) or ({f"{aid}-SVC", f"{aid}-MAIN"}
                                               & set(wn.link_name_list))
    if clash or f"{aid}-PAT" in wn.pattern_name_list:
        raise ConnectionInputError("application_id", f"{aid!r} is already connected in this "
                                   "model", application_id=aid)
    dmult = float(wn.options.hydraulic.demand_multiplier) or 1.0
    base_m3s = app.demand_m3s / dmult
    pattern = f"{aid}-PAT"
    conn = Connection(aid, tap, customer_node=tap.node, service_line=None,
                      service_length_m=0.0, pattern=pattern)
    try:
        wn.add_pattern(pattern, _model_pattern(wn, app))
        conn._undo.append(lambda w: w.remove_pattern(pattern))
        if tap.split:
            _split(wn, tap, aid, tapper, conn)
        with_line = app.node is None or app.service_length_m is not None
        if not with_line:
            junction = wn.get_node(tap.node)
            junction.add_demand(base_m3s, pattern, category=aid)

            def drop_demand(w, junction=junction):
                del junction.demand_timeseries_list[-1]
                _pattern_in_use(w, pattern, (junction.name, "Junction"))
            conn._undo.append(drop_demand)
            return conn
        cust = f"{aid}-CUST"
        if app.x_m is not None:
            xy = placement.to_model(np.array([[app.x_m, app.y_m]]))[0]
        else:
            xy = np.asarray(wn.get_node(tap.node).coordinates, dtype=float)
        elev = app.elevation_m if app.elevation_m is not None else tap.elevation_m
        wn.add_junction(cust, base_demand=base_m3s, demand_pattern=pattern, elevation=elev,
                        coordinates=(float(xy[0]), float(xy[1])), demand_category=aid)

        def drop_customer(w):
            _pattern_in_use(w, pattern, (cust, "Junction"))
            w.remove_node(cust)
        conn._undo.append(drop_customer)
        conn.added_nodes.append(cust)
        length = app.service_length_m if app.service_length_m is not None else tap.distance_m
        length = max(float(length), 1.0)
        svc = f"{aid}-SVC"
        wn.add_pipe(svc, tap.node, cust, length=length, diameter=app.meter_dn / 1000.0,
                    roughness=_service_roughness(wn, tap, policy), minor_loss=0.0)
        conn._undo.append(lambda w: w.remove_link(svc))
        conn.customer_node, conn.service_line, conn.service_length_m = cust, svc, length
        return conn
    except ConnectionInputError:
        conn.undo(wn)
        raise
    except Exception as e:
        conn.undo(wn)
        raise ConnectionInputError("location", f"could not connect: {e}",
                                   application_id=aid) from e


def _split(wn, tap: Tap, aid: str, tapper: Tapper | None, conn: Connection) -> None:
    pipe = wn.get_link(tap.main)
    original = (pipe.end_node, pipe.length, list(pipe.vertices))
    new_piece = f"{aid}-MAIN"
    wntr.morph.split_pipe(wn, tap.main, new_piece, tap.node, add_pipe_at_end=True,
                          split_at_point=tap.fraction, return_copy=False)
    junction = wn.get_node(tap.node)
    junction.elevation = tap.elevation_m
    original_pipe = None
    if tapper is not None:
        xy = tapper.placement.to_model(np.array([[tap.x_m, tap.y_m]]))[0]
        junction.coordinates = (float(xy[0]), float(xy[1]))
        original_pipe = _original_of(tapper, tap.main)
        tapper.register_split(original_pipe, _original_fraction(tapper, original_pipe, tap),
                              new_piece)

    def unsplit(w):
        w.remove_link(new_piece)
        p = w.get_link(tap.main)
        end, length, vertices = original
        p.end_node = end
        p.length = length
        p.vertices = vertices
        w.remove_node(tap.node)
        if original_pipe is not None:
            tapper.unregister_split(original_pipe, new_piece)
    conn._undo.append(unsplit)
    conn.added_nodes.append(tap.node)


def _original_of(tapper: Tapper, piece: str) -> str:
    for original, pieces in tapper._pieces.items():
        if any(name == piece for _, _, name in pieces):
            return original
    return piece


def _original_fraction(tapper: Tapper, original: str, tap: Tap) -> float:
    for f0, f1, name in tapper._pieces.get(original, [(0.0, 1.0, original)]):
        if name == tap.main:
            return f0 + tap.fraction * (f1 - f0)
    return tap.fraction


def resolve_placement(net, ledger, placement):
    """The placement to use: the one given, else the ledger's, else
    ``gis.kunming_placement(net)``; a given one that differs from the ledger's raises."""
    from gis import kunming_placement

    stored = None if ledger is None else ledger.placement
    if placement is None:
        return stored if stored is not None else kunming_placement(net)
    if stored is not None and stored != placement and len(ledger.committed(True)):
        raise ConnectionInputError(
            "placement", f"the ledger's locations use {stored}, not {placement}")
    return placement


def committed_network(net, ledger, placement=None, policy: Policy | None = None, *,
                      include_connected: bool = False):
    """A copy of ``net`` with the ledger's approved (not yet connected) applications added.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    ledger : Ledger
    placement : gis.Placement, optional
        Where the ledger's locations are (default: the ledger's, else Kunming's).
    policy : Policy, optional
    include_connected : bool
        Add connected applications too (for a model not yet updated with them).

    Returns
    -------
    (copy, dict)
        The edited copy (same type as ``net``) and ``{added junction: application id}``.
    """

    placement = resolve_placement(net, ledger, placement)
    work, added, _ = _committed(net, ledger, placement, policy or Policy(), include_connected)
    return work, added


def _committed(net, ledger, placement, policy: Policy, include_connected: bool = False):
    """(copy, {added junction: application id}, Tapper of the copy)."""
    import copy as _copy

    work = net.copy() if hasattr(net, "copy") and hasattr(net, "wn") else _copy.deepcopy(net)
    wn = wntr_model(work)
    tapper = Tapper(wn, placement, policy)
    added: dict[str, str] = {}
    apps = [] if ledger is None else ledger.committed(include_connected=include_connected)
    for app in apps:
        tap = tapper.locate(wn, app)
        conn = connect(wn, app, tap, policy, placement, tapper)
        for node in conn.added_nodes:
            added[node] = app.application_id
    return work, added, tapper
