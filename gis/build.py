"""GIS layers -> WaterNetworkModel, with every cell checked first.

Exports :func:`model_from_layers`; called by ``gis.files`` (GeoPackage and GeoJSON import)
and usable directly on layers edited in memory.

The layers are checked against :mod:`gis.schema` (required columns and values, numbers,
booleans, unique names, end nodes, pattern and curve names, geometry types); the first
problem raises :class:`~gis.schema.GisInputError` naming the layer, row and column. The
checked rows become WNTR ``to_dict`` records and WNTR's own ``wntr.network.from_dict``
builds the model. (``wntr.network.from_gis`` is not used: it drops junction demand
patterns, keeps one demand per junction, and copies unknown columns onto elements.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import wntr

from gis.crs_check import warn_if_crs_mismatch
from gis.placement import DEFAULT_CRS, Placement
from gis.schema import (
    JUNCTIONS,
    LAYERS,
    LINK_LAYERS,
    LINK_STATUSES,
    NODE_LAYERS,
    PUMP_TYPES,
    VALVE_TYPES,
    GisInputError,
    LayerSpec,
    demand_columns,
    extra_demand_numbers,
)
from models import wntr_model

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_MODEL_KEYS = ("version", "comment", "name", "references", "options", "curves", "patterns")


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


class _Layer:
    """One layer being read: its frame (name a column, RangeIndex) and error helpers."""

    def __init__(self, spec: LayerSpec, frame: gpd.GeoDataFrame, placement: Placement):
        self.spec = spec
        if "name" not in frame.columns and frame.index.name == "name":
            frame = frame.reset_index()
        if "name" not in frame.columns:
            raise GisInputError("required column is missing", layer=spec.layer, column="name")
        crs = getattr(frame, "crs", None)
        warn_if_crs_mismatch(frame, spec.layer)  # degrees labelled as metres, and the like
        if crs is not None and not frame.empty and not crs.equals(placement.crs):
            frame = frame.to_crs(placement.crs)
        self.frame = frame.reset_index(drop=True)
        self.names: list[str | None] = [None] * len(self.frame)  # error() reads it
        self.names = self.text("name", required=True)

    def error(self, message: str, i: int | None = None, column: str | None = None):
        name = self.names[i] if i is not None else None
        row = None if i is None else i + 1
        return GisInputError(message, layer=self.spec.layer, row=row, column=column, name=name)

    def raw(self, column: str, required: bool = False) -> list[Any]:
        if column in self.frame.columns:
            return list(self.frame[column])
        if required and len(self.frame) > 0:
            raise self.error("required column is missing", column=column)
        return [None] * len(self.frame)

    def text(self, column: str, required: bool = False, default: Any = None) -> list[Any]:
        out = []
        for i, value in enumerate(self.raw(column, required)):
            if _missing(value):
                if required:
                    raise self.error("a value is required", i, column)
                out.append(default)
            elif isinstance(value, float | np.floating) and float(value).is_integer():
                out.append(str(int(value)))  # names typed as numbers, e.g. in GeoJSON
            else:
                out.append(str(value).strip())
        return out

    def number(self, column: str, required: bool = False, default: Any = None) -> list[Any]:
        out = []
        for i, value in enumerate(self.raw(column, required)):
            if _missing(value):
                if required:
                    raise self.error("a value is required", i, column)
                out.append(default)
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise self.error(f"not a number: {value!r}", i, column) from None
            if isinstance(value, bool | np.bool_) or not np.isfinite(number):
                raise self.error(f"not a finite number: {value!r}", i, column)
            out.append(number)
        return out

    def flag(self, column: str, default: bool) -> list[bool]:
        out = []
        for i, value in enumerate(self.raw(column)):
            if _missing(value):
                out.append(default)
            elif isinstance(value, bool | np.bool_) or value in (0, 1):
                out.append(bool(value))
            elif str(value).strip().lower() in _TRUE | _FALSE:
                out.append(str(value).strip().lower() in _TRUE)
            else:
                raise self.error(f"not a boolean: {value!r}", i, column)
        return out

    def values(self) -> dict[str, list[Any]]:
        """Every schema column parsed to its kind, with defaults, by column name."""
        out: dict[str, list[Any]] = {}
        for field in self.spec.fields:
            if field.kind == "float":
                out[field.column] = self.number(field.column, field.required, field.default)
            elif field.kind == "bool":
                out[field.column] = self.flag(field.column, field.default)
            else:
                out[field.column] = self.text(field.column, field.required, field.default)
        return out

    def check_positive(self, column: str, values: list[Any], allow_zero: bool = False) -> None:
        for i, value in enumerate(values):
            if value is not None and (value < 0 or (value == 0 and not allow_zero)):
                bound = ">= 0" if allow_zero else "> 0"
                raise self.error(f"must be {bound}, got {value}", i, column)

    def check_choice(self, column: str, values: list[Any], choices: tuple[str, ...]) -> list:
        out = []
        for i, value in enumerate(values):
            if value is not None and value.upper() not in choices:
                raise self.error(f"{value!r} is not one of {', '.join(choices)}", i, column)
            out.append(None if value is None else value.upper())
        return out

    def check_refs(self, column: str, values: list[Any], known: set[str], what: str) -> None:
        for i, value in enumerate(values):
            if value is not None and value not in known:
                raise self.error(f"{what} {value!r} does not exist", i, column)

    def geometry(self) -> list[np.ndarray]:
        """Per row, its coordinates in the layer CRS, shape (k, 2), geometry type checked."""
        geoms = getattr(self.frame, "geometry", None)  # the active geometry column
        if geoms is None:
            raise self.error("the layer has no geometry", column="geometry")
        out = []
        for i, geom in enumerate(geoms):
            if geom is None or geom.is_empty:
                raise self.error("geometry is missing", i, "geometry")
            kind = geom.geom_type
            if kind == "Multi" + self.spec.geometry and len(geom.geoms) == 1:
                geom, kind = geom.geoms[0], self.spec.geometry
            if kind != self.spec.geometry:
                raise self.error(
                    f"geometry is a {kind}, expected a {self.spec.geometry}", i, "geometry"
                )
            out.append(shapely.get_coordinates(geom))
        return out


def _unique(layers: list[_Layer], what: str) -> set[str]:
    seen: dict[str, tuple[_Layer, int]] = {}
    for layer in layers:
        for i, name in enumerate(layer.names):
            if name in seen:
                other, j = seen[name]
                raise layer.error(
                    f"duplicate {what} name {name!r} (also layer {other.spec.layer!r} row {j + 1})",
                    i,
                    "name",
                )
            seen[name] = (layer, i)
    return set(seen)


def _status(layer: _Layer, values: list[Any], allowed: tuple[str, ...]) -> list[str]:
    checked = layer.check_choice("initial_status", values, allowed)
    return [v.capitalize() for v in checked]


def _junction_records(layer: _Layer, coords: list, patterns: set[str]) -> list[dict]:
    v = layer.values()
    demand_lists: list[list[dict]] = [[] for _ in layer.names]
    for k in [1, *extra_demand_numbers(layer.frame.columns)]:
        base_col, pattern_col, category_col = demand_columns(k)
        bases = layer.number(base_col)
        pats = layer.text(pattern_col)
        layer.check_refs(pattern_col, pats, patterns, "pattern")
        cats = layer.text(category_col)
        for i, base in enumerate(bases):
            if base is not None:
                entry = {"base_val": base, "pattern_name": pats[i], "category": cats[i]}
                demand_lists[i].append(entry)
    keys = {f.column: f.key for f in JUNCTIONS.fields if f.column not in demand_columns(1)}
    records = []
    for i, name in enumerate(layer.names):
        rec = {"name": name, "node_type": "Junction", "coordinates": tuple(coords[i][0].tolist())}
        rec.update({key: v[col][i] for col, key in keys.items()})
        rec["demand_timeseries_list"] = demand_lists[i] or [
            {"base_val": 0.0, "pattern_name": None, "category": None}
        ]
        records.append(rec)
    return records


def _node_records(layer: _Layer, placement: Placement, refs: dict[str, set[str]]) -> list[dict]:
    coords = [placement.to_model(xy) for xy in layer.geometry()]
    if layer.spec.layer == "junctions":
        return _junction_records(layer, coords, refs["patterns"])
    v = layer.values()
    if layer.spec.layer == "tanks":
        layer.check_positive("diameter_m", v["diameter_m"], allow_zero=True)
        layer.check_positive("min_vol_m3", v["min_vol_m3"], allow_zero=True)
        layer.check_refs("vol_curve", v["vol_curve"], refs["curves"], "curve")
        for i, (lo, init, hi) in enumerate(
            zip(v["min_level_m"], v["init_level_m"], v["max_level_m"])
        ):
            if not lo <= init <= hi:
                raise layer.error(
                    f"levels must satisfy min <= init <= max, got {lo}, {init}, {hi}",
                    i,
                    "init_level_m",
                )
    else:
        layer.check_refs("head_pattern", v["head_pattern"], refs["patterns"], "pattern")
    records = []
    for i, name in enumerate(layer.names):
        rec = {
            "name": name,
            "node_type": layer.spec.element,
            "coordinates": tuple(coords[i][0].tolist()),
        }
        rec.update({f.key: v[f.column][i] for f in layer.spec.fields})
        records.append(rec)
    return records


def _link_checks(layer: _Layer, v: dict[str, list], refs: dict[str, set[str]]) -> None:
    kind = layer.spec.layer
    if kind == "pipes":
        for col in ("length_m", "diameter_m", "roughness"):
            layer.check_positive(col, v[col])
        layer.check_positive("minor_loss", v["minor_loss"], allow_zero=True)
        v["initial_status"] = _status(layer, v["initial_status"], ("OPEN", "CLOSED"))
    elif kind == "pumps":
        v["pump_type"] = layer.check_choice("pump_type", v["pump_type"], PUMP_TYPES)
        for i, pump_type in enumerate(v["pump_type"]):
            needed = "power_w" if pump_type == "POWER" else "pump_curve"
            if v[needed][i] is None:
                raise layer.error(f"a value is required for a {pump_type} pump", i, needed)
        layer.check_positive("power_w", v["power_w"])
        layer.check_positive("base_speed", v["base_speed"], allow_zero=True)
        layer.check_refs("pump_curve", v["pump_curve"], refs["curves"], "curve")
        layer.check_refs("efficiency_curve", v["efficiency_curve"], refs["curves"], "curve")
        layer.check_refs("speed_pattern", v["speed_pattern"], refs["patterns"], "pattern")
        layer.check_refs("energy_pattern", v["energy_pattern"], refs["patterns"], "pattern")
        v["initial_status"] = _status(layer, v["initial_status"], ("OPEN", "CLOSED"))
    else:
        v["valve_type"] = layer.check_choice("valve_type", v["valve_type"], VALVE_TYPES)
        layer.check_positive("diameter_m", v["diameter_m"])
        layer.check_positive("minor_loss", v["minor_loss"], allow_zero=True)
        layer.check_refs("headloss_curve", v["headloss_curve"], refs["curves"], "curve")
        for i, valve_type in enumerate(v["valve_type"]):
            if valve_type == "GPV" and v["headloss_curve"][i] is None:
                raise layer.error("a value is required for a GPV", i, "headloss_curve")
        v["initial_status"] = _status(layer, v["initial_status"], LINK_STATUSES)


def _link_records(
    layer: _Layer, placement: Placement, nodes: set[str], refs: dict[str, set[str]]
) -> list[dict]:
    v = layer.values()
    coords = layer.geometry()
    for column in ("start_node", "end_node"):
        layer.check_refs(column, v[column], nodes, "node")
    for i, (start, end) in enumerate(zip(v["start_node"], v["end_node"])):
        if start == end:
            raise layer.error(f"starts and ends at the same node {start!r}", i, "end_node")
        if len(coords[i]) < 2:
            raise layer.error("a line needs at least two points", i, "geometry")
    if layer.spec.layer == "pipes":  # empty length: the drawn length in the metric CRS
        v["length_m"] = [
            float(shapely.length(shapely.linestrings(xy))) if length is None else length
            for length, xy in zip(v["length_m"], coords)
        ]
    _link_checks(layer, v, refs)
    records = []
    for i, name in enumerate(layer.names):
        rec = {"name": name, "link_type": layer.spec.element}
        rec.update({f.key: v[f.column][i] for f in layer.spec.fields})
        rec["vertices"] = [tuple(p) for p in placement.to_model(coords[i][1:-1]).tolist()]
        records.append(rec)
    return records


def _base_dict(base: Any) -> dict[str, Any]:
    if base is None:
        return wntr.network.to_dict(wntr.network.WaterNetworkModel())
    if isinstance(base, Mapping):
        return dict(base)
    return wntr.network.to_dict(wntr_model(base))


def model_from_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    placement: Placement | None = None,
    base: Any = None,
) -> wntr.network.WaterNetworkModel:
    """Build a WaterNetworkModel from network layers (as :func:`gis.network_layers` gives).

    Parameters
    ----------
    layers : Mapping[str, geopandas.GeoDataFrame]
        Any of ``junctions``, ``tanks``, ``reservoirs``, ``pipes``, ``pumps``, ``valves``
        (others are ignored; absent ones count as empty). Names in a ``name`` column or
        the index named ``name``. Layers in another CRS are reprojected to
        ``placement.crs``; layers without a CRS are taken to be in it. Unknown columns are
        ignored.
    placement : Placement, optional
        Converts map coordinates back to model units; by default the identity in the
        junction layer's CRS where that is metric, else in EPSG:4543.
    base : WaterNetworkModel, object with ``.wn``, dict or None
        Source of what layers do not hold: name, options, patterns, curves, sources,
        controls (a dict is WNTR's ``to_dict`` form; its nodes and links are ignored).
        None: an empty WNTR model's defaults.

    Returns
    -------
    wntr.network.WaterNetworkModel
        A new model; nothing passed in is modified.

    Raises
    ------
    GisInputError
        For the first bad layer, row or cell (missing required column or value,
        non-numeric or non-positive number, duplicate name, unknown node, pattern or
        curve, wrong geometry type), or controls or sources naming removed elements.
    """
    if placement is None:
        crs = getattr(layers.get("junctions"), "crs", None)
        metric = crs is not None and crs.is_projected and crs.axis_info[0].unit_name == "metre"
        placement = Placement.identity(crs if metric else DEFAULT_CRS)
    empty = gpd.GeoDataFrame({"name": pd.Series([], dtype=object)}, geometry=[])
    read = {
        spec.layer: _Layer(spec, layers.get(spec.layer, empty), placement)
        for spec in LAYERS.values()
    }
    model = _base_dict(base)
    refs = {
        "patterns": {p["name"] for p in model.get("patterns", [])},
        "curves": {c["name"] for c in model.get("curves", [])},
    }
    node_names = _unique([read[s.layer] for s in NODE_LAYERS], "node")
    _unique([read[s.layer] for s in LINK_LAYERS], "link")
    nodes = [rec for s in NODE_LAYERS for rec in _node_records(read[s.layer], placement, refs)]
    links = [
        rec
        for s in LINK_LAYERS
        for rec in _link_records(read[s.layer], placement, node_names, refs)
    ]
    shared = {key: model[key] for key in _MODEL_KEYS if key in model}
    shared.setdefault("version", "gis")
    shared.setdefault("comment", "built from GIS layers")
    elements = {"nodes": nodes, "links": links, "sources": [], "controls": []}
    wn = wntr.network.from_dict({**shared, **elements})
    for rec in links:  # from_dict leaves valve tags out
        wn.get_link(rec["name"]).tag = rec["tag"]
    rest = {**shared, "curves": [], "patterns": [], "nodes": [], "links": []}
    rest.update(sources=model.get("sources", []), controls=model.get("controls", []))
    try:
        wntr.network.from_dict(rest, append=wn)
    except Exception as exc:  # WNTR raises KeyError, ValueError, RuntimeError, ...
        raise GisInputError(
            f"controls or sources of the base model do not fit the layers: {exc!r}"
        ) from exc
    return wn
