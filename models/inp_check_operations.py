"""Line checks for operation and analysis sections: options, times, controls, rules,
energy, reactions, sources, mixing, report.

Exports ``OPERATION_CHECKS`` (section -> check) and ``finish_rules``. Besides rejecting
what EPANET rejects, the checks rewrite valid EPANET forms WNTR 1.5 misreads: clock
times such as ``6 AM`` (WNTR cannot parse them in rules), times with units such as
``15 MIN`` (WNTR ignores the unit), abbreviated keywords (EPANET matches prefixes,
WNTR whole words). Every time goes to WNTR as ``H:MM:SS``, which all its time parsers
read exactly. Called by ``models.inp_check.run_checks``.
"""

from __future__ import annotations

from collections.abc import Callable

from models.inp_check_core import CheckContext, Row
from models.inp_text import MAX_TIME_S, epanet_hours, format_hms, match_keyword, parse_number

_OPEN_CLOSED = [("OPEN", "OPEN"), ("CLOSED", "CLOSED")]
_STATUS_VALUES = [("OPEN", "OPEN"), ("CLOSED", "CLOSED"), ("ACTIVE", "ACTIVE")]
_RELATIONS = [
    ("<>", "<>"), ("<=", "<="), (">=", ">="), ("=", "="), ("<", "<"), (">", ">"),
    ("IS", "="), ("NOT", "<>"), ("BELOW", "<"), ("ABOVE", ">"),
]  # fmt: skip
_RULE_WORDS = frozenset({"RULE", "IF", "THEN", "ELSE", "AND", "OR", "PRIORITY"})


def _seconds(row: Row, hours: float | None, what: str) -> int:
    """Hours -> whole seconds, failing for an unreadable or too long time."""
    if hours is None:
        row.fail(f"{what} is not a valid time: {' '.join(row.tokens)!r}")
    if not hours * 3600 <= MAX_TIME_S:  # also catches inf
        row.fail(f"{what} is out of range (over {MAX_TIME_S // 3600} hours)")
    return int(round(hours * 3600))


# --- [OPTIONS] -----------------------------------------------------------------------------

_UNITS = [
    ("CFS", "CFS"), ("GPM", "GPM"), ("AFD", "AFD"), ("MGD", "MGD"), ("IMGD", "IMGD"),
    ("LPS", "LPS"), ("LPM", "LPM"), ("CMH", "CMH"), ("CMD", "CMD"), ("MLD", "MLD"),
    ("CMS", "CMS"), ("SI", "LPS"),  # EPANET reads SI as LPS; WNTR would read m3/s
]  # fmt: skip
US_FLOW_UNITS = frozenset({"CFS", "GPM", "AFD", "MGD", "IMGD"})

# Numeric options: EPANET prefix -> (words WNTR expects, index of the value, lower bound,
# bound is strict). EPANET's order matters: prefixes are tried in turn.
_NUMERIC_OPTIONS = [
    ("TOLER", ("TOLERANCE",), 1, 0.0, False),
    ("DIFF", ("DIFFUSIVITY",), 1, 0.0, False),
    ("DAMPLIMIT", ("DAMPLIMIT",), 1, None, False),
    ("FLOWCHANGE", ("FLOWCHANGE",), 1, 0.0, False),
    ("HEADERROR", ("HEADERROR",), 1, 0.0, False),
    ("MINI", ("MINIMUM", "PRESSURE"), 2, 0.0, False),
    ("REQ", ("REQUIRED", "PRESSURE"), 2, 0.0, False),
    ("VISC", ("VISCOSITY",), 1, 0.0, True),
    ("SPEC", ("SPECIFIC", "GRAVITY"), 2, 0.0, True),
    ("TRIAL", ("TRIALS",), 1, 0.0, True),
    ("ACCU", ("ACCURACY",), 1, 0.0, True),
    ("CHECKFREQ", ("CHECKFREQ",), 1, 0.0, True),
    ("MAXCHECK", ("MAXCHECK",), 1, 0.0, True),
    ("EMIT", ("EMITTER", "EXPONENT"), 2, 0.0, True),
    ("DEMAND", ("DEMAND", "MULTIPLIER"), 2, 0.0, True),
]
# Valid EPANET options WNTR 1.5 has no place for: dropped with a warning.
_UNSUPPORTED_OPTIONS = [
    ("HTOL", "HTOL"),
    ("QTOL", "QTOL"),
    ("RQTOL", "RQTOL"),
    ("SEGM", "SEGMENTS"),
    ("VERI", "VERIFY"),
    ("BACK", "BACKFLOW ALLOWED"),
]


