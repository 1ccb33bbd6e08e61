"""Timing and memory helpers for the benchmark scripts (ratios, best-of-N, peak RSS)."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from benchmarks.epanet_engine import _working_dir

REPO = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], repeat: int = 5, *, warmup: int = 0) -> float:
    """Best wall time of ``fn()`` over ``repeat`` calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is discarded.
    repeat : int
        Timed calls (>= 1). The minimum is the least noisy estimate on a shared machine.
    warmup : int
        Untimed calls first (JIT compilation, caches).

    Returns
    -------
    float
        Best wall time, seconds (``time.perf_counter``).
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    for _ in range(warmup):
        fn()
    best_s = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best_s = min(best_s, time.perf_counter() - t0)
    return best_s


def print_ratio_table(
    times_s: Mapping[str, float],
    reference: str,
    *,
    title: str | None = None,
    file: TextIO | None = None,
) -> None:
    """Print each entry's time as a ratio to a reference measured in the same run.

    Parameters
    ----------
    times_s : mapping of str to float
        Row label -> best wall time, seconds; ``nan`` marks a row that could not run.
    reference : str
        Key of ``times_s`` the ratios are relative to.
    title : str, optional
        Printed above the table.
    file : text stream, optional
        Defaults to ``sys.stdout``.
    """
    out = sys.stdout if file is None else file
    ref_s = times_s[reference]
    width = max(len(k) for k in times_s) + 2
    if title:
        print(title, file=out)
    print(f"{'':<{width}}{'ratio':>8}   (time / {reference}; lower is faster)", file=out)
    for label, t_s in times_s.items():
        ratio = t_s / ref_s if ref_s > 0 else math.nan
        shown = "   n/a" if math.isnan(ratio) else f"{ratio:8.3g}"
        print(f"{label:<{width}}{shown:>8}   [{t_s * 1e3:.1f} ms this run]", file=out)


def peak_rss_mib(code: str, *, timeout_s: float = 1800.0) -> float:
    """Peak resident memory of a fresh Python process that runs ``code``.

    The child runs in a temporary folder with the repository root on ``PYTHONPATH`` (so
    ``benchmarks``, ``simulation`` etc. import). Measure a baseline (the same imports, no work)
    the same way and subtract it to get the memory of the work itself.

    Parameters
    ----------
    code : str
        Python source run with ``python -c``.
    timeout_s : float
        Wall-clock limit for the child, seconds.

    Returns
    -------
    float
        Peak resident set size, MiB: ``VmHWM`` from ``/proc/self/status`` on Linux, because
        ``ru_maxrss`` of a child started by fork/vfork + exec starts at the parent's RSS;
        ``ru_maxrss`` elsewhere.
    """
    probe = (
        "\nimport resource as _r, sys as _s\n"
        "_kib = None\n"
        "try:\n"
        "    with open('/proc/self/status') as _f:\n"
        "        _kib = next(int(l.split()[1]) for l in _f if l.startswith('VmHWM:'))\n"
        "except (OSError, StopIteration):\n"
        "    _raw = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss\n"
        "    _kib = _raw / 1024 if _s.platform == 'darwin' else _raw\n"
        "print('PEAK_RSS_KIB', _kib)\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="rss_") as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", code + probe],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"child process failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(proc.stdout.rsplit("PEAK_RSS_KIB", 1)[1].split()[0]) / 1024


@contextlib.contextmanager
def scratch_dir(prefix: str = "bench_") -> Iterator[Path]:
    """Work inside a new temporary folder; restore the working folder and delete it after.

    Yields
    ------
    pathlib.Path
        The temporary folder (the current working folder inside the ``with`` block).
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, _working_dir(Path(tmp)):
        yield Path(tmp)
