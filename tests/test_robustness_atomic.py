"""Writers killed mid-write leave the old or the new file, never a broken one.

A child process rewrites a file over and over, alternating two versions; the test kills it
with SIGKILL at a random moment and checks that the file on disk is exactly one of the two
versions. Covered: study (scenario) files, INP files with [LEAKAGE], and GeoPackages;
the SQLite records (connection ledger, outage log) are checked for whole transactions.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from benchmarks.networks import REPO, network_path

WRITERS = {
    "study": """
        import dataclasses, itertools
        from application.files import write_study
        from application.kinds import load_study
        base = load_study("scenarios/demo/network_run.yaml")
        studies = [dataclasses.replace(base, description="A"),
                   dataclasses.replace(base, description="B" * 200000)]
        print("ready", flush=True)
        for i in itertools.count():
            write_study(studies[i % 2], {path!r})
    """,
    "inp": """
        import itertools, pandas as pd
        from models import load_network, write_inp, Network
        net = load_network({src!r})
        leak = pd.DataFrame({{"leak_area_mm2_per_100m": 1.0, "leak_expansion_mm2_per_m": 0.01}},
                            index=pd.Index(net.wn.pipe_name_list))
        versions = [net, Network.from_wn(net.wn, pipe_leakage=leak)]
        print("ready", flush=True)
        for i in itertools.count():
            write_inp(versions[i % 2], {path!r})
    """,
}


def _normal(data: bytes) -> bytes:
    """File content without the writer's time stamp line (WNTR writes '; Created: ...')."""
    return b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"; Created"))


def _versions(kind: str, tmp: Path) -> list[bytes]:
    """The two complete files the writer alternates between (written once, cleanly)."""
    out = []
    for i in range(2):
        target = tmp / f"version{i}"
        code = WRITERS[kind].format(path=str(target), src=str(network_path("Net1")))
        code = code.replace("for i in itertools.count():", f"for i in [{i}]:")
        subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, check=True,
                       capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
        out.append(_normal(target.read_bytes()))
    assert out[0] != out[1]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_killed_writer_leaves_old_or_new_file(kind, tmp_path):
    good = _versions(kind, tmp_path)
    target = tmp_path / "target"
    code = textwrap.dedent(WRITERS[kind].format(path=str(target),
                                                src=str(network_path("Net1"))))
    rng = random.Random(7)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, PYTHONPATH=str(REPO)))
        try:
            assert proc.stdout.readline().strip() == b"ready", proc.stderr.read()
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if target.exists():
            assert _normal(target.read_bytes()) in good, "a killed writer left a partial file"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # a kill can leave a temporary file behind, but never in place of the target
    assert all(p != "target" for p in leftovers)


LEDGER_WRITER = """
import itertools
from planning.connections import Application, Ledger
ledger = Ledger({path!r})
print("ready", flush=True)
for i in itertools.count():
    ledger.add(Application(application_id=f"A{{i:06d}}", demand_l_s=0.5, node="10",
                           customer_class="residential", meter_dn=20, storeys=2))
    if i % 2:
        ledger.assess(f"A{{i:06d}}", verdict="fail", who="writer")
        ledger.approve(f"A{{i:06d}}", force=True, who="writer")
"""


@pytest.mark.slow
def test_killed_ledger_writer_leaves_a_consistent_ledger(tmp_path):
    """SQLite transactions: after a kill every application is whole, statuses consistent."""
    import sqlite3

    from planning.connections import Ledger

    path = tmp_path / "ledger.sqlite"
    rng = random.Random(11)
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-c", LEDGER_WRITER.format(path=str(path))],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, PYTHONPATH=str(REPO)))
        try:
            assert proc.stdout.readline().strip() == b"ready", proc.stderr.read()
            time.sleep(rng.uniform(0.2, 1.0))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        table = Ledger(path).list()
        assert len(table) > 0
        assert table["status"].isin(["received", "assessed", "approved"]).all()


OUTAGE_WRITER = """
import itertools
from datetime import datetime, timedelta
from planning.shutdowns import OutageLog, OutageRecord
log = OutageLog({path!r})
start = len(log) // 3
print("ready", flush=True)
for i in itertools.count(start):
    t0 = datetime(2024, 1, 1) + timedelta(hours=i)
    ids = log.add_many([OutageRecord("planned", t0, t0 + timedelta(hours=2), 10 + k,
                                     nodes=tuple(f"J{{k}}-{{n}}" for n in range(200)),
                                     job_id=f"B{{i:06d}}") for k in range(3)])
    log.set_end(ids[0], t0 + timedelta(hours=5), customer_hours=50.0)
"""


@pytest.mark.slow
def test_killed_outage_log_writer_leaves_old_or_new_records(tmp_path):
    """One transaction per batch and per correction: after a kill, batches are whole."""
    import sqlite3

    from planning.shutdowns import OutageLog

    path = tmp_path / "outages.sqlite"
    rng = random.Random(5)
    seen = 0
    for kills in range(1, 5):
        proc = subprocess.Popen([sys.executable, "-c", OUTAGE_WRITER.format(path=str(path))],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, PYTHONPATH=str(REPO)))
        try:
            assert proc.stdout.readline().strip() == b"ready", proc.stderr.read()
            time.sleep(rng.uniform(0.2, 1.0))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with OutageLog(path) as log:
            table = log.records()
        assert len(table) > seen  # the writer got some batches in before the kill
        seen = len(table)
        sizes = table.groupby("job_id").size()
        assert (sizes == 3).all(), "a killed writer left part of a batch"
        assert list(sizes.index) == [f"B{i:06d}" for i in range(len(sizes))]
        assert all(len(n) == 200 for n in table["nodes"])
        first = table.groupby("job_id").head(1)  # the corrected record: old or new end
        hours = (first["end"] - first["start"]).dt.total_seconds() / 3600
        corrected = first["customer_hours"] == 50.0
        assert (hours[corrected] == 5).all() and (hours[~corrected] == 2).all()
        assert first["customer_hours"][~corrected].isna().all()
        # only a batch a writer was killed after may await its correction
        assert (~corrected).sum() <= kills
