"""Constraint, index and table operations of the diff, built from snapshot records (the
models' for what is added, the database's for what is dropped); see ``build`` for the
conventions (final names as ``conv``, enums without ``CREATE TYPE``).

Records lose a little against the models' objects: a foreign key's ``MATCH`` and ``use_alter``
and a unique constraint's ``DEFERRABLE`` are not in a snapshot, so an added constraint does not
carry them (reflection does not report them either, so the comparison cannot miss them).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from migguard.autogen.diff.build import (
    Names,
    convention_names,
    final_name,
    model_column,
    reflected_column,
)
from migguard.autogen.snapshot import (
    CheckInfo,
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    PrimaryKeyInfo,
    TableInfo,
    UniqueInfo,
    ddl_name,
    ddl_sql,
)
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import CreateTable, DropTable
from migguard.sqlalchemy_private import created_by, made_by_type, statementless_ddl_compiler

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = [
    "check_op",
    "create_table_from_info",
    "create_table_from_model",
    "drop_constraint",
    "drop_index",
    "drop_table",
    "dropped_column",
    "foreign_key_op",
    "index_op",
    "mentions_column",
    "primary_key_op",
    "reflected_table",
    "unique_op",
]


# --- constraints and indexes ---------------------------------------------------------------------


def _target(fk: ForeignKeyInfo, column: str) -> str:
    prefix = f"{fk.referred_schema}." if fk.referred_schema else ""
    return f"{prefix}{fk.referred_table}.{column}"


def fk_constraint(fk: ForeignKeyInfo, names: Names = ()) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        list(fk.columns),
        [_target(fk, column) for column in fk.referred_columns],
        name=final_name(fk.name, names),
        ondelete=fk.ondelete,
        onupdate=fk.onupdate,
        deferrable=fk.deferrable,
        initially=fk.initially,
    )


def _index_options(index: IndexInfo) -> dict[str, Any]:
    """An index's reported options as ``Index`` keywords (SQL as ``text``, pairs as dicts)."""
    options: dict[str, Any] = {}
    for key, value in index.dialect_options:
        if key.endswith("_where"):
            options[key] = sa.text(str(value))
        elif isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
            # Checked just above to be (key, value) pairs; the snapshot's Value type is wider.
            options[key] = dict(value)  # type: ignore[arg-type]
        elif isinstance(value, tuple):
            options[key] = list(value)
        else:
            options[key] = value
    return options


def _index_elements(index: IndexInfo, dialect: Dialect) -> tuple[Any, ...]:
    """Column names, and ``text`` for expressions and ordered columns (``created_at DESC``)."""
    quote = dialect.identifier_preparer.quote
    flags = dict(index.sorting)
    expressions = iter(index.expressions)
    elements: list[Any] = []
    for column in index.columns:
        sql = quote(column) if column is not None else next(expressions)
        order = flags.get(column if column is not None else sql, ())
        if column is not None and not order:
            elements.append(column)
            continue
        words = [sql] + [flag.replace("_", " ").upper() for flag in order]
        elements.append(sa.text(" ".join(words)))
    return tuple(elements)


def index_op(
    table: TableInfo, index: IndexInfo, dialect: Dialect, names: Names = ()
) -> CreateIndex:
    """``create_index`` for ``index`` of ``table``."""
    return CreateIndex(
        final_name(index.name, names),
        table.name,
        _index_elements(index, dialect),
        schema=table.schema,
        unique=index.unique,
        kw=_index_options(index),
    )


def dropped_column(table: TableInfo, name: str, dialect: Dialect) -> sa.Column[Any]:
    """The definition ``drop_column`` carries for column ``name`` of a reflected table. The
    constraints without a name that go with the column (SQLite keeps no names; its rebuild drops
    them with the column, https://www.sqlite.org/lang_altertable.html#otheralter) are part of
    it, so the reverse brings them back: a one-column foreign key or unique constraint, and a
    check constraint naming the column."""
    info = table.column(name)
    assert info is not None, f"{table.name}.{name} is not in the snapshot"
    extra: list[Any] = [
        sa.ForeignKey(
            _target(fk, fk.referred_columns[0]),
            ondelete=fk.ondelete,
            onupdate=fk.onupdate,
            deferrable=fk.deferrable,
            initially=fk.initially,
        )
        for fk in table.foreign_keys
        if fk.name is None and fk.columns == (name,)
    ]
    extra += [
        sa.CheckConstraint(sa.text(check.sqltext))
        for check in table.checks
        if check.name is None and mentions_column(check.sqltext, name)
    ]
    unique = any(u.name is None and u.columns == (name,) for u in table.uniques)
    return reflected_column(info, dialect, extra, unique=unique or None)


def mentions_column(sql: str, name: str) -> bool:
    """Whether SQL text ``sql`` names column ``name`` (as a whole word, any letter case)."""
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", sql, re.IGNORECASE) is not None


def drop_index(table: TableInfo, index: IndexInfo, dialect: Dialect) -> DropIndex:
    """``drop_index`` of a reflected index, carrying its definition."""
    create = index_op(table, index, dialect)
    return DropIndex(str(index.name), table.name, schema=table.schema, definition=create)


def unique_op(table: TableInfo, unique: UniqueInfo, names: Names = ()) -> CreateUniqueConstraint:
    return CreateUniqueConstraint(
        final_name(unique.name, names),
        table.name,
        unique.columns,
        schema=table.schema,
        kw=dict(unique.dialect_options),
    )


