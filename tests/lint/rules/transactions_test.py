"""The MySQL transaction rule: a revision with several schema changes is reported once, at its
second change; data statements do not count, and other databases are not concerned."""

from __future__ import annotations

from pathlib import Path

from migguard.lint.run import LintFinding, lint_scripts
from migguard.lint.settings import LintSettings
from tests.testing.project import revision_source

MYSQL = LintSettings(dialect="mysql")


def _lint(tmp_path: Path, upgrade: str, settings: LintSettings = MYSQL) -> list[LintFinding]:
    path = tmp_path / "a1_rev.py"
    path.write_text(
        revision_source("a1", upgrade=upgrade, op_import="from alembic import op"),
        encoding="utf-8",
    )
    return lint_scripts([("a1", path)], tmp_path, settings)


THREE_CHANGES = """
op.add_column("orders", sa.Column("a", sa.Integer))
op.execute("UPDATE orders SET a = 1")
op.create_index("ix_orders_a", "orders", ["a"])
op.add_column("orders", sa.Column("b", sa.Integer))
"""


def test_the_second_schema_change_is_reported_once(tmp_path: Path) -> None:
    findings = _lint(tmp_path, THREE_CHANGES)
    assert [(f.rule, f.severity, f.line) for f in findings] == [
        ("one-schema-change-per-revision", "warning", 20),
    ]
    assert "MySQL commits each one at once" in findings[0].message


def test_one_schema_change_with_data_statements_passes(tmp_path: Path) -> None:
    upgrade = """
op.add_column("orders", sa.Column("a", sa.Integer))
op.execute("UPDATE orders SET a = 1")
"""
    assert _lint(tmp_path, upgrade) == []


def test_postgresql_and_sqlite_roll_back_ddl_and_are_not_concerned(tmp_path: Path) -> None:
    for dialect in ("postgresql", "sqlite"):
        rules = {f.rule for f in _lint(tmp_path, THREE_CHANGES, LintSettings(dialect=dialect))}
        assert "one-schema-change-per-revision" not in rules
