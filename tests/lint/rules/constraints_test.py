"""The constraint rules: foreign keys and CHECKs of existing tables are added NOT VALID and
validated in another transaction; UNIQUE and PRIMARY KEY constraints attach an index built
concurrently. Shown on PostgreSQL by the locks the statements take."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.lint import (
    execute,
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

FK_UNSAFE = (
    'op.create_foreign_key("fk_orders_customer", "orders", "customers", ["customer_id"], ["id"])'
)
FK_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_foreign_key(
    "fk_orders_customer",
    "orders",
    "customers",
    ["customer_id"],
    ["id"],
    postgresql_not_valid=True,
)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer")
"""
# The same recipe over two revisions (each revision runs in its own transaction).
FK_NOT_VALID = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_foreign_key(
    "fk_orders_customer",
    "orders",
    "customers",
    ["customer_id"],
    ["id"],
    postgresql_not_valid=True,
)
"""
FK_VALIDATE = 'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer")'
CHECK_UNSAFE = 'op.create_check_constraint("ck_orders_amount", "orders", "amount > 0")'
CHECK_SAFE = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_check_constraint(
    "ck_orders_amount", "orders", "amount > 0", postgresql_not_valid=True
)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount")
"""
UNIQUE_UNSAFE = 'op.create_unique_constraint("uq_orders_email", "orders", ["email"])'
UNIQUE_SAFE = """
with op.get_context().autocommit_block():
    op.create_index(
        "uq_orders_email", "orders", ["email"], unique=True, postgresql_concurrently=True
    )
op.execute("SET LOCAL lock_timeout = '5s'")
op.execute("ALTER TABLE orders ADD CONSTRAINT uq_orders_email UNIQUE USING INDEX uq_orders_email")
"""
PK_UNSAFE = 'op.create_primary_key("pk_events", "events", ["id"])'
PK_SAFE = """
with op.get_context().autocommit_block():
    op.create_index("pk_events", "events", ["id"], unique=True, postgresql_concurrently=True)
op.execute("SET LOCAL lock_timeout = '5s'")
op.execute("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events")
"""
INSERT = "INSERT INTO orders (id, customer_id, amount) VALUES (100001, 1, 5)"
SELECT = "SELECT count(*) FROM orders"
CUSTOMER_INSERT = "INSERT INTO customers (id, name) VALUES (100001, 'new')"


