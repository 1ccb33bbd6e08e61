"""Plots of connection, leakage and shutdown studies for files (PNG), without pyplot.

Exports :func:`plot_node_values` (a node map coloured by one column),
:func:`plot_customer_pressure` (one application's pressure through the day),
:func:`plot_zone_leakage` (leakage and rates per zone), :func:`plot_prv_sweep` and
:func:`plot_node_categories` (a node map coloured by a category, e.g. supply in a shutdown).
Called by :mod:`application.connection_study`, :mod:`application.leakage_study` and
:mod:`application.shutdown_study`; figures
are ``matplotlib.figure.Figure`` objects saved with ``application.writers.save_figure``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure

from application.plots import finish_map, new_figure


def _map_figure(layer: gpd.GeoDataFrame, column: str):
    """A map-sized figure, its axes and the (n, 2) point coordinates of ``layer``."""
    fig, ax = new_figure((7.5, 6.5), column)
    return fig, ax, np.column_stack([layer.geometry.x, layer.geometry.y])


def plot_node_values(layer: gpd.GeoDataFrame, column: str, *, label: str, title: str = "",
                     diverging: bool = False, marked: pd.Series | None = None,
                     marked_label: str = "") -> Figure:
    """Node points coloured by ``column``, in the layer's metric CRS.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Point layer (e.g. from ``gis.pressure_layer``); NaN values are drawn grey.
    column : str
        Column to colour by.
    label : str
        Colour-bar label, with the unit.
    title : str, optional
    diverging : bool
        Centre the colours on 0 (red below, blue above), e.g. for a pressure change.
    marked : pandas.Series of bool, optional
        Points to ring in black (same index as ``layer``).
    marked_label : str
        Legend entry of the ringed points.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, xy = _map_figure(layer, column)
    values = layer[column].to_numpy(dtype=float)
    missing = np.isnan(values)
    ax.scatter(xy[missing, 0], xy[missing, 1], s=6, color="0.75")
    kw = {"cmap": "RdBu", "norm": CenteredNorm()} if diverging else {"cmap": "viridis"}
    art = ax.scatter(xy[~missing, 0], xy[~missing, 1], c=values[~missing], s=10, **kw)
    fig.colorbar(art, ax=ax, label=label)
    if marked is not None and bool(marked.any()):
        ring = marked.reindex(layer.index, fill_value=False).to_numpy(dtype=bool)
        ax.scatter(xy[ring, 0], xy[ring, 1], s=60, facecolors="none", edgecolors="black",
                   linewidths=1.0, label=marked_label)
        ax.legend(loc="lower right", fontsize=8)
    return finish_map(fig, ax, layer, title)


