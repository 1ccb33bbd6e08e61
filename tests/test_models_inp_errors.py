"""Malformed INP files: each kind raises NetworkInputError naming file, line and problem.

The bad files are made by editing one line of WNTR's Net1 (or a tiny network); the
expected line number is found from the edit, never hard-coded.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from benchmarks.networks import WNTR_LIBRARY
from models import NetworkInputError, load_network

NET1 = WNTR_LIBRARY / "Net1.inp"

TINY = """[JUNCTIONS]
J1 10 1
J2 5 1
[RESERVOIRS]
R1 50
[PIPES]
P1 R1 J1 100 200 100
P2 J1 J2 100 200 100
[END]
"""


def net1_lines() -> list[str]:
    return NET1.read_text().splitlines()


def find(lines: list[str], *first_tokens: str) -> int:
    """0-based index of the first line whose fields start with ``first_tokens``."""
    for i, line in enumerate(lines):
        if tuple(line.split(";")[0].split()[: len(first_tokens)]) == first_tokens:
            return i
    raise AssertionError(f"no line starts with {first_tokens}")


def replaced(section: str, first_tokens: tuple[str, ...], new: str) -> tuple[list[str], int]:
    """Net1 with the line starting ``first_tokens`` (in ``section``) replaced."""
    lines = net1_lines()
    start = lines.index(section)
    i = start + find(lines[start:], *first_tokens)
    lines[i] = new
    return lines, i + 1


def inserted(before: str, new: list[str]) -> tuple[list[str], int]:
    """Net1 with ``new`` lines inserted before the line ``before``; line of new[-1]."""
    lines = net1_lines()
    i = lines.index(before)
    lines[i:i] = new
    return lines, i + len(new)


def save(tmp_path: Path, lines: list[str] | str, name: str = "net.inp") -> Path:
    path = tmp_path / name
    path.write_text(lines if isinstance(lines, str) else "\n".join(lines) + "\n")
    return path


def expect_error(path: Path, line: int | None, section: str | None, *fragments: str):
    with pytest.raises(NetworkInputError) as info:
        load_network(path)
    err = info.value
    assert (err.line, err.section) == (line, section), str(err)
    assert err.path == path
    for fragment in fragments:
        assert fragment in err.problem, str(err)
    where = f"{path.name}, line {line}" if line is not None else path.name
    assert str(err).startswith(where), str(err)
    return err


# (case id, edit of Net1, section, fragments of the problem)
LINE_CASES = [
    (
        "too-few-fields-pipe",
        lambda: replaced("[PIPES]", ("11",), " 11 11 12 5280"),
        "[PIPES]",
        ["too few fields", "pipe"],
    ),
    (
        "too-few-fields-junction",
        lambda: replaced("[JUNCTIONS]", ("13",), " 13"),
        "[JUNCTIONS]",
        ["too few fields"],
    ),
    (
        "unknown-node-in-link",
        lambda: replaced("[PIPES]", ("11",), " 11 11 J9 5280 14 100"),
        "[PIPES]",
        ["unknown node 'J9' in link '11'"],
    ),
    (
        "bad-number-elevation",
        lambda: replaced("[JUNCTIONS]", ("11",), " 11 abc 150"),
        "[JUNCTIONS]",
        ["elevation of junction '11' is not a number: 'abc'"],
    ),
    (
        "bad-number-nan",
        lambda: replaced("[PIPES]", ("12",), " 12 12 13 NaN 10 100"),
        "[PIPES]",
        ["length of pipe '12' is not a number: 'NaN'"],
    ),
    (
        "bad-number-inf",
        lambda: replaced("[JUNCTIONS]", ("12",), " 12 700 inf"),
        "[JUNCTIONS]",
        ["demand of junction '12' is not a number: 'inf'"],
    ),
    (
        "number-out-of-range",
        lambda: replaced("[PIPES]", ("12",), " 12 12 13 1e999 10 100"),
        "[PIPES]",
        ["length of pipe '12' is out of range"],
    ),
    (
        "duplicate-node",
        lambda: inserted("[RESERVOIRS]", [" 11 700 0"]),
        "[JUNCTIONS]",
        ["duplicate node ID '11'", "first defined on line 9"],
    ),
    (
        "duplicate-node-across-kinds",
        lambda: replaced("[RESERVOIRS]", ("9",), " 10 800"),
        "[RESERVOIRS]",
        ["duplicate node ID '10'"],
    ),
    (
        "duplicate-link",
        lambda: replaced("[PUMPS]", ("9",), " 10 9 10 HEAD 1"),
        "[PUMPS]",
        ["duplicate link ID '10'", "first defined on line 28"],
    ),
    (
        "unknown-curve",
        lambda: replaced("[PUMPS]", ("9",), " 9 9 10 HEAD C99"),
        "[PUMPS]",
        ["unknown curve 'C99'", "head curve of pump '9'"],
    ),
    (
        "unknown-pattern",
        lambda: replaced("[JUNCTIONS]", ("11",), " 11 710 150 PX"),
        "[JUNCTIONS]",
        ["unknown pattern 'PX'", "demand pattern of junction '11'"],
    ),
    (
        "unknown-default-pattern",
        lambda: replaced("[OPTIONS]", ("Pattern",), " Pattern PX"),
        "[OPTIONS]",
        ["unknown pattern 'PX'"],
    ),
    (
        "negative-diameter",
        lambda: replaced("[PIPES]", ("12",), " 12 12 13 5280 -10 100"),
        "[PIPES]",
        ["diameter of pipe '12' must be positive, found -10"],
    ),
    (
        "zero-diameter",
        lambda: replaced("[PIPES]", ("12",), " 12 12 13 5280 0 100"),
        "[PIPES]",
        ["diameter of pipe '12' must be positive, found 0"],
    ),
    (
        "negative-length",
        lambda: replaced("[PIPES]", ("12",), " 12 12 13 -5280 10 100"),
        "[PIPES]",
        ["length of pipe '12' must be positive, found -5280"],
    ),
    (
        "self-loop",
        lambda: replaced("[PIPES]", ("11",), " 11 11 11 5280 14 100"),
        "[PIPES]",
        ["link '11' connects node '11' to itself"],
    ),
    (
        "leakage-unknown-pipe",
        lambda: inserted("[END]", ["[LEAKAGE]", "P99 1 0.1"]),
        "[LEAKAGE]",
        ["unknown pipe 'P99' in [LEAKAGE]"],
    ),
    (
        "leakage-negative-area",
        lambda: inserted("[END]", ["[LEAKAGE]", "12 -1 0.1"]),
        "[LEAKAGE]",
        ["leak area of pipe '12' must not be negative, found -1"],
    ),
    (
        "leakage-not-a-number",
        lambda: inserted("[END]", ["[LEAKAGE]", "12 1 lots"]),
        "[LEAKAGE]",
        ["leak expansion of pipe '12' is not a number: 'lots'"],
    ),
    (
        "leakage-too-few-fields",
        lambda: inserted("[END]", ["[LEAKAGE]", "12 1"]),
        "[LEAKAGE]",
        ["too few fields"],
    ),
    (
        "unknown-option-value",
        lambda: replaced("[OPTIONS]", ("Headloss",), " Headloss X-Y"),
        "[OPTIONS]",
        ["unknown HEADLOSS value 'X-Y'", "H-W"],
    ),
    (
        "unknown-flow-units",
        lambda: replaced("[OPTIONS]", ("Units",), " Units FOO"),
        "[OPTIONS]",
        ["unknown UNITS value 'FOO'"],
    ),
    (
        "unknown-option",
        lambda: inserted("[COORDINATES]", ["[OPTIONS]", " Frobnicate 3"]),
        "[OPTIONS]",
        ["unknown option 'Frobnicate'"],
    ),
    (
        "unsupported-cms-units",
        lambda: replaced("[OPTIONS]", ("Units",), " Units CMS"),
        "[OPTIONS]",
        ["CMS"],
    ),
    (
        "tank-levels-inverted",
        lambda: replaced("[TANKS]", ("2",), " 2 850 120 160 150 50.5"),
        "[TANKS]",
        ["minimum level of tank '2' is above its maximum level"],
    ),
    (
        "tank-init-outside",
        lambda: replaced("[TANKS]", ("2",), " 2 850 170 100 150 50.5"),
        "[TANKS]",
        ["initial level of tank '2' is outside"],
    ),
    (
        "pump-without-curve",
        lambda: replaced("[PUMPS]", ("9",), " 9 9 10 SPEED 1"),
        "[PUMPS]",
        ["pump '9' needs a HEAD curve or a POWER value"],
    ),
    (
        "pump-keyword-without-value",
        lambda: replaced("[PUMPS]", ("9",), " 9 9 10 HEAD 1 SPEED"),
        "[PUMPS]",
        ["keyword 'SPEED' of pump '9' has no value"],
    ),
    ("pcv-valve", lambda: inserted("[TAGS]", [" V1 12 22 10 PCV 50 0 1"]), "[VALVES]", ["PCV"]),
    (
        "prv-on-tank",
        lambda: inserted("[TAGS]", [" V1 2 22 10 PRV 50"]),
        "[VALVES]",
        ["PRV 'V1' cannot connect directly to tank '2'"],
    ),
    (
        "id-too-long",
        lambda: replaced("[JUNCTIONS]", ("32",), " " + "J" * 32 + " 710 100"),
        "[JUNCTIONS]",
        ["longer than 31 characters"],
    ),
    (
        "control-unknown-link",
        lambda: replaced("[CONTROLS]", ("LINK", "9", "OPEN"), " LINK 99 OPEN IF NODE 2 BELOW 110"),
        "[CONTROLS]",
        ["unknown link '99' in [CONTROLS]"],
    ),
    (
        "control-bad-time",
        lambda: replaced("[CONTROLS]", ("LINK", "9", "OPEN"), " LINK 9 OPEN AT TIME 6:xx"),
        "[CONTROLS]",
        ["not a valid time"],
    ),
    (
        "control-bad-clock-time",
        lambda: replaced("[CONTROLS]", ("LINK", "9", "OPEN"), " LINK 9 OPEN AT CLOCKTIME 13 PM"),
        "[CONTROLS]",
        ["not a valid time"],
    ),
    (
        "times-bad-value",
        lambda: replaced("[TIMES]", ("Duration",), " Duration 24 parsecs"),
        "[TIMES]",
        ["DURATION is not a valid time"],
    ),
    (
        "times-zero-timestep",
        lambda: replaced("[TIMES]", ("Hydraulic",), " Hydraulic Timestep 0"),
        "[TIMES]",
        ["HYDRAULIC TIMESTEP must be positive"],
    ),
    (
        "rule-then-before-if",
        lambda: inserted("[ENERGY]", ["RULE R1", "THEN PUMP 9 STATUS IS OPEN"]),
        "[RULES]",
        ["misplaced THEN clause in rule 'R1'"],
    ),
    (
        "rule-unknown-node",
        lambda: inserted("[ENERGY]", ["RULE R1", "IF TANK T9 LEVEL > 5"]),
        "[RULES]",
        ["unknown node 'T9' in a rule"],
    ),
    (
        "rule-bad-clock-time",
        lambda: inserted("[ENERGY]", ["RULE R1", "IF SYSTEM CLOCKTIME >= 25 PM"]),
        "[RULES]",
        ["not a valid time"],
    ),
]


@pytest.mark.parametrize(
    ("edit", "section", "fragments"),
    [case[1:] for case in LINE_CASES],
    ids=[case[0] for case in LINE_CASES],
)
def test_malformed_line_names_file_line_and_problem(tmp_path, edit, section, fragments):
    lines, line = edit()
    path = save(tmp_path, lines)
    expect_error(path, line, section, *fragments)


def test_truncated_file_reports_the_cut_line(tmp_path):
    text = NET1.read_text()
    cut = text.index(" 12              \t12              \t13") + 40  # inside pipe 12
    path = save(tmp_path, text[:cut])
    line = text[:cut].count("\n") + 1
    expect_error(path, line, "[PIPES]", "too few fields")


def test_unknown_section_header(tmp_path):
    lines, line = inserted("[PUMPS]", ["[PIPEZ]"])
    expect_error(save(tmp_path, lines), line, None, "unknown section header '[PIPEZ]'")


def test_text_before_first_section(tmp_path):
    path = save(tmp_path, ["junk before anything", *net1_lines()])
    expect_error(path, 1, None, "before the first")


def test_no_reservoir_or_tank(tmp_path):
    text = TINY.replace("[RESERVOIRS]\nR1 50\n", "").replace("P1 R1 J1 100 200 100\n", "")
    expect_error(save(tmp_path, text), None, None, "no reservoir or tank")


def test_rule_without_then_at_end_of_file(tmp_path):
    lines, line = inserted("[ENERGY]", ["RULE R1", "IF TANK 2 LEVEL > 140"])
    expect_error(save(tmp_path, lines), line - 1, "[RULES]", "rule 'R1' has no THEN clause")


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"], ids=["zero-bytes", "blank-lines"])
def test_empty_file(tmp_path, text):
    expect_error(save(tmp_path, text), None, None, "file is empty")


def test_comments_only_file(tmp_path):
    expect_error(save(tmp_path, ";just a comment\n"), None, None, "no [SECTION] headers")


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nowhere.inp", None, None, "file not found")


def test_directory_instead_of_file(tmp_path):
    folder = tmp_path / "folder.inp"
    folder.mkdir()
    expect_error(folder, None, None, "cannot read file")


def test_undecodable_with_forced_encoding(tmp_path):
    path = tmp_path / "net.inp"
    path.write_bytes(TINY.replace("J2", "J\xe9").encode("latin-1"))
    with pytest.raises(NetworkInputError, match="cannot decode"):
        load_network(path, encoding="ascii")


def test_wntr_error_is_attributed_to_the_line_wntr_was_reading(tmp_path):
    # Curve 1 is a pump curve (x 1500, y 250); as the tank's volume curve its range
    # excludes the tank's levels, which our checks do not test but WNTR does.
    lines, line = replaced("[TANKS]", ("2",), " 2 850 120 100 150 50.5 0 1")
    err = expect_error(save(tmp_path, lines), line, "[TANKS]", "WNTR could not read this")
    assert "volume curve" in err.problem


def test_error_text_and_pickling():
    err = NetworkInputError("net.inp", 42, "[PIPES]", "unknown node 'J9' in link 'P3'")
    assert str(err) == "net.inp, line 42 [PIPES]: unknown node 'J9' in link 'P3'"
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.line, again.section, again.problem) == (
        Path("net.inp"),
        42,
        "[PIPES]",
        "unknown node 'J9' in link 'P3'",
    )
    assert str(NetworkInputError("a/b.inp", None, None, "file is empty")) == "b.inp: file is empty"


def test_first_bad_line_in_file_order_wins(tmp_path):
    lines = net1_lines()
    late = find(lines, "122")
    early = find(lines, "12")
    lines[late] = " 122 22 J9 5280 6 100"
    lines[early] = " 12 700 oops"
    expect_error(save(tmp_path, lines), early + 1, "[JUNCTIONS]", "not a number")
