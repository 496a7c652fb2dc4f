"""The lock-timeout rule: a revision that locks existing tables sets ``lock_timeout`` first.
Shown on PostgreSQL: a DDL statement waiting for its lock makes every later query of the table
wait behind it, and ``SET LOCAL lock_timeout`` in the revision makes it give up instead."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from migguard.lint.settings import LintSettings
from tests.testing.lint import (
    BASE,
    connection,
    line_of,
    lint_upgrade,
    query,
    released_schema,
    rule_ids,
    run_revision,
    strongest_lock,
    uncommitted,
    until,
    waits,
    waits_for_lock,
)
from tests.testing.project import Project

ADD_NOTE = 'op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))'


def test_locking_an_existing_table_without_a_timeout_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, ADD_NOTE)
    assert rule_ids(findings) == ["missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "warning"
    assert finding.line == line_of(script, "op.add_column(")
    assert "'orders'" in finding.message
    assert "SET LOCAL lock_timeout" in (finding.hint or "")


def test_it_is_reported_once_per_revision_at_the_first_lock(tmp_path: Path) -> None:
    upgrade = """
op.create_table("staging", sa.Column("id", sa.Integer(), primary_key=True))
op.alter_column("customers", "name", existing_type=sa.String(50), comment="who")
op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))
"""
    script, findings = lint_upgrade(tmp_path, upgrade)
    assert [(f.rule, f.line) for f in findings] == [
        ("missing-lock-timeout", line_of(script, "op.alter_column("))
    ]
    assert "'customers'" in findings[0].message


@pytest.mark.parametrize(
    "setting",
    [
        "SET LOCAL lock_timeout = '5s'",
        "SET lock_timeout = '5s'",
        "set session lock_timeout to 5000",
    ],
)
def test_a_timeout_set_first_is_clean(tmp_path: Path, setting: str) -> None:
    _, findings = lint_upgrade(tmp_path, f"op.execute({setting!r})\n{ADD_NOTE}")
    assert findings == []


def test_a_timeout_set_after_the_lock_is_too_late(tmp_path: Path) -> None:
    script, findings = lint_upgrade(
        tmp_path, f"{ADD_NOTE}\nop.execute(\"SET LOCAL lock_timeout = '5s'\")"
    )
    assert [(f.rule, f.line) for f in findings] == [
        ("missing-lock-timeout", line_of(script, "op.add_column("))
    ]


@pytest.mark.parametrize(
    "upgrade",
    [
        'op.create_table("staging", sa.Column("id", sa.Integer(), primary_key=True))\n'
        'op.add_column("staging", sa.Column("note", sa.Text()))',
        'op.create_table_comment("orders", "what customers bought")',
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_orders_email", "orders", ["email"], '
        "postgresql_concurrently=True)",
    ],
    ids=["new-table", "comment", "concurrently"],
)
def test_what_takes_no_strong_lock_on_a_released_table_passes(tmp_path: Path, upgrade: str) -> None:
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


@pytest.mark.parametrize(
    ("upgrade", "call"),
    [
        (
            'op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True), '
            'sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id")))',
            "op.create_table(",
        ),
        (
            'op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True), '
            'sa.Column("customer_id", sa.Integer()))\n'
            'op.create_foreign_key("fk_payments_customer", "payments", "customers", '
            '["customer_id"], ["id"])',
            "op.create_foreign_key(",
        ),
    ],
    ids=["create_table", "create_foreign_key"],
)
def test_a_foreign_key_of_a_new_table_locks_the_released_table_it_references(
    tmp_path: Path, upgrade: str, call: str
) -> None:
    script, findings = lint_upgrade(tmp_path, upgrade)
    assert [(f.rule, f.line) for f in findings] == [("missing-lock-timeout", line_of(script, call))]
    assert "'customers'" in findings[0].message


def test_a_foreign_key_between_new_tables_passes(tmp_path: Path) -> None:
    upgrade = """
op.create_table("payers", sa.Column("id", sa.Integer(), primary_key=True))
op.create_table(
    "payments",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("payer_id", sa.Integer(), sa.ForeignKey("payers.id")),
)
"""
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("ALTER TABLE orders ADD COLUMN note text", "'orders'"),
        (
            "alter table if exists only public.orders alter column email set not null",
            "'public.orders'",
        ),
        ('ALTER TABLE "Orders" ADD COLUMN note text', "'Orders'"),
        ('ALTER TABLE "my.app".orders ADD COLUMN note text', "'my.app.orders'"),
        ("CREATE UNIQUE INDEX ix_orders_email ON orders (email)", "'orders'"),
        ("CREATE INDEX ON orders USING btree (email)", "'orders'"),
        ("DROP TABLE IF EXISTS events", "'events'"),
        ("TRUNCATE events", "'events'"),
        ("LOCK TABLE orders", "'orders'"),
        ("LOCK orders IN SHARE MODE", "'orders'"),
    ],
    ids=[
        "alter",
        "alter-qualified",
        "alter-quoted",
        "alter-quoted-schema",
        "create-index",
        "create-index-unnamed",
        "drop-table",
        "truncate",
        "lock",
        "lock-share",
    ],
)
def test_raw_sql_that_locks_a_released_table_is_flagged(
    tmp_path: Path, sql: str, named: str
) -> None:
    script, findings = lint_upgrade(tmp_path, f"op.execute({sql!r})")
    timeouts = [f for f in findings if f.rule == "missing-lock-timeout"]
    assert [f.line for f in timeouts] == [line_of(script, "op.execute(")]
    assert named in timeouts[0].message


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount",
        "CREATE INDEX CONCURRENTLY ix_orders_email ON orders (email)",
        "DROP INDEX CONCURRENTLY ix_orders_amount",
        "LOCK TABLE orders IN ACCESS SHARE MODE",
        "UPDATE orders SET amount = 0 WHERE amount IS NULL",
        "CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100",
    ],
    ids=["validate", "create-concurrently", "drop-concurrently", "access-share", "update", "view"],
)
def test_raw_sql_without_a_strong_lock_passes(tmp_path: Path, sql: str) -> None:
    _, findings = lint_upgrade(tmp_path, f"op.execute({sql!r})")
    assert "missing-lock-timeout" not in rule_ids(findings)


def test_raw_sql_on_a_table_created_in_the_revision_passes(tmp_path: Path) -> None:
    upgrade = """
