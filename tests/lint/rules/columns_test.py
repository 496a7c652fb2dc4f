"""The column rules: adding, tightening and retyping columns of existing tables. Shown on
PostgreSQL by the locks the statements take and by whether the table is rewritten (its rows
move to a new file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.lint.settings import LintSettings
from tests.testing.lint import (
    ALEMBIC_OP,
    BASE,
    ORDER_ROWS,
    connection,
    execute,
    line_of,
    lint_upgrade,
    query,
    recorded_sql,
    released_schema,
    relfilenode,
    rule_ids,
    run_revision,
    strongest_lock,
    uncommitted,
    waits,
)
from tests.testing.project import Project

SET_NOT_NULL_UNSAFE = (
    'op.alter_column("orders", "email", existing_type=sa.String(100), nullable=False)'
)
# The recipe: a CHECK proves the column has no nulls, validated in its own transaction, so
# SET NOT NULL need not scan the table.
SET_NOT_NULL_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_check_constraint(
    "ck_orders_email_not_null", "orders", "email IS NOT NULL", postgresql_not_valid=True
)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_email_not_null")
op.execute("SET LOCAL lock_timeout = '5s'")
op.alter_column("orders", "email", existing_type=sa.String(100), nullable=False)
op.drop_constraint("ck_orders_email_not_null", "orders", type_="check")
"""
VOLATILE_UNSAFE = """
op.add_column(
    "orders", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()"))
)
"""
VOLATILE_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column("orders", sa.Column("token", sa.Uuid(), nullable=True))
op.alter_column("orders", "token", server_default=sa.text("gen_random_uuid()"))
with op.get_context().autocommit_block():
    op.execute("UPDATE orders SET token = gen_random_uuid() WHERE token IS NULL")
