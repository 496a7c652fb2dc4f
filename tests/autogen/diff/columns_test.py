"""Column changes written so that the script runs: on PostgreSQL a type change with no
automatic cast gets ``postgresql_using`` (a native enum through ``text``), and the written
upgrade and downgrade run with rows in the table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from migguard.autogen.diff import Note
from migguard.autogen.render import render_operations
from migguard.ops.schema import AlterColumn
from tests.testing.diff import build, described, diff, engine_for, operations
from tests.testing.rendered import load_script, run_in_transaction, write_script


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(pg_url)


def item(metadata: sa.MetaData, column_type: Any) -> sa.Table:
    return sa.Table(
        "item",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", column_type),
    )


def script_round_trip(engine: sa.Engine, before: sa.MetaData, after: sa.MetaData) -> dict[str, Any]:
    """Write the revision for ``after``, run its upgrade (then nothing differs), its downgrade
    (then ``before`` matches again) and its upgrade once more; the rendered script's module."""
    result = diff(engine, after)
    script = load_script(write_script(result.items, engine.dialect.name))
    url = engine.url.render_as_string(hide_password=False)
    run_in_transaction(url, lambda _: script["upgrade"]())
    assert described(diff(engine, after)) == []
    run_in_transaction(url, lambda _: script["downgrade"]())
    assert described(diff(engine, before)) == []
    run_in_transaction(url, lambda _: script["upgrade"]())
    assert described(diff(engine, after)) == []
    return {"result": result, "script": script}


@pytest.mark.parametrize(
    ("old", "new", "row", "using"),
    [
        (
            sa.String(20),
            sa.Enum("new", "paid", name="order_status"),
            "'paid'",
            "value::text::order_status",
        ),
        (
            sa.Enum("new", "paid", name="order_status", native_enum=False),
            sa.Enum("new", "paid", name="order_status"),
            "'paid'",
            "value::text::order_status",
        ),
        (sa.Integer, sa.Boolean, "1", "value::BOOLEAN"),
        (sa.String(36), pg.UUID, "'0d8f5e5c-6b1a-4a2e-9a51-3f1f2f0e8c11'", "value::UUID"),
        (sa.Text, pg.BYTEA, "'abc'", "value::BYTEA"),
    ],
    ids=[
        "varchar-to-native-enum",
        "non-native-to-native-enum",
        "integer-to-boolean",
        "varchar-to-uuid",
        "text-to-bytea",
    ],
)
def test_type_change_without_automatic_cast_is_written_with_using(
    pg_engine: sa.Engine, old: Any, new: Any, row: str, using: str
) -> None:
    before = sa.MetaData()
    item(before, old)
    build(pg_engine, before, rows=[f"INSERT INTO item (id, value) VALUES (1, {row})"])
    after = sa.MetaData()
    item(after, new)
    result = diff(pg_engine, after)
    (alter,) = [o for o in operations(result) if isinstance(o, AlterColumn)]
    assert alter.kw == {"postgresql_using": using}
    upgrade = render_operations(result.items, dialect_name="postgresql").body
    assert f"postgresql_using={using!r}" in upgrade
    assert any(isinstance(i, Note) and "Review the cast" in i.text for i in result.items)
    script_round_trip(pg_engine, before, after)
    with pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM item")).scalar() == 1


