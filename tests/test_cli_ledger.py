"""``python -m planning ledger ...``: the ledger workflow from the command line."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from application.cli import main
from planning.connections import Ledger

APPS = """application_id,customer_class,node,demand_l_s,meter_dn,storeys,filed_at,who
L-1,commercial,J283,0.5,25,2,2025-03-03 09:30,Li
L-2,industrial,J7,1.0,40,2,2025-03-03 10:00,
"""


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_file_assess_approve_connect_clock_export(tmp_path, capsys):
    led = tmp_path / "l.sqlite"
    (tmp_path / "apps.csv").write_text(APPS)
    assert main(["ledger", "file", str(led), "--csv", str(tmp_path / "apps.csv"),
                 "--who", "Wu"]) == 0
    assert main(["ledger", "file", str(led), "--set", "application_id=L-3",
                 "--set", "node=J7", "--set", "demand_l_s=0.2", "--set", "meter_dn=20",
                 "--who", "Wu", "--at", "2025-03-03 11:00"]) == 0
    assert main(["ledger", "assess", str(led), "L-1", "L-2", "L-3", "--verdict", "pass",
                 "--who", "Wang", "--at", "2025-03-03 13:00"]) == 0
    assert main(["ledger", "approve", str(led), "L-1", "L-2", "--who", "Zhao",
                 "--at", "2025-03-03 14:00"]) == 0
    assert main(["ledger", "reject", str(led), "L-3", "--who", "Zhao",
                 "--at", "2025-03-03 14:00", "--note", "no main"]) == 0
    assert main(["ledger", "connect", str(led), "L-1", "L-2", "--who", "Chen",
                 "--at", "2025-03-04 10:00"]) == 0
    capsys.readouterr()
    assert main(["ledger", "clock", str(led), "--days-350-without", "1"]) == 0
    out = capsys.readouterr().out
    # L-1: Mon 09:30-17:00 + Tue 09:00-10:00 = 8.5 h; L-2: 7 h + 1 h = 8 h; of 8 h a day
    assert "median 1.031 working days over 2 connections; target <= 0.5: misses" in out
    assert main(["ledger", "export", str(led), "--out", str(tmp_path / "out"), "--xlsx"]) == 0
    events = pd.read_csv(tmp_path / "out" / "ledger_events.csv")
    who = events.groupby("to_status")["who"].apply(set).to_dict()
    assert who == {"received": {"Li", "Wu"}, "assessed": {"Wang"}, "approved": {"Zhao"},
                   "rejected": {"Zhao"}, "connected": {"Chen"}}
    clock = pd.read_csv(tmp_path / "out" / "connection_clock.csv", index_col=0)
    assert clock.loc["L-1", "total_days"] == pytest.approx(8.5 / 8)
    assert clock.loc["L-3", "status"] == "rejected"
    sheets = pd.read_excel(tmp_path / "out" / "ledger.xlsx", sheet_name=None)
    assert set(sheets) == {"ledger", "events", "clock", "median"}
    assert sheets["median"]["median_days"].iloc[0] == pytest.approx((8.5 + 8) / 2 / 8)


def test_bad_steps_exit_2_name_the_row_and_store_nothing(tmp_path, capsys):
    led = tmp_path / "l.sqlite"
    (tmp_path / "apps.csv").write_text(APPS)
    assert main(["ledger", "file", str(led), "--csv", str(tmp_path / "apps.csv"),
                 "--who", "Wu"]) == 0
    before = digest(led)
    (tmp_path / "steps.csv").write_text(
        "application_id,step,at,who,verdict\n"
        "L-1,assess,2025-03-03 13:00,Wang,pass\n"
        "L-2,connect,2025-03-03 14:00,Chen,\n")
    capsys.readouterr()
    assert main(["ledger", "steps", str(led), "--csv", str(tmp_path / "steps.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 2, application 'L-2', field 'status'" in err and "nothing was stored" in err
    assert main(["ledger", "approve", str(led), "L-1", "--who", "Zhao"]) == 2
    assert "assess it first" in capsys.readouterr().err
    (tmp_path / "dup.csv").write_text(APPS)
    assert main(["ledger", "file", str(led), "--csv", str(tmp_path / "dup.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 1" in err and "already in the ledger" in err
    assert main(["ledger", "clock", str(tmp_path / "missing.sqlite")]) == 2
    assert not (tmp_path / "missing.sqlite").exists()
    assert digest(led) == before
    with Ledger(led) as ledger:
        assert set(ledger.list()["status"]) == {"received"}
