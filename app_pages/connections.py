"""Connections page: one new service application at a time (§1, §2, §11, §12).

The form holds one application (the one picked from the loaded study); "Assess" runs
:mod:`planning.connections` through :mod:`application.connection_study` (a 24-hour
pressure-driven run with and without it) and shows the verdict, the reply text, the
customer's pressure through the day, the neighbours it affects and a map of the pressure
change. The spare-capacity map and the ledger of the study have their own sections.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

import gis
from app_pages import maps
from app_pages.common import (
    companions,
    csv_button,
    current_network,
    current_source,
    document_buttons,
    geopackage_bytes,
    network_keys,
    source_of_study,
    use_source,
    web_geometry,
)
from app_pages.connection_ledger import ledger_panel
from app_pages.study_files import study_box
from application import (
    SERVICE_PRESSURE_M,
    PlannerError,
    ScenarioFileError,
    Study,
    build_study,
    studies_dir,
    study_file_name,
)
from application.connection_study import (
    CUSTOMER_CLASSES,
    STANDARD_METER_DN,
    Ledger,
    affected_neighbours,
    applications_layer,
    assess_item,
    connection_study,
    load_holidays,
    open_ledger,
    policy_of,
    pressure_change_layer,
    spare_capacity_layer,
)
from application.documents import connection_reply
from application.i18n import N_, _

state = st.session_state
POLICY = {  # key: (label with unit, help, default)
    "min_pressure_m": (_("Network minimum pressure (m)"),
                       _("0.14 MPa = 14.28 m at network extremities (CJ/T 316-2009; medium-high "
                       "confidence): a connection fails if it pushes a customer below it."),
                       SERVICE_PRESSURE_M),
    "free_external_line_max_m": (_("Free external line up to (m)"),
                                 _("§12: free when the meter is DN40 or smaller and the external "
                                 "line is within X m. The plan text lost X: an assumption."), None),
    "days_350_without_external_line": (_("'350' service without external line (working days)"),
                                       _("N is missing in the plan text: set it."), None),
    "days_350_with_external_line": (_("'350' service with external line (working days)"),
                                    _("M is missing in the plan text: set it."), None),
}
VERDICT_BOX = {  # verdicts as planning names them; shown through _()
    N_("pass"): st.success, N_("pass with conditions"): st.warning, N_("fail"): st.error}


@st.cache_resource(max_entries=4, show_spinner=False)
def _ledger(path: str) -> Ledger:
    return Ledger(path)


@st.cache_resource(max_entries=8, show_spinner=False)
def _study(key: tuple, ledger_path: str | None, policy_json: str, _opened):
    ledger = _ledger(ledger_path) if ledger_path else None
    return connection_study(_opened, policy_of(json.loads(policy_json)), ledger)


@st.cache_data(max_entries=32, show_spinner=False)
def _assess(key: tuple, ledger_path: str | None, revision: int, policy_json: str,
            item_json: str, index: int, _opened):
    return assess_item(_study(key, ledger_path, policy_json, _opened), json.loads(item_json),
                       source="<inputs>", index=index)


@st.cache_data(max_entries=8, show_spinner=False)
def _capacity(key: tuple, ledger_path: str | None, revision: int, policy_json: str, _opened):
    return _study(key, ledger_path, policy_json, _opened).spare_capacity_map()


def _default_body(junctions: list[str]) -> dict:
    return {"applications": [{
        "application_id": "A-NEW", "customer_class": "commercial", "node": junctions[0],
        "demand_l_s": 1.0, "meter_dn": 25, "storeys": 2, "low_risk": False,
        "reserved_tap": False, "front_loaded": False}], "policy": {}}


def _on_load(study: Study) -> None:
    """Open the study's network and ledger (raises if bad), then set the inputs."""
    source = source_of_study(study)
    ledger = open_ledger(study)
    if source is not None:
        use_source(source)
    state["con_body"] = dict(study.body)
    if study.body.get("holidays"):
        state["con_body"]["holidays"] = str(study.resolve(study.body["holidays"]))
    state["con_ledger"] = ledger.path if ledger is not None else None
    state["con_name"] = study.name or _("Applications")
    state["con_ver"] = state.get("con_ver", 0) + 1
    state["con_pick"] = 0
    state.pop("con_run", None)


