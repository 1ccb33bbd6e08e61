"""The outage register and the quarterly report for the app and the command line.

Exports :func:`register_path` (the register file beside the saved studies),
:func:`open_register`, :func:`entry_from_plan` (a shutdown or burst plan as a record),
:func:`notice_by_account` and :func:`emergency_accounts` (the plan's customers by account,
sensitive first), :func:`quarter_reports` (this quarter and the two before, for early
warning), :func:`report_xlsx_bytes` and :func:`report_html` (the report as a workbook and
as a printable page), :func:`write_report` (both files, atomically). The figures come from
:mod:`planning.report` and :mod:`planning.shutdowns.register`.
"""

from __future__ import annotations

import html
import io
import math
import os
from datetime import datetime
from pathlib import Path

import pandas as pd

from application.i18n import _
from application.paths import studies_dir
from models import write_atomic
from models.safe_export import safe_frame
from planning.report import QuarterReport, early_warnings, previous_quarters, quarterly_report
from planning.report.quarterly import ENTERED as ENTERED_FIGURES
from planning.shutdowns import OutageRegister, RegisterEntry, account_notice
from planning.shutdowns.register import ENTRY_FIELDS

REGISTER_FILE = "outage_register.sqlite"
"""File name of the register in the studies folder."""
REGISTER_ENV = "PLANNER_REGISTER"
"""Environment variable naming another register file."""

__all__ = ["ENTERED_FIGURES", "ENTRY_FIELDS", "REGISTER_FILE", "indicator_table", "records_table", "warning_table",
           "correct_record", "customers_served", "emergency_accounts", "entry_from_plan", "notice_by_account",
           "open_register", "pressure_compliance_pct", "quarter_reports", "report_warnings",
           "compliance_table", "register_path", "report_html",
           "report_xlsx_bytes", "write_report"]


def register_path() -> Path:
    """The register file: ``$PLANNER_REGISTER`` or ``<studies folder>/outage_register.sqlite``."""
    return Path(os.environ.get(REGISTER_ENV) or studies_dir() / REGISTER_FILE)


def open_register(path: str | os.PathLike | None = None) -> OutageRegister:
    """Open (create) the register; close it after use (``with open_register() as reg``)."""
    return OutageRegister(path or register_path())


def entry_from_plan(plan, *, approval_ref: str = "", notice_issued: datetime | None = None,
                    actual_start: datetime | None = None, actual_end: datetime | None = None,
                    emergency_supply: bool | None = None, area: str = "",
                    note: str = "") -> RegisterEntry:
    """A plan (``planning.shutdowns.JobPlan``) as a register record.

    Planned works: the approved window is the plan's chosen window; notice defaults to the
    study time. Bursts: the actual start defaults to the burst time and the end to the
    expected restoration. Customers come from the plan; the plan's customer-hours are kept
    only while the actual times are the planned ones (otherwise customers x duration).
    Emergency supply defaults to whether the plan requires it.
    """
    if plan.impact is None:
        raise ValueError(_("no permitted start: nothing to record"))
    s = plan.impact.summary
    start, end = s["start"], s["end"]
    planned = bool(plan.planned)
    if not planned:
        actual_start = actual_start or start
        actual_end = actual_end or end
    same = actual_start in (None, start) and actual_end in (None, end)
    return RegisterEntry(
        kind="planned" if planned else "unplanned",
        customers=int(s["customers_without_water"]), job_id=plan.job.job_id,
        pipe=plan.job.pipe, area=area,
        approved_start=start if planned else None, approved_end=end if planned else None,
        approval_ref=approval_ref.strip(),
        notice_issued=(notice_issued or plan.now) if planned else notice_issued,
        actual_start=actual_start, actual_end=actual_end,
        customer_hours=float(s["customer_hours_without_water"]) if same else None,
        emergency_supply=bool(plan.emergency is not None and plan.emergency.required)
        if emergency_supply is None else bool(emergency_supply),
        note=note)


def notice_by_account(plan, accounts) -> pd.DataFrame | None:
    """The plan's notice list by account (sensitive first), or None without accounts."""
    if accounts is None:
        return None
    return account_notice(plan.notice_list, accounts)


def emergency_accounts(plan, accounts) -> pd.DataFrame | None:
    """Accounts without water when the plan needs emergency supply (sensitive first)."""
    if accounts is None or plan.emergency is None or not plan.emergency.required:
        return None
    table = account_notice(plan.notice_list, accounts)
    return table[table["impact"] == "no water"].reset_index(drop=True)


