"""Line checks for the sections that define network elements and their data.

Exports ``NETWORK_CHECKS`` (section -> check function). Each check takes a ``Row``,
raises ``NetworkInputError`` for what EPANET would reject (or WNTR 1.5 cannot read),
and rewrites valid EPANET forms WNTR misreads into forms it reads the same way.
Called by ``models.inp_check.run_checks``; rules follow EPANET 2.3's ``input3.c``.
"""

from __future__ import annotations

from collections.abc import Callable

from models.inp_check_core import LinkDef, Row

MAX_ID_CHARS = 31  # EPANET error 252; WNTR asserts the same limit

_PIPE_STATUS = [("CV", "CV"), ("CLOSED", "CLOSED"), ("OPEN", "OPEN")]
_PUMP_KEYS = [("POWER", "POWER"), ("HEAD", "HEAD"), ("PATT", "PATTERN"), ("SPEE", "SPEED")]
_VALVE_TYPES = [
    ("PRV", "PRV"), ("PSV", "PSV"), ("PBV", "PBV"), ("FCV", "FCV"),
    ("TCV", "TCV"), ("GPV", "GPV"), ("PCV", "PCV"),
]  # fmt: skip
_YES_NO = [("YES", "YES"), ("NO", "NO")]
_LINK_STATUS = [("OPEN", "OPEN"), ("CLOSED", "CLOSED"), ("ACTIVE", "ACTIVE")]


def _unique(row: Row, registry: dict, what: str) -> str:
    """The line's ID (field 0), failing if an earlier line defined it."""
    name = _short_id(row, what)
    first = registry[name].line
    if first != row.line.number:
        row.fail(f"duplicate {what} ID {name!r} (first defined on line {first})")
    return name


def _short_id(row: Row, what: str) -> str:
    """The line's ID (field 0), within EPANET's (and WNTR's) 31-character limit."""
    name = row.tokens[0]
    control = next((c for c in name if ord(c) < 32 or ord(c) == 127), None)
    if control is not None:  # NUL & co. are cut or mangled by GeoPackage, CSV, EPANET
        row.fail(f"{what} ID {name!r} holds the control character U+{ord(control):04X}; "
                 "IDs must be printable")
    if len(name) > MAX_ID_CHARS:
        row.fail(f"{what} ID {name!r} is longer than {MAX_ID_CHARS} characters")
    return name


def _ignore_extra_fields(row: Row, count: int, what: str) -> None:
    """EPANET ignores fields past the last it reads; WNTR misreads them: cut them off."""
    if row.n > count:
        row.warn(f"{what} takes {count} fields; the {row.n - count} after them are ignored")
        row.tokens = row.tokens[:count]
        row.n = count
        row.rewrite(row.tokens)


def _end_nodes(row: Row, name: str) -> None:
    """Both end nodes exist and differ (EPANET errors 203 and 222)."""
    row.node(1, f"in link {name!r}")
    row.node(2, f"in link {name!r}")
    if row.tokens[1] == row.tokens[2]:
        row.fail(f"link {name!r} connects node {row.tokens[1]!r} to itself")


# --- nodes ----------------------------------------------------------------------------


def check_junction(row: Row) -> None:
    """``id elevation [demand [pattern]]``."""
    row.need(2, "a junction (ID, elevation)")
    name = _unique(row, row.ctx.nodes, "node")
    row.number(1, f"elevation of junction {name!r}")
    if row.n > 2:
        row.number(2, f"demand of junction {name!r}")
    if row.n > 3:
        row.pattern(3, f"demand pattern of junction {name!r}")


def check_reservoir(row: Row) -> None:
    """``id head [pattern]``."""
    row.need(2, "a reservoir (ID, head)")
    name = _unique(row, row.ctx.nodes, "node")
    row.number(1, f"head of reservoir {name!r}")
    if row.n > 2:
        row.pattern(2, f"head pattern of reservoir {name!r}")


