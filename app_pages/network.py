"""Network page: load an INP or GeoPackage (or the demo), check it, run it, map pressures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import maps
from app_pages.common import (
    NETWORK_ERRORS,
    NetworkSource,
    companions,
    csv_button,
    current_network,
    current_source,
    demo_source,
    geopackage_bytes,
    network_keys,
    run_current,
    source_of_study,
    use_source,
    web_geometry,
)
from app_pages.study_files import study_box
from application import (
    MAX_UPLOAD_MB,
    SERVICE_PRESSURE_M,
    NetworkRunSettings,
    Study,
    build_study,
    network_run_settings,
    network_summary,
    pressure_map_layer,
    study_file_name,
)
from application.i18n import N_, _, fmt_pressure

state = st.session_state


def _take_upload() -> None:
    """Open a new upload; keep the current network if it is bad (the error names the line)."""
    upload = st.file_uploader(
        _("Upload a network: EPANET INP or GeoPackage (up to {MAX_UPLOAD_MB} MB)").format(MAX_UPLOAD_MB=MAX_UPLOAD_MB),
        type=["inp", "gpkg"], key="net_upload")
    if upload is None or state.get("net_upload_seen") == upload.file_id:
        return
    state["net_upload_seen"] = upload.file_id
    with st.spinner(_("Reading {name}…").format(name=upload.name)):
        try:
            use_source(NetworkSource.from_bytes(upload.name, upload.getvalue()))
        except NETWORK_ERRORS as exc:
            state["net_error"] = str(exc)
        else:
            state.pop("net_error", None)
            state.pop("net_run", None)


def _use_demo() -> None:
    state["network_source"] = demo_source()
    for k in ("net_error", "net_run"):
        state.pop(k, None)


def _duration_key(source: NetworkSource) -> str:
    return f"net_duration_h_{source.sha256[:12]}"


def _on_load(study: Study) -> None:
    """Open the study's network (raises if bad), then set the page's inputs."""
    source = source_of_study(study)
    settings = network_run_settings(study)
    use_source(source)
    state.pop("net_error", None)
    if settings.duration_h is not None:
        state[_duration_key(source)] = float(settings.duration_h)
    state["net_min_pressure_m"] = float(settings.min_pressure_m)
    state["net_study_name"] = study.name or _("Network run")
    state["net_run"] = (source.key, settings)


def _build_study(source: NetworkSource, settings: NetworkRunSettings) -> Study:
    name = state.get("net_study_name") or _("Network run")
    body = network_keys(source, Path(study_file_name(name, "network_run")).stem)
    body.update(duration_h=settings.duration_h, min_pressure_m=settings.min_pressure_m)
    return build_study("network_run", name, body)


def _summary(opened):
    s = network_summary(opened)
    cols = st.columns(6)
    cols[0].metric(_("Junctions"), f"{s.counts['Junction']:,}")
    cols[1].metric(_("Pipes"), f"{s.counts['Pipe']:,}")
    cols[2].metric(_("Tanks / reservoirs"), f"{s.counts['Tank']} / {s.counts['Reservoir']}")
    cols[3].metric(_("Pumps / valves"), f"{s.counts['Pump']} / {s.counts['Valve']}")
    cols[4].metric(_("Base demand (L/s)"), f"{s.base_demand_m3_per_s * 1000:,.1f}")
    cols[5].metric(_("Duration (h)"), f"{s.duration_h:g}")
    with st.expander(_("Summary: units, time steps, placement")):
        st.dataframe(s.table(), hide_index=True, width="stretch")
        csv_button(_("Summary (CSV)"), s.table(), _("network_summary.csv"), key="net_summary_csv")
    if s.warnings:
        with st.expander(_("Validation: {v0} reader notes").format(v0=len(s.warnings)), icon=":material/info:"):
            st.markdown("\n".join(f"- {w}" for w in s.warnings))
    else:
        st.caption(_("Validation: the file was read without notes."))
    return s


def _map(result) -> None:
    nodes, links, attrs = web_geometry()
    options = [N_("Node type"), N_("Elevation (m)"), N_("Base demand (L/s)")]
    if result is not None:
        options = [N_("Minimum pressure over the run (m)"), N_("Pressure at a chosen time (m)"),
                   N_("Hours below service pressure (h)"), *options]
    colour = st.selectbox(_("Colour nodes by"), options, key=f"net_colour_{result is not None}",
                          format_func=_)
    if colour not in options:
        colour = options[0]
    values, scale = None, None
    if colour == "Elevation (m)":
        values = attrs["elevation_m"]
        scale = maps.sequential_scale(values, _("Elevation (m)"), "m")
    elif colour == "Base demand (L/s)":
        values = attrs["base_demand_l_per_s"]
        scale = maps.sequential_scale(values, _("Base demand (L/s)"), "L/s")
    elif colour == "Minimum pressure over the run (m)":
        values = result.nodes["min_pressure_m"]
        scale = maps.pressure_scale(result.settings.min_pressure_m,
                                    _("Minimum pressure head over the run (m)"))
    elif colour == "Pressure at a chosen time (m)":
        hours = [float(h) for h in result.times_h]
        t_h = st.select_slider(_("Time (h from the start)"), hours, value=result.map_time_s / 3600,
                               key=f"net_time_h_{hash(result.settings)}_{len(hours)}")
        values = result.pressure_m.loc[int(round(t_h * 3600))]
        scale = maps.pressure_scale(result.settings.min_pressure_m,
                                    _("Pressure head at {t_h:g} h (m)").format(t_h=t_h))
    elif colour == "Hours below service pressure (h)":
        values = result.nodes["hours_below_service"]
        scale = maps.hours_scale()
    event = st.pydeck_chart(maps.network_map(nodes, links, values, scale,
                                             tooltip_value=_(colour), height_px=520),
                            height=520, on_select="rerun", selection_mode="single-object",
                            key="net_map")
    if scale is not None:
        maps.legend(scale)
    else:
        st.caption(_("Blue: junctions (small), tanks and reservoirs (large); grey: links."))
    _inspect(maps.picked(event, "nodes"), attrs, result)


def _inspect(node: str | None, attrs, result) -> None:
    """What the planner clicked on the map: the node's data and, after a run, its pressures."""
    if node is None:
        st.caption(_("Click a node on the map to inspect it."))
        return
    row = {_("node"): node, _("Node type"): _(str(attrs.at[node, "node_type"])),
           _("Elevation (m)"): attrs.at[node, "elevation_m"],
           _("Base demand (L/s)"): attrs.at[node, "base_demand_l_per_s"]}
    if result is not None and node in result.nodes.index:
        low = float(result.nodes.at[node, "min_pressure_m"])
        row[_("Minimum pressure over the run")] = fmt_pressure(low)
        row[_("Hours below service pressure (h)")] = result.nodes.at[node, "hours_below_service"]
    st.markdown(_("**Node {node}**").format(node=node))
    st.dataframe(pd.Series(row, name=node).astype(str).to_frame(_("value")), width="stretch")


