"""Limits and progress for long runs: network size, wall time, a line per item on stderr.

Exports :data:`MAX_STUDY_NODES`, :data:`MAX_RUN_MINUTES`, :class:`RunLimitError`,
:func:`study_node_limit`, :func:`check_study_size`, :func:`time_limit`, :func:`progress`
and :func:`show_progress`. Used by the shutdown and connection runners (size and
progress) and by ``python -m planning run`` (time limit; progress unless ``--quiet``).

Shutdown and connection studies run the hydraulic model many times per item (every
candidate start of a shutdown, every application), so their cost grows with the network
times the items: an 11,000-junction model with 17 tanks ran for over ten minutes. So:

- a study on a network with more than ``PLANNER_MAX_STUDY_NODES`` nodes (default
  :data:`MAX_STUDY_NODES`) is refused before it starts, naming the limit and how to raise it;
- the CLI stops a run after ``--time-limit`` minutes (default ``PLANNER_MAX_RUN_MINUTES``,
  else :data:`MAX_RUN_MINUTES`) with a clear error; nothing is written (the run folder is
  dropped, see :mod:`application.outdir`);
- each item prints ``[3/10] shutdown job W-1 (41 s)`` on stderr while the CLI runs.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from models import PlannerError

MAX_STUDY_NODES = 20_000
"""Default largest network (nodes) a shutdown or connection study runs on."""
MAX_RUN_MINUTES = 60.0
"""Default wall-time limit of one CLI run (minutes)."""
NODES_ENV = "PLANNER_MAX_STUDY_NODES"
MINUTES_ENV = "PLANNER_MAX_RUN_MINUTES"
_state = {"show": False, "started": None}


class RunLimitError(PlannerError, RuntimeError):
    """A run refused or stopped by a size or time limit (the message says which and how to
    raise it)."""


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise RunLimitError(f"${name} must be a number, got {text!r}") from None
    if not value > 0:
        raise RunLimitError(f"${name} must be positive, got {text!r}")
    return value


def study_node_limit() -> int:
    """Largest network (nodes) for shutdown and connection studies (``$PLANNER_MAX_STUDY_NODES``)."""
    return int(_env_number(NODES_ENV, MAX_STUDY_NODES))


def check_study_size(net, what: str, items: int) -> None:
    """Refuse a shutdown or connection study on a network over :func:`study_node_limit`.

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
    what : str
        ``"shutdown jobs"`` or ``"connection applications"``, for the message.
    items : int
        Jobs or applications in the study.

    Raises
    ------
    RunLimitError
    """
    wn = getattr(net, "wn", net)
    nodes = wn.num_nodes
    limit = study_node_limit()
    if nodes > limit:
        raise RunLimitError(
            f"{what}: the network has {nodes:,} nodes, over the limit of {limit:,} for this "
            f"study ({items} item(s), each running the model many times); set "
            f"${NODES_ENV} to raise it, or study a smaller part of the network")


def show_progress(on: bool) -> None:
    """Print a line per item on stderr from now on (the CLI, unless ``--quiet``)."""
    _state["show"] = on
    _state["started"] = time.monotonic()


def progress(what: str) -> Callable[[int, int, str], None]:
    """A ``progress(done, total, item_id)`` callback for the runners: one line per item."""

    def report(done: int, total: int, item: str) -> None:
        if _state["show"]:
            started = _state["started"] or time.monotonic()
            print(f"[{done + 1}/{total}] {what} {item} ({time.monotonic() - started:.0f} s)",
                  file=sys.stderr, flush=True)

    return report


@contextmanager
def time_limit(minutes: float | None) -> Iterator[None]:
    """Raise :class:`RunLimitError` in the block once ``minutes`` have passed.

    Uses a real-time interval timer, so it also stops a single long step; only in the main
    thread (elsewhere, and with ``minutes`` None, the block runs unlimited).
    """
    if minutes is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise RunLimitError(f"the run took longer than its time limit of {minutes:g} min "
                            f"(--time-limit, or ${MINUTES_ENV}); nothing was written")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, minutes * 60.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def default_minutes() -> float:
    """The CLI's time limit when ``--time-limit`` is not given (``$PLANNER_MAX_RUN_MINUTES``)."""
    return _env_number(MINUTES_ENV, MAX_RUN_MINUTES)
