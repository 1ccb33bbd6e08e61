"""Words the lower layers produce that a person reads: marked here for the catalogs.

``planning`` and the application's study modules name statuses and verdicts in English
(``"pass with conditions"``, ``"cut off"``, ``"at risk"``); the pages show them with
``_(value)``. The ``N_`` calls below put each such value in the catalogs (the extractor
sees only literals). Leakage grades carry numbers, so they are worded here.
"""

from __future__ import annotations

import math

from application.i18n import N_, _
from planning.leakage import GRADE_1_MAX_PCT, GRADE_2_MAX_PCT

VALUE_WORDS = (
    # connection verdicts (planning.connections)
    N_("pass"), N_("pass with conditions"), N_("fail"),
    # node status during a shutdown (application.shutdown_study.STATUS_CODES)
    N_("supplied"), N_("below minimum"), N_("cut off"), N_("isolated (inoperable valve)"),
    N_("isolated"),
    # capacity targets (planning.capacity)
    N_("on track"), N_("at risk"),
    # scenarios of the capacity map
    N_("baseline"), N_("what-if"),
    # service tracks (planning.connections.policy)
    N_("connection on application"), N_("standard"), N_("11000"), N_("350"),
    # node types (WNTR)
    N_("Junction"), N_("Tank"), N_("Reservoir"),
    # customer classes
    N_("residential"), N_("commercial"), N_("industrial"), N_("public"),
)
"""Every value word a page passes through ``_`` (kept for the catalog extractor)."""


def leakage_verdict(grade: int | None, assessed_rate_pct: float) -> str:
    """The CJJ 92-2016 grade of an assessed leakage rate R_BL, in the current language."""
    if assessed_rate_pct is None or math.isnan(assessed_rate_pct):
        return _("no supply")
    if grade == 1:
        return _("grade 1 (漏损率 R_BL {rate:.2f} % ≤ {limit:g} %)").format(
            rate=assessed_rate_pct, limit=GRADE_1_MAX_PCT)
    if grade == 2:
        return _("grade 2 (漏损率 R_BL {rate:.2f} % ≤ {limit:g} %)").format(
            rate=assessed_rate_pct, limit=GRADE_2_MAX_PCT)
    return _("above grade 2 (漏损率 R_BL {rate:.2f} % > {limit:g} %)").format(
        rate=assessed_rate_pct, limit=GRADE_2_MAX_PCT)
