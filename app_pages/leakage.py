"""Leakage page: pipe leakage on the network and the CJJ 92-2016 leakage rate (§14, §16).

Two parts, each optional in a ``leakage_settings`` study: leakage settings (FAVAD area and
expansion for every pipe or per zone) run on the session's network, with the water balance,
the CJJ 92 rates and grade per zone, a map, minimum night flow and an optional PRV sweep;
and the reported figures of a period (volumes a utility publishes quarterly). Everything is
computed by :mod:`application.leakage_study` on :mod:`planning.leakage`.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import maps
from app_pages.common import (
    companions,
    csv_button,
    current_network,
    current_source,
    geopackage_bytes,
    network_keys,
    open_source,
    source_of_study,
    use_source,
    web_geometry,
)
from app_pages.study_files import study_box
from application import SERVICE_PRESSURE_M, ScenarioFileError, Study, build_study, study_file_name
from application.i18n import _
from application.i18n_terms import leakage_verdict
from application.leakage_study import (
    AREA_KEY,
    EXPANSION_KEY,
    PUMPS_AND_VALVES,
    check_leakage_settings,
    has_reported,
    has_simulation,
    leakage_node_layer,
    prv_names,
    reported_assessment,
    run_leakage,
    sweep_settings_m,
    zones_of,
)

state = st.session_state
FIELDS = {  # key: (label with unit, help, step)
    "supplied_m3": ("Water supplied (m³)", "Q_supplied over the period", 1e5),
    "registered_m3": ("Registered use Qa (m³)", "注册用户用水量: authorised use, metered "
                      "and unmetered (CJJ 92-2016)", 1e5),
    "billed_m3": ("Billed consumption (m³, optional)", "For non-revenue water (产销差率)", 1e5),
    "household_metered_share": ("Household-metered share r (fraction)",
                                "R1 = 8·r % (CJJ 92-2016; medium confidence); both parts use it",
                                0.05),
    "dn75_length_km": ("Pipe length DN ≥ 75 (km)", "For A in R2 (medium confidence)", 10.0),
    "mean_outlet_pressure_mpa": ("Mean outlet pressure (MPa)", "R3 (medium confidence)", 0.01),
    "frost_depth_m": ("Frost depth (m)", "R4 = 1 % above 1.4 m (medium confidence)", 0.1),
}
ZONINGS = {"one": "Whole network (one zone)",
           "pumps": "Zones: the parts left when every pump and valve is cut",
           "file": "Zones as in the loaded study file"}
GRADE_BOX = {1: st.success, 2: st.warning}
DEFAULT_AREA_MM2 = 0.4
DEFAULT_EXPANSION_MM2 = 0.01


@st.cache_data(max_entries=16, show_spinner=False)
def _zone_names(key: tuple, zones_json: str, _opened) -> list[str]:
    zones = zones_of(_opened.net, {"zones": json.loads(zones_json)})
    return [] if zones is None else list(zones.names)


@st.cache_data(max_entries=16, show_spinner=False)
def _run(key: tuple, body_json: str, _opened):
    return run_leakage(_opened, json.loads(body_json), source="<inputs>")


def _on_load(study: Study) -> None:
    """Open the study's network (raises if bad), then set the inputs."""
    source = source_of_study(study)
    check_leakage_settings(open_source(source) if source else current_network(), study.body,
                           resolve=study.resolve, source=study.source)
    body = dict(study.body)
    if "file" in body.get("zones", {}):  # the page runs it from elsewhere: keep the file
        body["zones"] = {"file": str(study.resolve(body["zones"]["file"]).resolve())}
    if source is not None:
        use_source(source)
    ver = state.get("lk_ver", 0) + 1
    for key in FIELDS:
        state[f"lk_{key}_{ver}"] = study.body.get(key)
    state[f"lk_period_{ver}"] = study.body.get("period", "")
    state["lk_body"] = body
    state["lk_name"] = study.name or _("Leakage settings")
    state["lk_ver"] = ver
    state.pop("lk_run", None)


def _zoning(loaded: dict, ver: int):
    """The zones spec chosen (None: one zone)."""
    spec = loaded.get("zones")
    options = ["one", "pumps"]
    if spec is not None and spec != {"boundaries": PUMPS_AND_VALVES}:
        options.append("file")
    start = "one" if spec is None else ("pumps" if spec == {"boundaries": PUMPS_AND_VALVES}
                                        else "file")
    choice = st.selectbox(_("Zones"), options, index=options.index(start),
                          format_func=lambda z: _(ZONINGS[z]), key=f"lk_zoning_{ver}")
    return {"one": None, "pumps": {"boundaries": PUMPS_AND_VALVES}, "file": spec}[choice]


