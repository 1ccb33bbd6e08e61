"""What the Shutdowns page shows for one plan: valves, customers without water, the window,
the notice list and emergency supply.

Exports :func:`show` (draw a ``planning.shutdowns.JobPlan``) and :func:`status_scale` (the
map colours of the node categories). Every number comes from the plan
(:mod:`planning.shutdowns` through :mod:`application.shutdown_study`); this module only
lays it out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import maps
from app_pages.common import csv_button, geopackage_bytes, web_geometry
from application.shutdown_study import (
    STATUS_CODES,
    affected_layer,
    isolated_links_layer,
    safe_name,
    valves_layer,
)

STATUS_COLOURS = ((160, 160, 160), (253, 174, 97), (215, 48, 39), (122, 1, 119), (45, 10, 58))
"""Colours of :data:`application.shutdown_study.STATUS_CODES`, least harm first."""


def status_scale() -> maps.ColourScale:
    """Colours of the node categories during a shutdown (codes of ``STATUS_CODES``)."""
    names = sorted(STATUS_CODES, key=STATUS_CODES.get)
    edges = tuple(code + 0.5 for code in sorted(STATUS_CODES.values())[:-1])
    return maps.ColourScale("Supply during the shutdown", edges, STATUS_COLOURS,
                            tuple(names))


def _headline(plan) -> None:
    job = plan.job
    what = "works" if plan.planned else "burst"
    best = plan.best_window
    if plan.impact is None or best is None:
        st.error(f"**{job.job_id}: no permitted start** for the {what} on pipe {job.pipe} in "
                 f"the search horizon (earliest permitted "
                 f"{plan.earliest_permitted:%Y-%m-%d %H:%M}).", icon=":material/event_busy:")
        return
    box = st.warning if (plan.emergency is not None and plan.emergency.required) \
        else st.success
    box(f"**{job.job_id}: {what} on pipe {job.pipe}, valves closed "
        f"{best['start']:%Y-%m-%d %H:%M} → {best['end']:%Y-%m-%d %H:%M}**",
        icon=":material/event_available:")
    if not plan.impact.summary.get("hydraulics_reliable", True):
        st.error("The hydraulics under these figures are unreliable (a step did not converge, "
                 "or a node was better supplied with the shutdown than without): see the "
                 "checks and the hydraulics_reliable column.", icon=":material/warning:")


def _metrics(plan) -> None:
    s = plan.impact.summary
    cols = st.columns(5)
    cols[0].metric("Customers without water", f"{int(s['customers_without_water']):,}",
                   help="Accounts that lose water because of the shutdown (more hours "
                   "without water than without it)")
    cols[1].metric(f"Customers below {plan.policy.min_pressure_m:.4g} m",
                   f"{int(s['customers_below_min']):,}")
    cols[2].metric("Customer-hours without water", f"{s['customer_hours_without_water']:,.0f}")
    cols[3].metric("Demand not served (m³)", f"{s['demand_not_served_m3']:,.1f}")
    cols[4].metric("Valves to close", f"{len(plan.valves_to_close)}")


def _valves(plan) -> None:
    st.subheader("Valves to close")
    iso = plan.isolation
    st.caption(f"{len(iso.nodes)} nodes and {len(iso.links)} links are drained (segment of "
               f"pipe {iso.pipe}). Side 'link': the drained part is on the valve's pipe; "
               "'node': on the node side.")
    st.dataframe(plan.valves_to_close, width="stretch", column_config={
        "link": st.column_config.TextColumn("on pipe"),
        "node": st.column_config.TextColumn("at node"),
        "side": st.column_config.TextColumn("drained side"),
        "operable": st.column_config.CheckboxColumn("operable"),
        "synthetic": st.column_config.CheckboxColumn("synthetic (confirm on site)")})
    if len(iso.inoperable_passed):
        st.warning(f"Inoperable valves passed: {', '.join(map(str, iso.inoperable_passed.index))}"
                   f" — {len(iso.extra_nodes)} more nodes are drained.",
                   icon=":material/warning:")


def _customers(opened, plan) -> None:
    st.subheader("Customers who lose water")
    table = plan.impact_table
    st.caption(f"{len(table)} junctions affected; customers are accounts. Hours count the "
               "window only, with the shutdown and without it (baseline).")
    st.dataframe(table, width="stretch", height=260, column_config={
        "category": st.column_config.TextColumn("impact"),
        "customers": st.column_config.NumberColumn("customers (accounts)", format="%d"),
        "hours_without_water": st.column_config.NumberColumn("without water (h)",
                                                             format="%.2f"),
        "baseline_hours_without_water": st.column_config.NumberColumn(
            "without water, baseline (h)", format="%.2f"),
        "hours_below_min": st.column_config.NumberColumn("below minimum (h)", format="%.2f"),
        "baseline_hours_below_min": st.column_config.NumberColumn(
            "below minimum, baseline (h)", format="%.2f"),
        "min_pressure_m": st.column_config.NumberColumn("lowest pressure (m)", format="%.1f"),
        "demand_not_served_m3": st.column_config.NumberColumn("demand not served (m³)",
                                                              format="%.2f")})
    layer = affected_layer(opened, plan)
    nodes, links, _ = web_geometry()
    scale = status_scale()
    st.pydeck_chart(maps.network_map(nodes, links, layer["status_code"], scale,
                                     highlight_links=list(plan.isolation.links),
                                     height_px=460), height=460)
    maps.legend(scale)
    counts = layer["status"].value_counts()
    st.caption("Red, thick: drained pipes. Nodes: " + ", ".join(
        f"{name} {int(counts.get(name, 0))}" for name in sorted(STATUS_CODES,
                                                                 key=STATUS_CODES.get)))


def _window(plan) -> None:
    st.subheader("When it hurts least")
    if not plan.planned:
        st.caption("A burst is isolated at once: no start is searched.")
        return
    windows = plan.windows
    permitted = windows[windows["permitted"]]
    st.caption(f"{len(windows)} candidate starts every {plan.policy.start_step_h:g} h; "
               f"{len(permitted)} permitted (notice {plan.policy.notice_h:g} h"
               + (f", nights {plan.policy.night_start_h}–{plan.policy.night_end_h} h"
                  if plan.policy.night_only else "") + "). Ranked by customer-hours "
               "without water, then below the minimum, then demand not served.")
    if permitted.empty:
        return
    chart = pd.DataFrame({"customer-hours without water": permitted[
        "customer_hours_without_water"].to_numpy(dtype=float)},
        index=pd.Index(permitted.index, name="start"))
    st.bar_chart(chart, x_label="start of the shutdown (local time)",
                 y_label="customer-hours without water", height=240)
    shown = ["end", "customer_hours_without_water", "customer_hours_below_min",
             "demand_not_served_m3", "rank"]
    st.dataframe(permitted.sort_values("rank")[shown].head(10), width="stretch",
                 column_config={
                     "customer_hours_without_water": st.column_config.NumberColumn(
                         "customer-hours without water", format="%.0f"),
                     "customer_hours_below_min": st.column_config.NumberColumn(
                         "customer-hours below minimum", format="%.0f"),
                     "demand_not_served_m3": st.column_config.NumberColumn(
                         "demand not served (m³)", format="%.1f")})


def _notice(plan) -> None:
    st.subheader("Notice list")
    notice = plan.notice_list
    if plan.planned:
        st.caption(f"Notify these customers at least {plan.policy.notice_h:g} h before the "
                   "start (§14: web, SMS, community notice).")
    else:
        st.caption("Unplanned: notify these customers while repairing (§14).")
    st.dataframe(notice, width="stretch", height=220, hide_index=True)
    csv_button("Notice list (CSV)", notice, f"{safe_name(plan.job.job_id)}_notice.csv",
               key="sd_notice_csv")


def _emergency(plan) -> None:
    st.subheader("Emergency water supply")
    e = plan.emergency
    if e is None or not e.required:
        st.caption("Not required: " + (e.reason if e is not None else "no permitted start")
                   + f" (§14: required beyond {plan.policy.emergency.after_h:g} h).")
        return
    st.warning(f"**Required**: {e.reason}. {e.persons:,.0f} persons, "
               f"{e.daily_volume_m3:,.1f} m³/d ({e.outage_volume_m3:,.1f} m³ over the outage), "
               f"{e.tanker_trips_per_day} tanker trips a day ({e.tanker_trips_total} in all), "
               f"{e.standpipe_taps} standpipe taps; draw {e.draw_rate_m3s * 1e3:.2f} L/s from "
               f"{', '.join(e.points) or 'no point'}"
               + ("" if e.points_ok else " (the points cannot keep the minimum pressure)"),
               icon=":material/local_shipping:")
    st.markdown("**Hours without water per account group**")
    st.dataframe(e.groups, width="stretch", height=200, hide_index=True)
    st.caption("Assumptions: " + "; ".join(e.assumptions) + ".")
    cand = e.candidates.assign(max_draw_l_s=e.candidates["max_draw_m3s"] * 1e3) \
        .drop(columns="max_draw_m3s")
    st.dataframe(cand, width="stretch", height=200, column_config={
        "pressure_m": st.column_config.NumberColumn("pressure (m)", format="%.1f"),
        "max_draw_l_s": st.column_config.NumberColumn("largest draw (L/s)", format="%.2f"),
        "pressure_at_need_m": st.column_config.NumberColumn("pressure drawing the need (m)",
                                                            format="%.1f")})


def _downloads(opened, plan) -> None:
    name = safe_name(plan.job.job_id)
    cols = st.columns(3)
    with cols[0]:
        csv_button("Valves to close (CSV)", plan.valves_to_close, f"{name}_valves.csv",
                   key="sd_valves_csv", index=True)
    with cols[1]:
        csv_button("Affected customers (CSV)", plan.impact_table, f"{name}_customers.csv",
                   key="sd_customers_csv", index=True)
    with cols[2]:
        st.download_button(
            "Network + shutdown layers (GeoPackage)",
            lambda: geopackage_bytes(opened, {"affected": affected_layer(opened, plan),
                                              "isolated": isolated_links_layer(opened, plan),
                                              "valves_to_close": valves_layer(opened, plan)}),
            file_name=f"{name}_shutdown.gpkg", mime="application/geopackage+sqlite3",
            key="sd_gpkg", icon=":material/download:")


def show(opened, plan) -> None:
    """Draw one plan: headline, checks, valves, customers and map, window, notice list,
    emergency supply and downloads.

    Parameters
    ----------
    opened : application.OpenedNetwork
        The network the plan was made on (the session's).
    plan : planning.shutdowns.JobPlan
    """
    _headline(plan)
    for line in plan.checks:
        st.markdown(f"- {line}")
    if plan.impact is None:
        return
    _metrics(plan)
    _valves(plan)
    _customers(opened, plan)
    _window(plan)
    hourly = plan.impact.hourly
    st.line_chart(hourly[["customers_without_water", "customers_below_min"]].rename(
        columns={"customers_without_water": "without water (accounts)",
                 "customers_below_min": "below minimum (accounts)"}),
        x_label="hour (local time)", y_label="customers (accounts)", height=220)
    st.caption("By hour of the window, with the shutdown: the most accounts at any time in "
               "the hour, including any without water or below the minimum anyway.")
    _notice(plan)
    _emergency(plan)
    _downloads(opened, plan)