def test_a_foreign_key_validated_at_once_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, FK_UNSAFE)
    assert rule_ids(findings) == ["constraint-not-valid", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.create_foreign_key(")
    assert "'orders'" in finding.message and "'customers'" in finding.message
    assert "SHARE ROW EXCLUSIVE" in finding.message
    assert "postgresql_not_valid=True" in (finding.hint or "")


def test_a_check_validated_at_once_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, CHECK_UNSAFE)
    assert rule_ids(findings) == ["constraint-not-valid", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.create_check_constraint(")
    assert "'orders'" in finding.message and "ACCESS EXCLUSIVE" in finding.message


def test_the_hint_validates_in_another_transaction(tmp_path: Path) -> None:
    """VALIDATE in the transaction that added the constraint still holds the ADD's lock
    (see test_validate_in_the_adding_transaction_keeps_writes_waiting)."""
    _, findings = lint_upgrade(tmp_path, CHECK_UNSAFE)
    hint = findings[0].hint or ""
    assert "autocommit_block()" in hint
    assert "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount" in hint


@pytest.mark.parametrize(
    "upgrade",
    [FK_SAFE, CHECK_SAFE, FK_NOT_VALID, FK_VALIDATE],
    ids=["fk", "check", "fk-not-valid-revision", "fk-validate-revision"],
)
def test_not_valid_then_validate_is_clean(tmp_path: Path, upgrade: str) -> None:
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


def test_a_unique_constraint_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, UNIQUE_UNSAFE)
    assert rule_ids(findings) == ["require-unique-via-index", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.create_unique_constraint(")
    assert "'orders'" in finding.message
    assert "UNIQUE USING INDEX uq_orders_email" in (finding.hint or "")


def test_a_primary_key_is_flagged(tmp_path: Path) -> None:
    script, findings = lint_upgrade(tmp_path, PK_UNSAFE)
    assert rule_ids(findings) == ["add-primary-key", "missing-lock-timeout"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.line == line_of(script, "op.create_primary_key(")
    assert "'events'" in finding.message
    assert "PRIMARY KEY USING INDEX pk_events" in (finding.hint or "")
    assert any("set-not-null" in line for line in finding.details)


@pytest.mark.parametrize("upgrade", [UNIQUE_SAFE, PK_SAFE], ids=["unique", "primary-key"])
def test_attaching_an_index_built_concurrently_is_clean(tmp_path: Path, upgrade: str) -> None:
    _, findings = lint_upgrade(tmp_path, upgrade)
    assert findings == []


@pytest.mark.parametrize(
    "upgrade", [FK_UNSAFE, CHECK_UNSAFE, UNIQUE_UNSAFE], ids=["fk", "check", "unique"]
)
def test_constraints_of_a_table_created_in_the_same_revision_pass(
    tmp_path: Path, upgrade: str
) -> None:
    # The lock_timeout is set: a new table's foreign key still locks the released table it
    # references (see timeouts_test.py).
    created = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_table(
    "orders",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("customer_id", sa.Integer()),
    sa.Column("email", sa.String(100)),
    sa.Column("amount", sa.Integer()),
)
"""
    _, findings = lint_upgrade(tmp_path, created + upgrade)
    assert findings == []


def test_a_primary_key_of_a_table_created_in_the_same_revision_passes(tmp_path: Path) -> None:
    created = 'op.create_table("events", sa.Column("id", sa.Integer(), nullable=False))\n'
    _, findings = lint_upgrade(tmp_path, created + PK_UNSAFE)
    assert findings == []


# --- on PostgreSQL -------------------------------------------------------------------------------


def _validated(pg_url: str, name: str) -> list[tuple[object, ...]]:
    return query(
        pg_url, "SELECT contype, convalidated FROM pg_constraint WHERE conname = %s", (name,)
    )


@pytest.mark.parametrize(
    ("upgrade", "name", "kind"),
    [(FK_SAFE, "fk_orders_customer", "f"), (CHECK_SAFE, "ck_orders_amount", "c")],
    ids=["fk", "check"],
)
def test_the_safe_revision_leaves_a_validated_constraint(
    project: Project, pg_url: str, upgrade: str, name: str, kind: str
) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", upgrade)
    assert result.code == 0, result.err
    assert _validated(pg_url, name) == [(kind, True)]


def test_not_valid_and_validate_in_two_revisions(project: Project, pg_url: str) -> None:
    released_schema(project, pg_url)
    assert run_revision(project, pg_url, "c1d2e3f4a5b6", FK_NOT_VALID).code == 0
    assert _validated(pg_url, "fk_orders_customer") == [("f", False)]
    result = run_revision(project, pg_url, "d1e2f3a4b5c6", FK_VALIDATE, down="c1d2e3f4a5b6")
    assert result.code == 0, result.err
    assert _validated(pg_url, "fk_orders_customer") == [("f", True)]


@pytest.mark.parametrize(
    ("upgrade", "name"),
    [(UNIQUE_SAFE, "uq_orders_email"), (PK_SAFE, "pk_events")],
    ids=["unique", "primary-key"],
)
def test_the_safe_revision_attaches_the_concurrent_index(
    project: Project, pg_url: str, upgrade: str, name: str
) -> None:
    released_schema(project, pg_url)
    result = run_revision(project, pg_url, "c1d2e3f4a5b6", upgrade)
    assert result.code == 0, result.err
    rows = query(
        pg_url,
        "SELECT c.contype, i.relname, x.indisvalid FROM pg_constraint c "
        "JOIN pg_class i ON i.oid = c.conindid JOIN pg_index x ON x.indexrelid = c.conindid "
        "WHERE c.conname = %s",
        (name,),
    )
    assert rows == [("u" if name.startswith("uq") else "p", name, True)]


def test_a_foreign_key_blocks_writes_and_validate_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, FK_UNSAFE)
    (add,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    with uncommitted(pg_url, add) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "ShareRowExclusiveLock"
        assert strongest_lock(conn, pid, "customers") == "ShareRowExclusiveLock"
        assert waits(pg_url, INSERT)
        assert waits(pg_url, CUSTOMER_INSERT)
        assert not waits(pg_url, SELECT)

    safe_script, _ = lint_upgrade(tmp_path, FK_NOT_VALID, rid="c1d2e3f4a5b6")
    (add_not_valid,) = recorded_sql(safe_script, "c1d2e3f4a5b6", tmp_path)
    assert add_not_valid.endswith("NOT VALID")
    with uncommitted(pg_url, add_not_valid) as (conn, _):
        conn.commit()
    with uncommitted(pg_url, "ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer") as (
        conn,
        pid,
    ):
        assert strongest_lock(conn, pid, "orders") == "ShareUpdateExclusiveLock"
        assert strongest_lock(conn, pid, "customers") == "RowShareLock"
        assert not waits(pg_url, INSERT)
        assert not waits(pg_url, CUSTOMER_INSERT)
        assert not waits(pg_url, SELECT)


def test_a_check_blocks_reads_and_validate_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, CHECK_UNSAFE)
    (add,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    with uncommitted(pg_url, add) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "AccessExclusiveLock"
        assert waits(pg_url, SELECT)
        assert waits(pg_url, INSERT)

    with uncommitted(pg_url, f"{add} NOT VALID") as (conn, _):
        conn.commit()
    with uncommitted(pg_url, "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount") as (
        conn,
        pid,
    ):
        assert strongest_lock(conn, pid, "orders") == "ShareUpdateExclusiveLock"
        assert not waits(pg_url, INSERT)
        assert not waits(pg_url, SELECT)


def test_validate_in_the_adding_transaction_keeps_writes_waiting(pg_url: str) -> None:
    """Why the recipe validates in another transaction: VALIDATE after ADD ... NOT VALID in
    the same transaction runs under the ADD's lock."""
    execute(
        pg_url,
        "CREATE TABLE orders (id integer PRIMARY KEY, amount integer)",
        "INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g",
    )
    with uncommitted(
        pg_url,
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_amount CHECK (amount > 0) NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount",
    ) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "AccessExclusiveLock"
        assert waits(pg_url, "INSERT INTO orders VALUES (1000, 1)")


def test_a_unique_constraint_blocks_writes_and_the_concurrent_index_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, UNIQUE_UNSAFE)
    (add,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    with uncommitted(pg_url, add) as (conn, pid):
        assert strongest_lock(conn, pid, "orders") == "AccessExclusiveLock"
        assert waits(pg_url, INSERT)
        assert waits(pg_url, SELECT)

    safe_script, _ = lint_upgrade(tmp_path, UNIQUE_SAFE, rid="c1d2e3f4a5b6")
    build, attach = recorded_sql(safe_script, "c1d2e3f4a5b6", tmp_path)
    assert build.startswith("CREATE UNIQUE INDEX CONCURRENTLY uq_orders_email")
    with waiting_in_background(pg_url, build, "orders", "ShareUpdateExclusiveLock"):
        assert not waits(pg_url, INSERT)
        assert not waits(pg_url, SELECT)
    index = query(pg_url, "SELECT 'uq_orders_email'::regclass::oid")
    with uncommitted(pg_url, attach) as (conn, _):
        conn.commit()
    # The constraint took over the index built concurrently: no second build.
    assert (
        query(pg_url, "SELECT conindid FROM pg_constraint WHERE conname = 'uq_orders_email'")
        == index
    )


def test_a_primary_key_using_an_index_sets_not_null_under_access_exclusive(pg_url: str) -> None:
    """Why the add-primary-key recipe makes the columns NOT NULL first: attaching the index
    to a nullable column sets NOT NULL, which scans the table under ACCESS EXCLUSIVE."""
    execute(
        pg_url,
        "CREATE TABLE events (id integer, kind text)",
        "INSERT INTO events SELECT g, 'e' FROM generate_series(1, 100) g",
        "CREATE UNIQUE INDEX pk_events ON events (id)",
    )
    attach = "ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events"
    with uncommitted(pg_url, attach) as (conn, pid):
        assert strongest_lock(conn, pid, "events") == "AccessExclusiveLock"
        conn.commit()
    assert query(
        pg_url,
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'events'::regclass "
        "AND attname = 'id'",
    ) == [(True,)]


def test_a_primary_key_blocks_reads_and_the_concurrent_index_does_not(
    project: Project, pg_url: str, tmp_path: Path
) -> None:
    released_schema(project, pg_url)
    script, _ = lint_upgrade(tmp_path, PK_UNSAFE)
    (add,) = recorded_sql(script, "b1c2d3e4f5a6", tmp_path)
    with uncommitted(pg_url, add) as (conn, pid):
        assert strongest_lock(conn, pid, "events") == "AccessExclusiveLock"
        assert waits(pg_url, "SELECT count(*) FROM events")
        assert waits(pg_url, "INSERT INTO events (id, kind) VALUES (100001, 'e')")

    safe_script, _ = lint_upgrade(tmp_path, PK_SAFE, rid="c1d2e3f4a5b6")
    build, _attach = recorded_sql(safe_script, "c1d2e3f4a5b6", tmp_path)
    assert build.startswith("CREATE UNIQUE INDEX CONCURRENTLY pk_events")
    with waiting_in_background(pg_url, build, "events", "ShareUpdateExclusiveLock"):
        assert not waits(pg_url, "SELECT count(*) FROM events")
        assert not waits(pg_url, "INSERT INTO events (id, kind) VALUES (100001, 'e')")
