"""Bad uploads on the Network, Connections, Leakage and 2025 capacity pages (AppTest).

Every upload widget of these pages (the network uploader and each page's study-file box) is
fed each kind of bad file: binary garbage, text in another encoding, an empty file, a file
over the size limit, the wrong file type, the wrong study kind, and a study that names a bad
table or record file (a non-UTF-8 zone table, an outage log given as the ledger, a registry
with a bad cell). Each must give an ``st.error`` naming the file and the problem, no
exception, and leave the session's loaded network and study as they were. (The Shutdowns
page has its own upload tests.)
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from application import DEMO_DIR, MAX_STUDY_BYTES, MAX_UPLOAD_BYTES
from application import DEMO_REGISTRY as DEMO_DATA
from application.safe_paths import TRUSTED_ENV
from benchmarks.networks import network_path
from planning.shutdowns import OutageLog, OutageRecord

REPO = Path(__file__).resolve().parents[1]
NET1 = network_path("Net1")
BOX_WIDGETS = ("msg", "upload", "choice", "save", "load", "load_upload", "download")


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _state(at: AppTest, prefix: str, box: str) -> dict[str, str]:
    """The page's session state (and the session's network), without the upload widgets."""
    skip = {f"{box}_{w}" for w in BOX_WIDGETS} | {"net_upload", "net_upload_seen", "net_error"}
    return {str(k): repr(at.session_state[k]) for k in at.session_state
            if (str(k).startswith(prefix) or k == "network_source") and str(k) not in skip}


def _gpkg_without_network(folder: Path) -> bytes:
    path = folder / "points.gpkg"
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.Point(0, 0), shapely.Point(1, 1)],
                     crs="EPSG:4543").to_file(path, layer="wells", driver="GPKG")
    return path.read_bytes()


def test_bad_network_uploads_keep_the_loaded_network(app, tmp_path):
    app.file_uploader(key="net_upload").upload("Net1.inp", NET1.read_bytes()).run()
    assert not app.exception and not app.error
    assert any(s.value == "Net1.inp" for s in app.subheader)
    assert _metric(app, "Junctions") == "9"
    loaded = _state(app, "net_", "net_study")
    bad_files = [
        ("garbage.inp", bytes(range(256)) * 16, "line 1: text before the first [SECTION] header"),
        ("empty.inp", b"", "file is empty"),
        ("wrong-name.inp", NET1.read_bytes().replace(b" 10 ", b" 1\xe90 ", 3),
         "unknown node '10'"),
        ("random.gpkg", b"SQLite? no. " * 100, "cannot read random.gpkg as a GeoPackage"),
        ("points.gpkg", _gpkg_without_network(tmp_path), "holds no nodes, so no network"),
        ("huge.inp", b";" * (MAX_UPLOAD_BYTES + 1), "the limit is 20 MB"),
    ]
    for name, data, words in bad_files:
        app.file_uploader(key="net_upload").upload(name, data).run()
        assert not app.exception, (name, [e.value for e in app.exception])
        assert len(app.error) == 1, (name, [e.value for e in app.error])
        message = app.error[0].value
        assert message.startswith("The upload was not loaded (the current network is kept)")
        assert name in message and words in message, (name, message)
        assert any(s.value == "Net1.inp" for s in app.subheader), name
        assert _metric(app, "Junctions") == "9"
        assert _state(app, "net_", "net_study") == loaded, name


def _outage_log(path: Path) -> Path:
    with OutageLog(path) as log:
        log.add(OutageRecord("planned", datetime(2024, 1, 1, 22), datetime(2024, 1, 2, 4), 7))
    return path


def _bad_registry(folder: Path) -> Path:
    shutil.copytree(DEMO_DATA, folder)
    plants = folder / "plants.csv"
    lines = plants.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[lines[0].split(",").index("design_capacity_m3_per_d")] = "lots"
    plants.write_text("\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n",
                      encoding="utf-8")
    return folder


def _page_files(page: str, tmp: Path) -> list[tuple[str, bytes, str, Path | None]]:
    """Study files naming a bad table or record: (name, bytes, words, file left unchanged)."""
    if page == "network":
        garbage = tmp / "garbage.inp"
        garbage.write_bytes(bytes(range(256)) * 4)
        text = (DEMO_DIR / "network_run.yaml").read_text()
        text = text.replace("network: ctown_batadal.inp", f"network: {garbage}")
        return [("garbage-network.yaml", text.encode(),
                 "garbage.inp, line 1: text before the first [SECTION] header", garbage)]
    if page == "connections":
        log = _outage_log(tmp / "outages.sqlite")
        text = (DEMO_DIR / "connection_applications.yaml").read_text()
        text = text.replace("ledger: connections_ledger.sqlite", f"ledger: {log}")
        return [("outage-ledger.yaml", text.encode(),
                 "outages.sqlite is an SQLite file but not a connection ledger", log)]
    if page == "leakage":
        zones = tmp / "zones.csv"
        zones.write_bytes(b"node,zone\nJ1,Z1\nJ2,Caf\xe9\n")
        text = (DEMO_DIR / "leakage_settings.yaml").read_text()
        text = text.replace("  boundaries: pumps_and_valves", f"  file: {zones}")
        return [("latin1-zones.yaml", text.encode(),
                 "zones.csv, line 3: byte 0xe9 is not UTF-8 text", zones)]
    registry = _bad_registry(tmp / "registry")
    text = (DEMO_DIR / "capacity_whatif.yaml").read_text()
    bad = text.replace("registry: ../capacity", f"registry: {registry}")
    missing = text.replace("registry: ../capacity", f"registry: {tmp / 'nowhere'}")
    return [("bad-registry.yaml", bad.encode(),
             "plants.csv, row 2 (line 3), column 'design_capacity_m3_per_d'",
             registry / "plants.csv"),
            ("no-registry.yaml", missing.encode(), "nowhere", None)]


PAGES = {  # page: (page file, study kind, study box key, state prefix, other kind's example)
    "network": (None, "network_run", "net_study", "net_", "shutdown_jobs"),
    "connections": ("connections", "connection_applications", "con_study", "con_",
                    "leakage_settings"),
    "leakage": ("leakage", "leakage_settings", "lk_study", "lk_", "capacity_whatif"),
    "capacity": ("capacity", "capacity_whatif", "cap_study", "cap_", "connection_applications"),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_bad_study_uploads_change_nothing(app, tmp_path, page, monkeypatch):
    # the bad files sit in tmp_path: the operator trusts it (else the names are refused)
    monkeypatch.setenv(TRUSTED_ENV, str(tmp_path))
    file, kind, box, prefix, other = PAGES[page]
    if file is None:  # the network page: a loaded upload, not the demo, is the state to keep
        app.file_uploader(key="net_upload").upload("Net1.inp", NET1.read_bytes()).run()
    else:
        app.switch_page(f"app_pages/{file}.py").run()
        app.selectbox(key=f"{box}_choice").set_value(str(DEMO_DIR / f"{kind}.yaml"))
        _button(app, "Load the chosen file").click().run()
        assert "Loaded" in app.success[0].value
    assert not app.exception and not app.error
    loaded = _state(app, prefix, box)
    assert len(loaded) > 1
    bad_files = [
        ("binary.yaml", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not UTF-8 text", None),
        ("latin1.yaml", f"kind: {kind}\nversion: 1\nname: Caf\xe9\n".encode("latin-1"),
         "not UTF-8 text", None),
        ("empty.yaml", b"", "must be a mapping of keys to values, got nothing", None),
        ("list.yaml", b"- kind\n- version\n", "must be a mapping of keys to values", None),
        ("huge.yaml", b"#" * (MAX_STUDY_BYTES + 1), "the limit is 1,000,000", None),
        ("deep.yaml", f"kind: {kind}\nversion: 1\nx: ".encode() + b"[" * 400 + b"]" * 400,
         "nested deeper than 50 levels", None),
        ("other.yaml", (DEMO_DIR / f"{other}.yaml").read_bytes(),
         f"this page reads {kind!r} files", None),
        *_page_files(page, tmp_path),
    ]
    for name, data, words, kept in bad_files:
        before = None if kept is None else hashlib.sha256(kept.read_bytes()).hexdigest()
        app.file_uploader(key=f"{box}_upload").upload(name, data)
        _button(app, "Load the upload").click().run()
        assert not app.exception, (name, [e.value for e in app.exception])
        messages = [e.value for e in app.error if e.value.startswith("Not loaded")]
        assert len(messages) == 1, (name, [e.value for e in app.error])
        assert "nothing changed" in messages[0] and name in messages[0], messages[0]
        assert words in messages[0], (name, messages[0])
        assert _state(app, prefix, box) == loaded, name
        if kept is not None:
            assert hashlib.sha256(kept.read_bytes()).hexdigest() == before, kept
