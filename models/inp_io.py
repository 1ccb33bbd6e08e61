"""Load and save EPANET INP files: ``load_network`` and ``write_inp``.

Exports ``load_network`` and ``write_inp`` (re-exported by ``models``). Used by the
app pages, planning studies, benchmarks and tests.

Loading is three steps: scan the raw text into sections and lines
(``models.inp_text``); check every line and note rewrites (``models.inp_check``);
hand the cleaned text, line numbers unchanged, to WNTR's own INP parser. Whatever
WNTR still raises becomes a ``NetworkInputError`` at the line WNTR was reading.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import warnings
from pathlib import Path

from wntr.epanet.io import InpFile
from wntr.epanet.util import FlowUnits

from models.atomic import replacing
from models.errors import NetworkInputError
from models.inp_check import run_checks
from models.inp_fast import read_arrays
from models.inp_limits import check_inp_bytes, check_inp_elements, inp_limits
from models.inp_text import InpText, decode_inp, scan_inp
from models.leakage import leakage_section, leakage_table
from models.network import Network

_WNTR_LINE = re.compile(r"at line (\d+)")


class _TrackedLines(list):
    """A section's ``(line number, text)`` list that records which line WNTR is reading."""

    def __init__(self, items, section: str, cursor: list) -> None:
        super().__init__(items)
        self.section = section
        self.cursor = cursor

    def __iter__(self):
        for item in super().__iter__():
            self.cursor[:] = [item[0], self.section]
            yield item
        self.cursor[:] = [None, self.section]  # past the loop: the section, no line


class _TrackedInpFile(InpFile):
    """WNTR's reader, made to remember the line each section reader is on."""

    def __init__(self) -> None:
        super().__init__()
        self.cursor: list = [None, None]

    def _read_options(self):
        # WNTR's read() fills self.sections, then calls _read_options first of all readers.
        for name, lines in list(self.sections.items()):
            self.sections[name] = _TrackedLines(lines, name, self.cursor)
        super()._read_options()
        if self.flow_units is None:
            # EPANET's default; WNTR would fail on the first value it converts.
            self.flow_units = FlowUnits.GPM
            self.wn.options.hydraulic.inpfile_units = "GPM"


