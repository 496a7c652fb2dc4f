"""The expand/contract rules: dropping or renaming what the previous release's code still
uses. Shown on PostgreSQL with the previous release's queries."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from migguard.lint.settings import LintSettings
from tests.testing.lint import (
    ORDER_ROWS,
    execute,
    line_of,
    lint_upgrade,
    query,
    released_schema,
    rule_ids,
    run_revision,
)
from tests.testing.project import Project

DROP_COLUMN = 'op.drop_column("orders", "code")'
DROP_TABLE = 'op.drop_table("events")'
RENAME_COLUMN = 'op.alter_column("orders", "code", new_column_name="sku")'
RENAME_TABLE = 'op.rename_table("events", "activity")'
# Expand: the new column next to the old one, filled; the code moves to it before the old
# column is dropped in a later release.
RENAME_COLUMN_EXPAND = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column("orders", sa.Column("sku", sa.String(20), nullable=True))
with op.get_context().autocommit_block():
    op.execute("UPDATE orders SET sku = code WHERE sku IS NULL")
"""
# The old name stays readable and writable as a view until no release uses it.
RENAME_TABLE_RECIPE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.rename_table("events", "activity")
op.execute("CREATE VIEW events AS SELECT * FROM activity")
"""
# Contract, a release after the code stopped using the column: the reason is written down.
DROP_COLUMN_CONTRACT = """
op.execute("SET LOCAL lock_timeout = '5s'")
# migguard: safe[drop-column] release 2.3 stopped reading orders.code
op.drop_column("orders", "code")
"""
OLD_RELEASE_QUERY = "SELECT id, code FROM orders WHERE id = 1"


@pytest.mark.parametrize(
    ("upgrade", "rule", "call", "named"),
    [
        (DROP_COLUMN, "drop-column", "op.drop_column(", "'orders.code'"),
        (DROP_TABLE, "drop-table", "op.drop_table(", "'events'"),
        (RENAME_COLUMN, "rename-column", "op.alter_column(", "'orders.code'"),
        (RENAME_TABLE, "rename-table", "op.rename_table(", "'events'"),
    ],
    ids=["drop-column", "drop-table", "rename-column", "rename-table"],
)
def test_dropping_or_renaming_a_released_object_is_flagged(
    tmp_path: Path, upgrade: str, rule: str, call: str, named: str
) -> None:
    script, findings = lint_upgrade(tmp_path, upgrade)
    assert rule_ids(findings) == [rule, "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "warning"
    assert finding.line == line_of(script, call)
    assert named in finding.message
    assert "previous release" in finding.message


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_the_rules_apply_to_every_database(tmp_path: Path, dialect: str) -> None:
    upgrade = "\n".join([DROP_COLUMN, RENAME_COLUMN, RENAME_TABLE, DROP_TABLE])
    _, findings = lint_upgrade(tmp_path, upgrade, LintSettings(dialect=dialect))
    # MySQL also reports the revision's several schema changes (transactions_test.py).
    ids = [rule for rule in rule_ids(findings) if rule != "one-schema-change-per-revision"]
    assert ids == ["drop-column", "rename-column", "rename-table", "drop-table"]


def test_the_rename_column_expand_step_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, RENAME_COLUMN_EXPAND)
    assert findings == []


@pytest.mark.parametrize(
    ("upgrade", "rule"),
    [
        (DROP_COLUMN_CONTRACT, "drop-column"),
        (
            DROP_COLUMN_CONTRACT.replace("drop-column", "drop-table").replace(
                'op.drop_column("orders", "code")', 'op.drop_table("orders")'
            ),
            "drop-table",
        ),
    ],
    ids=["drop-column", "drop-table"],
)
def test_the_contract_step_passes_with_its_reason(tmp_path: Path, upgrade: str, rule: str) -> None:
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert [(f.rule, f.suppressed) for f in findings] == [
        (rule, "release 2.3 stopped reading orders.code")
    ]


def test_the_rename_table_recipe_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, RENAME_TABLE_RECIPE)
    assert findings == []


@pytest.mark.parametrize(
    "change",
    [
        'op.drop_column("orders", "note")',
        'op.alter_column("orders", "note", new_column_name="remark")',
    ],
    ids=["drop", "rename"],
)
def test_a_column_added_in_the_same_revision_passes(tmp_path: Path, change: str) -> None:
    upgrade = (
        "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
        'op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))\n' + change
    )
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


def test_a_table_created_in_the_same_revision_passes(tmp_path: Path) -> None:
    upgrade = """
op.create_table(
    "staging", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("x", sa.Text())
)
op.drop_column("staging", "x")
op.rename_table("staging", "imports")
op.alter_column("imports", "id", new_column_name="import_id")
op.drop_table("imports")
"""
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


# --- on PostgreSQL -------------------------------------------------------------------------------


def test_a_dropped_column_breaks_the_previous_release_s_query(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)
    assert query(pg_url, OLD_RELEASE_QUERY) == [(1, "k1")]
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", DROP_COLUMN_CONTRACT)
    assert result.code == 0, result.err
    with pytest.raises(psycopg.errors.UndefinedColumn):
        query(pg_url, OLD_RELEASE_QUERY)


def test_the_rename_column_expand_step_keeps_both_names(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", RENAME_COLUMN_EXPAND)
    assert result.code == 0, result.err
    assert query(pg_url, OLD_RELEASE_QUERY) == [(1, "k1")]
    assert query(pg_url, "SELECT count(*) FROM orders WHERE sku = code") == [(ORDER_ROWS,)]


def test_the_old_table_name_keeps_working_through_the_view(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", RENAME_TABLE_RECIPE)
    assert result.code == 0, result.err
    # The previous release's reads and writes, by the old name.
    execute(pg_url, "INSERT INTO events (id, kind) VALUES (100001, 'old code')")
    execute(pg_url, "UPDATE events SET kind = 'changed' WHERE id = 1")
    assert query(pg_url, "SELECT kind FROM activity WHERE id IN (1, 100001) ORDER BY id") == [
        ("changed",),
        ("old code",),
    ]
    assert query(pg_url, "SELECT count(*) FROM events") == [(501,)]