def _results(opened, result) -> None:
    for message in result.messages:
        (st.warning if "did not converge" in message else st.info)(message)
    st.subheader(_("Pressure per node"))
    st.dataframe(result.nodes, width="stretch", height=260, column_config={
        "node_type": st.column_config.TextColumn(_("type")),
        "elevation_m": st.column_config.NumberColumn(_("elevation (m)"), format="%.2f"),
        "base_demand_l_per_s": st.column_config.NumberColumn(_("base demand (L/s)"),
                                                             format="%.3f"),
        "supplied_always": st.column_config.CheckboxColumn(_("always supplied")),
        "time_of_min_h": st.column_config.NumberColumn(_("time of min (h)"), format="%.2f"),
        "min_pressure_m": st.column_config.NumberColumn(_("min pressure (m)"), format="%.1f"),
        "mean_pressure_m": st.column_config.NumberColumn(_("mean pressure (m)"), format="%.1f"),
        "max_pressure_m": st.column_config.NumberColumn(_("max pressure (m)"), format="%.1f"),
        "pressure_at_map_time_m": st.column_config.NumberColumn(
            _("pressure at {v0:g} h (m)").format(v0=result.map_time_s / 3600), format="%.1f"),
        "hours_below_service": st.column_config.NumberColumn(
            _("hours below {min_pressure_m:.4g} m").format(min_pressure_m=result.settings.min_pressure_m), format="%.2f"),
    })
    cols = st.columns(3)
    with cols[0]:
        csv_button(_("Node pressures (CSV)"), result.nodes, _("node_pressure.csv"),
                   key="net_nodes_csv", index=True)
    with cols[1]:
        csv_button(_("Pressure time series (CSV, m)"), result.pressure_m, _("pressure_m.csv"),
                   key="net_series_csv", index=True)
    with cols[2]:
        st.download_button(
            _("Network + pressure layer (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"pressure": pressure_map_layer(opened, result)}),
            file_name="network_pressure.gpkg", mime="application/geopackage+sqlite3",
            key="net_gpkg_result", icon=":material/download:")


def page() -> None:
    """Draw the Network page."""
    st.title(_("Network"))
    st.caption(_("Load an EPANET model (INP) or a network GeoPackage, check it, run it and map "
               "the pressures. The demo is C-Town (CC BY 4.0) placed in Kunming; its location "
               "is fictitious."))
    left, right = st.columns([3, 1])
    with left:
        _take_upload()
    with right:
        st.button(_("Use the demo network"), on_click=_use_demo, icon=":material/restart_alt:")
    if state.get("net_error"):
        st.error(_("The upload was not loaded (the current network is kept): {v0}").format(v0=state['net_error']), icon=":material/error:")

    source = current_source()
    opened = current_network()
    st.subheader((_("Demo: ") if source.demo else "") + source.name)
    summary = _summary(opened)

    st.subheader(_("Hydraulic run"))
    cols = st.columns([1, 1, 1])
    state.setdefault(_duration_key(source), float(summary.duration_h))
    state.setdefault("net_min_pressure_m", SERVICE_PRESSURE_M)
    duration = cols[0].number_input(_("Run duration (h)"), min_value=0.0, step=1.0,
                                    key=_duration_key(source))
    service = cols[1].number_input(
        _("Service pressure (m)"), min_value=0.0, step=1.0, key="net_min_pressure_m",
        help=_("0.14 MPa = 14.28 m at network extremities (CJ/T 316-2009; medium-high confidence)"))
    settings = NetworkRunSettings(
        duration_h=None if duration == summary.duration_h else float(duration),
        min_pressure_m=float(service))
    if cols[2].button(_("Run simulation"), type="primary", icon=":material/play_arrow:"):
        state["net_run"] = (source.key, settings)
    result = None
    run = state.get("net_run")
    if run and run[0] == source.key:
        with st.spinner(_("Running the hydraulic simulation… (the first run after an install "
                        "compiles the solver, which can take two minutes)")):
            result = run_current(run[1])
        if run[1] != settings:
            st.caption(_("The inputs changed since this run: press Run simulation to update."))

    _map(result)
    if result is not None:
        _results(opened, result)
    else:
        st.download_button(_("Network (GeoPackage)"), lambda: geopackage_bytes(opened),
                           file_name="network.gpkg", mime="application/geopackage+sqlite3",
                           key="net_gpkg", icon=":material/download:")

    state.setdefault("net_study_name", _("Network run"))
    st.text_input(_("Study name"), key="net_study_name")
    study_box("network_run", "net_study", lambda: _build_study(source, settings), _on_load,
              companions=lambda study: companions(source, study))


page()
