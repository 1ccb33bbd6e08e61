"""Key readers every study kind's parser shares: optional values, the network, unique ids.

Exports :func:`put` (set a key only when it has a value), :func:`read_network` (the optional
``network`` and ``placement`` keys) and :func:`unique_id` (an item id not seen before).
Called by the parsers in :mod:`application.connection_study`,
:mod:`application.leakage_study` and :mod:`application.shutdown_study`.
"""

from __future__ import annotations

from typing import Any

from application.files import Fields


def put(body: dict[str, Any], key: str, value: Any) -> None:
    """Set ``body[key] = value`` unless ``value`` is None."""
    if value is not None:
        body[key] = value


def read_network(f: Fields, body: dict[str, Any]) -> None:
    """Read the optional ``network`` (.inp/.gpkg, relative to the file) and ``placement``
    (a placement file name or mapping; needs a network) keys into ``body``.

    Raises
    ------
    ScenarioFileError
        Naming the key.
    """
    network = f.text("network", required=False)
    if network is not None and not network.lower().endswith((".inp", ".gpkg")):
        raise f.error("network", "must name a .inp or .gpkg file")
    put(body, "network", network)
    placement = f.data.get("placement")
    if placement is not None and not isinstance(placement, (str, dict)):
        raise f.error("placement", "must be a placement file name or a mapping")
    if placement is not None and network is None:
        raise f.error("placement", "needs a network")
    put(body, "placement", placement)


def unique_id(item: Fields, key: str, seen: set) -> str:
    """The text at ``key`` of a list item, refused if an earlier item used it.

    Parameters
    ----------
    item : Fields
        One list item.
    key : str
        Its id key (``job_id``, ``application_id``).
    seen : set
        Ids of the earlier items; the new id is added.

    Raises
    ------
    ScenarioFileError
        Missing, not text, or a duplicate.
    """
    value = item.text(key)
    if value in seen:
        raise item.error(key, f"duplicate id {value!r}")
    seen.add(value)
    return value
