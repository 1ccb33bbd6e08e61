"""Loading and validating capacity registries (planning.capacity)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from application import DEMO_REGISTRY as DEMO_DATA
from planning.capacity import Assumptions, Registry, RegistryError, load_registry

PLANTS_CSV = """plant_id,name,basin,county,design_capacity_m3_per_d,year_in_service,effluent_class
P1,Plant one,dianchi,Xishan,100000,2010,1A
P2,Plant two,outside,Yiliang,20000,2012,1B
P3,Plant three,anning,Anning,0,,1A
"""
CATCHMENTS_CSV = """catchment_id,name,basin,settlement,plant_id,population,per_capita_use_l_per_person_d,collection_rate
C1,One,dianchi,city,P1,200000,250,0.8
C2,Two,outside,county_town,P2,50000,180,0.9
C3,Three,anning,city,P3,30000,220,0.7
"""
PROJECTS_CSV = """project_id,name,kind,plant_id,catchment_id,capacity_m3_per_d,sewer_length_km,planned_year,status
X1,P3 built,new_plant,P3,,20000,,2022,completed
X2,P1 phase 2,expansion,P1,,30000,,2025,planned
S1,Sewers,sewer,,C2,,12.5,2023,completed
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "plants.csv").write_text(PLANTS_CSV, encoding="utf-8")
    (tmp_path / "catchments.csv").write_text(CATCHMENTS_CSV, encoding="utf-8")
    (tmp_path / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    return tmp_path


def edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rejected(folder: Path) -> RegistryError:
    with pytest.raises(RegistryError) as info:
        load_registry(folder)
    return info.value


def test_valid_folder_loads(folder):
    reg = load_registry(folder)
    assert reg.plants["plant_id"].tolist() == ["P1", "P2", "P3"]
    assert reg.plants["design_capacity_m3_per_d"].dtype == float
    assert reg.plants["reclaimed_capacity_m3_per_d"].tolist() == [0, 0, 0]  # defaulted
    assert reg.plants["year_in_service"].isna().tolist() == [False, False, True]
    assert not reg.plants["illustrative"].any()
    assert len(reg.measurements) == 0 and len(reg.samples) == 0
    assert reg.assumptions == Assumptions()
    assert reg.file("plants") == "plants.csv"


def test_negative_capacity_names_row_and_column(folder):
    edit(folder, "plants.csv", "Plant two,outside,Yiliang,20000", "Plant two,outside,Yiliang,-5")
    registry = None
    with pytest.raises(RegistryError) as info:
        registry = load_registry(folder)
    assert registry is None  # nothing of the folder is loaded
    err = info.value
    assert (err.file, err.row, err.column) == ("plants.csv", 2, "design_capacity_m3_per_d")
    assert "negative" in err.problem
    assert str(err).startswith("plants.csv, row 2 (line 3), column 'design_capacity_m3_per_d'")


def test_unknown_basin(folder):
    edit(folder, "catchments.csv", "C3,Three,anning", "C3,Three,erhai")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("catchments.csv", 3, "basin")
    assert "unknown value 'erhai'" in err.problem


def test_duplicate_plant(folder):
    edit(folder, "plants.csv", "P3,Plant three", "P1,Plant three")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("plants.csv", 3, "plant_id")
    assert "duplicate" in err.problem and "first at row 1" in err.problem


def test_duplicate_plant_name(folder):
    edit(folder, "plants.csv", "P3,Plant three", "P3,Plant one")
    err = rejected(folder)
    assert (err.row, err.column) == (3, "name")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column"),
    [
        ("plants.csv", "100000,2010,1A", "100000,2023,1A", 1, "year_in_service"),  # after base
        ("plants.csv", "100000,2010,1A", "100000,1850,1A", 1, "year_in_service"),
        ("projects.csv", "30000,,2025,planned", "30000,,2019,planned", 2, "planned_year"),
        ("projects.csv", "30000,,2025,planned", "30000,,2101,planned", 2, "planned_year"),
    ],
)
def test_year_out_of_range(folder, file, old, new, row, column):
    edit(folder, file, old, new)
    err = rejected(folder)
    assert (err.file, err.row, err.column) == (file, row, column)
    assert "year out of range" in err.problem


def test_completed_after_review_year(folder):
    (folder / "parameters.csv").write_text("name,value\nas_of_year,2021\n", encoding="utf-8")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("projects.csv", 1, "planned_year")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column", "words"),
    [
        ("plants.csv", ",100000,", ",lots,", 1, "design_capacity_m3_per_d", "not a number"),
        ("catchments.csv", ",0.9\n", ",1.2\n", 2, "collection_rate", "out of range"),
        ("catchments.csv", ",P2,", ",P9,", 2, "plant_id", "unknown plant"),
        ("projects.csv", "expansion,P1", "expansion,P9", 2, "plant_id", "unknown plant"),
        ("projects.csv", "new_plant,P3", "new_plant,P1", 1, "plant_id", "already has capacity"),
        ("projects.csv", "sewer,,C2", "sewer,,C9", 3, "catchment_id", "unknown catchment"),
        ("projects.csv", ",completed\n", ",finished\n", 1, "status", "unknown value"),
        ("projects.csv", "expansion,P1,,30000,", "expansion,P1,,30000,5", 2, "sewer_length_km",
         "not used"),
        ("plants.csv", "P1,Plant one,dianchi,Xishan,", ",Plant one,dianchi,Xishan,", 1,
         "plant_id", "empty"),
    ],
)
def test_bad_cells(folder, file, old, new, row, column, words):
    edit(folder, file, old, new)
    err = rejected(folder)
    assert (err.file, err.row, err.column) == (file, row, column)
    assert words in err.problem


