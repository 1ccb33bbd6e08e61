"""The register through the application layer: a demo plan with real accounts becomes a
record; the quarterly workbook and printable page carry the figures."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from application import load_study
from application.paths import DEMO_DIR
from application.register import (
    emergency_accounts,
    entry_from_plan,
    notice_by_account,
    open_register,
    quarter_reports,
    report_html,
    report_xlsx_bytes,
    write_report,
)
from application.shutdown_study import plan_item, read_inputs
from application.sources import open_source_network, source_of_study


@pytest.fixture(scope="module")
def planned():
    study = load_study(DEMO_DIR / "shutdown_jobs.yaml")
    body = {**study.body, "valves": "valves_demo.csv", "accounts": "accounts_demo.csv"}
    opened = open_source_network(source_of_study(study))
    inputs = read_inputs(opened, body, resolve=study.resolve, source="demo")
    plan = plan_item(opened, body, "jobs", 0, inputs=inputs, resolve=study.resolve)
    return inputs, plan


def test_accounts_drive_customers_and_notice(planned):
    inputs, plan = planned
    assert inputs.accounts_file == "accounts_demo.csv" and inputs.accounts.unplaced.empty
    assert inputs.customers.sum() == len(inputs.accounts.placed)
    notice = notice_by_account(plan, inputs.accounts)
    per_node = plan.notice_list.set_index("node")["customers"]
    # every account at a noticed junction, once; the counts per junction agree
    assert notice.groupby("node").size().to_dict() == per_node[per_node > 0].to_dict()
    assert notice["address"].str.len().gt(0).all()
    sens = notice["sensitive"].to_numpy()
    assert not (sens[1:] & ~sens[:-1]).any()  # sensitive rows first
    emergency = emergency_accounts(plan, inputs.accounts)
    if plan.emergency is not None and plan.emergency.required:
        assert set(emergency["impact"]) == {"no water"}
    else:
        assert emergency is None


def test_record_plan_and_report(tmp_path, planned):
    inputs, plan = planned
    s = plan.impact.summary
    with open_register(tmp_path / "reg.sqlite") as reg:
        entry = entry_from_plan(plan, approval_ref="KM-APP-1",
                                actual_start=s["start"], actual_end=s["end"])
        oid = reg.record(entry, by="tester")
        q = (s["start"].month - 1) // 3 + 1
        reports = quarter_reports(reg, s["start"].year, q, 1000.0,
                                  {"pressure_compliance_pct": 96.0})
        data = report_xlsx_bytes(reports, reg.history())
        files = write_report(reports, reg.history(), tmp_path / "out")
    rec = reports[-1].values
    assert rec["planned_outages"] == 1
    assert rec["customer_hours"] == pytest.approx(s["customer_hours_without_water"])
    assert rec["average_customer_outage_h"] == pytest.approx(
        s["customer_hours_without_water"] / 1000.0)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert {"Indicators", "Records", "Warnings", "Audit trail"} <= set(wb.sheetnames)
    rows = list(wb["Indicators"].values)
    by_label = {r[0]: r[1] for r in rows[1:]}
    assert by_label["Planned outages"] == 1
    assert by_label["Pressure compliance (node-hours >= 0.14 MPa)"] == 96.0
    records = list(wb["Records"].values)
    assert records[1][0] == oid and "KM-APP-1" in records[1]
    warnings = [r[0] for r in list(wb["Warnings"].values)[1:]]
    assert "Pressure compliance (node-hours >= 0.14 MPa)" in warnings
    assert all(p.is_file() for p in files)
    page = report_html(reports)
    assert "Pressure compliance" in page and "KM-APP-1" not in page
    assert f"{s['start'].year} Q{q}" in page


def test_cli_study_with_accounts_names_them(tmp_path):
    from application.shutdown_study import write_shutdown_jobs

    text = (DEMO_DIR / "shutdown_jobs.yaml").read_text(encoding="utf-8")
    text = text.replace("network: ctown_batadal.inp",
                        f"network: {DEMO_DIR / 'ctown_batadal.inp'}\n"
                        f"placement: {DEMO_DIR / 'placement.yaml'}\n"
                        f"valves: {DEMO_DIR / 'valves_demo.csv'}\n"
                        f"accounts: {DEMO_DIR / 'accounts_demo.csv'}")
    text = text.split("bursts:")[0] + "bursts: []\n"
    (tmp_path / "jobs.yaml").write_text(text, encoding="utf-8")
    files = write_shutdown_jobs(load_study(tmp_path / "jobs.yaml"), tmp_path / "out")
    names = {p.name for p in files}
    assert {"notice_accounts.csv", "unplaced_accounts.csv"} <= names
    notice = pd.read_csv(tmp_path / "out" / "notice_accounts.csv", dtype=str)
    junction_list = pd.read_csv(tmp_path / "out" / "notice_24h.csv", dtype=str)
    assert set(notice["node"]) == set(junction_list.loc[
        junction_list["customers"].astype(int) > 0, "node"])
    assert notice["address"].str.contains("invented").all()


def test_burst_plan_becomes_an_unplanned_record(planned):
    from application import load_study
    from application.sources import open_source_network, source_of_study

    inputs, _plan = planned
    study = load_study(DEMO_DIR / "shutdown_jobs.yaml")
    opened = open_source_network(source_of_study(study))
    plan = plan_item(opened, study.body, "bursts", 0, inputs=inputs)
    entry = entry_from_plan(plan)
    s = plan.impact.summary
    assert entry.kind == "unplanned" and entry.actual_start == s["start"]
    assert entry.actual_end == s["end"] and entry.approved_start is None
    assert entry.customers == int(s["customers_without_water"])
    with open_register(":memory:") as reg:
        oid = reg.record(entry, by="dispatcher")
        from planning.shutdowns import compliance_flags

        assert compliance_flags(reg.current()).loc[oid, "flags"] == ""


def test_bad_record_files_named_by_key_line_and_field(tmp_path):
    from application import ScenarioFileError
    from application.shutdown_study import check_shutdown_jobs

    study = load_study(DEMO_DIR / "shutdown_jobs.yaml")
    opened = open_source_network(source_of_study(study))
    (tmp_path / "acc.csv").write_text(
        "account_id,name,address,class,node\nA1,n,a,residential,J1\nA1,n,b,residential,J2\n",
        encoding="utf-8")
    (tmp_path / "valves.csv").write_text(
        "id,pipe,position,normal_status,operable,dn\nV1,P1,start,open,yes,100\n"
        "V2,NOPIPE,end,open,yes,100\n", encoding="utf-8")
    for key, name, expected in (("accounts", "acc.csv", "acc.csv, line 3, field 'account_id'"),
                                ("valves", "valves.csv", "valves.csv, line 3, field 'pipe'")):
        body = {**study.body, key: name}
        with pytest.raises(ScenarioFileError) as err:
            check_shutdown_jobs(opened, body, resolve=lambda rel: tmp_path / rel,
                                source="jobs.yaml")
        assert f"'{key}'" in str(err.value) and expected in str(err.value)
