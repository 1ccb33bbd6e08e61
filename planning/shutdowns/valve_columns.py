"""Valve layers as utilities keep them: ``id, pipe, position, normal status, operable, DN``.

:func:`standard_valve_columns` maps those columns onto the standard form that
:func:`planning.shutdowns.check_valve_layer` reads (``valve``, ``link``, ``node``,
``operable``): ``id`` -> ``valve``, ``pipe`` -> ``link``, and ``position`` -> ``node``, where
a position is a node name or ``start`` / ``end`` (the pipe's start or end node as the model
draws it). ``normal_status`` (``open`` / ``closed``) and ``dn`` (mm, > 0) are checked and
kept as columns; the isolation search treats every valve as one a crew may close.

Exports :func:`standard_valve_columns`, :data:`VALVE_ALIASES`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ShutdownInputError

VALVE_ALIASES = {"id": "valve", "valve_id": "valve", "pipe": "link", "pipe_id": "link",
                 "position": "node", "at_node": "node", "normal": "normal_status",
                 "status": "normal_status", "diameter_mm": "dn", "dn_mm": "dn"}
"""Column names of utilities' valve layers mapped to the standard ones."""
_STATUS = {"open": "open", "o": "open", "no": "open", "normally open": "open",
           "closed": "closed", "c": "closed", "nc": "closed", "normally closed": "closed"}


def standard_valve_columns(wn, layer: pd.DataFrame, source: str, rows) -> pd.DataFrame:
    """The layer with utility column names mapped to the standard ones (a copy).

    Parameters
    ----------
    wn : wntr.network.WaterNetworkModel
    layer : pandas.DataFrame
    source : str
        For errors.
    rows : sequence
        What to call each row in errors (line numbers).

    Raises
    ------
    ShutdownInputError
        A bad ``normal_status`` or ``dn``, a ``start``/``end`` position on an unknown pipe.
    """
    cols = [str(c).strip().lower().replace(" ", "_") for c in layer.columns]
    if not any(c in VALVE_ALIASES for c in cols):
        return layer
    out = layer.copy()
    out.columns = [VALVE_ALIASES.get(c, c) if VALVE_ALIASES.get(c, c) not in cols or
                   VALVE_ALIASES.get(c, c) == c else c for c in cols]
    if "node" in out.columns and "link" in out.columns:
        links = set(wn.link_name_list)
        nodes = []
        for r, link, pos in zip(rows, out["link"].astype(str).str.strip(),
                                out["node"].astype(str).str.strip()):
            key = pos.lower()
            if key in ("start", "end", "from", "to"):
                if link not in links:
                    raise ShutdownInputError(source, r, "pipe",
                                             f"no pipe {link!r} in the network")
                lk = wn.get_link(link)
                pos = lk.start_node_name if key in ("start", "from") else lk.end_node_name
            nodes.append(pos)
        out["node"] = nodes
    if "normal_status" in out.columns:
        for r, v in zip(rows, out["normal_status"].tolist()):
            text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else \
                str(v).strip().lower()
            if text and text not in _STATUS:
                raise ShutdownInputError(source, r, "normal_status",
                                         f"{v!r} is not 'open' or 'closed'")
    if "dn" in out.columns:
        raw = out["dn"].tolist()
        vals = pd.to_numeric(pd.Series(raw, dtype=object).replace("", np.nan),
                             errors="coerce").to_numpy(dtype=float)
        for r, v, x in zip(rows, raw, vals):
            blank = v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""
            if not blank and not (np.isfinite(x) and x > 0):
                raise ShutdownInputError(source, r, "dn", f"{v!r} is not a diameter (mm > 0)")
    return out
