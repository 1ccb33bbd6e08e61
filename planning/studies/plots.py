"""Plots of network runs for files (PNG), built on ``matplotlib.figure.Figure`` without pyplot.

Exports :func:`plot_pressure_map` and :func:`plot_min_pressure`; called by
:func:`planning.studies.network_run.write_network_run`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_pressure_map(layer: gpd.GeoDataFrame, column: str, service_pressure_m: float,
                      *, title: str = "") -> Figure:
    """Node points coloured by a pressure column (m), in the layer's metric CRS.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        From :func:`planning.studies.network_run.pressure_map_layer`.
    column : str
        Column to colour by, in m.
    service_pressure_m : float
        Threshold: junctions below it get a red ring.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(7.5, 6.5), label="pressure_map")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xy = np.column_stack([layer.geometry.x, layer.geometry.y])
    values = layer[column].to_numpy(dtype=float)
    art = ax.scatter(xy[:, 0], xy[:, 1], c=values, s=10, cmap="viridis")
    low = (values < service_pressure_m) & (layer["node_type"] == "Junction").to_numpy()
    ax.scatter(xy[low, 0], xy[low, 1], s=40, facecolors="none", edgecolors="red", linewidths=0.8,
               label=f"below {service_pressure_m:g} m")
    fig.colorbar(art, ax=ax, label=f"{column.replace('_m', '').replace('_', ' ')} (m)")
    ax.set_aspect("equal")
    ax.set_xlabel(f"easting (m, {layer.crs.to_string() if layer.crs else 'no CRS'})")
    ax.set_ylabel("northing (m)")
    ax.ticklabel_format(useOffset=False, style="plain")
    if low.any():
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_min_pressure(result) -> Figure:
    """Lowest junction pressure (m) at each report time, with the service threshold.

    Parameters
    ----------
    result : planning.studies.NetworkRunResult

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(7.5, 3.5), label="min_pressure")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
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