def customers_served(opened, accounts=None) -> int:
    """Accounts the utility serves: the placed billing accounts, else the estimate from
    demand (``planning.shutdowns.customers_per_node``)."""
    from planning.shutdowns import customers_per_node

    if accounts is not None:
        return int(len(accounts.placed))
    return int(customers_per_node(opened.net).sum())


def pressure_compliance_pct(opened, result) -> float:
    """Share of demand-junction hours at or above the run's service pressure (0.14 MPa by
    default), %, of an ``application.NetworkRunResult``."""
    from planning.leakage import demand_junctions
    from planning.report import node_hour_compliance_pct

    junctions = [j for j in demand_junctions(opened.net) if j in result.pressure_m.columns]
    return node_hour_compliance_pct(result.pressure_m, junctions,
                                    result.settings.min_pressure_m)


def correct_record(register: OutageRegister, outage_id: int, by: str, field: str,
                   text: str, links=None) -> int:
    """Correct one field of a record from text (times ``YYYY-MM-DDThh:mm``, numbers,
    yes/no); a new version is stored. Returns it.

    Raises
    ------
    planning.shutdowns.ShutdownInputError
        The field or value is bad (named); nothing is stored.
    """
    from planning.shutdowns import ShutdownInputError

    text = text.strip()

    def bad(problem):
        return ShutdownInputError("outage register", outage_id, field, problem)

    if field in ("approved_start", "approved_end", "notice_issued", "actual_start",
                 "actual_end"):
        try:
            value = datetime.fromisoformat(text) if text else None
        except ValueError:
            raise bad(_("{text!r} is not a date and time").format(text=text)) from None
    elif field in ("customers", "customer_hours"):
        try:
            value = (int(text) if field == "customers" else float(text)) if text else None
        except ValueError:
            raise bad(_("{text!r} is not a number").format(text=text)) from None
        if value is None and field == "customers":
            raise bad(_("empty"))
    elif field == "emergency_supply":
        if text.lower() not in ("yes", "no", "true", "false", "1", "0"):
            raise bad(_("{text!r} is not yes or no").format(text=text))
        value = text.lower() in ("yes", "true", "1")
    else:
        value = text
    return register.correct(outage_id, by, links=links, **{field: value})


def compliance_table(current: pd.DataFrame) -> pd.DataFrame:
    """The current records with their §14/§19 flags (``planning.shutdowns.compliance_flags``)."""
    from planning.shutdowns import compliance_flags

    return current.join(compliance_flags(current))


def report_warnings(reports: list[QuarterReport]) -> pd.DataFrame:
    """Early warnings of the last report (translated), as shown and exported."""
    return warning_table(early_warnings(reports))


def quarter_reports(register: OutageRegister, year: int, quarter: int,
                    total_customers: float, figures: dict | None = None
                    ) -> list[QuarterReport]:
    """The two quarters before and this one (oldest first), each with its entered
    figures; ``figures`` overrides this quarter's (e.g. a pressure compliance just run)."""
    current = register.current()
    out = []
    for y, q in [*previous_quarters(year, quarter, 2), (year, quarter)]:
        entered = register.figures(y, q)
        if (y, q) == (year, quarter) and figures:
            entered = {**entered, **{k: v for k, v in figures.items() if v is not None}}
        out.append(quarterly_report(current, y, q, total_customers, entered))
    return out


def indicator_table(report: QuarterReport) -> pd.DataFrame:
    """The report's indicators as shown and exported (translated headers)."""
    t = report.indicators
    return pd.DataFrame({
        _("indicator"): [_(x) for x in t["label"]],
        _("value"): t["value"].round(3),
        _("unit"): t["unit"],
        _("threshold"): [("" if math.isnan(lim) else
                          ("≤ " if kind == "max" else "≥ ") + f"{lim:g}")
                         for lim, kind in zip(t["limit"], t["limit_kind"])],
        _("misses the threshold"): t["misses"],
    })


def warning_table(warnings: pd.DataFrame) -> pd.DataFrame:
    """Early warnings (``planning.report.early_warnings``) with translated words."""
    return pd.DataFrame({_("indicator"): [_(x) for x in warnings["label"]],
                         _("value"): warnings["value"],
                         _("warning"): [_(x) for x in warnings["reason"]]})


def records_table(report: QuarterReport) -> pd.DataFrame:
    """The quarter's records with their flags, as exported."""
    cols = ["kind", "job_id", "pipe", "area", "approved_start", "approved_end", "approval_ref",
            "notice_issued", "actual_start", "actual_end", "customers", "customer_hours",
            "emergency_supply", "notice_h", "duration_h", "flags", "version", "recorded_by",
            "recorded_at"]
    return report.records.reset_index()[["outage_id", *cols]]