def _settings(opened, source, loaded: dict, ver: int) -> dict:
    """The simulation inputs as a body part."""
    rules = loaded.get("leakage") or [{AREA_KEY: DEFAULT_AREA_MM2,
                                       EXPANSION_KEY: DEFAULT_EXPANSION_MM2}]
    everywhere = next((r for r in rules if "pipe" not in r and "zone" not in r), {})
    c1, c2, c3 = st.columns(3)
    area = c1.number_input(_("Leak area, every pipe (mm² per 100 m)"), min_value=0.0, step=0.1,
                           value=float(everywhere.get(AREA_KEY, 0.0)), key=f"lk_area_{ver}",
                           help=_("EPANET 2.3 FAVAD: crack area at zero pressure per 100 m"))
    expansion = c2.number_input(_("Expansion, every pipe (mm² per m of head, per 100 m)"),
                                min_value=0.0, step=0.005, format="%.3f",
                                value=float(everywhere.get(EXPANSION_KEY, 0.0)),
                                key=f"lk_expansion_{ver}")
    with c3:
        zones = _zoning(loaded, ver)
    kept = {"note": everywhere["note"]} if everywhere.get("note") else {}
    part: dict = {"leakage": [{AREA_KEY: area, EXPANSION_KEY: expansion, **kept}]}
    if zones is not None:
        part["zones"] = zones
        try:
            names = _zone_names(source.key, json.dumps(zones, sort_keys=True), opened)
        except ScenarioFileError as exc:
            st.error(_("The zones cannot be drawn: {exc}").format(exc=exc), icon=":material/error:")
            names = []
        given = {r["zone"]: r for r in rules if "zone" in r}
        table = pd.DataFrame({"zone": names,
                              AREA_KEY: [given.get(z, {}).get(AREA_KEY) for z in names],
                              EXPANSION_KEY: [given.get(z, {}).get(EXPANSION_KEY)
                                              for z in names]}).astype(
            {AREA_KEY: "float64", EXPANSION_KEY: "float64"})
        st.caption(_("Per zone (empty: the every-pipe values). A zone rule beats the every-pipe "
                   "rule; a pipe rule from a study file beats both."))
        edited = st.data_editor(table, key=f"lk_zones_{ver}_{len(names)}", hide_index=True,
                                disabled=["zone"], width="stretch", column_config={
                                    AREA_KEY: st.column_config.NumberColumn(
                                        _("area (mm²/100 m)"), min_value=0.0),
                                    EXPANSION_KEY: st.column_config.NumberColumn(
                                        _("expansion (mm²/m/100 m)"), min_value=0.0,
                                        format="%.3f")})
        for row in edited.to_dict("records"):
            if pd.notna(row[AREA_KEY]):
                rule = {"zone": row["zone"], AREA_KEY: float(row[AREA_KEY])}
                if pd.notna(row[EXPANSION_KEY]):
                    rule[EXPANSION_KEY] = float(row[EXPANSION_KEY])
                if given.get(row["zone"], {}).get("note"):
                    rule["note"] = given[row["zone"]]["note"]
                part["leakage"].append(rule)
    pipes = [r for r in rules if "pipe" in r]
    if pipes:
        st.caption(_("{n} pipe rule(s) from the study file are kept: ").format(n=len(pipes))
                   + ", ".join(r["pipe"] for r in pipes[:10]))
        part["leakage"] += pipes
    c1, c2 = st.columns(2)
    part["duration_h"] = c1.number_input(_("Run length (h)"), min_value=1.0, step=1.0,
                                         value=float(loaded.get("duration_h", 24.0)),
                                         key=f"lk_duration_{ver}")
    part["min_pressure_m"] = c2.number_input(
        _("Service pressure for the PRV sweep (m)"), min_value=0.0, step=1.0,
        value=float(loaded.get("min_pressure_m", SERVICE_PRESSURE_M)), key=f"lk_min_p_{ver}",
        help=_("0.14 MPa = 14.28 m (CJ/T 316-2009; medium-high confidence)"))
    part.update(_sweep(opened, loaded.get("prv_sweep"), ver))
    return part