op.create_table("staging", sa.Column("id", sa.Integer(), primary_key=True))
op.execute("ALTER TABLE staging ADD COLUMN note text")
op.execute("CREATE INDEX ix_staging_note ON staging (note)")
"""
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert "missing-lock-timeout" not in rule_ids(findings)


def test_the_rule_is_postgresql_s(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, ADD_NOTE, LintSettings(dialect="sqlite"))
    assert findings == []


# --- on PostgreSQL -------------------------------------------------------------------------------


def test_a_waiting_alter_makes_reads_wait_behind_it(pg_url: str) -> None:
    """Why the rule exists: ALTER TABLE queued behind a long transaction holds up even plain
    SELECTs, which would not wait for the long transaction alone."""
    with connection(pg_url, autocommit=True) as setup:
        setup.execute("CREATE TABLE orders (id integer PRIMARY KEY)")
        setup.execute("INSERT INTO orders SELECT generate_series(1, 100)")
    errors: list[BaseException] = []
    with (
        connection(pg_url) as report,
        connection(pg_url, autocommit=True) as alter,
        connection(pg_url, autocommit=True) as observer,
    ):
        report.execute("SELECT count(*) FROM orders")  # a long report: ACCESS SHARE, open

        def run() -> None:
            try:
                alter.execute("ALTER TABLE orders ADD COLUMN note text")
            except BaseException as exc:  # re-raised in the test's thread
                errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        until(lambda: waits_for_lock(observer, alter.info.backend_pid))
        assert waits(pg_url, "SELECT count(*) FROM orders")
        report.rollback()
        thread.join(10)
    assert not thread.is_alive() and not errors, errors


def test_set_local_lock_timeout_makes_the_revision_give_up(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    short = "op.execute(\"SET LOCAL lock_timeout = '100ms'\")\n" + ADD_NOTE
    with connection(pg_url) as report:
        report.execute("SELECT count(*) FROM orders")
        result = run_revision(project, pg_url, "c1d2e3f4a5b6", short)
        assert not waits(pg_url, "SELECT count(*) FROM orders")
    assert result.code == 4
    assert "LockNotAvailable" in result.err and "rolled back" in result.err
    assert query(pg_url, "SELECT version_num FROM alembic_version") == [(BASE,)]
    retried = project.run("--url", pg_url, "upgrade", "head")
    assert retried.code == 0, retried.err
    assert query(pg_url, "SELECT version_num FROM alembic_version") == [("c1d2e3f4a5b6",)]


def test_a_new_table_referencing_a_released_one_blocks_its_writes(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)
    create = (
        "CREATE TABLE payments (id integer PRIMARY KEY, customer_id integer REFERENCES customers)"
    )
    with uncommitted(pg_url, create) as (conn, pid):
        assert strongest_lock(conn, pid, "customers") == "ShareRowExclusiveLock"
        assert waits(pg_url, "INSERT INTO customers (id, name) VALUES (100001, 'new')")
        assert not waits(pg_url, "SELECT count(*) FROM customers")


# SET LOCAL lasts until the transaction ends, and autocommit_block() ends it.
SET_BEFORE_THE_BLOCK = """
op.execute("SET LOCAL lock_timeout = '5s'")
with op.get_context().autocommit_block():
    op.create_index("ix_orders_email", "orders", ["email"], postgresql_concurrently=True)
op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))
"""


def test_set_local_does_not_outlive_an_autocommit_block(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, SET_BEFORE_THE_BLOCK)
    assert [(f.rule, f.line) for f in findings] == [
        ("missing-lock-timeout", line_of(script, "op.add_column("))
    ]


def test_on_postgresql_set_local_ends_with_the_autocommit_block(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)

    def check(where: str) -> str:
        return (
            "op.execute(\"DO $$ BEGIN IF current_setting('lock_timeout') = '0' THEN "
            f"RAISE EXCEPTION 'no lock_timeout {where}'; END IF; END $$\")\n"
        )

    upgrade = SET_BEFORE_THE_BLOCK.replace(
        "with op.", check("before the block") + "with op."
    ).replace("op.add_column(", check("after the block") + "op.add_column(")
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", upgrade)
    assert result.code == 4
    assert "no lock_timeout after the block" in result.err
