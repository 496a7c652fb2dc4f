"""Linting revisions: suppression by comment and configuration, severity overrides, the
lock-timeout rule once per revision, new tables across unreleased revisions, and squawk on
op.execute SQL."""

from __future__ import annotations

from pathlib import Path

from migguard.config.load import load_config
from migguard.lint.run import LintFinding, lint_revisions, lint_scripts
from migguard.lint.settings import LintSettings
from migguard.scripts.directory import load_history
from tests.testing.project import Project, revision_source

PG = LintSettings()


def _lint(tmp_path: Path, upgrade: str, settings: LintSettings = PG) -> list[LintFinding]:
    path = tmp_path / "a1_rev.py"
    path.write_text(
        revision_source("a1", upgrade=upgrade, op_import="from alembic import op"),
        encoding="utf-8",
    )
    return lint_scripts([("a1", path)], tmp_path, settings)


def _rules(findings: list[LintFinding]) -> list[tuple[str, str | None]]:
    return [(finding.rule, finding.suppressed) for finding in findings]


def test_a_comment_with_a_reason_suppresses_and_one_without_says_so(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_index("ix_a", "orders", ["a"])  # migguard: safe[require-concurrent-index] 20 rows
op.create_index("ix_b", "orders", ["b"])  # migguard: safe[require-concurrent-index]
""",
    )
    assert _rules(findings) == [
        ("require-concurrent-index", "20 rows"),
        ("require-concurrent-index", None),
    ]
    assert "gives no reason, so it suppresses nothing" in findings[1].details[-1]


def test_the_configuration_ignores_rules_and_overrides_severities(tmp_path: Path) -> None:
    settings = LintSettings(
        ignore=frozenset({"missing-lock-timeout"}), severity={"drop-column": "error"}
    )
    findings = _lint(tmp_path, 'op.drop_column("orders", "note")', settings)
    assert [(f.rule, f.severity, f.suppressed) for f in findings] == [
        ("drop-column", "error", None),
        ("missing-lock-timeout", "warning", "ignored in [check.lint]"),
    ]


def test_the_lock_timeout_rule_fires_once_and_not_after_set_lock_timeout(tmp_path: Path) -> None:
    unset = _lint(
        tmp_path,
        """
op.alter_column("orders", "a", server_default="0")
op.alter_column("orders", "b", server_default="0")
""",
    )
    assert _rules(unset) == [("missing-lock-timeout", None)]
    assert (
        _lint(
            tmp_path,
            """
op.execute("SET lock_timeout TO '2s'")
op.alter_column("orders", "a", server_default="0")
""",
        )
        == []
    )


def test_sqlite_has_no_lock_rules(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        'op.create_index("ix_a", "orders", ["a"])\nop.drop_column("orders", "b")',
        LintSettings(dialect="sqlite"),
    )
    assert _rules(findings) == [("drop-column", None)]


def test_tables_of_unreleased_revisions_are_new_to_the_revisions_above(project: Project) -> None:
    project.add("a1", upgrade="op.create_table('users', sa.Column('id', sa.Integer))")
    project.add("b1", "a1", upgrade="op.create_table('orders', sa.Column('id', sa.Integer))")
    project.add(
        "b2",
        "b1",
        upgrade="""
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_index('ix_orders_id', 'orders', ['id'])
op.create_index('ix_users_id', 'users', ['id'])
op.add_column('users', sa.Column('email', sa.Text))
op.alter_column('users', 'email', nullable=False)
""",
    )
    history = load_history(load_config(cwd=project.root))
    findings = lint_revisions(history, ["b1", "b2"], ["b1", "b2"], PG)
    assert [(f.revision, f.rule, f.line) for f in findings] == [
        ("b2", "require-concurrent-index", 20),
    ]
    assert "'users'" in findings[0].message
    # Released, b1's table is an existing one.
    released = lint_revisions(history, ["b2"], ["b2"], PG)
    assert [f.rule for f in released] == ["require-concurrent-index", "require-concurrent-index"]


def test_op_execute_sql_goes_to_squawk(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        """
op.execute("SET LOCAL lock_timeout = '5s'")
op.execute("ALTER TABLE orders DROP COLUMN legacy")
""",
    )
    assert [(f.rule, f.line) for f in findings] == [("squawk:ban-drop-column", 19)]
    assert findings[0].message.endswith("(squawk)")
    assert findings[0].details == ("ALTER TABLE orders DROP COLUMN legacy",)


def test_set_local_inside_an_autocommit_block_sets_nothing(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        """
with op.get_context().autocommit_block():
    op.execute("SET LOCAL lock_timeout = '5s'")
op.execute("SET lock_timeout = '5s'")
op.add_column("orders", sa.Column("a", sa.Integer))
""",
    )
    assert findings == []
    unset = _lint(
        tmp_path,
        """
with op.get_context().autocommit_block():
    op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column("orders", sa.Column("a", sa.Integer))
""",
    )
    assert _rules(unset) == [("missing-lock-timeout", None)]
