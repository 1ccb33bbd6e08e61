"""Study files: human-readable YAML with a ``kind`` and a ``version``, read safely, written atomically.

Exports :class:`Study`, :class:`ScenarioFileError`, :func:`parse_study`, :func:`read_study`,
:func:`dump_study`, :func:`write_study`, :func:`atomic_write_bytes`, the field readers
(:class:`Fields`) used by each kind's parser, and the limits :data:`MAX_STUDY_BYTES` and
:data:`MAX_UPLOAD_BYTES`. Used by ``application.kinds`` (one parser per kind), the CLI
(``python -m planning``) and the app's pages.

File layout (every kind)::

    kind: capacity_whatif        # required: which study this is (see application.KINDS)
    version: 1                   # required: format version of that kind
    name: Jinning plant late     # optional: shown in the app and in outputs
    description: ...             # optional
    example: true                # optional: marks shipped examples
    ...                          # the kind's own keys, checked by its parser

Safety: files are parsed with PyYAML's ``SafeLoader`` (plain data only, nothing is
constructed or unpickled), aliases (``*name``) are refused (no "billion laughs"), nesting
deeper than :data:`MAX_YAML_DEPTH` is refused (no ``RecursionError``), files over
:data:`MAX_STUDY_BYTES` are refused, and every problem raises :class:`ScenarioFileError`
naming the file, the key (dotted path, e.g. ``whatif.delay_years.D-2025-02``) and, for
syntax errors, the line. Nothing is returned from a bad file, so a caller's state is
untouched.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from models import write_bytes_atomic
from models.errors import PlannerError

MAX_STUDY_BYTES = 1_000_000
"""Largest study file read (bytes)."""
MAX_UPLOAD_MB = 20
"""Largest network upload (MB); matches ``server.maxUploadSize`` in .streamlit/config.toml."""
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
"""Largest network upload (bytes)."""
MAX_YAML_DEPTH = 50
"""Deepest nesting of mappings and lists read from a YAML file (deeper: refused)."""
ENVELOPE_KEYS = ("kind", "version", "name", "description", "example")
"""Top-level keys every study file may carry besides its kind's own keys."""


class ScenarioFileError(PlannerError, ValueError):
    """A study file that cannot be used, with where and why.

    Parameters
    ----------
    source : str or None
        File name (or a label such as ``"<upload>"``).
    key : str or None
        Dotted path of the offending key, e.g. ``"whatif.delay_years.D-2025-02"``, or
        ``"applications[2].node"`` for list items; None for the whole file.
    problem : str
        What is wrong.
    line : int, optional
        1-based line, for YAML syntax errors.
    """

    def __init__(
        self, source: str | None, key: str | None, problem: str, line: int | None = None
    ) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.source or "<study>"]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(f"key {self.key!r}")
        return ", ".join(where) + f": {self.problem}"

    def __reduce__(self):
        return (type(self), (self.source, self.key, self.problem, self.line))