def _sweep(opened, loaded: dict | None, ver: int) -> dict:
    prvs = prv_names(opened.net)
    if not prvs:
        return {}
    on = st.checkbox(_("Sweep a PRV setting (pressure management)"), value=loaded is not None,
                     key=f"lk_sweep_{ver}")
    if not on:
        return {}
    loaded = loaded or {"valves": prvs[:1], "settings_m": [25.0, 30.0, 35.0, 40.0]}
    settings = loaded["settings_m"]
    c1, c2, c3, c4 = st.columns(4)
    valves = c1.multiselect(_("PRVs (set alike)"), prvs,
                            default=[v for v in loaded["valves"] if v in prvs] or prvs[:1],
                            key=f"lk_sweep_valves_{ver}")
    low = c2.number_input(_("From (m)"), min_value=0.0, value=float(min(settings)),
                          key=f"lk_sweep_from_{ver}")
    high = c3.number_input("To (m)", min_value=0.0, value=float(max(settings)),
                           key=f"lk_sweep_to_{ver}")
    step = c4.number_input(_("Step (m)"), min_value=0.5, step=0.5,
                           value=float(settings[1] - settings[0]) if len(settings) > 1 else 5.0,
                           key=f"lk_sweep_step_{ver}")
    return {"prv_sweep": {"valves": valves, "settings_m": sweep_settings_m(low, high, step)}}


def _simulated(opened, run) -> None:
    net = run.network
    grade = net["grade"]
    box = GRADE_BOX.get(int(grade) if pd.notna(grade) else None, st.error)
    box(_("**Network: {verdict}** (CJJ 92-2016, over the {hours:g} h run)").format(
        verdict=leakage_verdict(net["grade"], net["assessed_rate_pct"]), hours=run.duration_h),
        icon=":material/water_drop:")
    cols = st.columns(5)
    cols[0].metric(_("Supplied (m³/d)"), f"{net['supplied_m3'] / net['days']:,.0f}")
    cols[1].metric(_("Leakage (m³/d)"), f"{net['leakage_m3_per_d']:,.0f}")
    cols[2].metric(_("Registered use Qa (m³/d)"), f"{net['registered_m3'] / net['days']:,.0f}")
    cols[3].metric(_("综合漏损率 R_WL (%)"), f"{net['gross_loss_rate_pct']:.2f}",
                   help=_("Comprehensive loss rate (CJJ 92-2016): (Qs − Qa) / Qs"))
    cols[4].metric(_("漏损率 R_BL (%)"), f"{net['assessed_rate_pct']:.2f}",
                   help=_("Leakage rate (CJJ 92-2016), the quarterly indicator: "
                          "R_WL − (R1+R2+R3+R4)"))
    for message in run.messages:
        st.caption(message)
    st.subheader(_("Water balance and CJJ 92 rates per zone"))
    shown = ["supplied_m3", "registered_m3", "leakage_m3", "leakage_m3_per_d",
             "gross_loss_rate_pct", "r1_pct", "r2_pct", "r3_pct",
             "r4_pct", "assessed_rate_pct", "negligible_supply", "verdict"]
    st.dataframe(run.table[shown], width="stretch", column_config={
        c: st.column_config.NumberColumn(c, format="%.2f") for c in shown[:-2]})
    nodes, links, _attrs = web_geometry()
    layer = leakage_node_layer(opened, run)
    options = {"Zone 综合漏损率 R_WL (%)": ("zone_gross_loss_rate_pct", "%"),
               "Leakage per junction (m³/d)": ("leakage_m3_per_d", "m³/d"),
               "Zone 漏损率 R_BL (%)": ("zone_assessed_rate_pct", "%")}
    colour = st.selectbox(_("Colour junctions by"), list(options), key="lk_colour")
    column, unit = options[colour]
    scale = maps.sequential_scale(layer[column], colour, unit)
    st.pydeck_chart(maps.network_map(nodes, links, layer[column], scale, tooltip_value=colour,
                                     height_px=440), height=440)
    maps.legend(scale)
    st.subheader(_("Minimum night flow (02:00–04:00)"))
    st.dataframe(run.night_flow, width="stretch", height=220)
    if run.sweep is not None:
        st.subheader(_("PRV sweep: {v0}").format(v0=', '.join(run.sweep_valves)))
        if run.sweep_best:
            saved = run.sweep.loc[run.sweep_best]
            st.success(_("Best setting that keeps pressure compliance: **{sweep_best}**, saving {v1:,.1f} m³/d ({v2:,.0f} m³ a year).").format(sweep_best=run.sweep_best, v1=saved['leakage_saved_m3_per_d'], v2=saved['leakage_saved_m3_per_yr']))
        else:
            st.info(_("No setting saves leakage while keeping pressure compliance."))
        st.dataframe(run.sweep, width="stretch")
    cols = st.columns(3)
    with cols[0]:
        csv_button(_("Zones (CSV)"), run.table, _("leakage_by_zone.csv"), key="lk_zones_csv",
                   index=True)
    with cols[1]:
        csv_button(_("Night flow (CSV)"), run.night_flow, _("night_flow.csv"), key="lk_mnf_csv",
                   index=True)
    with cols[2]:
        st.download_button(_("Network + leakage layer (GeoPackage)"),
                           lambda: geopackage_bytes(opened, {"leakage": layer}),
                           file_name="leakage.gpkg", mime="application/geopackage+sqlite3",
                           key="lk_gpkg", icon=":material/download:")