def _form(item: dict, policy: dict, junctions: list[str], crs: str, suffix: str):
    """The application form; returns (application item, policy) as plain data."""
    k = f"_{suffix}"
    c1, c2, c3 = st.columns(3)
    out = {"application_id": c1.text_input(_("Application id"), item.get("application_id", ""),
                                           key="con_id" + k),
           "applicant": c2.text_input(_("Applicant"), item.get("applicant", ""),
                                      key="con_applicant" + k)}
    classes = list(CUSTOMER_CLASSES)
    out["customer_class"] = c3.selectbox(
        _("Customer class"), classes, format_func=_, index=classes.index(item.get("customer_class", "commercial")),
        key="con_class" + k, help=_("Sets the daily pattern; commercial and industrial are "
        "business users ('350' service)"))
    clicked = state.get("con_clicked")  # (suffix, junction) placed by a click on the map
    if clicked and clicked[0] == suffix:
        item = {**item, "node": clicked[1], "x_m": None, "y_m": None}
        k = f"{k}_c{state.get('con_clicks', 0)}"  # fresh widgets showing the clicked junction
    c1, c2, c3 = st.columns(3)
    by_xy = c1.radio(_("Location"), [N_("Junction"), N_("Map position (x, y)")], format_func=_,
                     index=1 if item.get("x_m") is not None else 0, key="con_where" + k,
                     horizontal=True) != "Junction"
    if by_xy:
        out["x_m"] = c2.number_input(f"x (m, {crs})", value=item.get("x_m"), format="%.1f",
                                     key="con_x" + k)
        out["y_m"] = c3.number_input(f"y (m, {crs})", value=item.get("y_m"), format="%.1f",
                                     key="con_y" + k)
    else:
        node = item.get("node")
        out["node"] = c2.selectbox(_("Junction"), junctions,
                                   index=junctions.index(node) if node in junctions else 0,
                                   key="con_node" + k)
    c1, c2, c3, c4 = st.columns(4)
    per_day = item.get("demand_m3_d") is not None
    unit = c1.radio(_("Demand unit"), ["L/s", "m³/d"], index=int(per_day), key="con_unit" + k,
                    horizontal=True)
    # no min_value: a bad value must be refused with its field named, not clamped
    value = c2.number_input(_("Mean demand ({unit})").format(unit=unit), key="con_demand" + k,
                            value=item.get("demand_m3_d" if per_day else "demand_l_s"),
                            help=_("The daily mean; the class pattern shapes it over the day"))
    out["demand_m3_d" if unit == "m³/d" else "demand_l_s"] = value
    dns = list(STANDARD_METER_DN)
    dn = item.get("meter_dn", 25)
    out["meter_dn"] = c3.selectbox(_("Meter DN (mm)"), dns, index=dns.index(dn) if dn in dns
                                   else dns.index(25), key="con_dn" + k)
    out["storeys"] = c4.number_input(_("Storeys"), step=1,
                                     value=int(item.get("storeys", 1)), key="con_storeys" + k)
    c1, c2, c3 = st.columns(3)
    out["required_head_m"] = c1.number_input(
        _("Required head (m, optional)"), value=item.get("required_head_m"),
        key="con_head" + k, help=_("Empty: from storeys, GB 50013 (10 m for 1, 12 m for 2, "
        "+4 m per storey)"))
    out["service_length_m"] = c2.number_input(
        _("External line (m, optional)"), value=item.get("service_length_m"),
        key="con_length" + k, help=_("Empty: the distance to the tapped main"))
    received = item.get("received_on")
    out["received_on"] = c3.date_input(
        _("Received on"), dt.date.fromisoformat(received) if received else dt.date.today(),
        key="con_received" + k).isoformat()
    c1, c2, c3, c4 = st.columns(4)
    out["reserved_tap"] = c1.checkbox(_("Reserved tap"), bool(item.get("reserved_tap")),
                                      key="con_reserved" + k, help=_("A reserved tap (预留口): "
                                      "no external line"))
    out["low_risk"] = c2.checkbox(_("Low-risk project"), bool(item.get("low_risk")),
                                  key="con_low_risk" + k,
                                  help=_("Social-investment low-risk project: '11000' (§2)"))
    out["front_loaded"] = c3.checkbox(_("Front-loaded"), bool(item.get("front_loaded")),
                                      key="con_front" + k, help=_("Survey, design and approval "
                                      "done before applying: one step (§1)"))
    ready = c4.checkbox(
        _("Cost confirmed, meter installable, no earthwork"),
        bool(item.get("ready_to_connect", item.get("reserved_tap"))), key="con_ready" + k,
        help=_("With a reserved tap or front-loaded service: connection on application (§2)"))
    if "ready_to_connect" in item or ready != out["reserved_tap"]:  # default: as reserved_tap
        out["ready_to_connect"] = ready
    st.markdown(_("**Rules** (the plan text leaves some numbers out: parameters, not guesses)"))
    new_policy = dict(policy)
    for col, (key, (label, help_text, default)) in zip(st.columns(4), POLICY.items()):
        whole = key.startswith("days")
        value = policy.get(key, default)
        new_policy[key] = col.number_input(
            label, step=1 if whole else 1.0, help=help_text,
            value=None if value is None else (int(value) if whole else float(value)),
            key=f"con_{key}" + k)
    keep = {k2: v for k2, v in item.items() if k2 in ("pattern", "elevation_m")}
    return {**keep, **out}, new_policy