def plot_customer_pressure(assessment) -> Figure:
    """Pressure at the customer through the day against its required head.

    Parameters
    ----------
    assessment : planning.connections.Assessment

    Returns
    -------
    matplotlib.figure.Figure
        Customer pressure (with the connection), required head, and the tap's pressure
        without and with the connection, against hours from the start of the run.
    """
    ts = assessment.pressure_timeseries
    hours = np.asarray(ts.index, dtype=float) / 3600.0
    fig, ax = new_figure((7.5, 3.8), "customer_pressure")
    ax.plot(hours, ts["customer_pressure_m"], lw=1.6, label="customer (with the connection)")
    ax.plot(hours, ts["tap_pressure_base_m"], lw=0.9, ls=":", color="0.35",
            label="tap, without the connection")
    ax.plot(hours, ts["tap_pressure_new_m"], lw=0.9, ls="--", color="0.35",
            label="tap, with the connection")
    ax.axhline(assessment.required_head_m, color="red", lw=0.9,
               label=f"required head {assessment.required_head_m:g} m")
    ax.set_xlabel("time from the start of the run (h)")
    ax.set_ylabel("pressure head (m)")
    app = assessment.application
    ax.set_title(f"{app.application_id}: {assessment.verdict}", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def plot_zone_leakage(table: pd.DataFrame) -> Figure:
    """Leakage per zone (bars, m³/d) and the zone's gross and assessed rates (points, %).

    Parameters
    ----------
    table : pandas.DataFrame
        Index zone labels (the network row is left out when others exist); columns
        ``leakage_m3_per_d``, ``gross_loss_rate_pct``, ``assessed_rate_pct``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from planning.leakage import GRADE_1_MAX_PCT, GRADE_2_MAX_PCT, NETWORK

    zones = table.drop(index=NETWORK) if len(table) > 1 and NETWORK in table.index else table
    fig, ax = new_figure((7.5, 4.0), "zone_leakage")
    x = np.arange(len(zones))
    ax.bar(x, zones["leakage_m3_per_d"].to_numpy(dtype=float), color="#3b528b",
           label="leakage (m³/d)")
    ax.set_xticks(x, [str(z) for z in zones.index], rotation=0)
    ax.set_ylabel("leakage (m³/d)")
    rate = ax.twinx()
    rate.plot(x, zones["gross_loss_rate_pct"].to_numpy(dtype=float), "o", color="black",
              label="gross loss rate R_WL (%)")
    rate.plot(x, zones["assessed_rate_pct"].to_numpy(dtype=float), "s", color="#d7301f",
              label="assessed rate R_BL (%)")
    for limit, style in ((GRADE_1_MAX_PCT, ":"), (GRADE_2_MAX_PCT, "--")):
        rate.axhline(limit, color="grey", ls=style, lw=0.8)
    rate.set_ylabel("rate (%)")
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=8, loc="upper right")
    ax.set_title("Leakage per zone (dotted / dashed: CJJ 92 grade 1 / 2 limits)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_prv_sweep(table: pd.DataFrame, valves: list[str]) -> Figure:
    """Leakage saved and pressure compliance against the PRV setting of a sweep.

    Parameters
    ----------
    table : pandas.DataFrame
        ``SweepResult.table`` of :func:`planning.leakage.sweep_prv` (row ``base`` first).
    valves : list of str
        The swept valves (their setting column is the x axis).

    Returns
    -------
    matplotlib.figure.Figure
    """
    cases = table.drop(index="base")
    x = cases[valves[0]].to_numpy(dtype=float)
    fig, ax = new_figure((7.5, 3.8), "prv_sweep")
    ax.plot(x, cases["leakage_saved_m3_per_d"].to_numpy(dtype=float), "o-",
            label="leakage saved (m³/d)")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel(f"PRV setting of {', '.join(valves)} (m)")
    ax.set_ylabel("leakage saved (m³/d)")
    share = ax.twinx()
    share.plot(x, cases["compliance_pct"].to_numpy(dtype=float), "s--", color="#d7301f",
               label="pressure compliance (%)")
    share.set_ylabel("compliance (%)")
    handles = ax.get_legend_handles_labels()
    more = share.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=8, loc="best")
    fig.tight_layout()
    return fig


CATEGORY_COLOURS = ("#9e9e9e", "#fdae61", "#d7301f", "#7a0177", "#2c0a3a")
"""Colours of ordered categories, least harm first (grey, then warmer and darker)."""


def plot_node_categories(layer: gpd.GeoDataFrame, column: str, order: dict, *,
                         title: str = "") -> Figure:
    """Node points coloured by a category, with a legend giving each category's count.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Point layer in a metric CRS (e.g. ``shutdown_study.affected_layer``).
    column : str
        Column holding the category of each point.
    order : dict
        Category -> rank, least harm first (e.g. ``shutdown_study.STATUS_CODES``); at most
        five categories; others are drawn as the first.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, xy = _map_figure(layer, column)
    values = layer[column].astype(str)
    for name, rank in sorted(order.items(), key=lambda kv: kv[1]):
        sel = (values == name).to_numpy()
        if not sel.any():
            continue
        ax.scatter(xy[sel, 0], xy[sel, 1], s=6 if rank == 0 else 16,
                   color=CATEGORY_COLOURS[min(int(rank), len(CATEGORY_COLOURS) - 1)],
                   label=f"{name} ({int(sel.sum())} nodes)", zorder=2 + rank)
    ax.legend(loc="lower right", fontsize=8)
    return finish_map(fig, ax, layer, title)
