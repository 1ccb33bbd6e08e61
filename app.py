"""Streamlit planner entry point: a thin router over the page modules in ``app_pages/``.

Run with ``make run`` (``streamlit run app.py``). The pages are listed in
``app_pages.PAGES``; each is a small script that calls ``application`` and ``gis``.
"""

from pathlib import Path

import streamlit as st

from app_pages import PAGES
from app_pages.common import apply_language, sidebar
from application.i18n import _
from application.plots import ensure_static_font

ensure_static_font(Path(__file__).parent / "static")  # the interface's CJK font (config.toml)

apply_language()  # before any text: the session's language (简体中文 by default)
st.set_page_config(page_title=_("Kunming water planner"), page_icon=":material/water:",
                   layout="wide")

sections: dict[str, list] = {}
for spec in PAGES:
    sections.setdefault(_(spec.section), []).append(
        st.Page(spec.file, title=_(spec.title), url_path=spec.url_path, icon=spec.icon,
                default=spec.default))

page = st.navigation(sections)
sidebar()
page.run()
