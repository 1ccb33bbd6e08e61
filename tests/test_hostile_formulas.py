"""Formula injection: no text cell of any CSV export runs as a spreadsheet formula.

Names that reach the outputs -- INP node and link ids, job ids and descriptions,
application ids and applicants, what-if project names -- are made formulas
(``=HYPERLINK(...)``, ``@SUM``, ``+``, ``-``); every cell, column name and index label of
every CSV the CLI writes (the notice list included) and of the app's download tables is
then checked: text starting with ``= + - @ tab CR`` carries OWASP's leading quote, numbers
(``-5``, negative pressures) are unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from application import DEMO_DIR
from application.cli import main
from benchmarks.networks import network_path
from models import csv_bytes, safe_frame, write_csv, write_xlsx
from models.safe_export import FORMULA_START, neutralise_text

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Net1 ids renamed to formulas (node and link ids share the names 11, 12, 21, 22)
RENAMED = {"11": "=HYPERLINK(1)", "12": "@SUM(1)", "21": "+E21", "22": "-E22"}
ID_COLUMNS = {"[JUNCTIONS]": (0,), "[DEMANDS]": (0,), "[COORDINATES]": (0,),
              "[PIPES]": (0, 1, 2), "[PUMPS]": (1, 2), "[VALVES]": (1, 2),
              "[EMITTERS]": (0,), "[QUALITY]": (0,), "[TAGS]": (1,), "[STATUS]": (0,)}


def _dangerous(cell: str) -> bool:
    head = cell.lstrip(" ")
    return bool(head) and head[0] in FORMULA_START and not _NUMBER.fullmatch(head.strip())


def _csv_cells(data: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data)) for cell in row]


def _assert_safe_csvs(folder: Path) -> int:
    """Every CSV cell in ``folder`` is safe; returns how many cells were neutralised."""
    quoted = 0
    files = sorted(folder.glob("*.csv"))
    assert files
    for path in files:
        for cell in _csv_cells(path.read_text(encoding="utf-8-sig")):
            assert not _dangerous(cell), (path.name, cell)
            quoted += cell.startswith("'") and cell[1:2] in FORMULA_START
    return quoted


def _formula_net1(folder: Path) -> Path:
    section = None
    lines = []
    for line in network_path("Net1").read_text().splitlines():
        if line.strip().startswith("["):
            section = line.strip().upper()
        tokens = line.split()
        cols = ID_COLUMNS.get(section, ())
        if tokens and not line.lstrip().startswith((";", "[")) and cols:
            tokens = [RENAMED.get(t, t) if i in cols else t for i, t in enumerate(tokens)]
            line = "\t".join(tokens)
        lines.append(line)
    path = folder / "net1_formulas.inp"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_neutralise_text_follows_owasp_and_keeps_numbers():
    for bad in ("=1+1", "+A1", "-A1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "＝1+1",
                "=cmd|' /C calc'!A0", "-", "+", "-1+1", "--5"):
        assert neutralise_text(bad) == "'" + bad, bad
    for fine in ("-5", "+5", "-1.5e3", ".5", "5", "J-1", "A=1", "", "中文", "'=1"):
        assert neutralise_text(fine) == fine, fine
    for other in (None, -5, -1.5, np.float64(-2.0), True):
        assert neutralise_text(other) is other


def test_safe_frame_leaves_numbers_and_touches_text_labels():
    frame = pd.DataFrame({"=col": ["=x", "-5", "ok"], "num": [-1.0, -2.5, 3.0],
                          "int": [-1, 2, -3], "flag": [True, False, True]},
                         index=pd.Index(["@a", "b", "-c"], name="+name"))
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'=col", "num", "int", "flag"]
    assert list(safe.index) == ["'@a", "b", "'-c"] and safe.index.name == "'+name"
    assert list(safe["'=col"]) == ["'=x", "-5", "ok"]
    for column in ("num", "int", "flag"):
        assert safe[column].dtype == frame[column].dtype
        assert (safe[column].to_numpy() == frame[column].to_numpy()).all()
    assert list(frame["=col"]) == ["=x", "-5", "ok"]  # the input is not changed
    text = csv_bytes(frame, index=True).decode()
    assert "-2.5" in text and "'=x" in text and ",-5," in text


def test_csv_and_xlsx_writers(tmp_path):
    frame = pd.DataFrame({"name": ["=1+1", "@x"], "value_m": [-3.5, 2.0]})
    write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back["name"]) == ["'=1+1", "'@x"] and list(back["value_m"]) == [-3.5, 2.0]
    pytest.importorskip("openpyxl")
    write_xlsx(frame, tmp_path / "t.xlsx")
    book = pd.read_excel(tmp_path / "t.xlsx")
    assert list(book["name"]) == ["'=1+1", "'@x"] and list(book["value_m"]) == [-3.5, 2.0]


@pytest.fixture()
def study_folder(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    _formula_net1(folder)
    return folder


def test_network_run_outputs_have_no_live_formulas(study_folder):
    study = study_folder / "run.yaml"
    study.write_text("kind: network_run\nversion: 1\nname: '=RUN()'\n"
                     "network: net1_formulas.inp\nduration_h: 2\n")
    out = study_folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    assert _assert_safe_csvs(out) >= 8  # the renamed nodes, as columns and as rows
    pressure = pd.read_csv(out / "pressure_m.csv")
    assert "'=HYPERLINK(1)" in pressure.columns and "'-E22" in pressure.columns
    assert pressure.select_dtypes("number").shape[1] == pressure.shape[1]  # numbers stay


def test_shutdown_outputs_and_notice_list_have_no_live_formulas(study_folder):
    study = study_folder / "jobs.yaml"
    study.write_text(
        "kind: shutdown_jobs\nversion: 1\nname: '@works'\nnetwork: net1_formulas.inp\n"
        'now: "2025-06-28T09:00"\n'
        "jobs:\n"
        "  - {job_id: '=JOB()', pipe: '=HYPERLINK(1)', duration_h: 6,\n"
        "     description: '+cmd|calc'}\n"
        "bursts:\n"
        "  - {job_id: '-B1', pipe: '@SUM(1)', time: '2025-07-02T03:15', repair_h: 8,\n"
        "     description: '=1+1'}\n")
    out = study_folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    assert _assert_safe_csvs(out) >= 4
    notice = pd.read_csv(out / "notice_24h.csv", dtype=str)
    summary = pd.read_csv(out / "shutdown_summary.csv", dtype=str)
    assert {"'=JOB()", "'-B1"} <= set(summary.iloc[:, 0]) | set(summary.get("job_id", []))
    assert len(notice) >= 1


def test_connection_outputs_have_no_live_formulas(study_folder):
    study = study_folder / "apps.yaml"
    study.write_text(
        "kind: connection_applications\nversion: 1\nnetwork: net1_formulas.inp\n"
        "applications:\n"
        "  - {application_id: '-A1', applicant: '@evil', customer_class: commercial,\n"
        "     node: '+E21', demand_l_s: 0.5, meter_dn: 25, storeys: 2,\n"
        "     received_on: 2025-06-30}\n")
    out = study_folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    assert _assert_safe_csvs(out) >= 2
    apps = pd.read_csv(out / "applications.csv", dtype=str)
    assert "'-A1" in set(apps["application_id"])


def test_capacity_outputs_have_no_live_formulas(tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(DEMO_DIR.parent / "capacity", folder / "registry")
    text = (DEMO_DIR / "capacity_whatif.yaml").read_text(encoding="utf-8")
    text = text.replace("registry: ../capacity", "registry: registry")
    text = text.replace("name: Shilin plant extra expansion (what-if)", "name: '=EVIL()'")
    for name, old, new in (("plants.csv", "Kunming No. 3 wastewater plant", "=EVIL()"),
                           ("projects.csv", "Other Dianchi plants: expansions 2021", "@SUM(1)")):
        table = folder / "registry" / name
        table.write_text(table.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    (folder / "whatif.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder / "whatif.yaml"), "--out", str(out), "--quiet"]) == 0
    assert _assert_safe_csvs(out) >= 1


def test_app_download_tables_are_neutralised():
    """The app's CSV buttons go through the same writer (app_pages.common.csv_button)."""
    import inspect

    import app_pages.common as common

    source = inspect.getsource(common.csv_button)
    assert "csv_bytes(" in source and "to_csv" not in source
    from application.writers import csv_bytes

    assert common.csv_bytes is csv_bytes
    assert csv_bytes(pd.DataFrame({"a": ["=1+1"]})).decode().splitlines()[1] == "'=1+1"
    frame = pd.DataFrame({"=x": [-1.0]}, index=pd.Index(["@n"], name="node"))
    data = csv_bytes(frame, index=True, encoding="utf-8-sig").decode("utf-8-sig")
    assert not any(_dangerous(c) for c in _csv_cells(data))


