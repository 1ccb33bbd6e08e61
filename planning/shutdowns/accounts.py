"""Customer accounts as a billing system exports them: read, check, place on the network.

An account table has one row per account (a metered customer):

``account_id`` (required, unique)
    The billing system's account number.
``name``, ``address`` (required), ``class`` (required: residential, business, ...)
``meter_dn`` (optional)
    Meter size, mm.
``node`` or ``x`` / ``y`` or ``lon`` / ``lat``
    Where it is: the junction it is served from, or the meter's position (``x``/``y`` in
    metres of the network's placement CRS, EPSG:4543 by default; ``lon``/``lat`` in
    degrees, WGS 84). A row with a ``node`` uses it; otherwise the nearest junction within
    ``max_distance_m`` (default 300 m) serves it.
``phone`` (optional)
``sensitive`` (optional yes/no; default no)
    Hospitals, schools, dialysis patients at home: listed first on notices and emergency
    plans.

Bad rows (a missing id, a duplicate id, a bad yes/no, a bad number) raise
:class:`ShutdownInputError` naming the line and field; an account that cannot be placed
(an unknown node, no position, too far from the network) is not an error of the table: it
goes to the *unplaced* table with its line, field and reason, so one bad address does not
stop a utility's week.

Exports :data:`ACCOUNT_COLUMNS`, :func:`check_accounts`, :func:`read_accounts`,
:func:`place_accounts` -> :class:`PlacedAccounts`, :func:`account_notice`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models import wntr_model as _wn

from ..inputfiles import InputFileError, read_csv_strings, read_gis_layers
from .errors import ShutdownInputError
from .valves import _parse_bool

ACCOUNT_COLUMNS = ("account_id", "name", "address", "class", "meter_dn", "node", "x", "y",
                   "lon", "lat", "phone", "sensitive")
"""Columns of the standard account table (the index is the file's line number)."""
REQUIRED = ("account_id", "name", "address", "class")
ALIASES = {"account": "account_id", "account_no": "account_id", "id": "account_id",
           "customer_class": "class", "category": "class", "meter_size": "meter_dn",
           "dn": "meter_dn", "junction": "node", "telephone": "phone", "tel": "phone",
           "longitude": "lon", "latitude": "lat", "priority": "sensitive"}
"""Other column names billing exports use, mapped to the standard ones."""
DEFAULT_MAX_DISTANCE_M = 300.0
"""Farthest a meter may be from the junction that serves it, m."""
UNPLACED_COLUMNS = ("line", "account_id", "field", "reason")


def _norm_columns(table: pd.DataFrame) -> pd.DataFrame:
    cols = [str(c).strip().lower().replace(" ", "_") for c in table.columns]
    table = table.copy()
    table.columns = [ALIASES.get(c, c) for c in cols]
    return table


def check_accounts(table: pd.DataFrame, *, source: str = "accounts",
                   row_numbers=None) -> pd.DataFrame:
    """Check an account table and return it in the standard form.

    Parameters
    ----------
    table : pandas.DataFrame
        As read (strings or numbers); column names are matched case-blind, with
        :data:`ALIASES`.
    source : str
        Name for errors (a file name).
    row_numbers : sequence, optional
        What to call each row (line numbers for CSV files); the index by default.

    Returns
    -------
    pandas.DataFrame
        Index ``line`` (the row numbers); columns :data:`ACCOUNT_COLUMNS` (``account_id``
        ... ``phone``, ``node`` as text, ``""`` when absent; ``meter_dn``, ``x``, ``y``,
        ``lon``, ``lat`` float, NaN when absent; ``sensitive`` bool).

    Raises
    ------
    ShutdownInputError
        A required column or value missing, a duplicate ``account_id`` (the second row
        is named), a number or yes/no value that does not read.
    """
    table = _norm_columns(table)
    rows = list(table.index) if row_numbers is None else list(row_numbers)
    for col in REQUIRED:
        if col not in table.columns:
            raise ShutdownInputError(source, None, col,
                                     f"the account table needs a {col!r} column "
                                     f"(has {list(table.columns)})")
    out = pd.DataFrame(index=pd.Index(rows, name="line"))
    for col in ("account_id", "name", "address", "class", "node", "phone"):
        values = table[col] if col in table.columns else pd.Series([""] * len(table))
        out[col] = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
                    for v in values.tolist()]
    for col in REQUIRED:
        empty = np.flatnonzero(out[col].to_numpy() == "")
        if len(empty):
            raise ShutdownInputError(source, rows[empty[0]], col, "empty")
    dup = out["account_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = rows[int(np.flatnonzero(out["account_id"].to_numpy()
                                        == out["account_id"].iloc[i])[0])]
        raise ShutdownInputError(source, rows[i], "account_id",
                                 f"account {out['account_id'].iloc[i]!r} is listed twice "
                                 f"(first at {first})")
    for col in ("meter_dn", "x", "y", "lon", "lat"):
        if col not in table.columns:
            out[col] = np.nan
            continue
        raw = table[col].tolist()
        values = pd.to_numeric(pd.Series(raw, dtype=object).replace("", np.nan),
                               errors="coerce").to_numpy(dtype=float)
        for r, v, x in zip(rows, raw, values):
            blank = v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""
            if not blank and not np.isfinite(x):
                raise ShutdownInputError(source, r, col, f"{v!r} is not a number")
        if col == "meter_dn" and (values <= 0).any():
            r = rows[int(np.flatnonzero(values <= 0)[0])]
            raise ShutdownInputError(source, r, col, "a meter size must be positive (mm)")
        out[col] = values
    if "sensitive" in table.columns:
        out["sensitive"] = [False if (v is None or str(v).strip() == "")
                            else _parse_bool(v, source, r, "sensitive")
                            for v, r in zip(table["sensitive"].tolist(), rows)]
    else:
        out["sensitive"] = False
    return out[list(ACCOUNT_COLUMNS)]