class _LogCollector(logging.Handler):
    """Collects WNTR's logged warnings while one file is read."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed log call must not break the read
            self.messages.append(str(record.msg))


def load_network(path: str | os.PathLike, *, encoding: str | None = None, fast: bool = True,
                 max_bytes: int | None = None, max_elements: int | None = None) -> Network:
    """Read an EPANET 2.2 or 2.3 INP file into a :class:`Network`.

    Beyond WNTR 1.5 this reads the EPANET 2.3 ``[LEAKAGE]`` section (into
    ``Network.pipe_leakage``, see :class:`Network` for units), clock times like
    ``6 AM`` in rules, time units like ``15 MIN``, and keywords abbreviated as EPANET
    allows. Lines EPANET ignores are dropped with a warning in ``Network.warnings``.

    Parameters
    ----------
    path : str or os.PathLike
        The INP file.
    encoding : str, optional
        Text encoding. By default UTF-8 (or UTF-16 with a byte-order mark), then
        GB18030/GBK (files from Chinese-locale tools), then Latin-1; a file that is not
        UTF-8 gets a note in ``Network.warnings`` naming the codec used.
    fast : bool
        Use the fast reader (``models.inp_fast``): junctions, pipes, coordinates and
        demands are read as arrays and the WNTR model is built only when ``Network.wn``
        is first used; the solver compiles from the arrays until then. Files the fast
        reader does not cover are read the WNTR way. False: always build the WNTR
        model now. Both give the same model, arrays, warnings and errors.
    max_bytes, max_elements : int, optional
        Size limits (bytes; nodes plus links), checked before the file is read and before
        it is parsed. Default: ``$PLANNER_MAX_INP_MB`` / ``$PLANNER_MAX_INP_ELEMENTS``, else
        64 MB and 400,000 (see :mod:`models.inp_limits`).

    Returns
    -------
    Network

    Raises
    ------
    NetworkInputError
        For a missing or unreadable file and for any malformed content, naming the
        file, the line (when one is to blame) and the problem. No other exception
        escapes.
    """
    path = Path(path)
    max_bytes, max_elements = inp_limits(max_bytes, max_elements)
    try:
        check_inp_bytes(path, path.stat().st_size, max_bytes)
        data = path.read_bytes()
    except FileNotFoundError:
        raise NetworkInputError(path, None, None, "file not found") from None
    except OSError as exc:
        raise NetworkInputError(
            path, None, None, f"cannot read file: {exc.strerror or exc}"
        ) from None
    try:
        text, codec = decode_inp(data, encoding)
    except (UnicodeError, LookupError) as exc:
        raise NetworkInputError(
            path, None, None, f"cannot decode file as {encoding}: {exc}"
        ) from None
    check_inp_elements(text, path, max_elements)
    try:
        net = _load_text(text, path, fast)
    except MemoryError:
        raise NetworkInputError(path, None, None, "not enough memory to read this model; "
                                "lower the size limits or use a machine with more") from None
    if encoding is None and codec in ("gb18030", "latin-1"):
        # a guess: names with non-ASCII characters may be wrong if the guess is
        net.warnings.append(
            f"{path.name}: not UTF-8; read as {codec.upper()} (names with non-ASCII "
            "characters depend on it; pass encoding= to choose another)")
    return net


def _load_text(text: str, path: Path, fast: bool = True) -> Network:
    if fast:
        read = read_arrays(text, path, parse_with_wntr)
        if read is not None:
            table = leakage_table(read.leakage, read.flow_units)
            return Network(path=path, pipe_leakage=table, warnings=read.warnings,
                           arrays=read.arrays, build_wn=build_wn)
    scanned = scan_inp(text, path)
    checked = run_checks(scanned)
    lines = [checked.replacements.get(i + 1, line) for i, line in enumerate(scanned.lines)]
    wn, wntr_warnings = parse_with_wntr(lines, scanned, path)
    notes = list(dict.fromkeys(checked.warnings + wntr_warnings))
    table = leakage_table(checked.leakage, checked.flow_units)
    return Network(wn=wn, path=path, pipe_leakage=table, warnings=notes)


def build_wn(text: str, path: Path | None):
    """The WNTR model of a decoded INP text (the fast reader's deferred step).

    Parameters
    ----------
    text : str
    path : pathlib.Path or None

    Returns
    -------
    wntr.network.WaterNetworkModel
    """
    return _load_text(text, path, fast=False).wn


def parse_with_wntr(lines: list[str], scanned: InpText, path: Path):
    """Run WNTR's INP parser on the cleaned lines (same numbering as the file)."""
    with tempfile.TemporaryDirectory(prefix="kwp-inp-") as folder:
        temp = Path(folder) / "network.inp"
        try:  # the folder goes with the block, whatever happens
            temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:  # e.g. no space left for the temporary copy
            raise NetworkInputError(path, None, None, "cannot make the temporary copy WNTR "
                                    f"reads: {exc.strerror or exc}") from None
        reader = _TrackedInpFile()
        collector = _LogCollector()
        wntr_logger = logging.getLogger("wntr")
        wntr_logger.addHandler(collector)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    wn = reader.read(str(temp))
                except Exception as exc:
                    raise _as_input_error(exc, reader, scanned, path, folder) from exc
        finally:
            wntr_logger.removeHandler(collector)
    # Plain lists again: the model keeps its reader (WNTR writes with it).
    for name, section_lines in list(reader.sections.items()):
        reader.sections[name] = list(section_lines)
    wn.name = str(path)
    messages = [str(w.message) for w in caught] + collector.messages
    notes = [f"{path.name}: WNTR: {_tidy(m, folder, path)}" for m in messages]
    return wn, notes


def _tidy(message: str, folder: str, path: Path) -> str:
    """One line, with the temporary file's name replaced by the real one."""
    message = message.replace(str(Path(folder) / "network.inp"), path.name)
    return " ".join(message.replace(folder, path.parent.name).split())


def _as_input_error(
    exc: Exception, reader: _TrackedInpFile, scanned: InpText, path: Path, folder: str
) -> NetworkInputError:
    """The best-located ``NetworkInputError`` for an exception out of WNTR's parser."""
    line, section = reader.cursor
    chain = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 5:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if line is None:
        for item in chain:
            found = _WNTR_LINE.search(str(item))
            if found:
                line = int(found.group(1))
                section = scanned.section_of(line)
                break
    # WNTR wraps its own errors in a generic "error 200"; the cause says more.
    detail = chain[-1] if len(chain) > 1 and "(Error 200)" in str(exc) else exc
    text = _tidy(str(detail).split("\n")[0], folder, path)
    problem = f"WNTR could not read this ({type(detail).__name__}: {text})"
    return NetworkInputError(path, line, section, problem)


def write_inp(net: Network, path: str | os.PathLike) -> Path:
    """Write a network to an INP file that ``load_network`` reads back the same.

    Uses WNTR's writer (EPANET 2.2 format, in the flow units the model was read in,
    GPM for a model built in code), then adds the ``[LEAKAGE]`` section with values
    converted back to those units. The file is written to a temporary file in the same
    folder and moved into place, so readers never see half a file.

    Parameters
    ----------
    net : Network
        The network; not modified.
    path : str or os.PathLike
        Target file; replaced if it exists.

    Returns
    -------
    pathlib.Path
        ``path``, so ``load_network(write_inp(net, p))`` reads it back.

    Raises
    ------
    ValueError
        If ``net.pipe_leakage`` names a non-pipe or holds negative or non-finite values.
    OSError
        If the folder cannot be written.
    """
    path = Path(path)
    wn = net.wn
    units = str(wn.options.hydraulic.inpfile_units or "GPM").upper()
    section = leakage_section(net.pipe_leakage, units, set(wn.pipe_name_list))
    writer = wn._inpfile if isinstance(wn._inpfile, InpFile) else InpFile()
    with replacing(path) as tmp:
        writer.write(str(tmp), wn, units=units, version=2.2, force_coordinates=True)
        text = tmp.read_text(encoding="utf-8")
        tmp.write_text(_with_section(text, section), encoding="utf-8", newline="\n")
    return path


def _with_section(text: str, section: list[str]) -> str:
    """Insert ``section`` before WNTR's ``[END]`` line."""
    if not section:
        return text
    lines = text.splitlines()
    ends = [i for i, line in enumerate(lines) if line.strip().upper() == "[END]"]
    at = ends[-1] if ends else len(lines)
    lines[at:at] = [*section, ""]
    if not ends:
        lines.append("[END]")
    return "\n".join(lines) + "\n"
