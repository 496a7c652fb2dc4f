"""The shape of ``migguard.autogen``: data flows one way, snapshot -> diff -> render.

Here imports under ``TYPE_CHECKING`` count too: a cycle through type hints still ties the
sub-packages together.
"""

from __future__ import annotations

import subprocess
import sys

from tests.testing.imports import cycles, import_graph, reachable, restricted, shown

PACKAGE = "migguard.autogen"


def autogen_graph() -> dict[str, frozenset[str]]:
    return restricted(import_graph("migguard", type_checking=True), [f"{PACKAGE}.*"])


def test_no_import_cycle_among_the_autogen_modules_type_hints_included() -> None:
    found = cycles(autogen_graph())
    assert not found, shown(found)


def test_the_diff_reaches_nothing_of_the_renderer() -> None:
    graph = autogen_graph()
    diff = [name for name in graph if name.startswith(f"{PACKAGE}.diff")]
    assert len(diff) > 10
    leaks = {
        name: sorted(t for t in reachable(graph, name) if t.startswith(f"{PACKAGE}.render"))
        for name in diff
    }
    assert {name: targets for name, targets in leaks.items() if targets} == {}


def test_the_snapshot_reaches_neither_the_diff_nor_the_renderer() -> None:
    graph = autogen_graph()
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
