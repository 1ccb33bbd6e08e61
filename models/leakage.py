"""EPANET 2.3 ``[LEAKAGE]`` values: file units <-> the SI-per-metre table.

Exports ``leakage_table`` (file values -> ``Network.pipe_leakage``) and
``leakage_section`` (table -> ``[LEAKAGE]`` lines in a file's units). Called by
``models.inp_io``.

Units, as EPANET 2.3.5 computes them (checked against owa-epanet 2.3.5 in
``tests/test_models_leakage.py``; the fix of EPANET issue #899 fixed the expansion to
mm^2 per metre of head in every unit system):

- leak area: mm^2 per 100 *file length units* of pipe (100 ft in US-unit files);
- leak expansion: mm^2 per metre of pressure head, per 100 file length units of pipe.

So for US-unit files (CFS, GPM, MGD, IMGD, AFD) both values scale by 1 / 0.3048 to
become "per 100 m of pipe"; SI files are already per 100 m.
"""

from __future__ import annotations

import math

import pandas as pd

from models.inp_check_operations import US_FLOW_UNITS
from models.network import LEAKAGE_COLUMNS, empty_leakage_table
from models.units import MPERFT as M_PER_FT


def per_100m_factor(flow_units: str) -> float:
    """Multiply a file's per-100-length-unit leakage value by this to get per 100 m.

    Parameters
    ----------
    flow_units : str
        The file's flow units (``"GPM"``, ``"LPS"``, ...).

    Returns
    -------
    float
        ``1 / 0.3048`` for US units (100 m of pipe holds 3.28 times the cracks of
        100 ft), else 1.
    """
    return 1.0 / M_PER_FT if flow_units.upper() in US_FLOW_UNITS else 1.0


def leakage_table(values: dict[str, tuple[float, float]], flow_units: str) -> pd.DataFrame:
    """Build ``Network.pipe_leakage`` from ``[LEAKAGE]`` values in file units.

    Parameters
    ----------
    values : dict of str to (float, float)
        Pipe -> (leak area, leak expansion) as written in the file.
    flow_units : str
        The file's flow units.

    Returns
    -------
    pandas.DataFrame
        Index ``pipe``; columns ``leak_area_mm2_per_100m`` and
        ``leak_expansion_mm2_per_m`` (mm^2 per metre of head, per 100 m of pipe).
    """
    if not values:
        return empty_leakage_table()
    scale = per_100m_factor(flow_units)
    names = list(values)
    table = pd.DataFrame(
        {
            LEAKAGE_COLUMNS[0]: [values[n][0] * scale for n in names],
            LEAKAGE_COLUMNS[1]: [values[n][1] * scale for n in names],
        },
        index=pd.Index(names, dtype="object", name="pipe"),
    )
    return table


def leakage_section(table: pd.DataFrame, flow_units: str, pipe_names: set[str]) -> list[str]:
    """``[LEAKAGE]`` lines for ``table`` in a file of ``flow_units``.

    Parameters
    ----------
    table : pandas.DataFrame
        A ``Network.pipe_leakage`` table.
    flow_units : str
        Units of the file being written.
    pipe_names : set of str
        Pipes of the model; every row must name one.

    Returns
    -------
    list of str
        Empty when the table is; else the header, a column comment and one line a pipe.

    Raises
    ------
    ValueError
        For a missing column, an unknown pipe, or a negative or non-finite value.
    """
    if len(table) == 0:
        return []
    missing = [c for c in LEAKAGE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"pipe_leakage lacks columns {missing}")
    scale = per_100m_factor(flow_units)
    lines = ["[LEAKAGE]", ";Pipe  LeakArea  LeakExpansion"]
    for name, area, expansion in zip(
        table.index, table[LEAKAGE_COLUMNS[0]], table[LEAKAGE_COLUMNS[1]]
    ):
        if str(name) not in pipe_names:
            raise ValueError(f"pipe_leakage names {name!r}, which is not a pipe of the model")
        for value in (area, expansion):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"pipe_leakage of {name!r} must be finite and >= 0: {value}")
        lines.append(f"{name} {float(area) / scale!r} {float(expansion) / scale!r}")
    return lines
