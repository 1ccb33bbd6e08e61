"""Streamlit planner entry point: a thin router over the pages in ``gis``/``planning``.

Run with ``make run``. Pages are added as the planning modules land.
"""

import streamlit as st


def _home() -> None:
    st.title("Kunming water planner")
    st.write(
        "Water-network and wastewater planning for the Kunming 'getting water' reform. "
        "Pages for connections, shutdowns, leakage and the 2025 capacity review are added "
        "as their planning modules land."
    )


pg = st.navigation([st.Page(_home, title="Home", default=True)])
pg.run()
