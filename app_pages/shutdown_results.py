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
from app_pages.common import csv_button, document_buttons, geopackage_bytes, web_geometry
from application import PlannerError
from application.documents import emergency_supply_plan, shutdown_notice
from application.i18n import _, fmt_datetime
from application.register import (
    emergency_accounts,
    entry_from_plan,
    notice_by_account,
    open_register,
    register_path,
)
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
    return maps.ColourScale(_("Supply during the shutdown"), edges, STATUS_COLOURS,
                            tuple(_(n) for n in names))


def _headline(plan) -> None:
    job = plan.job
    what = _("works") if plan.planned else _("burst")
    best = plan.best_window
    if plan.impact is None or best is None:
        st.error(_("**{job_id}: no permitted start** for the {what} on pipe {pipe} in the search horizon (earliest permitted {earliest_permitted}).").format(job_id=job.job_id, what=what, pipe=job.pipe, earliest_permitted=fmt_datetime(plan.earliest_permitted)), icon=":material/event_busy:")
        return
    box = st.warning if (plan.emergency is not None and plan.emergency.required) \
        else st.success
    box(_("**{job}: {what} on pipe {pipe}, valves closed {start} → {end}**").format(
        job=job.job_id, what=what, pipe=job.pipe, start=fmt_datetime(best["start"]),
        end=fmt_datetime(best["end"])),
        icon=":material/event_available:")
    if not plan.impact.summary.get("hydraulics_reliable", True):
        st.error(_("The hydraulics under these figures are unreliable (a step did not converge, "
                   "or a node was better supplied with the shutdown than without): see the "
                   "checks and the hydraulics_reliable column."), icon=":material/warning:")


def _metrics(plan) -> None:
    s = plan.impact.summary
    cols = st.columns(5)
    cols[0].metric(_("Customers without water"), f"{int(s['customers_without_water']):,}",
                   help=_("Accounts that lose water because of the shutdown (more hours "
                   "without water than without it)"))
    cols[1].metric(_("Customers below {min_pressure_m:.4g} m").format(min_pressure_m=plan.policy.min_pressure_m),
                   f"{int(s['customers_below_min']):,}")
    cols[2].metric(_("Customer-hours without water"), f"{s['customer_hours_without_water']:,.0f}")
    cols[3].metric(_("Demand not served (m³)"), f"{s['demand_not_served_m3']:,.1f}")
    cols[4].metric(_("Valves to close"), f"{len(plan.valves_to_close)}")


def _valves(plan) -> None:
    st.subheader(_("Valves to close"))
    iso = plan.isolation
    st.caption(_("{v0} nodes and {v1} links are drained (segment of pipe {pipe}). Side 'link': the drained part is on the valve's pipe; 'node': on the node side.").format(v0=len(iso.nodes), v1=len(iso.links), pipe=iso.pipe))
    st.dataframe(plan.valves_to_close, width="stretch", column_config={
        "link": st.column_config.TextColumn(_("on pipe")),
        "node": st.column_config.TextColumn(_("at node")),
        "side": st.column_config.TextColumn(_("drained side")),
        "operable": st.column_config.CheckboxColumn(_("operable")),
        "synthetic": st.column_config.CheckboxColumn(_("synthetic (confirm on site)"))})
    if len(iso.inoperable_passed):
        st.warning(_("Inoperable valves passed: {v0} — {v1} more nodes are drained.").format(v0=', '.join(map(str, iso.inoperable_passed.index)), v1=len(iso.extra_nodes)),
                   icon=":material/warning:")


