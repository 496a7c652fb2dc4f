"""Test modules share helpers only through tests/testing/: a test module or conftest that imports
another test module runs that module's import-time code twice and ties two stories together."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
HELPERS = "tests.testing"


def imported_test_modules(path: Path) -> list[str]:
    """The ``tests`` modules that the file at ``path`` imports outside ``tests.testing``, as
    ``"<line>: <module>"``; relative imports are listed too (they can only reach test code)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            names = [("." * node.level) + (node.module or "")]
            if node.module == "tests":
                names = [f"tests.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            outside = name.startswith(".") or (
                name.partition(".")[0] == "tests"
                and name != HELPERS
                and not name.startswith(HELPERS + ".")
            )
            if outside:
                found.append(f"{node.lineno}: {name}")
    return found


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): imports
        for path in sorted(TESTS.rglob("*.py"))
        if (imports := imported_test_modules(path))
    }
    assert offenders == {}


def test_the_check_sees_every_spelling_of_a_test_module_import(tmp_path: Path) -> None:
    module = tmp_path / "sample_test.py"
    module.write_text(
        "import tests.conftest\n"
        "from tests import postgres_fixture\n"
        "from tests.autogen.diff_test import build\n"
        "from . import helpers\n"
        "from tests.testing.project import Project\n"
        "from tests import testing\n"
        "import testsuite\n",
        encoding="utf-8",
    )
    assert imported_test_modules(module) == [
        "1: tests.conftest",
        "2: tests.postgres_fixture",
        "3: tests.autogen.diff_test",
        "4: .",
    ]
