"""Size limits of the INP reader, checked before any heavy parsing.

Exports :data:`MAX_INP_MB`, :data:`MAX_INP_ELEMENTS`, :func:`inp_limits`,
:func:`check_inp_bytes` and :func:`check_inp_elements`; used by
:func:`models.load_network`.

WNTR's reader holds the whole model as Python objects: a 16.8 MB INP file took 22 s and
2.0 GB, a 187 MB one (1.69 million junctions) 13.5 GB before it failed. So a file larger than
``max_bytes`` is refused before it is read, and one with more than ``max_elements`` nodes
and links (counted with a quick line scan) before it is parsed. Defaults:
:data:`MAX_INP_MB` MB and :data:`MAX_INP_ELEMENTS` elements, changed per call
(``load_network(path, max_bytes=..., max_elements=...)``) or for a whole deployment with
``$PLANNER_MAX_INP_MB`` and ``$PLANNER_MAX_INP_ELEMENTS``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from models.errors import NetworkInputError

MAX_INP_MB = 64.0
"""Default largest INP file read (MB, 2**20 bytes)."""
MAX_INP_ELEMENTS = 400_000
"""Default largest number of nodes plus links read."""
BYTES_ENV = "PLANNER_MAX_INP_MB"
ELEMENTS_ENV = "PLANNER_MAX_INP_ELEMENTS"
_ELEMENT_SECTIONS = ("[JUNC", "[RESE", "[TANK", "[PIPE", "[PUMP", "[VALV")
_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_DATA_LINE = re.compile(r"^[ \t]*[^\s;]", re.MULTILINE)


def _env(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        value = default
    return value if value > 0 else default


def inp_limits(max_bytes: int | None = None, max_elements: int | None = None) -> tuple[int, int]:
    """The limits in force: the arguments, else the environment, else the defaults.

    Returns
    -------
    tuple of int
        ``(max_bytes, max_elements)``.
    """
    if max_bytes is None:
        max_bytes = int(_env(BYTES_ENV, MAX_INP_MB) * 2**20)
    if max_elements is None:
        max_elements = int(_env(ELEMENTS_ENV, MAX_INP_ELEMENTS))
    return int(max_bytes), int(max_elements)


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def check_inp_bytes(path: Path, size: int, max_bytes: int) -> None:
    """Refuse a file over ``max_bytes`` (before it is read).

    Raises
    ------
    NetworkInputError
    """
    if size > max_bytes:
        raise NetworkInputError(
            path, None, None,
            f"file is {_size(size)}; the limit is {_size(max_bytes)} "
            f"(load_network(max_bytes=...) or ${BYTES_ENV} raise it)")


def check_inp_elements(text: str, path: Path, max_elements: int) -> int:
    """Count nodes and links (data lines of their sections); refuse more than the limit.

    A quick scan: section headers by prefix, data lines are non-blank lines not starting
    with ``;``. Runs before the full scan and WNTR's parser.

    Returns
    -------
    int
        Nodes plus links counted.

    Raises
    ------
    NetworkInputError
    """
    count = 0
    starts = [m.start() for m in _HEADER.finditer(text)] + [len(text)]
    for begin, end in zip(starts, starts[1:]):
        block = text[begin:end]
        first, _, body = block.partition("\n")
        if not first.strip().upper().startswith(_ELEMENT_SECTIONS):
            continue
        count += sum(1 for _ in _DATA_LINE.finditer(body))
        if count > max_elements:
            raise NetworkInputError(
                path, None, None,
                f"more than {max_elements:,} nodes and links; the limit is {max_elements:,} "
                f"(load_network(max_elements=...) or ${ELEMENTS_ENV} raise it)")
    return count