"""
IDENTITY_UNSAFE = """
op.add_column("orders", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False))
"""
SERIAL_UNSAFE = """
op.add_column("events", sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=True))
"""
GENERATED_UNSAFE = """
op.add_column("orders", sa.Column("twice", sa.Integer(), sa.Computed("amount * 2", persisted=True)))
"""
IDENTITY_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column("orders", sa.Column("seq", sa.BigInteger(), nullable=True))
op.execute("CREATE SEQUENCE orders_seq_seq OWNED BY orders.seq")
op.alter_column("orders", "seq", server_default=sa.text("nextval('orders_seq_seq')"))
with op.get_context().autocommit_block():
    op.execute("UPDATE orders SET seq = nextval('orders_seq_seq') WHERE seq IS NULL")
"""
NOT_NULL_UNSAFE = 'op.add_column("orders", sa.Column("status", sa.String(20), nullable=False))'
NOT_NULL_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column(
    "orders",
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
)
"""
TYPE_UNSAFE = """
op.alter_column("orders", "amount", existing_type=sa.Integer(), type_=sa.BigInteger())
"""
TYPE_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column("orders", sa.Column("amount_big", sa.BigInteger(), nullable=True))
with op.get_context().autocommit_block():
    op.execute("UPDATE orders SET amount_big = amount WHERE amount_big IS NULL")
"""
WIDEN_VARCHAR = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.alter_column("orders", "code", existing_type=sa.String(20), type_=sa.String(50))
"""
INSERT = "INSERT INTO orders (id, email, amount) VALUES (100001, 'new@example.org', 5)"
SELECT = "SELECT count(*) FROM orders"


# --- set-not-null -------------------------------------------------------------------------------


def test_set_not_null_on_an_existing_column_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, SET_NOT_NULL_UNSAFE)
    assert rule_ids(findings) == ["set-not-null", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.alter_column(")
    assert "'orders.email'" in finding.message and "ACCESS EXCLUSIVE" in finding.message
    assert "ck_orders_email_not_null" in (finding.hint or "")
    assert "autocommit_block()" in (finding.hint or "")


def test_a_column_already_not_null_passes(tmp_path: Path) -> None:
    upgrade = (
        "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
        'op.alter_column("orders", "email", existing_nullable=False, nullable=False, '
        "comment='contact')"
    )
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


def test_the_set_not_null_recipe_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, SET_NOT_NULL_SAFE)
    assert findings == []


def test_the_set_not_null_recipe_runs(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", SET_NOT_NULL_SAFE)
    assert result.code == 0, result.err
    assert query(
        pg_url,
        "SELECT is_nullable FROM information_schema.columns "
        "WHERE table_name = 'orders' AND column_name = 'email'",
    ) == [("NO",)]
    assert query(
        pg_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'ck_orders_email_not_null'"
    ) == [(0,)]


def test_set_not_null_blocks_reads_and_the_check_lets_it_skip_the_scan(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, SET_NOT_NULL_UNSAFE)
    (set_not_null,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    assert set_not_null == "ALTER TABLE orders ALTER COLUMN email SET NOT NULL"
    with uncommitted(pg_url, set_not_null) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "AccessExclusiveLock"
        assert waits(pg_url, SELECT)
        assert waits(pg_url, INSERT)

    execute(
        pg_url,
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_email_not_null "
        "CHECK (email IS NOT NULL) NOT VALID",
    )
    with uncommitted(pg_url, "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_email_not_null") as (
        conn,
        pid,
    ):
        assert strongest_lock(conn, pid, "orders") == "ShareUpdateExclusiveLock"
        assert not waits(pg_url, SELECT)
        assert not waits(pg_url, INSERT)
        conn.commit()
    # PostgreSQL says (at DEBUG1) when a valid CHECK spares SET NOT NULL its scan.
    notes: list[str] = []
    with connection(pg_url) as conn:
        conn.add_notice_handler(lambda notice: notes.append(str(notice.message_primary)))
        conn.execute("SET client_min_messages = debug1")
        conn.execute(set_not_null)
        conn.commit()
    assert any("are sufficient to prove that it does not contain nulls" in n for n in notes), notes


# --- add-column-volatile-default ----------------------------------------------------------------


def test_a_volatile_default_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, VOLATILE_UNSAFE)
    assert rule_ids(findings) == ["add-column-volatile-default", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.add_column(")
    assert "'orders.token'" in finding.message and "gen_random_uuid()" in finding.message


def test_a_default_of_an_unknown_function_is_a_warning(tmp_path: Path) -> None:
    upgrade = (
        'op.add_column("orders", sa.Column("token", sa.Uuid(), '
        'server_default=sa.text("make_token()")))'
    )
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert [(f.rule, f.severity) for f in findings] == [
        ("add-column-volatile-default", "warning"),
        ("missing-lock-timeout", "warning"),
    ]


@pytest.mark.parametrize(
    "default", ['"0"', 'sa.text("now()")', "sa.text(\"'pending'::text\")", "sa.func.now()"]
)
def test_a_constant_or_stable_default_passes(tmp_path: Path, default: str) -> None:
    upgrade = (
        "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
        f'op.add_column("orders", sa.Column("extra", sa.Text(), server_default={default}))'
    )
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


def test_the_volatile_default_recipe_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, VOLATILE_SAFE)
    assert findings == []


def test_the_hint_sets_the_default_before_the_backfill(tmp_path: Path) -> None:
    """Rows written while the backfill runs get the default only when it is set first."""
    _, findings = lint_upgrade(tmp_path, VOLATILE_UNSAFE)
    hint = findings[0].hint or ""
    assert hint.index("server_default") < hint.index("backfill")


def test_a_volatile_default_rewrites_the_table_and_the_recipe_does_not(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)
    before = relfilenode(pg_url, "orders")
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", VOLATILE_SAFE)
    assert result.code == 0, result.err
    assert relfilenode(pg_url, "orders") == before
    assert query(pg_url, "SELECT count(*) FROM orders WHERE token IS NULL") == [(0,)]
    execute(pg_url, INSERT)
    assert query(pg_url, "SELECT token IS NOT NULL FROM orders WHERE id = 100001") == [(True,)]

    execute(pg_url, "ALTER TABLE orders ADD COLUMN other uuid DEFAULT gen_random_uuid()")
    assert relfilenode(pg_url, "orders") != before


def test_a_constant_default_does_not_rewrite_the_table(pg_url: str) -> None:
    execute(pg_url, "CREATE TABLE orders (id integer PRIMARY KEY)", "INSERT INTO orders VALUES (1)")
    before = relfilenode(pg_url, "orders")
    execute(pg_url, "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now()")
    execute(pg_url, "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending'")
    assert relfilenode(pg_url, "orders") == before


# --- add-identity-column ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upgrade", "column", "kind"),
    [
        (IDENTITY_UNSAFE, "'orders.seq'", "an identity column"),
        (SERIAL_UNSAFE, "'events.seq'", "a serial column"),
        (GENERATED_UNSAFE, "'orders.twice'", "a stored generated column"),
    ],
    ids=["identity", "serial", "generated"],
)
def test_a_column_computed_for_every_row_is_flagged(
    tmp_path: Path, upgrade: str, column: str, kind: str
) -> None:
    script, findings = lint_upgrade(tmp_path, upgrade)
    assert rule_ids(findings) == ["add-identity-column", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.add_column(")
    assert column in finding.message and kind in finding.message


@pytest.mark.parametrize(
    "upgrade",
    [
        'op.add_column("events", sa.Column("serial", sa.Text()))',
        'op.add_column("events", sa.Column("note", sa.Text(), comment="bigserial numbers"))',
        """
