"""Raw INP text: decoding, line splitting, sections, and EPANET's token rules.

Exports ``decode_inp``, ``scan_inp`` (text -> ``InpText``), ``InpLine``, and the token
helpers ``parse_number``, ``match_keyword``, ``epanet_hours``, ``format_hms``.
Called by ``models.inp_io`` (load/save) and the checkers ``models.inp_check_*``.

Lines are split only at ``\\r\\n``, ``\\r`` and ``\\n`` and tokens with ``str.split()``,
exactly as WNTR reads the cleaned file we hand it, so line numbers and tokens agree
between our checks and WNTR's parser.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import NetworkInputError

# Sections WNTR 1.5 parses, plus EPANET 2.3's [LEAKAGE] (we read it ourselves) and
# [ROUGHNESS] (accepted and ignored by EPANET 2.x).
WNTR_SECTIONS = (
    "[OPTIONS]", "[TITLE]", "[JUNCTIONS]", "[RESERVOIRS]", "[TANKS]", "[PIPES]",
    "[PUMPS]", "[VALVES]", "[EMITTERS]", "[CURVES]", "[PATTERNS]", "[ENERGY]",
    "[STATUS]", "[CONTROLS]", "[RULES]", "[DEMANDS]", "[QUALITY]", "[REACTIONS]",
    "[SOURCES]", "[MIXING]", "[TIMES]", "[REPORT]", "[COORDINATES]", "[VERTICES]",
    "[LABELS]", "[BACKDROP]", "[TAGS]",
)  # fmt: skip
EXTRA_SECTIONS = ("[LEAKAGE]", "[ROUGHNESS]")
KNOWN_SECTIONS = frozenset(WNTR_SECTIONS + EXTRA_SECTIONS)
END_SECTION = "[END]"

# No quantity in a water network file comes near this; the cap keeps every unit
# conversion WNTR does finite.
MAX_ABS_VALUE = 1e30

# Times longer than this overflow EPANET's 32-bit `long` seconds.
MAX_TIME_S = 2**31 - 1

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class InpLine:
    """One data line of an INP file.

    Attributes
    ----------
    number : int
        1-based line number in the file.
    section : str
        Canonical section header, e.g. ``"[PIPES]"``.
    tokens : tuple of str
        Whitespace-separated fields before the first ``;``.
    comment : str or None
        Text after the first ``;`` (WNTR reads demand categories from it), or None.
    """

    number: int
    section: str
    tokens: tuple[str, ...]
    comment: str | None


@dataclass
class InpText:
    """A scanned INP file.

    Attributes
    ----------
    path : pathlib.Path or None
        Where the text came from.
    lines : list of str
        Every raw line (``lines[n - 1]`` is line ``n``), up to and including ``[END]``.
    data : list of InpLine
        Lines that carry fields, in file order.
    headers : dict of int to str
        Line number -> canonical header, for every section header line.
    """

    path: Path | None
    lines: list[str]
    data: list[InpLine] = field(default_factory=list)
    headers: dict[int, str] = field(default_factory=dict)

    def section_of(self, number: int) -> str | None:
        """Section that holds line ``number`` (None before the first header)."""
        found = None
        for header_line, name in self.headers.items():
            if header_line > number:
                break
            found = name
        return found


def decode_inp(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode INP bytes and say which codec did it.

    UTF-16 when it has a byte-order mark (or looks like BOM-less UTF-16), else UTF-8 (BOM
    skipped), else GB18030 (the superset of GBK, which EPANET files written on Chinese
    Windows use), else Latin-1.

    Parameters
    ----------
    data : bytes
        File contents.
    encoding : str, optional
        Force this codec instead of guessing (e.g. ``"gb18030"``); errors propagate.

    Returns
    -------
    text : str
    codec : str
        The codec used.
    """
    if encoding is not None:
        return data.decode(encoding), encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    codec = _bomless_utf16(data)
    if codec is not None:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_like_gbk(text):
        return text, "gb18030"
    # Latin-1 maps every byte, so this never fails; EPANET itself reads bytes.
    return data.decode("latin-1"), "latin-1"


def _looks_like_gbk(text: str) -> bool:
    """True when every non-ASCII character is a two-byte GBK code with a high trail byte.

    Latin-1 text such as ``Réseau`` also decodes as GB18030 (0xE9 0x73 is a GBK code), but
    only through codes whose trail byte is ASCII; Chinese names use codes whose both bytes
    are 0x81 or above (GB2312 is 0xA1-0xFE twice).
    """
    for ch in set(text):
        if ch.isascii():
            continue
        raw = ch.encode("gb18030")
        if len(raw) != 2 or raw[1] < 0x80:
            return False
    return True