def check_option(row: Row) -> None:
    """One ``[OPTIONS]`` line (EPANET's ``optionchoice`` then ``optionvalue``)."""
    tokens, ctx = row.tokens, row.ctx
    key = row.tokens[0].upper()
    if key.startswith("UNIT"):
        if row.n < 2:
            return row.drop("UNITS without a value")
        units = row.keyword(1, _UNITS, "UNITS value")
        if units == "CMS":
            row.fail("flow units CMS (EPANET 2.3) are not supported by WNTR 1.5")
        ctx.flow_units = units
        return row.rewrite(["UNITS", units])
    if key.startswith("PRESSURE") and not (row.n > 1 and tokens[1].upper().startswith("EXP")):
        if row.n < 2:
            return row.drop("PRESSURE without a value")
        units = row.keyword(
            1, [("PSI", "PSI"), ("KPA", "KPA"), ("METERS", "METERS")], "PRESSURE units"
        )
        ctx.state["pressure_units"] = (units, row.line)
        return row.rewrite(["PRESSURE", units])
    if key.startswith("PRESSURE"):  # PRESSURE EXPONENT value
        if row.n < 3:
            return row.drop("PRESSURE EXPONENT without a value")
        row.number(2, "PRESSURE EXPONENT", low=0)
        return row.rewrite(["PRESSURE", "EXPONENT", tokens[2]])
    if key.startswith("HEADL"):
        if row.n < 2:
            return row.drop("HEADLOSS without a value")
        formula = row.keyword(1, [("H-W", "H-W"), ("D-W", "D-W"), ("C-M", "C-M")], "HEADLOSS value")
        return row.rewrite(["HEADLOSS", formula])
    if key.startswith("HYDR"):
        if row.n < 3:
            return row.drop("HYDRAULICS without USE/SAVE and a file name")
        mode = row.keyword(1, [("USE", "USE"), ("SAVE", "SAVE")], "HYDRAULICS mode")
        return row.rewrite(["HYDRAULICS", mode, tokens[2]])
    if key.startswith("QUAL"):
        return _check_quality_option(row)
    if key.startswith("MAP"):
        return None if row.n > 1 else row.drop("MAP without a file name")
    if key.startswith("UNBA"):
        return _check_unbalanced(row)
    if key.startswith("PATT"):
        if row.n < 2:
            return row.drop("PATTERN without a pattern ID")
        if tokens[1] != "1":  # WNTR's rule: a missing pattern '1' means no pattern
            row.pattern(1, "default demand pattern")
        return row.rewrite(["PATTERN", tokens[1]])
    if key.startswith("DEMAND") and row.n > 1 and tokens[1].upper().startswith("MODEL"):
        if row.n < 3:
            return row.drop("DEMAND MODEL without a value")
        model = row.keyword(2, [("DDA", "DDA"), ("PDA", "PDA")], "DEMAND MODEL value")
        return row.rewrite(["DEMAND", "MODEL", model])
    unsupported = match_keyword(key, _UNSUPPORTED_OPTIONS)
    if unsupported is not None:
        return row.drop(f"option {unsupported} is not supported by WNTR 1.5")
    for prefix, words, value_index, low, strict in _NUMERIC_OPTIONS:
        if key.startswith(prefix):
            if row.n <= value_index:
                return row.drop(f"option {' '.join(words)} without a value")
            value = row.number(value_index, " ".join(words), low=low, strict=strict)
            if words[0] in ("MINIMUM", "REQUIRED"):
                _check_pressure_pair(row, words[0], value)
            return row.rewrite([*words, tokens[value_index]])
    row.fail(f"unknown option {tokens[0]!r}")


def _check_quality_option(row: Row) -> None:
    tokens = row.tokens
    if row.n < 2:
        return row.drop("QUALITY without a value")
    mode = match_keyword(
        tokens[1], [("NONE", "NONE"), ("CHEM", "CHEMICAL"), ("AGE", "AGE"), ("TRACE", "TRACE")]
    )
    if mode == "TRACE":
        row.need(3, "QUALITY TRACE (with a node ID)")
        row.node(2, "to trace water from")
        return row.rewrite(["QUALITY", "TRACE", tokens[2]])
    if mode in ("NONE", "AGE"):
        return row.rewrite(["QUALITY", mode])
    # A chemical: WNTR only knows mass units with 'mg' or 'ug' in them.
    if row.n > 2 and not any(u in tokens[2].lower() for u in ("mg", "ug")):
        row.warn(f"chemical units {tokens[2]!r} read as mg/L")
        return row.rewrite(["QUALITY", tokens[1]])
    return row.rewrite(list(tokens[:3]))


