"""No import cycles: the import graph of the ``migguard`` package, read with ``ast``.

Every import statement counts, at module level and inside functions (the lazy imports that
keep start-up cheap run too, just later), except those under ``if TYPE_CHECKING:``, which
never run. A cycle is reported as the modules on it, in order.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

Graph = Mapping[str, frozenset[str]]


def _module_names(package_dir: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> source file, for every ``.py`` file below ``package_dir``."""
    names: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """The import statements of ``tree`` at any depth, skipping ``if TYPE_CHECKING:`` bodies
    (their ``else`` branches do run)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _targets(
    statement: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]
) -> set[str]:
    """The modules of ``known`` that ``statement`` (found in ``module``) imports.

    ``from a.b import c`` imports ``a.b.c`` when that is a module, else (a name defined in
    ``a.b``) ``a.b``; relative imports are resolved against ``module``.
    """
    if isinstance(statement, ast.Import):
        return {alias.name for alias in statement.names if alias.name in known}
    base = statement.module or ""
    if statement.level:
        anchor = module.split(".")
        # A package's own __init__ is the level-1 anchor; a plain module's is its parent.
        anchor = anchor[: len(anchor) - statement.level + (1 if is_package else 0)]
        base = ".".join([*anchor, base] if base else anchor)
    found: set[str] = set()
    for alias in statement.names:
        submodule = f"{base}.{alias.name}"
        if submodule in known:
            found.add(submodule)
        elif base in known:
            found.add(base)
    return found


def import_graph(package: str) -> dict[str, frozenset[str]]:
    """The run-time import graph of ``package`` (an importable package name).

    Returns a mapping from each module's dotted name to the modules of the same package it
    imports anywhere in its source (module level or inside functions), ``TYPE_CHECKING``
    imports left out. Importing a package's ``__init__`` implicitly is not an edge: only
    what the source names.
    """
    root = __import__(package)
    package_dir = Path(root.__file__).parent
    modules = _module_names(package_dir, package)
    known = set(modules)
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for statement in _imports(tree):
            edges |= _targets(statement, name, is_package, known)
        edges.discard(name)
        graph[name] = frozenset(edges)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The import cycles of ``graph``: one cycle (modules in import order, first repeated
    at the end omitted) per strongly connected component of more than one module, found
    by Tarjan's algorithm, sorted; the list is empty when the graph has no cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(_one_cycle(graph, component) for component in components)


def _one_cycle(graph: Graph, component: set[str]) -> list[str]:
    """A shortest cycle through the first (sorted) module of ``component``."""
    start = min(component)
    paths: dict[str, list[str]] = {start: [start]}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in sorted(graph[node] & component):
                if target == start:
                    return paths[node]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"{sorted(component)} is not strongly connected")


def restricted(graph: Graph, keep: Iterable[str]) -> dict[str, frozenset[str]]:
    """The part of ``graph`` between the modules named in ``keep``: a name ending in ``.*``
    keeps that package and every module below it."""
    patterns = list(keep)

    def kept(name: str) -> bool:
        return any(
            name == pattern
            or (pattern.endswith(".*") and (name == pattern[:-2] or name.startswith(pattern[:-1])))
            for pattern in patterns
        )

    return {
        name: frozenset(target for target in targets if kept(target))
        for name, targets in graph.items()
        if kept(name)
    }


def _shown(found: list[list[str]]) -> str:
    return "\n".join(" -> ".join([*cycle, cycle[0]]) for cycle in found)


def test_no_import_cycle_in_the_operations_layer() -> None:
    graph = restricted(import_graph("migguard"), ["migguard.ops.*", "migguard.op"])
    found = cycles(graph)
    assert not found, f"import cycles:\n{_shown(found)}"


def test_the_operations_layer_does_not_import_the_runtime() -> None:
    # runtime/pipeline.py builds on ops.context; the reverse edge would close a cycle.
    graph = import_graph("migguard")
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in restricted(graph, ["migguard.ops.*", "migguard.op"]).items()
        for target in graph[module]
        if target == "migguard.runtime" or target.startswith("migguard.runtime.")
    )
    assert not upward, "\n".join(upward)


def test_the_graph_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    graph = import_graph("migguard")
    # ``migguard.op`` imports the binding only inside its module ``__getattr__``.
    assert "migguard.ops.binding" in graph["migguard.op"]
    # ``ops.base`` names the executor for type hints only.
    assert "migguard.ops.executor" not in graph["migguard.ops.base"]


def test_cycles_names_the_modules_of_each_cycle_in_order() -> None:
    graph = {
        "p.a": frozenset({"p.b"}),
        "p.b": frozenset({"p.c"}),
        "p.c": frozenset({"p.a", "p.d"}),
        "p.d": frozenset(),
        "p.e": frozenset({"p.f"}),
        "p.f": frozenset({"p.e"}),
    }
    assert cycles(graph) == [["p.a", "p.b", "p.c"], ["p.e", "p.f"]]
    assert cycles({"p.a": frozenset({"p.b"}), "p.b": frozenset()}) == []
    assert restricted(graph, ["p.a", "p.b"]) == {
        "p.a": frozenset({"p.b"}),
        "p.b": frozenset(),
    }
