"""The shape of ``migguard.autogen``: data flows one way, snapshot -> diff -> render.

Imports are read with ``ast`` (nothing is imported), wherever they are written: at module level,
inside functions (the lazy imports that keep start-up fast), and under ``TYPE_CHECKING`` (a
cycle through type hints still ties modules together).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import migguard.autogen

PACKAGE = "migguard.autogen"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its
    ``__init__.py``)."""
    root = Path(migguard.autogen.__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((PACKAGE, *parts))] = path
    return found


def imported(path: Path, known: Mapping[str, Path]) -> set[str]:
    """The modules of ``known`` that the file at ``path`` imports: ``from package import
    module`` names the module, ``from module import name`` the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found & known.keys()


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports."""
    known = modules()
    return {name: imported(path, known) for name, path in known.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of ``graph`` that hold a cycle (Tarjan's algorithm),
    each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reachable(graph: Mapping[str, set[str]], start: str) -> Iterator[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
                yield target


def test_the_checker_finds_a_cycle_and_what_it_reaches() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d"]]
    assert sorted(reachable(graph, "e")) == ["a", "b", "c"]


def test_the_checker_reads_function_level_and_type_checking_imports() -> None:
    graph = import_graph()
    # A lazy import inside a function, and one under TYPE_CHECKING.
    assert "migguard.autogen.diff.sql" in graph["migguard.autogen.diff.build"]
    assert "migguard.autogen.diff.options" in graph["migguard.autogen.diff.columns"]


def test_no_import_cycle_among_the_autogen_modules() -> None:
    assert cycles(import_graph()) == []


def test_the_diff_reaches_nothing_of_the_renderer() -> None:
    graph = import_graph()
    diff = [name for name in graph if name.startswith(f"{PACKAGE}.diff")]
    assert len(diff) > 10
    leaks = {
        name: sorted(t for t in reachable(graph, name) if t.startswith(f"{PACKAGE}.render"))
        for name in diff
    }
    assert {name: targets for name, targets in leaks.items() if targets} == {}


def test_the_snapshot_reaches_neither_the_diff_nor_the_renderer() -> None:
    graph = import_graph()
    snapshot = [name for name in graph if name.startswith(f"{PACKAGE}.snapshot")]
    assert snapshot
    leaks = {
        name: sorted(
            target
            for target in reachable(graph, name)
            if target.startswith((f"{PACKAGE}.diff", f"{PACKAGE}.render"))
        )
        for name in snapshot
    }
    assert {name: targets for name, targets in leaks.items() if targets} == {}


def test_the_snapshot_package_imports_no_sqlalchemy() -> None:
    # A cached snapshot is read before anything needs SQLAlchemy (the pre-commit check's
    # fast path), so the package's public face must not pull it in.
    code = "import sys, migguard.autogen.snapshot; print('sqlalchemy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, "False")
