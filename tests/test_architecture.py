"""The layers hold: no import cycles between the project's modules, none against the layer order.

Every ``.py`` file of the project is parsed with :mod:`ast`; every ``import`` and
``from ... import`` counts, at module level or inside a function (``TYPE_CHECKING`` blocks
too). An import names the most specific project module it reaches (``from pkg import sub``
is an edge to ``pkg.sub`` when that is a module, else to ``pkg``). The order is the one
docs/architecture.md draws::

    models -> simulation -> planning -> application -> app.py / app_pages
                  \\-> gis (beside planning: may use models and simulation)

A module may import its own layer and the layers listed under it in :data:`MAY_IMPORT`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("models", "simulation", "gis", "planning", "application", "app_pages", "app",
          "scenarios", "benchmarks", "tests")
MAY_IMPORT = {
    "models": set(),
    "simulation": {"models"},
    "gis": {"models", "simulation"},
    "planning": {"models", "simulation", "gis"},
    "application": {"models", "simulation", "gis", "planning"},
    # The pages talk to the application layer and gis only.
    "app_pages": {"application", "gis"},
    "app": {"app_pages", "application", "gis"},
    # Data package (a script that draws the demo catchments): no project code.
    "scenarios": set(),
    "benchmarks": {"models", "simulation", "gis", "planning", "application"},
    "tests": {"models", "simulation", "gis", "planning", "application", "app_pages", "app",
              "scenarios", "benchmarks"},
}
"""Layer -> the other layers it may import."""
ENTRY_POINTS = {"planning.__main__", "planning.capacity.__main__", "planning.leakage.__main__"}
"""``python -m planning[.capacity|.leakage]``: shims that forward to :mod:`application.cli`
(run as scripts, imported by nothing), so they may import the application layer."""
KNOWN_CYCLES: list[set[str]] = []
"""Cycles known and owned by another change; any other cycle fails. Shrink, never grow."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> dict[str, Path]:
    """Module name -> file, for every project ``.py`` file."""
    files = {}
    for layer in LAYERS:
        single = REPO / f"{layer}.py"
        if single.exists():
            files[layer] = single
        folder = REPO / layer
        if folder.is_dir():
            for path in folder.rglob("*.py"):
                if ".venv" not in path.parts and "build" not in path.parts:
                    files[_module_name(path)] = path
    return files


def import_graph() -> nx.DiGraph:
    """Module -> imported project module, for imports anywhere in a file."""
    files = project_files()
    modules = set(files)
    graph = nx.DiGraph()
    for name, path in files.items():
        graph.add_node(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in modules else origin
                           for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def _layer(module: str) -> str:
    return module.split(".")[0]


def test_the_graph_sees_the_project():
    """Sanity: every layer has files and the known imports are found (function-level too)."""
    graph = import_graph()
    assert {_layer(m) for m in graph} == set(LAYERS)
    assert graph.has_edge("application.cli", "application.kinds")  # inside a function
    assert graph.has_edge("planning.__main__", "application.cli")
    assert graph.has_edge("simulation.steady", "simulation.capacity")


def test_no_import_cycles():
    graph = import_graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph)
              if len(c) > 1 and set(c) not in KNOWN_CYCLES]
    assert not cycles, f"import cycles: {cycles}"


def test_no_cycles_between_layers():
    layers = nx.DiGraph()
    layers.add_edges_from((_layer(a), _layer(b)) for a, b in import_graph().edges
                          if _layer(a) != _layer(b) and a not in ENTRY_POINTS)
    assert list(nx.simple_cycles(layers)) == []


def test_imports_follow_the_layer_order():
    wrong = sorted(f"{a} -> {b}" for a, b in import_graph().edges
                   if _layer(a) != _layer(b) and a not in ENTRY_POINTS
                   and _layer(b) not in MAY_IMPORT[_layer(a)])
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_entry_points_only_forward():
    """The ``python -m`` shims import the one command line and nothing else of the project."""
    graph = import_graph()
    for shim in ENTRY_POINTS:
        assert set(graph.successors(shim)) == {"application.cli"}, shim