def check_tank(row: Row) -> None:
    """``id elev init_level min_level max_level diameter [min_vol [curve [overflow]]]``."""
    name = _unique(row, row.ctx.nodes, "node")
    if row.n in (2, 3):
        row.fail(
            f"tank {name!r} has {row.n} fields; EPANET reads such a line as a reservoir, "
            "WNTR does not: move it to [RESERVOIRS] or give all 6 tank fields"
        )
    row.need(6, "a tank (ID, elevation, initial, minimum and maximum level, diameter)")
    _ignore_extra_fields(row, 9, "a tank")
    row.number(1, f"elevation of tank {name!r}")
    init = row.number(2, f"initial level of tank {name!r}", low=0)
    low = row.number(3, f"minimum level of tank {name!r}", low=0)
    high = row.number(4, f"maximum level of tank {name!r}", low=0)
    diameter = row.number(5, f"diameter of tank {name!r}", low=0)
    tokens = list(row.tokens)
    if row.n > 6:
        row.number(6, f"minimum volume of tank {name!r}", low=0)
    has_curve = row.n > 7 and not tokens[7].startswith("*")
    if row.n > 7:
        if has_curve:
            row.curve(7, f"volume curve of tank {name!r}")
        else:
            tokens[7] = "*"  # EPANET: any field starting with '*' means no curve
    if row.n > 8:
        tokens[8] = row.keyword(8, _YES_NO, f"overflow flag of tank {name!r}")
    if low > high:
        row.fail(f"minimum level of tank {name!r} is above its maximum level")
    if not low <= init <= high:
        row.fail(f"initial level of tank {name!r} is outside its minimum and maximum levels")
    if diameter == 0 and not has_curve:
        row.warn(f"tank {name!r} has zero diameter (EPANET treats it as a reservoir)")
    row.rewrite(tokens)


# --- links ----------------------------------------------------------------------------


def check_pipe(row: Row) -> None:
    """``id node1 node2 length diameter roughness [minor_loss] [status]``."""
    row.need(6, "a pipe (ID, node 1, node 2, length, diameter, roughness)")
    _ignore_extra_fields(row, 8, "a pipe")
    name = _unique(row, row.ctx.links, "link")
    _end_nodes(row, name)
    row.number(3, f"length of pipe {name!r}", low=0, strict=True)
    row.number(4, f"diameter of pipe {name!r}", low=0, strict=True)
    row.number(5, f"roughness of pipe {name!r}", low=0, strict=True)
    tokens = list(row.tokens)
    if row.n == 7:
        # EPANET reads the 7th field as a status word or a minor loss; WNTR only as a loss.
        if _is_word(row, 6, _PIPE_STATUS):
            tokens[6:] = ["0", row.keyword(6, _PIPE_STATUS, f"status of pipe {name!r}")]
        else:
            row.number(6, f"minor loss coefficient of pipe {name!r}", low=0)
    elif row.n == 8:
        row.number(6, f"minor loss coefficient of pipe {name!r}", low=0)
        tokens[7] = row.keyword(7, _PIPE_STATUS, f"status of pipe {name!r}")
    row.rewrite(tokens)


def _is_word(row: Row, i: int, choices: list[tuple[str, str]]) -> bool:
    upper = row.tokens[i].upper()
    return any(upper.startswith(prefix) for prefix, _ in choices)


def check_pump(row: Row) -> None:
    """``id node1 node2 KEYWORD value [KEYWORD value ...]`` (HEAD, POWER, SPEED, PATTERN)."""
    row.need(5, "a pump (ID, node 1, node 2, HEAD curve or POWER value)")
    name = _unique(row, row.ctx.links, "link")
    _end_nodes(row, name)
    if (row.n - 3) % 2:
        row.fail(f"keyword {row.tokens[-1]!r} of pump {name!r} has no value")
    tokens = list(row.tokens)
    has_curve_or_power = False
    for i in range(3, row.n, 2):
        key = row.keyword(i, _PUMP_KEYS, f"keyword of pump {name!r}")
        tokens[i] = key
        if key == "POWER":
            row.number(i + 1, f"power of pump {name!r}", low=0, strict=True)
        elif key == "HEAD":
            row.curve(i + 1, f"head curve of pump {name!r}")
        elif key == "PATTERN":
            row.pattern(i + 1, f"speed pattern of pump {name!r}")
        else:
            row.number(i + 1, f"speed of pump {name!r}", low=0)
        has_curve_or_power = has_curve_or_power or key in ("POWER", "HEAD")
    if not has_curve_or_power:
        row.fail(f"pump {name!r} needs a HEAD curve or a POWER value")
    row.rewrite(tokens)


# EPANET's valvecheck (error 220): pairs of pressure/flow valves that cannot share a node.
def _valves_conflict(new_type: str, j1: str, j2: str, old: LinkDef) -> bool:
    t, v1, v2 = old.valve_type, old.node1, old.node2
    if t == "PRV" and new_type == "PRV":
        return v2 in (j1, j2) or v1 == j2
    if t == "PSV" and new_type == "PSV":
        return v1 in (j1, j2) or v2 == j1
    return (
        (t == "PSV" and new_type == "PRV" and v1 == j2)
        or (t == "PRV" and new_type == "PSV" and v2 == j1)
        or (t == "FCV" and new_type == "PSV" and v2 == j1)
        or (t == "FCV" and new_type == "PRV" and v1 == j2)
        or (t == "PSV" and new_type == "FCV" and v1 == j2)
        or (t == "PRV" and new_type == "FCV" and v2 == j1)
    )


