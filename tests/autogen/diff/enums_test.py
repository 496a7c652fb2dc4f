"""PostgreSQL enum types: created before the tables that use them, dropped after, labels added
in place or the type re-created; every change undone by its reverse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from migguard.autogen.diff.enums import EnumTypeChange, EnumUser, enum_change
from migguard.ops.schema import AddColumn, CreateTable, DropTable
from tests.testing.diff import (
    build,
    described,
    diff,
    engine_for,
    operations,
    round_trip,
    run,
    snapshot,
    undo,
)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(pg_url)


def orders(metadata: sa.MetaData, *labels: str, default: str | None = None) -> sa.Table:
    status = sa.Enum(*labels, name="order_status")
    return sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", status, server_default=default),
    )


def test_new_type_is_created_before_its_table_and_dropped_after(pg_engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    orders(metadata, "new", "paid")
    result = diff(pg_engine, metadata)
    create_type, create_table = operations(result)
    assert isinstance(create_type, EnumTypeChange) and isinstance(create_table, CreateTable)
    assert create_type.sqltext == "CREATE TYPE order_status AS ENUM ('new', 'paid')"
    assert create_table.template.c.status.type.create_type is False  # type: ignore[attr-defined]
    assert described(result) == [
        "add enum type 'order_status' ('new', 'paid')",
        "add table 'orders'",
    ]
    round_trip(pg_engine, metadata, result)
    assert snapshot(pg_engine).enums == ()


def test_type_for_a_new_column_of_an_existing_table(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table("orders", before, sa.Column("id", sa.Integer, primary_key=True))
    build(pg_engine, before)
    after = sa.MetaData()
    orders(after, "new", "paid")
    result = diff(pg_engine, after)
    create_type, add = operations(result)
    assert isinstance(create_type, EnumTypeChange) and isinstance(add, AddColumn)
    round_trip(pg_engine, after, result)


def test_labels_added_in_place_and_removed_by_the_reverse(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    orders(before, "new", "paid", default="new")
    build(pg_engine, before, rows=["INSERT INTO orders (id, status) VALUES (1, 'paid')"])
    after = sa.MetaData()
    orders(after, "draft", "new", "shipped", "paid", "refunded", default="new")
    result = diff(pg_engine, after)
    (change,) = operations(result)
    assert isinstance(change, EnumTypeChange) and change.kind == "alter_enum"
    assert str(change.sqltext).split(";\n") == [
        "ALTER TYPE order_status ADD VALUE 'draft' BEFORE 'new'",
        "ALTER TYPE order_status ADD VALUE 'shipped' AFTER 'new'",
        "ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid'",
    ]
    assert described(result) == [
        "alter enum type 'order_status': ('new', 'paid') -> "
        "('draft', 'new', 'shipped', 'paid', 'refunded')"
    ]
    round_trip(pg_engine, after, result)
    with pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status::text FROM orders")).scalar() == "paid"


def test_labels_removed_recreate_the_type_keeping_rows_and_defaults(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    orders(before, "new", "paid", "void", default="new")
    build(pg_engine, before, rows=["INSERT INTO orders (id, status) VALUES (1, 'paid')"])
    after = sa.MetaData()
    orders(after, "paid", "new", default="new")
    result = diff(pg_engine, after)
    (change,) = operations(result)
    assert isinstance(change, EnumTypeChange)
    assert change.users == (EnumUser(None, "orders", "status", False, "'new'::order_status"),)
    assert str(change.sqltext).split(";\n") == [
        "ALTER TYPE order_status RENAME TO order_status_old",
        "CREATE TYPE order_status AS ENUM ('paid', 'new')",
        "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT",
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status",
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new'",
        "DROP TYPE order_status_old",
    ]
    round_trip(pg_engine, after, result)
    run(pg_engine, result.items)
    with pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status::text FROM orders")).scalar() == "paid"
        conn.execute(sa.text("INSERT INTO orders (id) VALUES (2)"))
        assert conn.execute(sa.text("SELECT status::text FROM orders WHERE id = 2")).scalar() == (
            "new"
        )
    undo(pg_engine, result.items)


def test_unused_type_is_dropped_after_its_table(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    orders(before, "new", "paid")
    build(pg_engine, before)
    result = diff(pg_engine, sa.MetaData())
    drop_table, drop_type = operations(result)
    assert isinstance(drop_table, DropTable) and isinstance(drop_type, EnumTypeChange)
    assert described(result) == ["drop table 'orders'", "drop enum type 'order_status'"]
    round_trip(pg_engine, sa.MetaData(), result)


def test_type_still_used_by_an_excluded_table_stays(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    orders(before, "new", "paid")
    build(pg_engine, before)
    assert diff(pg_engine, sa.MetaData(), exclude_tables=("orders",)).items == []


def test_enum_sql_quotes_labels_and_names() -> None:
    change = enum_change("Odd Name", "billing", None, ("it's", "a:b"))
    # A lone colon would start a bound parameter in sqlalchemy.text(): it is escaped.
    assert change.sqltext == "CREATE TYPE billing.\"Odd Name\" AS ENUM ('it''s', 'a\\:b')"
    assert change.reverse().sqltext == 'DROP TYPE billing."Odd Name"'
    assert change.reverse().reverse() == change
    added = enum_change("e", None, ("b",), ("a", "b", "c"))
    assert added.reverse().kind == "alter_enum"
    assert str(added.reverse().sqltext).startswith("ALTER TYPE e RENAME TO e_old")