def _check_unbalanced(row: Row) -> None:
    if row.n < 2:
        return row.drop("UNBALANCED without a value")
    mode = row.keyword(1, [("STOP", "STOP"), ("CONT", "CONTINUE")], "UNBALANCED value")
    if mode == "CONTINUE" and row.n > 2:
        trials = row.number(2, "extra trials of UNBALANCED CONTINUE", low=0)
        return row.rewrite(["UNBALANCED", "CONTINUE", str(int(trials))])
    return row.rewrite(["UNBALANCED", mode])


def _check_pressure_pair(row: Row, word: str, value: float) -> None:
    """EPANET error 208: REQUIRED PRESSURE must exceed MINIMUM PRESSURE by 0.1."""
    seen = row.ctx.state.setdefault("pdd_pressures", {})
    seen[word] = value
    if "MINIMUM" in seen and "REQUIRED" in seen and seen["REQUIRED"] - seen["MINIMUM"] < 0.1:
        row.fail("REQUIRED PRESSURE must exceed MINIMUM PRESSURE by at least 0.1")


# --- [TIMES] ----------------------------------------------------------------------------

_TIME_KEYS = [
    ("DURA", "DURATION"),
    ("HYDR", "HYDRAULIC"),
    ("QUAL", "QUALITY"),
    ("RULE", "RULE"),
    ("MINI", "MINIMUM"),
    ("PATT", "PATTERN"),
    ("REPO", "REPORT"),
    ("STAR", "START"),
]
_STATISTICS = [
    ("NONE", "NONE"),
    ("NO", "NONE"),
    ("AVERAGE", "AVERAGED"),
    ("MINIMUM", "MINIMUM"),
    ("MAXIMUM", "MAXIMUM"),
    ("RANGE", "RANGE"),
]


def check_time(row: Row) -> None:
    """One ``[TIMES]`` line (EPANET's ``timedata``), rewritten with ``H:MM:SS`` values."""
    row.need(2, "a [TIMES] line (keyword, value)")
    tokens = row.tokens
    if tokens[0].upper().startswith("STAT"):
        return row.rewrite(["STATISTIC", row.keyword(row.n - 1, _STATISTICS, "STATISTIC value")])
    key = row.keyword(0, _TIME_KEYS, "[TIMES] keyword")
    if key == "MINIMUM":
        return row.drop("MINIMUM TRAVELTIME is no longer used by EPANET")
    words = {
        "DURATION": ["DURATION"],
        "HYDRAULIC": ["HYDRAULIC", "TIMESTEP"],
        "QUALITY": ["QUALITY", "TIMESTEP"],
        "RULE": ["RULE", "TIMESTEP"],
        "START": ["START", "CLOCKTIME"],
    }.get(key)
    if words is None:  # PATTERN / REPORT take TIMESTEP or START
        row.need(3, f"{key} TIMESTEP or {key} START")
        second = row.keyword(1, [("TIME", "TIMESTEP"), ("STAR", "START")], f"{key} keyword")
        words = [key, second]
    # EPANET: the last field is a number, a clock time, or a unit after the value.
    last = tokens[-1]
    hours = parse_number(last)
    if hours is None:
        hours = epanet_hours(last)
    if hours is None and row.n > 2:
        hours = epanet_hours(tokens[-2], last)
    if hours is not None and hours < 0:
        hours = None
    seconds = _seconds(row, hours, " ".join(words))
    if words[0] == "START":
        # WNTR subtracts 12 h from any clock time written 12:xx, so write 12-hour AM/PM.
        seconds %= 86400
        half = "PM" if seconds >= 43200 else "AM"
        hour12 = seconds // 3600 % 12 or 12
        text = f"{hour12}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        return row.rewrite([*words, text, half])
    if seconds == 0 and words[0] in ("HYDRAULIC", "PATTERN", "REPORT") and words[1] == "TIMESTEP":
        row.fail(f"{' '.join(words)} must be positive")
    row.rewrite([*words, format_hms(seconds)])


