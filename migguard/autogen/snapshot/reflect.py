"""A live database as a ``Snapshot``, through SQLAlchemy's multi-table reflection.

Each ``Inspector.get_multi_*`` call reflects every table of a schema at once
(https://docs.sqlalchemy.org/en/20/core/reflection.html#sqlalchemy.engine.reflection.Inspector.get_multi_columns):
on PostgreSQL a schema of any size costs a constant number of catalog queries. SQLAlchemy's
SQLite dialect answers the same calls table by table with ``PRAGMA`` statements; migguard reads
those pragmas for the whole schema in a few queries first and lets the dialect parse them
(:mod:`migguard.autogen.snapshot.sqlite_catalog`).

Quirks smoothed here, so a snapshot means the same on every database:

* PostgreSQL and MySQL report each unique constraint a second time as the index backing it
  (``duplicates_constraint``, ``duplicates_index``); it is kept once, as a unique constraint.
* Options reported at their default are dropped: ``postgresql_include=[]``, ``NO ACTION``
  referential actions, ``INITIALLY IMMEDIATE``.
* SQLite: expression indexes (which SQLAlchemy skips) and ``DESC`` columns are read from the
  stored ``CREATE INDEX`` statements, generated columns' expressions from the stored ``CREATE
  TABLE`` (``migguard.autogen.snapshot.sqlite_sql``); unnamed constraints
  (primary keys too) have name ``None``, and a check constraint is reported with its name only
  when the ``CREATE TABLE`` gave one; columns carry no ``autoincrement`` and no comments.
* The default schema is ``None`` in tables, foreign keys and enums, however it was asked for.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, cast

from migguard.autogen.snapshot.records import (
    CheckInfo,
    ColumnInfo,
    EnumInfo,
    ForeignKeyInfo,
    IndexInfo,
    PrimaryKeyInfo,
    Snapshot,
    TableInfo,
    TypeSpec,
    UniqueInfo,
    named_sort_key,
    table_sort_key,
    to_pairs,
)
from migguard.autogen.snapshot.sqlite_catalog import prefetched_sqlite_catalog
from migguard.autogen.snapshot.sqlite_sql import (
    ParsedIndex,
    generated_expressions,
    parse_create_index,
)
from migguard.autogen.snapshot.types import type_spec

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql.base import PGInspector
    from sqlalchemy.engine import Connection, Dialect, Inspector

__all__ = ["database_schemas", "reflect"]

TableKey = tuple[str | None, str]
# Reflecting at most this many named tables skips the whole-catalog prefetch.
_PREFETCH_FROM = 20


def reflect(
    connection: Connection,
    *,
    schemas: Sequence[str | None] = (None,),
    exclude: Collection[str] = ("alembic_version",),
    only: Collection[str] | None = None,
) -> Snapshot:
    """Reflect the tables of ``schemas`` (``None``: the connection's default schema) and, on
    PostgreSQL, their enum types. A schema the database does not have is skipped.

    ``exclude`` names tables to leave out, as ``name`` (in any schema) or ``schema.name``; pass
    the version table's name. ``only``, when given, limits reflection to the tables of these
    names (of every schema asked for). Views are not reflected. Errors from the database
    propagate as SQLAlchemy's exceptions.

    Returns a ``Snapshot`` with tables sorted by ``(schema or "", name)``; its ``schemas`` are
    those of ``schemas`` the database has, other than the default one.
    """
    from sqlalchemy import exc, inspect

    inspector = inspect(connection)
    dialect = connection.dialect
    default_schema = inspector.default_schema_name
    asked = {None if s == default_schema else s for s in schemas}
    named = {s for s in asked if s is not None}
    existing = sorted(named & set(inspector.get_schema_names())) if named else []
    wanted: list[str | None] = [None, *existing] if None in asked else [*existing]
    tables: dict[TableKey, TableInfo] = {}
    enums: dict[TableKey, EnumInfo] = {}
    with warnings.catch_warnings():
        # Handled below from the stored CREATE INDEX statements.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", exc.SAWarning)
        for schema in wanted:
            # A few tables are read faster one by one than the whole catalog at once.
            prefetch = only is None or len(only) > _PREFETCH_FROM
            with prefetched_sqlite_catalog(connection, schema) if prefetch else nullcontext():
                read = list(_schema_tables(connection, inspector, schema, frozenset(exclude), only))
            for table in read:
                tables[(table.schema, table.name)] = table
            if dialect.name == "postgresql":
                # A PostgreSQL connection's inspector is SQLAlchemy's PGInspector.
                pg_inspector = cast("PGInspector", inspector)
                for enum in _enums(pg_inspector, schema or default_schema, default_schema):
                    enums[(enum.schema, enum.name)] = enum
    return Snapshot(
        dialect=dialect.name,
        tables=tuple(sorted(tables.values(), key=table_sort_key)),
        enums=tuple(sorted(enums.values(), key=table_sort_key)),
        schemas=tuple(existing),
    )


def database_schemas(connection: Connection) -> tuple[str, ...]:
    """Every schema of the database as the dialect lists them (on SQLite: the attached
    databases; on MySQL: the server's other databases), except the default one,
    ``information_schema`` and MySQL's system databases; sorted."""
    from sqlalchemy import inspect

    inspector = inspect(connection)
    skipped = {inspector.default_schema_name, "information_schema"}
    if connection.dialect.name in ("mysql", "mariadb"):
        # The server's own databases (https://dev.mysql.com/doc/refman/8.0/en/system-schema.html).
        skipped |= {"mysql", "performance_schema", "sys"}
    return tuple(sorted(name for name in inspector.get_schema_names() if name not in skipped))


def _schema_tables(
    connection: Connection,
    inspector: Inspector,
    schema: str | None,
    exclude: frozenset[str],
    only: Collection[str] | None,
) -> Iterator[TableInfo]:
    dialect = connection.dialect
    names = None if only is None else sorted(only)
    if names == []:
        return
    columns = inspector.get_multi_columns(schema=schema, filter_names=names)
    keys = [
        key
        for key in columns
        if key[1] not in exclude and (schema is None or f"{schema}.{key[1]}" not in exclude)
    ]
    if not keys:
        return
    pks = _multi(inspector.get_multi_pk_constraint, schema, names)
    fks = _multi(inspector.get_multi_foreign_keys, schema, names)
    indexes = _multi(inspector.get_multi_indexes, schema, names)
    uniques = _multi(inspector.get_multi_unique_constraints, schema, names)
    checks = _multi(inspector.get_multi_check_constraints, schema, names)
    comments = (
        _multi(inspector.get_multi_table_comment, schema, names)
        if dialect.supports_comments
        else {}
    )
    wanted = {key[1] for key in keys}
    statements = (
        _sqlite_index_statements(connection, schema, wanted) if dialect.name == "sqlite" else {}
    )
    generated: Mapping[str, Mapping[str, str]] = {}
    if dialect.name == "sqlite" and any(c.get("computed") for key in keys for c in columns[key]):
        generated = _sqlite_generated(connection, schema, wanted)
    default_schema = inspector.default_schema_name
    # Most columns share a handful of types (VARCHAR(40), INTEGER): each is described once.
    types: dict[Hashable, TypeSpec] = {}
    for key in keys:
        yield TableInfo(
            schema=schema,
            name=key[1],
            columns=tuple(
                _column(column, dialect, generated.get(key[1], {}), types)
                for column in columns[key]
            ),
            primary_key=_primary_key(pks.get(key)),
            foreign_keys=_sorted(_foreign_key(fk, default_schema) for fk in fks.get(key, ())),
            indexes=_sorted(
                _indexes(
                    indexes.get(key, ()),
                    statements.get(key[1], {}),
                    {uq.get("duplicates_index") for uq in uniques.get(key, ())},
                )
            ),
            uniques=_sorted(
                UniqueInfo(
                    uq["name"],
                    tuple(uq["column_names"]),
                    to_pairs(
                        {k: v for k, v in (uq.get("dialect_options") or {}).items() if _set(v)}
                    ),
                )
                for uq in uniques.get(key, ())
            ),
            checks=_sorted(CheckInfo(ck["name"], ck["sqltext"]) for ck in checks.get(key, ())),
            comment=(comments.get(key) or {}).get("text"),
        )


def _multi(method: Any, schema: str | None, names: Sequence[str] | None) -> Mapping[TableKey, Any]:
    """One ``get_multi_*`` call (for the tables ``names``, or all); ``{}`` for a dialect that
    does not implement it."""
    try:
        return dict(method(schema=schema, filter_names=names))
    except NotImplementedError:
        return {}


def _sorted(items: Iterator[Any]) -> tuple[Any, ...]:
    return tuple(sorted(items, key=named_sort_key))


def _column(
    column: Mapping[str, Any],
    dialect: Dialect,
    generated: Mapping[str, str],
    types: dict[Hashable, TypeSpec],
) -> ColumnInfo:
    """One reflected column; ``generated``: the expressions of the table's generated columns
    read from its SQL (SQLite), preferred to what SQLAlchemy found; ``types``: the memo of
    :func:`~migguard.autogen.snapshot.types.type_spec`."""
    identity = column.get("identity")
    computed = column.get("computed")
    return ColumnInfo(
        name=column["name"],
        type=type_spec(column["type"], dialect, types),
        nullable=bool(column["nullable"]),
        server_default=column.get("default"),
        autoincrement=column.get("autoincrement"),
        identity=to_pairs(identity) if identity else None,
        comment=column.get("comment"),
        computed=generated.get(column["name"], computed["sqltext"]) if computed else None,
        persisted=bool(computed["persisted"]) if computed else None,
    )


def _primary_key(pk: Mapping[str, Any] | None) -> PrimaryKeyInfo | None:
    if not pk or not pk.get("constrained_columns"):
        return None
    return PrimaryKeyInfo(pk.get("name"), tuple(pk["constrained_columns"]))


def _foreign_key(fk: Mapping[str, Any], default_schema: str | None) -> ForeignKeyInfo:
    options = fk.get("options") or {}
    referred_schema = fk.get("referred_schema")
    return ForeignKeyInfo(
        name=fk.get("name"),
        columns=tuple(fk["constrained_columns"]),
        referred_schema=None if referred_schema == default_schema else referred_schema,
        referred_table=fk["referred_table"],
        referred_columns=tuple(fk["referred_columns"]),
        ondelete=referential_action(options.get("ondelete")),
        onupdate=referential_action(options.get("onupdate")),
        deferrable=True if options.get("deferrable") else None,
        initially=initially(options.get("initially")),
    )


def referential_action(action: str | None) -> str | None:
    """``ON DELETE``/``ON UPDATE`` in upper case, ``None`` for the default ``NO ACTION``
    (https://www.postgresql.org/docs/current/sql-createtable.html,
    https://www.sqlite.org/foreignkeys.html#fk_actions)."""
    if action is None:
        return None
    action = " ".join(action.upper().split())
    return None if action == "NO ACTION" else action


def initially(value: str | None) -> str | None:
    """``INITIALLY`` in upper case, ``None`` for the default ``IMMEDIATE``."""
    if value is None:
        return None
    value = value.strip().upper()
    return None if value == "IMMEDIATE" else value


def _indexes(
    reflected: Sequence[Mapping[str, Any]],
    statements: Mapping[str, ParsedIndex],
    unique_constraints: Collection[str | None],
) -> Iterator[IndexInfo]:
    """The indexes, less those that are a unique constraint reported a second time
    (PostgreSQL marks the index, MySQL the constraint: ``duplicates_index``)."""
    seen = set()
    for index in reflected:
        if index.get("duplicates_constraint") or index["name"] in unique_constraints:
            continue
        seen.add(index["name"])
        columns = tuple(index["column_names"])
        expressions = index.get("expressions") or ()
        options = {k: v for k, v in (index.get("dialect_options") or {}).items() if _set(v)}
        sorting = (index.get("column_sorting") or {}).items()
        parsed = statements.get(index["name"])
        yield IndexInfo(
            name=index["name"],
            columns=columns,
            expressions=tuple(e for c, e in zip(columns, expressions, strict=False) if c is None),
            unique=bool(index["unique"]),
            dialect_options=to_pairs(options),
            sorting=_parsed_sorting(parsed) if parsed else tuple((k, tuple(v)) for k, v in sorting),
        )
    for name, parsed in statements.items():
        if name not in seen:
            options = {"sqlite_where": parsed.where} if parsed.where else {}
            yield IndexInfo(
                name=name,
                columns=tuple(element.column for element in parsed.elements),
                expressions=tuple(e.expression for e in parsed.elements if e.expression),
                unique=parsed.unique,
                dialect_options=to_pairs(options),
                sorting=_parsed_sorting(parsed),
            )


def _set(value: Any) -> bool:
    """Whether a reflected dialect option says anything: ``None``, ``False`` and empty
    collections are how SQLAlchemy reports an option left at the database's default."""
    return value is not None and value is not False and value != [] and value != {}


def _parsed_sorting(parsed: ParsedIndex) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((element.key, ("desc",)) for element in parsed.elements if element.descending)


def _sqlite_index_statements(
    connection: Connection, schema: str | None, tables: Collection[str]
) -> dict[str, dict[str, ParsedIndex]]:
    """``{table: {index name: parsed CREATE INDEX}}`` for the indexes of ``tables`` created
    by statement (automatic indexes of constraints have no stored SQL), in one query."""
    from sqlalchemy import text

    quote = connection.dialect.identifier_preparer.quote_identifier
    rows = connection.execute(
        text(
            f"SELECT tbl_name, name, sql FROM {quote(schema or 'main')}.sqlite_master "
            "WHERE type = 'index' AND sql IS NOT NULL"
        )
    )
    statements: dict[str, dict[str, ParsedIndex]] = {}
    for table, name, sql in rows:
        if table not in tables:
            continue
        parsed = parse_create_index(sql)
        if parsed is not None:
            statements.setdefault(table, {})[name] = parsed
    return statements


def _sqlite_generated(
    connection: Connection, schema: str | None, tables: Collection[str]
) -> dict[str, dict[str, str]]:
    """``{table: {column: generation expression}}`` of ``tables`` from the stored ``CREATE
    TABLE`` statements, in one query."""
    from sqlalchemy import text

    quote = connection.dialect.identifier_preparer.quote_identifier
    rows = connection.execute(
        text(
            f"SELECT name, sql FROM {quote(schema or 'main')}.sqlite_master "
            "WHERE type = 'table' AND sql IS NOT NULL"
        )
    )
    return {name: generated_expressions(sql) for name, sql in rows if name in tables}


def _enums(
    inspector: PGInspector, schema: str | None, default_schema: str | None
) -> Iterator[EnumInfo]:
    for enum in inspector.get_enums(schema=schema):
        enum_schema = None if enum["schema"] == default_schema else enum["schema"]
        yield EnumInfo(enum_schema, enum["name"], tuple(enum["labels"]))
