"""Golden files of the documents for the demo: the Chinese reply to the first example
application, and the Chinese notice and emergency-supply plan of the example works.

Regenerate after a deliberate wording change with ``PLANNER_UPDATE_GOLDEN=1 pytest
tests/test_documents_golden.py`` and review the diff. (The quarterly report is not on this
branch yet: its golden file comes with it.)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from application import DEMO_DIR, load_study
from application.documents import (
    Contact,
    connection_reply,
    emergency_supply_plan,
    shutdown_notice,
)
from application.i18n import use_language

GOLDEN = Path(__file__).parent / "data" / "golden"
CONTACT = Contact(utility="昆明示例供水有限公司（示例）", phone="0871-00000000（示例）")
CJK = re.compile(r"[\u4e00-\u9fff]")

pytestmark = pytest.mark.slow  # two demo plans and one 24-hour assessment (minutes on 2 cores)


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PLANNER_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


@pytest.fixture(scope="module")
def shutdown_plans():
    from application.shutdown_study import run_jobs

    _opened, _inputs, plans = run_jobs(load_study(DEMO_DIR / "shutdown_jobs.yaml",
                                                  "shutdown_jobs"))
    return {p.job.job_id: p for p in plans}


@pytest.fixture(scope="module")
def assessment():
    from application.connection_study import (
        assess_item,
        connection_study,
        open_ledger,
        policy_of,
    )
    from application.network_run import study_network

    study = load_study(DEMO_DIR / "connection_applications.yaml", "connection_applications")
    opened = study_network(study, None)
    cs = connection_study(opened, policy_of(study.body), open_ledger(study))
    return assess_item(cs, study.body["applications"][0], source=study.source, index=0)


def test_reply_in_chinese_is_the_golden_file(assessment):
    text = connection_reply(assessment, lang="zh_CN", issued_on=dt.date(2025, 7, 1),
                            utility=CONTACT.utility)
    assert "2025年7月1日" in text and "MPa (" in text and "GB 50013" in text
    _check("reply_A-2025-001_zh_CN.txt", text)


def test_reply_in_english_on_request(assessment):
    text = connection_reply(assessment, lang="en", issued_on=dt.date(2025, 7, 1))
    assert not CJK.search(text.replace("（", "(")), text
    assert "1 July 2025" in text and "A-2025-001" in text


def test_notice_in_chinese_is_the_golden_file(shutdown_plans):
    plan = shutdown_plans["W-2025-001"]
    text = shutdown_notice(plan, contact=CONTACT, lang="zh_CN")
    for part in ("计划停水通知", "停水区域", "停水用户", "停水时间", "停水原因", "应急供水点",
                 "联系方式", "0871-00000000", "2025年"):
        assert part in text, part
    _check("notice_W-2025-001_zh_CN.txt", text)


def test_notice_names_streets_when_given_and_burst_is_temporary(shutdown_plans):
    plan = shutdown_plans["W-2025-001"]
    node = str(plan.notice["node"].iloc[0])
    text = shutdown_notice(plan, contact=CONTACT, lang="zh_CN", streets={node: "示例路 1 号"})
    assert "示例路 1 号" in text
    burst = shutdown_plans["B-2025-001"]
    if burst.best_window is not None:
        assert shutdown_notice(burst, lang="zh_CN").startswith("临时停水通知")
    with use_language("en"):
        assert shutdown_notice(plan).startswith("Notice of planned water supply interruption")


def test_emergency_plan_in_chinese_is_the_golden_file(shutdown_plans):
    plan = shutdown_plans["W-2025-001"]
    text = emergency_supply_plan(plan, contact=CONTACT, lang="zh_CN")
    assert text.startswith("应急供水方案")
    _check("emergency_plan_W-2025-001_zh_CN.txt", text)