def _reported(body: dict) -> None:
    try:
        result = reported_assessment(body, "<inputs>")
    except ScenarioFileError as exc:
        st.error(_("Not assessed: {exc}").format(exc=exc), icon=":material/error:")
        return
    box = GRADE_BOX.get(result.grade, st.error)
    box(f"**{body.get('period') or _('Period')}: {leakage_verdict(result.grade, result.assessed_rate_pct)}**", icon=":material/calculate:")
    cols = st.columns(4)
    cols[0].metric(_("综合漏损率 R_WL (%)"), f"{result.gross_loss_rate_pct:.2f}")
    cols[1].metric(_("Corrections R1+R2+R3+R4 (%)"), f"{result.corrections_pct:.2f}")
    cols[2].metric(_("漏损率 R_BL (%)"), f"{result.assessed_rate_pct:.2f}")
    cols[3].metric(_("Non-revenue water (%)"), "–" if pd.isna(result.nrw_pct)
                   else f"{result.nrw_pct:.2f}")
    table = result.to_series().rename("value").rename_axis("item").to_frame()
    st.dataframe(table.astype(str), width="stretch", height=240)
    csv_button(_("Assessment (CSV)"), table, _("leakage_assessment.csv"), key="lk_reported_csv",
               index=True)


def page() -> None:
    """Draw the Leakage page."""
    st.title(_("Leakage"))
    st.caption(_("综合漏损率 (comprehensive loss rate) R_WL = (Qs − Qa) / Qs, Qa = 注册用户用水量 "
                 "(registered use, metered and unmetered authorised), and 漏损率 (leakage rate) "
                 "R_BL = R_WL − (R1 + R2 + R3 + R4) against grade 1 (≤ 10 %) and grade 2 "
               "(≤ 12 %), CJJ 92-2016; published quarterly (§16). Pressure management is the "
               "main lever against leakage (§14)."))
    opened, source = current_network(), current_source()
    ver = state.get("lk_ver", 0)
    loaded = state.get("lk_body", {})

    st.subheader(_("Leakage on the network"))
    part = _settings(opened, source, loaded, ver)
    st.subheader(_("Reported figures of a period"))
    period = st.text_input(_("Period (e.g. 2025-Q1)"), key=f"lk_period_{ver}")
    values = {}
    cols = st.columns(2)
    for i, (key, (label, help_text, step)) in enumerate(FIELDS.items()):
        values[key] = cols[i % 2].number_input(label, min_value=0.0, value=None, step=step,
                                               help=help_text, key=f"lk_{key}_{ver}")
    if values["household_metered_share"] is None:
        values["household_metered_share"] = 0.0
    body_now = {"period": period, **values, **part}  # empty values are dropped
    state.setdefault("lk_name", _("Leakage settings"))
    st.text_input(_("Study name"), key="lk_name")

    def build() -> Study:
        stem = study_file_name(state["lk_name"], "leakage_settings")[:-5]
        return build_study("leakage_settings", state["lk_name"],
                           {**network_keys(source, stem), **body_now})

    study_box("leakage_settings", "lk_study", build, _on_load,
              companions=lambda study: companions(source, study))
    try:
        study, problem = build(), None
    except ScenarioFileError as exc:
        study, problem = None, str(exc)
    if problem:
        st.error(_("Check the inputs: {problem}").format(problem=problem), icon=":material/error:")
    left, right = st.columns(2)
    body_json = json.dumps(study.body, sort_keys=True) if study else None
    if left.button(_("Run and assess the network"), type="primary",
                   disabled=study is None or not has_simulation(study.body),
                   icon=":material/play_arrow:"):
        state["lk_run"] = (source.key, body_json)
    if right.button(_("Assess the reported figures"), disabled=study is None
                    or not has_reported(study.body), icon=":material/calculate:"):
        state["lk_reported"] = body_json
    run = state.get("lk_run")
    if run and run[0] == source.key:
        with st.spinner(_("Running the network with its leakage…")):
            try:
                result = _run(source.key, run[1], opened)
            except ScenarioFileError as exc:
                st.error(_("Not run: {exc}").format(exc=exc), icon=":material/error:")
                result = None
        if result is not None:
            if run[1] != body_json:
                st.caption(_("The inputs changed since this run: press Run to update."))
            _simulated(opened, result)
    if state.get("lk_reported") and study is not None and has_reported(study.body):
        _reported(study.body)


page()
