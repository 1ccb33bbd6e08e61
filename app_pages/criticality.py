"""Criticality page: every pipe closed in turn at the peak hour, ranked by the customers and
demand lost (:func:`application.criticality_run.rank_pipes`), or every valve segment
isolated (:func:`application.criticality_run.rank_segments`), with a map, a table and
downloads. Customers are the accounts loaded on the Shutdowns page when there are any,
else the estimate from demand.
"""

from __future__ import annotations

import io

import streamlit as st

from app_pages import maps
from app_pages.common import (
    csv_button,
    current_network,
    current_source,
    geopackage_bytes,
    web_geometry,
)
from application import PlannerError
from application.criticality_run import (
    criticality_layer,
    rank_pipes,
    rank_segments,
    segment_layer,
)
from application.i18n import _

state = st.session_state


def _customers(customers_json: str | None):
    import pandas as pd

    if customers_json is None:
        return None
    customers = pd.read_json(io.StringIO(customers_json), typ="series")
    customers.index = customers.index.astype(str)
    return customers


@st.cache_data(max_entries=4, show_spinner=False)
def _segments(key: tuple, valves_file: str | None, customers_json: str | None, _opened):
    return rank_segments(_opened, valves_file, _customers(customers_json))


def _segment_view(opened, source) -> None:
    valves_file = state.get("sd_files", {}).get("valves")
    if valves_file:
        st.caption(_("Valve layer: {file} (from the Shutdowns page).").format(
            file=valves_file.rsplit("/", 1)[-1]))
    else:
        st.warning(_("Valve layer: SYNTHETIC N-1 placement, an estimate: upload the "
                     "utility's valve layer on the Shutdowns page."), icon=":material/warning:")
    try:
        table = _segments(source.key, valves_file, state.get("sd_customers_json"), opened)
    except PlannerError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    cols = st.columns(3)
    cols[0].metric(_("Valve segments"), f"{len(table):,}")
    cols[1].metric(_("Most customers lost by one segment"),
                   f"{int(table['customers_lost'].max()):,}")
    cols[2].metric(_("Segments with an inoperable boundary valve"),
                   f"{int((table['inoperable_valves'] > 0).sum()):,}")
    st.caption(_("Graph screen: the segment's junctions are drained and junctions left with "
                 "no path to a tank or reservoir are cut off; pressure is not assessed."))
    top_n = st.slider(_("Segments shown red on the map (most critical)"), 5, 100, 20,
                      key="cr_seg_top")
    layer = segment_layer(opened, table.head(top_n), valves_file)
    nodes, links, _attrs = web_geometry()
    st.pydeck_chart(maps.network_map(nodes, links, None, None,
                                     highlight_links=list(layer.index), height_px=460),
                    height=460)
    st.dataframe(table, width="stretch", height=360)
    cols = st.columns(2)
    with cols[0]:
        csv_button(_("Segment criticality (CSV)"), table, _("segment_criticality.csv"),
                   key="cr_seg_csv", index=True)
    with cols[1]:
        st.download_button(
            _("Network + segment layer (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"segments": segment_layer(opened, table,
                                                                        valves_file)}),
            file_name="segment_criticality.gpkg", mime="application/geopackage+sqlite3",
            key="cr_seg_gpkg", icon=":material/download:")


@st.cache_data(max_entries=4, show_spinner=False)
def _ranked(key: tuple, dask_workers: int, customers_json: str | None, _opened):
    return rank_pipes(_opened, _customers(customers_json), dask_workers=dask_workers)


def page() -> None:
    """Draw the Criticality page."""
    st.title(_("Criticality"))
    st.caption(_("Each pipe closed in turn at the peak hour (pressure-driven): the customers "
                 "cut off or pushed below 0.14 MPa and the demand no longer served. The most "
                 "critical pipes need spare valves, inspection and a standing emergency "
                 "plan (§15)."))
    opened = current_network()
    source = current_source()
    customers = state.get("sd_customers_json")
    st.caption(_("Customers: accounts from the Shutdowns page's upload.") if customers else
               _("Customers: ESTIMATED from demand (0.5 m³ per account a day), a fallback; "
                 "upload accounts on the Shutdowns page to count real ones."))
    what = st.radio(_("Rank"), [_("Pipes (each closed, hydraulic)"),
                                _("Valve segments (each isolated, graph screen)")],
                    key="cr_what", horizontal=True)
    if what != _("Pipes (each closed, hydraulic)"):
        _segment_view(opened, source)
        return
    cols = st.columns(2)
    use_dask = cols[0].checkbox(_("Run on a local Dask cluster (2 worker processes)"),
                                value=False, key="cr_dask")
    if cols[1].button(_("Rank the pipes"), type="primary", icon=":material/crisis_alert:"):
        state["cr_run"] = (source.key, 2 if use_dask else 0, customers)
    run = state.get("cr_run")
    if not run or run[0] != source.key:
        st.info(_("Press Rank the pipes: every pipe of the network is closed once (a minute "
                  "or two on a large network)."), icon=":material/info:")
        return
    with st.spinner(_("Closing every pipe in turn…")):
        try:
            table = _ranked(*run, opened)
        except PlannerError as exc:
            st.error(str(exc), icon=":material/error:")
            return
    n = len(table)
    hit = table[table["customers_without_water"] > 0]
    cols = st.columns(3)
    cols[0].metric(_("Pipes closed"), f"{n:,}")
    cols[1].metric(_("Pipes whose closure cuts customers off"), f"{len(hit):,}")
    cols[2].metric(_("Most customers cut off by one pipe"),
                   f"{int(table['customers_without_water'].max()):,}")
    top_n = st.slider(_("Pipes shown red on the map (most critical)"), 5, 100, 20,
                      key="cr_top")
    top = list(table.index[:top_n])
    nodes, links, _attrs = web_geometry()
    st.pydeck_chart(maps.network_map(nodes, links, None, None, highlight_links=top,
                                     height_px=460), height=460)
    st.caption(_("Red, thick: the {n} most critical pipes.").format(n=top_n))
    st.dataframe(table, width="stretch", height=360, column_config={
        "rank": st.column_config.NumberColumn(_("rank")),
        "customers_without_water": st.column_config.NumberColumn(_("customers without water")),
        "customers_below_min": st.column_config.NumberColumn(_("customers below 0.14 MPa")),
        "demand_not_served_l_s": st.column_config.NumberColumn(
            _("demand not served (L/s)"), format="%.2f")})
    cols = st.columns(2)
    with cols[0]:
        csv_button(_("Criticality table (CSV)"), table, _("criticality.csv"), key="cr_csv",
                   index=True)
    with cols[1]:
        st.download_button(
            _("Network + criticality layer (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"criticality": criticality_layer(opened, table)}),
            file_name="criticality.gpkg", mime="application/geopackage+sqlite3",
            key="cr_gpkg", icon=":material/download:")


page()
