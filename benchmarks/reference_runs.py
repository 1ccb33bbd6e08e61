"""Reference engines against each other: EPANET 2.3.5 and WNTR, as ratios to EPANET 2.2.

Run ``python benchmarks/reference_runs.py`` (``--help`` for options). For each network it times a
complete extended-period hydraulic run with every engine in this one process and prints the
ratios to the EPANET 2.2 toolkit loop (``benchmarks.reference.run_epanet``). It is the baseline
the NumbaSimulator comparison builds on: which reference is fastest, and by how much, on this
machine today. Callers: people, by hand.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

try:
    from benchmarks.networks import network_path
    from benchmarks.reference import (
        EPANET22,
        EPANET23,
        print_ratio_table,
        run_epanet,
        run_wntr_epanet_simulator,
        run_wntr_simulator,
    )
except ModuleNotFoundError:  # run as a script: put the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.networks import network_path
    from benchmarks.reference import (
        EPANET22,
        EPANET23,
        print_ratio_table,
        run_epanet,
        run_wntr_epanet_simulator,
        run_wntr_simulator,
    )

# (network, duration cap in seconds or None for the INP's own)
DEFAULT_RUNS = [("Net6", None), ("ltown_battledim", None), ("bwsn_network2", 24 * 3600)]


def compare(inp_path: Path, duration_s: int | None, repeat: int, wntr_simulator: bool) -> None:
    """Time every engine on one network and print the ratio table.

    Parameters
    ----------
    inp_path : pathlib.Path
        EPANET INP file.
    duration_s : int or None
        Cap on the run's duration, seconds (None: the INP's).
    repeat : int
        Timed runs per engine; the best counts.
    wntr_simulator : bool
        Also time WNTR's own (Python) simulator, which is slow on large networks.
    """
    ref = run_epanet(inp_path, version=EPANET22, duration_s=duration_s, repeat=repeat)
    times_s = {"EPANET 2.2 toolkit loop": ref.wall_s}
    try:
        v23 = run_epanet(inp_path, version=EPANET23, duration_s=duration_s, repeat=repeat)
        times_s["EPANET 2.3 toolkit loop"] = v23.wall_s
    except Exception as exc:  # an engine that cannot run this file is a row, not a crash
        print(f"  EPANET 2.3: {exc}")
        times_s["EPANET 2.3 toolkit loop"] = math.nan
    try:
        w = run_wntr_epanet_simulator(inp_path, duration_s=duration_s, repeat=repeat)
        times_s["wntr EpanetSimulator (end to end)"] = w.wall_s
    except Exception as exc:
        print(f"  wntr EpanetSimulator: {exc}")
        times_s["wntr EpanetSimulator (end to end)"] = math.nan
    if wntr_simulator:
        try:
            times_s["wntr WNTRSimulator"] = run_wntr_simulator(
                inp_path, duration_s=duration_s, repeat=1
            ).wall_s
        except Exception as exc:
            print(f"  WNTRSimulator: {exc}")
            times_s["wntr WNTRSimulator"] = math.nan
    cap = "INP duration" if duration_s is None else f"capped at {duration_s / 3600:g} h"
    title = (
        f"{inp_path.name}: {ref.n_steps} hydraulic steps to t = {ref.final_time_s} s ({cap}); "
        f"EPANET 2.2 warnings: {len(ref.warnings)}"
    )
    print_ratio_table(times_s, "EPANET 2.2 toolkit loop", title=title)
    print()


def main(argv: list[str] | None = None) -> int:
    """Command line: compare the reference engines on the benchmark networks."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "inp", nargs="*", type=Path, help="INP files (default: Net6, L-Town, BWSN 2 at 24 h)"
    )
    parser.add_argument("--duration-h", type=float, help="cap every run at this many hours")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine")
    parser.add_argument(
        "--wntr-simulator", action="store_true", help="also time WNTRSimulator (slow)"
    )
    args = parser.parse_args(argv)

    cap_s = None if args.duration_h is None else int(args.duration_h * 3600)
    if args.inp:
        runs = [(p, cap_s) for p in args.inp]
    else:
        runs = []
        for name, default_cap_s in DEFAULT_RUNS:
            try:
                runs.append((network_path(name), cap_s if cap_s is not None else default_cap_s))
            except FileNotFoundError:
                print(f"{name}: not on this machine, skipped")
    for path, duration_s in runs:
        compare(Path(path), duration_s, args.repeat, args.wntr_simulator)
    return 0


if __name__ == "__main__":
    sys.exit(main())
