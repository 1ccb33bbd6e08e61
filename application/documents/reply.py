"""The reply to a service applicant (用水报装答复), from a connection assessment."""

from __future__ import annotations

import datetime as dt

import numpy as np

from application.documents.wording import ordinal, reword
from application.i18n import N_, _, current_language, fmt_date, fmt_pressure, use_language

_HEADS = {
    "pass": N_("The application can be connected."),
    "pass with conditions": N_("The application can be connected, with the conditions below."),
    "fail": N_("The application cannot be connected as requested, for the reasons below."),
}


def connection_reply(assessment, *, lang: str | None = None, issued_on: dt.date | None = None,
                     utility: str | None = None) -> str:
    """The reply letter to the applicant of an assessed application.

    Parameters
    ----------
    assessment : planning.connections.Assessment
    lang : str, optional
        ``zh_CN`` or ``en``; the current language by default.
    issued_on : datetime.date, optional
        Date of the reply; the application's received date, else today.
    utility : str, optional
        Who signs; "the water supply company" in the language by default.

    Returns
    -------
    str
        Plain text, one paragraph per line.
    """
    with use_language(lang or current_language()):
        return _reply(assessment, issued_on, utility)


def _reply(a, issued_on, utility) -> str:
    app = a.application
    issued_on = issued_on or app.received_on or dt.date.today()
    demand = (f"{app.demand_l_s:g} L/s" if app.demand_l_s is not None
              else f"{app.demand_m3_d:g} m³/d")
    who = app.applicant or _("Applicant")
    lines = [
        _("Reply to service application {id}").format(id=app.application_id),
        "",
        _("To {applicant}:").format(applicant=who),
        _("We have assessed your application for a water service (customer class: {cls}; mean "
          "demand {demand}; meter DN{dn}; {storeys} storey(s)) with a 24-hour hydraulic "
          "calculation of the network.").format(cls=_(app.customer_class), demand=demand,
                                                 dn=app.meter_dn, storeys=app.storeys),
        _(_HEADS[a.verdict]),
        "",
        _("{n} Proposed connection: {where}.").format(n=ordinal(1), where=_where(a)),
        _("{n} Lowest pressure at the customer: {p} (service head required: {req}, GB 50013)."
          ).format(n=ordinal(2), p=fmt_pressure(a.customer_min_pressure_m), req=fmt_pressure(a.required_head_m)),
        _("{n} Effect on the network: {effect}").format(n=ordinal(3), effect=_effect(a)),
    ]
    n = 4
    if np.isfinite(a.spare_capacity_m3s):
        lines.append(_("{n} Spare capacity at junction {node} at the peak hour before this "
                       "connection: {spare:.1f} L/s; this connection takes {take:.2f} L/s.").format(
            n=ordinal(n), node=a.capacity_node, spare=a.spare_capacity_m3s * 1e3,
            take=a.customer_peak_hour_m3s * 1e3 if np.isfinite(a.customer_peak_hour_m3s)
            else 0.0))
        n += 1
    for reason in a.reasons:
        lines.append(_("{n} Reason: {text}.").format(n=ordinal(n), text=reword(reason)))
        n += 1
    for condition in a.conditions:
        lines.append(_("{n} Condition: {text}.").format(n=ordinal(n), text=reword(condition)))
        n += 1
    t = a.terms
    lines.append(_("{n} Service track: {track}, {steps} step(s); cost: {cost}.").format(
        n=ordinal(n), track=_(t.track), steps=t.steps, cost=reword(t.cost_text)))
    for row in t.deadlines.itertuples():
        due = fmt_date(row.due_on) if row.due_on is not None else _("not set by policy")
        days = "" if np.isnan(row.working_days) else \
            _(" ({days:g} working days)").format(days=row.working_days)
        lines.append(_("   Deadline – {item}{days}: {due}.").format(item=reword(row.item),
                                                                   days=days, due=due))
    lines += [f"   {reword(note)}" for note in t.notes]
    lines += ["", utility or _("The water supply company"), fmt_date(issued_on)]
    return "\n".join(lines) + "\n"


def _where(a) -> str:
    tap, app = a.tap, a.application
    if tap.main is None:
        return _("at junction {node}").format(node=tap.node)
    at = _("a new tap") if tap.split else _("junction {node}").format(node=tap.node)
    return _("to main {main} (DN{dn:.0f}) at {at}, with a {length:.0f} m DN{meter} service "
             "line").format(main=tap.main, dn=tap.main_diameter_m * 1000, at=at,
                            length=a.service_length_m, meter=app.meter_dn)


def _effect(a) -> str:
    if a.max_pressure_drop_m > 0:
        text = _("the largest fall in a junction's lowest daily pressure is {drop:.2f} m (at "
                 "{node}); ").format(drop=a.max_pressure_drop_m, node=a.max_drop_node)
    else:
        text = _("no junction's lowest daily pressure falls; ")
    if a.nodes_below_minimum:
        return text + _("{n} junction(s) fall below the network minimum.").format(
            n=len(a.nodes_below_minimum))
    return text + _("no junction falls below the network minimum.")
