"""Comparing models with a real database: tables, columns, nullability, types, server defaults
and comments, on SQLite and PostgreSQL; plus the helpers the other diff tests use.

Each test builds the database with ``create_all`` from a "before" MetaData, changes the models,
and checks the exact operations ``compare`` returns and their ``describe`` lines; most also run
the operations and their reverses to show they carry what they need.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from migguard.autogen.diff import CompareOptions, DiffResult, Note, compare, describe, to_json
from migguard.autogen.diff.sql import normalise_sql
from migguard.autogen.generate import same_check_asker
from migguard.autogen.render import render_downgrade, render_operations
from migguard.autogen.snapshot import Snapshot, TableInfo, TypeSpec, reflect
from migguard.ops.base import Operation
from migguard.ops.context import OnlineContext
from migguard.ops.operations import Operations
from migguard.ops.schema import AddColumn, AlterColumn, CreateTable, DropColumn, DropTable
from tests.autogen.shop_schema import shop_metadata

# --- helpers shared by the diff tests -----------------------------------------------------------


def engine_for(url: str) -> Iterator[sa.Engine]:
    """An engine on ``url``, disposed afterwards (for the modules' ``engine`` fixtures)."""
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(pg_url)


def schemas_of(metadata: sa.MetaData) -> tuple[str | None, ...]:
    """The default schema and every schema ``metadata`` names."""
    return (None, *sorted({t.schema for t in metadata.tables.values() if t.schema}))


def build(engine: sa.Engine, metadata: sa.MetaData, *, rows: Sequence[str] = ()) -> None:
    """Create ``metadata``'s schemas (PostgreSQL) and tables, then run the SQL in ``rows``."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            for schema in schemas_of(metadata)[1:]:
                conn.execute(sa.schema.CreateSchema(str(schema), if_not_exists=True))
        metadata.create_all(conn)
        for sql in rows:
            conn.execute(sa.text(sql))
        conn.commit()


def snapshot(engine: sa.Engine, schemas: Sequence[str | None] = (None,)) -> Snapshot:
    with engine.connect() as conn:
        return reflect(conn, schemas=schemas, exclude=())


def default_schemas(
    engine: sa.Engine, metadata: sa.MetaData | Sequence[sa.MetaData]
) -> tuple[str | None, ...]:
    """The schemas the models name (PostgreSQL), or the default schema alone (SQLite)."""
    if engine.dialect.name == "sqlite":
        return (None,)
    all_metadata = [metadata] if isinstance(metadata, sa.MetaData) else list(metadata)
    found = {s for m in all_metadata for s in schemas_of(m)}
    return tuple(sorted(found, key=lambda s: s or ""))


def diff(
    engine: sa.Engine, metadata: sa.MetaData | Sequence[sa.MetaData], **options: Any
) -> DiffResult:
    """``compare`` the models with the database behind ``engine``; ``options`` are
    ``CompareOptions`` fields (``schemas`` defaults to ``default_schemas``). As the commands
    do, the schemas the models name are reflected besides those asked for."""
    all_metadata = [metadata] if isinstance(metadata, sa.MetaData) else list(metadata)
    named = default_schemas(engine, metadata)
    options.setdefault("schemas", named)
    with engine.connect() as conn:
        taken = reflect(conn, schemas=(*options["schemas"], *named), exclude=())
        if conn.dialect.name == "postgresql":
            # As ``migguard revision --autogenerate`` compares on PostgreSQL.
            options.setdefault("same_check", same_check_asker(conn))
        return compare(all_metadata, taken, conn.dialect, CompareOptions(**options))


def operations(result: DiffResult) -> list[Operation]:
    return [item for item in result.items if not isinstance(item, Note)]


def described(result: DiffResult) -> list[str]:
    return [describe(operation, result.dialect) for operation in operations(result)]


def run(engine: sa.Engine, items: Sequence[Operation | Note]) -> None:
    """Run the operations of ``items`` in order, in one transaction."""
    with engine.connect() as conn:
        op = Operations(OnlineContext(conn))
        for item in items:
            if not isinstance(item, Note):
                op.invoke(item)
        conn.commit()


def undo(engine: sa.Engine, items: Sequence[Operation | Note]) -> None:
    """Run the reverses of ``items``' operations, last first (what a downgrade does)."""
    run(engine, [item.reverse() for item in reversed(operations(DiffResult(list(items), [])))])


def comparable(taken: Snapshot) -> Snapshot:
    """``taken`` with what a drop-and-re-create legitimately changes set aside: column order
    (a re-added column comes last), the Python class of a type (only its DDL counts) and the
    casts PostgreSQL writes into a check constraint it is given back in its own words."""

    def table(info: TableInfo) -> TableInfo:
        columns = tuple(
            dataclasses.replace(c, type=TypeSpec("", "", (), c.type.compiled))
            for c in sorted(info.columns, key=lambda c: c.name)
        )
        checks = tuple(
            dataclasses.replace(c, sqltext=str(normalise_sql(c.sqltext, taken.dialect)))
            for c in info.checks
        )
        return dataclasses.replace(info, columns=columns, checks=checks)

    return dataclasses.replace(taken, tables=tuple(table(t) for t in taken.tables))


def round_trip(
    engine: sa.Engine,
    metadata: sa.MetaData | Sequence[sa.MetaData],
    result: DiffResult,
    **options: Any,
) -> None:
    """Run ``result`` (which must render), check the database then matches the models, run the
    reverses and check the database is back where it was."""
    schemas = options.get("schemas") or default_schemas(engine, metadata)
    before = comparable(snapshot(engine, schemas))
    render_operations(result.items, dialect_name=engine.dialect.name)
    render_downgrade(result.items, dialect_name=engine.dialect.name)
    run(engine, result.items)
    assert described(diff(engine, metadata, **options)) == []
    undo(engine, result.items)
    assert comparable(snapshot(engine, schemas)) == before


def customer(metadata: sa.MetaData, *extra: sa.Column[Any] | sa.Constraint) -> sa.Table:
    """The seeds' ``customer`` table, with ``extra`` columns or constraints."""
    return sa.Table(
        "customer",
        metadata,
        sa.Column("id", sa.Integer, autoincrement=True, primary_key=True),
        sa.Column("first_name", sa.String(), nullable=False),
        sa.Column("last_name", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        *extra,
    )


def broad_metadata(dialect: str) -> list[sa.MetaData]:
    """The shop schema (every common type, ``func.now()``/``text('0')``/string defaults, keys,
    indexes, checks, comments, enums, a composite primary key) plus harder defaults and a
    table under a naming convention."""
    metadata = shop_metadata(dialect)
    sa.Table(
        "settings",
        metadata,
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("quote", sa.String(20), server_default="it's"),
        sa.Column("ratio", sa.Numeric(5, 2), server_default="1.50"),
        sa.Column("offset_days", sa.Integer, server_default=sa.text("-1")),
        sa.Column("enabled", sa.Boolean, server_default=sa.false()),
        sa.Column("checked", sa.Boolean(create_constraint=True, name="ck_settings_checked")),
        sa.Column("level", sa.Enum("low", "high", native_enum=False, create_constraint=True)),
        sa.Column("changed", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("every", sa.Interval),
        sa.Column("weight", sa.Double),
        sa.Column("code", sa.CHAR(3), server_default="abc", unique=True),
    )
    conventional = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    parent = sa.Table("parent", conventional, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "child",
        conventional,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.ForeignKey(parent.c.id), index=True),
        sa.Column("code", sa.String(10), unique=True),
        sa.Column("n", sa.Integer),
        sa.CheckConstraint("n > 0", name="positive"),
    )
    return [metadata, conventional]


# --- in sync ------------------------------------------------------------------------------------


def test_models_just_created_are_in_sync(engine: sa.Engine) -> None:
    metadata = broad_metadata(engine.dialect.name)
    for part in metadata:
        build(engine, part)
    result = diff(engine, metadata)
    assert result.items == []
    assert result.warnings == []


# --- tables and columns -------------------------------------------------------------------------


def test_seed_customer_table_is_added(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    customer(metadata)
    result = diff(engine, metadata)
    (create,) = operations(result)
    assert isinstance(create, CreateTable)
    assert create.table_name == "customer"
    assert [c.name for c in create.template.columns] == [
        "id",
        "first_name",
        "last_name",
        "address",
        "city",
    ]
    assert described(result) == ["add table 'customer'"]
    assert to_json(result) == [
        {"kind": "add_table", "schema": None, "table": "customer", "detail": "add table 'customer'"}
    ]
    round_trip(engine, metadata, result)


def test_seed_age_column_is_added(engine: sa.Engine) -> None:
    before = sa.MetaData()
    customer(before)
    build(engine, before)
    after = sa.MetaData()
    customer(after, sa.Column("age", sa.Integer, nullable=False))
    result = diff(engine, after)
    (add,) = operations(result)
    assert isinstance(add, AddColumn)
    assert (add.table_name, add.column.name, add.column.nullable) == ("customer", "age", False)
    assert isinstance(add.column.type, sa.Integer)
    assert described(result) == ["add column 'customer.age'"]
    assert to_json(result)[0] == {
        "kind": "add_column",
        "schema": None,
        "table": "customer",
        "column": "age",
        "detail": "add column 'customer.age'",
    }
    round_trip(engine, after, result)


def test_dropped_table_and_column_carry_their_definitions(engine: sa.Engine) -> None:
    before = sa.MetaData()
    customer(before, sa.Column("age", sa.Integer, nullable=False, server_default=sa.text("18")))
    sa.Table(
        "legacy", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Text)
    )
    build(engine, before)
    after = sa.MetaData()
    customer(after)
    result = diff(engine, after)
    drop_column, drop_table = operations(result)
    assert isinstance(drop_column, DropColumn) and isinstance(drop_table, DropTable)
    assert (drop_column.table_name, drop_column.column_name) == ("customer", "age")
    definition = drop_column.definition
    assert definition is not None and not definition.nullable
    assert isinstance(definition.type, sa.Integer)
    assert definition.server_default is not None
    assert drop_table.definition is not None
    assert [c.name for c in drop_table.definition.template.columns] == ["id", "v"]
    assert described(result) == ["drop column 'customer.age'", "drop table 'legacy'"]
    round_trip(engine, after, result)


def test_nullable_type_and_default_changes_make_one_alter_per_column(engine: sa.Engine) -> None:
    before = sa.MetaData()
    customer(
        before,
        sa.Column("nick", sa.String(20), server_default="anon"),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("note", sa.String(50)),
    )
    build(engine, before)
    after = sa.MetaData()
    customer(
        after,
        sa.Column("nick", sa.String(20), server_default="guest"),
        sa.Column("score", sa.BigInteger, nullable=True),
        sa.Column("note", sa.String(50), nullable=False, server_default=sa.text("'-'")),
    )
    result = diff(engine, after)
    nick, score, note = operations(result)
    assert all(isinstance(op, AlterColumn) for op in (nick, score, note))
    assert isinstance(nick, AlterColumn) and isinstance(score, AlterColumn)
    assert isinstance(note, AlterColumn)
    assert (nick.column_name, nick.server_default, nick.type_, nick.nullable) == (
        "nick",
        "guest",
        None,
        None,
    )
    assert isinstance(score.type_, sa.BigInteger) and score.nullable is True
    assert score.existing_nullable is False and isinstance(score.existing_type, sa.Integer)
    assert note.nullable is False and note.existing_server_default is None
    existing_nick = str(nick.existing_server_default.text)
    assert existing_nick in ("'anon'", "'anon'::character varying")
    assert described(result) == [
        f"alter column 'customer.nick': server default {existing_nick} -> 'guest'",
        "alter column 'customer.score': type INTEGER -> BIGINT; nullable False -> True",
        "alter column 'customer.note': nullable True -> False; server default None -> '-'",
    ]
    round_trip(engine, after, result)


def test_equivalent_spellings_are_not_changes(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "t",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.String(10), server_default=sa.text("'x'")),
        sa.Column("b", sa.Integer, server_default="0"),
        sa.Column("c", sa.DateTime, server_default=sa.text("(CURRENT_TIMESTAMP)")),
        sa.Column("d", sa.Numeric(8, 2)),
    )
    build(engine, before)
    after = sa.MetaData()
    sa.Table(
        "t",
        after,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.VARCHAR(10), server_default="x"),
        sa.Column("b", sa.Integer, server_default=sa.text("0")),
        sa.Column("c", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.Column("d", sa.DECIMAL(8, 2)),
    )
    assert diff(engine, after).items == []


def test_type_and_default_comparison_can_be_turned_off(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "t", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.String(5))
    )
    build(engine, before)
    after = sa.MetaData()
    sa.Table(
        "t",
        after,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.String(9), server_default="x"),
    )
    assert len(diff(engine, after).items) == 1
    assert diff(engine, after, compare_type=False, compare_server_default=False).items == []


