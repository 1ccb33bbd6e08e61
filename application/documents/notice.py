"""The shutdown notice a utility posts (停水通知) and the emergency-supply plan (应急供水方案).

The notice has what a posted notice in Kunming carries: the area, the streets or accounts,
the time, the reason, whom to call, and the emergency supply points. The network model has
junctions, not streets: pass ``streets`` (junction -> street or account label, e.g. from an
account upload) to name them; otherwise junction IDs are listed with their account counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from application.i18n import _, current_language, fmt_date, fmt_datetime, fmt_pressure, use_language

LIST_MAX = 20
"""Junctions (or streets) named one by one in a notice; the rest are counted."""


@dataclass(frozen=True)
class Contact:
    """Who issues a notice and whom customers call.

    Attributes
    ----------
    utility : str
        The issuing company (blank: "the water supply company" in the language).
    phone : str
        Service hotline printed on the notice.
    """

    utility: str = ""
    phone: str = ""


def _window(plan) -> tuple[dt.datetime, dt.datetime] | None:
    best = plan.best_window
    if best is None:
        return None
    return best["start"].to_pydatetime() if hasattr(best["start"], "to_pydatetime") \
        else best["start"], best["end"].to_pydatetime() if hasattr(best["end"], "to_pydatetime") \
        else best["end"]


def _places(notice, streets: Mapping[str, str] | None) -> str:
    if streets:
        names: dict[str, int] = {}
        for node, customers in zip(notice["node"], notice["customers"]):
            label = streets.get(str(node), str(node))
            names[label] = names.get(label, 0) + int(customers)
        items = list(names.items())
    else:
        items = [(str(n), int(c)) for n, c in zip(notice["node"], notice["customers"])]
    shown = [_("{place} ({n} accounts)").format(place=p, n=n) for p, n in items[:LIST_MAX]]
    more = len(items) - len(shown)
    text = _(", ").join(shown)
    return text + (_(" and {n} more").format(n=more) if more > 0 else "")


def shutdown_notice(plan, *, contact: Contact = Contact(), lang: str | None = None,
                    streets: Mapping[str, str] | None = None,
                    issued_on: dt.date | None = None) -> str:
    """The notice of a planned (计划停水) or unplanned (临时停水) shutdown.

    Parameters
    ----------
    plan : planning.shutdowns.JobPlan
        With a permitted window (else a :class:`ValueError`: nothing to announce).
    contact : Contact
    lang : str, optional
        ``zh_CN`` or ``en``; the current language by default.
    streets : mapping, optional
        Junction ID -> street or account label.
    issued_on : datetime.date, optional
        Date printed under the signature; the plan's study time by default.

    Returns
    -------
    str
    """
    window = _window(plan)
    if window is None or plan.impact is None:
        raise ValueError(f"{plan.job.job_id}: no permitted start, so no notice to post")
    with use_language(lang or current_language()):
        return _notice(plan, window, contact, streets, issued_on)


def _notice(plan, window, contact, streets, issued_on) -> str:
    start, end = window
    job, notice = plan.job, plan.notice
    hours = (end - start).total_seconds() / 3600.0
    no_water = notice[notice["impact"] == "no water"]
    low = notice[notice["impact"] != "no water"]
    reason = job.description or (_("works on water main {pipe}") if plan.planned
                                 else _("repair of a burst on water main {pipe}")
                                 ).format(pipe=job.pipe)
    title = _("Notice of planned water supply interruption") if plan.planned \
        else _("Notice of unplanned water supply interruption")
    utility = contact.utility or _("The water supply company")
    lines = [title, "", _("Dear customers:")]
    lines.append((_("Because of {reason}, {utility} will interrupt the water supply from {start} "
                    "to {end} ({hours:g} h).") if plan.planned else
                  _("Because of {reason}, the water supply is interrupted from {start}; supply "
                    "is expected back by {end} ({hours:g} h).")).format(
        reason=reason, utility=utility, start=fmt_datetime(start), end=fmt_datetime(end),
        hours=hours))
    lines += [
        "",
        _("1. Area: the network section around main {pipe} closed off by {valves} valve(s) "
          "({nodes} junctions).").format(pipe=job.pipe, valves=len(plan.valves_to_close),
                                         nodes=len(plan.isolation.nodes)),
        _("2. Without water: {n} accounts — {places}.").format(
            n=int(no_water["customers"].sum()), places=_places(no_water, streets) or _("none")),
    ]
    if len(low):
        lines.append(_("   Low pressure (upper floors may have no water): {n} accounts — "
                       "{places}.").format(n=int(low["customers"].sum()),
                                           places=_places(low, streets)))
    lines += [
        _("3. Time: {start} to {end}.").format(start=fmt_datetime(start), end=fmt_datetime(end)),
        _("4. Reason: {reason}.").format(reason=reason),
        _("5. Emergency supply points: {points}").format(points=_points(plan)),
        _("6. Contact: {utility}, service hotline {phone}.").format(
            utility=utility, phone=contact.phone or _("(to be filled in)")),
        "",
        _("Please store water in advance and keep taps closed during the interruption. Water may "
          "be discoloured when supply returns: let it run for a while. Supply may return "
          "earlier or later than announced; we apologise for the inconvenience."),
        "",
        utility,
        fmt_date(issued_on or plan.now.date()),
    ]
    return "\n".join(lines) + "\n"


def _points(plan) -> str:
    e = plan.emergency
    if e is None or not e.required:
        return _("none (the interruption lasts no more than {after:g} h); please store water "
                 "in advance.").format(after=plan.policy.emergency.after_h)
    points = "、".join(map(str, e.points)) if current_language() == "zh_CN" \
        else ", ".join(map(str, e.points))
    return _("water tankers and standpipes at junction(s) {points}.").format(
        points=points or _("(to be arranged)"))


def emergency_supply_plan(plan, *, contact: Contact = Contact(),
                          lang: str | None = None) -> str:
    """The emergency-supply plan of an outage over the emergency threshold (§14: 24 h).

    Parameters
    ----------
    plan : planning.shutdowns.JobPlan
    contact : Contact
    lang : str, optional

    Returns
    -------
    str
        A plan with the need (persons, volume), the means (tanker trips, standpipe taps), the
        supply points and their pressures; or one line saying none is needed.
    """
    with use_language(lang or current_language()):
        return _plan(plan, contact)


def _plan(plan, contact) -> str:
    e, job = plan.emergency, plan.job
    title = _("Emergency water supply plan: {job} (main {pipe})").format(job=job.job_id,
                                                                         pipe=job.pipe)
    if e is None or not e.required:
        return "\n".join([title, "", _("Not required: the interruption lasts no more than "
                                        "{after:g} h (§14).").format(
            after=plan.policy.emergency.after_h)]) + "\n"
    lines = [title, "",
             _("1. Need: {customers:,.0f} accounts ({persons:,.0f} persons) without water for "
               "more than {after:g} h; {volume:,.1f} m³ a day.").format(
                 customers=e.customers, persons=e.persons, after=plan.policy.emergency.after_h,
                 volume=e.daily_volume_m3),
             _("2. Means: {trips} water-tanker trips a day and {taps} standpipe taps.").format(
                 trips=e.tanker_trips_per_day, taps=e.standpipe_taps),
             _("3. Supply points (draw {draw:.2f} L/s in total while filling):").format(
                 draw=e.draw_rate_m3s * 1e3)]
    for point in e.points:
        row = e.candidates.loc[point] if point in e.candidates.index else None
        pressure = fmt_pressure(float(row["pressure_m"])) if row is not None else "–"
        lines.append(_("   – junction {node}: pressure {p} before drawing").format(
            node=point, p=pressure))
    if not e.points_ok:
        lines.append(_("   The points cannot keep the minimum pressure while drawing: add tanker "
                       "supply from outside the area."))
    lines += [_("4. Contact: {utility}, service hotline {phone}.").format(
        utility=contact.utility or _("The water supply company"),
        phone=contact.phone or _("(to be filled in)"))]
    return "\n".join(lines) + "\n"
