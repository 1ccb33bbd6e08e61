"""GeoPackage and GeoJSON export and import of networks and result layers.

Exports :func:`write_geopackage`, :func:`read_geopackage`, :func:`write_layers`,
:func:`read_layers`, :func:`write_geojson` and :func:`read_geojson`; the planner's pages
call these for downloads and uploads.

A network GeoPackage holds one layer per element type (``junctions``, ``reservoirs``,
``tanks``, ``pipes``, ``pumps``, ``valves``; empty ones too, so that QGIS users can add
features to them) and an attribute table ``network_model`` (columns ``key``, ``value``) whose
rows hold JSON: ``format``, ``placement`` (the :class:`~gis.placement.Placement` used) and
``model`` (WNTR's ``to_dict`` form without nodes and links: options, patterns, curves,
sources, controls). Any further layers (results) may sit beside them and are ignored on
import. Files are written to a temporary file in the target folder and moved into place
with ``os.replace``, so readers never see half a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import wntr

from gis.build import model_from_layers
from gis.layers import network_layers
from gis.placement import WEB_CRS, Placement, kunming_placement
from gis.schema import LAYERS, GisInputError
from models import replacing, wntr_model, write_bytes_atomic

MODEL_TABLE = "network_model"
"""Name of the attribute table that holds placement and non-spatial model parts."""
FORMAT = "kunming-water-planner/gis/1"
"""Value of the ``format`` row of the model table."""


def _model_rows(wn: wntr.network.WaterNetworkModel, placement: Placement) -> pd.DataFrame:
    model = wntr.network.to_dict(wn)
    del model["nodes"], model["links"]
    rows = {"format": FORMAT, "placement": placement.to_dict(), "model": model}
    values = [v if isinstance(v, str) else json.dumps(v) for v in rows.values()]
    return pd.DataFrame({"key": list(rows), "value": values})


def _parse_model_rows(table: pd.DataFrame, source: str) -> dict[str, Any]:
    try:
        rows = dict(zip(table["key"], table["value"]))
        out = {k: v if k == "format" else json.loads(v) for k, v in rows.items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise GisInputError(f"unreadable table in {source}: {exc!r}", layer=MODEL_TABLE) from exc
    if out.get("format") != FORMAT:
        raise GisInputError(f"unknown format {out.get('format')!r} in {source}", layer=MODEL_TABLE)
    return out


def _geometry_type(name: str, layer: gpd.GeoDataFrame) -> str | None:
    if name in LAYERS:
        return LAYERS[name].geometry
    kinds = set(layer.geometry.geom_type.dropna())
    if not kinds:
        return "Unknown"
    return kinds.pop() if len(kinds) == 1 else None  # None: let GDAL choose


def write_layers(layers: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write layers to one GeoPackage, atomically (temp file + ``os.replace``).

    Parameters
    ----------
    layers : Mapping[str, geopandas.GeoDataFrame or pandas.DataFrame]
        Layer name -> layer. A named index (e.g. ``name``) is written as a column; plain
        DataFrames become attribute tables without geometry.
    path : str or os.PathLike
        Target ``.gpkg`` file; replaced if it exists.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    with replacing(path) as tmp:
        for name, layer in layers.items():
            frame = layer.reset_index() if layer.index.name is not None else layer
            if isinstance(layer, gpd.GeoDataFrame):
                pyogrio.write_dataframe(
                    frame, tmp, layer=name, driver="GPKG", geometry_type=_geometry_type(name, layer)
                )
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), tmp, layer=name, driver="GPKG")
    return path


def read_layers(
    path: str | os.PathLike, names: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Read layers of a GeoPackage (or any file GDAL reads).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    names : Iterable[str], optional
        Layers to read; all by default. Absent names are skipped.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame or pandas.DataFrame]
        By layer name; attribute tables as plain DataFrames; columns as stored (element
        names in a ``name`` column, not the index).
    """
    present = {str(row[0]): row[1] for row in pyogrio.list_layers(path)}
    wanted = present if names is None else [n for n in names if n in present]
    out: dict[str, pd.DataFrame] = {}
    for name in wanted:
        spatial = present[name] is not None
        out[name] = pyogrio.read_dataframe(path, layer=name, read_geometry=spatial)
    return out


