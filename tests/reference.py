"""EPANET 2.2 reference runs for tests (wntr's EpanetSimulator, in a temporary folder)."""

from __future__ import annotations

import os
import tempfile
import warnings

import numpy as np
import wntr


def epanet22(wn):
    """Run ``wntr.sim.EpanetSimulator`` on ``wn`` inside a temporary folder.

    EPANET writes scratch files in its working folder; keeping them in a temporary
    folder leaves nothing behind.
    """
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=os.path.join(d, "ref"))


def head_errors(ours, ref, mask=None) -> np.ndarray:
    """|head - reference head| (m) over report times and nodes (optionally masked)."""
    h = ours.node["head"]
    hr = ref.node["head"].reindex(index=h.index, columns=h.columns)
    err = (h - hr).abs().to_numpy()
    if mask is not None:
        err = err[mask]
    return err.ravel()


def set_pda(wn, minimum_m=0.0, required_m=20.0):
    """Switch a model to EPANET 2.2 pressure-driven analysis."""
    wn.options.hydraulic.demand_model = "PDA"
    wn.options.hydraulic.minimum_pressure = minimum_m
    wn.options.hydraulic.required_pressure = required_m
    return wn