def _bomless_utf16(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when most odd/even bytes are NUL (ASCII text
    saved as UTF-16 without a byte-order mark, as some Windows tools do), else None."""
    sample = data[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def canonical_header(token: str) -> str | None:
    """Map a header token to a known section name the way WNTR does (extra or missing S).

    Returns
    -------
    str or None
        E.g. ``"[JUNCTION]"`` -> ``"[JUNCTIONS]"``; ``"[END]"`` -> ``"[END]"``;
        None for an unknown header.
    """
    name = token.upper()
    if name == END_SECTION:
        return END_SECTION
    for candidate in (name, name.replace("]", "S]"), name.replace("S]", "]")):
        if candidate in KNOWN_SECTIONS:
            return candidate
    return None


def scan_inp(text: str, path: Path | None = None) -> InpText:
    """Split INP text into sections and data lines; stop at ``[END]``.

    Parameters
    ----------
    text : str
        Decoded file contents.
    path : pathlib.Path, optional
        For error messages.

    Returns
    -------
    InpText

    Raises
    ------
    NetworkInputError
        Empty file, text before the first section header, or an unknown header.
    """
    raw_lines = _LINE_BREAK.split(text)
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()  # the split leaves an empty piece after a final newline
    scanned = InpText(path=path, lines=raw_lines)
    section = None
    for index, raw in enumerate(raw_lines):
        number = index + 1
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("["):
            # EPANET drops the comment before matching a header; WNTR does not.
            token = stripped.partition(";")[0].split()[0]
            header = canonical_header(token)
            if header is None:
                raise NetworkInputError(path, number, None, f"unknown section header {token!r}")
            if header == END_SECTION:
                scanned.lines = raw_lines[:number]
                scanned.headers[number] = END_SECTION
                break
            scanned.headers[number] = header
            section = header
            continue
        data, has_comment, comment = raw.partition(";")
        tokens = tuple(data.split())
        if section is None:
            if tokens:
                raise NetworkInputError(
                    path, number, None, "text before the first [SECTION] header"
                )
            continue
        if tokens:
            scanned.data.append(InpLine(number, section, tokens, comment if has_comment else None))
    if not scanned.headers:
        problem = "file is empty" if not text.strip() else "file has no [SECTION] headers"
        raise NetworkInputError(path, None, None, problem)
    return scanned


def parse_number(token: str) -> float | None:
    """A plain decimal number (``12``, ``-0.5``, ``1e-3``), or None.

    NaN, infinity, hex floats and digit separators are refused: EPANET files never
    need them and they only enter through corruption.
    """
    if _NUMBER.fullmatch(token) is None:
        return None
    return float(token)


def is_finite_in_range(value: float) -> bool:
    """True when ``|value| <= MAX_ABS_VALUE`` (and so finite)."""
    return math.isfinite(value) and abs(value) <= MAX_ABS_VALUE


def match_keyword(token: str, choices: Sequence[tuple[str, str]]) -> str | None:
    """EPANET's keyword match: the token starts with a keyword prefix, any case.

    Parameters
    ----------
    token : str
        Field from the file.
    choices : sequence of (prefix, canonical)
        Tried in order, as EPANET tries its keyword lists.

    Returns
    -------
    str or None
        The canonical word of the first matching prefix.
    """
    upper = token.upper()
    for prefix, canonical in choices:
        if upper.startswith(prefix):
            return canonical
    return None


def epanet_hours(value: str, units: str = "") -> float | None:
    """A time field in hours, with EPANET's ``hour()`` rules; None if invalid.

    Accepts ``6``, ``6.5``, ``6:30``, ``6:30:15``; ``units`` may be SEC/MIN/HOURS/DAYS
    (decimal values only) or AM/PM (12 AM is midnight, 12 PM is noon).

    Returns
    -------
    float or None
        Hours, or None for malformed text or a negative time.
    """
    parts = [part for part in value.split(":") if part]  # strtok skips empty pieces
    if not parts or len(parts) > 3:
        return None
    numbers = [parse_number(part) for part in parts]
    if any(n is None or not is_finite_in_range(n) for n in numbers):
        return None
    hours = numbers[0]
    if len(numbers) == 1 and units:
        scale = match_keyword(units, (("SEC", "s"), ("MIN", "m"), ("HOU", "h"), ("DAY", "d")))
        if scale is not None:
            hours *= {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0}[scale]
            return hours if hours >= 0 else None
    if len(numbers) > 1:
        hours = numbers[0] + numbers[1] / 60 + (numbers[2] / 3600 if len(numbers) > 2 else 0)
    if units:
        half = match_keyword(units, (("AM", "AM"), ("PM", "PM")))
        if half is None or hours >= 13:
            return None
        if half == "AM" and hours >= 12:
            hours -= 12
        elif half == "PM" and hours < 12:
            hours += 12
    return hours if hours >= 0 else None


def format_hms(seconds: int) -> str:
    """Seconds as ``H:MM:SS``, the one time form every WNTR time parser reads exactly."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
