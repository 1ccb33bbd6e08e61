"""Run one EPA SWMM 5 input with pyswmm and write link and node statistics as JSON.

Usage: ``python swmm_runner.py INPUT.inp RESULT.json``. Run in a subprocess by
:func:`planning.capacity.trunk.swmm_check`: pyswmm keeps engine state per process, so each run
gets a fresh one. Imports nothing from the project.
"""

import json
import sys


def main(inp: str, out: str) -> int:
    try:
        from pyswmm import Links, Nodes, Simulation
    except ImportError:
        print("pyswmm is not installed (pip install pyswmm)", file=sys.stderr)
        return 3
    keys_link = ("peak_flow", "peak_depth", "time_surcharged", "time_full_flow")
    keys_node = ("flooding_volume", "surcharge_duration", "max_depth")
    with Simulation(inp) as sim:
        for _ in sim:
            pass
        links = {link.linkid: {k: float(link.conduit_statistics[k]) for k in keys_link}
                 for link in Links(sim)}
        nodes = {node.nodeid: {k: float(node.statistics[k]) for k in keys_node}
                 for node in Nodes(sim)}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"links": links, "nodes": nodes}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
