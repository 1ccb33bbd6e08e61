"""Shutdowns page: planned works and bursts (§14, §15, §19).

The tables hold the jobs and bursts of a ``shutdown_jobs`` study; "Plan" runs the selected
one through :mod:`planning.shutdowns` (``plan_job`` for works, ``burst`` for bursts) via
:mod:`application.shutdown_study` and shows the valves to close, the customers who lose
water (table and map), the least-harm window, the notice list and emergency supply
(:mod:`app_pages.shutdown_results`). Plans are cached per network, study body, job and
study time.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import maps, shutdown_results
from app_pages.common import (
    companions,
    current_network,
    current_source,
    network_keys,
    open_source,
    source_of_study,
    use_source,
    web_geometry,
)
from app_pages.study_files import study_box
from application import (
    PlannerError,
    ScenarioFileError,
    Study,
    build_study,
    studies_dir,
    study_file_name,
)
from application.i18n import _
from application.shutdown_study import (
    INPUT_FILE_KEYS,
    check_shutdown_jobs,
    plan_item,
    read_inputs,
    study_items,
    study_now,
)
from application.uploads import save_upload

state = st.session_state
JOB_COLUMNS = {"job_id": object, "pipe": object, "duration_h": "float64",
               "description": object, "not_before": object, "inoperable_valves": object}
BURST_COLUMNS = {"job_id": object, "pipe": object, "time": object, "repair_h": "float64",
                 "description": object, "inoperable_valves": object}


def _table(rows: list[dict], columns: dict) -> pd.DataFrame:
    rows = [{**r, "inoperable_valves": ", ".join(r.get("inoperable_valves", []))} for r in rows]
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def _rows(table: pd.DataFrame) -> list[dict]:
    rows = table.to_dict("records")
    for row in rows:
        text = row.get("inoperable_valves")
        row["inoperable_valves"] = ([v.strip() for v in text.split(",") if v.strip()]
                                    if isinstance(text, str) else [])
    return rows


def _on_load(study: Study) -> None:
    """Check the study against its network (pipes, valves, files; raises if bad), then
    open that network and set the inputs: a bad file leaves the session as it was."""
    source = source_of_study(study)
    check_shutdown_jobs(open_source(source) if source else current_network(), study.body,
                        resolve=study.resolve, source=study.source)
    if source is not None:
        use_source(source)
    state["sd_files"] = {key: str(study.resolve(study.body[key]).resolve())
                         for key in INPUT_FILE_KEYS if key in study.body}
    state["sd_body"] = study.body
    state["sd_name"] = study.name or _("Shutdown jobs")
    state["sd_ver"] = state.get("sd_ver", 0) + 1
    state.pop("sd_run", None)


def _resolve(relative: str) -> Path:
    """Files of a study the page builds are named relative to the studies folder."""
    return studies_dir() / relative


@st.cache_resource(max_entries=16, show_spinner=False)
def _plan(key: tuple, body_json: str, section: str, index: int, now_iso: str, _opened):
    """One plan per network, study body, job and study time (shared, read-only)."""
    return plan_item(_opened, json.loads(body_json), section, index, resolve=_resolve,
                     source="<inputs>", now=datetime.fromisoformat(now_iso))


@st.cache_resource(max_entries=8, show_spinner=False)
def _inputs(key: tuple, files_json: str, _opened):
    return read_inputs(_opened, json.loads(files_json), resolve=_resolve, source="<inputs>")


def _label(body: dict, section: str, index: int) -> str:
    item = body[section][index]
    if section == "jobs":
        return _("{job}: works on {pipe} ({hours:g} h)").format(
            job=item["job_id"], pipe=item["pipe"], hours=item["duration_h"])
    return _("{job}: burst on {pipe} at {time}").format(job=item["job_id"], pipe=item["pipe"],
                                                        time=item["time"])


def _picked_pipe(pipe: str | None, body: dict, job_rows: list, burst_rows: list, policy: dict,
                 now: str) -> None:
    """A pipe clicked on the map: add a planned job or a burst on it to the tables."""
    if pipe is None:
        return
    cols = st.columns([2, 1, 1])
    cols[0].markdown(_("**Pipe {pipe}** picked on the map.").format(pipe=pipe))
    n = len(job_rows) + len(burst_rows) + 1
    if cols[1].button(_("Plan works on it"), key="sd_add_job", icon=":material/construction:"):
        job = {"job_id": f"W-{n:03d}", "pipe": pipe, "duration_h": 6.0,
               "description": _("works on water main {pipe}").format(pipe=pipe),
               "not_before": None, "inoperable_valves": []}
        _replace_tables(body, [*job_rows, job], burst_rows, policy, now)
    if cols[2].button(_("Plan a burst on it"), key="sd_add_burst", icon=":material/water_damage:"):
        burst = {"job_id": f"B-{n:03d}", "pipe": pipe, "time": now or None, "repair_h": 8.0,
                 "description": _("repair of a burst on water main {pipe}").format(pipe=pipe),
                 "inoperable_valves": []}
        _replace_tables(body, job_rows, [*burst_rows, burst], policy, now)


def _replace_tables(body: dict, jobs: list, bursts: list, policy: dict, now: str) -> None:
    state["sd_body"] = {**body, "jobs": jobs, "bursts": bursts, "policy": policy, "now": now}
    state["sd_ver"] = state.get("sd_ver", 0) + 1  # new table widgets show the new rows
    st.rerun()


def _planning(opened, source, study: Study, ver: int) -> None:
    """Pick a job or burst of the study, plan it (cached) and show the plan."""
    body = study.body
    files = {k: body[k] for k in INPUT_FILE_KEYS if k in body}
    try:
        inputs = _inputs(source.key, json.dumps(files, sort_keys=True), opened)
    except ScenarioFileError as exc:
        st.error(_("Not planned: {problem}").format(problem=exc), icon=":material/error:")
        return
    if inputs.valves_file:
        st.caption(_("Valve layer: {file} ({n} valves).").format(file=inputs.valves_file,
                                                               n=len(inputs.valves)))
    else:
        st.warning(_("Valve layer: SYNTHETIC N-1 placement ({n} valves), an estimate: upload "
                     "the utility's valve layer.").format(n=len(inputs.valves)),
                   icon=":material/warning:")
    if inputs.accounts is not None:
        state["sd_customers_json"] = inputs.customers.to_json()  # for the Criticality page
        st.caption(_("Customers: {n} accounts from {file} placed on the network; {bad} could "
                     "not be placed.").format(n=len(inputs.accounts.placed),
                                              file=inputs.accounts_file,
                                              bad=len(inputs.accounts.unplaced)))
        if len(inputs.accounts.unplaced):
            st.warning(_("Accounts that could not be placed (not counted, not noticed):"),
                       icon=":material/wrong_location:")
            st.dataframe(inputs.accounts.unplaced, hide_index=True, width="stretch")
    elif inputs.customers_file:
        st.caption(_("Customers: accounts per junction from {file}.").format(
            file=inputs.customers_file))
    else:
        st.warning(_("Customers: ESTIMATED from demand (0.5 m³ per account a day), a "
                     "fallback: upload the billing system's account table to name real "
                     "customers."), icon=":material/warning:")
    items = study_items(body)
    pick = st.selectbox(_("Job or burst to plan"), range(len(items)), key=f"sd_pick_{ver}",
                        format_func=lambda i: _label(body, *items[i]))
    section, index = items[pick]
    body_json = json.dumps(body, sort_keys=True)
    if st.button(_("Plan the shutdown"), type="primary", icon=":material/event_available:"):
        now = study_now(body).isoformat(timespec="minutes")
        state["sd_run"] = (source.key, body_json, section, index, now)
    run = state.get("sd_run")
    if not run or run[0] != source.key:
        return
    progress = st.progress(0.2, text="Searching the start with least harm and running the "
                           "shutdown (the first plan after an install compiles the solver)…")
    try:
        plan = _plan(*run, opened)
    except PlannerError as exc:
        progress.empty()
        st.error(_("Not planned: {exc}").format(exc=exc), icon=":material/error:")
        return
    progress.progress(1.0, text=_("Planned {job} (study time {time}).").format(job=plan.job.job_id,
                                                                        time=run[4]))
    if run[1:4] != (body_json, section, index):
        st.caption(_("The inputs changed since this plan: press Plan to update."))
    shutdown_results.show(opened, plan, accounts=inputs.accounts)


def _uploads() -> None:
    """The utility's records: a valve layer and the billing system's account table."""
    st.markdown("**" + _("The utility's records") + "**")
    cols = st.columns(2)
    specs = (("valves", _("Valve layer (CSV or GeoPackage: id, pipe, position, "
                          "normal_status, operable, dn)"), ["csv", "gpkg"]),
             ("accounts", _("Customer accounts (CSV from billing: account_id, name, address, "
                            "class, meter_dn, x/y or node, phone, sensitive)"), ["csv", "gpkg"]))
    for col, (key, label, types) in zip(cols, specs):
        upload = col.file_uploader(label, type=types, key=f"sd_upload_{key}")
        if upload is None:
            continue
        try:
            path = save_upload(upload.name, upload.getvalue())
        except PlannerError as exc:
            col.error(str(exc), icon=":material/error:")
            continue
        files = dict(state.get("sd_files", {}))
        if files.get(key) != str(path):
            files[key] = str(path)
            state["sd_files"] = files
        col.caption(_("Using {name}").format(name=upload.name))


def _common_column_config() -> dict:
    return {
        "job_id": st.column_config.TextColumn(_("job id"), required=True),
        "pipe": st.column_config.TextColumn(_("pipe"), required=True),
        "description": st.column_config.TextColumn(_("description")),
        "inoperable_valves": st.column_config.TextColumn(
            _("seized valves (comma-separated)"), help=_("Valves the crew knows cannot be closed")),
    }


def page() -> None:
    """Draw the Shutdowns page."""
    st.title(_("Shutdowns"))
    st.caption(_("For works or a burst: which valves to close, which customers lose water, when "
               "it hurts least, the 24-hour notice list, and emergency supply for outages over "
               "24 hours (§14, §15, §19)."))
    opened = current_network()
    body = state.get("sd_body", {"jobs": [], "bursts": [], "policy": {}})
    policy_in = body.get("policy", {})
    ver = state.get("sd_ver", 0)

    st.subheader(_("Planned works"))
    jobs = st.data_editor(
        _table(body.get("jobs", []), JOB_COLUMNS), key=f"sd_jobs_{ver}", num_rows="dynamic",
        hide_index=True, width="stretch", column_config={
            **_common_column_config(),
            # no min_value: the editor would drop a typed "-" (-4 -> 4); the file check
            # refuses a bad value and names it
            "duration_h": st.column_config.NumberColumn(_("duration (h)")),
            "not_before": st.column_config.TextColumn(_("not before (YYYY-MM-DDThh:mm)")),
        })
    st.subheader(_("Bursts"))
    bursts = st.data_editor(
        _table(body.get("bursts", []), BURST_COLUMNS), key=f"sd_bursts_{ver}",
        num_rows="dynamic", hide_index=True, width="stretch", column_config={
            **_common_column_config(),
            "time": st.column_config.TextColumn(_("detected at (YYYY-MM-DDThh:mm)")),
            "repair_h": st.column_config.NumberColumn(_("repair (h)")),
        })
    st.markdown(_("**Rules**"))
    cols = st.columns(5)
    now = cols[0].text_input(_("Study time (YYYY-MM-DDThh:mm; empty: now)"),
                             value=body.get("now", ""), key=f"sd_now_{ver}")
    notice = cols[1].number_input(_("Notice before a planned shutdown (h)"),
                                  value=float(policy_in.get("notice_h", 24.0)),
                                  key=f"sd_notice_{ver}", help=_("§14: at least 24 h"))
    night = cols[2].checkbox(_("Night works only"), value=bool(policy_in.get("night_only", False)),
                             key=f"sd_night_{ver}")
    start_h = cols[3].number_input(_("Night starts (clock hour)"), min_value=0, max_value=23,
                                   value=int(policy_in.get("night_start_h", 22)),
                                   key=f"sd_night_start_{ver}", disabled=not night)
    end_h = cols[4].number_input(_("Night ends (clock hour)"), min_value=0, max_value=23,
                                 value=int(policy_in.get("night_end_h", 6)),
                                 key=f"sd_night_end_{ver}", disabled=not night,
                                 help=_("22 → 6 spans midnight"))
    policy = {"notice_h": notice, "night_only": night}
    if night:
        policy.update(night_start_h=start_h, night_end_h=end_h)

    job_rows, burst_rows = _rows(jobs), _rows(bursts)
    pipes = sorted({str(r["pipe"]) for r in job_rows + burst_rows if isinstance(r["pipe"], str)})
    unknown = [p for p in pipes if p not in opened.net.wn.link_name_list]
    if unknown:
        st.warning(_("Not links of this network: ") + ", ".join(unknown[:20]))
    nodes, links, _attrs = web_geometry()
    event = st.pydeck_chart(maps.network_map(nodes, links, None, None, highlight_links=pipes,
                                             height_px=420),
                            height=420, on_select="rerun", selection_mode="single-object",
                            key="sd_pick_map")
    st.caption(_("Red, thick: pipes of the jobs and bursts; blue: nodes; grey: other links. "
                 "Click a pipe to plan a shutdown of it."))
    _picked_pipe(maps.picked(event, "links"), body, job_rows, burst_rows, policy, now)

    state.setdefault("sd_name", _("Shutdown jobs"))
    st.text_input(_("Study name"), key="sd_name")

    source = current_source()
    _uploads()

    files = {key: os.path.relpath(path, studies_dir())
             for key, path in state.get("sd_files", {}).items()}

    def build() -> Study:
        stem = study_file_name(state["sd_name"], "shutdown_jobs")[:-5]
        return build_study("shutdown_jobs", state["sd_name"],
                           {**network_keys(source, stem), **files, "now": now,
                            "policy": policy, "jobs": job_rows, "bursts": burst_rows})

    study_box("shutdown_jobs", "sd_study", build, _on_load,
              companions=lambda study: companions(source, study))
    try:
        study, problem = build(), None
    except ScenarioFileError as exc:
        study, problem = None, str(exc)
    if problem and (len(jobs) or len(bursts)):
        st.error(_("Check the inputs: {problem}").format(problem=problem), icon=":material/error:")
    elif study is None:
        st.info(_("Add a job or a burst to the tables, or load a study file."),
                icon=":material/info:")
    else:
        st.subheader(_("Plan"))
        _planning(opened, source, study, ver)


page()
