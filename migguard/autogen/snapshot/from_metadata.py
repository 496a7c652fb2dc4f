"""The models (``MetaData``) as a ``Snapshot``, computed without a database.

Each field holds what reflection would report after ``MetaData.create_all`` on the dialect,
where that is knowable from the models alone: compiled types, ``NOT NULL`` (primary key columns
included), defaults as the DDL renders them, constraint and index names after naming
conventions and SQLAlchemy's truncation, and on PostgreSQL the identity options the database
fills in. What only the database decides is left as the models say, and differs by nature
from a reflected snapshot:

* Names the database chooses for unnamed constraints (PostgreSQL's ``users_pkey``,
  ``users_email_key``, ``users_total_check``): ``None`` here.
* SQL the database rewrites: PostgreSQL stores defaults, check constraints, generated columns,
  index expressions and partial-index predicates as parsed trees and prints them back in its
  own form (``'abc'::character varying``, ``(price > (0)::numeric)``, ``lower(email::text)``);
  here they are SQLAlchemy's rendering (``'abc'``, ``price > 0``, ``lower(email)``).
  SQLite keeps the text as written, so there the two agree.
* PostgreSQL ``SERIAL`` columns: the database reports ``nextval('<table>_<column>_seq'::
  regclass)`` as the default; here the default is ``None`` (both say ``autoincrement=True``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from migguard.autogen.snapshot.metadata_indexes import ddl_name, ddl_sql, index_info
from migguard.autogen.snapshot.records import (
    CheckInfo,
    ColumnInfo,
    EnumInfo,
    ForeignKeyInfo,
    Pairs,
    PrimaryKeyInfo,
    Snapshot,
    TableInfo,
    TypeSpec,
    UniqueInfo,
    named_sort_key,
    table_sort_key,
    to_pairs,
)
from migguard.autogen.snapshot.reflect import initially, referential_action
from migguard.autogen.snapshot.sqlite_sql import strip_outer_parentheses
from migguard.autogen.snapshot.types import database_type, type_spec
from migguard.sqlalchemy_private import created_by, foreign_key_target, statementless_ddl_compiler

if TYPE_CHECKING:
    from sqlalchemy import Column, MetaData, Table
    from sqlalchemy.engine import Dialect
    from sqlalchemy.sql.compiler import DDLCompiler

__all__ = ["named_schemas", "snapshot_of_metadata"]

# The range of PostgreSQL's integer types, which bounds an identity's sequence by default
# (https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-INT).
_INTEGER_RANGE = {
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}


def snapshot_of_metadata(
    metadata_list: MetaData | Iterable[MetaData], dialect: Dialect | str
) -> Snapshot:
    """The snapshot a database of ``dialect`` (a ``Dialect`` or its name, ``"sqlite"``,
    ``"postgresql"``) would give after creating the tables of ``metadata_list``.

    Raises ``ValueError`` when two MetaData define the same table, and ``sqlalchemy.exc``
    errors for models SQLAlchemy itself cannot compile (e.g. an index without a name).
    """
    from sqlalchemy import MetaData

    dialect = _dialect(dialect)
    ddl = statementless_ddl_compiler(dialect)
    if isinstance(metadata_list, MetaData):
        metadata_list = (metadata_list,)
    tables: dict[tuple[str | None, str], TableInfo] = {}
    enums: dict[tuple[str | None, str], EnumInfo] = {}
    # Most columns share a handful of types (String(40), Integer()): each is described once.
    types: dict[Hashable, TypeSpec] = {}
    for metadata in metadata_list:
        for table in metadata.tables.values():
            info = _table(table, dialect, ddl, types)
            if (info.schema, info.name) in tables:
                raise ValueError(f"table {table.fullname} is defined in two MetaData")
            tables[(info.schema, info.name)] = info
            for enum in _enums(table, dialect):
                enums[(enum.schema, enum.name)] = enum
    named = {key[0] for key in (*tables, *enums) if key[0] is not None}
    return Snapshot(
        dialect=dialect.name,
        tables=tuple(sorted(tables.values(), key=table_sort_key)),
        enums=tuple(sorted(enums.values(), key=table_sort_key)),
        schemas=tuple(sorted(named)),
    )


def named_schemas(metadata_list: Iterable[MetaData], dialect: Dialect) -> tuple[str, ...]:
    """The schemas other than the default one that the tables and enum types of
    ``metadata_list`` are in, sorted: what must be reflected to compare them (cheaper than
    ``snapshot_of_metadata(...).schemas``, which compiles every table)."""
    named = set()
    for metadata in metadata_list:
        for table in metadata.tables.values():
            named.add(_schema(table.schema, dialect))
            named.update(enum.schema for enum in _enums(table, dialect))
    return tuple(sorted(name for name in named if name is not None))


def _dialect(dialect: Dialect | str) -> Dialect:
    if not isinstance(dialect, str):
        return dialect
    from sqlalchemy.engine import make_url

    return make_url(f"{dialect}://").get_dialect()()


def _table(
    table: Table, dialect: Dialect, ddl: DDLCompiler, types: dict[Hashable, TypeSpec]
) -> TableInfo:
    from sqlalchemy import CheckConstraint, UniqueConstraint

    columns = tuple(_column(column, table, dialect, ddl, types) for column in table.columns)
    pk = table.primary_key
    checks = [c for c in table.constraints if isinstance(c, CheckConstraint)]
    checks += [
        c for col in table.columns for c in col.constraints if isinstance(c, CheckConstraint)
    ]
    return TableInfo(
        schema=_schema(table.schema, dialect),
        name=table.name,
        columns=columns,
        primary_key=(
            PrimaryKeyInfo(ddl_name(pk, ddl), tuple(c.name for c in pk.columns))
            if pk.columns
            else None
        ),
        foreign_keys=_sorted(
            _foreign_key(fk, table, dialect, ddl) for fk in table.foreign_key_constraints
        ),
        indexes=_sorted(index_info(index, table, dialect, ddl) for index in table.indexes),
        uniques=_sorted(
            UniqueInfo(
                ddl_name(c, ddl), tuple(col.name for col in c.columns), _unique_options(c, dialect)
            )
            for c in table.constraints
            if isinstance(c, UniqueConstraint)
        ),
        checks=_sorted(
            CheckInfo(ddl_name(c, ddl), ddl_sql(c.sqltext, ddl))
            for c in dict.fromkeys(checks)
            if created_by(c, ddl)
        ),
        comment=table.comment if dialect.supports_comments else None,
    )


def _sorted(items: Iterator[Any]) -> tuple[Any, ...]:
    return tuple(sorted(items, key=named_sort_key))


def _column(
    column: Column[Any],
    table: Table,
    dialect: Dialect,
    ddl: DDLCompiler,
    types: dict[Hashable, TypeSpec],
) -> ColumnInfo:
    spec = type_spec(column.type, dialect, types)
    computed = column.computed
    return ColumnInfo(
        name=column.name,
        type=spec,
        # PostgreSQL makes identity columns NOT NULL (CREATE TABLE, "GENERATED ... AS IDENTITY").
        nullable=bool(column.nullable) and not (column.identity and dialect.name == "postgresql"),
        server_default=_server_default(column, dialect, ddl),
        autoincrement=_autoincrement(column, table, dialect),
        identity=_identity(column, spec, dialect),
        comment=column.comment if dialect.supports_comments else None,
        computed=ddl_sql(computed.sqltext, ddl) if computed is not None else None,
        persisted=_persisted(column, dialect),
    )


def _persisted(column: Column[Any], dialect: Dialect) -> bool | None:
    """Whether the generated ``column`` is stored, as the database will make it: ``persisted``
    when the model says, else the database's default, ``VIRTUAL`` on SQLite
    (https://www.sqlite.org/gencol.html) and on PostgreSQL from version 18, ``STORED`` (the
    only kind) before (https://www.postgresql.org/docs/current/ddl-generated-columns.html);
    ``None`` when the column is not generated or the database is another."""
    if column.computed is None:
        return None
    if column.computed.persisted is not None:
        return bool(column.computed.persisted)
    if dialect.name == "sqlite":
        return False
    if dialect.name == "postgresql":
        return not getattr(dialect, "supports_virtual_generated_columns", False)
    return None


def _server_default(column: Column[Any], dialect: Dialect, ddl: DDLCompiler) -> str | None:
    text = ddl.get_column_default_string(column)
    if text is not None and dialect.name == "sqlite":
        # SQLite reports ``DEFAULT (expr)`` as ``expr`` (PRAGMA table_info's dflt_value).
        return strip_outer_parentheses(text)
    return text


def _autoincrement(column: Column[Any], table: Table, dialect: Dialect) -> bool | None:
    """PostgreSQL's reflection says ``True`` for identity and ``SERIAL`` columns; SQLAlchemy
    renders ``SERIAL`` for the table's autoincrement column unless it has its own default."""
    if dialect.name != "postgresql":
        return None
    if column.identity is not None:
        return True
    default = column.default
    serial = default is None or bool(getattr(default, "optional", False))
    return column is table.autoincrement_column and serial and column.server_default is None


def _identity(column: Column[Any], spec: TypeSpec, dialect: Dialect) -> Pairs | None:
    """The options PostgreSQL reports for an identity column, its defaults filled in as
    CREATE SEQUENCE documents them (https://www.postgresql.org/docs/current/sql-createsequence.html):
    increment 1; ascending sequences run from 1 to the type's maximum, descending ones from the
    type's minimum to -1, starting at the end they count from; cache 1; no cycle."""
    identity = column.identity
    if identity is None or dialect.name != "postgresql":
        return None
    low, high = _INTEGER_RANGE.get(spec.compiled or "", _INTEGER_RANGE["BIGINT"])
    increment = identity.increment or 1
    minvalue = identity.minvalue if identity.minvalue is not None else (1 if increment > 0 else low)
    maxvalue = (
        identity.maxvalue if identity.maxvalue is not None else (high if increment > 0 else -1)
    )
    start = (
        identity.start if identity.start is not None else (minvalue if increment > 0 else maxvalue)
    )
    return to_pairs(
        {
            "always": bool(identity.always),
            "cache": identity.cache or 1,
            "cycle": bool(identity.cycle),
            "increment": increment,
            "maxvalue": maxvalue,
            "minvalue": minvalue,
            "start": start,
        }
    )


def _foreign_key(fk: Any, table: Table, dialect: Dialect, ddl: DDLCompiler) -> ForeignKeyInfo:
    targets = [_target(element, table) for element in fk.elements]
    return ForeignKeyInfo(
        name=ddl_name(fk, ddl),
        columns=tuple(element.parent.name for element in fk.elements),
        referred_schema=_schema(targets[0][0], dialect),
        referred_table=targets[0][1],
        referred_columns=tuple(target[2] for target in targets),
        ondelete=referential_action(fk.ondelete),
        onupdate=referential_action(fk.onupdate),
        deferrable=True if fk.deferrable else None,
        initially=initially(fk.initially),
    )


def _target(element: Any, table: Table) -> tuple[str | None, str, str]:
    """``(schema, table, column)`` a ``ForeignKey`` points at: the resolved column when its
    table is in the same MetaData, else the names it was given (the target may live in another
    of the user's MetaData)."""
    from sqlalchemy import exc

    try:
        column = element.column
    except exc.SQLAlchemyError:
        schema, table_name, column_name = foreign_key_target(element)
        return (
            schema if schema is not None else table.metadata.schema,
            table_name,
            column_name or element.parent.name,
        )
    return column.table.schema, column.table.name, column.name


def _enums(table: Table, dialect: Dialect) -> Iterator[EnumInfo]:
    """The named enum types the table's columns need created (PostgreSQL ``CREATE TYPE``)."""
    from sqlalchemy import ARRAY, Enum

    if not dialect.supports_native_enum:
        return
    for column in table.columns:
        type_ = database_type(column.type, dialect)
        if isinstance(type_, ARRAY):
            type_ = database_type(type_.item_type, dialect)
        if isinstance(type_, Enum) and type_.native_enum and type_.name:
            # Without its own schema a type lives in its MetaData's (SQLAlchemy's Enum docs).
            schema = type_.schema or getattr(type_.metadata, "schema", None)
            yield EnumInfo(_schema(schema, dialect), type_.name, tuple(type_.enums))


def _schema(schema: str | None, dialect: Dialect) -> str | None:
    return None if schema == dialect.default_schema_name else schema


# The unique-constraint options each dialect's reflection reports.
_UNIQUE_OPTIONS = {"postgresql": ("postgresql_nulls_not_distinct",)}


def _unique_options(constraint: Any, dialect: Dialect) -> Pairs:
    """The options of ``constraint`` reflection can see, those left at their default out."""
    wanted = _UNIQUE_OPTIONS.get(dialect.name, ())
    return to_pairs({k: v for k, v in constraint.dialect_kwargs.items() if k in wanted and v})
