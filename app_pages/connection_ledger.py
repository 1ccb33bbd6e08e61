"""The Connections page's ledger panel: file, assess, approve or reject, connect; the clock.

Drawn by :mod:`app_pages.connections` under the assessment. Every step records the name
typed in "Your name" and the time given (now when empty); a batch (CSV of applications or of
steps) is stored whole or not at all, its bad rows listed by row and field. Each action opens
the ledger file afresh (one SQLite transaction), so several sessions can work on one ledger.
Approved applications then count as part of the network in the page's assessments and its
spare-capacity map (the page's study is keyed by the ledger's revision).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import streamlit as st

from app_pages.common import csv_button
from application import PlannerError, studies_dir
from application.connection_ledger import (
    assess_pending,
    file_csv,
    ledger_tables,
    ledger_xlsx_bytes,
    open_ledger_file,
    record_steps_csv,
    step_many,
)
from application.connection_study import application_of
from application.i18n import _

state = st.session_state
DEFAULT_LEDGER = "connections_ledger.sqlite"
STEPS = ("approve", "reject", "connect")


def _when() -> datetime | None:
    """The time typed for the next step (None: now); raises ValueError naming the field."""
    text = (state.get("led_when") or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_("field 'when': not a date-time (YYYY-MM-DD HH:MM): {text!r}")
                         .format(text=text)) from None


def _act(what, ledger_path: str) -> None:
    """Run one ledger action; show what it did or why nothing was stored."""
    who = (state.get("led_who") or "").strip()
    if not who:
        state["led_msg"] = ("error", _("Type your name first: every step records who made "
                                       "it."), None)
        return
    try:
        when = _when()
        with open_ledger_file(ledger_path) as ledger:
            done = what(ledger, who, when)
    except (PlannerError, ValueError) as exc:
        errors = getattr(exc, "errors", None)
        state["led_msg"] = ("error", _("Nothing was stored: {message}").format(message=exc),
                            errors)
    else:
        state["led_msg"] = ("success", done, None)


def _use_ledger() -> str:
    """The ledger file of the page (the study's, else one in the studies folder)."""
    path = state.get("con_ledger")
    if path:
        return path
    st.caption(_("No ledger open: a study file's `ledger:` key names one, or start one here."))
    default = str(Path(studies_dir()) / DEFAULT_LEDGER)
    name = st.text_input(_("Ledger file"), default, key="led_path")
    if st.button(_("Open or create the ledger"), icon=":material/book:"):
        try:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
            open_ledger_file(name).close()
        except (PlannerError, OSError) as exc:
            st.error(_("Not opened: {message}").format(message=exc), icon=":material/error:")
        else:
            state["con_ledger"] = name
            st.rerun()
    return ""


def ledger_panel(item: dict, get_study, policy) -> None:
    """Draw the panel.

    Parameters
    ----------
    item : dict
        The application of the form above (filed by "File the application above").
    get_study : callable
        Returns the page's ``ConnectionStudy`` (network + this ledger + policy) for
        assessing.
    policy : planning.connections.Policy
        The page's rules (the "350" day counts, the median target) for the clock.
    """
    st.subheader(_("Ledger"))
    ledger_path = _use_ledger()
    if not ledger_path:
        return
    st.caption(_("Ledger file {name}: approved applications count as part of the network in "
                 "every assessment and in the spare-capacity map above.").format(
        name=Path(ledger_path).name))
    c1, c2 = st.columns(2)
    c1.text_input(_("Your name"), key="led_who", help=_("Recorded with every step you make"))
    c2.text_input(_("When (YYYY-MM-DD HH:MM; empty: now)"), key="led_when",
                  help=_("The time of the step, when it happened earlier"))

    st.markdown("**" + _("File applications") + "**")
    c1, c2 = st.columns([1, 2])
    if c1.button(_("File the application above"), icon=":material/note_add:"):
        _act(lambda led, who, when: _("Filed {id}.").format(id=led.add(
            application_of(item), who=who, at=when, check=get_study())), ledger_path)
    upload = c2.file_uploader(_("CSV batch of applications (application fields, filed_at, "
                                "who)"), type=["csv"], key="led_upload")
    if upload is not None and c2.button(_("File the batch"), icon=":material/upload_file:"):
        data = upload.getvalue()
        _act(lambda led, who, when: _("Filed {n} applications: {ids}.").format(
            **_listed(file_csv(led, data, who=who, check=get_study(), at=when))), ledger_path)

    with open_ledger_file(ledger_path) as ledger:
        table = ledger.list()
        in_model = ledger.connected_in_model
    as_built = st.checkbox(
        _("The network model already holds the connected applications"), in_model,
        key="led_in_model", help=_("Unticked: connected applications are added to the network "
                                   "like approved ones (the model lags behind the ledger)"))
    if as_built != in_model:
        with open_ledger_file(ledger_path) as ledger:
            ledger.set_connected_in_model(as_built)
    st.markdown("**" + _("Steps") + "**")
    ids = list(table.index)
    # plain ids: a label with the status would change with each step and reset the choice
    chosen = st.multiselect(_("Applications"), ids, key="led_ids")
    cols = st.columns(4)
    if cols[0].button(_("Assess the chosen"), icon=":material/fact_check:", disabled=not chosen):
        def assess(led, who, when):
            done = assess_pending(led, get_study(), chosen, who=who, at=when)
            return _("Assessed {n}: {verdicts}.").format(n=len(done), verdicts=", ".join(
                f"{a} {v}" for a, v in done["verdict"].items()))
        with st.spinner(_("Running the 24 hours with each application…")):
            _act(assess, ledger_path)
    labels = {"approve": _("Approve"), "reject": _("Reject"), "connect": _("Mark connected")}
    for col, step in zip(cols[1:], STEPS):
        label = labels[step]
        if col.button(label, disabled=not chosen, key=f"led_{step}"):
            _act(lambda led, who, when, step=step: _("{step}: {n} recorded.").format(
                step=step, n=step_many(led, step, chosen, who=who, at=when)), ledger_path)
    steps = st.file_uploader(_("CSV batch of steps (application_id, step, at, who, note, "
                               "verdict)"), type=["csv"], key="led_steps")
    if steps is not None and st.button(_("Record the steps"), icon=":material/playlist_add:"):
        data = steps.getvalue()
        _act(lambda led, who, when: _("{n} steps recorded.").format(
            n=record_steps_csv(led, data, who=who)), ledger_path)

    message = state.pop("led_msg", None)
    if message is not None:
        kind, text, errors = message
        (st.success if kind == "success" else st.error)(text)
        if errors is not None:
            st.dataframe(errors, hide_index=True, width="stretch")

    with open_ledger_file(ledger_path) as ledger:
        tables = ledger_tables(ledger, policy)
    st.dataframe(tables["ledger"], width="stretch", height=200)
    _clock(tables, policy)
    cols = st.columns(5)
    for col, (name, file) in zip(cols, (("ledger", "ledger.csv"),
                                        ("events", "ledger_events.csv"),
                                        ("clock", "connection_clock.csv"),
                                        ("median", "median_connection_time.csv"))):
        with col:
            csv_button(file, tables[name], file, key=f"led_csv_{name}",
                       index=name in ("ledger", "clock"))
    with cols[4]:
        st.download_button(_("Ledger (XLSX)"), lambda: ledger_xlsx_bytes(tables),
                           file_name="ledger.xlsx", key="led_xlsx", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument."
                           "spreadsheetml.sheet")


def _listed(ids: list[str]) -> dict:
    return {"n": len(ids), "ids": ", ".join(ids)}


def _clock(tables: dict, policy) -> None:
    """The connection clock and the business users' annual median."""
    st.markdown("**" + _("Connection clock (working days)") + "**")
    clock, median = tables["clock"], tables["median"]
    target = float(policy.median_target_days)
    if median.empty:
        st.caption(_("No application connected yet: no median."))
    else:
        last = median.iloc[-1]
        cols = st.columns(3)
        value = "–" if last["median_days"] != last["median_days"] else \
            f"{last['median_days']:.3f}"
        cols[0].metric(_("Business users' median {year} (working days)").format(
            year=int(last["year"])), value, _("target ≤ {target:g}").format(target=target),
            delta_color="off", delta_arrow="off")
        cols[1].metric(_("Deadlines met"), int(last["deadlines_met"]))
        cols[2].metric(_("Deadlines missed"), int(last["deadlines_missed"]))
        st.dataframe(median, hide_index=True, width="stretch")
    shown = ["status", "track", "assess_days", "decide_days", "connect_days", "total_days",
             "limit_days", "due_on", "compliance"]
    st.dataframe(clock[shown], width="stretch", height=200, column_config={
        c: st.column_config.NumberColumn(c, format="%.3f")
        for c in ("assess_days", "decide_days", "connect_days", "total_days")})
    st.caption(_("Office hours 09:00-17:00 count as one working day, on the policy's "
                 "calendar; '350' limits not set in the rules above show as 'limit not "
                 "set'."))