def _customers(opened, plan) -> None:
    st.subheader(_("Customers who lose water"))
    table = plan.impact_table
    st.caption(_("{v0} junctions affected; customers are accounts. Hours count the window only, with the shutdown and without it (baseline).").format(v0=len(table)))
    st.dataframe(table, width="stretch", height=260, column_config={
        "category": st.column_config.TextColumn(_("impact")),
        "customers": st.column_config.NumberColumn(_("customers (accounts)"), format="%d"),
        "hours_without_water": st.column_config.NumberColumn(_("without water (h)"),
                                                             format="%.2f"),
        "baseline_hours_without_water": st.column_config.NumberColumn(
            _("without water, baseline (h)"), format="%.2f"),
        "hours_below_min": st.column_config.NumberColumn(_("below minimum (h)"), format="%.2f"),
        "baseline_hours_below_min": st.column_config.NumberColumn(
            _("below minimum, baseline (h)"), format="%.2f"),
        "min_pressure_m": st.column_config.NumberColumn(_("lowest pressure (m)"), format="%.1f"),
        "demand_not_served_m3": st.column_config.NumberColumn(_("demand not served (m³)"),
                                                              format="%.2f")})
    layer = affected_layer(opened, plan)
    nodes, links, _attrs = web_geometry()
    scale = status_scale()
    hit = layer.index[layer["status_code"] > 0].astype(str).tolist()  # what the shutdown affects
    st.pydeck_chart(maps.network_map(nodes, links, layer["status_code"], scale,
                                     highlight_links=list(plan.isolation.links),
                                     height_px=460, focus_nodes=hit), height=460)
    maps.legend(scale)
    counts = layer["status"].value_counts()
    st.caption(_("Red, thick: drained pipes. Nodes: ") + ", ".join(
        f"{_(name)} {int(counts.get(name, 0))}" for name in sorted(STATUS_CODES,
                                                                 key=STATUS_CODES.get)))


def _window(plan) -> None:
    st.subheader(_("When it hurts least"))
    if not plan.planned:
        st.caption(_("A burst is isolated at once: no start is searched."))
        return
    windows = plan.windows
    permitted = windows[windows["permitted"]]
    nights = (_(", nights {start}–{end} h").format(start=plan.policy.night_start_h,
                                                   end=plan.policy.night_end_h)
              if plan.policy.night_only else "")
    st.caption(_("{n} candidate starts every {step:g} h; {permitted} permitted (notice {notice:g} h"
                 "{nights}). Ranked by customer-hours without water, then below the minimum, "
                 "then demand not served.").format(
        n=len(windows), step=plan.policy.start_step_h, permitted=len(permitted),
        notice=plan.policy.notice_h, nights=nights))
    if permitted.empty:
        return
    chart = pd.DataFrame({_("customer-hours without water"): permitted[
        "customer_hours_without_water"].to_numpy(dtype=float)},
        index=pd.Index(permitted.index, name=_("start")))
    st.bar_chart(chart, x_label=_("start of the shutdown (local time)"),
                 y_label=_("customer-hours without water"), height=240)
    shown = ["end", "customer_hours_without_water", "customer_hours_below_min",
             "demand_not_served_m3", "rank"]
    st.dataframe(permitted.sort_values("rank")[shown].head(10), width="stretch",
                 column_config={
                     "customer_hours_without_water": st.column_config.NumberColumn(
                         _("customer-hours without water"), format="%.0f"),
                     "customer_hours_below_min": st.column_config.NumberColumn(
                         _("customer-hours below minimum"), format="%.0f"),
                     "demand_not_served_m3": st.column_config.NumberColumn(
                         _("demand not served (m³)"), format="%.1f")})


def _notice(plan) -> None:
    st.subheader(_("Notice list"))
    notice = plan.notice_list
    if plan.planned:
        st.caption(_("Notify these customers at least {notice_h:g} h before the start (§14: web, SMS, community notice).").format(notice_h=plan.policy.notice_h))
    else:
        st.caption(_("Unplanned: notify these customers while repairing (§14)."))
    st.dataframe(notice, width="stretch", height=220, hide_index=True)
    csv_button(_("Notice list (CSV)"), notice, _("{v0}_notice.csv").format(v0=safe_name(plan.job.job_id)),
               key="sd_notice_csv")
    if plan.best_window is not None and plan.impact is not None:
        with st.expander(_("The notice as posted"), expanded=False):
            st.code(shutdown_notice(plan), language=None, wrap_lines=True)
            document_buttons(lambda lang: shutdown_notice(plan, lang=lang),
                             f"{safe_name(plan.job.job_id)}_notice", key="sd_notice_doc")


def _emergency(plan) -> None:
    st.subheader(_("Emergency water supply"))
    e = plan.emergency
    if e is not None and e.required:
        with st.expander(_("Emergency water supply plan (document)"), expanded=False):
            st.code(emergency_supply_plan(plan), language=None, wrap_lines=True)
            document_buttons(lambda lang: emergency_supply_plan(plan, lang=lang),
                             f"{safe_name(plan.job.job_id)}_emergency_plan", key="sd_plan_doc")
    if e is None or not e.required:
        st.caption(_("Not required: {reason} (§14: required beyond {after:g} h).").format(
            reason=e.reason if e is not None else _("no permitted start"),
            after=plan.policy.emergency.after_h))
        return
    st.warning(_("**Required**: {reason}. {persons:,.0f} persons, {volume:,.1f} m³/d "
                 "({outage_volume:,.1f} m³ over the outage), {trips} tanker trips a day "
                 "({trips_total} in all), {taps} standpipe taps; draw {draw:.2f} L/s from "
                 "{points}").format(reason=e.reason, persons=e.persons,
                                    volume=e.daily_volume_m3, outage_volume=e.outage_volume_m3,
                                    trips=e.tanker_trips_per_day,
                                    trips_total=e.tanker_trips_total,
                                    taps=e.standpipe_taps, draw=e.draw_rate_m3s * 1e3,
                                    points=", ".join(e.points) or _("no point"))
               + ("" if e.points_ok
                  else _(" (the points cannot keep the minimum pressure)")),
               icon=":material/local_shipping:")
    st.markdown(_("**Hours without water per account group**"))
    st.dataframe(e.groups, width="stretch", height=200, hide_index=True)
    st.caption(_("Assumptions: {assumptions}.").format(assumptions="; ".join(e.assumptions)))
    cand = e.candidates.assign(max_draw_l_s=e.candidates["max_draw_m3s"] * 1e3) \
        .drop(columns="max_draw_m3s")
    st.dataframe(cand, width="stretch", height=200, column_config={
        "pressure_m": st.column_config.NumberColumn(_("pressure (m)"), format="%.1f"),
        "max_draw_l_s": st.column_config.NumberColumn(_("largest draw (L/s)"), format="%.2f"),
        "pressure_at_need_m": st.column_config.NumberColumn(_("pressure drawing the need (m)"),
                                                            format="%.1f")})


def _downloads(opened, plan) -> None:
    name = safe_name(plan.job.job_id)
    cols = st.columns(3)
    with cols[0]:
        csv_button(_("Valves to close (CSV)"), plan.valves_to_close, _("{name}_valves.csv").format(name=name),
                   key="sd_valves_csv", index=True)
    with cols[1]:
        csv_button(_("Affected customers (CSV)"), plan.impact_table, _("{name}_customers.csv").format(name=name),
                   key="sd_customers_csv", index=True)
    with cols[2]:
        st.download_button(
            _("Network + shutdown layers (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"affected": affected_layer(opened, plan),
                                              "isolated": isolated_links_layer(opened, plan),
                                              "valves_to_close": valves_layer(opened, plan)}),
            file_name=f"{name}_shutdown.gpkg", mime="application/geopackage+sqlite3",
            key="sd_gpkg", icon=":material/download:")


def _notice_accounts(plan, accounts) -> None:
    table = notice_by_account(plan, accounts)
    if table is None:
        st.caption(_("No account table: the list names junctions and estimated account "
                     "counts. Upload the billing system's accounts to name customers."))
        return
    n_sens = int(table["sensitive"].sum())
    st.markdown("**" + _("Notice list by account") + "**")
    st.caption(_("{n} accounts to notify, {s} sensitive (hospitals, schools, dialysis "
                 "patients) listed first.").format(n=len(table), s=n_sens))
    st.dataframe(table, width="stretch", height=260, hide_index=True, column_config={
        "sensitive": st.column_config.CheckboxColumn(_("sensitive"))})
    csv_button(_("Notice list by account (CSV)"), table,
               _("{v0}_notice_accounts.csv").format(v0=safe_name(plan.job.job_id)),
               key="sd_notice_acc_csv")


