"""Planning's English phrases (reasons, conditions, costs, deadlines) in the catalog language.

``planning.connections`` states its reasons as English sentences with numbers. Rather than
change the pure planning layer, each known sentence shape is matched here and worded again
through a catalog message with the same numbers; a sentence of an unknown shape is kept as
it is (still correct, only untranslated), so a new planning rule never breaks a document.
"""

from __future__ import annotations

import re

from application.i18n import N_, _

_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"the hydraulic run did not converge at every step; check the model"),
     N_("the hydraulic run did not converge at every step; check the model")),
    (re.compile(r"pressure at the customer falls to (?P<p>[\d.]+) m at (?P<at>\S+) "
                r"\((?P<h>[\d.]+) h below\), under the (?P<req>[\d.]+) m required"
                r"(?: for (?P<storeys>\d+) storeys)?(?P<booster> \(the network minimum.*\))?$"),
     N_("pressure at the customer falls to {p} m at {at} ({h} h below), under the {req} m "
     "required")),
    (re.compile(r"(?P<n>\d+) junction\(s\) fall below the (?P<pmin>[\d.]+) m network minimum: "
                r"(?P<nodes>.*)$"),
     N_("{n} junction(s) fall below the {pmin} m network minimum: {nodes}")),
    (re.compile(r"(?P<n>\d+) junction\(s\) already below (?P<pmin>[\d.]+) m lose more than "
                r"(?P<tol>[\d.]+) m: (?P<nodes>.*)$"),
     N_("{n} junction(s) already below {pmin} m lose more than {tol} m: {nodes}")),
    (re.compile(r"other customers receive (?P<v>[\d.]+) m3 less water over (?P<h>[\d.]+) h$"),
     N_("other customers receive {v} m³ less water over {h} h")),
    (re.compile(r"peak flow (?P<q>[\d.]+) m3/h exceeds the Q3 of a DN(?P<dn>\d+) meter "
                r"\((?P<q3>[\d.]+) m3/h\): choose a larger meter$"),
     N_("peak flow {q} m³/h exceeds the Q3 of a DN{dn} meter ({q3} m³/h): choose a larger meter")),
    (re.compile(r"free \(small project: meter DN(?P<dn>\d+) <= DN(?P<max>\d+) and external "
                r"line (?P<l>[\d.]+) m <= (?P<lmax>[\d.]+) m\)$"),
     N_("free (small project: meter DN{dn} ≤ DN{max} and external line {l} m ≤ {lmax} m)")),
    (re.compile(r"no connection fee; the utility invests up to the user's red line; extension "
                r"services beyond it at cost \+ at most (?P<m>[\d.]+%) \((?P<why>.*)\)$"),
     N_("no connection fee; the utility invests up to the user's red line; extension services "
     "beyond it at cost + at most {m} ({why})")),
    (re.compile(r'free \("11000" fast track: 0 cost\)$'), N_('free ("11000" fast track: 0 cost)')),
    (re.compile(r"connection \(reserved tap: on application\)$"),
     N_("connection (reserved tap: on application)")),
    (re.compile(r"connection \(reserved tap, cost confirmed, meter installable, no earthwork: "
                r"on application\)$"),
     N_("connection (reserved tap, cost confirmed, meter installable, no earthwork: "
        "on application)")),
    (re.compile(r"connection \(front-loaded service, cost confirmed, meter installable, no "
                r"earthwork: on application\)$"),
     N_("connection (front-loaded service, cost confirmed, meter installable, no earthwork: "
        "on application)")),
    (re.compile(r"ASSUMPTION: small projects are free up to an external line of (?P<lmax>[\d.]+) "
                r"m; the published plan \(§12\) lost this figure, so it is a policy parameter, "
                r"not the plan's number$"),
     N_("ASSUMPTION: small projects are free up to an external line of {lmax} m; the published "
        "plan (§12) lost this figure, so it is a policy parameter, not the plan's number.")),
    (re.compile(r"No statutory holiday data for (?P<year>\d+): deadlines that year count "
                r"Monday-Friday only; give a holiday file to correct them$"),
     N_("No statutory holiday data for {year}: deadlines that year count Monday-Friday only; "
        "give a holiday file to correct them.")),
    (re.compile(r'connection \("11000": 1 step, 0 documents, 0 cost, 0 trips\)$'),
     N_('connection ("11000": 1 step, 0 documents, 0 cost, 0 trips)')),
    (re.compile(r'connection \("350", with external line\)$'),
     N_('connection ("350", with external line)')),
    (re.compile(r'connection \("350", without external line\)$'),
     N_('connection ("350", without external line)')),
    (re.compile(r"parallel external-works approvals$"), N_("parallel external-works approvals")),
    (re.compile(r"notification-commitment approval \(small external works\)$"),
     N_("notification-commitment approval (small external works)")),
    (re.compile(r'The "350" day counts are missing from the published plan; set them in the '
                r"policy\.$"),
     N_('The "350" day counts are missing from the published plan; set them in the policy.')),
)
def reword(sentence: str) -> str:
    """``sentence`` (a planning phrase) in the current language; itself if its shape is unknown."""
    for pattern, template in _PATTERNS:
        m = pattern.fullmatch(sentence.strip().rstrip("."))
        if m:
            values = {k: (v or "") for k, v in m.groupdict().items()}
            if "why" in values:
                values["why"] = "; ".join(reword(part) for part in values["why"].split("; "))
            return _lookup(template).format(**values)
    for pattern, template in _WHY:
        m = pattern.fullmatch(sentence.strip())
        if m:
            return _lookup(template).format(**m.groupdict())
    return sentence


_WHY = (
    (re.compile(r"meter DN(?P<dn>\d+) > DN(?P<max>\d+)"), N_("meter DN{dn} > DN{max}")),
    (re.compile(r"external line (?P<l>[\d.]+) m > (?P<lmax>[\d.]+) m"),
     N_("external line {l} m > {lmax} m")),
)


def _lookup(template: str) -> str:
    return _(template)


_ZH_DIGITS = "零一二三四五六七八九"


def ordinal(n: int) -> str:
    """The number of a document item: ``四、`` in Chinese, ``4.`` in English (1 <= n < 100)."""
    from application.i18n import current_language

    if current_language() != "zh_CN":
        return f"{n}."
    tens, ones = divmod(int(n), 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")) \
        + ("" if ones == 0 and tens else _ZH_DIGITS[ones])
    return text + "、"
