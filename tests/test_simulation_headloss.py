"""simulation.headloss: the core's loss laws in SI agree with the core's own solution."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.networks import network_path
from models import load_network
from simulation import NumbaSimulator
from simulation.headloss import pipe_losses, pump_gradient
from simulation.kernels import constants as C


def test_pipe_losses_match_the_solved_heads():
    """At a solved state, every open pipe's loss (m) is its end heads' difference, and the
    law r |q|^n + m q^2 gives the loss back."""
    net = load_network(network_path("Net3"))
    sim = NumbaSimulator(net)
    res = sim.run_sim()
    cn = sim.compiled
    t = res.link["flowrate"].index[3]
    flow = res.link["flowrate"].loc[t, cn.link_names].to_numpy()
    head = res.node["head"].loc[t, cn.node_names].to_numpy()
    status = res.link["status"].loc[t, cn.link_names].to_numpy()
    losses = pipe_losses(cn, flow)
    pipe = (cn.net.ltype == C.PIPE) & (status > 0) & (np.abs(flow) > 1e-4)
    dh = head[cn.net.n1] - head[cn.net.n2]
    assert pipe.sum() > 50
    np.testing.assert_allclose(losses.loss_m[pipe], dh[pipe], atol=2e-3)
    law = losses.r * np.abs(flow) ** losses.n + losses.m * flow ** 2
    np.testing.assert_allclose(law[pipe], np.abs(losses.loss_m[pipe]), rtol=1e-9)
    assert (losses.gradient[pipe] > 0).all()
    assert (losses.loss_m[~(cn.net.ltype == C.PIPE)] == 0).all()


def test_pump_gradient_is_the_head_curve_slope():
    """Net3's pumps have three-point curves: the solver's slope is that of EPANET's power
    curve through them, h = h0 - b q^c (SI), scaled by the speed."""
    net = load_network(network_path("Net3"))
    cn = NumbaSimulator(net).compiled
    for name, pump in net.wn.pumps():
        (_, h0), (q1, h1), (q2, h2) = pump.get_pump_curve().points
        c = np.log((h0 - h2) / (h0 - h1)) / np.log(q2 / q1)
        b = (h0 - h1) / q1 ** c
        for q, speed in ((0.5 * q1, 1.0), (q2, 1.0), (q1, 0.8)):
            expected = b * c * speed ** (2.0 - c) * q ** (c - 1.0)
            got = pump_gradient(cn, cn.link_index[name], q, speed)
            assert got == pytest.approx(expected, rel=2e-3), (name, q, speed)