@dataclass(frozen=True)
class Study:
    """One parsed, validated study.

    Attributes
    ----------
    kind : str
        Study kind (a key of ``application.KINDS``).
    version : int
        Format version of the file.
    name, description : str
        Free text.
    example : bool
        True for the shipped example files.
    body : dict
        The kind's own keys, checked and normalised by its parser (plain data only).
    folder : pathlib.Path or None
        Folder of the file; relative paths in ``body`` (networks, registries) are resolved
        against it. None for text that did not come from a file.
    source : str or None
        File name, for messages.
    """

    kind: str
    version: int
    name: str = ""
    description: str = ""
    example: bool = False
    body: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    source: str | None = None

    def resolve(self, relative: str | os.PathLike, key: str | None = None) -> Path:
        """Path of ``relative`` (as written in the file) against the file's folder.

        Only files inside the study's folder, the project's ``scenarios/`` and the other
        allowed folders may be named (see :mod:`application.safe_paths`).

        Raises
        ------
        ScenarioFileError
            Naming ``key`` (default: the body key holding ``relative``): the path leaves
            the allowed folders (absolute path, ``..``, symlink).
        """
        from application.safe_paths import checked_path

        try:
            return checked_path(relative, self.folder)
        except PermissionError as exc:
            raise ScenarioFileError(self.source, key or self._key_of(relative),
                                    str(exc)) from None

    def _key_of(self, value: Any) -> str | None:
        """The body key (``a`` or ``a.b``) whose value is ``value``, for messages."""
        for name, held in self.body.items():
            if held == value:
                return name
            if isinstance(held, Mapping):
                for inner, v in held.items():
                    if v == value:
                        return f"{name}.{inner}"
        return None

    def path_of(self, key: str, *, folder: bool = False) -> Path | None:
        """The file (or ``folder``) the body's ``key`` names, resolved; None when absent.

        Raises
        ------
        ScenarioFileError
            Naming ``key``: the file or folder does not exist.
        """
        rel = self.body.get(key)
        if rel is None:
            return None
        path = self.resolve(rel)
        if folder and not path.is_dir():
            raise ScenarioFileError(self.source, key, f"no {key} folder {path}")
        if not folder and not path.is_file():
            raise ScenarioFileError(self.source, key, f"file not found: {path}")
        return path

    def as_dict(self) -> dict[str, Any]:
        """The file's content as plain data, envelope first (what :func:`dump_study` writes)."""
        head: dict[str, Any] = {"kind": self.kind, "version": self.version}
        if self.name:
            head["name"] = self.name
        if self.description:
            head["description"] = self.description
        if self.example:
            head["example"] = True
        return {**head, **self.body}


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, so a small file cannot expand into a huge one, and
    nesting deeper than :data:`MAX_YAML_DEPTH` (PyYAML's composer recurses per level)."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: D102 (PyYAML hook)
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"aliases (*name) are not allowed, at line {mark.line + 1}")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.MarkedYAMLError(
                    problem=f"nested deeper than {MAX_YAML_DEPTH} levels",
                    problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, source: str | None) -> Any:
    """Plain data from YAML text, safely (no tags, no aliases, bounded nesting).

    Raises
    ------
    ScenarioFileError
        Naming ``source`` and, for syntax errors, the line.
    """
    return _parse_yaml(text, source)