def _customer_nodes(opened, assessment):
    """The web node layer with the customer's location added (for the map)."""
    nodes, links, _attrs = web_geometry()
    point = gis.to_web(applications_layer(opened, [assessment]))
    name = f"{assessment.application.application_id} (customer)"
    extra = gpd.GeoDataFrame({"node_type": ["Junction"]}, geometry=list(point.geometry),
                             index=pd.Index([name]), crs=nodes.crs)
    return pd.concat([nodes, extra]), links, name


def _placing_map(item: dict, suffix: str) -> None:
    """The network map: a click on a junction places the application there."""
    nodes, links, _attrs = web_geometry()
    marked = [item["node"]] if item.get("node") else []
    with st.expander(_("Place on the map (click a junction)"), expanded=True):
        event = st.pydeck_chart(maps.network_map(nodes, links, None, None,
                                                 highlight_nodes=marked, height_px=380),
                                height=380, on_select="rerun", selection_mode="single-object",
                                key="con_place_map")
        st.caption(_("Red: where the application is now. A click on a junction moves it there."))
    node = maps.picked(event, "nodes")
    if node is not None and node in set(nodes.index[nodes["node_type"] == "Junction"]) and (suffix, node) != state.get("con_clicked") and node != item.get("node"):
        state["con_clicked"] = (suffix, node)  # _form shows it from the next run on
        state["con_clicks"] = state.get("con_clicks", 0) + 1
        st.rerun()


