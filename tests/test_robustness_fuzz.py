"""Large fuzzing run (issue: robustness): 10,000 mutated INP files, CI-bounded.

Every case ends in a loaded ``Network`` or a ``NetworkInputError`` -- never another
exception or a hang (each case has a time limit). One loaded network in ten is also
simulated for an hour: it runs, or fails with ``ConvergenceError`` or a ``ValueError`` that
names the problem, never a crash from inside the kernels.
"""

from __future__ import annotations

import signal
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.networks import WNTR_LIBRARY
from models import Network, NetworkInputError, load_network
from simulation import ConvergenceError, NumbaSimulator
from tests.test_models_fuzz import NASTY, RULES_AND_LEAKAGE, mutate

SEEDS = [(WNTR_LIBRARY / "Net1.inp").read_text(), (WNTR_LIBRARY / "Net3.inp").read_text(),
         RULES_AND_LEAKAGE]
CASE_LIMIT_S = 20

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("field"), st.integers(0, 10_000), st.integers(0, 9),
              st.one_of(st.sampled_from(NASTY), st.text(max_size=6),
                        st.floats(allow_nan=True, allow_infinity=True).map(repr),
                        st.integers(-10**12, 10**12).map(str))),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
)


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout(f"case ran over {CASE_LIMIT_S} s")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz10k")


counter = {"n": 0}


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(seed=st.sampled_from(SEEDS), edits=st.lists(mutation, min_size=1, max_size=5),
       encoding=st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252", "gb18030"]))
def test_ten_thousand_mutated_files(folder, seed, edits, encoding):
    path = folder / "case.inp"
    path.write_bytes(mutate(seed, edits).encode(encoding, errors="replace"))
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_LIMIT_S)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = load_network(path)
            except NetworkInputError as err:
                result = err
            assert isinstance(result, (Network, NetworkInputError))
            counter["n"] += 1
            if isinstance(result, Network) and counter["n"] % 10 == 0:
                result.wn.options.time.duration = min(result.wn.options.time.duration, 3600)
                try:
                    NumbaSimulator(result).run_sim()
                except (ConvergenceError, ValueError) as err:
                    assert str(err)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
