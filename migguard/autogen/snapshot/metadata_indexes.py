"""Indexes of the models as ``IndexInfo``, the way reflection reports them; and the two DDL
helpers the models' snapshot shares: names after naming conventions, and SQL text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from migguard.autogen.snapshot.records import IndexInfo, Pairs, to_pairs

if TYPE_CHECKING:
    from sqlalchemy import Index, Table
    from sqlalchemy.engine import Dialect
    from sqlalchemy.sql.compiler import DDLCompiler

__all__ = ["ddl_name", "ddl_sql", "index_info"]

# The index options each dialect's reflection reports (see reflect.py); others (such as
# ``postgresql_concurrently``) describe how an index is built, not what it is.
_INDEX_OPTIONS = {
    "postgresql": ("where", "using", "include", "ops", "with", "nulls_not_distinct"),
    "sqlite": ("where",),
    # What SQLAlchemy's MySQL reflection reports (``mysql_using`` it does not).
    "mysql": ("length", "prefix", "with_parser"),
    "mariadb": ("length", "prefix", "with_parser"),
}


def index_info(index: Index, table: Table, dialect: Dialect, ddl: DDLCompiler) -> IndexInfo:
    """``index`` of ``table`` as reflection on ``dialect`` would report it: plain columns by
    name, other elements as SQL, ordering flags, and the options reflection can see."""
    columns: list[str | None] = []
    expressions: list[str] = []
    sorting: list[tuple[str, tuple[str, ...]]] = []
    for element in index.expressions:
        inner, flags = _unwrap_ordering(element, dialect)
        name = _column_name(inner, table)
        if name is None:
            sql = ddl_sql(inner, ddl)
            # Text that is just a column's name (``sa.desc("a")``) indexes that column, and
            # the database reports it as one.
            name = sql if sql in {c.name for c in table.columns} else None
            if name is None:
                expressions.append(sql)
        columns.append(name)
        if flags:
            sorting.append((name if name is not None else expressions[-1], flags))
    return IndexInfo(
        name=ddl_name(index, ddl),
        columns=tuple(columns),
        expressions=tuple(expressions),
        unique=bool(index.unique),
        dialect_options=_index_options(index, dialect, ddl),
        sorting=tuple(sorting),
    )


def _unwrap_ordering(element: Any, dialect: Dialect) -> tuple[Any, tuple[str, ...]]:
    """The element inside ``.desc()``/``.nulls_last()`` wrappers, and its ordering flags in
    the form reflection reports: PostgreSQL leaves out the default ``NULLS LAST`` of ascending
    and ``NULLS FIRST`` of descending columns (https://www.postgresql.org/docs/current/
    indexes-ordering.html); SQLite indexes know only ``DESC``."""
    from sqlalchemy.sql import operators
    from sqlalchemy.sql.elements import UnaryExpression

    descending = False
    nulls: str | None = None
    modifiers = {
        operators.desc_op: "desc",
        operators.asc_op: "asc",
        operators.nulls_first_op: "first",
        operators.nulls_last_op: "last",
    }
    while isinstance(element, UnaryExpression) and element.modifier in modifiers:
        flag = modifiers[element.modifier]
        if flag in ("first", "last"):
            nulls = nulls or flag
        else:
            descending = descending or flag == "desc"
        element = element.element
    if dialect.name != "postgresql":
        return element, ("desc",) if descending else ()
    if descending:
        return element, ("desc", "nulls_last") if nulls == "last" else ("desc",)
    return element, ("nulls_first",) if nulls == "first" else ()


def _column_name(element: Any, table: Table) -> str | None:
    from sqlalchemy.sql.elements import ColumnClause

    if isinstance(element, str):
        return element
    if isinstance(element, ColumnClause) and not element.is_literal and element.name in table.c:
        return element.name
    return None


def _index_options(index: Index, dialect: Dialect, ddl: DDLCompiler) -> Pairs:
    from sqlalchemy.sql.elements import ClauseElement

    options: dict[str, Any] = {}
    prefix = f"{dialect.name}_"
    kwargs: Mapping[str, Any] = index.dialect_kwargs
    if dialect.name == "mariadb":
        # Operations apply mysql_* options under the mariadb name too (ops.mysql).
        kwargs = {k.replace("mysql_", "mariadb_", 1): v for k, v in kwargs.items()} | dict(kwargs)
    for key, value in kwargs.items():
        option = key.removeprefix(prefix)
        if not key.startswith(prefix) or option not in _INDEX_OPTIONS.get(dialect.name, ()):
            continue
        if isinstance(value, ClauseElement):
            value = ddl_sql(value, ddl)
        elif option == "include":
            value = [getattr(column, "name", column) for column in value or ()]
        elif option == "with":
            value = {name: str(setting) for name, setting in (value or {}).items()}
        elif option == "length" and isinstance(value, int):
            # Reflection reports a prefix length per column.
            value = {name: value for name in _plain_columns(index)}
        elif option == "prefix" and isinstance(value, str):
            value = value.upper()
        elif option == "using" and isinstance(value, str):
            value = None if value.lower() == "btree" else value.lower()
        if value not in (None, False, [], {}, ()):
            options[key] = value
    return to_pairs(options)


def ddl_name(constraint: Any, ddl: DDLCompiler) -> str | None:
    """The name the DDL gives: naming conventions applied, long names truncated as
    SQLAlchemy does; ``None`` when the database is left to choose."""
    if constraint.name is None:
        return None
    return ddl.preparer.format_constraint(constraint, _alembic_quote=False)


def ddl_sql(element: Any, ddl: DDLCompiler) -> str:
    if isinstance(element, str):
        return element
    return str(ddl.sql_compiler.process(element, include_table=False, literal_binds=True))


def _plain_columns(index: Index) -> list[str]:
    return [column.name for column in index.columns]
