"""No import cycle in witsync between any two modules, a package's `__init__` included.

import-linter's `acyclic_siblings` contract (pyproject.toml) compares siblings only, so a package
that imports a module which imports the package back (`witsync` → `engine` → `connect` →
`witsync`) passes it; this test looks at every module. TYPE_CHECKING imports count.
"""

from __future__ import annotations

import grimp


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back() -> None:
    assert cycles(grimp.build_graph("witsync", cache_dir=None)) == []


def test_a_cycle_through_a_package_init_is_found() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.engine", "pkg.connect", "pkg.model"):
        graph.add_module(module)
    graph.add_import(importer="pkg", imported="pkg.engine")
    graph.add_import(importer="pkg.engine", imported="pkg.connect")
    graph.add_import(importer="pkg.engine", imported="pkg.model")
    assert cycles(graph) == []
    graph.add_import(importer="pkg.connect", imported="pkg")
    assert cycles(graph) == [["pkg", "pkg.connect", "pkg.engine"]]