def test_missing_column_and_file(folder):
    edit(folder, "plants.csv", ",effluent_class", ",class")  # optional column renamed: fine
    load_registry(folder)
    edit(folder, "plants.csv", "basin,", "bassin,")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("plants.csv", None, "basin")
    (folder / "projects.csv").unlink()
    edit(folder, "plants.csv", "bassin,", "basin,")
    err = rejected(folder)
    assert (err.file, err.problem) == ("projects.csv", "required file missing")


def test_parameters(folder):
    (folder / "parameters.csv").write_text(
        "name,value,source\nreturn_factor,0.9,GB 50014\nas_of_year,2024,review\n",
        encoding="utf-8")
    reg = load_registry(folder)
    assert reg.assumptions.return_factor == 0.9 and reg.assumptions.as_of_year == 2024
    (folder / "parameters.csv").write_text("name,value\nreturn_factor,0.9\nleak,3\n")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("parameters.csv", 2, "name")
    (folder / "parameters.csv").write_text("name,value\nreturn_factor,1.5\n")
    err = rejected(folder)
    assert (err.row, err.column) == (1, "value")


def test_measurements_annual_and_monthly_do_not_mix(folder):
    (folder / "measurements.csv").write_text(
        "plant_id,year,month,treated_volume_m3\nP1,2022,,1000\nP1,2022,3,100\n")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("measurements.csv", 1, "month")
    (folder / "measurements.csv").write_text(
        "plant_id,year,month,treated_volume_m3\nP1,2022,3,1000\nP1,2022,3,100\n")
    err = rejected(folder)
    assert (err.row, err.column) == (2, "month") and "duplicate" in err.problem


def test_samples_rules(folder):
    (folder / "samples.csv").write_text("plant_id,date,cod_mg_per_l\nP1,2022-02-30,20\n")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("samples.csv", 1, "date")
    (folder / "samples.csv").write_text("plant_id,date,cod_mg_per_l,tn_mg_per_l\nP1,2022-02-03,,\n")
    err = rejected(folder)
    assert (err.row, err.column) == (1, None)


def test_csv_and_gpkg_together_rejected(folder):
    gpd = pytest.importorskip("geopandas")
    frame = pd.read_csv(folder / "catchments.csv")
    from shapely.geometry import box

    geo = gpd.GeoDataFrame(
        frame, geometry=[box(102.6 + i / 10, 24.9, 102.65 + i / 10, 24.95) for i in range(3)],
        crs="EPSG:4326")
    geo.to_file(folder / "catchments.gpkg", driver="GPKG")
    err = rejected(folder)
    assert err.file == "catchments"
    (folder / "catchments.csv").unlink()
    reg = load_registry(folder)
    assert isinstance(reg.catchments, gpd.GeoDataFrame)
    assert reg.catchments.crs.to_epsg() == 4326
    assert reg.catchments["population"].tolist() == [200000, 50000, 30000]
    geo.loc[1, "basin"] = "nowhere"
    (folder / "catchments.gpkg").unlink()
    geo.to_file(folder / "catchments.gpkg", driver="GPKG")
    err = rejected(folder)
    assert (err.file, err.row, err.column) == ("catchments.gpkg", 2, "basin")
    assert "line" not in str(err)


def test_from_frames_round_trip(folder):
    reg = load_registry(folder)
    again = Registry.from_frames(plants=reg.plants, catchments=reg.catchments,
                                 projects=reg.projects)
    pd.testing.assert_frame_equal(again.plants, reg.plants)
    pd.testing.assert_frame_equal(again.projects, reg.projects)
    bad = reg.plants.copy()
    bad.loc[0, "design_capacity_m3_per_d"] = -1.0
    with pytest.raises(RegistryError) as info:
        reg.replace(plants=bad)
    assert (info.value.file, info.value.row) == ("plants.csv", 1)


def test_demo_registry(tmp_path):
    reg = load_registry(DEMO_DATA)
    plants = reg.plants.set_index("plant_id")
    # Public figures used as given (requirements.md, Kunming context).
    assert plants.loc["KM03", "design_capacity_m3_per_d"] == 210_000
    assert plants.loc["KM06", "design_capacity_m3_per_d"] == 130_000
    assert plants.loc["KM09", "design_capacity_m3_per_d"] == 100_000
    assert plants.loc["KM10", "design_capacity_m3_per_d"] == 150_000
    assert plants.loc["KM13", "design_capacity_m3_per_d"] == 60_000
    assert plants.loc["KM13", "reclaimed_capacity_m3_per_d"] == 10_000
    projects = reg.projects.set_index("project_id")
    assert 60_000 + projects.loc["D-2025-01", "capacity_m3_per_d"] == 120_000
    assert 10_000 + projects.loc["R-2025-01", "reclaimed_capacity_m3_per_d"] == 40_000
    reported = reg.reported.set_index(["indicator", "year"])["value"]
    assert reported[("treatment_capacity_m3_per_d", 2021)] == 2_320_000
    assert reported[("reuse_rate", 2023)] == pytest.approx(0.6104)
    assert not reg.reported["illustrative"].any()
    # Every row with invented values says so, and every row names its source.
    for table in (reg.plants, reg.catchments, reg.projects, reg.measurements, reg.samples):
        assert table["illustrative"].all()
        assert (table["source"].str.len() > 0).all()
    # Every file of the demo copies cleanly and loads the same.
    shutil.copytree(DEMO_DATA, tmp_path / "demo")
    again = load_registry(tmp_path / "demo")
    pd.testing.assert_frame_equal(again.plants, reg.plants)
