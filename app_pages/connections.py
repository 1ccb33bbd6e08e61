"""Connections page: new service applications (§1, §2, §11, §12).

Inputs, map and study files work now; the assessment is wired when
``planning.connections`` lands (see :func:`_assess`).
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
from planning.studies.pending import CUSTOMER_CLASSES

state = st.session_state
COLUMNS = ["application_id", "applicant", "customer_class", "node", "x_m", "y_m",
           "demand_l_s", "meter_dn", "storeys", "required_head_m", "service_length_m",
           "reserved_tap", "front_loaded", "low_risk", "received_on"]
# Table columns: the fields of planning.connections.Application a planner types in. (No bare
# string literals in page scripts: Streamlit's "magic" would print them.)
POLICY = {
    "free_external_line_max_m": ("Free external line up to (m)",
                                 "§12: free when the meter is DN40 or smaller and the external "
                                 "line is within X m. The plan text lost X: an assumption."),
    "days_350_without_external_line": ("'350' service without external line (working days)",
                                       "N is missing in the plan text: set it."),
    "days_350_with_external_line": ("'350' service with external line (working days)",
                                    "M is missing in the plan text: set it."),
}


def _table(applications: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(applications, columns=COLUMNS)
    return table.astype({"application_id": object, "applicant": object,
                         "customer_class": object, "node": object, "x_m": "float64",
                         "y_m": "float64", "demand_l_s": "float64", "meter_dn": "Int64",
                         "storeys": "Int64", "required_head_m": "float64",
                         "service_length_m": "float64", "reserved_tap": "boolean",
                         "front_loaded": "boolean", "low_risk": "boolean",
                         "received_on": object})


def _on_load(study: Study) -> None:
    """Open the study's network if it names one (raises if bad), then set the inputs."""
    source = source_of_study(study)
    if source is not None:
        use_source(source)
    state["con_body"] = study.body
    state["con_name"] = study.name or "Applications"
    state["con_ver"] = state.get("con_ver", 0) + 1


def _assess(module, opened, study: Study) -> None:
    """Show the assessment of every application (wire ``planning.connections`` here)."""
    st.warning(f"`{module.__name__}` has landed: wire its assessment in "
               "app_pages/connections.py (_assess) and the `connection_applications` runner "
               "in planning/studies/kinds.py.")


def page() -> None:
    """Draw the Connections page."""
    st.title("Connections")
    st.caption("Will a new service get its pressure, what does it do to the neighbours, how "
               "much more can this node take, is it free, which fast track applies (§1, §2, "
               "§11, §12).")
    module = optional_module("planning.connections")
    if module is None:
        module_missing("planning.connections", "the assessment of applications (pressure at "
                       "the service, effect on neighbours, spare capacity, cost, fast track)")
    opened = current_network()
    junctions = list(opened.net.wn.junction_name_list)
    body = state.get("con_body", {"applications": [], "policy": {}})
    ver = state.get("con_ver", 0)

    st.subheader("Applications")
    table = st.data_editor(
        _table(body["applications"]), key=f"con_apps_{ver}", num_rows="dynamic",
        hide_index=True, width="stretch", column_config={
            "application_id": st.column_config.TextColumn("application id", required=True),
            "customer_class": st.column_config.SelectboxColumn(
                "customer class", options=CUSTOMER_CLASSES, required=True),
            "node": st.column_config.SelectboxColumn(
                "junction", options=junctions, help="Or give x_m and y_m instead"),
            "x_m": st.column_config.NumberColumn("x (m, map CRS)"),
            "y_m": st.column_config.NumberColumn("y (m, map CRS)"),
            "demand_l_s": st.column_config.NumberColumn("mean demand (L/s)", min_value=0.0),
            "meter_dn": st.column_config.NumberColumn("meter DN (mm)", min_value=15, step=1),
            "storeys": st.column_config.NumberColumn("storeys", min_value=1, step=1),
            "required_head_m": st.column_config.NumberColumn(
                "required head (m)", min_value=0.0,
                help="Empty: from storeys, GB 50013 (10 m for 1, 12 m for 2, +4 m per storey)"),
            "service_length_m": st.column_config.NumberColumn("external line (m)",
                                                              min_value=0.0),
            "reserved_tap": st.column_config.CheckboxColumn("reserved tap"),
            "front_loaded": st.column_config.CheckboxColumn(
                "front-loaded", help="Survey, design and approval done before applying (§1)"),
            "low_risk": st.column_config.CheckboxColumn(
                "low-risk", help="Social-investment low-risk project: '11000' track (§2)"),
            "received_on": st.column_config.TextColumn("received on (YYYY-MM-DD)"),
        })
    st.markdown("**Rules the plan text leaves open** (parameters, not guesses)")
    cols = st.columns(3)
    policy = {}
    for col, (key, (label, help_text)) in zip(cols, POLICY.items()):
        policy[key] = col.number_input(label, value=body.get("policy", {}).get(key),
                                       min_value=0.0, help=help_text, key=f"con_{key}_{ver}")

    nodes, links, _ = web_geometry()
    st.pydeck_chart(maps.network_map(nodes, links, None, None, height_px=420,
                                     highlight_nodes=list(table["node"].dropna())), height=420)
    st.caption("Red: junctions with an application; blue: other nodes; grey: pipes.")

    state.setdefault("con_name", "Applications")
    st.text_input("Study name", key="con_name")
    source = current_source()
    body_now = {"applications": table.to_dict("records"), "policy": policy}

    def build() -> Study:
        stem = study_file_name(state["con_name"], "connection_applications")[:-5]
        return build_study("connection_applications", state["con_name"],
                           {**network_keys(source, stem), **body_now})

    study_box("connection_applications", "con_study", build, _on_load,
              companions=lambda study: companions(source, study))
    try:
        study, problem = build(), None
    except ScenarioFileError as exc:
        study, problem = None, str(exc)
    ready = module is not None and study is not None and bool(study.body["applications"])
    if st.button("Assess applications", type="primary", disabled=not ready,
                 icon=":material/fact_check:"):
        _assess(module, opened, study)
    if problem and len(table):
        st.caption(f"Check the inputs: {problem}")


page()
