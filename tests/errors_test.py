from __future__ import annotations

import ast
from pathlib import Path

import migguard.cli.main
from migguard import errors
from migguard.errors import (
    EXIT_DATABASE,
    EXIT_FINDINGS,
    EXIT_HISTORY,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
)


def test_every_exit_status_has_its_documented_number() -> None:
    statuses = (
        EXIT_OK,
        EXIT_FINDINGS,
        EXIT_USAGE,
        EXIT_HISTORY,
        EXIT_DATABASE,
        EXIT_PARTIAL,
        EXIT_INTERNAL,
        EXIT_INTERRUPTED,
    )
    assert statuses == (0, 1, 2, 3, 4, 5, 70, 130)


def test_the_error_types_carry_the_statuses_of_errors_py() -> None:
    assert errors.UsageError.exit_code == EXIT_USAGE
    assert errors.ConfigError.exit_code == EXIT_USAGE
    assert errors.HistoryError.exit_code == EXIT_HISTORY
    assert errors.DatabaseError.exit_code == EXIT_DATABASE


def test_the_command_line_returns_no_status_written_as_a_bare_number() -> None:
    # Every status the CLI returns or exits with is a named constant of migguard.errors.
    cli = Path(migguard.cli.main.__file__).parent
    for path in sorted(cli.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            returned = node.value if isinstance(node, ast.Return) else None
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SystemExit":
                returned = node.args[0] if node.args else None
            if isinstance(returned, ast.Constant) and isinstance(returned.value, int):
                raise AssertionError(f"{path.name}:{node.lineno} returns {returned.value}")
