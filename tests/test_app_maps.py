"""Map helpers of the pages: legends whose bins separate the values present, picking."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app_pages import maps


def _bins(scale: maps.ColourScale, values) -> np.ndarray:
    return np.searchsorted(np.asarray(scale.edges), np.asarray(values, dtype=float),
                           side="right")


def test_sequential_bins_separate_skewed_values():
    # most base demands near zero, a few large: equal intervals would put 95 % in one bin
    values = pd.Series(np.r_[np.linspace(0.0, 0.5, 95), [20.0, 40.0, 60.0, 80.0, 100.0]])
    scale = maps.sequential_scale(values, "Base demand (L/s)", "L/s")
    counts = np.bincount(_bins(scale, values), minlength=len(scale.colours))
    assert len(scale.colours) == len(scale.labels) == len(scale.edges) + 1 == 5
    assert (counts > 0).all() and counts.max() <= 40, counts
    assert len(set(scale.labels)) == len(scale.labels)


def test_sequential_bins_with_few_distinct_values():
    scale = maps.sequential_scale(pd.Series([3.0, 3.0, 7.0]), "x", "m")
    assert 1 <= len(scale.colours) <= 2 and len(scale.labels) == len(scale.colours)
    scale = maps.sequential_scale(pd.Series([np.nan, np.inf]), "x", "m")  # nothing finite
    assert len(scale.colours) == 1


def test_picked_reads_the_selection_event():
    event = {"selection": {"indices": {"nodes": [3]},
                           "objects": {"nodes": [{"name": "J12", "type": "Junction"}]}}}
    assert maps.picked(event, "nodes") == "J12"
    assert maps.picked(event, "links") is None
    assert maps.picked(None, "nodes") is None and maps.picked({}, "nodes") is None


def test_focus_zooms_in_and_basemap_is_off_by_default(monkeypatch):
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    nodes = gpd.GeoDataFrame({"node_type": ["Junction"] * 3},
                             geometry=[Point(102.70, 25.00), Point(102.80, 25.10),
                                       Point(102.701, 25.001)],
                             index=["A", "B", "C"], crs="EPSG:4326")
    links = gpd.GeoDataFrame({"link_type": ["Pipe"]}, geometry=[LineString([(102.70, 25.00),
                                                                         (102.80, 25.10)])],
                             index=["P1"], crs="EPSG:4326")
    monkeypatch.delenv(maps.BASEMAP_ENV, raising=False)
    whole = maps.network_map(nodes, links, None, None)
    near = maps.network_map(nodes, links, None, None, focus_nodes=["A", "C"])
    assert near.initial_view_state.zoom > whole.initial_view_state.zoom + 3
    assert [layer.id for layer in whole.layers] == ["links", "nodes"]
    monkeypatch.setenv(maps.BASEMAP_ENV, "http://127.0.0.1:9/{z}/{x}/{y}.png")
    with_tiles = maps.network_map(nodes, links, None, None)
    assert [layer.id for layer in with_tiles.layers] == ["basemap", "links", "nodes"]
