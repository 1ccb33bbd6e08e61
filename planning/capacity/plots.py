"""Trajectory and utilisation plots (matplotlib, Agg; no pyplot state).

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas, so they work in a
web app, a test or a headless CLI alike. Each figure's label (``fig.get_label()``) is a file
stem such as ``trajectory_reuse_rate``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .targets import INDICATORS, PLAN_2025, Target

__all__ = ["ILLUSTRATIVE_NOTE", "plot_trajectories", "plot_utilisation"]

#: Text stamped on every figure that shows an illustrative row.
ILLUSTRATIVE_NOTE = "Contains illustrative demo data - not official figures"

_SCOPE_COLOURS = {
    "city": "#1f4e79",
    "dianchi": "#2e8b57",
    "outside_dianchi": "#c0504d",
    "dianchi_anning": "#2e8b57",
    "outside": "#c0504d",
    "anning": "#8064a2",
}
_SCOPE_LABELS = {
    "city": "Kunming",
    "dianchi": "Dianchi basin",
    "outside_dianchi": "outside Dianchi (incl. Anning)",
    "dianchi_anning": "Dianchi basin + Anning",
    "outside": "outside Dianchi (excl. Anning)",
    "anning": "Anning",
}
_WARNING_COLOURS = {"overloaded": "#c0392b", "high": "#e69f00", "no capacity": "#7f7f7f",
                    "": "#4f81bd"}


def _scale(unit: str) -> tuple[float, str]:
    """Display factor and axis label for a unit."""
    if unit == "m3_per_d":
        return 1e-4, "10⁴ m³/d"
    if unit == "fraction":
        return 100.0, "%"
    return 1.0, unit


def _scope_label(scope: str) -> str:
    return _SCOPE_LABELS.get(scope, scope.replace("_", " "))


def _new_figure(label: str) -> Figure:
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    fig.get_layout_engine().set(rect=(0.0, 0.035, 1.0, 0.965))  # room for the footer
    FigureCanvasAgg(fig)
    fig.set_label(label)
    return fig


def _stamp(fig: Figure, illustrative: bool, note: str) -> None:
    text = "; ".join(t for t in (ILLUSTRATIVE_NOTE if illustrative else "", note) if t)
    if text:
        fig.text(0.01, 0.005, text, fontsize=7, color="#a33" if illustrative else "#555",
                 ha="left", va="bottom")


def plot_trajectories(
    indicators: pd.DataFrame,
    targets: Iterable[Target] = PLAN_2025,
    *,
    baseline: pd.DataFrame | None = None,
    reported: pd.DataFrame | None = None,
    as_of_year: int | None = None,
    note: str = "",
) -> list[Figure]:
    """One figure per targeted indicator: trajectory per scope with its target line.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Result of :func:`~planning.capacity.indicators` (the scenario shown solid).
    targets : iterable of Target
        Targets to draw; one figure per distinct indicator, one line per target scope.
    baseline : pandas.DataFrame, optional
        Indicators of a reference case (e.g. before a what-if), drawn dotted.
    reported : pandas.DataFrame, optional
        The registry's ``reported`` table; matching rows are drawn as crosses.
    as_of_year : int, optional
        Review year, drawn as a vertical line.
    note : str
        Extra text for the footer (e.g. the what-if name).

    Returns
    -------
    list of matplotlib.figure.Figure
        Labelled ``trajectory_<indicator>``.
    """
    by_indicator: dict[str, list[Target]] = {}
    for t in targets:
        by_indicator.setdefault(t.indicator, []).append(t)
    figures = []
    for name, ts in by_indicator.items():
        unit = ts[0].unit
        factor, unit_label = _scale(unit)
        fig = _new_figure(f"trajectory_{name}")
        ax = fig.add_subplot()
        illustrative = False
        for t in ts:
            colour = _SCOPE_COLOURS.get(t.scope, None)
            rows = indicators[(indicators["indicator"] == name) & (indicators["scope"] == t.scope)]
            rows = rows.sort_values("year")
            illustrative |= bool(rows["illustrative"].any())
            ax.plot(rows["year"], rows["value"] * factor, marker="o", ms=3, color=colour,
                    label=_scope_label(t.scope))
            if baseline is not None:
                base = baseline[(baseline["indicator"] == name) & (baseline["scope"] == t.scope)]
                base = base.sort_values("year")
                ax.plot(base["year"], base["value"] * factor, ls=":", color=colour,
                        label=f"{_scope_label(t.scope)} (baseline)")
            ax.axhline(t.value * factor, ls="--", lw=0.8, color=colour)
            ax.plot([t.year], [t.value * factor], marker="*", ms=11, color=colour,
                    label=f"target {t.year}: {t.value * factor:,.4g} {unit_label}")
        if reported is not None and len(reported):
            rep = reported[reported["indicator"] == name]
            for scope, group in rep.groupby("scope", sort=True):
                ax.plot(group["year"], group["value"] * factor, ls="", marker="x", ms=8,
                        color="black", label=f"reported ({_scope_label(str(scope))})")
                illustrative |= bool(group["illustrative"].any())
        if as_of_year is not None:
            ax.axvline(as_of_year, color="#888", lw=0.8)
            ax.text(as_of_year, 1.0, " review year", transform=ax.get_xaxis_transform(),
                    fontsize=7, color="#666", va="top")
        label = INDICATORS.get(name, ("", name))[1]
        ax.set_title(label)
        ax.set_xlabel("year (end of)")
        ax.set_ylabel(unit_label)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        _stamp(fig, illustrative, note)
        figures.append(fig)
    return figures


def plot_utilisation(
    flows: pd.DataFrame,
    year: int,
    *,
    high_utilisation: float = 0.85,
    note: str = "",
) -> Figure:
    """Bar chart of mean and peak utilisation of every plant in service in one year.

    Parameters
    ----------
    flows : pandas.DataFrame
        Result of :func:`~planning.capacity.plant_flows`.
    year : int
    high_utilisation : float
        Threshold line for the ``high`` warning (fraction).
    note : str
        Extra footer text.

    Returns
    -------
    matplotlib.figure.Figure
        Labelled ``utilisation_<year>``; illustrative plants are starred.
    """
    rows = flows[(flows["year"] == year) & (flows["capacity_m3_per_d"] > 0)]
    rows = rows.sort_values("utilisation_avg")
    fig = _new_figure(f"utilisation_{year}")
    fig.set_size_inches(7.5, max(3.0, 0.28 * len(rows) + 1.2))
    ax = fig.add_subplot()
    names = [f"{n}{' *' if ill else ''}" for n, ill in zip(rows["name"], rows["illustrative"])]
    y = np.arange(len(rows))
    ax.barh(y, rows["utilisation_peak"] * 100, color="#dddddd", label="peak flow / capacity")
    ax.barh(y, rows["utilisation_avg"] * 100, height=0.5,
            color=[_WARNING_COLOURS.get(w, "#4f81bd") for w in rows["warning"]],
            label="mean flow / capacity")
    ax.axvline(100, color="#c0392b", lw=0.8)
    ax.axvline(high_utilisation * 100, color="#e69f00", lw=0.8, ls="--")
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlabel("% of design capacity (red line: overload, dashed: high)")
    ax.set_title(f"Plant utilisation {year}")
    ax.legend(fontsize=7, loc="lower right")
    _stamp(fig, bool(rows["illustrative"].any()),
           "; ".join(t for t in ("* illustrative plant" if rows["illustrative"].any() else "",
                                 note) if t))
    return fig
