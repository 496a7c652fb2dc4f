"""The index rules: an index of an existing table is built and dropped CONCURRENTLY, in an
autocommit block; shown on PostgreSQL by the locks the statements take."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.lint import (
    ORDER_ROWS,
    line_of,
    lint_upgrade,
    query,
    recorded_sql,
    released_schema,
    rule_ids,
    run_revision,
    strongest_lock,
    uncommitted,
    waiting_in_background,
    waits,
)
from tests.testing.project import Project

CREATE_UNSAFE = 'op.create_index("ix_orders_email", "orders", ["email"])'
CREATE_SAFE = """
with op.get_context().autocommit_block():
    op.create_index("ix_orders_email", "orders", ["email"], postgresql_concurrently=True)
"""
DROP_UNSAFE = 'op.drop_index("ix_orders_amount", table_name="orders")'
DROP_SAFE = """
with op.get_context().autocommit_block():
    op.drop_index("ix_orders_amount", table_name="orders", postgresql_concurrently=True)
"""
CONCURRENTLY_IN_TRANSACTION = (
    'op.create_index("ix_orders_email", "orders", ["email"], postgresql_concurrently=True)'
)
INSERT = "INSERT INTO orders (id, email) VALUES (100001, 'new@example.org')"
SELECT = "SELECT count(*) FROM orders"


def test_create_index_on_an_existing_table_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, CREATE_UNSAFE)
    assert rule_ids(findings) == ["require-concurrent-index", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.create_index(")
    assert "'orders'" in finding.message and "SHARE lock" in finding.message
    assert "postgresql_concurrently=True" in (finding.hint or "")


def test_create_index_concurrently_in_an_autocommit_block_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, CREATE_SAFE)
    assert findings == []


def test_drop_index_of_an_existing_table_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, DROP_UNSAFE)
    assert rule_ids(findings) == ["require-concurrent-index-drop", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.drop_index(")
    assert "'orders'" in finding.message and "ACCESS EXCLUSIVE" in finding.message


def test_drop_index_concurrently_in_an_autocommit_block_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, DROP_SAFE)
    assert findings == []


def test_concurrently_inside_the_transaction_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, CONCURRENTLY_IN_TRANSACTION)
    assert rule_ids(findings) == ["concurrently-in-transaction"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.create_index(")
    assert "'ix_orders_email'" in finding.message and "'orders'" in finding.message
    assert "autocommit_block()" in (finding.hint or "")


def test_drop_concurrently_inside_the_transaction_is_flagged(tmp_path: Path) -> None:
    upgrade = 'op.drop_index("ix_orders_amount", table_name="orders", postgresql_concurrently=True)'
    script, findings = lint_upgrade(tmp_path, upgrade)
    assert rule_ids(findings) == ["concurrently-in-transaction"]
    assert findings[0].line == line_of(script, "op.drop_index(")
    assert findings[0].message.startswith("DROP INDEX CONCURRENTLY")
    assert "'orders'" in findings[0].message


@pytest.mark.parametrize(
    "upgrade",
    [
        'op.create_index("ix_orders_email", "orders", ["email"])',
        'op.drop_index("ix_orders_email", table_name="orders")',
    ],
    ids=["create", "drop"],
)
def test_indexes_of_a_table_created_in_the_same_revision_pass(tmp_path: Path, upgrade: str) -> None:
    created = (
        'op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True), '
        'sa.Column("email", sa.String(100)))\n'
    )
    _, findings = lint_upgrade(tmp_path, created + upgrade)
    assert findings == []


def test_the_rules_are_postgresql_s(tmp_path: Path) -> None:
    from migguard.lint.settings import LintSettings

    _, findings = lint_upgrade(
        tmp_path, CREATE_UNSAFE + "\n" + DROP_UNSAFE, LintSettings(dialect="sqlite")
    )
    assert findings == []


# --- on PostgreSQL -------------------------------------------------------------------------------


def test_the_safe_create_index_runs_and_leaves_a_valid_index(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", CREATE_SAFE)
    assert result.code == 0, result.err
    rows = query(
        pg_url,
        "SELECT i.indisvalid, i.indisready FROM pg_index i "
        "WHERE i.indexrelid = 'ix_orders_email'::regclass",
    )
    assert rows == [(True, True)]
    assert query(pg_url, SELECT) == [(ORDER_ROWS,)]


def test_the_safe_drop_index_runs(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", DROP_SAFE)
    assert result.code == 0, result.err
    assert query(pg_url, "SELECT to_regclass('ix_orders_amount')") == [(None,)]


def test_concurrently_inside_the_transaction_fails_the_upgrade(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", CONCURRENTLY_IN_TRANSACTION)
    assert result.code == 4
    assert "cannot run inside a transaction block" in result.err


def test_create_index_blocks_writes_and_concurrently_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, CREATE_UNSAFE)
    (create,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    assert create == "CREATE INDEX ix_orders_email ON orders (email)"
    with uncommitted(pg_url, create) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "ShareLock"
        assert waits(pg_url, INSERT)
        assert not waits(pg_url, SELECT)

    safe_script, _ = lint_upgrade(tmp_path, CREATE_SAFE, rid="c1d2e3f4a5b6")
    (concurrent,) = recorded_sql(safe_script, "c1d2e3f4a5b6", tmp_path)
    assert concurrent == "CREATE INDEX CONCURRENTLY ix_orders_email ON orders (email)"
    with waiting_in_background(pg_url, concurrent, "orders", "ShareUpdateExclusiveLock"):
        assert not waits(pg_url, INSERT)
        assert not waits(pg_url, SELECT)
    assert query(
        pg_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_orders_email'::regclass"
    ) == [(True,)]


def test_drop_index_blocks_reads_and_concurrently_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, DROP_UNSAFE)
    (drop,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    assert drop == "DROP INDEX ix_orders_amount"
    with uncommitted(pg_url, drop) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "AccessExclusiveLock"
        assert waits(pg_url, SELECT)
        assert waits(pg_url, INSERT)

    safe_script, _ = lint_upgrade(tmp_path, DROP_SAFE, rid="c1d2e3f4a5b6")
    (concurrent,) = recorded_sql(safe_script, "c1d2e3f4a5b6", tmp_path)
    assert concurrent == "DROP INDEX CONCURRENTLY ix_orders_amount"
    with waiting_in_background(pg_url, concurrent, "orders", "ShareUpdateExclusiveLock"):
        assert not waits(pg_url, SELECT)
        assert not waits(pg_url, INSERT)
    assert query(pg_url, "SELECT to_regclass('ix_orders_amount')") == [(None,)]