with op.batch_alter_table("events") as batch_op:
    batch_op.add_column(sa.Column("note", sa.Text()))
    batch_op.add_column(sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=True))
""",
    ],
    ids=["named-serial", "comment", "batch-neighbour"],
)
def test_only_a_serial_column_is_serial(tmp_path: Path, upgrade: str) -> None:
    setting = "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
    script, findings = lint_upgrade(tmp_path, setting + upgrade)
    expected = [("add-identity-column", line_of(script, "seq"))] if "seq" in upgrade else []
    assert [(f.rule, f.line) for f in findings] == expected


def test_the_identity_recipe_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, IDENTITY_SAFE)
    assert findings == []


@pytest.mark.parametrize(
    ("upgrade", "table"),
    [(IDENTITY_UNSAFE, "orders"), (SERIAL_UNSAFE, "events"), (GENERATED_UNSAFE, "orders")],
    ids=["identity", "serial", "generated"],
)
def test_a_column_computed_for_every_row_rewrites_the_table(
    project: Project, pg_url: str, upgrade: str, table: str
) -> None:
    released_schema(project, pg_url)
    before = relfilenode(pg_url, table)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", upgrade)
    assert result.code == 0, result.err
    assert relfilenode(pg_url, table) != before


def test_the_identity_recipe_numbers_every_row_without_a_rewrite(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)
    before = relfilenode(pg_url, "orders")
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", IDENTITY_SAFE)
    assert result.code == 0, result.err
    assert relfilenode(pg_url, "orders") == before
    assert query(pg_url, "SELECT count(DISTINCT seq), count(seq) FROM orders") == [
        (ORDER_ROWS, ORDER_ROWS)
    ]
    execute(pg_url, INSERT)
    assert query(pg_url, "SELECT seq FROM orders WHERE id = 100001") == [(ORDER_ROWS + 1,)]


# --- add-not-null-without-default ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", ["add-not-null-without-default", "missing-lock-timeout"]),
        ("sqlite", ["add-not-null-without-default"]),
    ],
)
def test_a_not_null_column_without_default_is_flagged(
    tmp_path: Path, dialect: str, expected: list[str]
) -> None:
    script, findings = lint_upgrade(tmp_path, NOT_NULL_UNSAFE, LintSettings(dialect=dialect))
    assert rule_ids(findings) == expected
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.add_column(")
    assert "'orders.status'" in finding.message


def test_a_not_null_column_with_a_constant_default_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, NOT_NULL_SAFE)
    assert findings == []


def test_a_not_null_column_without_default_fails_on_rows_and_the_default_runs(
    project: Project, pg_url: str
) -> None:
    released_schema(project, pg_url)
    failed = run_revision(project, pg_url, "c1d2e3f4a5b6", NOT_NULL_UNSAFE)
    assert failed.code == 4
    assert "contains null values" in failed.err
    (project.versions / "c1d2e3f4a5b6_rev.py").unlink()
    before = relfilenode(pg_url, "orders")
    result = run_revision(project, pg_url, "d1e2f3a4b5c6", NOT_NULL_SAFE)
    assert result.code == 0, result.err
    assert query(pg_url, "SELECT DISTINCT status FROM orders") == [("pending",)]
    assert relfilenode(pg_url, "orders") == before


def test_on_sqlite_too_a_not_null_column_without_default_fails_on_rows(
    project: Project, sqlite_url: str
) -> None:
    base = """
