"""The import graph of a package read with ``ast`` (nothing is imported): every import
statement counts, at module level and inside functions (the lazy imports that keep start-up
cheap run too, just later); those under ``if TYPE_CHECKING:`` only when asked for. Used by the
layer and cycle tests.
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


def _imports(tree: ast.AST, type_checking: bool) -> Iterable[ast.Import | ast.ImportFrom]:
    """The import statements of ``tree`` at any depth; ``if TYPE_CHECKING:`` bodies only when
    ``type_checking`` (their ``else`` branches always)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if not type_checking and isinstance(node, ast.If) and _is_type_checking(node.test):
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


def import_graph(package: str, *, type_checking: bool = False) -> dict[str, frozenset[str]]:
    """The import graph of ``package`` (an importable package name).

    Returns a mapping from each module's dotted name to the modules of the same package it
    imports anywhere in its source (module level or inside functions); ``TYPE_CHECKING``
    imports only with ``type_checking`` (they never run, but still tie modules together).
    Importing a package's ``__init__`` implicitly is not an edge: only what the source names.
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
        for statement in _imports(tree, type_checking):
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


def shown(found: list[list[str]]) -> str:
    """Cycles one per line, ``a -> b -> a``."""
    return "\n".join(" -> ".join([*cycle, cycle[0]]) for cycle in found)


def reachable(graph: Graph, start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen
