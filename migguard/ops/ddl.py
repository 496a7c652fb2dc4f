"""SQL building shared by the operations.

Everything is quoted by the dialect's identifier preparer and compiled by its DDL and type
compilers; no identifier is pasted into SQL unquoted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, text
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SetColumnComment, SetTableComment
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.types import Enum, NullType, to_instance

from migguard.ops.executor import Executor
from migguard.sqlalchemy_private import statementless_ddl_compiler, type_variants

# Alembic and SQLAlchemy both accept ``server_default=False`` to mean "not given".
NOT_GIVEN: Any = False


def table_sql(dialect: Dialect, table_name: str, schema: str | None) -> str:
    """The quoted, schema-qualified table name, e.g. ``"my schema".orders`` (what the
    preparer's ``format_table`` renders, without building a ``Table`` for it)."""
    preparer = dialect.identifier_preparer
    name = preparer.quote(table_name)
    if schema and not preparer.omit_schema:
        return f"{preparer.quote_schema(schema)}.{name}"
    return name


def quote(dialect: Dialect, name: str) -> str:
    """``name`` quoted as an identifier when the dialect requires it."""
    return dialect.identifier_preparer.quote(name)


def text_sql(dialect: Dialect, sql: Any) -> str:
    """A SQL fragment given by the user (a string or ``text()``) in the dialect's compiled form,
    as ``sqlalchemy.text`` renders it (e.g. ``%`` doubled for the ``pyformat`` drivers)."""
    clause = sql if isinstance(sql, TextClause) else text(str(sql))
    return str(clause.compile(dialect=dialect))


def type_sql(dialect: Dialect, type_: TypeEngine[Any] | type[TypeEngine[Any]]) -> str:
    """The dialect's spelling of a column type, e.g. ``VARCHAR(20)``."""
    return dialect.type_compiler_instance.process(to_instance(type_))


def scratch_table(
    table_name: str, schema: str | None, *items: Any, metadata: MetaData | None = None
) -> Table:
    """A throw-away ``Table`` holding ``items`` (columns, constraints), so that SQLAlchemy's
    compilers can name and render them; tables referenced by foreign keys get stubs."""
    table = Table(table_name, metadata or MetaData(), *items, schema=schema)
    stub_referents(table)
    return table


def stub_referents(table: Table) -> None:
    """Add minimal stand-ins for the tables ``table``'s foreign keys point at.

    SQLAlchemy resolves a foreign key's target column when rendering it; the referenced table
    exists in the database, not in this scratch metadata, so a stub with the referenced columns
    (of ``NullType``) is enough.
    """
    metadata = table.metadata
    for foreign_key in list(table.foreign_keys):
        target = foreign_key.target_fullname
        table_part, _, column_name = target.rpartition(".")
        schema, _, name = table_part.rpartition(".")
        key = f"{schema}.{name}" if schema else name
        stub = metadata.tables.get(key)
        if stub is None:
            stub = Table(name, metadata, schema=schema or None)
        if column_name not in stub.c:
            stub.append_column(Column(column_name, NullType()))


def column_spec(dialect: Dialect, column: Column[Any]) -> str:
    """The column's definition as in CREATE TABLE (name, type, default, NOT NULL).

    ``column`` must belong to a ``Table`` (use ``scratch_table``).
    """
    return statementless_ddl_compiler(dialect).get_column_specification(column)


def default_sql(dialect: Dialect, server_default: Any, type_: Any = None) -> str | None:
    """The SQL expression a server default renders as (``'x'`` for a string, raw SQL for
    ``text()``), or None when ``server_default`` is None."""
    if server_default is None:
        return None
    column = Column(
        "x", to_instance(type_) if type_ is not None else NullType(), server_default=server_default
    )
    scratch_table("x", None, column)
    return statementless_ddl_compiler(dialect).get_column_default_string(column)


def add_column_sql(dialect: Dialect, column: Column[Any]) -> str:
    """``ALTER TABLE t ADD COLUMN <definition>`` for a column attached to its table."""
    table = table_sql(dialect, column.table.name, column.table.schema)
    return f"ALTER TABLE {table} ADD COLUMN {column_spec(dialect, column)}"


def inline_references(
    dialect: Dialect, column: Column[Any]
) -> tuple[ForeignKeyConstraint, str] | None:
    """The ``REFERENCES t (c) [ON DELETE ...]`` clause of the column's foreign key, and the
    constraint, when the column has exactly one foreign key and it is on this column alone;
    otherwise None (the key is then added as a separate constraint). ``column`` must belong
    to a ``Table`` (use ``scratch_table``)."""
    keys = list(column.foreign_keys)
    if len(keys) != 1 or keys[0].constraint is None or len(keys[0].constraint.columns) != 1:
        return None
    key = keys[0]
    constraint = key.constraint
    assert constraint is not None
    compiler = statementless_ddl_compiler(dialect)
    preparer = dialect.identifier_preparer
    target = key.column
    clause = (
        f"REFERENCES {preparer.format_table(target.table)} ({preparer.quote(target.name)})"
        f"{compiler.define_constraint_match(constraint)}"
        f"{compiler.define_constraint_cascades(constraint)}"
        f"{compiler.define_constraint_deferrability(constraint)}"
    )
    # An unnamed key is None, or a placeholder that a naming convention may resolve.
    name = None if constraint.name is None else preparer.format_constraint(constraint)
    if name is not None:
        clause = f"CONSTRAINT {name} {clause}"
    return constraint, clause


def drop_column_sql(dialect: Dialect, table_name: str, schema: str | None, column: str) -> str:
    """``ALTER TABLE t DROP COLUMN c``."""
    return (
        f"ALTER TABLE {table_sql(dialect, table_name, schema)} DROP COLUMN {quote(dialect, column)}"
    )


def rename_table_sql(dialect: Dialect, old: str, new: str, schema: str | None) -> str:
    """``ALTER TABLE old RENAME TO new`` (the new name is never schema-qualified)."""
    return f"ALTER TABLE {table_sql(dialect, old, schema)} RENAME TO {quote(dialect, new)}"


def rename_column_sql(
    dialect: Dialect, table_name: str, schema: str | None, old: str, new: str
) -> str:
    """``ALTER TABLE t RENAME COLUMN old TO new`` (SQLite 3.25+, PostgreSQL)."""
    table = table_sql(dialect, table_name, schema)
    return f"ALTER TABLE {table} RENAME COLUMN {quote(dialect, old)} TO {quote(dialect, new)}"


def alter_column_sql(
    dialect: Dialect, table_name: str, schema: str | None, column: str, clause: str
) -> str:
    """``ALTER TABLE t ALTER COLUMN c <clause>`` (PostgreSQL and standard SQL spelling)."""
    table = table_sql(dialect, table_name, schema)
    return f"ALTER TABLE {table} ALTER COLUMN {quote(dialect, column)} {clause}"


def emit_comments(executor: Executor, table: Table) -> None:
    """Emit ``COMMENT ON`` for the table and its columns where the dialect keeps comments
    outside CREATE TABLE (PostgreSQL: https://www.postgresql.org/docs/current/sql-comment.html).
    SQLite stores no comments, so nothing is emitted there."""
    dialect = executor.dialect
    if not dialect.supports_comments or dialect.inline_comments:
        return
    if table.comment is not None:
        executor.execute(SetTableComment(table))
    for column in table.columns:
        if column.comment is not None:
            executor.execute(SetColumnComment(column))


def ensure_types(executor: Executor, columns: Iterable[Column[Any]]) -> None:
    """Create the named PostgreSQL ENUM types the columns use, each once.

    Online a type is created only if the database lacks it (``dialect.has_type``), so a type
    left behind by an earlier ``drop_table`` or created by the script itself is reused; offline
    each type is written once per run. ``postgresql.ENUM(create_type=False)`` is honoured.
    Other dialects have no separate types and nothing is emitted.
    """
    if not executor.is_postgresql:
        return
    from sqlalchemy.dialects.postgresql import ENUM
    from sqlalchemy.dialects.postgresql.base import PGDialect
    from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

    # is_postgresql: the dialect is one of SQLAlchemy's PostgreSQL dialects (PGDialect).
    dialect = cast(PGDialect, executor.dialect)
    for column in columns:
        type_ = column.type
        # Only an Enum, or a type with per-dialect variants, can be an ENUM on PostgreSQL;
        # adapting every other column's type to the dialect would be wasted work.
        if not isinstance(type_, Enum) and not type_variants(type_):
            continue
        impl = type_.dialect_impl(dialect)
        if not isinstance(impl, ENUM) or not impl.create_type or not impl.name:
            continue
        name = str(impl.name)
        schema = impl.schema
        if executor.offline:
            if not executor.first_time(("enum", schema or "", name)):
                continue
        elif dialect.has_type(executor.context.connection, name, schema=schema):
            continue
        executor.execute(CreateEnumType(impl))
