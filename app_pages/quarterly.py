"""Quarterly report page: the outage register, its corrections, and the bureau's report.

The register (:mod:`application.register`, an SQLite file beside the saved studies) holds
every recorded outage; the Shutdowns page records plans into it. Here: the current records
with their §14/§19 flags, the audit trail, corrections (new versions, who and when), the
quarter's entered figures (R_BL, service figures), pressure compliance from a network run,
the indicators with early warnings, and the XLSX and printable downloads.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from app_pages.common import current_network, run_current
from application import NetworkRunSettings, PlannerError
from application.i18n import _
from application.register import (
    ENTERED_FIGURES,
    ENTRY_FIELDS,
    compliance_table,
    correct_record,
    customers_served,
    indicator_table,
    open_register,
    pressure_compliance_pct,
    quarter_reports,
    records_table,
    register_path,
    report_html,
    report_warnings,
    report_xlsx_bytes,
)

state = st.session_state
FIGURE_LABELS = {
    "leakage_rbl_pct": "Leakage rate R_BL of the quarter (%), from the leakage assessment",
    "pressure_compliance_pct": "Pressure compliance (% of node-hours >= 0.14 MPa)",
    "satisfaction_coverage_pct": "Satisfaction-evaluation coverage (%)",
    "complaint_rectification_pct": "Complaint rectification (%)",
    "ontime_rectification_pct": "On-time rectification (%)",
}


@st.cache_data(max_entries=4, show_spinner=False)
def _served(key: str) -> int:
    return customers_served(current_network())


def _served_default() -> int:
    """Accounts loaded on the Shutdowns page, else the estimate from demand."""
    import json

    loaded = state.get("sd_customers_json")
    if loaded:
        return int(sum(json.loads(loaded).values()))
    return _served(str(current_network().sha256))


def _register_tables(reg) -> None:
    st.subheader(_("Outage register"))
    current = reg.current()
    st.caption(_("{n} outages in {file}. Corrections are new versions; nothing is "
                 "overwritten.").format(n=len(current), file=register_path()))
    if current.empty:
        st.info(_("No outage recorded yet: plan a shutdown on the Shutdowns page and record "
                  "it there."), icon=":material/info:")
        return
    st.dataframe(compliance_table(current), width="stretch", height=240)
    with st.expander(_("Audit trail (every version)")):
        st.dataframe(reg.history(), width="stretch", hide_index=True)
    with st.form(key="q_correct"):
        st.markdown("**" + _("Correct a record") + "**")
        cols = st.columns(4)
        oid = cols[0].selectbox(_("Outage"), list(current.index), key="q_corr_id")
        field = cols[1].selectbox(_("Field"), list(ENTRY_FIELDS), key="q_corr_field")
        text = cols[2].text_input(_("New value"), key="q_corr_value",
                                  help=_("Times as YYYY-MM-DDThh:mm; yes/no for emergency "
                                         "supply"))
        who = cols[3].text_input(_("Recorded by"), key="q_corr_by")
        if st.form_submit_button(_("Save the correction"), icon=":material/edit_note:"):
            try:
                version = correct_record(reg, int(oid), who, field, text,
                                         links=set(current_network().net.wn.link_name_list))
            except PlannerError as exc:
                st.error(_("Not corrected: {problem}").format(problem=exc),
                         icon=":material/error:")
            else:
                st.success(_("Outage {id}: version {v} stored.").format(id=oid, v=version))


def _assessed_rbl() -> float | None:
    """R_BL of the Leakage page's assessment of reported figures in this session, if any."""
    import json

    from application.leakage_study import reported_assessment

    body_json = state.get("lk_reported")
    if not body_json:
        return None
    try:
        return float(reported_assessment(json.loads(body_json), "<inputs>").assessed_rate_pct)
    except PlannerError:
        return None


