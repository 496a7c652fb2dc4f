"""Indexes, unique constraints, foreign keys, check constraints and primary keys: what the diff
finds between models and a real database, and that its operations (and their reverses) run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.sql.elements import conv

from migguard.autogen.diff.keys import ReplacePrimaryKey
from migguard.ops.binding import bind
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.context import OnlineContext
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.operations import Operations
from tests.testing.diff import build, described, diff, engine_for, operations, round_trip
from tests.testing.rendered import load_script, write_script


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


def table(metadata: sa.MetaData, *extra: Any, name: str = "t") -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Column("c", sa.String(10)),
        *extra,
    )


def test_indexes_added_dropped_and_changed(engine: sa.Engine) -> None:
    before = sa.MetaData()
    table(before, sa.Index("ix_a", "a"), sa.Index("ix_b", "b"), sa.Index("ix_keep", "c"))
    build(engine, before)
    after = sa.MetaData()
    table(after, sa.Index("ix_a", "a", "b"), sa.Index("ix_c", "c", unique=True))
    after.tables["t"].append_constraint(sa.Index("ix_keep", "c"))
    result = diff(engine, after)
    drop_a, drop_b, create_a, create_c = operations(result)
    assert isinstance(drop_a, DropIndex) and drop_a.definition is not None
    assert drop_a.definition.columns == ("a",)
    assert isinstance(create_a, CreateIndex) and create_a.columns == ("a", "b")
    assert isinstance(drop_b, DropIndex) and isinstance(create_c, CreateIndex)
    assert described(result) == [
        "drop index 'ix_a' on 't'",
        "drop index 'ix_b' on 't'",
        "add index 'ix_a' on 't' (a, b)",
        "add unique index 'ix_c' on 't' (c)",
    ]
    round_trip(engine, after, result)


def test_partial_and_descending_index_changes(engine: sa.Engine) -> None:
    before = sa.MetaData()
    t = table(before)
    sa.Index("ix_part", t.c.a, postgresql_where=t.c.b > 0, sqlite_where=t.c.b > 0)
    sa.Index("ix_order", t.c.a, t.c.b)
    build(engine, before)
    after = sa.MetaData()
    t = table(after)
    sa.Index("ix_part", t.c.a, postgresql_where=t.c.b > 5, sqlite_where=t.c.b > 5)
    sa.Index("ix_order", t.c.a.desc(), t.c.b)
    result = diff(engine, after)
    assert described(result) == [
        "drop index 'ix_order' on 't'",
        "drop index 'ix_part' on 't'",
        "add index 'ix_order' on 't' (a DESC, b)",
        "add index 'ix_part' on 't' (a)",
    ]
    round_trip(engine, after, result)


def test_unique_constraints(engine: sa.Engine) -> None:
    before = sa.MetaData()
    table(before, sa.UniqueConstraint("b", name="uq_t_b"), sa.UniqueConstraint("c"))
    build(engine, before)
    after = sa.MetaData()
    table(after, sa.UniqueConstraint("a", name="uq_t_a"), sa.UniqueConstraint("a", "b"))
    after.tables["t"].append_constraint(sa.UniqueConstraint("c"))
    result = diff(engine, after)
    drop, add_named, add_unnamed = operations(result)
    assert isinstance(drop, DropConstraint)
    assert (drop.constraint_name, drop.type_) == ("uq_t_b", "unique")
    assert isinstance(add_named, CreateUniqueConstraint)
    assert isinstance(add_unnamed, CreateUniqueConstraint)
    # An unnamed constraint added to an existing table is named as PostgreSQL would name it,
    # so that its downgrade can drop it.
    assert add_unnamed.constraint_name == "t_a_b_key"
    assert described(result) == [
        "drop unique constraint 'uq_t_b' on 't'",
        "add unique constraint 'uq_t_a' on 't' (a)",
        "add unique constraint 't_a_b_key' on 't' (a, b)",
    ]
    round_trip(engine, after, result)


def test_foreign_keys_added_dropped_and_changed(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table("p", before, sa.Column("id", sa.Integer, primary_key=True))
    table(
        before,
        sa.ForeignKeyConstraint(["a"], ["p.id"], name="fk_t_a"),
        sa.ForeignKeyConstraint(["b"], ["p.id"], name="fk_t_b"),
    )
    build(engine, before)
    after = sa.MetaData()
    sa.Table("p", after, sa.Column("id", sa.Integer, primary_key=True))
    table(
        after,
        sa.ForeignKeyConstraint(["a"], ["p.id"], name="fk_t_a", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["id"], ["p.id"]),
    )
    result = diff(engine, after)
    drop_b, drop_a, create_id, create_a = operations(result)
    assert isinstance(drop_a, DropConstraint) and isinstance(drop_b, DropConstraint)
    assert {drop_a.constraint_name, drop_b.constraint_name} == {"fk_t_a", "fk_t_b"}
    assert isinstance(create_a, CreateForeignKey) and create_a.ondelete == "CASCADE"
    assert isinstance(create_id, CreateForeignKey) and create_id.constraint_name == "t_id_fkey"
    assert described(result) == [
        "drop foreign key 'fk_t_b' on 't'",
        "drop foreign key 'fk_t_a' on 't'",
        "add foreign key 't_id_fkey' on 't' (id) -> 'p' (id)",
        "add foreign key 'fk_t_a' on 't' (a) -> 'p' (id)",
    ]
    round_trip(engine, after, result)


def test_unnamed_foreign_key_named_by_the_database_is_the_models(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    sa.Table("p", metadata, sa.Column("id", sa.Integer, primary_key=True))
    table(metadata, sa.ForeignKeyConstraint(["a"], ["p.id"], onupdate="CASCADE"))
    build(engine, metadata)
    assert diff(engine, metadata).items == []


def test_named_check_constraints(engine: sa.Engine) -> None:
    before = sa.MetaData()
    table(before, sa.CheckConstraint("a > 0", name="ck_a"), sa.CheckConstraint("b > 0"))
    build(engine, before)
    after = sa.MetaData()
    # The unnamed check stays, whatever name PostgreSQL gave it (t_b_check).
    table(after, sa.CheckConstraint("c <> ''", name="ck_c"), sa.CheckConstraint("b > 0"))
    result = diff(engine, after)
    drop, create = operations(result)
    assert isinstance(drop, DropConstraint) and drop.type_ == "check"
    assert isinstance(create, CreateCheckConstraint)
    assert described(result) == [
        "drop check constraint 'ck_a' on 't'",
        "add check constraint 'ck_c' on 't': c <> ''",
    ]
    round_trip(engine, after, result)


def test_primary_key_columns_change(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "line",
        before,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    build(engine, before)
    after = sa.MetaData()
    sa.Table(
        "line",
        after,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
    )
    result = diff(engine, after)
    if engine.dialect.name == "sqlite":
        # SQLite keeps no name for the old key: the rebuild replaces it, and the reverse
        # puts the old one back.
        (replace,) = operations(result)
        assert isinstance(replace, ReplacePrimaryKey)
        assert (replace.columns, replace.previous) == (("order_id", "n"), ("order_id",))
        assert described(result) == ["add primary key 'line_pkey' on 'line' (order_id, n)"]
    else:
        drop, create = operations(result)
        assert isinstance(drop, DropConstraint) and drop.constraint_name == "line_pkey"
        assert isinstance(create, CreatePrimaryKey)
        assert described(result) == [
            "drop primary key 'line_pkey' on 'line'",
            "add primary key 'line_pkey' on 'line' (order_id, n)",
        ]
    round_trip(engine, after, result)


def conventional() -> sa.MetaData:
    return sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def test_naming_conventions_give_the_names_and_mark_them_final(engine: sa.Engine) -> None:
    before = conventional()
    sa.Table("p", before, sa.Column("id", sa.Integer, primary_key=True))
    table(before, sa.CheckConstraint("a > 0", name="positive"), sa.Index(None, "c"))
    build(engine, before)
    assert diff(engine, before).items == []
    after = conventional()
    sa.Table("p", after, sa.Column("id", sa.Integer, primary_key=True))
    table(
        after,
        sa.CheckConstraint("a > 0", name="positive"),
        sa.Index(None, "c"),
        sa.UniqueConstraint("b"),
        sa.ForeignKeyConstraint(["a"], ["p.id"]),
        sa.Index(None, "b"),
    )
    result = diff(engine, after)
    unique, index, fk = operations(result)
    # Names a convention made are final (``op.f``), so running under it does not rename them.
    assert isinstance(unique, CreateUniqueConstraint) and isinstance(index, CreateIndex)
    assert isinstance(fk, CreateForeignKey)
    for name in (unique.constraint_name, index.index_name, fk.constraint_name):
        assert isinstance(name, conv)
    assert described(result) == [
        "add unique constraint 'uq_t_b' on 't' (b)",
        "add index 'ix_t_b' on 't' (b)",
        "add foreign key 'fk_t_a_p' on 't' (a) -> 'p' (id)",
    ]
    round_trip(engine, after, result)


# --- unnamed constraints on SQLite: changed through the table rebuild --------------------------


def script_round_trip(
    engine: sa.Engine, before: sa.MetaData, after: sa.MetaData, result: Any
) -> str:
    """Run the revision script written for ``result`` the way a user does: upgrade (the
    database then matches ``after``), downgrade (it matches ``before`` again), upgrade again.
    Returns the script's source."""
    source = write_script(result.items, engine.dialect.name)
    script = load_script(source)

    def call(function: str) -> None:
        with engine.connect() as conn, conn.begin(), bind(Operations(OnlineContext(conn))):
            script[function]()

    call("upgrade")
    assert described(diff(engine, after)) == []
    call("downgrade")
    assert described(diff(engine, before)) == []
    call("upgrade")
    assert described(diff(engine, after)) == []
    return source


