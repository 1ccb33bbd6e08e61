"""Map of plants and catchments for the 2025 capacity page (not a page itself).

Exports :func:`map_section`, called by ``app_pages/capacity.py``. The layers come from
:func:`planning.capacity.capacity_layers` (through :mod:`application.capacity_whatif`); this
module only draws them (pydeck through
:mod:`app_pages.maps`), shows the plant table and offers the GeoPackage download.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import maps
from application.capacity_whatif import DEFAULT_YEARS, Registry, capacity_layers, has_geometry
from application.i18n import N_, _

MAP_HEIGHT_PX = 520
_COLOUR_BY = {
    N_("Collection rate (%)"): "collection_rate",
    N_("Sewage generated (m³/d)"): "generated_m3_per_d",
}
_PLANT_COLUMNS = ["name", "basin", "capacity_m3_per_d", "inflow_m3_per_d",
                  "peak_inflow_m3_per_d", "utilisation_avg", "utilisation_peak", "warning",
                  "illustrative"]


@st.cache_data(max_entries=16, show_spinner=False)
def _layers(folder: str, key: tuple, whatif_json: str, year: int, _registry: Registry):
    """(plants, catchments, GeoPackage bytes) of ``year``; cached by registry and what-if."""
    from gis.files import write_layers

    layers = capacity_layers(_registry, year)
    with tempfile.TemporaryDirectory(prefix="planner-capacity-") as tmp:
        path = write_layers(layers, Path(tmp) / "capacity_layers.gpkg")
        data = path.read_bytes()
    return layers["plants"], layers["catchments"], data


def _plant_info(plants: pd.DataFrame) -> pd.Series:
    def text(r) -> str:
        util = "–" if pd.isna(r["utilisation_avg"]) else f"{100 * r['utilisation_avg']:.0f} %"
        warn = f" ({r['warning']})" if r["warning"] else ""
        return _("design capacity {capacity:,.0f} m³/d<br/>mean inflow {inflow:,.0f} m³/d, "
                 "peak {peak:,.0f} m³/d<br/>utilisation {util}{warn}").format(
            capacity=r["capacity_m3_per_d"], inflow=r["inflow_m3_per_d"],
            peak=r["peak_inflow_m3_per_d"], util=util, warn=warn)
    return plants.apply(text, axis=1)


def _area_info(areas: pd.DataFrame) -> pd.Series:
    def text(r) -> str:
        plant = r["plant_id"] or _("none")
        return _("population {population:,.0f}<br/>sewage generated {generated:,.0f} m³/d<br/>"
                 "collection rate {rate:.0f} %<br/>plant {plant}").format(
            population=r["population"], generated=r["generated_m3_per_d"],
            rate=100 * r["collection_rate"], plant=plant)
    return areas.apply(text, axis=1)


def map_section(registry: Registry, folder: str, key: tuple, whatif_json: str,
                scenario: str) -> None:
    """Draw the map of plants and catchments, the plant table and the download.

    Parameters
    ----------
    registry : Registry
        The registry shown (the what-if's when one is active).
    folder, key, whatif_json : str, tuple, str
        Cache key: registry folder, its files' fingerprint, the what-if as JSON ("" none).
    scenario : str
        ``"baseline"`` or ``"what-if"``, for the caption.
    """
    if not has_geometry(registry):
        st.info(_("This registry has no plant locations or catchment polygons; add `lon`/`lat` "
                "to plants and a `catchments.geojson` (docs/capacity.md) to see a map."),
                icon=":material/map:")
        return
    years = list(DEFAULT_YEARS)
    cols = st.columns([1, 2])
    year = cols[0].selectbox(_("Year"), years, index=years.index(2025) if 2025 in years else 0,
                             key="cap_map_year")
    colour_by = cols[1].radio(_("Colour catchments by"), list(_COLOUR_BY), horizontal=True, format_func=_,
                              key="cap_map_colour")
    plants, areas, gpkg = _layers(folder, key, whatif_json, int(year), registry)

    column = _COLOUR_BY[colour_by]
    area_scale = (maps.rate_scale(_("Catchment sewage collection rate (%)"))
                  if column == "collection_rate" else
                  maps.sequential_scale(areas[column], _("Catchment sewage generated (m³/d)"),
                                        "m³/d"))
    plant_scale = maps.utilisation_scale(registry.assumptions.high_utilisation)
    deck = maps.area_map(plants, areas, plants["utilisation_avg"], plant_scale,
                         plants["capacity_m3_per_d"], areas[column], area_scale,
                         point_info=_plant_info(plants), area_info=_area_info(areas),
                         height_px=MAP_HEIGHT_PX)
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX)
    maps.legend(plant_scale, no_value=_("no capacity in service"), sources=False)
    maps.legend(area_scale, no_value=_("no value"), sources=False)
    located, drawn = plants.geometry.notna(), areas.geometry.notna()
    top = plants.loc[located, "capacity_m3_per_d"].max() if located.any() else np.nan
    missing = [f"{int((~located).sum())} plants" if (~located).any() else "",
               f"{int((~drawn).sum())} catchments" if (~drawn).any() else ""]
    missing = " and ".join(m for m in missing if m)
    st.caption(_("{scenario}, {year}. Circle area ∝ design capacity in service (largest shown: "
                 "{top:,.0f} m³/d). ").format(scenario=_(scenario), year=year, top=top)
               + (_("Not drawn (no location or polygon): {missing}.").format(missing=missing)
                  if missing else ""))
    shown = bool(plants.loc[located, "illustrative"].any() or areas.loc[drawn,
                                                                       "illustrative"].any())
    if shown:
        st.caption(_("**Illustrative:** plant locations and catchment polygons of the demo are "
                   "invented (not real plant sites or boundaries), and so are most of the "
                   "numbers; see scenarios/capacity/README.md."))
    st.dataframe(
        plants[_PLANT_COLUMNS], width="stretch", column_config={
            "capacity_m3_per_d": st.column_config.NumberColumn(_("design capacity (m³/d)"),
                                                               format="%,.0f"),
            "inflow_m3_per_d": st.column_config.NumberColumn(_("mean inflow (m³/d)"),
                                                             format="%,.0f"),
            "peak_inflow_m3_per_d": st.column_config.NumberColumn(_("peak inflow (m³/d)"),
                                                                  format="%,.0f"),
            "utilisation_avg": st.column_config.NumberColumn(_("utilisation, mean"),
                                                             format="percent"),
            "utilisation_peak": st.column_config.NumberColumn(_("utilisation, peak"),
                                                              format="percent"),
            "illustrative": st.column_config.CheckboxColumn(_("illustrative")),
        })
    st.download_button(_("Plants and catchments {year} (GeoPackage)").format(year=year), gpkg,
                       file_name=f"capacity_layers_{year}.gpkg",
                       mime="application/geopackage+sqlite3", key="cap_map_gpkg",
                       icon=":material/download:")