# --- [CONTROLS] -------------------------------------------------------------------------


def check_control(row: Row) -> None:
    """``LINK id setting AT TIME|CLOCKTIME t [units]`` or
    ``LINK id setting IF NODE id ABOVE|BELOW value``."""
    row.need(6, "a control (LINK, ID, setting, AT or IF, ...)")
    tokens = row.tokens
    link = row.link(1, "in [CONTROLS]")
    name = tokens[1]
    if link.check_valve:
        row.fail(f"check-valve pipe {name!r} cannot be controlled")
    setting = match_keyword(tokens[2], _OPEN_CLOSED)
    if setting is None:
        if link.valve_type == "GPV":
            row.fail(f"GPV {name!r} takes OPEN or CLOSED in a control, not a setting")
        low = 0.0 if link.kind in ("pipe", "pump") else None
        value = row.number(2, f"setting of link {name!r} in a control", low=low)
        setting = tokens[2]
        if link.kind == "pipe":  # EPANET: 0 closes a pipe, anything else opens it
            setting = "CLOSED" if value == 0 else "OPEN"
    kind = match_keyword(tokens[4], [("TIME", "TIME"), ("CLOCKTIME", "CLOCKTIME")])
    if kind is not None:
        hours = epanet_hours(tokens[5], tokens[6] if row.n > 6 else "")
        seconds = _seconds(row, hours, f"{kind} of the control of link {name!r}")
        if kind == "CLOCKTIME":
            seconds %= 86400
        return row.rewrite(["LINK", name, setting, "AT", kind, format_hms(seconds)])
    row.need(8, "a level control (LINK, ID, setting, IF, NODE, ID, ABOVE/BELOW, value)")
    node = row.node(5, f"in the control of link {name!r}")
    if node.kind == "reservoir":
        row.fail(f"controls on reservoir {tokens[5]!r} are not supported by WNTR 1.5")
    above = row.keyword(6, [("BELOW", "BELOW"), ("ABOVE", "ABOVE")], "control relation")
    row.number(7, f"level or pressure of the control of link {name!r}")
    row.rewrite(["LINK", name, setting, "IF", "NODE", tokens[5], above, tokens[7]])


# --- [RULES] ----------------------------------------------------------------------------

_CLAUSES = [
    ("RULE", "RULE"),
    ("IF", "IF"),
    ("AND", "AND"),
    ("OR", "OR"),
    ("THEN", "THEN"),
    ("ELSE", "ELSE"),
    ("PRIO", "PRIORITY"),
]
_OBJECTS = [
    ("JUNC", "JUNCTION"),
    ("RESER", "RESERVOIR"),
    ("TANK", "TANK"),
    ("PIPE", "PIPE"),
    ("PUMP", "PUMP"),
    ("VALVE", "VALVE"),
    ("NODE", "NODE"),
    ("LINK", "LINK"),
    ("SYSTEM", "SYSTEM"),
]
_NODE_VARS = [
    ("DEMAND", "DEMAND"),
    ("HEAD", "HEAD"),
    ("GRADE", "HEAD"),
    ("LEVEL", "LEVEL"),
    ("PRESSURE", "PRESSURE"),
    ("FILLTIME", "FILLTIME"),
    ("DRAINTIME", "DRAINTIME"),
]
_LINK_VARS = [("FLOW", "FLOW"), ("STATUS", "STATUS"), ("SETTING", "SETTING")]