def _xlsx_cells(data: bytes) -> list:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def test_ledger_workbook_has_no_live_formulas():
    from application.connection_ledger import ledger_xlsx_bytes

    table = pd.DataFrame({"applicant": ["=HYPERLINK(\"http://x\")", "Plain"],
                          "demand_lps": [-5.0, 2.0]},
                         index=pd.Index(["@A-1", "B"], name="application_id"))
    cells = _xlsx_cells(ledger_xlsx_bytes({"ledger": table, "events": table.reset_index()}))
    text = [c for c in cells if isinstance(c, str)]
    assert not [c for c in text if c[:1] in ("=", "+", "-", "@")], text
    assert "'=HYPERLINK(\"http://x\")" in text and "'@A-1" in text
    assert -5.0 in cells  # numbers stay numbers


def test_register_workbook_has_no_live_formulas(monkeypatch):
    import application.register as register

    evil = pd.DataFrame({"reason": ["=cmd|' /C calc'!A0"], "customers": [12]})
    for name in ("indicator_table", "warning_table", "records_table"):
        monkeypatch.setattr(register, name, lambda *a, **k: evil)
    monkeypatch.setattr(register, "early_warnings", lambda reports: [])

    class Report:  # only what report_xlsx_bytes reads
        year, quarter, total_customers = 2025, 3, 100
        indicators = pd.DataFrame({"label": ["+x"], "value": [1.0]})

    cells = _xlsx_cells(register.report_xlsx_bytes([Report()], evil))
    text = [c for c in cells if isinstance(c, str)]
    assert "'=cmd|' /C calc'!A0" in text
    assert not [c for c in text if c[:1] in ("=", "+", "@")], text
    assert 12 in cells
