"""Optional registry geometry and the plant / catchment GIS layers (planning.capacity)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
from shapely.geometry import Point, box  # noqa: E402

import gis  # noqa: E402
from application import DEMO_REGISTRY as DEMO_DATA  # noqa: E402
from application.capacity_review import write_capacity_layers  # noqa: E402
from application.cli import main as planning_main  # noqa: E402
from planning.capacity import (  # noqa: E402
    Registry,
    RegistryError,
    catchment_layer,
    load_registry,
    plant_flows,
    plant_layer,
)

PLANTS_CSV = """plant_id,name,basin,design_capacity_m3_per_d,effluent_class,lon,lat,illustrative
P1,Plant one,dianchi,100000,1A,102.70,25.00,false
P2,Plant two,outside,7000,1B,103.10,24.90,false
P3,Plant three,anning,0,,,,false
"""
CATCHMENTS_CSV = """catchment_id,name,basin,settlement,plant_id,population,per_capita_use_l_per_person_d,collection_rate
C1,One,dianchi,city,P1,200000,250,0.8
C2,Two,outside,county_town,P2,50000,180,0.9
C3,Three,anning,town,,30000,120,0.7
"""
PROJECTS_CSV = "project_id,name,kind,plant_id,planned_year,status\n"
C1_BOX = (102.65, 24.95, 102.75, 25.05)
C2_BOX = (103.05, 24.85, 103.15, 24.95)


def _feature(cid, geometry, **props) -> dict:
    return {"type": "Feature", "properties": {"catchment_id": cid, **props},
            "geometry": geometry}


def _polygon(bounds) -> dict:
    return box(*bounds).__geo_interface__


def _write_areas(folder: Path, features: list[dict]) -> None:
    text = json.dumps({"type": "FeatureCollection", "features": features})
    (folder / "catchments.geojson").write_text(text, encoding="utf-8")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "plants.csv").write_text(PLANTS_CSV, encoding="utf-8")
    (tmp_path / "catchments.csv").write_text(CATCHMENTS_CSV, encoding="utf-8")
    (tmp_path / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    _write_areas(tmp_path, [_feature("C1", _polygon(C1_BOX)),
                            _feature("C2", _polygon(C2_BOX), illustrative=True)])
    return tmp_path


def _rejected(folder: Path) -> RegistryError:
    with pytest.raises(RegistryError) as info:
        load_registry(folder)
    return info.value


def _edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------ hand-checked layers


def _kz(mean_l_per_s: float) -> float:
    """GB 50014-2021 Kz, by hand for flows between 200 and 500 L/s (1.8 -> 1.6)."""
    assert 200 <= mean_l_per_s <= 500
    return 1.8 + (1.6 - 1.8) * (mean_l_per_s - 200) / (500 - 200)


def test_plant_layer_values_by_hand(folder):
    reg = load_registry(folder)
    layer = plant_layer(reg, 2021)
    assert layer.crs.to_epsg() == 4326
    assert list(layer.index) == ["P1", "P2", "P3"]
    # C1 -> P1: 200,000 persons x 0.25 m3/d x return 0.85 x collection 0.8 = 34,000 m3/d
    # collected, + 10 % infiltration = 37,400 m3/d inflow, over 100,000 m3/d.
    p1 = layer.loc["P1"]
    assert p1["capacity_m3_per_d"] == 100_000
    assert p1["inflow_m3_per_d"] == pytest.approx(37_400)
    assert p1["utilisation_avg"] == pytest.approx(0.374)
    collected_l_per_s = 34_000 / 86.4
    assert p1["peak_inflow_m3_per_d"] == pytest.approx(_kz(collected_l_per_s) * 34_000 + 3_400)
    assert not p1["overloaded"] and p1["warning"] == "" and p1["effluent_class"] == "1A"
    assert (p1.geometry.x, p1.geometry.y) == (102.70, 25.00)
    # C2 -> P2: 50,000 x 0.18 x 0.85 x 0.9 = 6,885, x 1.1 = 7,573.5 m3/d over 7,000.
    p2 = layer.loc["P2"]
    assert p2["utilisation_avg"] == pytest.approx(7_573.5 / 7_000)
    assert p2["overloaded"] and p2["warning"] == "overloaded"
    # P3: no location, no capacity, nothing routed to it.
    p3 = layer.loc["P3"]
    assert p3.geometry is None and p3["capacity_m3_per_d"] == 0
    assert pd.isna(p3["utilisation_avg"]) and not p3["overloaded"]
    assert not layer["illustrative"].any()


def test_catchment_layer_values_by_hand(folder):
    reg = load_registry(folder)
    layer = catchment_layer(reg, 2021)
    assert list(layer.index) == ["C1", "C2", "C3"]
    assert layer.loc["C1", "population"] == 200_000
    assert layer.loc["C1", "generated_m3_per_d"] == pytest.approx(200_000 * 0.25 * 0.85)
    assert layer.loc["C2", "collected_m3_per_d"] == pytest.approx(50_000 * 0.18 * 0.85 * 0.9)
    assert layer["collection_rate"].tolist() == [0.8, 0.9, 0.7]
    assert layer["plant_id"].tolist() == ["P1", "P2", ""]
    assert layer.loc["C3", "collected_m3_per_d"] == 0  # no plant: nothing collected
    assert layer.loc["C1"].geometry.equals(box(*C1_BOX))
    assert layer.loc["C3"].geometry is None
    # C2's polygon is marked illustrative in the GeoJSON, its table row is not.
    assert layer["illustrative"].tolist() == [False, True, False]


def test_layers_in_a_metric_crs_and_geopackage(folder, tmp_path):
    reg = load_registry(folder)
    metric = plant_layer(reg, 2021, crs=gis.DEFAULT_CRS)
    assert metric.crs == gis.DEFAULT_CRS
    back = metric.loc[["P1", "P2"]].to_crs("EPSG:4326").geometry
    assert back.x.tolist() == pytest.approx([102.70, 103.10])
    assert metric.loc["P1"].geometry.x > 1_000  # metres, not degrees
    path = write_capacity_layers(reg, tmp_path / "out" / "layers.gpkg", 2021)
    layers = gis.read_layers(path)
    assert set(layers) == {"plants", "catchments"}
    plants = layers["plants"].set_index("plant_id")
    expected = plant_flows(reg, [2021]).set_index("plant_id")["utilisation_avg"]
    assert plants["utilisation_avg"].loc[["P1", "P2"]].tolist() == pytest.approx(
        expected.loc[["P1", "P2"]].tolist())
    assert layers["catchments"]["catchment_id"].tolist() == ["C1", "C2", "C3"]
    assert not [p for p in path.parent.iterdir() if p.name != "layers.gpkg"]


def test_a_year_without_flows_is_refused(folder):
    reg = load_registry(folder)
    with pytest.raises(ValueError, match="2030"):
        plant_layer(reg, 2030, flows=plant_flows(reg, [2021]))


def test_registry_without_geometry_has_empty_geometry(folder):
    (folder / "catchments.geojson").unlink()
    _edit(folder, "plants.csv", ",lon,lat,", ",x_lon,x_lat,")
    reg = load_registry(folder)
    assert reg.catchment_areas is None
    assert reg.plants["lon"].isna().all()
    layer = catchment_layer(reg, 2021)
    assert layer.geometry.isna().all() and len(layer) == 3
    assert plant_layer(reg, 2021).geometry.isna().all()


def test_catchments_gpkg_geometry_is_used(folder):
    (folder / "catchments.geojson").unlink()
    frame = pd.read_csv(folder / "catchments.csv")
    geo = gpd.GeoDataFrame(frame, geometry=[box(*C1_BOX), box(*C2_BOX), None],
                           crs="EPSG:4326").to_crs(gis.DEFAULT_CRS)
    geo.to_file(folder / "catchments.gpkg", driver="GPKG")
    (folder / "catchments.csv").unlink()
    reg = load_registry(folder)
    assert reg.catchment_areas.crs.to_epsg() == 4326
    assert reg.catchment_areas["catchment_id"].tolist() == ["C1", "C2"]
    assert reg.catchment_areas.geometry[0].bounds == pytest.approx(C1_BOX, abs=1e-6)
    _write_areas(folder, [_feature("C1", _polygon(C1_BOX))])
    err = _rejected(folder)
    assert err.file == "catchments.geojson" and "catchments.gpkg" in err.problem


def test_whatif_keeps_the_geometry(folder):
    from planning.capacity import WhatIf, apply_whatif

    reg = load_registry(folder)
    late = apply_whatif(reg, WhatIf(name="growth", population_growth_per_yr=0.01))
    assert late.catchment_areas["catchment_id"].tolist() == ["C1", "C2"]
    assert catchment_layer(late, 2021).loc["C1", "population"] == pytest.approx(202_000)


# ------------------------------------------------------------------ bad geometry inputs


@pytest.mark.parametrize(("old", "new", "row", "column", "words"), [
    ("103.10,24.90", "103.10,", 2, "lat", "give both lon and lat"),
    ("103.10,24.90", ",24.90", 2, "lon", "give both lon and lat"),
    ("102.70,25.00", "east,25.00", 1, "lon", "not a number"),
    ("102.70,25.00", "202.70,25.00", 1, "lon", "out of range"),
    ("102.70,25.00", "25.00,102.70", 1, "lat", "out of range"),  # swapped
])
def test_bad_plant_location_names_row_and_column(folder, old, new, row, column, words):
    _edit(folder, "plants.csv", old, new)
    err = _rejected(folder)
    assert (err.file, err.row, err.column) == ("plants.csv", row, column)
    assert words in err.problem


BOWTIE = {"type": "Polygon",
          "coordinates": [[[102.6, 24.9], [102.7, 25.0], [102.7, 24.9], [102.6, 25.0],
                           [102.6, 24.9]]]}


@pytest.mark.parametrize(("second", "column", "words"), [
    (_feature("C9", _polygon(C2_BOX)), "catchment_id", "unknown catchment 'C9'"),
    (_feature(None, _polygon(C2_BOX)), "catchment_id", "empty cell"),
    (_feature("C1", _polygon(C2_BOX)), "catchment_id", "duplicate"),
    (_feature("C2", Point(103.1, 24.9).__geo_interface__), "geometry", "not a polygon: Point"),
    (_feature("C2", BOWTIE), "geometry", "invalid polygon"),
    (_feature("C2", None), "geometry", "no geometry"),
    (_feature("C2", _polygon((10_000, 10_000, 20_000, 20_000))), "geometry", "wrong CRS"),
])
def test_bad_catchment_polygons_name_file_and_feature(folder, second, column, words):
    _write_areas(folder, [_feature("C1", _polygon(C1_BOX)), second])
    err = _rejected(folder)
    assert (err.file, err.row, err.column) == ("catchments.geojson", 2, column)
    assert words in err.problem
    assert str(err).startswith("catchments.geojson, row 2")


def test_unreadable_geojson_is_rejected(folder):
    (folder / "catchments.geojson").write_text("{not json", encoding="utf-8")
    err = _rejected(folder)
    assert (err.file, err.row) == ("catchments.geojson", None)
    assert "cannot read" in err.problem


def test_from_frames_checks_polygons_too(folder):
    reg = load_registry(folder)
    bad = reg.catchment_areas.copy()
    bad.loc[1, "catchment_id"] = "nowhere"
    with pytest.raises(RegistryError) as info:
        Registry.from_frames(plants=reg.plants, catchments=reg.catchments, catchment_areas=bad)
    assert (info.value.row, info.value.column) == (2, "catchment_id")


# ------------------------------------------------------------------ demo and command line


def test_demo_geometry_is_illustrative_and_around_dianchi():
    reg = load_registry(DEMO_DATA)
    areas = reg.catchment_areas
    assert areas["illustrative"].all() and areas["source"].str.contains("invented").all()
    plants = reg.plants.set_index("plant_id")
    located = plants.dropna(subset=["lon", "lat"])
    assert located["illustrative"].all()
    assert located["source"].str.contains("not the real site").all()
    assert located["lon"].between(102.3, 103.5).all() and located["lat"].between(24.5, 26.2).all()
    # the Dianchi-basin plants sit around the lake (102.62-102.82 E, 24.67-25.05 N)
    dianchi = located[located["basin"] == "dianchi"]
    assert dianchi["lon"].between(102.58, 102.82).all()
    assert dianchi["lat"].between(24.65, 25.05).all()
    layer = catchment_layer(reg, 2025)
    assert layer.geometry.notna().sum() == len(areas)
    assert layer.loc[layer.geometry.notna()].is_valid.all()


def test_command_writes_capacity_layers(tmp_path):
    out = tmp_path / "review"
    assert planning_main(["capacity", "--out", str(out), "--years", "2024-2025", "--quiet"]) == 0
    layers = gis.read_layers(out / "capacity_layers.gpkg")
    plants = layers["plants"].set_index("plant_id")
    flows = pd.read_csv(out / "plant_flows.csv")
    flows = flows[flows["year"] == 2025].set_index("plant_id")
    assert plants["year"].unique().tolist() == [2025]
    assert plants["utilisation_avg"].tolist() == pytest.approx(
        flows.loc[plants.index, "utilisation_avg"].tolist(), nan_ok=True)
    assert layers["catchments"]["illustrative"].all()


def test_demo_polygons_are_what_the_script_makes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_catchments",
                                                  DEMO_DATA / "make_catchments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.catchment_polygons(pd.read_csv(DEMO_DATA / "plants.csv"),
                                     pd.read_csv(DEMO_DATA / "catchments.csv"))
    stored = load_registry(DEMO_DATA).catchment_areas
    assert made["catchment_id"].tolist() == stored["catchment_id"].tolist()
    assert all(a.equals_exact(b, 1e-9) for a, b in zip(made.geometry, stored.geometry))
