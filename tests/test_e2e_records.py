"""End to end in the browser: the utility's records through to the bureau's report.

Upload the demo valve layer and account table on the Shutdowns page -> plan the example
works -> the notice list names real accounts (sensitive first) -> record the outage ->
the Quarterly report page counts it -> the XLSX download opens and carries the figures.
Uses the server, browser and :class:`UI` of ``test_e2e_browser`` (same skip rules).
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from tests.test_e2e_browser import (  # noqa: F401  (fixtures used by name)
    RUN_TIMEOUT_MS,
    UI,
    browser,
    pytestmark,
    server,
)


def _expected():
    """The same plan through the application layer: (inputs, plan, notice by account)."""
    from application import DEMO_DIR, load_study
    from application.register import notice_by_account
    from application.shutdown_study import plan_item, read_inputs
    from application.sources import open_source_network, source_of_study

    study = load_study(DEMO_DIR / "shutdown_jobs.yaml")
    body = {**study.body, "valves": "valves_demo.csv", "accounts": "accounts_demo.csv"}
    opened = open_source_network(source_of_study(study))
    inputs = read_inputs(opened, body, resolve=study.resolve)
    plan = plan_item(opened, body, "jobs", 0, inputs=inputs)
    return inputs, plan, notice_by_account(plan, inputs.accounts)


def _upload(ui: UI, label: str, path) -> None:
    box = ui.page.locator("[data-testid='stFileUploader']").filter(has_text=label).first
    box.locator("input[type='file']").set_input_files(str(path))
    ui.text(f"Using {path.name}", timeout_ms=RUN_TIMEOUT_MS)
    ui.idle(RUN_TIMEOUT_MS)


def test_records_to_quarterly_report(server, browser):  # noqa: F811
    from application import DEMO_DIR

    inputs, plan, notice = _expected()
    summary = plan.impact.summary
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    ui = UI(page, server)
    try:
        ui.open("shutdowns")
        ui.load_study("scenarios/demo/shutdown_jobs.yaml")
        ui.text("Customers: ESTIMATED from demand")  # the fallback, labelled
        _upload(ui, "Valve layer", DEMO_DIR / "valves_demo.csv")
        _upload(ui, "Customer accounts", DEMO_DIR / "accounts_demo.csv")
        ui.text(f"Valve layer: valves_demo.csv ({len(inputs.valves)} valves).")
        ui.text(f"Customers: {len(inputs.accounts.placed)} accounts from accounts_demo.csv")
        ui.click("Plan the shutdown")
        ui.text("W-2025-001: works on pipe P1", timeout_ms=RUN_TIMEOUT_MS)
        ui.idle(RUN_TIMEOUT_MS)
        assert ui.metric("Customers without water") == \
            f"{int(summary['customers_without_water']):,}"
        ui.text(f"{len(notice)} accounts to notify, {int(notice['sensitive'].sum())} sensitive")
        with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
            ui.click("Notice list by account (CSV)")
        shown = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
        assert len(notice) > 0
        assert shown["account_id"].tolist() == notice["account_id"].tolist()
        assert shown["address"].tolist() == notice["address"].tolist()
        assert shown["sensitive"].map({"True": True, "False": False}).tolist() == \
            notice["sensitive"].tolist()
        ui.no_exception()
        ui.shot("shutdowns_accounts")

        page.get_by_label("Recorded by").first.fill("e2e tester")
        page.get_by_label("Approval reference").fill("KM-E2E-1")
        ui.click("Record the outage")
        ui.text("Recorded as outage 1", timeout_ms=RUN_TIMEOUT_MS)

        # same session (the accounts stay loaded): the navigation link, not a new URL
        page.get_by_role("link", name="Quarterly report").click()
        ui.text("Indicators of 2025 Q3", timeout_ms=RUN_TIMEOUT_MS)
        ui.idle(RUN_TIMEOUT_MS)
        assert ui.metric("Planned outages") == "1"
        assert ui.metric("Unplanned outages") == "0"
        served = len(inputs.accounts.placed)
        hours = summary["customer_hours_without_water"]
        assert ui.metric("Average customer outage time (h)") == f"{hours / served:.3f}"
        ui.no_exception()
        ui.shot("quarterly")
        with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
            ui.click("Quarterly report (XLSX)")
        data = open(info.value.path(), "rb").read()
    finally:
        page.close()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    rows = {r[0]: r[1] for r in list(wb["Indicators"].values)[1:]}
    assert rows["Planned outages"] == 1 and rows["Unplanned outages"] == 0
    assert rows["Average customer outage time"] == pytest.approx(hours / served, abs=1e-3)
    records = list(wb["Records"].values)
    assert len(records) == 2 and "KM-E2E-1" in records[1] and "e2e tester" in records[1]
    head = dict(list(wb["Report"].values)[1:])
    assert head["quarter"] == "2025 Q3" and head["customers served"] == served
