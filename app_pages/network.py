"""Network page: load an INP or GeoPackage (or the demo), check it, run it, map pressures."""

from __future__ import annotations

from pathlib import Path

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

state = st.session_state


def _take_upload() -> None:
    """Open a new upload; keep the current network if it is bad (the error names the line)."""
    upload = st.file_uploader(
        f"Upload a network: EPANET INP or GeoPackage (up to {MAX_UPLOAD_MB} MB)",
        type=["inp", "gpkg"], key="net_upload")
    if upload is None or state.get("net_upload_seen") == upload.file_id:
        return
    state["net_upload_seen"] = upload.file_id
    with st.spinner(f"Reading {upload.name}…"):
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
    state["net_study_name"] = study.name or "Network run"
    state["net_run"] = (source.key, settings)


def _build_study(source: NetworkSource, settings: NetworkRunSettings) -> Study:
    name = state.get("net_study_name") or "Network run"
    body = network_keys(source, Path(study_file_name(name, "network_run")).stem)
    body.update(duration_h=settings.duration_h, min_pressure_m=settings.min_pressure_m)
    return build_study("network_run", name, body)


def _summary(opened):
    s = network_summary(opened)
    cols = st.columns(6)
    cols[0].metric("Junctions", f"{s.counts['Junction']:,}")
    cols[1].metric("Pipes", f"{s.counts['Pipe']:,}")
    cols[2].metric("Tanks / reservoirs", f"{s.counts['Tank']} / {s.counts['Reservoir']}")
    cols[3].metric("Pumps / valves", f"{s.counts['Pump']} / {s.counts['Valve']}")
    cols[4].metric("Base demand (L/s)", f"{s.base_demand_m3_per_s * 1000:,.1f}")
    cols[5].metric("Duration (h)", f"{s.duration_h:g}")
    with st.expander("Summary: units, time steps, placement"):
        st.dataframe(s.table(), hide_index=True, width="stretch")
        csv_button("Summary (CSV)", s.table(), "network_summary.csv", key="net_summary_csv")
    if s.warnings:
        with st.expander(f"Validation: {len(s.warnings)} reader notes", icon=":material/info:"):
            st.markdown("\n".join(f"- {w}" for w in s.warnings))
    else:
        st.caption("Validation: the file was read without notes.")
    return s


def _map(result) -> None:
    nodes, links, attrs = web_geometry()
    options = ["Node type", "Elevation (m)", "Base demand (L/s)"]
    if result is not None:
        options = ["Minimum pressure over the run (m)", "Pressure at a chosen time (m)",
                   "Hours below service pressure (h)", *options]
    colour = st.selectbox("Colour nodes by", options, key=f"net_colour_{result is not None}")
    if colour not in options:
        colour = options[0]
    values, scale = None, None
    if colour == "Elevation (m)":
        values = attrs["elevation_m"]
        scale = maps.sequential_scale(values, "Elevation (m)", "m")
    elif colour == "Base demand (L/s)":
        values = attrs["base_demand_l_per_s"]
        scale = maps.sequential_scale(values, "Base demand (L/s)", "L/s")
    elif colour == "Minimum pressure over the run (m)":
        values = result.nodes["min_pressure_m"]
        scale = maps.pressure_scale(result.settings.min_pressure_m,
                                    "Minimum pressure head over the run (m)")
    elif colour == "Pressure at a chosen time (m)":
        hours = [float(h) for h in result.times_h]
        t_h = st.select_slider("Time (h from the start)", hours, value=result.map_time_s / 3600,
                               key=f"net_time_h_{hash(result.settings)}_{len(hours)}")
        values = result.pressure_m.loc[int(round(t_h * 3600))]
        scale = maps.pressure_scale(result.settings.min_pressure_m,
                                    f"Pressure head at {t_h:g} h (m)")
    elif colour == "Hours below service pressure (h)":
        values = result.nodes["hours_below_service"]
        scale = maps.hours_scale()
    st.pydeck_chart(maps.network_map(nodes, links, values, scale, tooltip_value=colour,
                                     height_px=520), height=520)
    if scale is not None:
        maps.legend(scale)
    else:
        st.caption("Blue: junctions (small), tanks and reservoirs (large); grey: links.")


