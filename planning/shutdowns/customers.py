"""Customers (accounts) per junction, and junction demands over time.

Where the utility's billing data give the number of accounts per node, pass them (a GIS
layer's or a CSV's ``customers`` column, or a Series). Otherwise they are estimated from
the model: a junction's average daily demand divided by an average use per account.

Default use per account = household size x residential use per person:
:data:`DEFAULT_PERSONS_PER_ACCOUNT` (2.62 persons, the 7th national census 2020 average
household) x :data:`DEFAULT_LITRES_PER_PERSON_DAY` (120 L/person/d, the middle of the
GB/T 50331-2002 zone 5 quota, Yunnan included: 100-140 L/person/d) = 0.3144 m3/d. Both
are parameters (:func:`use_per_account_m3_day`); a whole-network model's demand also holds
non-residential use and losses, so accounts from it are an upper estimate of households
and a conservative (large) count for notices and emergency volumes. Every junction with a
positive average demand gets at least one account (estimates are rounded half up, then
raised to 1).

Exports :func:`customers_per_node`, :func:`read_customers`, :func:`average_demand_m3s`,
:func:`required_demand_m3s`, :func:`use_per_account_m3_day`,
:data:`DEFAULT_PERSONS_PER_ACCOUNT`, :data:`DEFAULT_LITRES_PER_PERSON_DAY`,
:data:`DEFAULT_USE_M3_PER_ACCOUNT_DAY`.
Called by ``plan``, ``criticality`` and ``emergency``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from models import wntr_model as _wn

from ..inputfiles import InputFileError, read_csv_strings, read_gis_layers
from .errors import ShutdownInputError

DEFAULT_PERSONS_PER_ACCOUNT = 2.62
"""Persons per (household) account: 7th national census 2020 average household size."""
DEFAULT_LITRES_PER_PERSON_DAY = 120.0
"""Residential use, L/person/d: middle of GB/T 50331-2002 zone 5 (Yunnan), 100-140."""


def use_per_account_m3_day(persons_per_account: float = DEFAULT_PERSONS_PER_ACCOUNT,
                           litres_per_person_day: float = DEFAULT_LITRES_PER_PERSON_DAY
                           ) -> float:
    """Average use of one account, m3/d: household size x L/person/d / 1000.

    Raises
    ------
    ShutdownInputError
        A non-positive or non-finite value (field named).
    """
    for name, v in (("persons_per_account", persons_per_account),
                    ("litres_per_person_day", litres_per_person_day)):
        if not (isinstance(v, (int, float, np.number)) and np.isfinite(v) and v > 0):
            raise ShutdownInputError("policy", None, name, f"must be > 0, got {v!r}")
    return float(persons_per_account) * float(litres_per_person_day) / 1000.0


DEFAULT_USE_M3_PER_ACCOUNT_DAY = use_per_account_m3_day()
"""Average water use of one (residential) account, m3/d, when billing data are absent
(2.62 x 120 L = 0.3144 m3/d)."""


def _demand_terms(wn):
    """(junction index, base m3/s, pattern name or None) for every demand entry."""
    default = wn.options.hydraulic.pattern
    junctions = list(wn.junction_name_list)
    j_idx, base, pats = [], [], []
    for i, name in enumerate(junctions):
        for d in wn.get_node(name).demand_timeseries_list:
            j_idx.append(i)
            base.append(float(d.base_value))
            pat = d.pattern_name
            if not pat:
                pat = default if default in wn.pattern_name_list else None
            pats.append(pat)
    return junctions, np.asarray(j_idx, dtype=np.int64), np.asarray(base), pats


def _pattern_matrix(wn, pats, pattern_times_s):
    """Multipliers (n_terms, n_times) at pattern times (s from the pattern origin)."""
    step = int(wn.options.time.pattern_timestep) or 3600
    out = np.ones((len(pats), len(pattern_times_s)))
    periods = np.asarray(pattern_times_s, dtype=np.int64) // step
    cache = {}
    for i, p in enumerate(pats):
        if p is None:
            continue
        if p not in cache:
            m = np.asarray(wn.get_pattern(p).multipliers, dtype=float)
            cache[p] = m[periods % len(m)] if len(m) else np.ones(len(periods))
        out[i] = cache[p]
    return out


def required_demand_m3s(net, times_s, pattern_start_s: int | None = None) -> pd.DataFrame:
    """Demand every junction asks for (no pressure effect), per time.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    times_s : array-like of int
        Simulation times, s.
    pattern_start_s : int, optional
        Pattern time at simulation time 0; the model's ``pattern_start`` by default.

    Returns
    -------
    pandas.DataFrame
        m3/s; index = ``times_s``, columns = junction names. Base demand x pattern
        multiplier x the model's demand multiplier, summed over demand categories
        (emitters and leaks excluded).
    """
    wn = _wn(net)
    times = np.asarray(times_s, dtype=np.int64)
    p0 = int(wn.options.time.pattern_start) if pattern_start_s is None else int(pattern_start_s)
    junctions, j_idx, base, pats = _demand_terms(wn)
    mult = _pattern_matrix(wn, pats, times + p0)
    out = np.zeros((len(times), len(junctions)))
    np.add.at(out.T, j_idx, base[:, None] * mult)
    out *= float(wn.options.hydraulic.demand_multiplier)
    return pd.DataFrame(out, index=pd.Index(times), columns=junctions)


def average_demand_m3s(net) -> pd.Series:
    """Average demand of every junction over its patterns' cycle, m3/s.

    The mean of each demand pattern's multipliers times the base demand, summed over
    categories, times the demand multiplier.
    """
    wn = _wn(net)
    junctions, j_idx, base, pats = _demand_terms(wn)
    means = np.array([1.0 if p is None else
                      float(np.mean(wn.get_pattern(p).multipliers) or 1.0) for p in pats])
    out = np.zeros(len(junctions))
    np.add.at(out, j_idx, base * means)
    out *= float(wn.options.hydraulic.demand_multiplier)
    return pd.Series(out, index=pd.Index(junctions, name="node"), name="average_demand_m3s")


def customers_per_node(net, customers=None, *,
                       use_m3_per_account_day: float = DEFAULT_USE_M3_PER_ACCOUNT_DAY,
                       source: str = "customers") -> pd.Series:
    """Accounts per junction: given, or estimated from average demand.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    customers : pandas.Series or pandas.DataFrame, optional
        Accounts by node name (a Series, or a table with ``node`` or ``name`` and
        ``customers`` columns, e.g. a GIS junction layer). Junctions it does not list get
        the estimate; names it lists that the network lacks raise.
    use_m3_per_account_day : float
        Average use per account, m3/d (:func:`use_per_account_m3_day`; 0.3144 by default).
    source : str
        What ``customers`` came from, for error messages (a file and layer name).

    Returns
    -------
    pandas.Series
        int64 by junction name (index ``node``, model order), name ``customers``.

    Raises
    ------
    ShutdownInputError
        Unknown node names, negative or non-numeric counts.
    """
    wn = _wn(net)
    use = float(use_m3_per_account_day)
    if not (np.isfinite(use) and use > 0):
        raise ShutdownInputError(source, None, "use_m3_per_account_day",
                                 f"must be > 0, got {use_m3_per_account_day!r}")
    avg = average_demand_m3s(wn)
    est = np.floor(avg.to_numpy() * 86400.0 / float(use_m3_per_account_day) + 0.5)
    est = np.where(avg.to_numpy() > 0, np.maximum(est, 1.0), 0.0)
    out = pd.Series(est.astype(np.int64), index=avg.index, name="customers")
    if customers is None:
        return out
    given = _given_series(customers, source)
    unknown = given.index.difference(out.index)
    if len(unknown):
        raise ShutdownInputError(source, unknown[0], "node",
                                 f"no junction {unknown[0]!r} in the network",
                                 missing=tuple(unknown))
    out.loc[given.index] = given.to_numpy()
    return out


def _given_series(customers, source: str) -> pd.Series:
    if isinstance(customers, pd.DataFrame):
        name_col = next((c for c in ("node", "name", "junction") if c in customers.columns),
                        None)
        if "customers" not in customers.columns:
            raise ShutdownInputError(source, None, "customers", "no 'customers' column")
        table = customers.set_index(name_col) if name_col else customers
        series = table["customers"]
    else:
        series = pd.Series(customers)
    series.index = series.index.astype(str)
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        label = series.index[bad.to_numpy()][0]
        raise ShutdownInputError(source, label, "customers",
                                 f"{series[label]!r} is not a count of customers")
    return values.round().astype(np.int64)


def read_customers(path: str | os.PathLike, net, *, layer: str = "junctions",
                   use_m3_per_account_day: float = DEFAULT_USE_M3_PER_ACCOUNT_DAY
                   ) -> pd.Series:
    """Read accounts per node from a CSV (``node``, ``customers``) or a GIS layer.

    Rows of a CSV are named by line number in errors. See :func:`customers_per_node`.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            table = read_csv_strings(path)
        except InputFileError as exc:
            raise ShutdownInputError(exc.source, exc.line, None, exc.problem) from None
        table.columns = [str(c).strip().lower() for c in table.columns]
        table.index = range(2, len(table) + 2)
        if "node" not in table.columns or "customers" not in table.columns:
            raise ShutdownInputError(path.name, None, "node",
                                     "the customer table needs 'node' and 'customers' columns")
        wn = _wn(net)
        known = set(wn.junction_name_list)
        for line, name in zip(table.index, table["node"].str.strip()):
            if name not in known:
                raise ShutdownInputError(path.name, line, "node",
                                         f"no junction {name!r} in the network",
                                         missing=(name,))
        values = pd.to_numeric(table["customers"], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            line = table.index[bad.to_numpy()][0]
            raise ShutdownInputError(path.name, line, "customers",
                                     f"{table.loc[line, 'customers']!r} is not a count")
        series = pd.Series(values.to_numpy(), index=table["node"].str.strip().to_numpy())
        return customers_per_node(net, series, use_m3_per_account_day=use_m3_per_account_day)
    try:
        layers = read_gis_layers(path, [layer], geometry=False)
    except InputFileError as exc:
        raise ShutdownInputError(exc.source, exc.line, None, exc.problem) from None
    if layer not in layers:
        raise ShutdownInputError(path.name, None, None, f"no layer {layer!r}")
    table = layers[layer]
    return customers_per_node(net, table, use_m3_per_account_day=use_m3_per_account_day,
                              source=f"{path.name}:{layer}")
