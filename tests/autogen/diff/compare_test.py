"""Comparing models with a real database: tables, columns, nullability, types, server defaults
and comments, on SQLite and PostgreSQL (the helpers are in tests/testing/diff.py).

Each test builds the database with ``create_all`` from a "before" MetaData, changes the models,
and checks the exact operations ``compare`` returns and their ``describe`` lines; most also run
the operations and their reverses to show they carry what they need.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from migguard.autogen.diff import compare, to_json
from migguard.autogen.snapshot.records import Snapshot
from migguard.ops.schema import AddColumn, AlterColumn, CreateTable, DropColumn, DropTable
from tests.testing.diff import (
    broad_metadata,
    build,
    customer,
    described,
    diff,
    engine_for,
    operations,
    round_trip,
)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(pg_url)


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