def _results(opened, result) -> None:
    for message in result.messages:
        (st.warning if "did not converge" in message else st.info)(message)
    st.subheader("Pressure per node")
    st.dataframe(result.nodes, width="stretch", height=260, column_config={
        "node_type": st.column_config.TextColumn("type"),
        "elevation_m": st.column_config.NumberColumn("elevation (m)", format="%.2f"),
        "base_demand_l_per_s": st.column_config.NumberColumn("base demand (L/s)",
                                                             format="%.3f"),
        "supplied_always": st.column_config.CheckboxColumn("always supplied"),
        "time_of_min_h": st.column_config.NumberColumn("time of min (h)", format="%.2f"),
        "min_pressure_m": st.column_config.NumberColumn("min pressure (m)", format="%.1f"),
        "mean_pressure_m": st.column_config.NumberColumn("mean pressure (m)", format="%.1f"),
        "max_pressure_m": st.column_config.NumberColumn("max pressure (m)", format="%.1f"),
        "pressure_at_map_time_m": st.column_config.NumberColumn(
            f"pressure at {result.map_time_s / 3600:g} h (m)", format="%.1f"),
        "hours_below_service": st.column_config.NumberColumn(
            f"hours below {result.settings.min_pressure_m:.4g} m", format="%.2f"),
    })
    cols = st.columns(3)
    with cols[0]:
        csv_button("Node pressures (CSV)", result.nodes, "node_pressure.csv",
                   key="net_nodes_csv", index=True)
    with cols[1]:
        csv_button("Pressure time series (CSV, m)", result.pressure_m, "pressure_m.csv",
                   key="net_series_csv", index=True)
    with cols[2]:
        st.download_button(
            "Network + pressure layer (GeoPackage)",
            lambda: geopackage_bytes(opened, {"pressure": pressure_map_layer(opened, result)}),
            file_name="network_pressure.gpkg", mime="application/geopackage+sqlite3",
            key="net_gpkg_result", icon=":material/download:")


def page() -> None:
    """Draw the Network page."""
    st.title("Network")
    st.caption("Load an EPANET model (INP) or a network GeoPackage, check it, run it and map "
               "the pressures. The demo is C-Town (CC BY 4.0) placed in Kunming; its location "
               "is fictitious.")
    left, right = st.columns([3, 1])
    with left:
        _take_upload()
    with right:
        st.button("Use the demo network", on_click=_use_demo, icon=":material/restart_alt:")
    if state.get("net_error"):
        st.error(f"The upload was not loaded (the current network is kept): "
                 f"{state['net_error']}", icon=":material/error:")

    source = current_source()
    opened = current_network()
    st.subheader(f"{'Demo: ' if source.demo else ''}{source.name}")
    summary = _summary(opened)

    st.subheader("Hydraulic run")
    cols = st.columns([1, 1, 1])
    state.setdefault(_duration_key(source), float(summary.duration_h))
    state.setdefault("net_min_pressure_m", SERVICE_PRESSURE_M)
    duration = cols[0].number_input("Run duration (h)", min_value=0.0, step=1.0,
                                    key=_duration_key(source))
    service = cols[1].number_input(
        "Service pressure (m)", min_value=0.0, step=1.0, key="net_min_pressure_m",
        help="0.14 MPa = 14.28 m at network extremities (CJ/T 316-2009; medium-high confidence)")
    settings = NetworkRunSettings(
        duration_h=None if duration == summary.duration_h else float(duration),
        min_pressure_m=float(service))
    if cols[2].button("Run simulation", type="primary", icon=":material/play_arrow:"):
        state["net_run"] = (source.key, settings)
    result = None
    run = state.get("net_run")
    if run and run[0] == source.key:
        with st.spinner("Running the hydraulic simulation… (the first run after an install "
                        "compiles the solver, which can take two minutes)"):
            result = run_current(run[1])
        if run[1] != settings:
            st.caption("The inputs changed since this run: press Run simulation to update.")

    _map(result)
    if result is not None:
        _results(opened, result)
    else:
        st.download_button("Network (GeoPackage)", lambda: geopackage_bytes(opened),
                           file_name="network.gpkg", mime="application/geopackage+sqlite3",
                           key="net_gpkg", icon=":material/download:")

    state.setdefault("net_study_name", "Network run")
    st.text_input("Study name", key="net_study_name")
    study_box("network_run", "net_study", lambda: _build_study(source, settings), _on_load,
              companions=lambda study: companions(source, study))


page()
