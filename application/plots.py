"""Plots of network runs for files (PNG), built on ``matplotlib.figure.Figure`` without pyplot.

Exports :func:`plot_pressure_map` and :func:`plot_min_pressure` (called by
:func:`application.network_run.write_network_run`), and the figure helpers every plot of the
application layer uses: :func:`new_figure` and :func:`finish_map`.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CJK_FONT_FAMILY = "Noto Sans SC"
"""Family of the shipped CJK font (Noto Sans SC, SIL OFL 1.1, from the
``pylopdf-fonts-zh-cn`` wheel): Chinese labels render with no system fonts installed."""


def register_cjk_font() -> str:
    """Add Noto Sans SC to matplotlib and put it first in the sans-serif list (idempotent).

    Returns
    -------
    str
        The font file registered.
    """
    from pylopdf_fonts_zh_cn import sans_path

    path = str(sans_path())
    if path not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    families = matplotlib.rcParams["font.sans-serif"]
    if CJK_FONT_FAMILY not in families:
        matplotlib.rcParams["font.sans-serif"] = [CJK_FONT_FAMILY, *families]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False  # the font has no U+2212
    return path


register_cjk_font()


def ensure_static_font(folder):
    """Copy the CJK font into ``folder`` (the app's ``static/``) unless it is there already.

    Streamlit serves ``static/`` when ``server.enableStaticServing`` is on; the theme in
    ``.streamlit/config.toml`` loads the font from there, so the browser needs no system
    font for Chinese. Returns the path of the copy.
    """
    import shutil
    from pathlib import Path

    from pylopdf_fonts_zh_cn import sans_path

    source = Path(sans_path())
    target = Path(folder) / source.name
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return target


def new_figure(figsize: tuple[float, float], label: str):
    """A figure with an Agg canvas (no pyplot) and its one axes: ``(fig, ax)``."""
    fig = Figure(figsize=figsize, label=label)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def finish_map(fig: Figure, ax, layer: gpd.GeoDataFrame, title: str) -> Figure:
    """Equal axes in the layer's metric CRS (labelled, no offset), the title, a tight layout."""
    ax.set_aspect("equal")
    ax.set_xlabel(f"easting (m, {layer.crs.to_string() if layer.crs else 'no CRS'})")
    ax.set_ylabel("northing (m)")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_pressure_map(layer: gpd.GeoDataFrame, column: str, service_pressure_m: float,
                      *, title: str = "") -> Figure:
    """Node points coloured by a pressure column (m), in the layer's metric CRS.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        From :func:`application.network_run.pressure_map_layer`.
    column : str
        Column to colour by, in m.
    service_pressure_m : float
        Threshold: junctions below it get a red ring.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_figure((7.5, 6.5), "pressure_map")
    xy = np.column_stack([layer.geometry.x, layer.geometry.y])
    values = layer[column].to_numpy(dtype=float)
    art = ax.scatter(xy[:, 0], xy[:, 1], c=values, s=10, cmap="viridis")
    low = (values < service_pressure_m) & (layer["node_type"] == "Junction").to_numpy()
    ax.scatter(xy[low, 0], xy[low, 1], s=40, facecolors="none", edgecolors="red", linewidths=0.8,
               label=f"below {service_pressure_m:g} m")
    fig.colorbar(art, ax=ax, label=f"{column.replace('_m', '').replace('_', ' ')} (m)")
    if low.any():
        ax.legend(loc="lower right", fontsize=8)
    return finish_map(fig, ax, layer, title)


def plot_min_pressure(result) -> Figure:
    """Lowest junction pressure (m) at each report time, with the service threshold.

    Parameters
    ----------
    result : application.NetworkRunResult

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_figure((7.5, 3.5), "min_pressure")
    junctions = result.nodes.index[result.nodes["node_type"] == "Junction"]
    lowest = result.pressure_m[junctions].min(axis=1)
    ax.plot(result.times_h, lowest.to_numpy(), lw=1.2, label="lowest junction pressure")
    ax.axhline(result.settings.min_pressure_m, color="red", lw=0.8, ls="--",
               label=f"service pressure {result.settings.min_pressure_m:.4g} m")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("pressure head (m)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