def test_enum_type_renamed_converts_the_column(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    item(before, sa.Enum("new", "paid", name="order_status"))
    build(pg_engine, before, rows=["INSERT INTO item (id, value) VALUES (1, 'paid')"])
    after = sa.MetaData()
    item(after, sa.Enum("new", "paid", name="payment_status"))
    script_round_trip(pg_engine, before, after)
    with pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT value::text FROM item")).scalar() == "paid"


def test_automatic_cast_up_and_explicit_cast_back(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    item(before, sa.Integer)
    build(pg_engine, before, rows=["INSERT INTO item (id, value) VALUES (1, 7)"])
    after = sa.MetaData()
    item(after, sa.String(20))
    (alter,) = operations(diff(pg_engine, after))
    assert isinstance(alter, AlterColumn) and alter.kw == {}
    assert alter.reverse().kw == {"postgresql_using": "value::INTEGER"}
    script_round_trip(pg_engine, before, after)


# --- identity and generated columns (case 5) ----------------------------------------------------


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


def priced(metadata: sa.MetaData, *extra: Any) -> sa.Table:
    return sa.Table(
        "priced",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("label", sa.String(20)),
        *extra,
    )


def test_changed_generation_expression_is_dropped_and_added(engine: sa.Engine) -> None:
    before = sa.MetaData()
    priced(before, sa.Column("total", sa.Integer, sa.Computed("price * 2")))
    build(engine, before, rows=["INSERT INTO priced (id, price) VALUES (1, 5)"])
    after = sa.MetaData()
    priced(after, sa.Column("total", sa.Integer, sa.Computed("price * 3")))
    result = script_round_trip(engine, before, after)["result"]
    assert described(result) == ["drop column 'priced.total'", "add column 'priced.total'"]
    (note,) = [i for i in result.items if isinstance(i, Note)]
    assert "cannot change the generation expression" in note.text
    assert any("priced.total" in w and "drop + add" in w for w in result.warnings)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT total FROM priced")).scalar() == 15


def test_generated_columns_written_alike_are_not_changes(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    priced(
        metadata,
        sa.Column("total", sa.Integer, sa.Computed("(price * 2) + 1")),
        sa.Column("low", sa.String(20), sa.Computed("lower(label)")),
    )
    build(engine, metadata)
    assert described(diff(engine, metadata)) == []


def test_generated_column_storage_change_is_dropped_and_added(sqlite_url: str) -> None:
    # PostgreSQL before 18 has STORED columns only; SQLite has both kinds.
    engine = sa.create_engine(sqlite_url)
    before = sa.MetaData()
    priced(before, sa.Column("total", sa.Integer, sa.Computed("price * 2")))
    build(engine, before, rows=["INSERT INTO priced (id, price) VALUES (1, 5)"])
    after = sa.MetaData()
    priced(after, sa.Column("total", sa.Integer, sa.Computed("price * 2", persisted=True)))
    result = script_round_trip(engine, before, after)["result"]
    assert described(result) == ["drop column 'priced.total'", "add column 'priced.total'"]
    assert result.warnings == [
        "storage (VIRTUAL -> STORED) of column 'priced.total' changed: written as drop + add "
        "(the database cannot alter it in place)"
    ]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT total FROM priced")).scalar() == 10
    engine.dispose()


def test_generation_expression_is_compared_as_postgresql_parses_it(pg_engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "priced",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("price", sa.Numeric(8, 2)),
        sa.Column("label", sa.String(20)),
        sa.Column("total", sa.Numeric(8, 2), sa.Computed("price * 2 + 1", persisted=True)),
        sa.Column("tag", sa.Text, sa.Computed("coalesce(label, '-') || 'x'", persisted=True)),
    )
    build(pg_engine, metadata)
    assert described(diff(pg_engine, metadata)) == []
    # Without the database's judgement the rewritten text cannot be compared: a finding.
    result = diff(pg_engine, metadata, same_check=lambda ours, theirs, columns: None)
    assert described(result) == []
    assert [w.split(":")[0] for w in result.warnings] == [
        "generated column 'priced.total'",
        "generated column 'priced.tag'",
    ]
    assert "cannot tell whether its expression changed" in result.warnings[0]


def test_column_becoming_generated_is_dropped_and_added(engine: sa.Engine) -> None:
    before = sa.MetaData()
    priced(before, sa.Column("total", sa.Integer))
    build(engine, before)
    after = sa.MetaData()
    priced(after, sa.Column("total", sa.Integer, sa.Computed("price * 2")))
    result = script_round_trip(engine, before, after)["result"]
    assert described(result) == ["drop column 'priced.total'", "add column 'priced.total'"]


def counter(metadata: sa.MetaData, *identity: sa.Identity) -> sa.Table:
    return sa.Table(
        "counter",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, *identity, nullable=False),
    )


def test_identity_options_changed_in_place(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    counter(before, sa.Identity(start=1))
    build(pg_engine, before, rows=["INSERT INTO counter (id) VALUES (1)"])
    after = sa.MetaData()
    counter(after, sa.Identity(always=True, start=100, increment=5, cycle=True))
    result = script_round_trip(pg_engine, before, after)["result"]
    assert described(result) == [
        "alter identity of column 'counter.seq': always False -> True; cycle False -> True; "
        "increment 1 -> 5; start 1 -> 100"
    ]
    with pg_engine.connect() as conn:
        conn.execute(sa.text("ALTER TABLE counter ALTER COLUMN seq RESTART"))
        conn.execute(sa.text("INSERT INTO counter (id) VALUES (2)"))
        assert conn.execute(sa.text("SELECT seq FROM counter WHERE id = 2")).scalar() == 100
        conn.commit()


def test_identity_added_to_and_removed_from_a_column(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    counter(before)
    build(pg_engine, before, rows=["INSERT INTO counter (id, seq) VALUES (1, 1)"])
    after = sa.MetaData()
    counter(after, sa.Identity(start=10))
    result = script_round_trip(pg_engine, before, after)["result"]
    assert described(result) == ["add identity to column 'counter.seq' (start 10)"]


# --- type names and false positives (case 7) ----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "old_sql"), [(sa.Text, sa.String(), "TEXT"), (sa.String(), sa.Text, "VARCHAR")]
)
def test_text_and_unbounded_string_are_one_type_on_sqlite(
    sqlite_url: str, old: Any, new: Any, old_sql: str
) -> None:
    engine = sa.create_engine(sqlite_url)
    before = sa.MetaData()
    item(before, old)
    build(engine, before)
    after = sa.MetaData()
    item(after, new)
    assert described(diff(engine, after)) == []
    bounded = sa.MetaData()
    item(bounded, sa.String(20))
    assert described(diff(engine, bounded)) == [
        f"alter column 'item.value': type {old_sql} -> VARCHAR(20)"
    ]
    engine.dispose()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (sa.String(36), sa.Uuid(), "VARCHAR(36) -> UUID"),
        (sa.Text, sa.LargeBinary(), "TEXT -> BYTEA"),
        (pg.BYTEA, sa.Text, "BYTEA -> TEXT"),
    ],
)
def test_type_changes_name_the_types_postgresql_has(
    pg_engine: sa.Engine, old: Any, new: Any, words: str
) -> None:
    before = sa.MetaData()
    item(before, old)
    build(pg_engine, before)
    after = sa.MetaData()
    item(after, new)
    assert described(diff(pg_engine, after)) == [f"alter column 'item.value': type {words}"]


def test_renaming_the_only_table_is_a_rename_hint_not_every_table_dropped(
    engine: sa.Engine,
) -> None:
    before = sa.MetaData()
    item(before, sa.Integer)
    build(engine, before)
    after = sa.MetaData()
    sa.Table("thing", after, *(c.copy() for c in before.tables["item"].columns))
    result = diff(engine, after)
    assert described(result) == ["add table 'thing'", "drop table 'item'"]
    (warning,) = result.warnings
    assert warning.startswith("possible rename: table 'item' -> 'thing'")


def test_serial_column_becoming_identity_and_back(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table("ticket", before, sa.Column("id", sa.Integer, primary_key=True))
    build(pg_engine, before, rows=["INSERT INTO ticket DEFAULT VALUES"])
    after = sa.MetaData()
    sa.Table("ticket", after, sa.Column("id", sa.Integer, sa.Identity(), primary_key=True))
    result = script_round_trip(pg_engine, before, after)["result"]
    assert described(result) == ["add identity to column 'ticket.id' (start 1)"]
