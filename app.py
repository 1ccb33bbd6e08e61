"""Streamlit planner entry point: a thin router over the page modules in ``app_pages/``.

Run with ``make run`` (``streamlit run app.py``). The pages are listed in
``app_pages.PAGES``; each is a small script that calls ``application`` and ``gis``.
"""

import streamlit as st

from app_pages import PAGES
from app_pages.common import sidebar

st.set_page_config(page_title="Kunming water planner", page_icon=":material/water:",
                   layout="wide")

sections: dict[str, list] = {}
for spec in PAGES:
    sections.setdefault(spec.section, []).append(
        st.Page(spec.file, title=spec.title, url_path=spec.url_path, icon=spec.icon,
                default=spec.default))

page = st.navigation(sections)
sidebar()
page.run()
