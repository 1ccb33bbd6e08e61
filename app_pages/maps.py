"""pydeck maps of a network, coloured by a value, with a legend (no basemap, no tokens).

Exports :class:`ColourScale`, :func:`pressure_scale`, :func:`sequential_scale`,
:func:`quantile_edges`, :func:`hours_scale`, :func:`change_scale`, :func:`network_map`, :func:`area_map` (points
over polygons, e.g. plants and catchments) and :func:`legend`. The values come from
``planning``; this module only picks colours (presentation).

The maps draw no basemap (``map_provider=None``, no ``map_style``): the planner runs
without internet access and needs no Mapbox or Carto key. Geometry is in EPSG:4326 (``gis.to_web``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from application.i18n import _

NO_VALUE = (190, 190, 190, 200)
"""Colour of elements without a value."""
SOURCE = (31, 78, 121, 230)
"""Colour of tanks and reservoirs (never coloured by a junction value such as pressure)."""
_PIXELS = pdk.types.String("pixels")
"""deck.gl unit literal (a bare string would be read as a data accessor)."""
_SEQUENTIAL = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
"""viridis at five stops (colour-blind safe)."""


@dataclass(frozen=True)
class ColourScale:
    """Binned colours for a value.

    Attributes
    ----------
    title : str
        What is coloured, with its unit, e.g. ``"Pressure head (m)"``.
    edges : tuple of float
        Inner bin edges, ascending; ``len(colours) == len(edges) + 1``.
    colours : tuple of (r, g, b)
    labels : tuple of str
        One per bin, with units.
    """

    title: str
    edges: tuple[float, ...]
    colours: tuple[tuple[int, int, int], ...]
    labels: tuple[str, ...]

    def rgba(self, values: pd.Series | np.ndarray) -> list[list[int]]:
        """RGBA per value (grey where missing)."""
        values = np.asarray(values, dtype=float)
        bins = np.searchsorted(np.asarray(self.edges, dtype=float), values, side="right")
        return [list(NO_VALUE) if math.isnan(v) else [*self.colours[b], 230]
                for v, b in zip(values, bins)]


def pressure_scale(service_m: float, title: str | None = None) -> ColourScale:
    """Pressure bins that mean something to a planner.

    Below 0 m (no water), below the service pressure (``service_m``, default 14.28 m =
    0.14 MPa), up to 28 m (GB 50013 head for six storeys), 28-50 m, 50-80 m, above 80 m
    (high: leakage and bursts).
    """
    s = float(service_m)
    edges = (0.0, s, max(28.0, s), 50.0, 80.0)
    colours = ((90, 0, 0), (215, 48, 39), (252, 174, 97), (102, 189, 99), (49, 130, 189),
               (117, 60, 160))
    labels = (_("< 0 m (no water)"), _("0–{s:.4g} m (below service)").format(s=s),
              f"{s:.4g}–{edges[2]:g} m", f"{edges[2]:g}–50 m", "50–80 m", _("> 80 m (high)"))
    return ColourScale(title or _("Pressure head (m)"), edges, colours, labels)


def hours_scale(title: str | None = None) -> ColourScale:
    """Bins for durations in hours: 0, up to 1, 1-6, 6-24, over 24 h."""
    return ColourScale(title or _("Hours below service pressure (h)"), (1e-9, 1.0, 6.0, 24.0),
                       ((102, 189, 99), (254, 224, 139), (252, 141, 89), (215, 48, 39),
                        (90, 0, 0)),
                       ("0 h", _("up to 1 h"), "1–6 h", "6–24 h", "> 24 h"))


def change_scale(title: str | None = None) -> ColourScale:
    """Bins for a pressure change (m): falls in reds, about nothing in grey, rises in blue."""
    return ColourScale(title or _("Change of the lowest daily pressure (m)"), (-5.0, -1.0, -0.1, 0.1),
                       ((165, 0, 38), (244, 109, 67), (253, 174, 97), (224, 224, 224),
                        (69, 117, 180)),
                       (_("fall > 5 m"), _("fall 1–5 m"), _("fall 0.1–1 m"), _("within ±0.1 m"),
                        _("rise > 0.1 m")))


def quantile_edges(values, bins: int = 5) -> np.ndarray:
    """Bin cuts (``bins + 1`` or fewer, ascending) at quantiles of the finite values present.

    Equal-count bins: one outlier (a dead zone at 104 %) cannot squeeze every real value into
    one colour, as equal-interval bins did. With no more distinct values than ``bins``, one
    bin per value. Empty input: (0, 1).
    """
    finite = pd.Series(values, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
    if finite.empty:
        return np.array([0.0, 1.0])
    distinct = np.unique(finite.to_numpy())
    if len(distinct) == 1:
        return np.array([distinct[0], distinct[0]])
    if len(distinct) <= bins:
        mids = (distinct[:-1] + distinct[1:]) / 2.0
        return np.concatenate([[distinct[0]], mids, [distinct[-1]]])
    cuts = np.quantile(finite.to_numpy(), np.linspace(0.0, 1.0, bins + 1))
    return np.unique(cuts)


def sequential_scale(values: pd.Series, title: str, unit: str, bins: int = 5) -> ColourScale:
    """Bins at quantiles of the values present (:func:`quantile_edges`; viridis)."""
    cuts = quantile_edges(values, bins)
    span = float(cuts[-1] - cuts[0])
    digits = 0 if span >= 20 else (1 if span >= 2 else (2 if span >= 0.02 else 4))
    # the fewest digits (at least the range's) that keep every label's bounds apart
    digits = next((d for d in range(digits, 5) if len(np.unique(np.round(cuts, d))) == len(cuts)),
                  max(digits, 4))
    if len(cuts) == 2 and cuts[0] == cuts[1]:
        return ColourScale(title, (), _SEQUENTIAL[2:3], (f"{cuts[0]:,.{digits}f} {unit}",))
    edges = tuple(float(c) for c in cuts[1:-1])
    n = len(cuts) - 1
    colours = tuple(_SEQUENTIAL[round(i * (len(_SEQUENTIAL) - 1) / max(n - 1, 1))]
                    for i in range(n))
    labels = tuple(f"{a:,.{digits}f}–{b:,.{digits}f} {unit}" for a, b in zip(cuts[:-1], cuts[1:]))
    return ColourScale(title, edges, colours, labels)


def _view(nodes: pd.DataFrame, height_px: int, width_px: int = 900) -> pdk.ViewState:
    """Centre and zoom that fit the nodes into a map of about ``width_px`` x ``height_px``."""
    lon, lat = nodes.geometry.x, nodes.geometry.y
    return _view_bounds((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())),
                        height_px, width_px, float(lat.mean()))


def _view_bounds(bounds: tuple[float, float, float, float], height_px: int,
                 width_px: int = 900, mid_lat: float | None = None) -> pdk.ViewState:
    """Centre and zoom that fit (min lon, min lat, max lon, max lat) into the map."""
    west, south, east, north = bounds
    lon_span = max(east - west, 1e-5)
    lat_span = max(north - south, 1e-5)
    mid_lat = (north + south) / 2 if mid_lat is None else mid_lat
    # deck.gl's Web Mercator: 512 * 2**zoom pixels per 360 degrees of longitude, and
    # 1/cos(latitude) times more per degree of latitude.
    stretch = 1.0 / max(math.cos(math.radians(mid_lat)), 0.1)
    zoom = min(math.log2(width_px * 360.0 / (512.0 * lon_span)),
               math.log2(height_px * 360.0 / (512.0 * lat_span * stretch))) - 0.15
    return pdk.ViewState(longitude=(east + west) / 2, latitude=(north + south) / 2,
                         zoom=max(1.0, min(18.0, zoom)))


def network_map(
    nodes,
    links,
    values: pd.Series | None,
    scale: ColourScale | None,
    *,
    highlight_links: list[str] | None = None,
    highlight_nodes: list[str] | None = None,
    tooltip_value: str = "",
    height_px: int = 500,
    focus_nodes: list[str] | None = None,
) -> pdk.Deck:
    """A deck with links as grey paths and nodes coloured by ``values``.

    The node layer has the id ``"nodes"`` and the link layer ``"links"``: a click on the
    chart (``st.pydeck_chart(..., on_select=..., selection_mode="single-object")``) names
    the element through :func:`picked`. ``focus_nodes`` zooms the view to those nodes (what
    a result affects) instead of the whole network.

    Parameters
    ----------
    nodes, links : geopandas.GeoDataFrame
        In EPSG:4326, indexed by element name (``gis.to_web`` of the network layers).
    values : pandas.Series or None
        Value per node name, used for junctions; tanks and reservoirs are always drawn
        large and dark blue. None colours junctions blue.
    scale : ColourScale or None
        Colours for ``values``.
    highlight_links : list of str, optional
        Link names drawn thick and red (e.g. pipes of a shutdown job).
    highlight_nodes : list of str, optional
        Node names drawn large and red (e.g. nodes of connection applications).
    tooltip_value : str
        Label (with unit) of the value in the hover tooltip.
    height_px : int
        Height of the chart (pass the same to ``st.pydeck_chart``), to fit the zoom.

    Returns
    -------
    pydeck.Deck
    """
    node_data = pd.DataFrame({
        "name": nodes.index.astype(str),
        "type": nodes["node_type"].to_numpy(),
        "lon": nodes.geometry.x.to_numpy(),
        "lat": nodes.geometry.y.to_numpy(),
    })
    if values is not None and scale is not None:
        v = pd.Series(values).reindex(nodes.index).astype(float)
        node_data["colour"] = scale.rgba(v)
        node_data["value"] = [("–" if math.isnan(x) else f"{x:,.2f}") for x in v]
    else:
        node_data["colour"] = [[31, 78, 121, 220]] * len(node_data)
        node_data["value"] = ""
    sources = (node_data["type"] != "Junction").to_numpy()
    node_data["radius"] = np.where(sources, 9, 4)
    node_data.loc[sources, "colour"] = pd.Series([list(SOURCE)] * int(sources.sum()),
                                                 index=node_data.index[sources], dtype=object)
    if highlight_nodes:
        marked_nodes = node_data["name"].isin([str(n) for n in highlight_nodes])
        node_data.loc[marked_nodes, "radius"] = 11
        node_data.loc[marked_nodes, "colour"] = pd.Series(
            [[215, 48, 39, 255]] * int(marked_nodes.sum()),
            index=node_data.index[marked_nodes], dtype=object)
    link_data = pd.DataFrame({
        "name": links.index.astype(str),
        "type": links["link_type"].to_numpy(),
        "path": [[list(xy) for xy in geom.coords] for geom in links.geometry],
    })
    marked = set(highlight_links or ())
    link_data["colour"] = [[215, 48, 39, 255] if n in marked else [110, 110, 110, 180]
                           for n in link_data["name"]]
    link_data["width"] = [6 if n in marked else 3 for n in link_data["name"]]  # 3 px: clickable
    link_data["value"] = ""
    layers = [
        pdk.Layer("PathLayer", link_data, id="links", get_path="path", get_color="colour",
                  get_width="width", width_units=_PIXELS, pickable=True),
        pdk.Layer("ScatterplotLayer", node_data, id="nodes", get_position=["lon", "lat"],
                  get_fill_color="colour", get_radius="radius", radius_units=_PIXELS,
                  stroked=True, get_line_color=[40, 40, 40, 160], line_width_min_pixels=0.5,
                  pickable=True),
    ]
    label = f"<br/>{tooltip_value}: {{value}}" if tooltip_value else ""
    # map_provider=None and no map_style: Streamlit then draws no basemap (map_style=None
    # would make it fetch a Carto style from the internet).
    focus = nodes.loc[nodes.index.astype(str).isin([str(n) for n in focus_nodes])] \
        if focus_nodes else nodes
    view = _view(focus if len(focus) else nodes, height_px)
    basemap = basemap_layer()
    return pdk.Deck(layers=([basemap] if basemap is not None else []) + layers,
                    initial_view_state=view, map_provider=None,
                    tooltip={"html": "<b>{name}</b> ({type})" + label})


BASEMAP_ENV = "PLANNER_BASEMAP_URL"
"""Setting (environment variable) with an XYZ raster tile URL for a basemap, e.g.
``https://tile.example.org/{z}/{x}/{y}.png``. Unset by default: no basemap, no internet."""


