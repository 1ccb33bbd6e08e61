"""Leakage in the core: EPANET 2.3 FAVAD pipe leakage and WNTR orifice leaks.

References: EPANET 2.3.5 (owa-epanet) for pipe leakage, on networks where EPANET 2.3 and
2.2 agree without leakage; WNTR's WNTRSimulator for ``add_leak`` orifice leaks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import wntr

from benchmarks.leakage_accuracy import epanet23_node_results
from benchmarks.networks import network_path
from models import Network, load_network
from simulation import NumbaSimulator


def _with_leakage(name, hours, area=1.0, expansion=0.01):
    net = load_network(network_path(name)).copy()
    net.wn.options.time.duration = hours * 3600
    table = pd.DataFrame({"leak_area_mm2_per_100m": area,
                          "leak_expansion_mm2_per_m": expansion},
                         index=pd.Index(net.wn.pipe_name_list))
    return Network.from_wn(net.wn, pipe_leakage=table)


@pytest.mark.parametrize("name", ["Net1", "Net3"])
def test_pipe_leakage_matches_epanet_23(name):
    net = _with_leakage(name, 24)
    ours = NumbaSimulator(net).run_sim()
    ref = epanet23_node_results(net)
    t = ours.node["head"].index.intersection(ref["head"].index)
    assert len(t) == 25
    cols = ours.node["head"].columns
    dh = (ours.node["head"].loc[t] - ref["head"].loc[t, cols]).abs().to_numpy()
    assert dh.max() <= 0.01
    q = ours.node["leak_demand"].loc[t].sum(axis=1)
    qr = ref["leak_demand"].loc[t, cols].sum(axis=1)
    assert float(((q - qr).abs() / qr).max()) <= 1e-3
    assert float(qr.min()) > 0.0
    # pipe leakage (link results) adds up to the node leakage
    assert np.allclose(ours.link["leak"].loc[t].sum(axis=1), q, rtol=1e-3)


def test_leakage_grows_with_pressure_and_expansion():
    base = NumbaSimulator(_with_leakage("Net1", 0, 1.0, 0.0)).run_sim()
    more = NumbaSimulator(_with_leakage("Net1", 0, 1.0, 0.05)).run_sim()
    q0 = base.node["leak_demand"].iloc[0]
    q1 = more.node["leak_demand"].iloc[0]
    assert (q1[q0 > 0] > q0[q0 > 0]).all()
    p = base.node["pressure"].iloc[0]
    j = [n for n in q0.index if q0[n] > 0]
    # fixed-area leakage is proportional to sqrt(pressure) times the leaking length
    assert np.corrcoef(np.sqrt(p[j].clip(lower=0)), q0[j])[0, 1] > 0


def test_orifice_leaks_match_wntr_simulator():
    wn = wntr.network.WaterNetworkModel(str(network_path("Net3")))
    wn.options.time.duration = 24 * 3600
    leaks = ["123", "185", "231"]
    for i, n in enumerate(leaks):
        wn.get_node(n).add_leak(wn, area=0.0005 * (i + 1), discharge_coeff=0.75,
                                start_time=(2 + 3 * i) * 3600, end_time=(10 + 3 * i) * 3600)
    ours = NumbaSimulator(wn).run_sim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = wntr.sim.WNTRSimulator(wn).run_sim()
    h = ours.node["head"]
    dh = (h - ref.node["head"].loc[h.index, h.columns]).abs().to_numpy()
    assert dh.max() <= 0.01
    q = ours.node["leak_demand"][leaks]
    qr = ref.node["leak_demand"].loc[q.index, leaks]
    assert float((q - qr).abs().max().max()) < 1e-5
    # each leak flows only between its start and end
    assert float(q["123"].loc[0]) == 0.0 and float(q["123"].loc[5 * 3600]) > 0.0
    assert float(q["123"].loc[11 * 3600]) == 0.0