def read_accounts(path: str | os.PathLike, *, layer: str = "accounts") -> pd.DataFrame:
    """Read an account table from CSV (rows named by line, header = line 1) or a GIS file
    (points: the geometry gives ``x``/``y`` when the table has none).

    Returns
    -------
    pandas.DataFrame
        The standard form of :func:`check_accounts`.

    Raises
    ------
    ShutdownInputError
    FileNotFoundError
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        if path.suffix.lower() == ".csv":
            table = read_csv_strings(path)
            return check_accounts(table, source=path.name,
                                  row_numbers=range(2, len(table) + 2))
        layers = read_gis_layers(path, [layer], geometry=True)
    except InputFileError as exc:
        raise ShutdownInputError(exc.source, exc.line, None, exc.problem) from None
    if layer not in layers:
        raise ShutdownInputError(path.name, None, None, f"no layer {layer!r}")
    gdf = layers[layer]
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name, errors="ignore"))
    table = _norm_columns(table)
    if "x" not in table.columns and hasattr(gdf, "geometry"):
        table["x"] = gdf.geometry.x.to_numpy()
        table["y"] = gdf.geometry.y.to_numpy()
    return check_accounts(table.reset_index(drop=True), source=f"{path.name}:{layer}",
                          row_numbers=range(1, len(table) + 1))


@dataclass(frozen=True)
class PlacedAccounts:
    """Accounts placed on a network.

    Attributes
    ----------
    placed : pandas.DataFrame
        Index ``account_id``; the standard columns with ``node`` the serving junction,
        plus ``line``, ``how`` (``"node"`` given / ``"nearest"``) and ``distance_m``
        (from the meter to the junction; NaN when the node was given).
    unplaced : pandas.DataFrame
        Columns :data:`UNPLACED_COLUMNS`: the line, account, field at fault and why.
    """

    placed: pd.DataFrame
    unplaced: pd.DataFrame

    def per_node(self) -> pd.Series:
        """Accounts per junction (int64, index ``node``), for ``customers_per_node``."""
        return self.placed.groupby("node").size().astype(np.int64).rename("customers")


def place_accounts(net, accounts: pd.DataFrame, placement=None, *,
                   max_distance_m: float = DEFAULT_MAX_DISTANCE_M) -> PlacedAccounts:
    """Put every account on the junction that serves it.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    accounts : pandas.DataFrame
        Standard form (:func:`check_accounts`).
    placement : gis.Placement, optional
        Where the network sits (its CRS is that of ``x``/``y``); Kunming default.
    max_distance_m : float
        Farthest a meter may be from its junction, m.

    Returns
    -------
    PlacedAccounts
    """
    import geopandas as gpd

    from gis.layers import node_geometry

    wn = _wn(net)
    junctions = set(wn.junction_name_list)
    unplaced: list[dict] = []
    node = accounts["node"].to_numpy(dtype=object).copy()
    how = np.where(node != "", "node", "nearest").astype(object)
    dist = np.full(len(accounts), np.nan)
    ok = np.ones(len(accounts), dtype=bool)
    for i, (line, aid, n) in enumerate(zip(accounts.index, accounts["account_id"], node)):
        if n != "" and n not in junctions:
            unplaced.append({"line": line, "account_id": aid, "field": "node",
                             "reason": f"no junction {n!r} in the network"})
            ok[i] = False
    want = ok & (node == "")
    if want.any():
        nodes = node_geometry(wn, placement)
        nodes = nodes[nodes["node_type"] == "Junction"]
        xy = accounts[["x", "y"]].to_numpy(dtype=float)
        ll = accounts[["lon", "lat"]].to_numpy(dtype=float)
        has_xy = np.isfinite(xy).all(axis=1)
        has_ll = np.isfinite(ll).all(axis=1) & ~has_xy
        for i in np.flatnonzero(want & ~has_xy & ~has_ll):
            unplaced.append({"line": accounts.index[i], "account_id": accounts["account_id"].iloc[i],
                             "field": "node", "reason": "no node and no position (x/y or "
                                                        "lon/lat)"})
            ok[i] = False
        pts_xy = np.where(has_xy[:, None], xy, np.nan)
        if has_ll.any():
            sel = np.flatnonzero(has_ll & want)
            conv = gpd.GeoSeries(gpd.points_from_xy(ll[sel, 0], ll[sel, 1]),
                                 crs="EPSG:4326").to_crs(nodes.crs)
            pts_xy[sel, 0] = conv.x.to_numpy()
            pts_xy[sel, 1] = conv.y.to_numpy()
        sel = np.flatnonzero(want & (has_xy | has_ll))
        if len(sel) and len(nodes):
            pts = gpd.GeoDataFrame({"i": sel}, geometry=gpd.points_from_xy(
                pts_xy[sel, 0], pts_xy[sel, 1]), crs=nodes.crs)
            near = gpd.sjoin_nearest(pts, nodes[["geometry"]].reset_index(), how="left",
                                     distance_col="distance_m")
            near = near[~near["i"].duplicated()]  # ties: the first junction
            for i, name, d in zip(near["i"], near["name"], near["distance_m"]):
                if not np.isfinite(d) or d > max_distance_m:
                    unplaced.append({"line": accounts.index[i],
                                     "account_id": accounts["account_id"].iloc[i],
                                     "field": "x" if has_xy[i] else "lon",
                                     "reason": f"{d:,.0f} m from the nearest junction "
                                               f"(more than {max_distance_m:g} m)"})
                    ok[i] = False
                else:
                    node[i] = name
                    dist[i] = d
    placed = accounts.assign(node=node, how=how, distance_m=dist)[ok]
    placed = placed.reset_index().set_index("account_id")
    unplaced_t = pd.DataFrame(unplaced, columns=list(UNPLACED_COLUMNS)).sort_values(
        "line", kind="stable").reset_index(drop=True)
    return PlacedAccounts(placed, unplaced_t)


NOTICE_ACCOUNT_COLUMNS = ("job_id", "kind", "impact", "sensitive", "account_id", "name",
                          "address", "class", "phone", "node", "start", "expected_end",
                          "notice_issued")


def account_notice(notice: pd.DataFrame, accounts: PlacedAccounts) -> pd.DataFrame:
    """The notice list by account: who to tell, where they live, sensitive customers first.

    Parameters
    ----------
    notice : pandas.DataFrame
        A plan's notice list by junction (``planning.shutdowns.notice.NOTICE_COLUMNS``).
    accounts : PlacedAccounts

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NOTICE_ACCOUNT_COLUMNS`; sensitive accounts first, then no water
        before low pressure, then by address and account.
    """
    placed = accounts.placed.reset_index()
    rows = notice.merge(placed[["account_id", "name", "address", "class", "phone", "node",
                                "sensitive"]], on="node", how="inner")
    rows = rows.assign(_s=~rows["sensitive"].astype(bool),
                       _i=rows["impact"].map({"no water": 0}).fillna(1))
    rows = rows.sort_values(["_s", "_i", "address", "account_id"], kind="stable")
    return rows[list(NOTICE_ACCOUNT_COLUMNS)].reset_index(drop=True)
