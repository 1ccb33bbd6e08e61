"""Pipe criticality for the app: every pipe closed in turn, ranked by what it costs.

Exports :func:`rank_segments` (valve segments of a valve layer by customers and demand lost
when closed, a graph screen: ``planning.shutdowns.segment_criticality``) with
:func:`segment_layer`, :func:`rank_pipes` (the table of :func:`planning.shutdowns.criticality`, ranked,
optionally on a local Dask cluster) and :func:`criticality_layer` (the ranked pipes as map
lines for a GeoPackage). Customers are the billing accounts placed on the network when
given, else the estimate from demand.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

__all__ = ["criticality_layer", "rank_segments", "rank_pipes", "segment_layer"]


def rank_pipes(opened, customers: pd.Series | None = None, *, pipes=None,
               dask_workers: int = 0, threads: int = 2) -> pd.DataFrame:
    """Rank pipes by customers without water, then below the minimum, then demand lost.

    Parameters
    ----------
    opened : application.OpenedNetwork
        Not modified.
    customers : pandas.Series, optional
        Accounts per junction (e.g. ``ShutdownInputs.customers``).
    pipes : sequence of str, optional
        All pipes by default.
    dask_workers : int
        > 0: run the sweep on a local ``dask.distributed`` cluster of that many worker
        processes (one chunk of pipes each); 0: threads in this process.
    threads : int

    Returns
    -------
    pandas.DataFrame
        Index ``pipe``; ``rank`` (1 = most critical), the criticality columns and
        ``demand_not_served_l_s``.
    """
    from planning.shutdowns import criticality

    if dask_workers > 0:
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=int(dask_workers), threads_per_worker=1,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            table = criticality(opened.net, pipes, customers=customers, client=client)
    else:
        table = criticality(opened.net, pipes, customers=customers, threads=threads)
    table = table.assign(demand_not_served_l_s=table["demand_not_served_m3s"] * 1000.0)
    table = table.sort_values(["customers_without_water", "customers_below_min",
                               "demand_not_served_m3s"], ascending=False, kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def criticality_layer(opened, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """The ranked pipes as placed lines with their criticality columns."""
    from gis.layers import link_geometry

    lines = link_geometry(opened.net, opened.placement)
    cols = [c for c in table.columns if c not in ("method",)]
    return lines.loc[table.index, ["geometry"]].join(table[cols])


def rank_segments(opened, valves_file: str | None = None,
                  customers: pd.Series | None = None) -> pd.DataFrame:
    """Valve segments ranked by customers and demand lost when closed.

    ``valves_file``: the utility's valve layer (CSV or GIS file); the synthetic N-1 layer
    when None (``attrs["synthetic"]`` says which). Customers as :func:`rank_pipes`.

    Raises
    ------
    planning.shutdowns.ShutdownInputError
        A bad valve file (line and field named).
    """
    from planning.shutdowns import customers_per_node, read_valve_layer, synthetic_valve_layer
    from planning.shutdowns.segment_criticality import segment_criticality

    valves = (read_valve_layer(valves_file, opened.net) if valves_file
              else synthetic_valve_layer(opened.net, 1, seed=0))
    table = segment_criticality(opened.net, valves, customers_per_node(opened.net, customers))
    table.attrs["synthetic"] = valves_file is None
    return table


def segment_layer(opened, table: pd.DataFrame, valves_file: str | None = None
                  ) -> gpd.GeoDataFrame:
    """The links of the ranked segments as placed lines, with their segment's columns."""
    from gis.layers import link_geometry
    from planning.shutdowns import read_valve_layer, segment_map, synthetic_valve_layer

    valves = (read_valve_layer(valves_file, opened.net) if valves_file
              else synthetic_valve_layer(opened.net, 1, seed=0))
    seg = segment_map(opened.net, valves).link_segment.rename("segment")
    lines = link_geometry(opened.net, opened.placement)[["geometry"]].join(seg)
    lines = lines[lines["segment"].isin(table.index)]
    return lines.join(table, on="segment")