def parent_and_child(on_delete: str | None = None, *, key: bool = True) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True))
    reference = [sa.ForeignKey("author.id", ondelete=on_delete)] if key else []
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, *reference),
    )
    return metadata


def test_unnamed_foreign_key_gaining_on_delete_is_replaced_in_a_sqlite_rebuild(
    sqlite_url: str,
) -> None:
    engine = sa.create_engine(sqlite_url)
    before, after = parent_and_child(), parent_and_child("CASCADE")
    build(engine, before)
    result = diff(engine, after)
    assert result.warnings == []
    assert described(result) == [
        "drop foreign key 'fk_book_author_id_author' on 'book'",
        "add foreign key 'book_author_id_fkey' on 'book' (author_id) -> 'author' (id)",
    ]
    source = script_round_trip(engine, before, after, result)
    assert "naming_convention=" in source
    with engine.connect() as conn:
        (fk,) = sa.inspect(conn).get_foreign_keys("book")
    assert fk["options"] == {"ondelete": "CASCADE"}
    engine.dispose()


def test_unnamed_foreign_key_dropped_on_sqlite_is_dropped_in_a_rebuild(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    before, after = parent_and_child(), parent_and_child(key=False)
    build(engine, before)
    result = diff(engine, after)
    assert result.warnings == []
    assert described(result) == ["drop foreign key 'fk_book_author_id_author' on 'book'"]
    script_round_trip(engine, before, after, result)
    engine.dispose()


def test_unnamed_unique_dropped_or_replaced_on_sqlite_is_rebuilt(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    before = sa.MetaData()
    table(before, sa.UniqueConstraint("a"), sa.UniqueConstraint("c"))
    build(engine, before)
    after = sa.MetaData()
    table(after, sa.UniqueConstraint("a", "b"))
    result = diff(engine, after)
    assert result.warnings == []
    assert described(result) == [
        "drop unique constraint 'uq_t_a' on 't'",
        "drop unique constraint 'uq_t_c' on 't'",
        "add unique constraint 't_a_b_key' on 't' (a, b)",
    ]
    script_round_trip(engine, before, after, result)
    engine.dispose()


def unnamed_enum(*values: str) -> sa.MetaData:
    metadata = sa.MetaData()
    table(metadata, sa.Column("s", sa.Enum(*values, native_enum=False, create_constraint=True)))
    return metadata


def test_unnamed_check_replaced_on_sqlite_in_a_rebuild(sqlite_url: str) -> None:
    # A non-native enum's CHECK has no name: gaining a value must drop the old one, which
    # would go on refusing the new value.
    engine = sa.create_engine(sqlite_url)
    before, after = unnamed_enum("a", "b"), unnamed_enum("a", "b", "c")
    build(engine, before)
    result = diff(engine, after)
    assert result.warnings == []
    assert described(result) == [
        "drop check constraint 'ck_t' on 't'",
        "add check constraint 't_check' on 't': s IN ('a', 'b', 'c')",
    ]
    source = script_round_trip(engine, before, after, result)
    assert "naming_convention={'ck': 'ck_%(table_name)s'}" in source
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t (id, s) VALUES (1, 'c')"))
    engine.dispose()


# --- check conditions ---------------------------------------------------------------------------


def checked(*values: str, at_least: int = 0) -> sa.MetaData:
    """Table ``t`` with a named check on ``a`` and a non-native enum's check on ``s``."""
    metadata = sa.MetaData()
    status = sa.Enum(*values, name="status", native_enum=False, create_constraint=True)
    table(
        metadata,
        sa.Column("s", status),
        sa.CheckConstraint(f"a >= {at_least}", name="ck_t_a"),
        sa.CheckConstraint("b IN (1, 2)", name="ck_t_b"),
    )
    return metadata


def test_unchanged_check_conditions_are_not_reported(engine: sa.Engine) -> None:
    metadata = checked("new", "paid")
    build(engine, metadata)
    result = diff(engine, metadata)
    assert (described(result), result.warnings) == ([], [])


def test_changed_check_condition_and_enum_values_are_dropped_and_created(
    engine: sa.Engine,
) -> None:
    before, after = checked("new", "paid"), checked("new", "paid", "sent", at_least=1)
    build(engine, before)
    result = diff(engine, after)
    assert result.warnings == []
    assert described(result) == [
        "drop check constraint 'ck_t_a' on 't'",
        "drop check constraint 'status' on 't'",
        "add check constraint 'ck_t_a' on 't': a >= 1",
        "add check constraint 'status' on 't': s IN ('new', 'paid', 'sent')",
    ]
    script_round_trip(engine, before, after, result)
    with engine.connect() as conn:
        conn.execute(sa.text("INSERT INTO t (id, a, s) VALUES (1, 1, 'sent')"))


def test_check_conditions_postgresql_rewrote_are_warnings_without_the_database(
    pg_url: str,
) -> None:
    engine = sa.create_engine(pg_url)
    before, after = checked("new", "paid"), checked("new", "paid", "sent")
    build(engine, before)
    result = diff(engine, after, same_check=None)
    assert described(result) == []
    assert [w.split(":")[0] for w in result.warnings] == [
        "check constraint 'ck_t_b' on 't'",
        "check constraint 'status' on 't'",
    ]
    assert all("cannot tell whether its condition changed" in w for w in result.warnings)
    engine.dispose()
