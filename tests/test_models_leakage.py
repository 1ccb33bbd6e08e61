"""EPANET 2.3 [LEAKAGE]: reading, unit conversion (checked against owa-epanet), writing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import wntr

from benchmarks.networks import WNTR_LIBRARY
from models import Network, load_network, write_inp

M_PER_FT = 0.3048
MM_PER_IN = 25.4

# Reservoir -> J1 -> J2 -> (valve) -> J3; pipe P2 leaks. Geometry in SI.
SI_NETWORK = """[TITLE]
leakage test
[JUNCTIONS]
J1 0 0
J2 0 0
J3 0 0.1
[RESERVOIRS]
R 50
[PIPES]
P1 R J1 10 1000 130
P2 J1 J2 1000 300 130
[VALVES]
V1 J2 J3 300 TCV 0
[LEAKAGE]
{leakage}
[OPTIONS]
UNITS LPS
HEADLOSS H-W
[TIMES]
DURATION 0
[END]
"""


def us_network(leakage: str) -> str:
    """The same physical network in US units (GPM, ft, in)."""
    text = SI_NETWORK.replace("UNITS LPS", "UNITS GPM").replace("R 50", f"R {50 / M_PER_FT!r}")
    text = text.replace(
        "P1 R J1 10 1000 130", f"P1 R J1 {10 / M_PER_FT!r} {1000 / MM_PER_IN!r} 130"
    )
    text = text.replace(
        "P2 J1 J2 1000 300 130", f"P2 J1 J2 {1000 / M_PER_FT!r} {300 / MM_PER_IN!r} 130"
    )
    text = text.replace("V1 J2 J3 300", f"V1 J2 J3 {300 / MM_PER_IN!r}")
    return text.format(leakage=leakage).replace("J3 0 0.1", "J3 0 1.585")


def save(tmp_path, text: str, name: str = "net.inp"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_si_values_are_kept(tmp_path):
    net = load_network(save(tmp_path, SI_NETWORK.format(leakage="P2 10 0.5")))
    assert net.pipe_leakage.index.name == "pipe"
    assert net.pipe_leakage.loc["P2"].tolist() == [10.0, 0.5]


def test_us_values_become_per_100_m(tmp_path):
    net = load_network(save(tmp_path, us_network("P2 3.048 0.1524")))
    area, expansion = net.pipe_leakage.loc["P2"]
    assert area == pytest.approx(10.0, rel=1e-12)  # 3.048 mm2 / 100 ft = 10 mm2 / 100 m
    assert expansion == pytest.approx(0.5, rel=1e-12)


def test_no_leakage_section_gives_empty_table(tmp_path):
    net = load_network(save(tmp_path, SI_NETWORK.replace("[LEAKAGE]\n{leakage}\n", "")))
    assert net.pipe_leakage.empty
    assert list(net.pipe_leakage.columns) == ["leak_area_mm2_per_100m", "leak_expansion_mm2_per_m"]


def test_leakage_on_a_valve_is_ignored_with_a_warning(tmp_path):
    net = load_network(save(tmp_path, SI_NETWORK.format(leakage="V1 10 0.5\nP2 1 0")))
    assert net.pipe_leakage.index.tolist() == ["P2"]
    assert any("valve 'V1'" in w for w in net.warnings)


def test_repeated_pipe_last_line_wins(tmp_path):
    net = load_network(save(tmp_path, SI_NETWORK.format(leakage="P2 1 0\nP2 2 0.25")))
    assert net.pipe_leakage.loc["P2"].tolist() == [2.0, 0.25]
    assert any("given again" in w for w in net.warnings)


def _epanet_leak_m3_per_s(path, tmp_path) -> tuple[float, float, float]:
    """EPANET 2.3's leak flow of P2 (m3/s) and its end pressures (m), steady state."""
    tk = pytest.importorskip("epanet.toolkit")
    project = tk.createproject()
    tk.open(project, str(path), str(tmp_path / "report.rpt"), "")
    try:
        tk.solveH(project)
        flow = tk.getlinkvalue(project, tk.getlinkindex(project, "P2"), tk.LINK_LEAKAGE)
        heads = [
            tk.getnodevalue(project, tk.getnodeindex(project, n), tk.PRESSURE) for n in ("J1", "J2")
        ]
        us = tk.getflowunits(project) in (tk.CFS, tk.GPM, tk.MGD, tk.IMGD, tk.AFD)
    finally:
        tk.close(project)
        tk.deleteproject(project)
    if us:  # GPM and psi -> m3/s and m of water
        flow *= M_PER_FT**3 / 448.831
        heads = [p / 0.4333 * M_PER_FT for p in heads]
    else:  # LPS, m
        flow /= 1000
    return flow, heads[0], heads[1]


