"""Shutdowns page: planned works and bursts (§14, §15, §19).

Inputs, map and study files work now; valves, affected customers, best window and notices
are wired when ``planning.shutdowns`` lands (see :func:`_plan`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import maps
from app_pages.common import (
    companions,
    current_network,
    current_source,
    module_missing,
    network_keys,
    source_of_study,
    use_source,
    web_geometry,
)
from app_pages.study_files import study_box
from planning.studies import (
    ScenarioFileError,
    Study,
    build_study,
    optional_module,
    study_file_name,
)

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
    """Open the study's network if it names one (raises if bad), then set the inputs."""
    source = source_of_study(study)
    if source is not None:
        use_source(source)
    state["sd_body"] = study.body
    state["sd_name"] = study.name or "Shutdown jobs"
    state["sd_ver"] = state.get("sd_ver", 0) + 1


def _plan(module, opened, study: Study) -> None:
    """Show valves, customers without water, best window and notices (wire it here)."""
    st.warning(f"`{module.__name__}` has landed: wire plan_job/burst in app_pages/shutdowns.py "
               "(_plan) and the `shutdown_jobs` runner in planning/studies/kinds.py.")


def _common_column_config() -> dict:
    return {
        "job_id": st.column_config.TextColumn("job id", required=True),
        "pipe": st.column_config.TextColumn("pipe", required=True),
        "description": st.column_config.TextColumn("description"),
        "inoperable_valves": st.column_config.TextColumn(
            "seized valves (comma-separated)", help="Valves the crew knows cannot be closed"),
    }


def page() -> None:
    """Draw the Shutdowns page."""
    st.title("Shutdowns")
    st.caption("For works or a burst: which valves to close, which customers lose water, when "
               "it hurts least, the 24-hour notice list, and emergency supply for outages over "
               "24 hours (§14, §15, §19).")
    module = optional_module("planning.shutdowns")
    if module is None:
        module_missing("planning.shutdowns", "valve isolation, affected customers, the best "
                       "window, notices and the outage log")
    opened = current_network()
    body = state.get("sd_body", {"jobs": [], "bursts": [], "policy": {}})
    policy_in = body.get("policy", {})
    ver = state.get("sd_ver", 0)

    st.subheader("Planned works")
    jobs = st.data_editor(
        _table(body.get("jobs", []), JOB_COLUMNS), key=f"sd_jobs_{ver}", num_rows="dynamic",
        hide_index=True, width="stretch", column_config={
            **_common_column_config(),
            "duration_h": st.column_config.NumberColumn("duration (h)", min_value=0.0),
            "not_before": st.column_config.TextColumn("not before (YYYY-MM-DDThh:mm)"),
        })
    st.subheader("Bursts")
    bursts = st.data_editor(
        _table(body.get("bursts", []), BURST_COLUMNS), key=f"sd_bursts_{ver}",
        num_rows="dynamic", hide_index=True, width="stretch", column_config={
            **_common_column_config(),
            "time": st.column_config.TextColumn("detected at (YYYY-MM-DDThh:mm)"),
            "repair_h": st.column_config.NumberColumn("repair (h)", min_value=0.0),
        })
    st.markdown("**Rules**")
    cols = st.columns(5)
    now = cols[0].text_input("Study time (YYYY-MM-DDThh:mm; empty: now)",
                             value=body.get("now", ""), key=f"sd_now_{ver}")
    notice = cols[1].number_input("Notice before a planned shutdown (h)", min_value=24.0,
                                  value=float(policy_in.get("notice_h", 24.0)),
                                  key=f"sd_notice_{ver}", help="§14: at least 24 h")
    night = cols[2].checkbox("Night works only", value=bool(policy_in.get("night_only", False)),
                             key=f"sd_night_{ver}")
    start_h = cols[3].number_input("Night starts (clock hour)", min_value=0, max_value=23,
                                   value=int(policy_in.get("night_start_h", 22)),
                                   key=f"sd_night_start_{ver}", disabled=not night)
    end_h = cols[4].number_input("Night ends (clock hour)", min_value=0, max_value=23,
                                 value=int(policy_in.get("night_end_h", 6)),
                                 key=f"sd_night_end_{ver}", disabled=not night,
                                 help="22 → 6 spans midnight")
    policy = {"notice_h": notice, "night_only": night}
    if night:
        policy.update(night_start_h=start_h, night_end_h=end_h)

    job_rows, burst_rows = _rows(jobs), _rows(bursts)
    pipes = sorted({str(r["pipe"]) for r in job_rows + burst_rows if isinstance(r["pipe"], str)})
    unknown = [p for p in pipes if p not in opened.net.wn.link_name_list]
    if unknown:
        st.warning("Not links of this network: " + ", ".join(unknown[:20]))
    nodes, links, _ = web_geometry()
    st.pydeck_chart(maps.network_map(nodes, links, None, None, highlight_links=pipes,
                                     height_px=420), height=420)
    st.caption("Red, thick: pipes of the jobs and bursts; blue: nodes; grey: other links.")

    state.setdefault("sd_name", "Shutdown jobs")
    st.text_input("Study name", key="sd_name")

    source = current_source()

    def build() -> Study:
        stem = study_file_name(state["sd_name"], "shutdown_jobs")[:-5]
        return build_study("shutdown_jobs", state["sd_name"],
                           {**network_keys(source, stem), "now": now, "policy": policy,
                            "jobs": job_rows, "bursts": burst_rows})

    study_box("shutdown_jobs", "sd_study", build, _on_load,
              companions=lambda study: companions(source, study))
    try:
        study, problem = build(), None
    except ScenarioFileError as exc:
        study, problem = None, str(exc)
    if st.button("Plan the jobs", type="primary", disabled=module is None or study is None,
                 icon=":material/event_available:"):
        _plan(module, opened, study)
    if problem and (len(jobs) or len(bursts)):
        st.caption(f"Check the inputs: {problem}")


page()
