"""Reflection cost: a large schema is read in a few queries, not a few per table."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from migguard.autogen.snapshot import Snapshot, reflect


def many_tables(url: str, count: int) -> sa.Engine:
    """A database with ``count`` tables, each with a primary key, a foreign key to the previous
    table, a unique column, an index and a check constraint."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    for i in range(count):
        sa.Table(
            f"t{i:03}",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"t{max(i - 1, 0):03}.id")),
            sa.Column("code", sa.String(10), unique=True),
            sa.Column("n", sa.Integer, server_default=sa.text("0")),
            sa.Index(f"ix_t{i:03}_n", "n"),
            sa.CheckConstraint("n >= 0", name=f"ck_t{i:03}_n"),
        )
    with engine.begin() as conn:
        metadata.create_all(conn)
    return engine


def counted_reflect(url: str) -> tuple[Snapshot, list[str]]:
    """Reflect through a new engine (SQLAlchemy caches some catalog lookups per engine); the
    statements sent to the database, in order."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        sa.event.listen(conn, "before_cursor_execute", record)
        snapshot = reflect(conn)
    engine.dispose()
    return snapshot, statements


@pytest.mark.slow
def test_postgresql_reflects_200_tables_in_a_constant_number_of_queries(pg_url: str) -> None:
    engine = many_tables(pg_url, 200)
    snapshot, statements = counted_reflect(pg_url)
    assert len(snapshot.tables) == 200
    assert all(len(t.indexes) == 1 and len(t.checks) == 1 for t in snapshot.tables)
    with engine.begin() as conn:
        for i in range(199, 9, -1):
            conn.execute(sa.text(f"DROP TABLE t{i:03}"))
    engine.dispose()
    small, small_statements = counted_reflect(pg_url)
    assert len(small.tables) == 10
    assert len(statements) == len(small_statements)
    assert len(statements) <= 15


@pytest.mark.slow
def test_sqlite_reflects_200_tables_in_a_constant_number_of_queries(sqlite_url: str) -> None:
    """SQLAlchemy's SQLite dialect asks table by table; migguard reads each pragma for every
    table at once beforehand, so the dialect's questions are answered without a statement."""
    many_tables(sqlite_url, 200).dispose()
    snapshot, statements = counted_reflect(sqlite_url)
    assert len(snapshot.tables) == 200
    assert all(len(t.indexes) == 1 and len(t.checks) == 1 for t in snapshot.tables)
    assert all(len(t.foreign_keys) == 1 and len(t.uniques) == 1 for t in snapshot.tables)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        for i in range(199, 9, -1):
            conn.execute(sa.text(f"DROP TABLE t{i:03}"))
    engine.dispose()
    small, small_statements = counted_reflect(sqlite_url)
    assert len(small.tables) == 10
    assert len(statements) == len(small_statements)
    assert len(statements) <= 15


def test_columns_of_one_type_share_its_description_and_others_keep_theirs(
    sqlite_url: str,
) -> None:
    # Each distinct reflected type is described once (the description depends on the type's
    # class and attributes alone); another class, length or scale is another type.
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE a (x VARCHAR(20), y VARCHAR(20), z VARCHAR(30), "
            "w CHAR(20), n NUMERIC(10, 2), m NUMERIC(10, 3))"
        )
        conn.exec_driver_sql("CREATE TABLE b (x VARCHAR(20), n NUMERIC(10, 2))")
    engine.dispose()

    snapshot, _ = counted_reflect(sqlite_url)

    a, b = snapshot.tables
    x, y, z, w, n, m = (column.type for column in a.columns)
    assert x is y is b.columns[0].type
    assert n is b.columns[1].type
    assert (x.name, x.arg("length"), w.name, w.arg("length")) == ("VARCHAR", 20, "CHAR", 20)
    assert (z.arg("length"), m.arg("scale")) == (30, 3)
    assert len({id(t) for t in (x, z, w, n, m)}) == 5