op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))
op.execute("INSERT INTO orders (id) VALUES (1), (2)")
"""
    project.add(BASE, upgrade=base, op_import=ALEMBIC_OP)
    assert project.run("--url", sqlite_url, "upgrade", "head").code == 0
    failed = run_revision(project, sqlite_url, "c1d2e3f4a5b6", NOT_NULL_UNSAFE)
    assert failed.code == 4
    assert "Cannot add a NOT NULL column" in failed.err
    (project.versions / "c1d2e3f4a5b6_rev.py").unlink()
    safe = NOT_NULL_SAFE.replace("op.execute(\"SET LOCAL lock_timeout = '5s'\")\n", "")
    result = run_revision(project, sqlite_url, "d1e2f3a4b5c6", safe)
    assert result.code == 0, result.err


# --- column-type-change -------------------------------------------------------------------------


def test_a_type_change_that_rewrites_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, TYPE_UNSAFE)
    assert rule_ids(findings) == ["column-type-change", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.alter_column(")
    assert "'orders.amount'" in finding.message
    assert "INTEGER to BIGINT" in finding.message


def test_a_type_change_without_existing_type_is_a_warning(tmp_path: Path) -> None:
    _, findings = lint_upgrade(
        tmp_path, 'op.alter_column("orders", "amount", type_=sa.BigInteger())'
    )
    assert [(f.rule, f.severity) for f in findings] == [
        ("column-type-change", "warning"),
        ("missing-lock-timeout", "warning"),
    ]
    assert "existing_type" in (findings[0].hint or "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("sa.String(20)", "sa.String(50)"),
        ("sa.String(20)", "sa.Text()"),
        ("sa.String(20)", "sa.String()"),
        ("sa.Numeric(10, 2)", "sa.Numeric(12, 2)"),
    ],
)
def test_a_binary_coercible_type_change_passes(tmp_path: Path, old: str, new: str) -> None:
    upgrade = (
        "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
        f'op.alter_column("orders", "code", existing_type={old}, type_={new})'
    )
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("sa.String(50)", "sa.String(20)"),
        ("sa.Text()", "sa.String(20)"),
        ("sa.Numeric(10, 2)", "sa.Numeric(12, 4)"),
    ],
)
def test_a_narrowing_type_change_is_flagged(tmp_path: Path, old: str, new: str) -> None:
    upgrade = f'op.alter_column("orders", "code", existing_type={old}, type_={new})'
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert rule_ids(findings) == ["column-type-change", "missing-lock-timeout"]


def test_the_type_change_recipe_is_clean(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, TYPE_SAFE)
    assert findings == []


def test_the_type_change_recipe_runs(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", TYPE_SAFE)
    assert result.code == 0, result.err
    assert query(pg_url, "SELECT count(*) FROM orders WHERE amount_big = amount") == [(ORDER_ROWS,)]


def test_widening_a_varchar_does_not_rewrite(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    before = relfilenode(pg_url, "orders")
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", WIDEN_VARCHAR)
    assert result.code == 0, result.err
    assert relfilenode(pg_url, "orders") == before


def test_a_type_change_rewrites_and_blocks_reads_and_the_backfill_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, TYPE_UNSAFE)
    (retype,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    assert retype == "ALTER TABLE orders ALTER COLUMN amount TYPE BIGINT"
    before = relfilenode(pg_url, "orders")
    with uncommitted(pg_url, retype) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "AccessExclusiveLock"
        assert waits(pg_url, SELECT)
        assert waits(pg_url, INSERT)
        conn.commit()
    assert relfilenode(pg_url, "orders") != before

    execute(pg_url, "ALTER TABLE orders ADD COLUMN amount_wide numeric")
    backfill = "UPDATE orders SET amount_wide = amount WHERE amount_wide IS NULL"
    with uncommitted(pg_url, backfill) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "RowExclusiveLock"
        assert not waits(pg_url, SELECT)
        assert not waits(pg_url, INSERT)


# --- new columns and tables ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "upgrade",
    [
        SET_NOT_NULL_UNSAFE,
        VOLATILE_UNSAFE,
        IDENTITY_UNSAFE,
        NOT_NULL_UNSAFE,
        TYPE_UNSAFE,
    ],
    ids=["set-not-null", "volatile-default", "identity", "not-null", "type"],
)
def test_columns_of_a_table_created_in_the_same_revision_pass(tmp_path: Path, upgrade: str) -> None:
    created = """
op.create_table(
    "orders",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("email", sa.String(100)),
    sa.Column("amount", sa.Integer()),
)
"""
    _, findings = lint_upgrade(tmp_path, created + upgrade)
    assert findings == []


@pytest.mark.parametrize(
    "change",
    [
        'op.alter_column("orders", "note", existing_type=sa.Text(), nullable=False)',
        'op.alter_column("orders", "note", existing_type=sa.Text(), type_=sa.String(10))',
    ],
    ids=["set-not-null", "type"],
)
def test_a_column_added_in_the_same_revision_passes(tmp_path: Path, change: str) -> None:
    upgrade = (
        "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
        'op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))\n' + change
    )
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []
