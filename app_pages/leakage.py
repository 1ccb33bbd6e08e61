"""Leakage page: the quarterly leakage rate by CJJ 92-2016 (§16).

Inputs and study files work now; the assessment is wired when ``planning.leakage`` lands
(see :func:`_assess`). This is the smallest page: a template for new ones.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import module_missing
from app_pages.study_files import study_box
from planning.studies import ScenarioFileError, Study, build_study, optional_module

state = st.session_state
FIELDS = {  # key: (label with unit, help, step)
    "supplied_m3": ("Water supplied (m³)", "Q_supplied over the period", 1e5),
    "registered_m3": ("Registered consumption (m³)", "Metered (registered) use", 1e5),
    "billed_m3": ("Billed consumption (m³, optional)", "For non-revenue water (产销差率)", 1e5),
    "household_metered_share": ("Household-metered share r (fraction)",
                                "R1 = 0.08·r (CJJ 92-2016; medium confidence)", 0.05),
    "dn75_length_km": ("Pipe length DN ≥ 75 (km)", "For A in R2 (medium confidence)", 10.0),
    "mean_outlet_pressure_mpa": ("Mean outlet pressure (MPa)", "R3 (medium confidence)", 0.01),
    "frost_depth_m": ("Frost depth (m)", "R4 = 1 % above 1.4 m (medium confidence)", 0.1),
}


def _on_load(study: Study) -> None:
    ver = state.get("lk_ver", 0) + 1
    for key in FIELDS:
        state[f"lk_{key}_{ver}"] = study.body.get(key)
    state[f"lk_period_{ver}"] = study.body.get("period", "")
    state["lk_name"] = study.name or "Leakage settings"
    state["lk_ver"] = ver


def _assess(module, study: Study) -> None:
    """Show the leakage rates (wire ``planning.leakage`` here)."""
    st.warning(f"`{module.__name__}` has landed: wire the assessment in app_pages/leakage.py "
               "(_assess) and the `leakage_settings` runner in planning/studies/kinds.py.")


def page() -> None:
    """Draw the Leakage page."""
    st.title("Leakage")
    st.caption("Gross loss rate R_WL = (supplied − registered) / supplied, and the assessed "
               "rate R_BL = R_WL − (R1 + R2 + R3 + R4) against grade 1 (≤ 10 %) and grade 2 "
               "(≤ 12 %), CJJ 92-2016. Published quarterly (§16).")
    module = optional_module("planning.leakage")
    if module is None:
        module_missing("planning.leakage", "the leakage rates and their corrections")
    ver = state.get("lk_ver", 0)
    period = st.text_input("Period (e.g. 2025-Q1)", key=f"lk_period_{ver}")
    values = {}
    cols = st.columns(2)
    for i, (key, (label, help_text, step)) in enumerate(FIELDS.items()):
        values[key] = cols[i % 2].number_input(label, min_value=0.0, value=None, step=step,
                                               help=help_text, key=f"lk_{key}_{ver}")
    state.setdefault("lk_name", "Leakage settings")
    st.text_input("Study name", key="lk_name")

    def build() -> Study:
        return build_study("leakage_settings", state["lk_name"], {"period": period, **values})

    study_box("leakage_settings", "lk_study", build, _on_load)
    try:
        study = build()
    except ScenarioFileError:
        study = None
    if st.button("Assess leakage", type="primary", disabled=module is None or study is None,
                 icon=":material/calculate:"):
        _assess(module, study)


page()