def _results(opened, a) -> None:
    app = a.application
    VERDICT_BOX[a.verdict](f"**{app.application_id}: {_(a.verdict)}**",
                           icon=":material/fact_check:")
    note = {"delta_color": "off", "delta_arrow": "off"}  # deltas are notes, not changes
    cols = st.columns(4)
    cols[0].metric(_("Lowest pressure at the customer (m)"), f"{a.customer_min_pressure_m:.1f}",
                   _("required {required_head_m:.1f} m").format(required_head_m=a.required_head_m), **note)
    cols[1].metric(_("Largest fall at a neighbour (m)"), f"{a.max_pressure_drop_m:.2f}",
                   a.max_drop_node or None, **note)
    cols[2].metric(_("Junctions newly below the minimum"), f"{len(a.nodes_below_minimum)}")
    cols[3].metric(_("Spare capacity before (L/s)"), f"{a.spare_capacity_m3s * 1e3:.1f}",
                   _("at {node}").format(node=a.capacity_node) if a.capacity_node else None, **note)
    for line in a.reasons:
        st.markdown(_("- :red[**Reason:**] {line}").format(line=line))
    for line in a.conditions:
        st.markdown(_("- :orange[**Condition:**] {line}").format(line=line))
    st.markdown(_("**Reply to the applicant** (copy with the icon at the top right)"))
    st.code(connection_reply(a), language=None, wrap_lines=True)
    document_buttons(lambda lang: connection_reply(a, lang=lang),
                     f"{app.application_id}_reply", key="con_reply_doc")
    with st.expander(_("Track, cost and deadlines")):
        st.markdown(_("Track **{track}**, {steps} step(s); cost: {cost_text}").format(track=a.terms.track, steps=a.terms.steps, cost_text=a.terms.cost_text))
        st.dataframe(a.terms.deadlines, hide_index=True, width="stretch")

    st.subheader(_("Pressure at the customer through the day"))
    ts = a.pressure_timeseries
    chart = pd.DataFrame({_("customer (m)"): ts["customer_pressure_m"].to_numpy(),
                          _("required head (m)"): ts["required_head_m"].to_numpy(),
                          _("tap before (m)"): ts["tap_pressure_base_m"].to_numpy(),
                          _("tap after (m)"): ts["tap_pressure_new_m"].to_numpy()},
                         index=pd.Index(ts.index.to_numpy() / 3600.0, name=_("hours")))
    st.line_chart(chart, x_label=_("time from the start of the run (h)"),
                  y_label=_("pressure head (m)"), height=300)

    st.subheader(_("Neighbours"))
    neighbours = affected_neighbours(a)
    st.caption(_("{v0} junctions lose more than 0.01 m of their lowest daily pressure; largest falls first.").format(v0=len(neighbours)))
    shown = ["base_min_pressure_m", "new_min_pressure_m", "change_m", "customer",
             "newly_below_min", "base_unserved_m3", "new_unserved_m3"]
    st.dataframe(neighbours[shown].head(50), width="stretch", height=240, column_config={
        "base_min_pressure_m": st.column_config.NumberColumn(_("lowest before (m)"), format="%.2f"),
        "new_min_pressure_m": st.column_config.NumberColumn(_("lowest after (m)"), format="%.2f"),
        "change_m": st.column_config.NumberColumn(_("change (m)"), format="%.3f"),
        "newly_below_min": st.column_config.CheckboxColumn(_("newly below the minimum")),
        "base_unserved_m3": st.column_config.NumberColumn(_("unserved before (m³)"),
                                                          format="%.2f"),
        "new_unserved_m3": st.column_config.NumberColumn(_("unserved after (m³)"),
                                                         format="%.2f")})
    nodes, links, customer = _customer_nodes(opened, a)
    change = a.node_table["change_m"].copy()
    change[customer] = change.get(a.customer_node, float("nan"))
    scale = maps.change_scale()
    affected = [customer, *affected_neighbours(a).index.astype(str)[:50]]
    st.pydeck_chart(maps.network_map(nodes, links, change, scale, highlight_nodes=[customer],
                                     tooltip_value=_("change (m)"), height_px=460,
                                     focus_nodes=affected), height=460)
    maps.legend(scale)
    st.caption(_("Red: the customer. Rises (blue) mean pumps or valves switched at other times "
               "in the run with the connection (tank-level controls), not that it adds "
               "pressure."))
    layer = pressure_change_layer(opened, a)
    cols = st.columns(3)
    with cols[0]:
        csv_button(_("Neighbours (CSV)"), a.node_table, _("{application_id}_nodes.csv").format(application_id=app.application_id),
                   key="con_nodes_csv", index=True)
    with cols[1]:
        csv_button(_("Customer pressure (CSV)"), ts, _("{application_id}_pressure.csv").format(application_id=app.application_id),
                   key="con_ts_csv", index=True)
    with cols[2]:
        st.download_button(
            _("Network + pressure change (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"pressure_change": layer,
                                              "applications": applications_layer(opened, [a])}),
            file_name=f"{app.application_id}_pressure_change.gpkg",
            mime="application/geopackage+sqlite3", key="con_gpkg", icon=":material/download:")


def _capacity_section(opened, key: tuple, ledger_path, revision, policy_json) -> None:
    st.subheader(_("Spare capacity"))
    st.caption(_("The largest extra demand each junction can take at the peak hour with every "
               "customer at the network minimum (approved ledger applications included)."))
    run_key = (key, ledger_path, revision, policy_json)
    if st.button(_("Compute the spare-capacity map"), icon=":material/map:"):
        state["con_capacity"] = run_key
    if state.get("con_capacity") != run_key:
        return
    with st.spinner(_("Searching every junction…")):
        table = _capacity(key, ledger_path, revision, policy_json, opened)
    nodes, links, _attrs = web_geometry()
    values = table["spare_capacity_l_s"]
    scale = maps.sequential_scale(values, _("Spare capacity at the peak hour (L/s)"), "L/s")
    st.pydeck_chart(maps.network_map(nodes, links, values, scale, tooltip_value="L/s",
                                     height_px=420), height=420)
    maps.legend(scale)
    st.dataframe(table.sort_values("spare_capacity_l_s")[
        ["spare_capacity_l_s", "base_pressure_m", "limiting_node", "status"]].head(100),
        width="stretch", height=220)
    cols = st.columns(2)
    with cols[0]:
        csv_button(_("Spare capacity (CSV)"), table, _("spare_capacity.csv"), key="con_cap_csv",
                   index=True)
    with cols[1]:
        st.download_button(
            _("Network + spare capacity (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"spare_capacity": spare_capacity_layer(opened,
                                                                                      table)}),
            file_name="spare_capacity.gpkg", mime="application/geopackage+sqlite3",
            key="con_cap_gpkg", icon=":material/download:")


