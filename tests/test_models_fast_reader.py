"""The fast INP reader gives the WNTR path's model, arrays, warnings and errors.

Every network of the WNTR package (library and test networks), ``tests/data/networks``
and ``../shared/networks`` (+ ``more/``) is read both ways (``load_network(fast=True)``,
then ``compile_model``; ``load_network(fast=False)``, then ``compile_network``) and every
field of the two ``CompiledNetwork`` must be equal bit for bit. Big models are slow-marked.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from benchmarks.networks import LOCAL_NETWORKS, SHARED_NETWORKS, WNTR_LIBRARY, WNTR_TESTING
from models import NetworkInputError, load_network
from models import inp_kernels as K
from simulation import (
    NumbaSimulator,
    SteadyStateSolver,
    compile_inp,
    compile_model,
    compile_network,
)

_BIG = {"bwsn_network2", "pacific_city", "cy-dbp", "ky23_v", "ky8_v", "ky21_v", "Net6",
        "Net6_plus"}


def _files():
    out = []
    for folder in (WNTR_LIBRARY, WNTR_TESTING, LOCAL_NETWORKS, SHARED_NETWORKS,
                   SHARED_NETWORKS / "more"):
        if folder.is_dir():
            out += sorted(folder.glob("*.inp"))
    return out


def _params():
    return [pytest.param(p, id=f"{p.parent.name}/{p.stem}",
                         marks=[pytest.mark.slow] if p.stem in _BIG else [])
            for p in _files()]


def assert_same_compiled(a, b) -> None:
    """Every array and scalar of two CompiledNetworks equal (NaN equal to NaN)."""
    for part in ("net", "opt", "sm"):
        pa, pb = getattr(a, part), getattr(b, part)
        assert pa._fields == pb._fields
        for name in pa._fields:
            x, y = getattr(pa, name), getattr(pb, name)
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype and x.shape == y.shape, f"{part}.{name}"
                assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f"{part}.{name}"
            else:
                assert x == y or (x != x and y != y), f"{part}.{name}: {x!r} != {y!r}"
    for name in ("node_names", "link_names", "junction_names", "node_index", "link_index",
                 "warnings"):
        assert getattr(a, name) == getattr(b, name), name
    assert np.array_equal(a.pipe_roughness_si, b.pipe_roughness_si, equal_nan=True)
    assert vars(a.units) == vars(b.units)
    assert repr(a.ctl) == repr(b.ctl)
    assert repr(a.rules) == repr(b.rules)


@pytest.mark.parametrize("path", _params())
def test_fast_reader_matches_wntr_path(path):
    try:
        slow = load_network(path, fast=False)
    except NetworkInputError as exc:
        with pytest.raises(NetworkInputError) as caught:
            load_network(path)
        assert str(caught.value) == str(exc)
        return
    fast = load_network(path)
    assert fast.warnings == slow.warnings
    assert fast.pipe_leakage.equals(slow.pipe_leakage)
    try:
        expected = compile_network(slow.wn, slow.pipe_leakage)
    except ValueError as exc:  # an invalid pump curve: the same error both ways
        with pytest.raises(ValueError, match=str(exc)[:20]):
            compile_model(fast)
        return
    assert_same_compiled(compile_model(fast), expected)
    assert fast.arrays is not None or path.parent == WNTR_TESTING  # real models: fast path


def test_shared_models_use_the_fast_reader():
    for path in _files():
        if path.parent != WNTR_TESTING and path.stem not in _BIG:
            assert load_network(path).arrays is not None, path.name


def test_same_results_both_paths():
    path = WNTR_LIBRARY / "Net3.inp"
    fast, slow = load_network(path), load_network(path, fast=False)
    a, b = SteadyStateSolver(fast).base, SteadyStateSolver(slow).base
    assert np.array_equal(a.head_m, b.head_m) and np.array_equal(a.flow_m3s, b.flow_m3s)
    ra = NumbaSimulator(load_network(WNTR_LIBRARY / "Net1.inp")).run_sim()
    rb = NumbaSimulator(load_network(WNTR_LIBRARY / "Net1.inp", fast=False)).run_sim()
    assert ra.node["pressure"].equals(rb.node["pressure"])
    assert ra.link["flowrate"].equals(rb.link["flowrate"])
    assert fast.arrays is not None  # the solvers did not build the WNTR model


def test_wntr_model_is_built_on_first_use_and_edits_count(tmp_path):
    net = load_network(WNTR_LIBRARY / "Net1.inp")
    assert net.arrays is not None and net.name.endswith("Net1.inp")
    before = compile_model(net)
    net.wn.get_node("10").elevation += 10.0  # builds the model, then edits it
    assert net.arrays is None
    after = compile_model(net)
    i = after.node_index["10"]
    assert after.net.el[i] == pytest.approx(before.net.el[i] + 10.0 / 0.3048)
    copy = load_network(WNTR_LIBRARY / "Net1.inp").copy()
    assert copy.arrays is not None and copy.wn.num_junctions == 9


def test_compile_inp_reads_and_compiles():
    cn = compile_inp(WNTR_LIBRARY / "Net2.inp")
    assert_same_compiled(cn, compile_network(load_network(WNTR_LIBRARY / "Net2.inp",
                                                          fast=False).wn))


def _variant(tmp_path, old: str, new: str):
    text = (WNTR_LIBRARY / "Net1.inp").read_text()
    assert old in text
    path = tmp_path / "variant.inp"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old,new", [
    (" 11              \t11              \t12              \t5280",
     " 11              \t11              \t12              \tlong"),        # bad length
    (" 11              \t11              \t12", " 11              \t11              \t99"),
    (" 10              \t710", " 11              \t710"),                  # duplicate ID
    ("[COORDINATES]\n", "[COORDINATES]\n 10  1e999  2\n"),                 # out of range
    ("[DEMANDS]\n", "[DEMANDS]\n 2   1.5\n"),                               # demand on a tank
])
def test_bad_bulk_lines_report_the_wntr_path_error(tmp_path, old, new):
    path = _variant(tmp_path, old, new)
    try:
        expected = load_network(path, fast=False)
    except NetworkInputError as exc:
        with pytest.raises(NetworkInputError) as caught:
            load_network(path)
        assert str(caught.value) == str(exc) and caught.value.line is not None
        return
    got = load_network(path)  # accepted with a warning: read the WNTR way
    assert got.arrays is None and got.warnings == expected.warnings


@pytest.mark.parametrize("old,new", [
    ("[PIPES]\n", "[PIPES]\n P99  10  11  100  12  100  cv\n"),           # status word
    (" 10              \t710", " 10\u3000\t710"),                          # Unicode space
    ("[JUNCTIONS]\n", "[JUNCTIONS]\n J98  700  1  1  extra  fields\n"),
])
def test_unusual_forms_fall_back_or_match(tmp_path, old, new):
    path = _variant(tmp_path, old, new)
    try:
        slow = load_network(path, fast=False)
    except NetworkInputError as exc:
        with pytest.raises(NetworkInputError, match=str(exc.problem)[:20]):
            load_network(path)
        return
    assert_same_compiled(compile_model(load_network(path)),
                         compile_network(slow.wn, slow.pipe_leakage))


def test_demands_override_junction_demand_in_file_order(tmp_path):
    path = _variant(tmp_path, "[DEMANDS]\n", "[DEMANDS]\n 12  3.5  1 ;a\n 21 1\n 12  -1\n")
    fast, slow = load_network(path), load_network(path, fast=False)
    assert fast.arrays is not None
    assert_same_compiled(compile_model(fast), compile_network(slow.wn))
    cn = compile_model(fast)
    j = cn.node_index["12"]
    assert cn.net.dem_ptr[j + 1] - cn.net.dem_ptr[j] == 2


def test_chinese_names_and_ideographic_spaces_in_comments(tmp_path):
    text = (WNTR_LIBRARY / "Net1.inp").read_text()
    text = text.replace("[JUNCTIONS]\n", "[JUNCTIONS]\n 水厂J\t700\t1 ;\u3000进水\n")
    text = text.replace("[PIPES]\n", "[PIPES]\n 管1\t水厂J\t10\t100\t12\t100 ;\u3000新\n")
    text = text.replace("[DEMANDS]\n", "[DEMANDS]\n 12  1.5  ;\u3000居民\n")
    path = tmp_path / "gbk.inp"
    path.write_bytes(text.encode("gb18030"))
    fast, slow = load_network(path), load_network(path, fast=False)
    assert fast.arrays is not None and fast.arrays.junction_names[0] == "水厂J"
    assert fast.warnings == slow.warnings
    assert_same_compiled(compile_model(fast), compile_network(slow.wn))


def test_crlf_and_comment_only_lines(tmp_path):
    text = (WNTR_LIBRARY / "Net1.inp").read_text().replace("\n", "\r\n")
    path = tmp_path / "crlf.inp"
    path.write_bytes(text.replace("[PIPES]", "[PIPES]\r\n ; note\r\n\r").encode())
    fast, slow = load_network(path), load_network(path, fast=False)
    assert fast.arrays is not None
    assert_same_compiled(compile_model(fast), compile_network(slow.wn))


def test_number_kernel_equals_float():
    rng = random.Random(3)
    tokens = ["0", "-0", "+.5", "5.", "1e5", "1E-05", "12345678901234567890", "0.1",
              "1e-400", "1e308", "2.675", "007", "-0.000123"]
    tokens += [repr(rng.uniform(-1e4, 1e4)) for _ in range(2000)]
    tokens += [f"{rng.uniform(0, 2000):.{rng.randint(0, 9)}f}" for _ in range(2000)]
    tokens += [f"{rng.uniform(0, 9):.6e}" for _ in range(500)]
    bad = ["", "-", ".", "e5", "1e", "1.2.3", "nan", "inf", "0x10", "1_0", "+-1", "1e+"]
    all_tokens = tokens + bad
    buf = np.frombuffer(" ".join(all_tokens).encode(), dtype=np.uint8)
    starts, pos = [], 0
    for t in all_tokens:
        starts.append(pos)
        pos += len(t) + 1
    start = np.array(starts, dtype=np.int64)
    end = start + np.array([len(t) for t in all_tokens], dtype=np.int64)
    values, status = K.parse_numbers(buf, start, end, K.POW10)
    for i, t in enumerate(tokens):
        assert status[i] != K.NUMBER_BAD, t
        if status[i] == K.NUMBER_OK:
            assert values[i] == float(t) and np.signbit(values[i]) == np.signbit(float(t)), t
    assert (status[len(tokens):] == K.NUMBER_BAD).all()


def test_network_options_without_building_the_model():
    net = load_network(WNTR_LIBRARY / "Net1.inp")
    assert net.options.hydraulic.inpfile_units == "GPM"
    assert "not built" in repr(net) and net.arrays is not None


# ---- control characters in IDs: both readers refuse them, naming the line ----------------
def _chain_text(n: int = 40) -> str:
    lines = ["[JUNCTIONS]"] + [f" J{i}  {100 + i}  1" for i in range(n)]
    lines += ["[RESERVOIRS]", " R  200", "[PIPES]", " P0  R  J0  100  200  100"]
    lines += [f" P{i}  J{i - 1}  J{i}  100  200  100" for i in range(1, n)]
    lines += ["[COORDINATES]", " R  0  0"] + [f" J{i}  {i + 1}  0" for i in range(n)]
    lines += ["[DEMANDS]"] + [f" J{i}  0.5" for i in range(0, n, 3)]
    return "\n".join(lines + ["[END]", ""])


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
@pytest.mark.parametrize("old,new", [
    (" J30  130", " J3{c}0  130"),          # a junction ID (not in the skeleton)
    (" P30  J29", " P3{c}0  J29"),          # a pipe ID
    (" J33  0.5", " J3{c}3  0.5"),          # a demand's node
    (" J33  34  0", " J3{c}3  34  0"),      # a coordinate's node: ignored with a warning
])
def test_control_characters_in_ids_refused_on_both_paths(tmp_path, char, old, new):
    from models.inp_fast import read_arrays
    from models.inp_io import parse_with_wntr

    plain = tmp_path / "plain.inp"
    plain.write_text(_chain_text())
    assert load_network(plain).arrays is not None  # the file without it is read fast
    text = _chain_text()
    assert old in text
    text = text.replace(old, new.format(c=char), 1)
    path = tmp_path / "ctl.inp"
    path.write_bytes(text.encode("utf-8"))
    assert read_arrays(text, path, parse_with_wntr) is None  # the checked path reads it
    line = next(i for i, raw in enumerate(text.split("\n"), 1) if new.format(c=char) in raw)
    if "34  0" in old:  # EPANET and WNTR skip coordinates of an unknown node
        slow, fast = load_network(path, fast=False), load_network(path)
        assert fast.arrays is None and fast.warnings == slow.warnings
        assert f"line {line} [COORDINATES]: coordinates of unknown node" in fast.warnings[0]
        return
    with pytest.raises(NetworkInputError) as slow:
        load_network(path, fast=False)
    with pytest.raises(NetworkInputError) as fast:
        load_network(path)
    assert str(fast.value) == str(slow.value) and slow.value.line == line
    if old.startswith((" J30", " P30")):  # an ID the line defines: the control character named
        assert f"U+{ord(char):04X}" in str(slow.value) and "printable" in str(slow.value)
