"""2025 capacity page: gap table, trajectories and what-ifs (:mod:`application.capacity_whatif`
on ``planning.capacity``)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.capacity_map import map_section
from app_pages.common import csv_button
from app_pages.study_files import study_box
from application import (
    DEMO_REGISTRY,
    ScenarioFileError,
    Study,
    checked_whatif,
    gap_comparison,
    gap_display,
    registry_path,
    studies_dir,
    whatif_of,
    whatif_study,
)
from application.capacity_whatif import (
    ADDED_KINDS,
    WhatIf,
    added_rows,
    is_empty,
    load_registry,
    project_choices,
    whatif_from_tables,
)
from application.capacity_whatif import review as capacity_review
from application.i18n import _

state = st.session_state


def _folder_key(folder: str) -> tuple:
    """Cache key of a registry folder: its files' names, sizes and modification times."""
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                        for p in Path(folder).iterdir() if p.is_file()))


@st.cache_resource(max_entries=4, show_spinner=False)
def _registry(folder: str, key: tuple):
    return load_registry(folder)


def registry():
    """The registry this session reviews (the Kunming demo unless a study named another)."""
    folder = state.get("cap_registry", str(DEMO_REGISTRY))
    return _registry(folder, _folder_key(folder))


def _png(fig) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return fig.get_label(), buffer.getvalue()


@st.cache_data(max_entries=32, show_spinner=False)
def _review(folder: str, key: tuple, whatif_json: str, _whatif: WhatIf | None) -> dict:
    """Gap table, indicators and trajectory plots (PNG) for the baseline or a what-if."""
    tables = capacity_review(_registry(folder, key), _whatif)
    return {"gaps": tables["gaps"], "indicators": tables["indicators"],
            "plots": [_png(f) for f in tables["figures"]]}


def review(whatif: WhatIf | None) -> dict:
    """Cached review of the session's registry with ``whatif`` (None: baseline)."""
    folder = state.get("cap_registry", str(DEMO_REGISTRY))
    text = "" if whatif is None else json.dumps(whatif_study(whatif).as_dict(), sort_keys=True)
    return _review(folder, _folder_key(folder), text, whatif)


def _on_load(study: Study) -> None:
    """Check the what-if against its registry, then (only then) set the page's inputs."""
    folder = registry_path(study)
    reg = _registry(str(folder), _folder_key(str(folder)))
    whatif = whatif_of(study)
    checked_whatif(reg, whatif, study.source)
    state["cap_registry"] = str(folder)
    state["cap_whatif"] = whatif
    state["cap_ver"] = state.get("cap_ver", 0) + 1


def _editor(reg) -> WhatIf:
    """The what-if inputs; returns the what-if they describe."""
    loaded: WhatIf = state.get("cap_whatif") or WhatIf(name="what-if")
    ver = state.get("cap_ver", 0)
    name = st.text_input(_("What-if name"), value=loaded.name, key=f"cap_name_{ver}")
    st.markdown(_("**Delay or cancel projects** (planned or under construction)"))
    projects = st.data_editor(
        project_choices(reg, loaded), key=f"cap_projects_{ver}", hide_index=True,
        width="stretch", height=240,
        disabled=["project_id", "name", "kind", "status", "effective_year"],
        column_config={
            "effective_year": st.column_config.NumberColumn(_("takes effect (year)"), format="%d"),
            "delay_years": st.column_config.NumberColumn(_("delay (years)"), min_value=0,
                                                         max_value=20, step=1),
            "cancel": st.column_config.CheckboxColumn(_("cancel")),
        })
    st.markdown(_("**Add capacity** (one row per addition)"))
    plants = list(reg.plants["plant_id"])
    added = st.data_editor(
        added_rows(loaded), key=f"cap_added_{ver}", num_rows="dynamic", hide_index=True,
        width="stretch",
        column_config={
            "project_id": st.column_config.TextColumn(_("project id"), required=True),
            "plant_id": st.column_config.SelectboxColumn(_("plant"), options=plants),
            "kind": st.column_config.SelectboxColumn(
                _("kind"), options=list(ADDED_KINDS), default="expansion",
                help=_("expansion: treatment capacity; reclaimed_plant: reclaimed-water capacity")),
            "added_m3_per_d": st.column_config.NumberColumn(_("added capacity (m³/d)"),
                                                            min_value=0.0, step=1000.0),
            "planned_year": st.column_config.NumberColumn(_("in service (year)"), min_value=2021,
                                                          max_value=2050, step=1,
                                                          format="%d"),
        })
    st.markdown(_("**Growth and return factor** (empty: keep the registry's values)"))
    cols = st.columns(3)
    pop = cols[0].number_input(_("Population growth (fraction per year)"), value=
                               loaded.population_growth_per_yr, min_value=-0.2, max_value=0.2,
                               step=0.005, format="%.3f", key=f"cap_pop_{ver}")
    pc = cols[1].number_input(_("Per-capita use growth (fraction per year)"), value=
                              loaded.per_capita_growth_per_yr, min_value=-0.2, max_value=0.2,
                              step=0.005, format="%.3f", key=f"cap_pc_{ver}")
    rf = cols[2].number_input(_("Return factor (sewage / water use)"), value=loaded.return_factor,
                              min_value=0.0, max_value=1.5, step=0.01, format="%.2f",
                              key=f"cap_rf_{ver}", help="GB 50014: 0.8–0.9")
    if loaded.parameters:
        st.caption(_("Assumptions changed by the loaded file (edit the file to change them): ")
                   + ", ".join(f"{k} = {v:g}" for k, v in loaded.parameters.items()))
    return whatif_from_tables(name, projects, added, population_growth_per_yr=pop,
                              per_capita_growth_per_yr=pc, return_factor=rf, keep_from=loaded)


def _study(whatif: WhatIf) -> Study:
    """The what-if as a study; a registry other than the demo is kept (relative path)."""
    folder = state.get("cap_registry", str(DEMO_REGISTRY))
    same = Path(folder).resolve() == DEMO_REGISTRY.resolve()
    return whatif_study(whatif, registry=None if same else os.path.relpath(folder,
                                                                             studies_dir()))


def _status_style(value: str) -> str:
    return {"at risk": "color: #b3261e; font-weight: 600",
            "on track": "color: #1e7b34"}.get(value, "")


def _shown(folder: str) -> str:
    """A registry folder as shown: relative to the project when inside it."""
    try:
        return str(Path(folder).resolve().relative_to(DEMO_REGISTRY.parents[1]))
    except ValueError:
        return folder


def _plots(plots: list[tuple[str, bytes]]) -> None:
    cols = st.columns(2)
    for i, (label, png) in enumerate(plots):
        cols[i % 2].image(png, caption=label.replace("trajectory_", "").replace("_", " "))


def page() -> None:
    """Draw the 2025 capacity page."""
    st.title(_("2025 wastewater and reclaimed-water capacity"))
    st.caption(_("Targets of the 2023 plan (§17, §18) against the registry of plants, "
               "catchments and projects (docs/capacity.md). Delay, cancel or add projects to "
               "see what changes."))
    with st.spinner(_("Loading the registry and computing the baseline…")):
        reg = registry()
        base = review(None)
    if base["gaps"]["illustrative"].any():
        st.warning(_("**Illustrative demo data.** Rows marked *illustrative* in the registry are "
                   "invented (only the public figures listed in scenarios/capacity/README.md "
                   "are real). Results that use them are marked in the *illustrative* column, "
                   "and the plots carry a footer."), icon=":material/science:")

    with st.expander(_("What-if: delay, cancel or add projects; change growth"),
                     expanded=state.get("cap_ver", 0) > 0, icon=":material/tune:"):
        whatif = _editor(reg)
    active = not is_empty(whatif)
    study_box("capacity_whatif", "cap_study", lambda: _study(whatif), _on_load)

    result, problem = None, None
    if active:
        try:
            with st.spinner(_("Computing the what-if…")):
                result = review(whatif)
        except ScenarioFileError as exc:
            problem = str(exc).replace("<study>, ", "")
    if problem:
        st.error(_("The what-if cannot be applied: {problem}").format(problem=problem), icon=":material/error:")

    st.subheader(_("Gap table: where each 2025 target stands"))
    gaps = base["gaps"] if result is None else result["gaps"]
    counts = gaps["status"].value_counts()
    cols = st.columns(3)
    cols[0].metric(_("Targets on track"), int(counts.get("on track", 0)))
    cols[1].metric(_("Targets at risk"), int(counts.get("at risk", 0)))
    cols[2].metric(_("Scenario"), "what-if" if result is not None else "baseline")
    if result is None:
        table = gap_display(base["gaps"])
        status_cols = ["status"]
    else:
        table = gap_comparison(base["gaps"], result["gaps"])
        status_cols = ["status (baseline)", "status (what-if)"]
    st.dataframe(table.style.map(_status_style, subset=status_cols), hide_index=True,
                 width="stretch", height=35 * (len(table) + 1) + 3, column_config={
                     "illustrative": st.column_config.CheckboxColumn(_("illustrative"))})
    cols = st.columns(4)
    with cols[0]:
        csv_button(_("Gap table (CSV)"), base["gaps"], _("gap_table.csv"), key="cap_gaps_csv")
    with cols[1]:
        csv_button(_("Indicators (CSV)"), base["indicators"], _("indicators.csv"), key="cap_ind_csv")
    if result is not None:
        with cols[2]:
            csv_button(_("What-if gap table (CSV)"), result["gaps"], _("gap_table_whatif.csv"),
                       key="cap_gaps_whatif_csv")
        with cols[3]:
            csv_button(_("What-if indicators (CSV)"), result["indicators"],
                       _("indicators_whatif.csv"), key="cap_ind_whatif_csv")

    st.subheader(_("Plants and catchments (what-if)") if result else _("Plants and catchments"))
    folder = state.get("cap_registry", str(DEMO_REGISTRY))
    shown = reg if result is None else checked_whatif(reg, whatif)
    text = "" if result is None else json.dumps(whatif_study(whatif).as_dict(), sort_keys=True)
    map_section(shown, folder, _folder_key(folder), text,
                "baseline" if result is None else "what-if")

    st.subheader(_("Trajectories 2020–2030 (what-if; baseline dotted)") if result
                 else _("Trajectories 2020–2030"))
    _plots((result or base)["plots"])
    st.caption(_("Registry: {v0}; {v1} plants, {v2} projects. Full review files: `python -m planning capacity --out DIR`.").format(v0=_shown(state.get('cap_registry', str(DEMO_REGISTRY))), v1=len(reg.plants), v2=len(reg.projects)))


pd.set_option("styler.render.max_elements", 100_000)
page()