def report_xlsx_bytes(reports: list[QuarterReport], history: pd.DataFrame) -> bytes:
    """The last report of ``reports`` as an XLSX workbook: sheets ``Indicators``,
    ``Warnings``, ``Records`` (the quarter's, with flags), ``Trend`` (the quarters given)
    and ``Audit trail`` (every version of every record)."""
    report = reports[-1]
    warnings = early_warnings(reports)
    trend = pd.DataFrame({f"{r.year} Q{r.quarter}": r.indicators["value"] for r in reports})
    trend.insert(0, _("indicator"), [_(x) for x in reports[-1].indicators["label"]])
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:  # every sheet formula-safe
        head = pd.DataFrame({_("field"): [_("quarter"), _("customers served"), _("made at")],
                             _("value"): [f"{report.year} Q{report.quarter}",
                                          report.total_customers,
                                          datetime.now().isoformat(timespec="minutes")]})
        safe_frame(head).to_excel(xl, sheet_name="Report", index=False)
        safe_frame(indicator_table(report)).to_excel(xl, sheet_name="Indicators", index=False)
        safe_frame(warning_table(warnings)).to_excel(xl, sheet_name="Warnings", index=False)
        safe_frame(records_table(report)).to_excel(xl, sheet_name="Records", index=False)
        safe_frame(trend).to_excel(xl, sheet_name="Trend", index_label="key")
        safe_frame(history).to_excel(xl, sheet_name="Audit trail", index=False)
    return buf.getvalue()


def report_html(reports: list[QuarterReport]) -> str:
    """The last report of ``reports`` as a printable HTML page (print to PDF from a
    browser)."""
    report = reports[-1]
    warnings = early_warnings(reports)
    esc = html.escape
    title = _("Quarterly supply-quality report")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
             ".miss{color:#b00;font-weight:bold}@media print{button{display:none}}</style>"
             "</head><body>",
             f"<h1>{esc(title)}: {report.year} Q{report.quarter}</h1>",
             f"<p>{esc(_('Customers served'))}: {report.total_customers:,.0f}</p>",
             f"<h2>{esc(_('Indicators'))}</h2><table><tr>"]
    table = indicator_table(report)
    parts.append("".join(f"<th>{esc(str(c))}</th>" for c in table.columns[:4]) + "</tr>")
    for (_i, row), miss in zip(table.iterrows(), report.indicators["misses"]):
        value = row.iloc[1]
        text = "—" if pd.isna(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
        parts.append(f"<tr class='{'miss' if miss else ''}'><td>{esc(str(row.iloc[0]))}</td>"
                     f"<td>{esc(text)}</td><td>{esc(str(row.iloc[2]))}</td>"
                     f"<td>{esc(str(row.iloc[3]))}</td></tr>")
    parts.append("</table>")
    parts.append(f"<h2>{esc(_('Early warnings'))}</h2>")
    if warnings.empty:
        parts.append(f"<p>{esc(_('None.'))}</p>")
    else:
        parts.append("<ul>" + "".join(
            f"<li class='miss'>{esc(_(r['label']))}: {esc(_(r['reason']))}</li>"
            for _i, r in warnings.iterrows()) + "</ul>")
    parts.append(f"<h2>{esc(_('Outages of the quarter'))}</h2><table><tr>" + "".join(
        f"<th>{esc(_(c))}</th>" for c in ("job", "kind", "start", "end", "customers",
                                          "flags")) + "</tr>")
    for oid, r in report.records.iterrows():
        start = r["actual_start"] if pd.notna(r["actual_start"]) else r["approved_start"]
        end = r["actual_end"] if pd.notna(r["actual_end"]) else r["approved_end"]
        parts.append(f"<tr><td>{esc(str(r['job_id'] or oid))}</td><td>{esc(_(r['kind']))}</td>"
                     f"<td>{esc(str(start))}</td><td>{esc(str(end))}</td>"
                     f"<td>{int(r['customers'])}</td>"
                     f"<td>{esc(str(r['flags']))}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def write_report(reports: list[QuarterReport], history: pd.DataFrame,
                 out: str | os.PathLike) -> list[Path]:
    """Write ``quarterly_<year>Q<q>.xlsx`` and ``.html`` into ``out``, each atomically."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    r = reports[-1]
    stem = f"quarterly_{r.year}Q{r.quarter}"
    data = report_xlsx_bytes(reports, history)
    page = report_html(reports).encode("utf-8")
    return [write_atomic(out / f"{stem}.xlsx", lambda fh: fh.write(data)),
            write_atomic(out / f"{stem}.html", lambda fh: fh.write(page))]