def test_converted_us_values_give_epanets_leak_in_an_si_file(tmp_path):
    # The table's SI values, written into the SI twin of a US file, must make EPANET
    # 2.3 compute the same leak as the US file itself does.
    us_path = save(tmp_path, us_network("P2 3.0 0.05"), "us.inp")
    area, expansion = load_network(us_path).pipe_leakage.loc["P2"]
    si_path = save(tmp_path, SI_NETWORK.format(leakage=f"P2 {area!r} {expansion!r}"), "si.inp")
    us_flow, _, _ = _epanet_leak_m3_per_s(us_path, tmp_path)
    si_flow, _, _ = _epanet_leak_m3_per_s(si_path, tmp_path)
    assert us_flow > 0
    assert si_flow == pytest.approx(us_flow, rel=1e-4)


def test_documented_favad_formula_matches_epanet(tmp_path):
    # Network docstring: Q = 0.6 sqrt(2g) (L/100) (area + expansion H) 1e-6 sqrt(H),
    # half of the pipe to each end node. EPANET uses g = 32.2 ft/s2.
    path = save(tmp_path, SI_NETWORK.format(leakage="P2 10 0.5"))
    table = load_network(path).pipe_leakage
    flow, h1, h2 = _epanet_leak_m3_per_s(path, tmp_path)
    area, expansion = table.loc["P2"]
    orifice = 0.6 * math.sqrt(2 * 32.2 * M_PER_FT)
    expected = sum(
        orifice * (1000 / 100) / 2 * (area + expansion * h) * 1e-6 * math.sqrt(h) for h in (h1, h2)
    )
    assert flow == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize("units", ["SI", "US"])
def test_write_inp_round_trips_leakage(tmp_path, units):
    text = SI_NETWORK.format(leakage="P2 10 0.5") if units == "SI" else us_network("P2 3 0.05")
    net = load_network(save(tmp_path, text))
    written = write_inp(net, tmp_path / "out.inp")
    again = load_network(written)
    pd.testing.assert_frame_equal(again.pipe_leakage, net.pipe_leakage, rtol=1e-12)
    # Values in the file are in the file's own units again.
    section = written.read_text().split("[LEAKAGE]")[1].splitlines()
    fields = next(line.split() for line in section if line.startswith("P2"))
    expected = [10.0, 0.5] if units == "SI" else [3.0, 0.05]
    assert [float(v) for v in fields[1:]] == pytest.approx(expected, rel=1e-12)


def test_write_inp_from_wn_with_leakage(tmp_path):
    wn = wntr.network.WaterNetworkModel(str(WNTR_LIBRARY / "Net1.inp"))
    table = pd.DataFrame(
        {"leak_area_mm2_per_100m": [4.0], "leak_expansion_mm2_per_m": [0.2]},
        index=pd.Index(["10"], name="pipe"),
    )
    again = load_network(write_inp(Network.from_wn(wn, table), tmp_path / "out.inp"))
    assert np.allclose(again.pipe_leakage.loc["10"].to_numpy(), [4.0, 0.2], rtol=1e-12)


@pytest.mark.parametrize(("pipe", "area"), [("NOPE", 1.0), ("P2", -1.0), ("P2", float("nan"))])
def test_write_inp_refuses_bad_tables_and_writes_nothing(tmp_path, pipe, area):
    net = load_network(save(tmp_path, SI_NETWORK.format(leakage="P2 10 0.5"), "in.inp"))
    net.pipe_leakage = pd.DataFrame(
        {"leak_area_mm2_per_100m": [area], "leak_expansion_mm2_per_m": [0.1]},
        index=pd.Index([pipe], name="pipe"),
    )
    with pytest.raises(ValueError):
        write_inp(net, tmp_path / "out.inp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.inp"]