def check_rule(row: Row) -> None:
    """One ``[RULES]`` clause, checked against EPANET's rule grammar and rewritten."""
    state = row.ctx.state.setdefault("rules", {"stage": None, "ids": {}, "current": None})
    clause = row.keyword(0, _CLAUSES, "rule clause")
    for token in row.tokens[1:]:
        if token.upper() in _RULE_WORDS:  # WNTR splits rules at these words anywhere
            row.fail(f"ID {token!r} is a rule keyword; WNTR cannot read this rule")
    stage = state["stage"]
    if clause == "RULE":
        if row.n != 2:
            row.fail(f"RULE takes one rule ID, found {row.n - 1} fields after it")
        _finish_rule(row.ctx, state)
        rule_id = row.tokens[1]
        if rule_id in state["ids"]:
            row.fail(f"duplicate rule ID {rule_id!r} (first on line {state['ids'][rule_id]})")
        state["ids"][rule_id] = row.line.number
        state.update(stage="RULE", current=(rule_id, row.line))
        return row.rewrite(["RULE", rule_id])
    if stage is None:
        row.fail(f"{clause} clause before the first RULE")
    misplaced = {
        "IF": stage != "RULE",
        "OR": stage != "IF",
        "AND": stage not in ("IF", "THEN", "ELSE"),
        "THEN": stage != "IF",
        "ELSE": stage != "THEN",
        "PRIORITY": stage not in ("THEN", "ELSE"),
    }[clause]
    if misplaced:
        row.fail(f"misplaced {clause} clause in rule {state['current'][0]!r}")
    if clause == "PRIORITY":
        row.need(2, "PRIORITY (with a value)")
        row.number(1, "rule priority")
        state["stage"] = "PRIORITY"
        return row.rewrite(["PRIORITY", row.tokens[1]])
    if clause in ("IF", "OR") or (clause == "AND" and stage == "IF"):
        state["stage"] = "IF"
        return row.rewrite([clause, *_premise(row)])
    if clause in ("THEN", "ELSE"):
        state["stage"] = clause
    row.rewrite([clause, *_action(row)])


def _premise(row: Row) -> list[str]:
    """``object id attribute relation value`` or ``SYSTEM attribute relation value``."""
    if row.n not in (5, 6):
        row.fail(f"a rule condition needs 5 or 6 fields, found {row.n}")
    tokens = row.tokens
    obj = row.keyword(1, _OBJECTS, "rule object")
    if obj == "SYSTEM":
        var = row.keyword(
            2,
            [("DEMAND", "DEMAND"), ("TIME", "TIME"), ("CLOCKTIME", "CLOCKTIME")],
            "system variable",
        )
        if var == "DEMAND":
            row.fail("SYSTEM DEMAND conditions are not supported by WNTR 1.5")
        relation = row.keyword(3, _RELATIONS, "relation")
        hours = epanet_hours(tokens[4], tokens[5] if row.n == 6 else "")
        # EPANET compares rule times to the second; WNTR stores whole seconds.
        return ["SYSTEM", var, relation, format_hms(_seconds(row, hours, f"SYSTEM {var}"))]
    row.need(6, "a rule condition on an element")
    if obj in ("JUNCTION", "RESERVOIR", "TANK", "NODE"):
        node = row.node(2, "in a rule")
        var = row.keyword(3, _NODE_VARS, "node attribute")
        if var in ("FILLTIME", "DRAINTIME"):
            if node.kind != "tank":
                row.fail(f"{var} applies to tanks, not to {node.kind} {tokens[2]!r}")
            row.fail(f"{var} conditions are not supported by WNTR 1.5")
    else:
        row.link(2, "in a rule")
        var = row.keyword(3, _LINK_VARS, "link attribute")
    relation = row.keyword(4, _RELATIONS, "relation")
    value = match_keyword(tokens[5], _STATUS_VALUES)
    if value is None:
        row.number(5, f"value of the {var} condition on {tokens[2]!r}")
        value = tokens[5]
    return [obj, tokens[2], var, relation, value]


def _action(row: Row) -> list[str]:
    """``LINK|PIPE|PUMP|VALVE id STATUS|SETTING = value``."""
    if row.n != 6:
        row.fail(
            f"a rule action needs 6 fields (LINK, ID, STATUS or SETTING, =, value), found {row.n}"
        )
    obj = row.keyword(
        1,
        [("LINK", "LINK"), ("PIPE", "PIPE"), ("PUMP", "PUMP"), ("VALVE", "VALVE")],
        "rule action object",
    )
    link = row.link(2, "in a rule action")
    if link.check_valve:
        row.fail(f"check-valve pipe {row.tokens[2]!r} cannot be controlled by a rule")
    var = row.keyword(3, [("STATUS", "STATUS"), ("SETTING", "SETTING")], "action attribute")
    if var == "STATUS":
        value = row.keyword(5, _STATUS_VALUES, "status value")
    else:
        row.number(5, f"setting of link {row.tokens[2]!r} in a rule", low=0)
        value = row.tokens[5]
    return [obj, row.tokens[2], var, "=", value]


def _finish_rule(ctx: CheckContext, state: dict) -> None:
    """The rule being read must have reached its THEN clause."""
    if state["stage"] in ("RULE", "IF"):
        rule_id, line = state["current"]
        Row(ctx, line).fail(f"rule {rule_id!r} has no THEN clause")


