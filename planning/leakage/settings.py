"""Pipe leakage settings (EPANET 2.3 FAVAD area and expansion) per network, zone or pipe.

Exports :class:`LeakageRule`, :func:`apply_leakage`, :func:`uniform_leakage`,
:func:`read_leakage_rules` and :data:`RULE_COLUMNS`. The result is a new
:class:`models.Network` whose ``pipe_leakage`` table holds the values; the input network is
never edited, and a bad rule raises :class:`LeakageInputError` before anything is built.

Values follow ``models.Network.pipe_leakage``: ``leak_area_mm2_per_100m`` is the crack area at
zero pressure per 100 m of pipe, ``leak_expansion_mm2_per_m`` its growth per metre of pressure
head (per 100 m of pipe). EPANET 2.3 then leaks ``Q = 0.6 sqrt(2 g) (L/100) (A + m h) 1e-6
sqrt(h)`` m3/s from a pipe of length L m at pressure head h m, half to each end node.

Precedence: a rule for a pipe beats a rule for its zone, which beats a network-wide rule
(neither ``pipe`` nor ``zone``). Pipes no rule reaches keep their current leakage (or have
none with ``replace=True``). A pipe or zone named twice, at the same level, is an error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import models
from models import wntr_model
from models.network import LEAKAGE_COLUMNS

from ..inputfiles import InputFileError, read_csv_strings, read_gis_layers
from .errors import LeakageInputError, file_error
from .zones import Zones

AREA, EXPANSION = LEAKAGE_COLUMNS
RULE_COLUMNS = ("pipe", "zone", AREA, EXPANSION)
"""Columns of a leakage settings table (CSV or GeoPackage ``leakage`` layer)."""
_IGNORED_COLUMNS = ("note", "comment", "description", "fid")


def _number(value, *, name: str, source: str, row: int | None, required: bool,
            csv: bool = False) -> float | None:
    """A finite, non-negative float from a cell or argument (None when empty and optional)."""
    if value is None or (isinstance(value, str) and not value.strip()) or (
            isinstance(value, float) and math.isnan(value)):
        if required:
            raise LeakageInputError("is empty; give a number >= 0", source=source, row=row,
                                    field=name, csv=csv)
        return None
    if isinstance(value, bool):
        raise LeakageInputError(f"{value!r} is not a number", source=source, row=row,
                                field=name, csv=csv)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise LeakageInputError(f"{value!r} is not a number", source=source, row=row,
                                field=name, csv=csv) from None
    if not math.isfinite(number):
        raise LeakageInputError(f"{value!r} is not finite", source=source, row=row,
                                field=name, csv=csv)
    if number < 0:
        raise LeakageInputError(f"{number:g} is negative; give a number >= 0", source=source,
                                row=row, field=name, csv=csv)
    return number


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class LeakageRule:
    """Leakage for one pipe, one zone, or every pipe.

    Parameters
    ----------
    leak_area_mm2_per_100m : float
        Crack area at zero pressure, mm2 per 100 m of pipe (>= 0).
    leak_expansion_mm2_per_m : float
        Growth of that area per metre of pressure head, mm2 per m per 100 m (>= 0).
    pipe : str, optional
        The pipe it sets.
    zone : str, optional
        The zone whose pipes it sets (see :mod:`planning.leakage.zones`). Give ``pipe`` or
        ``zone`` or neither (every pipe), not both.
    row : int, optional
        Where the rule came from (row of a file), for error messages.
    source : str
        File name, or ``"settings"`` for rules written in code.

    Raises
    ------
    LeakageInputError
        For a negative, non-finite or non-numeric value, or both ``pipe`` and ``zone``.
    """

    leak_area_mm2_per_100m: float
    leak_expansion_mm2_per_m: float = 0.0
    pipe: str | None = None
    zone: str | None = None
    row: int | None = field(default=None, compare=False)
    source: str = field(default="settings", compare=False)

    def __post_init__(self) -> None:
        csv = self.source.endswith(".csv")
        for name in (AREA, EXPANSION):
            value = _number(getattr(self, name), name=name, source=self.source, row=self.row,
                            required=True, csv=csv)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "pipe", _text(self.pipe))
        object.__setattr__(self, "zone", _text(self.zone))
        if self.pipe is not None and self.zone is not None:
            raise LeakageInputError("give a pipe or a zone, not both", source=self.source,
                                    row=self.row, field="zone", csv=csv)

    @property
    def level(self) -> str:
        """``"pipe"``, ``"zone"`` or ``"network"``."""
        return "pipe" if self.pipe else "zone" if self.zone else "network"


def _as_network(net) -> models.Network:
    """A deep copy of ``net`` as a ``models.Network`` (a bare WNTR model is wrapped)."""
    if isinstance(net, models.Network):
        return net.copy()
    import copy

    return models.Network.from_wn(copy.deepcopy(net))


def _where(rule: LeakageRule, field_name: str) -> dict:
    return dict(source=rule.source, row=rule.row, field=field_name,
                csv=rule.source.endswith(".csv"))


def _pipe_values(rules: list[LeakageRule], wn, zones: Zones | None) -> dict[str, tuple]:
    """Pipe -> (area, expansion) from the rules, checked against the network and zones."""
    pipes = set(wn.pipe_name_list)
    seen: dict[tuple[str, str], LeakageRule] = {}
    for rule in rules:
        key = (rule.level, rule.pipe or rule.zone or "")
        if key in seen:
            first = seen[key].row
            what = "every pipe" if rule.level == "network" else f"{rule.level} {key[1]!r}"
            raise LeakageInputError(
                f"{what} is set twice" + (f" (first at row {first})" if first else ""),
                **_where(rule, rule.level if rule.level != "network" else AREA))
        seen[key] = rule
        if rule.pipe is not None and rule.pipe not in pipes:
            kind = "a pump or valve, which does not leak" if rule.pipe in set(
                wn.link_name_list) else "not a pipe of the network"
            raise LeakageInputError(f"{rule.pipe!r} is {kind}", **_where(rule, "pipe"))
        if rule.zone is not None:
            if zones is None:
                raise LeakageInputError(f"zone {rule.zone!r} given but no zones were",
                                        **_where(rule, "zone"))
            if rule.zone not in set(zones.pipe_zone):
                shown = ", ".join(zones.names[:10])
                raise LeakageInputError(f"unknown zone {rule.zone!r} (zones: {shown})",
                                        **_where(rule, "zone"))
    values: dict[str, tuple] = {}
    for level in ("network", "zone", "pipe"):
        for rule in rules:
            if rule.level != level:
                continue
            value = (rule.leak_area_mm2_per_100m, rule.leak_expansion_mm2_per_m)
            if level == "network":
                targets: Iterable[str] = wn.pipe_name_list
            elif level == "zone":
                targets = zones.pipes(rule.zone)
            else:
                targets = [rule.pipe]
            values.update(dict.fromkeys(targets, value))
    return values


def apply_leakage(net, rules: Iterable[LeakageRule], zones: Zones | None = None, *,
                  replace: bool = False) -> models.Network:
    """A new network with pipe leakage set by ``rules``.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Not modified.
    rules : iterable of LeakageRule
        E.g. from :func:`read_leakage_rules`.
    zones : Zones, optional
        Needed when a rule names a zone.
    replace : bool
        Start from no leakage instead of the network's current table.

    Returns
    -------
    models.Network
        A deep copy with ``pipe_leakage`` set; pipes whose area and expansion are both 0
        have no row. It round-trips through ``models.write_inp`` / ``models.load_network``.

    Raises
    ------
    LeakageInputError
        Naming the rule's source, row and field: unknown pipe (or a pump/valve), unknown
        zone, zone rules without zones, a pipe or zone set twice. Nothing is applied.
    """
    rules = list(rules)
    wn = wntr_model(net)
    values = _pipe_values(rules, wn, zones)
    out = _as_network(net)
    table = models.network.empty_leakage_table() if replace else out.pipe_leakage.copy()
    current = {name: (float(a), float(e)) for name, a, e in
               zip(table.index, table[AREA], table[EXPANSION])}
    current.update(values)
    kept = [name for name in wn.pipe_name_list if name in current and any(current[name])]
    new = pd.DataFrame({AREA: [current[n][0] for n in kept],
                        EXPANSION: [current[n][1] for n in kept]},
                       index=pd.Index(kept, dtype="object", name="pipe"))
    out.pipe_leakage = new.astype("float64")
    return out


def uniform_leakage(net, leak_area_mm2_per_100m: float,
                    leak_expansion_mm2_per_m: float = 0.0) -> models.Network:
    """A new network in which every pipe leaks with the same FAVAD parameters.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    leak_area_mm2_per_100m : float
        mm2 per 100 m of pipe.
    leak_expansion_mm2_per_m : float
        mm2 per m of head, per 100 m of pipe.

    Returns
    -------
    models.Network
    """
    rule = LeakageRule(leak_area_mm2_per_100m, leak_expansion_mm2_per_m)
    return apply_leakage(net, [rule], replace=True)


def _rules_from_table(table: pd.DataFrame, source: str, key: str = "pipe",
                      skip_empty: bool = False) -> list[LeakageRule]:
    """Rules from a table of strings/values; ``key`` is the column holding pipe names."""
    csv = source.endswith(".csv")
    columns = [str(c) for c in table.columns]
    allowed = {key, "zone", AREA, EXPANSION, *_IGNORED_COLUMNS}
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise LeakageInputError(f"unknown column(s) {unknown}; columns are {list(RULE_COLUMNS)}"
                                f" (and optionally {list(_IGNORED_COLUMNS[:3])})", source=source)
    if AREA not in columns:
        raise LeakageInputError(f"needs a column {AREA!r}", source=source)
    rules = []
    for i, rec in enumerate(table.to_dict("records"), start=1):
        area = rec.get(AREA)
        expansion = rec.get(EXPANSION)
        if skip_empty and _text(area) is None and _text(expansion) is None:
            continue
        area = _number(area, name=AREA, source=source, row=i, required=True, csv=csv)
        expansion = _number(expansion, name=EXPANSION, source=source, row=i, required=False,
                            csv=csv)
        rules.append(LeakageRule(area, 0.0 if expansion is None else expansion,
                                 pipe=_text(rec.get(key)), zone=_text(rec.get("zone")),
                                 row=i, source=source))
    return rules


def read_leakage_rules(path: str | os.PathLike, layer: str | None = None) -> list[LeakageRule]:
    """Leakage rules from a CSV file or a GeoPackage attribute table.

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv`` with columns ``pipe`` and/or ``zone`` (one or none per row; none = every
        pipe), ``leak_area_mm2_per_100m`` (required) and ``leak_expansion_mm2_per_m``
        (empty = 0); ``note`` is ignored. Or a GeoPackage: its ``leakage`` layer (same
        columns), else its ``pipes`` layer (``name`` + the two value columns; pipes with
        both empty are skipped).
    layer : str, optional
        GeoPackage layer to read instead.

    Returns
    -------
    list of LeakageRule
        Checked for numbers only; :func:`apply_leakage` checks pipes and zones.

    Raises
    ------
    LeakageInputError
        Naming the file, the row (1 = first data row; CSV line = row + 1) and the field;
        or the file (and line) when it is not UTF-8 CSV or not a GIS file.
    """
    path = Path(path)
    if not path.is_file():
        raise LeakageInputError("no such file", source=str(path))
    try:
        if path.suffix.lower() == ".csv":
            return _rules_from_table(read_csv_strings(path, skipinitialspace=True), path.name)
        layers = read_gis_layers(path, [layer] if layer else ["leakage", "pipes"],
                                 geometry=False)
    except InputFileError as exc:
        raise file_error(exc) from None
    if layer and layer not in layers:
        raise LeakageInputError(f"has no layer {layer!r}", source=path.name)
    name = layer or ("leakage" if "leakage" in layers else "pipes")
    if name not in layers:
        raise LeakageInputError("has neither a 'leakage' nor a 'pipes' layer", source=path.name)
    table = pd.DataFrame(layers[name]).drop(columns="geometry", errors="ignore")
    source = f"{path.name} layer {name!r}"
    if name == "pipes" and "name" in table.columns:
        keep = [c for c in ("name", AREA, EXPANSION) if c in table.columns]
        return _rules_from_table(table[keep], source, key="name", skip_empty=True)
    return _rules_from_table(table, source)