def basemap_layer() -> pdk.Layer | None:
    """A raster tile layer from :data:`BASEMAP_ENV`, or None when the setting is empty."""
    url = os.environ.get(BASEMAP_ENV, "").strip()
    if not url:
        return None
    return pdk.Layer("TileLayer", data=url, id="basemap", min_zoom=0, max_zoom=19,
                     tile_size=256, pickable=False)


def picked(event, layer: str) -> str | None:
    """Name of the element clicked in ``layer`` (``"nodes"`` or ``"links"``) of a map's
    selection event (the value ``st.pydeck_chart`` returns or stores under its key)."""
    try:
        objects = event["selection"]["objects"]
    except (KeyError, TypeError):
        return None
    hits = objects.get(layer) or []
    return str(hits[0]["name"]) if hits and "name" in hits[0] else None


def legend(scale: ColourScale, *, no_value: str | None = None,
           sources: bool = True) -> None:
    """Show the legend of a scale: title with unit, one swatch per bin.

    ``no_value`` labels the grey swatch; ``sources`` adds the tank-or-reservoir swatch of
    :func:`network_map`.
    """
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:12px;white-space:nowrap">'
        f'<span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:rgb{tuple(c)};margin-right:4px;vertical-align:middle"></span>{label}</span>'
        for c, label in zip(scale.colours, scale.labels))
    grey = (f'<span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
            f'background:rgb{NO_VALUE[:3]};margin-right:4px;vertical-align:middle"></span>'
            f"{no_value or _('no value')}")
    if sources:
        grey += (f'<span style="display:inline-block;width:14px;height:14px;border-radius:7px;'
                 f'background:rgb{SOURCE[:3]};margin:0 4px 0 12px;vertical-align:middle">'
                 "</span>" + _("tank or reservoir"))
    st.markdown(f'<div class="map-legend" style="font-size:0.85rem"><b>{scale.title}</b><br/>'
                f"{swatches}{grey}</div>", unsafe_allow_html=True)


