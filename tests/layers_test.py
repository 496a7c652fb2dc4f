"""The layer rules of CONTRIBUTING.md ("What may import what"), checked on the import graph of
the package read with ``ast`` (``tests.testing.imports``): lazy imports inside functions count,
``TYPE_CHECKING`` imports do not (they never run).

The command that proves there is no import cycle: ``pytest tests/layers_test.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import migguard
from tests.testing.imports import cycles, import_graph, restricted, shown

PACKAGE_DIR = Path(migguard.__file__).parent


def layer(module: str) -> str:
    """The top-level part of ``module``: ``migguard.ops.schema`` -> ``ops``; the package's own
    ``__init__`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def crossings(allowed: dict[str, set[str] | None], forbidden: dict[str, set[str]]) -> list[str]:
    """Imports breaking the rules: from a layer of ``allowed`` to one outside its set (``None``:
    any), or from a layer of ``forbidden`` into one of its set."""
    broken = []
    for module, targets in sorted(import_graph("migguard").items()):
        source = layer(module)
        for target in sorted(targets):
            into = layer(target)
            if into == source:
                continue
            only = allowed.get(source)
            if only is not None and into not in only:
                broken.append(f"{module} -> {target}")
            if into in forbidden.get(source, set()):
                broken.append(f"{module} -> {target}")
    return broken


def test_no_import_cycle_in_the_package() -> None:
    found = cycles(import_graph("migguard"))
    assert not found, f"import cycles:\n{shown(found)}"


def test_the_graph_imports_nothing_of_migguard_but_errors() -> None:
    assert crossings({"graph": {"errors"}}, {}) == []


def test_ops_and_runtime_stay_below_autogen_guard_report_and_cli() -> None:
    upper = {"autogen", "guard", "lint", "report", "cli"}
    assert crossings({}, {"ops": upper | {"runtime"}, "runtime": upper}) == []


def test_the_lint_stays_below_the_guard_the_report_and_the_cli() -> None:
    assert crossings({}, {"lint": {"guard", "report", "cli", "autogen"}}) == []


def test_the_migration_tests_stay_below_the_guard_the_report_and_the_cli() -> None:
    assert crossings({}, {"migration_tests": {"guard", "lint", "report", "cli"}}) == []


def test_the_fleet_stays_below_the_guard_the_report_and_the_cli() -> None:
    # The fleet runs targets through the runtime; the runtime knows nothing of fleets.
    assert crossings({}, {"fleet": {"guard", "lint", "report", "cli", "autogen"}}) == []
    assert crossings({}, {"runtime": {"fleet"}, "config": {"fleet"}}) == []


def test_autogen_never_imports_the_guard_or_the_cli() -> None:
    assert crossings({}, {"autogen": {"guard", "cli"}}) == []


def test_nothing_imports_the_cli() -> None:
    graph = import_graph("migguard")
    found = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if layer(target) == "cli" and layer(module) != "cli" and module != "migguard.__main__"
    )
    assert found == []


def test_only_the_cli_and_the_report_reach_the_guard() -> None:
    # The report presents the guard's results (findings, hook outcomes); nothing below uses it.
    graph = import_graph("migguard")
    found = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if layer(target) == "guard" and layer(module) not in ("guard", "cli", "report")
    )
    assert found == []


def test_only_the_cli_and_the_report_print() -> None:
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        top = path.relative_to(PACKAGE_DIR).parts[0]
        if top in ("cli", "report"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            printing = isinstance(func, ast.Name) and func.id == "print"
            writing = (
                isinstance(func, ast.Attribute)
                and func.attr == "write"
                and isinstance(func.value, ast.Attribute)
                and func.value.attr in ("stdout", "stderr")
            )
            if printing or writing:
                found.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}")
    assert found == []


def test_the_graph_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    graph = import_graph("migguard")
    # ``migguard.op`` imports the binding only inside its module ``__getattr__``.
    assert "migguard.ops.binding" in graph["migguard.op"]
    # ``ops.base`` names the executor for type hints only.
    assert "migguard.ops.executor" not in graph["migguard.ops.base"]
    assert (
        "migguard.ops.executor" in import_graph("migguard", type_checking=True)["migguard.ops.base"]
    )


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