def page() -> None:
    """Draw the Connections page."""
    st.title(_("Connections"))
    st.caption(_("Will a new service get its pressure, what does it do to the neighbours, how "
               "much more can this node take, is it free, which fast track applies (§1, §2, "
               "§11, §12)."))
    opened = current_network()
    source = current_source()
    junctions = list(opened.net.wn.junction_name_list)
    body = state.get("con_body") or _default_body(junctions)
    ver, ledger_path = state.get("con_ver", 0), state.get("con_ledger")
    apps = body["applications"]
    pick = min(state.get("con_pick", 0), len(apps) - 1)
    if len(apps) > 1:
        ids = [a["application_id"] for a in apps]
        pick = st.selectbox(_("Application of the study"), range(len(apps)), index=pick,
                            format_func=lambda i: ids[i], key=f"con_pick_{ver}")
        state["con_pick"] = pick
    st.subheader(_("Application"))
    item, policy = _form(apps[pick], body.get("policy", {}), junctions, opened.placement.crs,
                         f"{ver}_{pick}")
    _placing_map(item, f"{ver}_{pick}")
    body_now = {"applications": [*apps[:pick], item, *apps[pick + 1:]], "policy": policy}
    holidays = st.file_uploader(
        _("Holiday file (CSV: date,kind = holiday | workday; optional)"), type=["csv"],
        key="con_holidays_file", help=_("Deadlines count working days on China's statutory "
        "calendar (make-up working days included); this file overrides it day by day"))
    if holidays is not None:
        path = Path(tempfile.gettempdir()) / f"planner_holidays_{abs(hash(holidays.getvalue()))}.csv"
        path.write_bytes(holidays.getvalue())
        try:
            load_holidays(path)
        except PlannerError as exc:
            st.error(_("Holiday file not used: {exc}").format(exc=exc), icon=":material/error:")
        else:
            body_now["holidays"] = str(path)
    elif body.get("holidays"):
        body_now["holidays"] = body["holidays"]

    state.setdefault("con_name", _("Applications"))
    st.text_input(_("Study name"), key="con_name")

    def build() -> Study:
        stem = study_file_name(state["con_name"], "connection_applications")[:-5]
        extra = ({"ledger": os.path.relpath(ledger_path, studies_dir())} if ledger_path
                 else {})
        return build_study("connection_applications", state["con_name"],
                           {**network_keys(source, stem), **extra, **body_now})

    study_box("connection_applications", "con_study", build, _on_load,
              companions=lambda study: companions(source, study))
    try:
        study, problem = build(), None
    except ScenarioFileError as exc:
        study, problem = None, str(exc)
    if problem:
        st.error(_("Check the inputs: {problem}").format(problem=problem), icon=":material/error:")
    revision = _ledger(ledger_path).revision if ledger_path else 0
    policy_json = json.dumps({"policy": study.body["policy"],
                              "holidays": str(study.resolve(study.body["holidays"]))
                              if study.body.get("holidays") else None} if study else {},
                             sort_keys=True)
    if st.button(_("Assess the application"), type="primary", disabled=study is None,
                 icon=":material/fact_check:"):
        state["con_run"] = json.dumps(study.body["applications"][pick], sort_keys=True)
    run = state.get("con_run")
    if run is not None and study is not None:
        progress = st.progress(0.1, text=_("Preparing the network (24-hour base run; the first "
                               "run after an install compiles the solver)…"))
        try:
            progress.progress(0.4, text=_("Running the 24 hours with the connection…"))
            assessment = _assess(source.key, ledger_path, revision, policy_json, run, pick,
                                 opened)
        except PlannerError as exc:
            progress.empty()
            st.error(_("Not assessed: {exc}").format(exc=exc), icon=":material/error:")
        else:
            progress.progress(1.0, text=_("Assessed in {seconds:.1f} s.").format(seconds=assessment.elapsed_s))
            if run != json.dumps(study.body["applications"][pick], sort_keys=True):
                st.caption(_("The inputs changed since this assessment: press Assess to update."))
            _results(opened, assessment)
    if study is not None:
        _capacity_section(opened, source.key, ledger_path, revision, policy_json)
    ledger_panel(item, lambda: _study(source.key, state.get("con_ledger"), policy_json, opened),
                 policy_of(json.loads(policy_json)))


page()