def utilisation_scale(high: float) -> ColourScale:
    """Bins of a plant's mean utilisation (fraction of design capacity), overload in red.

    Below 60 %, 60 % to ``high`` (the "high" warning level, default 85 %), ``high`` to
    100 %, above 100 % (overloaded, as ``plant_flows`` flags it).
    """
    over = float(np.nextafter(1.0, 2.0))  # exactly 100 % is not overloaded
    return ColourScale(_("Plant utilisation (mean daily inflow or measured volume / design "
                         "capacity, %)"),
                       (0.6, float(high), over),
                       ((49, 130, 189), (102, 189, 99), (253, 174, 97), (215, 48, 39)),
                       ("< 60 %", f"60–{100 * high:g} %", _("{high:g}–100 % (high)").format(high=100 * high),
                        _("> 100 % (overloaded)")))


def rate_scale(title: str) -> ColourScale:
    """Bins for a rate in 0-1 (e.g. sewage collection), shown in %; 70 % and 95 % are plan
    targets (§18)."""
    return ColourScale(title, (0.5, 0.7, 0.85, 0.95),
                       ((165, 0, 38), (244, 109, 67), (254, 224, 139), (166, 217, 106),
                        (26, 150, 65)),
                       ("< 50 %", "50–70 %", "70–85 %", "85–95 %", "≥ 95 %"))


