"""Shared state and field helpers for the INP pre-validation pass.

Exports ``CheckContext`` (ID registries, rewrites, warnings of one file), ``Row`` (one
data line with typed field readers that raise ``NetworkInputError``), ``NodeDef`` and
``LinkDef``. Used by ``models.inp_check_network``, ``models.inp_check_operations`` and
``models.inp_check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from models.errors import NetworkInputError
from models.inp_text import InpLine, is_finite_in_range, match_keyword, parse_number


@dataclass
class NodeDef:
    """A node's kind (``junction``, ``reservoir`` or ``tank``) and defining line."""

    kind: str
    line: int


@dataclass
class LinkDef:
    """A link's kind (``pipe``, ``pump`` or ``valve``), defining line and details."""

    kind: str
    line: int
    node1: str = ""
    node2: str = ""
    valve_type: str | None = None
    check_valve: bool = False


@dataclass
class CheckContext:
    """Everything the checks of one file share.

    Attributes
    ----------
    path : pathlib.Path or None
        File name for messages.
    nodes, links : dict
        First definition of every node / link ID (filled before the line checks).
    patterns, curves : dict of str to int
        First line of every pattern / curve ID.
    replacements : dict of int to str
        Line number -> text WNTR should see instead (``""`` drops the line).
    warnings : list of str
        Messages for ``Network.warnings``.
    leakage : dict of str to tuple of float
        Pipe -> (leak area, leak expansion) in the file's units.
    flow_units : str
        The file's flow units (EPANET default GPM).
    """

    path: Path | None
    nodes: dict[str, NodeDef] = field(default_factory=dict)
    links: dict[str, LinkDef] = field(default_factory=dict)
    patterns: dict[str, int] = field(default_factory=dict)
    curves: dict[str, int] = field(default_factory=dict)
    replacements: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    leakage: dict[str, tuple[float, float]] = field(default_factory=dict)
    flow_units: str = "GPM"
    # Per-file state of the order-dependent sections ([RULES], [OPTIONS]).
    state: dict[str, object] = field(default_factory=dict)

    def where(self, line: InpLine | None) -> str:
        """``"net.inp, line 12 [PIPES]"`` for messages."""
        name = self.path.name if self.path is not None else "<network text>"
        if line is None:
            return name
        return f"{name}, line {line.number} {line.section}"


class Row:
    """One data line with field readers that fail with a clear ``NetworkInputError``.

    Parameters
    ----------
    ctx : CheckContext
    line : InpLine
    """

    def __init__(self, ctx: CheckContext, line: InpLine) -> None:
        self.ctx = ctx
        self.line = line
        self.tokens = line.tokens
        self.n = len(line.tokens)

    # --- outcomes -------------------------------------------------------------------

    def fail(self, problem: str) -> NoReturn:
        """Raise the error for this line."""
        raise NetworkInputError(self.ctx.path, self.line.number, self.line.section, problem)

    def warn(self, message: str) -> None:
        """Record a warning about this line."""
        self.ctx.warnings.append(f"{self.ctx.where(self.line)}: {message}")

    def drop(self, reason: str) -> None:
        """Hide this line from WNTR (as EPANET ignores it) and say why."""
        self.ctx.replacements[self.line.number] = ""
        self.warn(f"{reason}; line ignored")

    def rewrite(self, tokens: list[str] | tuple[str, ...]) -> None:
        """Give WNTR these fields instead (comment kept: WNTR reads demand categories)."""
        tokens = tuple(tokens)
        if tokens == self.line.tokens:
            return
        text = " ".join(tokens)
        if self.line.comment is not None:
            text += " ;" + self.line.comment
        self.ctx.replacements[self.line.number] = text

    # --- field readers --------------------------------------------------------------

    def need(self, count: int, what: str) -> None:
        """Fail unless the line has at least ``count`` fields."""
        if self.n < count:
            self.fail(f"too few fields: {what} needs at least {count}, found {self.n}")

    def number(self, i: int, what: str, *, low: float | None = None, strict: bool = False) -> float:
        """Field ``i`` as a finite number, optionally ``>= low`` (``> low`` if strict)."""
        if i >= self.n:
            self.fail(f"too few fields: {what} is missing")
        token = self.tokens[i]
        value = parse_number(token)
        if value is None:
            self.fail(f"{what} is not a number: {token!r}")
        if not is_finite_in_range(value):
            self.fail(f"{what} is out of range: {token!r}")
        if low is not None and (value < low or (strict and value == low)):
            if low == 0:
                rule = "must be positive" if strict else "must not be negative"
            else:
                rule = f"must be {'above' if strict else 'at least'} {low:g}"
            self.fail(f"{what} {rule}, found {token}")
        return value

    def node(self, i: int, role: str) -> NodeDef:
        """Field ``i`` as an existing node ID."""
        name = self.tokens[i]
        found = self.ctx.nodes.get(name)
        if found is None:
            self.fail(f"unknown node {name!r} {role}")
        return found

    def link(self, i: int, role: str) -> LinkDef:
        """Field ``i`` as an existing link ID."""
        name = self.tokens[i]
        found = self.ctx.links.get(name)
        if found is None:
            self.fail(f"unknown link {name!r} {role}")
        return found

    def pattern(self, i: int, role: str) -> str:
        """Field ``i`` as an existing pattern ID."""
        name = self.tokens[i]
        if name not in self.ctx.patterns:
            self.fail(f"unknown pattern {name!r} ({role})")
        return name

    def curve(self, i: int, role: str) -> str:
        """Field ``i`` as an existing curve ID."""
        name = self.tokens[i]
        if name not in self.ctx.curves:
            self.fail(f"unknown curve {name!r} ({role})")
        return name

    def keyword(self, i: int, choices: list[tuple[str, str]], what: str) -> str:
        """Field ``i`` matched against EPANET keyword prefixes; fails on no match."""
        if i >= self.n:
            self.fail(f"too few fields: {what} is missing")
        found = match_keyword(self.tokens[i], choices)
        if found is None:
            expected = ", ".join(dict.fromkeys(canonical for _, canonical in choices))
            self.fail(f"unknown {what} {self.tokens[i]!r} (expected one of {expected})")
        return found
