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


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    Attributes
    ----------
    file : str
        Script path relative to the repository root (``app_pages/<name>.py``).
    title : str
        Title in the navigation.
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
    PageSpec("app_pages/network.py", "Network", "network", ":material/lan:", "Network",
             default=True),
    PageSpec("app_pages/connections.py", "Connections", "connections",
             ":material/add_home_work:", "Utility"),
    PageSpec("app_pages/shutdowns.py", "Shutdowns", "shutdowns", ":material/plumbing:",
             "Utility"),
    PageSpec("app_pages/criticality.py", "Criticality", "criticality",
             ":material/crisis_alert:", "Utility"),
    PageSpec("app_pages/quarterly.py", "Quarterly report", "quarterly", ":material/summarize:",
             "Bureau"),
    PageSpec("app_pages/leakage.py", "Leakage", "leakage", ":material/water_drop:", "Bureau"),
    PageSpec("app_pages/capacity.py", "2025 capacity", "capacity", ":material/factory:",
             "Bureau"),
)
"""Every page, in navigation order."""
