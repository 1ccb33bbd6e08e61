"""The fast INP reader: the bulk sections as arrays, the rest through WNTR.

Exports ``InpArrays`` and ``read_arrays``. Called by ``models.inp_io.load_network``;
``InpArrays`` is compiled by ``simulation.compile_inp`` without a full WNTR model.

A city model is almost all junctions, pipes, coordinates and demands. Those sections
(``BULK_SECTIONS``) are scanned as bytes (``models.inp_kernels``), checked as whole
columns and converted to SI with WNTR's own ``to_si``, so the arrays hold exactly the
values WNTR's model would. Everything else (options, times, patterns, curves,
reservoirs, tanks, pumps, valves, status, controls, rules, energy, ...) is small: it
goes through the line checks of ``models.inp_check`` and WNTR's parser as today, in a
*skeleton* file that also holds the junction and pipe lines those sections name.

``read_arrays`` returns None whenever the file is not in the plain form the column
checks cover (a bad or unusual line anywhere in a bulk section, Unicode whitespace,
repeated bulk sections, a control character anywhere, ...): the caller then reads it the
WNTR way, which gives the same model and reports the same first bad line. So a file read here would pass
today's checks with no rewrite or warning in its bulk sections.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from wntr.epanet.util import FlowUnits, HydParam, to_si

from models import inp_kernels as K
from models.errors import NetworkInputError
from models.inp_check import run_checks
from models.inp_text import (
    END_SECTION,
    MAX_ABS_VALUE,
    InpLine,
    InpText,
    canonical_header,
    match_keyword,
)

BULK_SECTIONS = ("[JUNCTIONS]", "[PIPES]", "[COORDINATES]", "[VERTICES]", "[DEMANDS]")
# Characters str.split() splits at that the byte kernels do not treat as whitespace.
_UNICODE_SPACE = re.compile("[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# Control characters neither the byte kernels nor str.split() treat as whitespace: in an ID
# the checked path refuses them (``inp_check_network._short_id``), so such files go there.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f]")
_PIPE_STATUS = [("CV", "CV"), ("CLOSED", "CLOSED"), ("OPEN", "OPEN")]
_MAX_ID_CHARS = 31


class _NotPlain(Exception):
    """The file needs the WNTR reader (an unusual or bad line in a bulk section)."""


@dataclass(frozen=True, eq=False)
class InpArrays:
    """A network read by the fast reader: bulk elements as arrays, the rest as WNTR.

    All values are SI, exactly as WNTR's model would hold them.

    Attributes
    ----------
    path : pathlib.Path or None
    text : str
        The decoded file (the full WNTR model is built from it when needed).
    skeleton : wntr.network.WaterNetworkModel
        Options, times, patterns, curves, reservoirs, tanks, pumps, valves, controls
        and rules, with only the junctions and pipes other sections name.
    junction_names : list of str
        In file order (WNTR's ``junction_name_list``).
    node_names : list of str
        Junctions, then the skeleton's reservoirs, then its tanks.
    elevation_m : ndarray
        Per junction.
    demand_ptr : ndarray of int64
        CSR over junctions of their demand categories.
    demand_base_m3s : ndarray
    demand_pattern : ndarray of int64
        Index into ``skeleton.pattern_name_list``; -1 for the default pattern.
    pipe_names : list of str
    link_names : list of str
        Pipes, then the skeleton's pumps, then its valves.
    pipe_start, pipe_end : ndarray of int64
        Node index (in ``node_names``) of each pipe's ends.
    pipe_length_m, pipe_diameter_m, pipe_roughness, pipe_minor_loss : ndarray
        Roughness in WNTR's SI convention (D-W: m; H-W and C-M: unitless).
    pipe_check_valve, pipe_closed : ndarray of bool
    skeleton_junctions, skeleton_pipes : ndarray of int64
        Junction / pipe index of each junction / pipe of the skeleton, in its order.
    controls : tuple of tuple of str, or None
        The ``[CONTROLS]`` lines as checked and rewritten (``LINK id setting AT TIME|
        CLOCKTIME H:MM:SS`` or ``LINK id setting IF NODE id ABOVE|BELOW value``), in file
        order, left out of the skeleton (WNTR's control objects are slow to build); None
        when some line has another form and the skeleton holds them all.
    """

    path: Path | None
    text: str
    skeleton: object
    junction_names: list
    node_names: list
    elevation_m: np.ndarray
    demand_ptr: np.ndarray
    demand_base_m3s: np.ndarray
    demand_pattern: np.ndarray
    pipe_names: list
    link_names: list
    pipe_start: np.ndarray
    pipe_end: np.ndarray
    pipe_length_m: np.ndarray
    pipe_diameter_m: np.ndarray
    pipe_roughness: np.ndarray
    pipe_minor_loss: np.ndarray
    pipe_check_valve: np.ndarray
    pipe_closed: np.ndarray
    skeleton_junctions: np.ndarray
    skeleton_pipes: np.ndarray
    controls: tuple | None = None


@dataclass(frozen=True)
class FastRead:
    """``read_arrays``' answer: the arrays plus what ``Network`` keeps beside the model."""

    arrays: InpArrays
    leakage: dict
    flow_units: str
    warnings: list


class _Section:
    """One bulk section's fields: line numbers, CSR pointers and byte ranges."""

    def __init__(self, scan: _Scan, name: str):
        self.name = name
        lines = scan.section_lines(name)
        self.data_lines, self.ptr, self.start, self.end = K.tokenize(
            scan.buf, scan.starts, scan.ends, lines, K.WHITESPACE)
        self.count = np.diff(self.ptr)
        self.n = len(self.data_lines)

    def field(self, i: int, rows=None) -> np.ndarray:
        """Token index of field ``i`` of the given rows (all rows by default)."""
        first = self.ptr[:-1] if rows is None else self.ptr[:-1][rows]
        return first + i


class _Scan:
    """Lines, headers and sections of the text as byte ranges."""

    def __init__(self, text: str, path: Path | None):
        self.path = path
        raw = text.encode("utf-8")
        self.buf = np.frombuffer(raw, dtype=np.uint8)
        if self.buf.size == 0:
            raise _NotPlain
        if raw.find(b"\r") < 0:  # plain \n line breaks: one vectorised search
            breaks = np.flatnonzero(self.buf == 10)
            self.starts = np.concatenate([[0], breaks + 1])
            self.ends = np.concatenate([breaks, [self.buf.size]])
            if self.starts[-1] == self.buf.size and len(self.starts) > 1:
                self.starts, self.ends = self.starts[:-1], self.ends[:-1]
        else:
            self.starts, self.ends = K.split_lines(self.buf)
        first = K.first_marks(self.buf, self.starts, self.ends, K.WHITESPACE)
        marked = np.nonzero(first >= 0)[0]
        marks = self.buf[first[marked]]
        header_lines = marked[marks == ord("[")]
        if header_lines.size == 0:
            raise _NotPlain
        before = marked[(marked < header_lines[0]) & (marks != ord(";"))]
        if before.size:
            raise _NotPlain  # text before the first header
        self.headers: dict[int, str] = {}
        self.blocks: list[tuple[str, int, int]] = []  # (header, first line, end line), 0-based
        self.nlines = len(self.starts)
        for k in header_lines.tolist():
            raw = self.line_text(k)
            token = raw.strip().partition(";")[0].split()[0]
            header = canonical_header(token)
            if header is None:
                raise _NotPlain
            if self.blocks:
                name, lo, _ = self.blocks[-1]
                self.blocks[-1] = (name, lo, k)
            self.headers[k + 1] = header
            if header == END_SECTION:
                self.nlines = k + 1
                break
            self.blocks.append((header, k + 1, self.nlines))
        if self.blocks and self.blocks[-1][2] > self.nlines:
            name, lo, _ = self.blocks[-1]
            self.blocks[-1] = (name, lo, self.nlines)
        seen = [name for name, _, _ in self.blocks if name in BULK_SECTIONS]
        if len(seen) != len(set(seen)):
            raise _NotPlain

    def line_text(self, k: int) -> str:
        return self.buf[self.starts[k]:self.ends[k]].tobytes().decode("utf-8")

    def section_lines(self, name: str) -> np.ndarray:
        parts = [np.arange(lo, hi, dtype=np.int64) for sec, lo, hi in self.blocks if sec == name]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def other_lines(self) -> np.ndarray:
        parts = [np.arange(lo, hi, dtype=np.int64) for sec, lo, hi in self.blocks
                 if sec not in BULK_SECTIONS]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def strings(self, sec: _Section, tokens: np.ndarray) -> list[str]:
        """The given fields as Python strings (one C-level decode and split)."""
        if tokens.size == 0:
            return []
        joined = K.join_tokens(self.buf, sec.start, sec.end, tokens)
        return joined[:-1].tobytes().decode("utf-8").split("\n")

    def numbers(self, sec: _Section, tokens: np.ndarray, low: float | None = None,
                strict: bool = False) -> np.ndarray:
        """The given fields as numbers, as ``Row.number`` reads them, or ``_NotPlain``."""
        values, status = K.parse_numbers(self.buf, sec.start[tokens], sec.end[tokens], K.POW10)
        if (status == K.NUMBER_BAD).any():
            raise _NotPlain
        slow = np.nonzero(status == K.NUMBER_SLOW)[0]
        for r in slow.tolist():
            t = tokens[r]
            values[r] = float(self.buf[sec.start[t]:sec.end[t]].tobytes().decode("ascii"))
        if not (np.abs(values) <= MAX_ABS_VALUE).all():
            raise _NotPlain
        if low is not None and ((values < low).any() or (strict and (values == low).any())):
            raise _NotPlain
        return values


def _lookup(index: dict, names: list[str]) -> np.ndarray:
    try:
        return np.fromiter(map(index.__getitem__, names), dtype=np.int64, count=len(names))
    except KeyError:
        raise _NotPlain from None


def _check_ids(names: list[str]) -> None:
    """Unique and at most 31 characters (``_unique``, ``_short_id``)."""
    if len(set(names)) != len(names):
        raise _NotPlain
    if max(map(len, names), default=0) > _MAX_ID_CHARS:
        raise _NotPlain


def read_arrays(text: str, path: Path | None, parse_with_wntr) -> FastRead | None:
    """Read an INP text the fast way, or None if it needs the WNTR reader.

    Parameters
    ----------
    text : str
        Decoded file contents.
    path : pathlib.Path or None
        For messages.
    parse_with_wntr : callable
        ``(lines, scanned, path) -> (wn, notes)``: WNTR's parser for the skeleton of the
        sections read the slow way (passed in by ``models.inp_io``, which imports this
        module).

    Returns
    -------
    FastRead or None
        None when any line needs what only the WNTR path does (a rewrite, a warning or
        an error in a bulk section, a WNTR parse error in the rest): the caller reads
        the file with WNTR, which reports the same problems.
    """
    if not text.isascii() and _unicode_space_in_data(text):
        return None
    if _CONTROL.search(text) is not None:  # NUL & co.: the line checks name the line
        return None
    try:
        return _read(text, path, parse_with_wntr)
    except (_NotPlain, NetworkInputError):
        return None


def _unicode_space_in_data(text: str) -> bool:
    """True if a Unicode space (one ``str.split`` splits at) stands before a line's ``;``.

    In comments they change nothing (Chinese-locale tools write U+3000 there).
    """
    for match in _UNICODE_SPACE.finditer(text):
        at = match.start()
        line_start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
        if text.find(";", line_start, at) < 0:
            return True
    return False


def _read(text: str, path: Path | None, parse_with_wntr) -> FastRead:
    scan = _Scan(text, path)
    junc = _Section(scan, "[JUNCTIONS]")
    pipes = _Section(scan, "[PIPES]")
    coords = _Section(scan, "[COORDINATES]")
    verts = _Section(scan, "[VERTICES]")
    dems = _Section(scan, "[DEMANDS]")

    # ---- the rest of the file: raw lines, tokens, IDs it defines -------------------------
    other = K.tokenize(scan.buf, scan.starts, scan.ends, scan.other_lines(), K.WHITESPACE)[0]
    other_raw = {int(k) + 1: scan.line_text(int(k)) for k in other.tolist()}
    section_of = _section_finder(scan)
    other_lines = []
    for number, raw in other_raw.items():
        data, has_comment, comment = raw.partition(";")
        other_lines.append(InpLine(number, section_of(number), tuple(data.split()),
                                   comment if has_comment else None))
    first_ids: dict[str, list[str]] = {}
    for line in other_lines:
        first_ids.setdefault(line.section, []).append(line.tokens[0])
    patterns = set(first_ids.get("[PATTERNS]", []))

    # ---- junctions -----------------------------------------------------------------------
    if (junc.count < 2).any():
        raise _NotPlain
    junction_names = scan.strings(junc, junc.field(0))
    nj = len(junction_names)
    reservoirs = first_ids.get("[RESERVOIRS]", [])
    tanks = first_ids.get("[TANKS]", [])
    node_names = junction_names + reservoirs + tanks
    _check_ids(node_names)
    node_index = dict(zip(node_names, range(len(node_names))))
    elevation = scan.numbers(junc, junc.field(1))
    with_demand = np.nonzero(junc.count > 2)[0]
    base = np.zeros(nj)
    base[with_demand] = scan.numbers(junc, junc.field(2, with_demand))
    with_pattern = np.nonzero(junc.count > 3)[0]
    junction_patterns = scan.strings(junc, junc.field(3, with_pattern))
    if not patterns.issuperset(junction_patterns):
        raise _NotPlain

    # ---- pipes -------------------------------------------------------------------------
    if ((pipes.count < 6) | (pipes.count > 8)).any():
        raise _NotPlain
    pipe_names = scan.strings(pipes, pipes.field(0))
    link_names = pipe_names + first_ids.get("[PUMPS]", []) + first_ids.get("[VALVES]", [])
    _check_ids(link_names)
    n1 = _lookup(node_index, scan.strings(pipes, pipes.field(1)))
    n2 = _lookup(node_index, scan.strings(pipes, pipes.field(2)))
    if (n1 == n2).any():
        raise _NotPlain
    length = scan.numbers(pipes, pipes.field(3), low=0, strict=True)
    diameter = scan.numbers(pipes, pipes.field(4), low=0, strict=True)
    roughness = scan.numbers(pipes, pipes.field(5), low=0, strict=True)
    minor = np.zeros(pipes.n)
    with_loss = np.nonzero(pipes.count > 6)[0]
    minor[with_loss] = scan.numbers(pipes, pipes.field(6, with_loss), low=0)
    check_valve = np.zeros(pipes.n, dtype=bool)
    closed = np.zeros(pipes.n, dtype=bool)
    with_status = np.nonzero(pipes.count == 8)[0]
    words = scan.strings(pipes, pipes.field(7, with_status))
    if words:
        codes = {"CV": 0, "CLOSED": 1, "OPEN": 2, None: -1}
        code = {w: codes[match_keyword(w, _PIPE_STATUS)] for w in set(words)}
        canon = np.fromiter(map(code.__getitem__, words), dtype=np.int8, count=len(words))
        if (canon < 0).any():
            raise _NotPlain
        check_valve[with_status] = canon == 0
        closed[with_status] = canon == 1

    # ---- coordinates, vertices: checked only (the map lives in the WNTR model) ------------
    for sec, known in ((coords, node_index), (verts, None)):
        if (sec.count < 3).any():
            raise _NotPlain
        scan.numbers(sec, sec.field(1))
        scan.numbers(sec, sec.field(2))
        names = scan.strings(sec, sec.field(0))
        if names:
            known = set(link_names) if known is None else known
            if not all(map(known.__contains__, names)):
                raise _NotPlain

    # ---- demands -------------------------------------------------------------------------
    if (dems.count < 2).any():
        raise _NotPlain
    dem_j = _lookup(node_index, scan.strings(dems, dems.field(0)))
    if (dem_j >= nj).any():
        raise _NotPlain  # a demand on a tank or reservoir: dropped with a warning
    dem_value = scan.numbers(dems, dems.field(1))
    dem_with_pattern = np.nonzero(dems.count > 2)[0]
    dem_patterns = scan.strings(dems, dems.field(2, dem_with_pattern))
    if not patterns.issuperset(dem_patterns):
        raise _NotPlain

    # ---- the skeleton: the rest plus the junctions and pipes it names ----------------------
    named = {token for line in other_lines for token in line.tokens}
    pipe_index = dict(zip(pipe_names, range(len(pipe_names))))
    skel_pipes = np.array(sorted(pipe_index[t] for t in named if t in pipe_index),
                          dtype=np.int64)
    skel_junctions = {node_index[t] for t in named if t in node_index and node_index[t] < nj}
    skel_junctions.update(j for j in np.concatenate([n1[skel_pipes], n2[skel_pipes]]).tolist()
                          if j < nj)
    skel_junctions.update(range(min(nj, 2)))  # the whole-network check counts nodes
    skel_junctions = np.array(sorted(skel_junctions), dtype=np.int64)
    extra = [(junc, skel_junctions), (pipes, skel_pipes)]
    data_lines = list(other_lines)
    for sec, rows in extra:
        for k in sec.data_lines[rows].tolist():
            raw = scan.line_text(k)
            data, has_comment, comment = raw.partition(";")
            data_lines.append(InpLine(k + 1, sec.name, tuple(data.split()),
                                      comment if has_comment else None))
            other_raw[k + 1] = raw
    data_lines.sort(key=lambda line: line.number)
    full_lines = [""] * scan.nlines
    for number in scan.headers:
        full_lines[number - 1] = scan.line_text(number - 1)
    skeleton_text = InpText(path=path, lines=full_lines, data=data_lines,
                            headers=dict(scan.headers))
    checked = run_checks(skeleton_text)
    numbers = sorted(list(scan.headers) + list(other_raw))
    compact = [checked.replacements.get(n, other_raw.get(n, full_lines[n - 1])) for n in numbers]
    controls = _plain_controls(numbers, compact, data_lines)
    if controls is not None:
        compact = [text for n, text in zip(numbers, compact) if n not in controls[1]]
    skeleton, wntr_notes = parse_with_wntr(compact, skeleton_text, path)

    # ---- SI values, as WNTR converts them ---------------------------------------------------
    hyd = skeleton.options.hydraulic
    fu = FlowUnits[str(hyd.inpfile_units).upper()]
    dw = hyd.headloss == "D-W"
    pattern_code = {name: i for i, name in enumerate(skeleton.pattern_name_list)}
    junction_pattern = np.full(nj, -1, dtype=np.int64)
    junction_pattern[with_pattern] = _lookup(pattern_code, junction_patterns)
    dem_pattern = np.full(dems.n, -1, dtype=np.int64)
    dem_pattern[dem_with_pattern] = _lookup(pattern_code, dem_patterns)
    demand_ptr, demand_base, demand_pattern = _demand_table(
        nj, np.asarray(to_si(fu, base, HydParam.Demand), dtype=float), junction_pattern,
        dem_j, np.asarray(to_si(fu, dem_value, HydParam.Demand), dtype=float), dem_pattern)
    arrays = InpArrays(
        path=path, text=text, skeleton=skeleton, junction_names=junction_names,
        node_names=node_names,
        elevation_m=np.asarray(to_si(fu, elevation, HydParam.Elevation), dtype=float),
        demand_ptr=demand_ptr, demand_base_m3s=demand_base, demand_pattern=demand_pattern,
        pipe_names=pipe_names, link_names=link_names, pipe_start=n1, pipe_end=n2,
        pipe_length_m=np.asarray(to_si(fu, length, HydParam.Length), dtype=float),
        pipe_diameter_m=np.asarray(to_si(fu, diameter, HydParam.PipeDiameter), dtype=float),
        pipe_roughness=np.asarray(
            to_si(fu, roughness, HydParam.RoughnessCoeff, darcy_weisbach=dw), dtype=float),
        pipe_minor_loss=minor, pipe_check_valve=check_valve, pipe_closed=closed,
        skeleton_junctions=skel_junctions, skeleton_pipes=skel_pipes,
        controls=None if controls is None else controls[0],
    )
    notes = list(dict.fromkeys(checked.warnings + wntr_notes))
    return FastRead(arrays, checked.leakage, checked.flow_units, notes)


def _plain_controls(numbers, texts, data_lines):
    """The checked ``[CONTROLS]`` lines as token tuples and their line numbers, or None.

    None when a line is not one of the two forms ``compile_inp`` compiles (then WNTR
    reads them all).
    """
    control_lines = {line.number for line in data_lines if line.section == "[CONTROLS]"}
    rows = []
    for number, text in zip(numbers, texts):
        if number not in control_lines:
            continue
        tokens = tuple(text.partition(";")[0].split())
        if not tokens:
            continue  # dropped by the checks
        timed = (len(tokens) == 6 and tokens[3] == "AT" and tokens[4] in ("TIME", "CLOCKTIME")
                 and tokens[5].count(":") == 2)
        level = (len(tokens) == 8 and tokens[3] == "IF" and tokens[4] == "NODE"
                 and tokens[6] in ("ABOVE", "BELOW"))
        if tokens[0] != "LINK" or not (timed or level):
            return None
        rows.append(tokens)
    return tuple(rows), control_lines


def _section_finder(scan: _Scan):
    """Line number -> its section header (for the few lines outside the bulk)."""
    lows = [lo for _, lo, _ in scan.blocks]
    names = [name for name, _, _ in scan.blocks]

    def section_of(number: int) -> str:
        return names[bisect.bisect_right(lows, number - 1) - 1]

    return section_of


def _demand_table(nj, base_si, junction_pattern, dem_j, dem_si, dem_pattern):
    """Each junction's demand categories, as WNTR holds them.

    A junction's ``[JUNCTIONS]`` demand is its one category unless ``[DEMANDS]`` lines
    name it: then those lines, in file order, replace it.
    """
    # a [JUNCTIONS] line without a demand still has one (zero) category
    replaced = np.bincount(dem_j, minlength=nj) > 0
    keep = np.nonzero(~replaced)[0]
    owner = np.concatenate([keep, dem_j])
    values = np.concatenate([base_si[keep], dem_si])
    pats = np.concatenate([junction_pattern[keep], dem_pattern])
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(nj + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(owner, minlength=nj))
    return ptr, values[order], pats[order]