def finish_rules(ctx: CheckContext) -> None:
    """After the last line of the file: the last rule must be complete too."""
    state = ctx.state.get("rules")
    if state:
        _finish_rule(ctx, state)


# --- [ENERGY], [REACTIONS], [SOURCES], [MIXING], [REPORT] ---------------------------------


def check_energy(row: Row) -> None:
    """``GLOBAL|PUMP id PRICE|PATTERN|EFFIC value`` or ``DEMAND CHARGE value``."""
    row.need(3, "an [ENERGY] line (keyword, parameter, value)")
    tokens = row.tokens
    head = row.keyword(
        0, [("GLOB", "GLOBAL"), ("PUMP", "PUMP"), ("DEMAN", "DEMAND")], "[ENERGY] keyword"
    )
    if head == "DEMAND":
        row.number(2, "DEMAND CHARGE", low=0)
        return row.rewrite(["DEMAND", "CHARGE", tokens[2]])
    target = ["GLOBAL"]
    if head == "PUMP":
        row.need(4, "a pump energy line (PUMP, ID, parameter, value)")
        link = row.ctx.links.get(tokens[1])
        if link is None or link.kind != "pump":
            row.fail(f"unknown pump {tokens[1]!r} in [ENERGY]")
        target = ["PUMP", tokens[1]]
    param = row.keyword(
        row.n - 2, [("PRICE", "PRICE"), ("PATT", "PATTERN"), ("EFFI", "EFFIC")], "energy parameter"
    )
    owner = "global" if head == "GLOBAL" else f"pump {tokens[1]!r}"
    if param == "PRICE":
        row.number(row.n - 1, f"energy price ({owner})", low=0)
    elif param == "PATTERN":
        row.pattern(row.n - 1, f"energy price pattern ({owner})")
    elif head == "GLOBAL":
        row.number(row.n - 1, "global pump efficiency", low=0, strict=True)
    else:
        row.curve(row.n - 1, f"efficiency curve of {owner}")
    row.rewrite([*target, param, tokens[-1]])


def check_reaction(row: Row) -> None:
    """``ORDER|GLOBAL|BULK|WALL|TANK|LIMITING|ROUGHNESS ...`` (EPANET's ``reactdata``)."""
    if row.n < 3:
        return row.drop("[REACTIONS] line with fewer than 3 fields (EPANET ignores it)")
    tokens = row.tokens
    key = row.keyword(
        0,
        [
            ("ORDER", "ORDER"),
            ("ROUG", "ROUGHNESS"),
            ("LIMIT", "LIMITING"),
            ("GLOB", "GLOBAL"),
            ("BULK", "BULK"),
            ("WALL", "WALL"),
            ("TANK", "TANK"),
        ],
        "[REACTIONS] keyword",
    )
    value = row.number(row.n - 1, f"{key} reaction value")
    if key == "ORDER":
        which = row.keyword(
            1, [("BULK", "BULK"), ("WALL", "WALL"), ("TANK", "TANK")], "reaction order target"
        )
        if which == "WALL" and value not in (0.0, 1.0):
            row.fail("wall reaction order must be 0 or 1")
        return row.rewrite(["ORDER", which, tokens[-1]])
    if key in ("ROUGHNESS", "LIMITING"):
        second = "CORRELATION" if key == "ROUGHNESS" else "POTENTIAL"
        return row.rewrite([key, second, tokens[-1]])
    if key == "GLOBAL":
        which = row.keyword(1, [("BULK", "BULK"), ("WALL", "WALL")], "global reaction")
        return row.rewrite(["GLOBAL", which, tokens[-1]])
    if row.n > 3:
        row.fail(f"ranges of IDs in [REACTIONS] are not supported; one {key} per line")
    if key == "TANK":
        node = row.ctx.nodes.get(tokens[1])
        if node is None or node.kind != "tank":
            return row.drop(f"tank reaction for {tokens[1]!r}, which is not a tank")
    else:
        link = row.ctx.links.get(tokens[1])
        if link is None or link.kind != "pipe":
            return row.drop(f"{key.lower()} reaction for {tokens[1]!r}, which is not a pipe")
    row.rewrite([key, tokens[1], tokens[-1]])