def _figures(reg, year: int, quarter: int) -> dict:
    st.subheader(_("Figures of the quarter"))
    stored = reg.figures(year, quarter)
    rbl = _assessed_rbl()
    if rbl is not None and "leakage_rbl_pct" not in stored:
        stored = {**stored, "leakage_rbl_pct": round(rbl, 2)}
        st.caption(_("R_BL {v:.2f} % from the Leakage page's assessment (save to keep "
                     "it).").format(v=rbl))
    if st.button(_("Compute pressure compliance from a network run"),
                 icon=":material/speed:"):
        with st.spinner(_("Running the network…")):
            result = run_current(NetworkRunSettings())
            state["q_pressure"] = pressure_compliance_pct(current_network(), result)
    values = {}
    with st.form(key="q_figures"):
        cols = st.columns(len(ENTERED_FIGURES))
        for col, key in zip(cols, ENTERED_FIGURES):
            default = state.get("q_pressure") if key == "pressure_compliance_pct" else None
            default = stored.get(key, default) if default is None else default
            values[key] = col.number_input(_(FIGURE_LABELS[key]), min_value=0.0,
                                           max_value=100.0, value=default, step=0.1,
                                           key=f"q_fig_{key}_{year}_{quarter}")
        who = st.text_input(_("Recorded by"), key="q_fig_by")
        if st.form_submit_button(_("Save the figures"), icon=":material/save:"):
            try:
                reg.set_figures(year, quarter, who, values)
            except PlannerError as exc:
                st.error(_("Not saved: {problem}").format(problem=exc), icon=":material/error:")
            else:
                st.success(_("Figures of {y} Q{q} saved.").format(y=year, q=quarter))
    return values


def page() -> None:
    """Draw the Quarterly report page."""
    st.title(_("Quarterly report"))
    st.caption(_("Outages recorded (§14, §19), the quarter's supply-quality indicators for the "
                 "bureau (§16, §20), early warnings, and the report as XLSX and a printable "
                 "page."))
    try:
        reg = open_register()
    except PlannerError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    with reg:
        _register_tables(reg)
        current = reg.current()
        latest = current["actual_start"].fillna(current["approved_start"]).max() \
            if len(current) else None
        when = latest if latest is not None and latest == latest else datetime.now()
        cols = st.columns(3)
        year = int(cols[0].number_input(_("Year"), min_value=2000, max_value=2100,
                                        value=int(when.year), key="q_year"))
        quarter = int(cols[1].selectbox(_("Quarter"), [1, 2, 3, 4],
                                        index=(int(when.month) - 1) // 3, key="q_quarter"))
        served = cols[2].number_input(
            _("Customers served (accounts)"), min_value=1, key="q_served",
            value=_served_default(),
            help=_("Default: the accounts uploaded on the Shutdowns page, else estimated "
                   "from the network's demand (0.5 m³ per account a day)."))
        figures = _figures(reg, year, quarter)
        reports = quarter_reports(reg, year, quarter, float(served), figures)
        history = reg.history()
    report = reports[-1]
    st.subheader(_("Indicators of {y} Q{q}").format(y=year, q=quarter))
    v = report.values
    cols = st.columns(4)
    cols[0].metric(_("Planned outages"), f"{v['planned_outages']:.0f}")
    cols[1].metric(_("Unplanned outages"), f"{v['unplanned_outages']:.0f}")
    cols[2].metric(_("Average customer outage time (h)"),
                   f"{v['average_customer_outage_h']:.3f}")
    cols[3].metric(_("Customer-hours without water"), f"{v['customer_hours']:,.0f}")
    st.dataframe(indicator_table(report), width="stretch", hide_index=True)
    warnings = report_warnings(reports)
    st.subheader(_("Early warnings"))
    if warnings.empty:
        st.success(_("No indicator misses its threshold or got worse two quarters running."),
                   icon=":material/check_circle:")
    else:
        for _i, row in warnings.iterrows():
            st.warning(f"**{row.iloc[0]}**: {row.iloc[2]}", icon=":material/warning:")
    st.markdown("**" + _("Outages of the quarter") + "**")
    st.dataframe(records_table(report), width="stretch", hide_index=True)
    stem = f"quarterly_{year}Q{quarter}"
    cols = st.columns(2)
    cols[0].download_button(
        _("Quarterly report (XLSX)"), report_xlsx_bytes(reports, history),
        file_name=f"{stem}.xlsx", key="q_xlsx", icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols[1].download_button(
        _("Printable report (HTML)"), report_html(reports).encode("utf-8"),
        file_name=f"{stem}.html", mime="text/html", key="q_html", icon=":material/print:")


page()
