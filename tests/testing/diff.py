"""Comparing models with a real database, for the ``tests/autogen/diff*_test`` modules: build a
database from a MetaData, ``compare`` the models with it, run the resulting operations and their
reverses, and the seeds' ``customer`` table and a broad schema to compare."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from migguard.autogen.diff import CompareOptions, DiffResult, compare, describe
from migguard.autogen.diff.options import Note
from migguard.autogen.diff.sql import normalise_sql
from migguard.autogen.generate import same_check_asker
from migguard.autogen.render import render_downgrade, render_operations
from migguard.autogen.snapshot import database_schemas, reflect
from migguard.autogen.snapshot.records import Snapshot, TableInfo, TypeSpec
from migguard.ops.base import Operation
from migguard.ops.context import OnlineContext
from migguard.ops.operations import Operations
from tests.testing.shop_schema import shop_metadata


def engine_for(url: str) -> Iterator[sa.Engine]:
    """An engine on ``url``, disposed afterwards (for the modules' ``engine`` fixtures)."""
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


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
    ``CompareOptions`` fields (``schemas`` defaults to ``default_schemas``). As the guard's
    replay does, every schema of the database is reflected, and those the models name are
    compared besides those asked for."""
    all_metadata = [metadata] if isinstance(metadata, sa.MetaData) else list(metadata)
    named = default_schemas(engine, metadata)
    options.setdefault("schemas", named)
    with engine.connect() as conn:
        everything = (*options["schemas"], *named, *database_schemas(conn))
        taken = reflect(conn, schemas=everything, exclude=())
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
