"""Mutated files end in a Network or a NetworkInputError, never another exception.

A quick smoke version of the project's large fuzzing run: a few hundred mutations of
Net1 and of a file with rules, times and leakage (deleted, duplicated, swapped lines,
fields replaced by text, NaN, huge or negative numbers, truncation, odd encodings).
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.networks import WNTR_LIBRARY
from models import Network, NetworkInputError, load_network

RULES_AND_LEAKAGE = """[JUNCTIONS]
J1 10 1 PAT
J2 5 1
[RESERVOIRS]
R1 50
[TANKS]
T1 40 3 1 6 10 0 * NO
[PIPES]
P1 R1 J1 100 200 100
P2 J1 J2 100 200 100 0 CV
P3 J2 T1 100 200 100
[PUMPS]
PU1 R1 J2 HEAD C1 SPEED 1
[VALVES]
V1 J1 T1 100 TCV 2
[PATTERNS]
PAT 1 1.2 0.8
[CURVES]
C1 10 30
[LEAKAGE]
P1 2.5 0.1
P3 1 0
[CONTROLS]
LINK PU1 OPEN AT CLOCKTIME 6 AM
LINK V1 CLOSED IF NODE T1 ABOVE 5
[RULES]
RULE 1
IF SYSTEM CLOCKTIME >= 8 PM
OR TANK T1 LEVEL BELOW 2
THEN PUMP PU1 STATUS IS OPEN
ELSE PUMP PU1 STATUS IS CLOSED
PRIORITY 1
[TIMES]
DURATION 24 HOURS
HYDRAULIC TIMESTEP 15 MIN
START CLOCKTIME 12 PM
[OPTIONS]
UNITS LPS
HEADLOSS H-W
[END]
"""

SEEDS = [(WNTR_LIBRARY / "Net1.inp").read_text(), RULES_AND_LEAKAGE]
NASTY = ["abc", "NaN", "nan", "inf", "-inf", "1e308", "1e400", "-5", "0", "-0", "9" * 40,
         "", ";", "[", "[PIPES]", "[LEAKAGE]", "1:2:3:4", "13 PM", "J9", "CV", "AM", "RULE",
         "IF", "THEN", "*", "TIME", "CLOCKTIME", "SYSTEM", "\x00", "é", "水"]  # fmt: skip

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(
        st.just("field"),
        st.integers(0, 10_000),
        st.integers(0, 9),
        st.one_of(st.sampled_from(NASTY), st.text(max_size=6)),
    ),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
)


def mutate(text: str, edits) -> str:
    lines = text.split("\n")
    for edit in edits:
        if not lines:
            break
        i = edit[1] % len(lines) if edit[0] != "truncate" else 0
        if edit[0] == "delete":
            del lines[i]
        elif edit[0] == "duplicate":
            lines.insert(i, lines[i])
        elif edit[0] == "swap":
            j = edit[2] % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif edit[0] == "field":
            fields = lines[i].split()
            if fields:
                fields[edit[2] % len(fields)] = edit[3]
                lines[i] = " ".join(fields)
        else:
            joined = "\n".join(lines)
            lines = joined[: int(len(joined) * edit[1])].split("\n")
    return "\n".join(lines)


def outcome(path) -> Network | NetworkInputError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return load_network(path)
        except NetworkInputError as err:
            return err


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(mutation, min_size=1, max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-le", "latin-1", "cp1252"]),
)
def test_mutated_files_give_network_or_input_error(folder, seed, edits, encoding):
    path = folder / "case.inp"
    path.write_bytes(mutate(seed, edits).encode(encoding, errors="replace"))
    result = outcome(path)
    assert isinstance(result, (Network, NetworkInputError))
    if isinstance(result, NetworkInputError):
        assert result.path == path and result.problem
        assert result.line is None or result.line >= 1


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=300))
def test_random_bytes_give_input_error(folder, data):
    path = folder / "bytes.inp"
    path.write_bytes(data)
    assert isinstance(outcome(path), NetworkInputError)


def test_seed_with_rules_times_and_leakage_loads(folder):
    path = folder / "seed.inp"
    path.write_text(RULES_AND_LEAKAGE)
    net = load_network(path)
    assert net.pipe_leakage.index.tolist() == ["P1", "P3"]
    assert net.wn.options.time.hydraulic_timestep == 900
    assert net.wn.options.time.start_clocktime == 12 * 3600
