"""Run a Python module or script and SIGKILL it at its N-th file-system step.

Usage: ``KILL_AT=N python tests/killpoint.py -m planning run ...`` (or a script path).
Steps counted: ``open``/``io.open`` for writing, ``os.replace``, ``os.rename``,
``os.fsync``, ``os.mkdir``, ``os.unlink`` and ``os.remove``. With ``KILL_AT=0`` nothing is
killed and the number of steps is written to ``$KILL_COUNT_FILE`` at exit, so a test can
pick kill points spread over a writer's whole run (tests/test_hostile_kill.py).
"""

from __future__ import annotations

import atexit
import builtins
import io
import os
import runpy
import signal
import sys

_AT = int(os.environ.get("KILL_AT", "0"))
_count = [0]


def _tick() -> None:
    _count[0] += 1
    if _count[0] == _AT:
        os.kill(os.getpid(), signal.SIGKILL)


def _wrap(module, name: str) -> None:
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        _tick()
        return original(*args, **kwargs)

    setattr(module, name, wrapped)


for _name in ("replace", "rename", "fsync", "mkdir", "unlink", "remove"):
    _wrap(os, _name)
_open = io.open


def _counted_open(file, mode="r", *args, **kwargs):
    if any(c in mode for c in "wax+"):
        _tick()
    return _open(file, mode, *args, **kwargs)


builtins.open = io.open = _counted_open


@atexit.register
def _report() -> None:
    target = os.environ.get("KILL_COUNT_FILE")
    if target and not _AT:
        with _open(target, "w") as fh:
            fh.write(str(_count[0]))


if __name__ == "__main__":
    if sys.argv[1] == "-m":
        sys.argv = sys.argv[2:]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
