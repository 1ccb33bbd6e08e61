"""Column schema of the network layers, and the error raised for bad layers.

One table states, for each layer, its column names (SI units in the names), the key WNTR's
``to_dict``/``from_dict`` use for the same attribute, the value kind and whether a value is
required. ``gis.layers`` writes layers by it and ``gis.build`` reads and checks them by it.

Layers and geometry
-------------------
===========  ==========  ========================================================
layer        geometry    notes
===========  ==========  ========================================================
junctions    Point       demands: ``base_demand_m3s``, ``demand_pattern``,
                         ``demand_category`` for the first demand; where some
                         junction has k > 1 demands, the layer adds
                         ``base_demand_k_m3s``, ``demand_pattern_k``,
                         ``demand_category_k`` (k = 2, 3, ...). An empty base demand
                         means no such demand (its pattern and category are then
                         ignored); a junction with none gets one zero demand
reservoirs   Point
tanks        Point
pipes        LineString  start node, vertices, end node; ``length_m`` is the model
                         length (not recomputed from the drawing), filled from the
                         drawn length only where it is empty
pumps        LineString
valves       LineString  ``initial_setting`` is in m for PRV/PSV/PBV, m3/s for FCV,
                         a loss coefficient for TCV; GPVs name ``headloss_curve``
===========  ==========  ========================================================

Every layer is indexed by the element name (index name ``name``; a column ``name`` in
files). ``roughness`` is the Hazen-Williams C factor, or the Darcy-Weisbach / Chezy-Manning
value as WNTR stores it for the model's headloss formula. ``emitter_coefficient`` is in SI
(m3/s per m of pressure to the ``emitter exponent``), ``energy_price`` in currency per J,
qualities in the model's quality units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from models.errors import PlannerError


class GisInputError(PlannerError, ValueError):
    """A network layer cannot be turned into a model.

    Parameters
    ----------
    message : str
        What is wrong.
    layer : str, optional
        Layer name, e.g. ``"pipes"``.
    row : int, optional
        1-based position of the feature in the layer (the GeoPackage ``fid`` for files
        written by this package and appended to in QGIS).
    column : str, optional
        Column name, e.g. ``"diameter_m"``.
    name : str, optional
        Element name of the row, where it has one.
    """

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        row: int | None = None,
        column: str | None = None,
        name: str | None = None,
    ) -> None:
        self.layer = layer
        self.row = row
        self.column = column
        self.name = name
        where = []
        if layer is not None:
            where.append(f"layer {layer!r}")
        if row is not None:
            where.append(f"row {row}" + (f" (name {name!r})" if name is not None else ""))
        if column is not None:
            where.append(f"column {column!r}")
        self.message = message
        super().__init__((", ".join(where) + ": " if where else "") + message)


@dataclass(frozen=True)
class Field:
    """One column of a network layer.

    Attributes
    ----------
    column : str
        Column name in the layer (units in the name).
    key : str
        Attribute key in WNTR's ``to_dict``/``from_dict`` records.
    kind : str
        ``"float"``, ``"str"`` or ``"bool"``.
    required : bool
        A value must be present in every row.
    default : Any
        Value used on read when the cell (or the whole column) is empty.
    """

    column: str
    key: str
    kind: str
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class LayerSpec:
    """Schema of one network layer: WNTR element type, geometry type and columns."""

    layer: str
    element: str
    geometry: str
    fields: tuple[Field, ...]

    @property
    def columns(self) -> list[str]:
        """Column names in schema order (without ``name`` and ``geometry``)."""
        return [f.column for f in self.fields]


_F = Field
_LINK_ENDS = (
    _F("start_node", "start_node_name", "str", required=True),
    _F("end_node", "end_node_name", "str", required=True),
)
_TAG = _F("tag", "tag", "str")
_QUALITY = _F("initial_quality", "initial_quality", "float", default=0.0)

JUNCTIONS = LayerSpec(
    "junctions",
    "Junction",
    "Point",
    (
        _F("elevation_m", "elevation", "float", required=True),
        _F("base_demand_m3s", "base_val", "float"),
        _F("demand_pattern", "pattern_name", "str"),
        _F("demand_category", "category", "str"),
        _F("emitter_coefficient", "emitter_coefficient", "float"),
        _F("minimum_pressure_m", "minimum_pressure", "float"),
        _F("required_pressure_m", "required_pressure", "float"),
        _F("pressure_exponent", "pressure_exponent", "float"),
        _QUALITY,
        _TAG,
    ),
)
TANKS = LayerSpec(
    "tanks",
    "Tank",
    "Point",
    (
        _F("elevation_m", "elevation", "float", required=True),
        _F("init_level_m", "init_level", "float", required=True),
        _F("min_level_m", "min_level", "float", required=True),
        _F("max_level_m", "max_level", "float", required=True),
        _F("diameter_m", "diameter", "float", required=True),
        _F("min_vol_m3", "min_vol", "float", default=0.0),
        _F("vol_curve", "vol_curve_name", "str"),
        _F("overflow", "overflow", "bool", default=False),
        _F("mixing_model", "mixing_model", "str"),
        _F("mixing_fraction", "mixing_fraction", "float"),
        _F("bulk_coeff", "bulk_coeff", "float"),
        _QUALITY,
        _TAG,
    ),
)
RESERVOIRS = LayerSpec(
    "reservoirs",
    "Reservoir",
    "Point",
    (
        _F("base_head_m", "base_head", "float", required=True),
        _F("head_pattern", "head_pattern_name", "str"),
        _QUALITY,
        _TAG,
    ),
)
PIPES = LayerSpec(
    "pipes",
    "Pipe",
    "LineString",
    (
        *_LINK_ENDS,
        _F("length_m", "length", "float"),
        _F("diameter_m", "diameter", "float", required=True),
        _F("roughness", "roughness", "float", required=True),
        _F("minor_loss", "minor_loss", "float", default=0.0),
        _F("initial_status", "initial_status", "str", default="Open"),
        _F("check_valve", "check_valve", "bool", default=False),
        _F("bulk_coeff", "bulk_coeff", "float"),
        _F("wall_coeff", "wall_coeff", "float"),
        _TAG,
    ),
)
PUMPS = LayerSpec(
    "pumps",
    "Pump",
    "LineString",
    (
        *_LINK_ENDS,
        _F("pump_type", "pump_type", "str", required=True),
        _F("pump_curve", "pump_curve_name", "str"),
        _F("power_w", "power", "float"),
        _F("base_speed", "base_speed", "float", default=1.0),
        _F("speed_pattern", "speed_pattern_name", "str"),
        _F("initial_status", "initial_status", "str", default="Open"),
        _F("initial_setting", "initial_setting", "float"),
        _F("efficiency_curve", "efficiency_curve_name", "str"),
        _F("energy_pattern", "energy_pattern", "str"),
        _F("energy_price", "energy_price", "float"),
        _TAG,
    ),
)
VALVES = LayerSpec(
    "valves",
    "Valve",
    "LineString",
    (
        *_LINK_ENDS,
        _F("valve_type", "valve_type", "str", required=True),
        _F("diameter_m", "diameter", "float", required=True),
        _F("initial_setting", "initial_setting", "float", default=0.0),
        _F("initial_status", "initial_status", "str", default="Active"),
        _F("minor_loss", "minor_loss", "float", default=0.0),
        _F("headloss_curve", "headloss_curve_name", "str"),
        _TAG,
    ),
)

NODE_LAYERS = (JUNCTIONS, RESERVOIRS, TANKS)  # EPANET's order, kept in models
LINK_LAYERS = (PIPES, PUMPS, VALVES)
LAYERS: dict[str, LayerSpec] = {spec.layer: spec for spec in NODE_LAYERS + LINK_LAYERS}
"""The six network layers, by layer name, in writing order."""

DEMAND_FIELDS = ("base_demand_m3s", "demand_pattern", "demand_category")
_EXTRA_DEMAND = re.compile(r"^base_demand_(\d+)_m3s$")


def demand_columns(k: int) -> tuple[str, str, str]:
    """Column names of a junction's k-th demand (k = 1 for the first)."""
    if k == 1:
        return DEMAND_FIELDS
    return (f"base_demand_{k}_m3s", f"demand_pattern_{k}", f"demand_category_{k}")


def extra_demand_numbers(columns) -> list[int]:
    """Demand numbers k > 1 present as ``base_demand_k_m3s`` columns, ascending."""
    found = (_EXTRA_DEMAND.match(str(c)) for c in columns)
    return sorted(int(m.group(1)) for m in found if m and int(m.group(1)) > 1)


PUMP_TYPES = ("HEAD", "POWER")
VALVE_TYPES = ("PRV", "PSV", "PBV", "FCV", "TCV", "GPV")
LINK_STATUSES = ("OPEN", "CLOSED", "ACTIVE")