def foreign_key_op(table: TableInfo, fk: ForeignKeyInfo, names: Names = ()) -> CreateForeignKey:
    return CreateForeignKey(
        final_name(fk.name, names),
        table.name,
        fk.referred_table,
        fk.columns,
        fk.referred_columns,
        onupdate=fk.onupdate,
        ondelete=fk.ondelete,
        deferrable=fk.deferrable,
        initially=fk.initially,
        source_schema=table.schema,
        referent_schema=fk.referred_schema,
    )


def check_op(table: TableInfo, check: CheckInfo, names: Names = ()) -> CreateCheckConstraint:
    return CreateCheckConstraint(
        final_name(check.name, names), table.name, sa.text(check.sqltext), schema=table.schema
    )


def primary_key_op(table: TableInfo, key: PrimaryKeyInfo, names: Names = ()) -> CreatePrimaryKey:
    return CreatePrimaryKey(
        final_name(key.name, names), table.name, key.columns, schema=table.schema
    )


def drop_constraint(create: Any) -> DropConstraint:
    """``drop_constraint`` undoing ``create`` (a named ``CreateConstraint``)."""
    return DropConstraint(
        str(create.constraint_name),
        create.table_name,
        type_=create.type_,
        schema=create.schema,
        definition=create,
    )


# --- tables ---------------------------------------------------------------------------------------


def _key_items(
    info: TableInfo, names: Names, skip_fks: Collection[ForeignKeyInfo], dialect: Dialect
) -> list[Any]:
    items: list[Any] = []
    if info.primary_key is not None:
        items.append(
            sa.PrimaryKeyConstraint(
                *info.primary_key.columns, name=final_name(info.primary_key.name, names)
            )
        )
    for unique in info.uniques:
        options: dict[str, Any] = dict(unique.dialect_options)
        items.append(
            sa.UniqueConstraint(*unique.columns, name=final_name(unique.name, names), **options)
        )
    items += [fk_constraint(fk, names) for fk in info.foreign_keys if fk not in skip_fks]
    items += [
        sa.Index(
            final_name(index.name, names),
            *_index_elements(index, dialect),
            unique=index.unique,
            **_index_options(index),
        )
        for index in info.indexes
    ]
    return items


def create_table_from_model(
    table: sa.Table,
    info: TableInfo,
    dialect: Dialect,
    skip_fks: Collection[ForeignKeyInfo] = (),
) -> CreateTable:
    """``create_table`` for a model table (``info`` is its record in the models' snapshot):
    model columns, then keys, checks and indexes with their final names. ``skip_fks`` are
    foreign keys created separately (a cycle between new tables)."""
    names = convention_names(table, dialect)
    columns = [model_column(c, _column_info(info, c.name), dialect) for c in table.columns]
    ddl = statementless_ddl_compiler(dialect)
    checks = [
        sa.CheckConstraint(
            sa.text(ddl_sql(c.sqltext, ddl)), name=final_name(ddl_name(c, ddl), names)
        )
        for c in _model_checks(table)
        if created_by(c, ddl)
    ]
    items = [*columns, *_key_items(info, names, skip_fks, dialect), *checks]
    return CreateTable(
        info.name,
        tuple(items),
        schema=info.schema,
        comment=info.comment,
        kw=_table_options(table, dialect),
    )


def _table_options(table: sa.Table, dialect: Dialect) -> dict[str, Any]:
    """The model table's MySQL/MariaDB options (``mysql_engine``, ``mysql_charset``...), which
    its ``create_table`` carries as the models give them; reflection does not compare them."""
    if dialect.name not in ("mysql", "mariadb"):
        return {}
    return {
        key: value
        for key, value in table.dialect_kwargs.items()
        if key.startswith(("mysql_", "mariadb_")) and value is not None
    }


def _model_checks(table: sa.Table) -> list[sa.CheckConstraint]:
    """The table's own check constraints; those a type adds for itself (``Boolean``/``Enum``
    with ``create_constraint=True``) come back with the column's type."""
    found = [c for c in table.constraints if isinstance(c, sa.CheckConstraint)]
    found += [
        c for col in table.columns for c in col.constraints if isinstance(c, sa.CheckConstraint)
    ]
    return [c for c in dict.fromkeys(found) if not made_by_type(c)]


def _column_info(info: TableInfo, name: str) -> ColumnInfo:
    column = info.column(name)
    assert column is not None, f"{info.name}.{name} missing from the models' snapshot"
    return column


def create_table_from_info(
    info: TableInfo, dialect: Dialect, skip_fks: Collection[ForeignKeyInfo] = ()
) -> CreateTable:
    """``create_table`` re-creating a reflected table (the definition a ``drop_table``
    carries): columns, keys, checks and indexes."""
    columns = [reflected_column(column, dialect) for column in info.columns]
    checks = [sa.CheckConstraint(sa.text(check.sqltext), name=check.name) for check in info.checks]
    items = [*columns, *_key_items(info, (), skip_fks, dialect), *checks]
    return CreateTable(info.name, tuple(items), schema=info.schema, comment=info.comment)


def drop_table(
    info: TableInfo, dialect: Dialect, skip_fks: Collection[ForeignKeyInfo] = ()
) -> DropTable:
    """``drop_table`` of a reflected table, carrying its definition."""
    definition = create_table_from_info(info, dialect, skip_fks)
    return DropTable(info.name, schema=info.schema, definition=definition)


def reflected_table(info: TableInfo, dialect: Dialect) -> sa.Table:
    """The reflected table as a SQLAlchemy ``Table`` (in a ``MetaData`` of its own, with
    stand-ins for the tables its foreign keys point at): what ``include_object`` is given."""
    from migguard.ops.ddl import stub_referents

    definition = create_table_from_info(info, dialect)
    table = definition.build(sa.MetaData())
    stub_referents(table)
    return table