def test_comments_of_tables_and_columns(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "t",
        before,
        sa.Column("id", sa.Integer, primary_key=True, comment="old"),
        sa.Column("a", sa.Integer),
        comment="table comment",
    )
    sa.Table("u", before, sa.Column("id", sa.Integer, primary_key=True))
    build(engine, before)
    after = sa.MetaData()
    sa.Table(
        "t",
        after,
        sa.Column("id", sa.Integer, primary_key=True, comment="new"),
        sa.Column("a", sa.Integer, comment="added"),
    )
    sa.Table("u", after, sa.Column("id", sa.Integer, primary_key=True), comment="now one")
    result = diff(engine, after)
    if engine.dialect.name == "sqlite":
        # SQLite keeps no comments (https://www.sqlite.org/lang_createtable.html has none).
        assert result.items == []
        return
    assert described(result) == [
        "alter column 't.id': comment 'old' -> 'new'",
        "alter column 't.a': comment None -> 'added'",
        "drop comment of table 't'",
        "set comment of table 'u' to 'now one'",
    ]
    round_trip(engine, after, result)


def test_postgresql_serial_and_identity_defaults_are_not_changes(pg_engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    sa.Table("s", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "i",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("tags", pg.ARRAY(sa.Text), server_default=sa.text("'{}'")),
    )
    build(pg_engine, metadata)
    assert diff(pg_engine, metadata).items == []


def test_nothing_in_the_models_warns_that_every_table_would_go(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    customer(metadata)
    build(engine, metadata)
    result = diff(engine, sa.MetaData())
    assert described(result) == ["drop table 'customer'"]
    (warning,) = result.warnings
    assert warning.startswith("would drop every table of the database (1): are the models")


def test_snapshot_of_another_database_kind_is_refused() -> None:
    from sqlalchemy.dialects import sqlite

    with pytest.raises(ValueError, match="taken on postgresql, not sqlite"):
        compare(sa.MetaData(), Snapshot("postgresql", ()), sqlite.dialect())