def check_valve(row: Row) -> None:
    """``id node1 node2 diameter type setting [minor_loss]``."""
    row.need(5, "a valve (ID, node 1, node 2, diameter, type, setting)")
    name = _unique(row, row.ctx.links, "link")
    _end_nodes(row, name)
    kind = row.keyword(4, _VALVE_TYPES, f"type of valve {name!r}")
    if kind == "PCV":
        row.fail(f"valve {name!r} is a PCV (EPANET 2.3), which WNTR 1.5 cannot model")
    _ignore_extra_fields(row, 7, "a valve")
    j1, j2 = row.tokens[1], row.tokens[2]
    if kind in ("PRV", "PSV", "FCV"):
        for node in (j1, j2):
            node_kind = row.ctx.nodes[node].kind
            if node_kind != "junction":
                row.fail(f"{kind} {name!r} cannot connect directly to {node_kind} {node!r}")
        by_node = row.ctx.state.setdefault("valves_by_node", {})
        for other in by_node.get(j1, []) + by_node.get(j2, []):
            if _valves_conflict(kind, j1, j2, other):
                row.fail(
                    f"{kind} {name!r} shares a node with {other.valve_type} on line "
                    f"{other.line} in a way EPANET forbids (error 220)"
                )
        this = LinkDef("valve", row.line.number, j1, j2, kind)
        by_node.setdefault(j1, []).append(this)
        by_node.setdefault(j2, []).append(this)
    row.number(3, f"diameter of valve {name!r}", low=0, strict=True)
    tokens = list(row.tokens)
    tokens[4] = kind
    if row.n > 5:
        if kind == "GPV":
            row.curve(5, f"head-loss curve of valve {name!r}")
        else:
            row.number(5, f"setting of valve {name!r}")
    elif kind == "GPV":
        row.fail(f"GPV {name!r} needs a head-loss curve")
    else:
        tokens.append("0")  # EPANET's default setting; WNTR needs the field
    if row.n > 6:
        row.number(6, f"minor loss coefficient of valve {name!r}", low=0)
    row.rewrite(tokens)


# --- node and link data -----------------------------------------------------------------


def check_emitter(row: Row) -> None:
    """``junction coefficient``."""
    row.need(2, "an emitter (junction ID, coefficient)")
    node = row.node(0, "in [EMITTERS]")
    row.number(1, f"emitter coefficient of node {row.tokens[0]!r}", low=0)
    if node.kind != "junction":
        row.drop(f"emitter on {node.kind} {row.tokens[0]!r} (EPANET ignores it)")


def check_leakage(row: Row) -> None:
    """``pipe leak_area leak_expansion`` (EPANET 2.3); kept for ``Network.pipe_leakage``."""
    row.need(3, "a leakage line (pipe ID, leak area, leak expansion)")
    name = row.tokens[0]
    link = row.ctx.links.get(name)
    if link is None:
        row.fail(f"unknown pipe {name!r} in [LEAKAGE]")
    area = row.number(1, f"leak area of pipe {name!r}", low=0)
    expansion = row.number(2, f"leak expansion of pipe {name!r}", low=0)
    if link.kind != "pipe":
        row.warn(f"leakage given for {link.kind} {name!r}; only pipes leak, line ignored")
        return
    if name in row.ctx.leakage:
        row.warn(f"leakage of pipe {name!r} given again; this line wins")
    row.ctx.leakage[name] = (area, expansion)


def check_curve(row: Row) -> None:
    """``curve x y``."""
    row.need(3, "a curve point (curve ID, x, y)")
    _short_id(row, "curve")
    row.number(1, f"x value of curve {row.tokens[0]!r}")
    row.number(2, f"y value of curve {row.tokens[0]!r}")


def check_pattern(row: Row) -> None:
    """``pattern multiplier [multiplier ...]``."""
    row.need(2, "a pattern line (pattern ID, multipliers)")
    _short_id(row, "pattern")
    for i in range(1, row.n):
        row.number(i, f"multiplier {i} of pattern {row.tokens[0]!r}")


