"""The open-network and cold-start benchmark tools measure what they say (small networks)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from application.warmup import NET1, warm
from benchmarks.cold_start import _env, first_answer
from benchmarks.open_network import time_epanet, time_ours


def test_open_network_timers_agree_with_epanet_on_net1():
    ep = time_epanet(NET1, repeat=1)
    ours = time_ours(NET1, repeat=1)
    assert 0 < ep["open_s"] <= ep["total_s"]
    assert 0 < ours["load_s"] <= ours["total_s"]
    assert ours["fast"] and ours["n_junctions"] == 9
    assert np.max(np.abs(ours["head_m"] - ep["head_m"])) < 1e-3


@pytest.mark.slow
def test_cold_start_child_reports_its_split():
    wall_s, split = first_answer(NET1, _env())
    assert len(split) == 3 and all(s >= 0 for s in split)
    assert wall_s >= split[0] + split[1]


@pytest.mark.slow
def test_warmup_runs_on_net1():
    out = io.StringIO()
    warm([NET1], out=out)
    assert "warm-up: Net1.inp" in out.getvalue()