def _emergency_accounts(plan, accounts) -> None:
    table = emergency_accounts(plan, accounts)
    if table is None:
        return
    st.markdown("**" + _("Accounts to supply (sensitive first)") + "**")
    st.dataframe(table, width="stretch", height=220, hide_index=True)
    csv_button(_("Emergency supply accounts (CSV)"), table,
               _("{v0}_emergency_accounts.csv").format(v0=safe_name(plan.job.job_id)),
               key="sd_emerg_acc_csv")


def _when(text: str, field: str):
    from datetime import datetime

    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise PlannerError(_("{field}: {text!r} is not a date and time "
                             "(YYYY-MM-DDThh:mm)").format(field=field, text=text)) from None


def _record(plan) -> None:
    """Record the plan in the outage register (approval, notice, actual times)."""
    st.subheader(_("Record in the outage register"))
    s = plan.impact.summary
    fmt = "%Y-%m-%dT%H:%M"
    with st.form(key="sd_record"):
        cols = st.columns(3)
        who = cols[0].text_input(_("Recorded by"), key="sd_rec_by")
        ref = cols[1].text_input(_("Approval reference"), key="sd_rec_ref",
                                 disabled=not plan.planned)
        area = cols[2].text_input(_("Area (street, district)"), key="sd_rec_area")
        cols = st.columns(3)
        notice = cols[0].text_input(_("Notice issued at"), key="sd_rec_notice",
                                    value=plan.now.strftime(fmt) if plan.planned else "")
        start = cols[1].text_input(_("Actual start"), key="sd_rec_start",
                                   value=s["start"].strftime(fmt))
        end = cols[2].text_input(_("Actual end (empty: not yet restored)"), key="sd_rec_end",
                                 value=s["end"].strftime(fmt))
        emergency = st.checkbox(_("Emergency supply given"), key="sd_rec_emerg",
                                value=bool(plan.emergency is not None
                                           and plan.emergency.required))
        done = st.form_submit_button(_("Record the outage"), icon=":material/save:")
    if done:
        try:
            entry = entry_from_plan(
                plan, approval_ref=ref if plan.planned else "",
                notice_issued=_when(notice, _("Notice issued at")),
                actual_start=_when(start, _("Actual start")),
                actual_end=_when(end, _("Actual end")), emergency_supply=emergency,
                area=area)
            with open_register() as reg:
                oid = reg.record(entry, by=who)
        except (PlannerError, ValueError) as exc:
            st.error(_("Not recorded: {problem}").format(problem=exc), icon=":material/error:")
            return
        st.success(_("Recorded as outage {id} in {file}.").format(id=oid,
                                                                  file=register_path().name),
                   icon=":material/task_alt:")


def show(opened, plan, accounts=None) -> None:
    """Draw one plan: headline, checks, valves, customers and map, window, notice list,
    emergency supply and downloads.

    Parameters
    ----------
    opened : application.OpenedNetwork
        The network the plan was made on (the session's).
    plan : planning.shutdowns.JobPlan
    accounts : planning.shutdowns.PlacedAccounts, optional
        The billing accounts placed on the network: notices and emergency lists by account.
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
        columns={"customers_without_water": _("without water (accounts)"),
                 "customers_below_min": _("below minimum (accounts)")}),
        x_label=_("hour (local time)"), y_label=_("customers (accounts)"), height=220)
    st.caption(_("By hour of the window, with the shutdown: the most accounts at any time in "
               "the hour, including any without water or below the minimum anyway."))
    _notice(plan)
    _notice_accounts(plan, accounts)
    _emergency(plan)
    _emergency_accounts(plan, accounts)
    _downloads(opened, plan)
    _record(plan)