def _parse_yaml(text: str, source: str | None) -> Any:
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
    except RecursionError:  # a belt to the depth limit's braces
        raise ScenarioFileError(source, None, "not valid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioFileError(source, None, f"not valid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise ScenarioFileError(source, None, f"not valid YAML: {exc}") from None


class Fields:
    """Typed reads of one mapping of a study file, naming the key on every error.

    Parameters
    ----------
    data : Mapping
        The mapping (e.g. a study body or one list item).
    source : str or None
        File name for messages.
    prefix : str
        Dotted path of ``data`` inside the file ("" for the top level).

    Examples
    --------
    >>> f = Fields({"duration_h": 24}, "run.yaml")
    >>> f.number("duration_h", minimum=0, required=False)
    24.0
    """

    def __init__(self, data: Any, source: str | None, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            raise ScenarioFileError(source, prefix or None,
                                    f"must be a mapping of keys to values, got {_kind(data)}")
        self.data = data
        self.source = source
        self.prefix = prefix

    def key(self, name: str | int) -> str:
        """Dotted path of a key (list positions in brackets)."""
        if isinstance(name, int):
            return f"{self.prefix}[{name}]"
        return f"{self.prefix}.{name}" if self.prefix else str(name)

    def error(self, name: str | int | None, problem: str) -> ScenarioFileError:
        """A :class:`ScenarioFileError` for ``name`` (None: this mapping)."""
        return ScenarioFileError(self.source, self.key(name) if name is not None else
                                 (self.prefix or None), problem)

    def only(self, allowed: Iterable[str]) -> None:
        """Refuse keys other than ``allowed`` (catches misspelt keys)."""
        allowed = list(allowed)
        for name in self.data:
            if name not in allowed:
                raise self.error(str(name), "unknown key; expected one of " + ", ".join(allowed))

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            raise self.error(name, "missing (required)")
        return value

    def text(self, name: str, *, required: bool = True, default: str | None = None,
             choices: Iterable[str] | None = None) -> str | None:
        """A string (numbers are not silently turned into text)."""
        value = self._get(name, required)
        if value is None:
            return default
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if not isinstance(value, str):
            raise self.error(name, f"must be text, got {_kind(value)}")
        if choices is not None and value not in (choices := list(choices)):
            raise self.error(name, f"{value!r} is not one of " + ", ".join(choices))
        return value

    def number(self, name: str, *, required: bool = True, default: float | None = None,
               minimum: float | None = None, maximum: float | None = None,
               integer: bool = False) -> float | int | None:
        """A finite number within bounds (booleans are refused)."""
        value = self._get(name, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(name, f"must be a number, got {_kind(value)}")
        if not math.isfinite(value):
            raise self.error(name, f"must be finite, got {value}")
        if integer and value != int(value):
            raise self.error(name, f"must be a whole number, got {value}")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be <= {maximum}, got {value}")
        return int(value) if integer else float(value)

    def flag(self, name: str, *, default: bool = False) -> bool:
        """A boolean (``true``/``false``)."""
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, got {_kind(value)}")
        return value

    def texts(self, name: str, *, required: bool = False) -> list[str]:
        """A list of strings (a single string is accepted as a list of one)."""
        value = self._get(name, required)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(name, f"must be a list of text, got {_kind(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise ScenarioFileError(self.source, f"{self.key(name)}[{i}]",
                                        f"must be text, got {_kind(item)}")
        return [str(item) for item in value]

    def mapping(self, name: str, *, required: bool = False) -> Fields:
        """The nested mapping under ``name`` (empty when absent and not required)."""
        value = self._get(name, required)
        return Fields({} if value is None else value, self.source, self.key(name))

    def items(self, name: str, *, required: bool = False) -> list[Fields]:
        """The list of mappings under ``name``, one :class:`Fields` per item."""
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"must be a list, got {_kind(value)}")
        return [Fields(item, self.source, f"{self.key(name)}[{i}]") for i, item in enumerate(value)]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "a mapping"}
    return names.get(type(value), type(value).__name__)


Parser = Callable[[Fields, int], dict[str, Any]]
"""A kind's body parser: (fields of the whole file, file version) -> normalised body."""


def parse_study(
    text: str | bytes,
    parsers: Mapping[str, tuple[int, Parser]],
    *,
    source: str | None = None,
    folder: Path | None = None,
) -> Study:
    """Parse and check a study from YAML text.

    Parameters
    ----------
    text : str or bytes
        File content (UTF-8 when bytes).
    parsers : Mapping[str, tuple[int, Parser]]
        Kind -> (newest version read, body parser); see ``application.kinds``.
    source : str, optional
        File name for messages.
    folder : pathlib.Path, optional
        Folder that relative paths in the file are resolved against.

    Returns
    -------
    Study

    Raises
    ------
    ScenarioFileError
        Too large, not UTF-8, not YAML, not a mapping, unknown kind, unsupported version,
        or any problem the kind's parser finds.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_STUDY_BYTES:
            raise ScenarioFileError(source, None, f"file is {len(text):,} bytes; the limit is "
                                    f"{MAX_STUDY_BYTES:,}")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioFileError(source, None, f"not UTF-8 text ({exc.reason} at byte "
                                    f"{exc.start})") from None
    elif len(text) > MAX_STUDY_BYTES:
        raise ScenarioFileError(source, None, f"file is too large (limit {MAX_STUDY_BYTES:,} bytes)")
    data = _parse_yaml(text, source)
    top = Fields(data, source)
    kind = top.text("kind")
    if kind not in parsers:
        raise top.error("kind", f"unknown kind {kind!r}; known kinds: " + ", ".join(parsers))
    newest, parser = parsers[kind]
    version = top.number("version", integer=True, minimum=1)
    if version > newest:
        raise top.error("version", f"version {version} is newer than this planner reads for "
                        f"{kind!r} (up to {newest})")
    body = parser(top, version)
    return Study(kind=kind, version=newest, name=top.text("name", required=False, default="") or "",
                 description=top.text("description", required=False, default="") or "",
                 example=top.flag("example"), body=body, folder=folder, source=source)


def read_study(path: str | os.PathLike, parsers: Mapping[str, tuple[int, Parser]]) -> Study:
    """Read and check a study file (see :func:`parse_study`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_STUDY_BYTES:
            raise ScenarioFileError(path.name, None, f"file is {size:,} bytes; the limit is "
                                    f"{MAX_STUDY_BYTES:,}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioFileError(str(path), None, "file not found") from None
    except OSError as exc:
        raise ScenarioFileError(str(path), None, f"cannot read: {exc.strerror or exc}") from None
    return parse_study(data, parsers, source=path.name, folder=path.resolve().parent)


def dump_study(study: Study, header: str = "") -> str:
    """YAML text of a study (envelope first, keys in the parser's order).

    Parameters
    ----------
    study : Study
    header : str, optional
        Comment lines put at the top (each prefixed with ``# ``).

    Returns
    -------
    str
    """
    body = yaml.safe_dump(study.as_dict(), sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=100)
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    return "\n".join([*lines, body]) if lines else body


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temp file in the same folder and ``os.replace``.

    The folder is created if needed. If writing fails the target is left as it was.
    """
    return write_bytes_atomic(path, data)


def write_study(study: Study, path: str | os.PathLike, header: str = "") -> Path:
    """Write a study as YAML, atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, dump_study(study, header).encode("utf-8"))
