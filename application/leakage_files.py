"""Leakage files and plots: the L-Town example's tables and figure, a CJJ 92 assessment table.

Exports :func:`plot_monthly`, :func:`write_ltown_example` and :func:`write_assessment`.
Every file is written atomically (:mod:`application.writers`), so a reader never sees half a
file and a failed run leaves the old one. The numbers come from :mod:`planning.leakage`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from application.writers import save_figure, write_csv
from planning.leakage.cjj92 import GRADE_1_MAX_PCT, GRADE_2_MAX_PCT, Cjj92Result
from planning.leakage.ltown import LtownExample

__all__ = ["plot_monthly", "write_assessment", "write_ltown_example"]


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_csv(frame, path, index=True, float_format="%.6g")


def plot_monthly(example: LtownExample):
    """Monthly leakage (bars, stacked by area) and leakage rate (line), one figure.

    Parameters
    ----------
    example : LtownExample

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    monthly, zones = example.monthly, example.by_zone
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    x = range(len(monthly))
    bottom = [0.0] * len(monthly)
    for column in zones.columns:
        values = (zones[column] / 1000.0).tolist()
        ax.bar(x, values, bottom=bottom, label=f"area {column.removeprefix('leakage_m3_')}")
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("leakage (1000 m³ per month)")
    ax.set_xticks(list(x), [m[-2:] for m in monthly.index])
    ax.set_xlabel(f"month of {monthly.index[0][:4]}" if len(monthly) else "month")
    rate = ax.twinx()
    rate.plot(list(x), monthly["gross_loss_rate_pct"], color="black", marker="o",
              label="综合漏损率 R_WL (CJJ 92)")
    rate.set_ylabel("R_WL (%)")
    rate.set_ylim(bottom=0)
    for limit, style in ((GRADE_1_MAX_PCT, ":"), (GRADE_2_MAX_PCT, "--")):
        rate.axhline(limit, color="grey", linestyle=style, linewidth=0.8)
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize="small")
    ax.set_title("L-Town 2019 (BattLeDIM leaks): leakage by month "
                 "(dotted/dashed: 10 % / 12 % grade limits, for scale only)", fontsize="medium")
    return fig


def write_ltown_example(example: LtownExample, out_dir: str | os.PathLike) -> list[Path]:
    """Write ``ltown_monthly_leakage.csv``, ``ltown_leakage_by_area.csv`` and
    ``ltown_monthly_leakage.png`` to ``out_dir`` (created).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    written = [_csv(example.monthly, out / "ltown_monthly_leakage.csv"),
               _csv(example.by_zone, out / "ltown_leakage_by_area.csv")]
    fig = plot_monthly(example)
    try:
        written.append(save_figure(fig, out / "ltown_monthly_leakage.png"))
    finally:
        plt.close(fig)
    return written


def write_assessment(result: Cjj92Result, out_dir: str | os.PathLike,
                     name: str = "leakage_assessment.csv") -> list[Path]:
    """Write one CJJ 92 assessment as a two-column CSV (``item``, ``value``).

    Returns
    -------
    list of pathlib.Path
    """
    table = result.to_series().rename("value").rename_axis("item").to_frame()
    return [_csv(table, Path(out_dir) / name)]