def check_demand(row: Row) -> None:
    """``junction demand [pattern] [;category]``."""
    row.need(2, "a demand (junction ID, base demand)")
    node = row.node(0, "in [DEMANDS]")
    row.number(1, f"demand of node {row.tokens[0]!r}")
    if row.n > 2:
        row.pattern(2, f"demand pattern of node {row.tokens[0]!r}")
    if node.kind != "junction":
        row.drop(f"demand on {node.kind} {row.tokens[0]!r} (EPANET ignores it)")


def check_status(row: Row) -> None:
    """``link OPEN|CLOSED|ACTIVE|setting``."""
    row.need(2, "a status line (link ID, status or setting)")
    if row.n > 2:
        row.fail("ranges of links in [STATUS] are not supported; give one link per line")
    link = row.link(0, "in [STATUS]")
    name = row.tokens[0]
    if link.check_valve:
        row.fail(f"the status of check-valve pipe {name!r} cannot be set")
    if _is_word(row, 1, _LINK_STATUS):
        row.rewrite([name, row.keyword(1, _LINK_STATUS, "status")])
        return
    if link.valve_type == "GPV":
        row.fail(f"GPV {name!r} takes OPEN or CLOSED in [STATUS], not a setting")
    row.number(1, f"setting of link {name!r}", low=0)


def check_quality(row: Row) -> None:
    """``node initial_quality``."""
    row.need(2, "an initial quality (node ID, value)")
    if row.n > 2:
        row.fail("ranges of nodes in [QUALITY] are not supported; give one node per line")
    row.node(0, "in [QUALITY]")
    row.number(1, f"initial quality of node {row.tokens[0]!r}", low=0)


# --- map data: unknown IDs are dropped (EPANET ignores them), bad numbers are errors ----


def check_coordinate(row: Row) -> None:
    """``node x y``."""
    row.need(3, "a coordinate (node ID, x, y)")
    row.number(1, f"x coordinate of node {row.tokens[0]!r}")
    row.number(2, f"y coordinate of node {row.tokens[0]!r}")
    if row.tokens[0] not in row.ctx.nodes:
        row.drop(f"coordinates of unknown node {row.tokens[0]!r}")
    else:
        row.rewrite(row.tokens[:3])


def check_vertex(row: Row) -> None:
    """``link x y``."""
    row.need(3, "a vertex (link ID, x, y)")
    row.number(1, f"x coordinate of a vertex of link {row.tokens[0]!r}")
    row.number(2, f"y coordinate of a vertex of link {row.tokens[0]!r}")
    if row.tokens[0] not in row.ctx.links:
        row.drop(f"vertex of unknown link {row.tokens[0]!r}")
    else:
        row.rewrite(row.tokens[:3])  # WNTR skips vertex lines with extra fields


def check_tag(row: Row) -> None:
    """``NODE|LINK id tag``."""
    row.need(3, "a tag (NODE or LINK, ID, tag)")
    kind = row.keyword(0, [("NODE", "NODE"), ("LINK", "LINK")], "tag object")
    registry = row.ctx.nodes if kind == "NODE" else row.ctx.links
    if row.tokens[1] not in registry:
        row.drop(f"tag of unknown {kind.lower()} {row.tokens[1]!r}")
    else:
        row.rewrite([kind, *row.tokens[1:]])


def check_backdrop(row: Row) -> None:
    """``[BACKDROP]`` is map decoration; drop what WNTR would refuse."""
    if row.tokens[0].upper() == "UNITS" and row.n > 1:
        if row.tokens[1].upper() not in ("FEET", "METERS", "DEGREES", "NONE"):
            row.drop(f"backdrop units {row.tokens[1]!r} (WNTR knows FEET, METERS, DEGREES, NONE)")


def check_roughness(row: Row) -> None:
    """[ROUGHNESS] is obsolete; EPANET 2.x ignores it."""
    row.drop("the [ROUGHNESS] section is obsolete (EPANET ignores it)")


NETWORK_CHECKS: dict[str, Callable[[Row], None]] = {
    "[JUNCTIONS]": check_junction,
    "[RESERVOIRS]": check_reservoir,
    "[TANKS]": check_tank,
    "[PIPES]": check_pipe,
    "[PUMPS]": check_pump,
    "[VALVES]": check_valve,
    "[EMITTERS]": check_emitter,
    "[LEAKAGE]": check_leakage,
    "[CURVES]": check_curve,
    "[PATTERNS]": check_pattern,
    "[DEMANDS]": check_demand,
    "[STATUS]": check_status,
    "[QUALITY]": check_quality,
    "[COORDINATES]": check_coordinate,
    "[VERTICES]": check_vertex,
    "[TAGS]": check_tag,
    "[BACKDROP]": check_backdrop,
    "[ROUGHNESS]": check_roughness,
}