def _rings(geom) -> list[list[list[list[float]]]]:
    """Each polygon of a (Multi)Polygon as [exterior, *holes] coordinate rings."""
    parts = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    return [[[list(xy) for xy in ring.coords] for ring in (p.exterior, *p.interiors)]
            for p in parts]


def area_map(
    points,
    areas,
    point_values: pd.Series,
    point_scale: ColourScale,
    point_size: pd.Series,
    area_values: pd.Series,
    area_scale: ColourScale,
    *,
    point_info: pd.Series | None = None,
    area_info: pd.Series | None = None,
    height_px: int = 520,
) -> pdk.Deck:
    """A deck with polygons coloured by one value and points coloured and sized by others.

    Parameters
    ----------
    points, areas : geopandas.GeoDataFrame
        In EPSG:4326, indexed by id, with a ``name`` column; rows without geometry are
        left out.
    point_values, area_values : pandas.Series
        Values by id, coloured with ``point_scale`` and ``area_scale`` (grey where missing).
    point_size : pandas.Series
        By point id, any unit; the circle area is proportional to it (radius up to 2 km on
        the ground, so that areas stay visible around their points; at least 3 px).
    point_info, area_info : pandas.Series, optional
        Tooltip text by id (values with units).
    height_px : int
        Height of the chart (pass the same to ``st.pydeck_chart``), to fit the zoom.

    Returns
    -------
    pydeck.Deck
    """
    pts = points[points.geometry.notna()]
    size = pd.Series(point_size, dtype=float).reindex(pts.index).fillna(0.0).clip(lower=0.0)
    top = float(size.max()) if len(size) and size.max() > 0 else 1.0
    point_data = pd.DataFrame({
        "id": pts.index.astype(str),
        "name": pts["name"].astype(str).to_numpy(),
        "lon": pts.geometry.x.to_numpy(),
        "lat": pts.geometry.y.to_numpy(),
        "colour": point_scale.rgba(pd.Series(point_values).reindex(pts.index)),
        "radius": (2000.0 * np.sqrt(size / top)).to_numpy(),
        "info": ("" if point_info is None else pd.Series(point_info).reindex(pts.index)
                 .fillna("").astype(str).to_numpy()),
    })
    ars = areas[areas.geometry.notna()]
    colours = area_scale.rgba(pd.Series(area_values).reindex(ars.index))
    info = (pd.Series("", index=ars.index) if area_info is None
            else pd.Series(area_info).reindex(ars.index).fillna("").astype(str))
    rows = []
    for (aid, row), colour in zip(ars.iterrows(), colours):
        for rings in _rings(row.geometry):
            rows.append({"id": str(aid), "name": str(row["name"]), "polygon": rings,
                         "colour": [*colour[:3], 150], "info": info[aid]})
    area_data = pd.DataFrame(rows, columns=["id", "name", "polygon", "colour", "info"])
    bounds = np.vstack([b for b in (ars.total_bounds if len(ars) else None,
                                    pts.total_bounds if len(pts) else None) if b is not None]
                       or [np.array([102.6, 24.8, 102.9, 25.1])])
    view = _view_bounds((float(bounds[:, 0].min()), float(bounds[:, 1].min()),
                         float(bounds[:, 2].max()), float(bounds[:, 3].max())), height_px)
    layers = [
        pdk.Layer("PolygonLayer", area_data, get_polygon="polygon", get_fill_color="colour",
                  get_line_color=[60, 60, 60, 200], line_width_min_pixels=1, stroked=True,
                  pickable=True, id="areas"),
        pdk.Layer("ScatterplotLayer", point_data, get_position=["lon", "lat"],
                  get_fill_color="colour", get_radius="radius", radius_units=pdk.types.String("meters"),
                  radius_min_pixels=3, stroked=True, get_line_color=[30, 30, 30, 220],
                  line_width_min_pixels=1, pickable=True, id="points"),
    ]
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None,
                    tooltip={"html": "<b>{name}</b> ({id})<br/>{info}"})
