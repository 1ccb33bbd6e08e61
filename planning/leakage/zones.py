"""Zones (DMAs, pressure zones): which zone every node and pipe belongs to.

Exports :class:`Zones`, :data:`UNZONED`, and the constructors :func:`zones_from_nodes`,
:func:`zones_from_pipes`, :func:`zones_from_boundaries`, :func:`single_zone` and
:func:`read_zones` (CSV or GeoPackage ``zone`` column). Used by :mod:`.settings` (leakage per
zone), :mod:`.balance` (volumes and water balance per zone) and :mod:`.pressure`.

Rules
-----
- A node without a zone belongs to :data:`UNZONED`; it is reported like any other zone when
  it has nodes, so zone totals always add up to the network total.
- A pipe's zone, when not given, is that of its two end nodes when they agree, else that of
  the end that has a zone, else the start node's (a boundary pipe; its leakage still splits
  half to each end node, and the volumes follow the nodes).
- A node's zone, when only pipes have one, is the zone most of its pipes have (ties: the
  first in sorted order).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from models import wntr_model as _wn

from ..inputfiles import InputFileError, read_csv_strings, read_gis_layers
from .errors import LeakageInputError, file_error

UNZONED = "(unzoned)"
"""Zone label of nodes and pipes that have none."""

_NODE_LAYERS = ("junctions", "reservoirs", "tanks")


@dataclass(frozen=True)
class Zones:
    """Zone of every node and every pipe of one network.

    Attributes
    ----------
    node_zone : pandas.Series
        Index: every node name of the network (junctions, tanks, reservoirs); values: zone
        label (str; :data:`UNZONED` where none was given).
    pipe_zone : pandas.Series
        Index: every pipe name; values: zone label.
    """

    node_zone: pd.Series
    pipe_zone: pd.Series

    @property
    def names(self) -> list[str]:
        """Zone labels that have nodes, sorted, :data:`UNZONED` last."""
        labels = set(self.node_zone.unique()) | set(self.pipe_zone.unique())
        return sorted(labels - {UNZONED}) + ([UNZONED] if UNZONED in labels else [])

    def nodes(self, zone: str) -> list[str]:
        """Names of the nodes in ``zone``."""
        return self.node_zone.index[self.node_zone == zone].tolist()

    def pipes(self, zone: str) -> list[str]:
        """Names of the pipes in ``zone``."""
        return self.pipe_zone.index[self.pipe_zone == zone].tolist()


def _label(value, source, row, field) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    text = text.strip()
    if not text:
        raise LeakageInputError("is empty; give a zone label", source=source, row=row,
                                field=field, csv=source.endswith(".csv"))
    return text


def _check_names(names: Iterable[str], known: list[str], what: str, source: str) -> None:
    known_set = set(known)
    for i, name in enumerate(names, start=1):
        if name not in known_set:
            raise LeakageInputError(f"unknown {what} {name!r}", source=source, row=i,
                                    field=what, csv=source.endswith(".csv"))


def zones_from_nodes(net, node_zone: Mapping[str, str] | pd.Series,
                     pipe_zone: Mapping[str, str] | pd.Series | None = None) -> Zones:
    """Zones from a zone per node (and, optionally, per pipe).

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    node_zone : mapping or pandas.Series
        Node name -> zone label; nodes left out are :data:`UNZONED`.
    pipe_zone : mapping or pandas.Series, optional
        Pipe name -> zone label, for pipes whose zone should not be derived from their
        end nodes (see the module rules).

    Returns
    -------
    Zones

    Raises
    ------
    LeakageInputError
        For a name that is not a node (pipe) of the network.
    """
    wn = _wn(net)
    node_zone = dict(node_zone)
    _check_names(node_zone, wn.node_name_list, "node", "zones")
    nodes = pd.Series(UNZONED, index=pd.Index(wn.node_name_list, name="node"), dtype=object)
    for name, zone in node_zone.items():
        nodes[name] = _label(zone, "zones", None, name)
    given = dict(pipe_zone) if pipe_zone is not None else {}
    _check_names(given, wn.pipe_name_list, "pipe", "zones")
    pipes = {}
    for name in wn.pipe_name_list:
        if name in given:
            pipes[name] = _label(given[name], "zones", None, name)
            continue
        link = wn.get_link(name)
        z1, z2 = nodes[link.start_node_name], nodes[link.end_node_name]
        pipes[name] = z1 if z1 == z2 or z2 == UNZONED else (z2 if z1 == UNZONED else z1)
    return Zones(nodes, pd.Series(pipes, index=pd.Index(wn.pipe_name_list, name="pipe"),
                                  dtype=object))


def zones_from_pipes(net, pipe_zone: Mapping[str, str] | pd.Series) -> Zones:
    """Zones from a zone per pipe; each node takes the zone most of its pipes have.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    pipe_zone : mapping or pandas.Series
        Pipe name -> zone label; pipes left out are :data:`UNZONED`.

    Returns
    -------
    Zones
    """
    wn = _wn(net)
    pipe_zone = {k: _label(v, "zones", None, k) for k, v in dict(pipe_zone).items()}
    _check_names(pipe_zone, wn.pipe_name_list, "pipe", "zones")
    votes: dict[str, Counter] = {}
    for name, zone in pipe_zone.items():
        link = wn.get_link(name)
        for node in (link.start_node_name, link.end_node_name):
            votes.setdefault(node, Counter())[zone] += 1
    node_zone = {}
    for node, count in votes.items():
        top = max(count.values())
        node_zone[node] = sorted(z for z, c in count.items() if c == top)[0]
    return zones_from_nodes(net, node_zone, pipe_zone)


def single_zone(net, label: str = "network") -> Zones:
    """Every node and pipe in one zone called ``label``."""
    wn = _wn(net)
    return zones_from_nodes(net, dict.fromkeys(wn.node_name_list, label))


def zones_from_boundaries(net, boundary_links: Iterable[str],
                          names: Mapping[str, str] | None = None) -> Zones:
    """Zones as the parts of the network left connected when boundary links are cut.

    A DMA is closed by its boundary valves and inlet meters (and PRVs, pumps); cut them
    and each connected part is one zone.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    boundary_links : iterable of str
        Links (pipes, valves, pumps) that separate zones.
    names : mapping of str to str, optional
        Node name -> label of the zone that contains it (e.g. ``{"R1": "A"}``). Unnamed
        zones are called ``Z1``, ``Z2``, ... by decreasing number of nodes.

    Returns
    -------
    Zones
        Boundary pipes take the start node's zone (see the module rules).
    """
    wn = _wn(net)
    cut = set(boundary_links)
    _check_names(cut, wn.link_name_list, "link", "zones")
    graph = nx.Graph()
    graph.add_nodes_from(wn.node_name_list)
    for name in wn.link_name_list:
        if name not in cut:
            link = wn.get_link(name)
            graph.add_edge(link.start_node_name, link.end_node_name)
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    names = dict(names or {})
    _check_names(names, wn.node_name_list, "node", "zones")
    node_zone: dict[str, str] = {}
    counter = 0
    for part in parts:
        given = sorted({names[n] for n in part if n in names})
        if len(given) > 1:
            raise LeakageInputError(f"nodes named as zones {given} are in one connected part",
                                    source="zones", field="names")
        if given:
            label = given[0]
        else:
            counter += 1
            label = f"Z{counter}"
        node_zone.update(dict.fromkeys(part, label))
    return zones_from_nodes(net, node_zone)


def _zone_table(table: pd.DataFrame, key: str, source: str, column: str) -> dict[str, str]:
    out: dict[str, str] = {}
    csv = source.endswith(".csv")
    for i, (name, zone) in enumerate(zip(table[key], table[column]), start=1):
        if name is None or str(name).strip() == "" or name != name:
            raise LeakageInputError("is empty", source=source, row=i, field=key, csv=csv)
        label = zone if isinstance(zone, str) else ("" if zone != zone else str(zone))
        if label.strip():
            out[str(name).strip()] = label.strip()
    return out


def read_zones(net, path: str | os.PathLike, column: str = "zone") -> Zones:
    """Zones from a file: a CSV table or the network layers of a GeoPackage.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    path : str or os.PathLike
        ``.csv`` with columns ``node`` (or ``pipe``) and ``zone``; or a GeoPackage whose
        ``junctions`` / ``tanks`` / ``reservoirs`` and/or ``pipes`` layers (as
        :func:`gis.write_geopackage` writes them, element names in ``name``) carry a
        ``zone`` column. Empty zone cells mean unzoned.
    column : str
        Name of the zone column.

    Returns
    -------
    Zones

    Raises
    ------
    LeakageInputError
        Naming the file, the row and the field: unknown node or pipe, missing columns.
    """
    path = Path(path)
    source = path.name
    wn = _wn(net)
    if path.suffix.lower() == ".csv":
        try:
            table = read_csv_strings(path)
        except InputFileError as exc:
            raise file_error(exc) from None
        key = "node" if "node" in table.columns else "pipe" if "pipe" in table.columns else None
        if key is None or column not in table.columns:
            raise LeakageInputError(f"needs columns 'node' or 'pipe', and {column!r}; "
                                    f"has {list(table.columns)}", source=source)
        zones = _zone_table(table, key, source, column)
        known = wn.node_name_list if key == "node" else wn.pipe_name_list
        for i, name in enumerate(table[key], start=1):
            if str(name).strip() not in set(known):
                raise LeakageInputError(f"unknown {key} {name!r}", source=source, row=i,
                                        field=key, csv=True)
        return zones_from_nodes(net, zones) if key == "node" else zones_from_pipes(net, zones)
    try:
        layers = read_gis_layers(path, [*_NODE_LAYERS, "pipes"], geometry=False)
    except InputFileError as exc:
        raise file_error(exc) from None
    node_zone: dict[str, str] = {}
    pipe_zone: dict[str, str] = {}
    for name, layer in layers.items():
        if column not in layer.columns:
            continue
        where = f"{source} layer {name!r}"
        if "name" not in layer.columns:
            raise LeakageInputError("has no 'name' column", source=where)
        zones = _zone_table(layer, "name", where, column)
        known = set(wn.pipe_name_list if name == "pipes" else wn.node_name_list)
        for i, element in enumerate(layer["name"], start=1):
            if str(element) not in known:
                raise LeakageInputError(f"unknown {name[:-1]} {element!r}", source=where,
                                        row=i, field="name")
        (pipe_zone if name == "pipes" else node_zone).update(zones)
    if not node_zone and not pipe_zone:
        raise LeakageInputError(f"no layer of {[*_NODE_LAYERS, 'pipes']} has a {column!r} "
                                "column", source=source)
    if node_zone:
        return zones_from_nodes(net, node_zone, pipe_zone)
    return zones_from_pipes(net, pipe_zone)
