"""Bad input files and values: an error naming the file, row and field; stored records unchanged.

Fills the gaps left by the per-module input tests (test_connections_inputs,
test_leakage_settings, test_shutdowns_*, test_capacity_registry, test_cli_scenario_files):
files that are not UTF-8, not CSV, not GIS files or the wrong SQLite file; valve layers and
customer tables from GeoPackages; outage records and jobs with wrong types; the holiday
calendar. Every case checks that the ledger, outage log or file it was given is unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from application import DEMO_REGISTRY as DEMO_DATA
from benchmarks.networks import network_path
from models import load_network
from planning.capacity import RegistryError, load_registry
from planning.connections import (
    Application,
    ConnectionInputError,
    Ledger,
    assess_batch,
    load_holidays,
    read_applications,
)
from planning.leakage import (
    LeakageInputError,
    LeakageRule,
    add_orifice_leaks,
    read_battledim_leaks,
    read_leakage_rules,
    read_zones,
    uniform_leakage,
)
from planning.shutdowns import (
    Job,
    OutageLog,
    OutageRecord,
    ShutdownInputError,
    plan_job,
    read_customers,
    read_valve_layer,
    synthetic_valve_layer,
    valve_points,
)

LATIN1 = "Caf\xe9".encode("latin-1")  # 0xe9: not UTF-8


@pytest.fixture(scope="module")
def net1():
    return load_network(network_path("Net1"))


@pytest.fixture(scope="module")
def net3():
    return load_network(network_path("Net3"))


@pytest.fixture(scope="module")
def layer3(net3):
    return synthetic_valve_layer(net3, 1, seed=3)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def not_utf8_on_line_3(path: Path, header: str, row1: str, row2: str) -> Path:
    """A CSV whose third line holds a Latin-1 byte."""
    path.write_bytes(f"{header}\n{row1}\n".encode() + row2.encode() + LATIN1 + b"\n")
    return path


# ---- connections: applications CSV, holiday calendar, ledger file -------------------------
def test_applications_csv_not_utf8_names_the_line_and_records_nothing(net3, tmp_path):
    path = not_utf8_on_line_3(tmp_path / "apps.csv", "application_id,demand_l_s,node",
                              "A-1,1.0,123", "A-2,1.0,")
    with pytest.raises(ConnectionInputError) as e:
        read_applications(path)
    assert (e.value.row, e.value.field) == (2, "file")
    assert "apps.csv, line 3" in str(e.value) and "UTF-8" in str(e.value)
    ledger = Ledger(tmp_path / "ledger.sqlite")
    ledger.add(Application(application_id="OLD", demand_l_s=1.0, node="123"))
    before = ledger.list()
    with pytest.raises(ConnectionInputError, match="line 3"):
        assess_batch(net3, path, ledger=ledger, record=True)
    assert ledger.revision == 1
    pd.testing.assert_frame_equal(ledger.list(), before)


@pytest.mark.parametrize("text, row, field, words", [
    ("date,kind\n2025-01-01,holiday\n2025-02-30,holiday\n", 2, "date", "'2025-02-30'"),
    ("date,kind\n2025-01-01,day off\n", 1, "kind", "'day off'"),
    ("day,kind\n2025-01-01,holiday\n", 0, "date", "needs columns 'date' and 'kind'"),
    ("", 0, "date", "no header"),
])
def test_holiday_calendar_names_row_and_field(tmp_path, text, row, field, words):
    path = tmp_path / "holidays.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConnectionInputError) as e:
        load_holidays(path)
    assert (e.value.row, e.value.field) == (row, field)
    assert words in str(e.value)


def test_holiday_calendar_not_utf8(tmp_path):
    path = not_utf8_on_line_3(tmp_path / "holidays.csv", "date,kind", "2025-01-01,holiday",
                              "2025-01-02,")
    with pytest.raises(ConnectionInputError) as e:
        load_holidays(path)
    assert (e.value.row, e.value.field) == (2, "file") and "holidays.csv, line 3" in str(e.value)


def _outage_log(path: Path) -> Path:
    with OutageLog(path) as log:
        log.add(OutageRecord("planned", datetime(2024, 1, 1, 22), datetime(2024, 1, 2, 4), 12))
    return path


def _ledger(path: Path) -> Path:
    with Ledger(path) as ledger:
        ledger.add(Application(application_id="L-1", demand_l_s=1.0, node="123"))
    return path


@pytest.mark.parametrize("other", ["garbage", "outage log", "geopackage"])
def test_ledger_refuses_other_files_and_leaves_them_alone(tmp_path, other):
    path = tmp_path / ("other.gpkg" if other == "geopackage" else "other.sqlite")
    if other == "garbage":
        path.write_bytes(b"SQLite format 2\x00" + bytes(range(256)) * 8)
    elif other == "outage log":
        _outage_log(path)
    else:
        gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)],
                         crs="EPSG:4543").to_file(path, layer="points", driver="GPKG")
    before = digest(path)
    with pytest.raises(ConnectionInputError) as e:
        Ledger(path)
    assert e.value.field == "ledger" and path.name in str(e.value)
    assert "not a connection ledger" in str(e.value)
    assert digest(path) == before
    if other == "outage log":
        with OutageLog(path) as log:  # still a working outage log
            assert len(log) == 1


@pytest.mark.parametrize("other", ["garbage", "ledger"])
def test_outage_log_refuses_other_files_and_leaves_them_alone(tmp_path, other):
    path = tmp_path / "other.sqlite"
    if other == "garbage":
        path.write_bytes(b"not an sqlite file\n" * 64)
    else:
        _ledger(path)
    before = digest(path)
    with pytest.raises(ShutdownInputError) as e:
        OutageLog(path)
    assert e.value.source == "other.sqlite" and "not an outage log" in str(e.value)
    assert digest(path) == before
    if other == "ledger":
        with Ledger(path) as ledger:
            assert list(ledger.list().index) == ["L-1"]


# ---- outage log: records and corrections --------------------------------------------------
GOOD = dict(kind="planned", start=datetime(2024, 3, 1, 22), end=datetime(2024, 3, 2, 4),
            customers=40)


@pytest.mark.parametrize("change, field", [
    (dict(kind="Planned"), "kind"),
    (dict(start="2024-03-01 22:00"), "start"),
    (dict(end=None), "end"),
    (dict(end=datetime(2024, 3, 1, 21)), "end"),
    (dict(customers=-1), "customers"),
    (dict(customers="40"), "customers"),
    (dict(customers=2.5), "customers"),
    (dict(customer_hours=-3.0), "customer_hours"),
    (dict(customer_hours=float("nan")), "customer_hours"),
    (dict(customer_hours="240"), "customer_hours"),
    (dict(nodes="J1"), "nodes"),
    (dict(nodes=("J1", 2)), "nodes"),
    (dict(notice_issued="yesterday"), "notice_issued"),
    (dict(pipe=173), "pipe"),
])
def test_bad_outage_record_names_row_and_field_and_log_is_unchanged(tmp_path, change, field):
    with OutageLog(_outage_log(tmp_path / "outages.sqlite")) as log:
        before = log.records()
        with pytest.raises(ShutdownInputError) as e:
            log.add_many([OutageRecord(**GOOD), OutageRecord(**{**GOOD, **change})])
        assert (e.value.row, e.value.field) == (2, field)
        assert f"outage record, row 2, field {field!r}" in str(e.value)
        pd.testing.assert_frame_equal(log.records(), before)
        with pytest.raises(ShutdownInputError) as e:
            log.add(OutageRecord(**{**GOOD, **change}))
        assert e.value.field == field
        pd.testing.assert_frame_equal(log.records(), before)


def test_outage_log_rejects_things_that_are_not_records(tmp_path):
    with OutageLog(_outage_log(tmp_path / "outages.sqlite")) as log:
        with pytest.raises(ShutdownInputError) as e:
            log.add_many([OutageRecord(**GOOD), dict(GOOD)])
        assert e.value.row == 2 and "not an OutageRecord" in str(e.value)
        assert len(log) == 1


@pytest.mark.parametrize("end, hours, field", [
    (datetime(2024, 1, 1, 21), None, "end"),          # before the outage's start
    ("2024-01-02 06:00", None, "end"),
    (datetime(2024, 1, 2, 6), -1.0, "customer_hours"),
    (datetime(2024, 1, 2, 6), float("inf"), "customer_hours"),
])
def test_bad_correction_leaves_the_outage_as_it_was(tmp_path, end, hours, field):
    with OutageLog(_outage_log(tmp_path / "outages.sqlite")) as log:
        before = log.records()
        oid = int(before.index[0])
        with pytest.raises(ShutdownInputError) as e:
            log.set_end(oid, end, customer_hours=hours)
        assert (e.value.row, e.value.field) == (oid, field)
        pd.testing.assert_frame_equal(log.records(), before)


# ---- shutdowns: valve layers, customer tables, jobs ---------------------------------------
def test_valve_layer_geopackage_round_trip_and_bad_rows(net3, layer3, tmp_path):
    points = valve_points(net3, layer3).reset_index()
    path = tmp_path / "valves.gpkg"
    points.to_file(path, layer="valves", driver="GPKG")
    back = read_valve_layer(path, net3)
    pd.testing.assert_frame_equal(back, layer3)
    assert back["synthetic"].all()
    # a surveyed layer: one valve seized, flags as text, as a GIS editor may save them
    surveyed = points.drop(columns="synthetic")
    surveyed["operable"] = ["no" if i == 4 else "yes" for i in range(len(surveyed))]
    surveyed.to_file(tmp_path / "surveyed.gpkg", layer="valves", driver="GPKG")
    got = read_valve_layer(tmp_path / "surveyed.gpkg", net3)
    assert not got["synthetic"].any()
    assert list(got.index[~got["operable"]]) == [points["valve"].iloc[4]]
    # a bad link on the third feature: named by layer, row (feature) and field
    bad = points.copy()
    bad.loc[2, "link"] = "NO-SUCH-PIPE"
    bad_path = tmp_path / "bad.gpkg"
    bad.to_file(bad_path, layer="valves", driver="GPKG")
    before = digest(bad_path)
    with pytest.raises(ShutdownInputError) as e:
        read_valve_layer(bad_path, net3)
    assert digest(bad_path) == before  # reading never writes
    assert (e.value.row, e.value.field) == (3, "link")
    assert "bad.gpkg:valves, row 3, field 'link'" in str(e.value)
    assert e.value.missing == ("NO-SUCH-PIPE",)
    bad = points.astype({"operable": object})
    bad.loc[5, "operable"] = "perhaps"
    bad.drop(columns="synthetic").to_file(bad_path, layer="valves", driver="GPKG")
    with pytest.raises(ShutdownInputError) as e:
        read_valve_layer(bad_path, net3)
    assert (e.value.row, e.value.field) == (6, "operable") and "yes/no" in str(e.value)
    points.drop(columns="node").to_file(bad_path, layer="valves", driver="GPKG")
    with pytest.raises(ShutdownInputError) as e:
        read_valve_layer(bad_path, net3)
    assert e.value.field == "node" and "needs a 'node' column" in str(e.value)


def test_valve_layer_file_problems_are_named(net3, tmp_path):
    two = tmp_path / "network.gpkg"
    pts = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:4543")
    pts.to_file(two, layer="junctions", driver="GPKG")
    pts.to_file(two, layer="pipes", driver="GPKG")
    with pytest.raises(ShutdownInputError, match=r"no layer 'valves' \(layers: junctions, pipes"):
        read_valve_layer(two, net3)
    junk = tmp_path / "valves.gpkg"
    junk.write_bytes(b"\x00\x01 not a geopackage " * 50)
    with pytest.raises(ShutdownInputError, match="valves.gpkg: not a GeoPackage or GIS file"):
        read_valve_layer(junk, net3)
    csv = not_utf8_on_line_3(tmp_path / "valves.csv", "link,node", "10,10", "11,")
    with pytest.raises(ShutdownInputError) as e:
        read_valve_layer(csv, net3)
    assert e.value.row == 3 and "valves.csv, line 3: byte 0xe9 is not UTF-8" in str(e.value)
    csv.write_text("")
    with pytest.raises(ShutdownInputError, match="valves.csv: the file is empty"):
        read_valve_layer(csv, net3)
    csv.write_text('link,node\n"10,10\n')  # an unclosed quote
    with pytest.raises(ShutdownInputError, match="valves.csv.*not a CSV table"):
        read_valve_layer(csv, net3)


def test_customer_tables_from_csv_and_geopackage(net3, tmp_path):
    j = net3.wn.junction_name_list
    csv = not_utf8_on_line_3(tmp_path / "customers.csv", "node,customers", f"{j[0]},3",
                             f"{j[1]},")
    with pytest.raises(ShutdownInputError) as e:
        read_customers(csv, net3)
    assert e.value.row == 3 and "customers.csv, line 3" in str(e.value)
    layer = gpd.GeoDataFrame({"name": j[:3], "customers": [5, -4, 7]},
                             geometry=[shapely.Point(i, i) for i in range(3)], crs="EPSG:4543")
    gpkg = tmp_path / "junctions.gpkg"
    layer.to_file(gpkg, layer="junctions", driver="GPKG")
    with pytest.raises(ShutdownInputError) as e:
        read_customers(gpkg, net3)
    assert (e.value.row, e.value.field) == (j[1], "customers")
    assert f"junctions.gpkg:junctions, row {j[1]}, field 'customers'" in str(e.value)
    with pytest.raises(ShutdownInputError, match="no layer 'accounts'"):
        read_customers(gpkg, net3, layer="accounts")
    layer["customers"] = [5, 6, 7]
    layer.to_file(gpkg, layer="junctions", driver="GPKG")
    assert read_customers(gpkg, net3)[j[:3]].tolist() == [5, 6, 7]


@pytest.mark.parametrize("change, field", [
    (dict(duration_h="4"), "duration_h"),
    (dict(duration_h=float("nan")), "duration_h"),
    (dict(duration_h=float("inf")), "duration_h"),
    (dict(duration_h=-2.0), "duration_h"),
    (dict(duration_h=True), "duration_h"),
    (dict(pipe="NO-PIPE"), "pipe"),
    (dict(not_before="tomorrow"), "not_before"),
    (dict(inoperable_valves="V1"), "inoperable_valves"),
    (dict(inoperable_valves=("NO-VALVE",)), "inoperable_valves"),
])
def test_bad_job_names_the_field(net3, layer3, change, field):
    job = Job(**{**dict(pipe="173", duration_h=4.0, job_id="W-9"), **change})
    with pytest.raises(ShutdownInputError) as e:
        plan_job(net3, job, layer3, now=datetime(2024, 3, 4, 9))
    assert e.value.field == field and f"field {field!r}" in str(e.value)


# ---- leakage: settings, zones, leak lists ------------------------------------------------
def test_leakage_files_that_are_not_tables(net1, tmp_path):
    rules = not_utf8_on_line_3(tmp_path / "leakage.csv",
                               "pipe,zone,leak_area_mm2_per_100m,leak_expansion_mm2_per_m",
                               ",,1.0,0.01", "10,,2.0,")
    with pytest.raises(LeakageInputError, match=r"^leakage.csv, line 3: byte 0xe9 is not UTF-8"):
        read_leakage_rules(rules)
    zones = not_utf8_on_line_3(tmp_path / "zones.csv", "node,zone", "10,A", "11,")
    with pytest.raises(LeakageInputError, match=r"^zones.csv, line 3: byte 0xe9"):
        read_zones(net1, zones)
    junk = tmp_path / "rules.gpkg"
    junk.write_bytes(b"GPKG? no." * 100)
    with pytest.raises(LeakageInputError, match=r"^rules.gpkg: not a GeoPackage or GIS file"):
        read_leakage_rules(junk)
    with pytest.raises(LeakageInputError, match=r"^rules.gpkg: not a GeoPackage or GIS file"):
        read_zones(net1, junk)
    empty = tmp_path / "empty.csv"
    empty.write_text("\n")
    with pytest.raises(LeakageInputError, match="empty.csv: the file is empty"):
        read_leakage_rules(empty)


@pytest.mark.parametrize("area, expansion, field", [
    (float("nan"), 0.0, "leak_area_mm2_per_100m"),
    (-1.0, 0.0, "leak_area_mm2_per_100m"),
    ("lots", 0.0, "leak_area_mm2_per_100m"),
    (1.0, float("inf"), "leak_expansion_mm2_per_m"),
    (1.0, -0.5, "leak_expansion_mm2_per_m"),
])
def test_leakage_settings_in_code_name_the_field_and_change_nothing(net1, area, expansion,
                                                                      field):
    before = net1.pipe_leakage.copy()
    with pytest.raises(LeakageInputError) as e:
        LeakageRule(area, expansion, pipe="10", row=4, source="page")
    assert (e.value.row, e.value.field) == (4, field) and "page, row 4" in str(e.value)
    with pytest.raises(LeakageInputError) as e:
        uniform_leakage(net1, area, expansion)
    assert e.value.field == field
    pd.testing.assert_frame_equal(net1.pipe_leakage, before)


def test_leak_list_not_utf8_and_unknown_pipe(net1, tmp_path):
    path = tmp_path / "leaks.yalm"
    line = "- 10, 2019-01-01 00:00, 2019-01-02 00:00, 0.01, abrupt, 2019-01-01 00:00\n"
    path.write_bytes(b"leaks:\n" + line.encode() + b"# " + LATIN1 + b"\n")
    with pytest.raises(LeakageInputError, match=r"^leaks.yalm, line 3: byte 0xe9"):
        read_battledim_leaks(path)
    schedule = pd.DataFrame({"pipe": ["10", "P-404"], "start_s": [0, 0],
                             "end_s": [3600, 3600], "area_m2": [1e-4, 1e-4]})
    links, leakage = list(net1.wn.link_name_list), net1.pipe_leakage.copy()
    with pytest.raises(LeakageInputError) as e:
        add_orifice_leaks(net1, schedule)
    assert (e.value.row, e.value.field) == (2, "pipe") and "'P-404'" in str(e.value)
    assert list(net1.wn.link_name_list) == links  # the given network is untouched
    pd.testing.assert_frame_equal(net1.pipe_leakage, leakage)


# ---- capacity registry ---------------------------------------------------------------------
def test_registry_bad_files_name_row_and_column_and_stay_as_they_are(tmp_path):
    folder = tmp_path / "registry"
    shutil.copytree(DEMO_DATA, folder)
    plants = folder / "plants.csv"
    lines = plants.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    column = lines[0].split(",").index("design_capacity_m3_per_d")
    cells[column] = "-5"
    plants.write_text("\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n",
                      encoding="utf-8")
    before = {p.name: digest(p) for p in folder.iterdir()}
    with pytest.raises(RegistryError) as e:
        load_registry(folder)
    assert (e.value.file, e.value.row, e.value.column) == \
        ("plants.csv", 2, "design_capacity_m3_per_d")
    assert "plants.csv, row 2 (line 3), column 'design_capacity_m3_per_d'" in str(e.value)
    assert {p.name: digest(p) for p in folder.iterdir()} == before
    plants.write_bytes("\n".join(lines).encode("utf-8") + b"\n" + LATIN1 + b",x\n")
    before = {p.name: digest(p) for p in folder.iterdir()}
    with pytest.raises(RegistryError) as e:
        load_registry(folder)
    assert e.value.file == "plants.csv" and "cannot read CSV" in str(e.value)
    assert {p.name: digest(p) for p in folder.iterdir()} == before