def check_source(row: Row) -> None:
    """``node [CONCEN|MASS|SETPOINT|FLOWPACED] strength [pattern]``."""
    row.need(2, "a source (node ID, type, strength)")
    tokens = row.tokens
    row.node(0, "in [SOURCES]")
    kind = match_keyword(
        tokens[1],
        [
            ("CONCEN", "CONCEN"),
            ("MASS", "MASS"),
            ("SETPOINT", "SETPOINT"),
            ("FLOWPACED", "FLOWPACED"),
        ],
    )
    first = 1 if kind is None else 2  # EPANET 1.1 lines have no type: concentration
    row.need(first + 1, "a source (node ID, type, strength)")
    row.number(first, f"strength of the source at {tokens[0]!r}")
    if row.n > first + 1:
        row.pattern(first + 1, f"pattern of the source at {tokens[0]!r}")
    row.rewrite([tokens[0], kind or "CONCEN", *tokens[first : first + 2]])


def check_mixing(row: Row) -> None:
    """``tank MIXED|2COMP|FIFO|LIFO [fraction]``."""
    if row.n < 2:
        return row.drop("[MIXING] line without a model (EPANET ignores it)")
    node = row.node(0, "in [MIXING]")
    model = row.keyword(
        1,
        [("MIXED", "MIXED"), ("2COMP", "2COMP"), ("FIFO", "FIFO"), ("LIFO", "LIFO")],
        "mixing model",
    )
    if node.kind != "tank":
        return row.drop(f"mixing model for {node.kind} {row.tokens[0]!r} (EPANET ignores it)")
    if model != "2COMP":
        return row.rewrite([row.tokens[0], model])
    fraction = "1"  # EPANET's default; 0 also means 1
    if row.n > 2:
        value = row.number(2, f"mixing fraction of tank {row.tokens[0]!r}", low=0)
        fraction = row.tokens[2] if value > 0 else "1"
    row.rewrite([row.tokens[0], model, fraction])


# Result fields EPANET can report (its Fldname list, matched as prefixes of the field).
_REPORT_FIELDS = (
    "ELEVATION", "DEMAND", "HEAD", "PRESSURE", "QUALITY", "LENGTH", "DIAMETER", "FLOW",
    "VELOCITY", "HEADLOSS", "STATE", "SETTING", "REACTION", "F-FACTOR",
)  # fmt: skip


def check_report(row: Row) -> None:
    """``[REPORT]`` lines: only what could break the read is checked."""
    row.need(2, "a [REPORT] line (keyword, value)")
    tokens = row.tokens
    key = tokens[0].upper()
    if key.startswith("PAGE"):
        size = row.number(row.n - 1, "report page size", low=0)
        if size > 255:
            row.fail("report page size must be at most 255")
        return row.rewrite(["PAGESIZE", str(int(size))])
    if key.startswith(("NODE", "LINK")):
        key = "NODES" if key.startswith("NODE") else "LINKS"
        which = match_keyword(tokens[1], [("NONE", "NONE"), ("ALL", "ALL")])
        if which is not None:
            return row.rewrite([key, which])
        registry = row.ctx.nodes if key == "NODES" else row.ctx.links
        for i in range(1, row.n):
            if tokens[i] not in registry:
                row.fail(f"unknown {key[:-1].lower()} {tokens[i]!r} in [REPORT] {key}")
        return None
    if key.startswith(("FILE", "STATUS", "SUMM", "ENER", "MESS")):
        return None
    if not key.startswith(_REPORT_FIELDS):
        row.fail(f"unknown [REPORT] keyword {tokens[0]!r}")
    answer = match_keyword(tokens[1], [("YES", "YES"), ("NO", "NO")])
    if answer is not None:
        return row.rewrite([tokens[0], answer])
    row.need(3, f"report field {tokens[0]!r} with BELOW, ABOVE or PRECISION and a value")
    limit = row.keyword(
        1, [("BELOW", "BELOW"), ("ABOVE", "ABOVE"), ("PREC", "PRECISION")], "report limit"
    )
    row.number(2, f"{limit} value of report field {tokens[0]!r}")
    row.rewrite([tokens[0], limit, tokens[2]])


OPERATION_CHECKS: dict[str, Callable[[Row], None]] = {
    "[OPTIONS]": check_option,
    "[TIMES]": check_time,
    "[CONTROLS]": check_control,
    "[RULES]": check_rule,
    "[ENERGY]": check_energy,
    "[REACTIONS]": check_reaction,
    "[SOURCES]": check_source,
    "[MIXING]": check_mixing,
    "[REPORT]": check_report,
}
