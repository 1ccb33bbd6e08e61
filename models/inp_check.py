"""The pre-validation pass over a scanned INP file, run before WNTR sees it.

Exports ``run_checks`` (``InpText`` -> ``CheckResult``) and ``CheckResult``. Two linear
passes: the first records every node, link, pattern and curve ID (so references may
point forward, as WNTR allows); the second checks each data line in file order, so
the first bad line in the file is the one reported. Called by ``models.inp_io``.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.errors import NetworkInputError
from models.inp_check_core import CheckContext, LinkDef, NodeDef, Row
from models.inp_check_network import NETWORK_CHECKS
from models.inp_check_operations import OPERATION_CHECKS, US_FLOW_UNITS, finish_rules
from models.inp_text import InpText, match_keyword

_NODE_SECTIONS = {"[JUNCTIONS]": "junction", "[RESERVOIRS]": "reservoir", "[TANKS]": "tank"}
_LINK_SECTIONS = {"[PIPES]": "pipe", "[PUMPS]": "pump", "[VALVES]": "valve"}
_VALVE_TYPES = [(t, t) for t in ("PRV", "PSV", "PBV", "FCV", "TCV", "GPV", "PCV")]
_CHECKS = {**NETWORK_CHECKS, **OPERATION_CHECKS}
# Sections WNTR must not see: we read [LEAKAGE] ourselves, EPANET ignores [ROUGHNESS].
_HIDDEN_SECTIONS = frozenset({"[LEAKAGE]", "[ROUGHNESS]"})


@dataclass
class CheckResult:
    """What the checks found in a file that passed them.

    Attributes
    ----------
    replacements : dict of int to str
        Line number -> text WNTR should read instead (``""`` hides the line).
    leakage : dict of str to tuple of float
        Pipe -> (leak area, leak expansion) as written, in the file's units.
    flow_units : str
        The file's flow units, e.g. ``"GPM"`` or ``"LPS"``.
    warnings : list of str
    """

    replacements: dict[int, str]
    leakage: dict[str, tuple[float, float]]
    flow_units: str
    warnings: list[str]


def _collect_ids(ctx: CheckContext, scanned: InpText) -> None:
    """First definition of every node, link, pattern and curve ID."""
    for line in scanned.data:
        name, tokens, section = line.tokens[0], line.tokens, line.section
        if section in _NODE_SECTIONS:
            ctx.nodes.setdefault(name, NodeDef(_NODE_SECTIONS[section], line.number))
        elif section in _LINK_SECTIONS:
            if name in ctx.links:
                continue
            link = LinkDef(
                _LINK_SECTIONS[section],
                line.number,
                tokens[1] if len(tokens) > 1 else "",
                tokens[2] if len(tokens) > 2 else "",
            )
            if section == "[PIPES]" and len(tokens) in (7, 8):
                link.check_valve = tokens[-1].upper().startswith("CV")
            elif section == "[VALVES]" and len(tokens) > 4:
                link.valve_type = match_keyword(tokens[4], _VALVE_TYPES)
            ctx.links[name] = link
        elif section == "[PATTERNS]":
            ctx.patterns.setdefault(name, line.number)
        elif section == "[CURVES]":
            ctx.curves.setdefault(name, line.number)


def _check_whole_network(ctx: CheckContext) -> None:
    """Problems of the network as a whole (EPANET errors 223 and 224)."""
    if len(ctx.nodes) < 2:
        found = "no nodes" if not ctx.nodes else "only one node"
        raise NetworkInputError(ctx.path, None, None, f"network has {found}; EPANET needs two")
    if not any(node.kind in ("reservoir", "tank") for node in ctx.nodes.values()):
        raise NetworkInputError(
            ctx.path, None, None, "network has no reservoir or tank (no water source)"
        )
    pressure = ctx.state.get("pressure_units")
    if pressure is not None:
        units, line = pressure
        usual = "PSI" if ctx.flow_units in US_FLOW_UNITS else "METERS"
        if units != usual:
            ctx.warnings.append(
                f"{ctx.where(line)}: pressure units {units}: WNTR reads every pressure in "
                f"this file (valve settings, PDA pressures) as {usual}"
            )


def run_checks(scanned: InpText) -> CheckResult:
    """Check every data line of a scanned file; list what WNTR should read instead.

    Parameters
    ----------
    scanned : InpText
        Output of ``scan_inp``.

    Returns
    -------
    CheckResult

    Raises
    ------
    NetworkInputError
        At the first line (in file order) that EPANET would reject or WNTR cannot read,
        or for a network without nodes or without a water source.
    """
    ctx = CheckContext(scanned.path)
    _collect_ids(ctx, scanned)
    for line in scanned.data:
        check = _CHECKS.get(line.section)
        if check is None:
            continue
        try:
            check(Row(ctx, line))
        except NetworkInputError:
            raise
        except Exception as exc:  # a check's own bug must still name the line
            raise NetworkInputError(
                ctx.path,
                line.number,
                line.section,
                f"could not read this line ({type(exc).__name__}: {exc})",
            ) from exc
    finish_rules(ctx)
    _check_whole_network(ctx)
    for number, header in scanned.headers.items():
        if header in _HIDDEN_SECTIONS:
            ctx.replacements[number] = ""
        elif scanned.lines[number - 1].strip() != header:
            ctx.replacements[number] = header  # canonical name, comment removed
    for line in scanned.data:
        if line.section in _HIDDEN_SECTIONS:
            ctx.replacements[line.number] = ""
    return CheckResult(ctx.replacements, ctx.leakage, ctx.flow_units, ctx.warnings)
