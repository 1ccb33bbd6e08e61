"""The planner's pages: one small module each, listed in :data:`PAGES` for ``app.py``.

Each page module builds its inputs, calls ``application`` and ``gis``, and shows the results;
it computes nothing itself. Shared pieces live in :mod:`app_pages.common` (the current
network, caches, downloads), :mod:`app_pages.maps` (pydeck maps
with legends) and :mod:`app_pages.study_files` (save/load of study files).

To add a page: write ``app_pages/<name>.py`` (``leakage.py`` is a good model) and
add a :class:`PageSpec` row below; ``app.py`` needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.i18n import N_


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    Attributes
    ----------
    file : str
        Script path relative to the repository root (``app_pages/<name>.py``).
    title : str
        Title in the navigation (an English msgid, shown through ``_``).
    url_path : str
        URL path (``http://host:8501/<url_path>``).
    icon : str
        Material icon, e.g. ``":material/lan:"``.
    section : str
        Navigation group.
    default : bool
        The page opened first.
    """

    file: str
    title: str
    url_path: str
    icon: str
    section: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/network.py", N_("Network"), "network", ":material/lan:", N_("Network"),
             default=True),
    PageSpec("app_pages/connections.py", N_("Connections"), "connections",
             ":material/add_home_work:", N_("Utility")),
    PageSpec("app_pages/shutdowns.py", N_("Shutdowns"), "shutdowns", ":material/plumbing:",
             N_("Utility")),
    PageSpec("app_pages/criticality.py", N_("Criticality"), "criticality",
             ":material/crisis_alert:", N_("Utility")),
    PageSpec("app_pages/quarterly.py", N_("Quarterly report"), "quarterly",
             ":material/summarize:", N_("Bureau")),
    PageSpec("app_pages/leakage.py", N_("Leakage"), "leakage", ":material/water_drop:",
             N_("Bureau")),
    PageSpec("app_pages/capacity.py", N_("2025 capacity"), "capacity", ":material/factory:",
             N_("Bureau")),
)
"""Every page, in navigation order."""
