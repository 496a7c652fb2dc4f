"""Rename hints (a dropped column or table that looks like an added one) and renames on request
(``CompareOptions.renames``, the command's ``--rename old:new``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from migguard.autogen.diff import Note
from migguard.autogen.render import render_operations
from migguard.ops.schema import (
    AddColumn,
    AlterColumn,
    CreateTable,
    DropColumn,
    DropTable,
    RenameTable,
)
from tests.testing.diff import (
    build,
    customer,
    described,
    diff,
    engine_for,
    operations,
    round_trip,
    run,
    undo,
)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


def with_age(name: str, type_: Any = sa.Integer, nullable: bool = False) -> sa.MetaData:
    metadata = sa.MetaData()
    customer(metadata, sa.Column(name, type_, nullable=nullable), sa.Index(f"ix_{name}", name))
    return metadata


@pytest.mark.slow
def test_column_that_looks_renamed_gets_a_note_and_a_warning(engine: sa.Engine) -> None:
    build(engine, with_age("age"))
    after = with_age("years")
    result = diff(engine, after)
    _, note, add, drop, _ = result.items
    assert isinstance(note, Note)
    assert "op.alter_column('customer', 'age', new_column_name='years')" in note.text
    assert isinstance(add, AddColumn) and add.column.name == "years"
    assert isinstance(drop, DropColumn) and drop.column_name == "age"
    assert described(result) == [
        "drop index 'ix_age' on 'customer'",
        "add column 'customer.years'",
        "drop column 'customer.age'",
        "add index 'ix_years' on 'customer' (years)",
    ]
    (warning,) = result.warnings
    assert warning.startswith("possible rename: column 'customer.age' -> 'customer.years'")
    assert "--rename customer.age:customer.years" in warning
    body = render_operations(result.items, dialect_name=engine.dialect.name).body
    assert "# Rename hint: 'customer.age' is dropped and 'customer.years' added" in body
    round_trip(engine, after, result)


def test_no_hint_when_the_shape_differs_or_the_match_is_ambiguous(engine: sa.Engine) -> None:
    build(engine, with_age("age"))
    assert diff(engine, with_age("years", sa.String(10))).warnings == []
    assert diff(engine, with_age("years", nullable=True)).warnings == []
    two = sa.MetaData()
    customer(
        two,
        sa.Column("years", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    assert not any(isinstance(item, Note) for item in diff(engine, two).items)


def test_requested_column_rename_keeps_the_data_and_its_index(engine: sa.Engine) -> None:
    build(
        engine,
        with_age("age"),
        rows=[
            "INSERT INTO customer (id, first_name, last_name, address, city, age) "
            "VALUES (1, 'Ada', 'L', 'here', 'there', 36)"
        ],
    )
    after = with_age("years", sa.BigInteger)
    after.tables["customer"].indexes.clear()
    sa.Index("ix_age", after.tables["customer"].c.years)
    result = diff(engine, after, renames=(("customer.age", "customer.years"),))
    (rename,) = operations(result)
    assert isinstance(rename, AlterColumn)
    assert (rename.column_name, rename.new_column_name) == ("age", "years")
    assert isinstance(rename.type_, sa.BigInteger)
    assert described(result) == [
        "alter column 'customer.age': rename to 'years'; type INTEGER -> BIGINT"
    ]
    assert result.warnings == []
    run(engine, result.items)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT years FROM customer")).scalar() == 36
    assert diff(engine, after).items == []
    undo(engine, result.items)
    assert diff(engine, with_age("age")).items == []


def test_table_that_looks_renamed_gets_a_note_before_create_and_drop(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "client", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    build(engine, before)
    after = sa.MetaData()
    sa.Table(
        "customer", after, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    result = diff(engine, after)
    note, create, drop = result.items
    assert isinstance(note, Note) and "op.rename_table('client', 'customer')" in note.text
    assert isinstance(create, CreateTable) and isinstance(drop, DropTable)
    assert result.warnings[0].startswith("possible rename: table 'client' -> 'customer'")
    round_trip(engine, after, result)


def test_requested_table_rename_keeps_rows_and_foreign_keys(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "client", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    sa.Table(
        "orders",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.ForeignKey("client.id", name="fk_orders_client")),
    )
    build(engine, before, rows=["INSERT INTO client (id, n) VALUES (7, 'x')"])
    after = sa.MetaData()
    sa.Table(
        "customer", after, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    sa.Table(
        "orders",
        after,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.ForeignKey("customer.id", name="fk_orders_client")),
    )
    result = diff(engine, after, renames=(("client", "customer"),))
    (rename,) = operations(result)
    assert rename == RenameTable("client", "customer")
    assert described(result) == ["rename table 'client' to 'customer'"]
    round_trip(engine, after, renames=(("client", "customer"),), result=result)
    run(engine, result.items)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT n FROM customer WHERE id = 7")).scalar() == "x"


def test_renames_that_do_not_fit_are_reported(engine: sa.Engine) -> None:
    build(engine, with_age("age"))
    result = diff(
        engine, with_age("age"), renames=(("nothing", "else"), ("customer.x", "customer.y"))
    )
    assert result.items == []
    assert result.warnings == [
        "rename nothing:else ignored: the database has no table 'nothing' the models lack, "
        "or the models have no new table 'else' in the same schema",
        "rename customer.x:customer.y ignored: no column 'x' only the database has and 'y' "
        "only the models have in one table 'customer'",
    ]
