"""Criticality page: every pipe closed in turn at the peak hour, ranked by the customers and
demand lost (:func:`application.criticality_run.rank_pipes`), with a map, a table and
downloads. Customers are the accounts loaded on the Shutdowns page when there are any,
else the estimate from demand.
"""

from __future__ import annotations

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
from application.criticality_run import criticality_layer, rank_pipes
from application.i18n import _

state = st.session_state


@st.cache_data(max_entries=4, show_spinner=False)
def _ranked(key: tuple, dask_workers: int, customers_json: str | None, _opened):
    import pandas as pd

    customers = None if customers_json is None else pd.read_json(
        customers_json, typ="series").rename(str)
    if customers is not None:
        customers.index = customers.index.astype(str)
    return rank_pipes(_opened, customers, dask_workers=dask_workers)


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
        csv_button(_("Criticality table (CSV)"), table, "criticality.csv", key="cr_csv",
                   index=True)
    with cols[1]:
        st.download_button(
            _("Network + criticality layer (GeoPackage)"),
            lambda: geopackage_bytes(opened, {"criticality": criticality_layer(opened, table)}),
            file_name="criticality.gpkg", mime="application/geopackage+sqlite3",
            key="cr_gpkg", icon=":material/download:")


page()