def write_geopackage(
    net: Any,
    path: str | os.PathLike,
    placement: Placement | None = None,
    extra_layers: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a network (and optional result layers) to one GeoPackage, atomically.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network (not modified).
    path : str or os.PathLike
        Target ``.gpkg``; replaced if it exists.
    placement : Placement, optional
        Where to put the model; :func:`~gis.placement.kunming_placement` by default. It is
        stored in the file and used again by :func:`read_geopackage`.
    extra_layers : Mapping[str, geopandas.GeoDataFrame], optional
        Further layers (e.g. from :func:`gis.node_result_layer`); their names must differ
        from the network layers and ``network_model``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    wn = wntr_model(net)
    placement = kunming_placement(wn) if placement is None else placement
    layers: dict[str, pd.DataFrame] = dict(network_layers(wn, placement))
    for name, layer in (extra_layers or {}).items():
        if name in layers or name == MODEL_TABLE:
            raise ValueError(f"extra layer name {name!r} is reserved for the network")
        layers[name] = layer
    layers[MODEL_TABLE] = _model_rows(wn, placement)
    return write_layers(layers, path)


def _network_from(
    layers: Mapping[str, pd.DataFrame],
    meta: dict[str, Any],
    placement: Placement | None,
    base: Any,
) -> wntr.network.WaterNetworkModel:
    if placement is None and "placement" in meta:
        placement = Placement.from_dict(meta["placement"])
    if base is None:
        base = meta.get("model")
    return model_from_layers(layers, placement, base)


def read_geopackage(
    path: str | os.PathLike, placement: Placement | None = None, base: Any = None
) -> wntr.network.WaterNetworkModel:
    """Read a network GeoPackage (e.g. edited in QGIS) back into a WaterNetworkModel.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.gpkg`` with some of the six network layers; written by
        :func:`write_geopackage` or by hand.
    placement : Placement, optional
        Converts map coordinates to model units. Default: the placement stored in the file;
        for files without one, the identity in the junction layer's CRS.
    base : WaterNetworkModel, object with ``.wn``, dict or None
        Source of options, patterns, curves, sources and controls. Default: the model
        stored in the file; for files without one, WNTR's defaults.

    Returns
    -------
    wntr.network.WaterNetworkModel

    Raises
    ------
    GisInputError
        For a bad layer, row or cell (see :func:`gis.model_from_layers`) or an unreadable
        ``network_model`` table.
    """
    layers = read_layers(path, [*LAYERS, MODEL_TABLE])
    table = layers.pop(MODEL_TABLE, None)
    meta = {} if table is None else _parse_model_rows(table, str(path))
    return _network_from(layers, meta, placement, base)


def _geojson_path(prefix: Path, layer: str) -> Path:
    return prefix.with_name(f"{prefix.name}_{layer}.geojson")


def write_geojson(
    net: Any,
    prefix: str | os.PathLike,
    placement: Placement | None = None,
    crs: Any = WEB_CRS,
) -> list[Path]:
    """Write a network as GeoJSON files, one per non-empty layer, plus a model JSON file.

    Files are ``{prefix}_{layer}.geojson`` (WNTR's ``write_geojson`` naming; WNTR's writer
    does the writing) and ``{prefix}_network_model.json`` with the placement and the
    non-spatial model parts, so :func:`read_geojson` can rebuild the model.

    Parameters
    ----------
    net : wntr.network.WaterNetworkModel or object with a ``.wn`` attribute
        The network.
    prefix : str or os.PathLike
        Path prefix, e.g. ``out/net3``.
    placement : Placement, optional
        Where to put the model; :func:`~gis.placement.kunming_placement` by default.
    crs : str, optional
        CRS of the files; EPSG:4326 (longitude/latitude, as GeoJSON readers expect) by
        default. ``None`` keeps ``placement.crs``.

    Returns
    -------
    list[pathlib.Path]
        The files written.
    """
    wn = wntr_model(net)
    placement = kunming_placement(wn) if placement is None else placement
    layers = network_layers(wn, placement)
    if crs is not None:
        layers = {k: v.to_crs(crs) for k, v in layers.items()}
    prefix = Path(prefix)
    wntr.gis.WaterNetworkGIS(layers).write_geojson(str(prefix))  # skips empty layers
    written = [_geojson_path(prefix, k) for k, v in layers.items() if len(v) > 0]
    for name in set(layers) - {p.stem.removeprefix(f"{prefix.name}_") for p in written}:
        _geojson_path(prefix, name).unlink(missing_ok=True)  # stale file of an earlier export
    rows = _model_rows(wn, placement)
    meta = {"format": FORMAT, **{k: json.loads(v) for k, v in zip(rows.key[1:], rows.value[1:])}}
    model_path = prefix.with_name(f"{prefix.name}_{MODEL_TABLE}.json")
    write_bytes_atomic(model_path, json.dumps(meta).encode("utf-8"))
    return [*written, model_path]


def read_geojson(
    prefix: str | os.PathLike, placement: Placement | None = None, base: Any = None
) -> wntr.network.WaterNetworkModel:
    """Read the files :func:`write_geojson` wrote back into a WaterNetworkModel.

    Parameters
    ----------
    prefix : str or os.PathLike
        The prefix given to :func:`write_geojson`; missing layer files count as empty.
    placement, base :
        As in :func:`read_geopackage`; defaults come from ``{prefix}_network_model.json``.

    Returns
    -------
    wntr.network.WaterNetworkModel
    """
    prefix = Path(prefix)
    layers = {}
    for name in LAYERS:
        file = _geojson_path(prefix, name)
        if file.exists():
            layers[name] = pyogrio.read_dataframe(file)
    model_path = prefix.with_name(f"{prefix.name}_{MODEL_TABLE}.json")
    meta = {}
    if model_path.exists():
        meta = json.loads(model_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise GisInputError(f"unknown format {meta.get('format')!r} in {model_path}")
    return _network_from(layers, meta, placement, base)
