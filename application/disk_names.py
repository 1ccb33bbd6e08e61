"""File and layer names for ids: one per id, even when two ids write the same letters.

Exports :func:`slug` and :func:`disk_names`. Job ids (``A-1``, ``A_1``) and application ids
(``A.1``, ``A-1``, ``A_1``) are free text; file names and GeoPackage layer names allow only
letters, digits and underscores, and layer names (SQLite) and many file systems ignore
case. So ``A-1`` and ``a_1`` would write one PNG and one layer, the second silently over
the first. :func:`disk_names` gives each id its slug, and ids whose slugs collide (ignoring
case) the slug plus a short hash of the id -- unique, and the same for the same set of ids
whatever their order. Used by the shutdown and connection runners and the Shutdowns page.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable


def slug(text: str, fallback: str = "item") -> str:
    """``text`` as letters, digits and underscores (runs of others become one ``_``)."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", str(text)).strip("_") or fallback


def _short_hash(text: str) -> str:
    return hashlib.sha256(str(text).encode("utf-8")).hexdigest()[:6]


def disk_names(ids: Iterable[str], fallback: str = "item") -> dict[str, str]:
    """A unique file/layer name part for each id.

    Parameters
    ----------
    ids : iterable of str
        Distinct ids (duplicates are refused by the study parsers before this).
    fallback : str
        Name part for an id with no letter or digit (``"---"``).

    Returns
    -------
    dict
        id -> name part: its :func:`slug`, or ``<slug>_<6 hex digits>`` when another id has
        the same slug (case ignored).

    Raises
    ------
    ValueError
        Two ids still share a name (a hash collision; not expected in practice).

    Examples
    --------
    >>> disk_names(["A-1", "B-2", "A_1"])  # doctest: +SKIP
    {'A-1': 'A_1_3b5d2c', 'B-2': 'B_2', 'A_1': 'A_1_9e0f11'}
    """
    ids = list(dict.fromkeys(str(i) for i in ids))
    groups: dict[str, list[str]] = defaultdict(list)
    for item in ids:
        groups[slug(item, fallback).lower()].append(item)
    names = {}
    for item in ids:
        base = slug(item, fallback)
        names[item] = base if len(groups[base.lower()]) == 1 else f"{base}_{_short_hash(item)}"
    taken: dict[str, str] = {}
    for item, name in names.items():
        if name.lower() in taken:
            raise ValueError(f"ids {taken[name.lower()]!r} and {item!r} would share the file "
                             f"name {name!r}; rename one")
        taken[name.lower()] = item
    return names
