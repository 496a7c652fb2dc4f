"""What one comparison carries around: the options, the filters, the tables matched up between
the models and the database, and the renames asked for."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from migguard.autogen.diff.build_tables import reflected_table
from migguard.autogen.diff.sql import normalise_sql
from migguard.autogen.snapshot import (
    ForeignKeyInfo,
    IndexInfo,
    PrimaryKeyInfo,
    TableInfo,
    UniqueInfo,
    ddl_name,
)
from migguard.sqlalchemy_private import statementless_ddl_compiler

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from migguard.autogen.diff.options import CompareOptions

TableKey = tuple[str | None, str]
ColumnMap = Mapping[str, str]


def qualified(schema: str | None, name: str) -> str:
    """``schema.name``, or ``name`` in the default schema."""
    return f"{schema}.{name}" if schema else name


@dataclass
class TablePair:
    """A table both sides have. ``reflected`` is the database's record with the requested
    renames applied (the model's table name, renamed columns under their new names);
    ``column_renames`` maps old column names to new ones."""

    model: TableInfo
    reflected: TableInfo
    table: sa.Table
    column_renames: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> TableKey:
        return (self.model.schema, self.model.name)

    def model_column(self, name: str) -> sa.Column[Any] | None:
        """The model's column called ``name`` (``Table.c`` is keyed by ``key``, which a model
        may set apart from the name)."""
        return next((c for c in self.table.columns if c.name == name), None)

    @property
    def dropped_columns(self) -> frozenset[str]:
        """Columns the database has and the models do not (renames applied)."""
        return frozenset(c.name for c in self.reflected.columns) - {
            c.name for c in self.model.columns
        }


@dataclass
class Context:
    """One comparison: options, dialect, warnings collected, and per-table column renames
    (``renamed_columns[table key] = {old: new}``) used to map records back to the names the
    database has before the renames run."""

    dialect: Dialect
    options: CompareOptions
    warnings: list[str] = field(default_factory=list)
    renamed_columns: dict[TableKey, dict[str, str]] = field(default_factory=dict)
    _reflected: dict[TableInfo, sa.Table] = field(default_factory=dict)

    # -- filters -------------------------------------------------------------------------------

    def include(
        self, type_: str, name: str | None, model: object | None, reflected: object | None
    ) -> bool:
        """Alembic's ``include_object(object, name, type_, reflected, compare_to)``, asked for
        each side that has the object; the object takes part when every answer is true."""
        hook = self.options.include_object
        if hook is None:
            return True
        if model is not None and not hook(model, name, type_, False, reflected):
            return False
        return reflected is None or bool(hook(reflected, name, type_, True, model))

    @property
    def filtering(self) -> bool:
        return self.options.include_object is not None

    def reflected_table(self, info: TableInfo) -> sa.Table:
        """``info`` as a SQLAlchemy ``Table`` for ``include_object`` (built once per record:
        renames give a table a second one)."""
        if info not in self._reflected:
            self._reflected[info] = reflected_table(info, self.dialect)
        return self._reflected[info]

    # -- renames -------------------------------------------------------------------------------

    def before_renames(self, key: TableKey, record: Any) -> Any:
        """``record`` (of table ``key``) with renamed columns under their old names: the form
        a drop running before the renames needs."""
        back = {new: old for old, new in self.renamed_columns.get(key, {}).items()}
        referred = {}
        if isinstance(record, ForeignKeyInfo):
            target = (record.referred_schema, record.referred_table)
            referred = {new: old for old, new in self.renamed_columns.get(target, {}).items()}
        return rename_columns(record, back, referred)


def rename_columns(record: Any, names: ColumnMap, referred: ColumnMap | None = None) -> Any:
    """A key or index record with its column names mapped through ``names`` (a foreign key's
    referred columns through ``referred``); other records unchanged."""

    def mapped(columns: tuple[Any, ...], mapping: ColumnMap) -> tuple[Any, ...]:
        return tuple(mapping.get(c, c) if c is not None else None for c in columns)

    if isinstance(record, PrimaryKeyInfo | UniqueInfo):
        return dataclasses.replace(record, columns=mapped(record.columns, names))
    if isinstance(record, IndexInfo):
        sorting = tuple((names.get(key, key), flags) for key, flags in record.sorting)
        return dataclasses.replace(record, columns=mapped(record.columns, names), sorting=sorting)
    if isinstance(record, ForeignKeyInfo):
        return dataclasses.replace(
            record,
            columns=mapped(record.columns, names),
            referred_columns=mapped(record.referred_columns, referred or {}),
        )
    return record


def find_constraint(
    table: sa.Table, kind: type, columns: tuple[Any, ...], name: str | None, dialect: Dialect
) -> Any:
    """The constraint (or index) of ``kind`` on ``table`` with these column names and, when
    ``name`` is given, this final name; ``None`` when there is none."""
    ddl = statementless_ddl_compiler(dialect)
    items: list[Any] = list(table.indexes) if kind is sa.Index else list(table.constraints)
    for item in items:
        if not isinstance(item, kind):
            continue
        if name is not None and ddl_name(item, ddl) == name:
            return item
        names = tuple(getattr(c, "name", None) for c in getattr(item, "columns", ()))
        if name is None and names == tuple(columns):
            return item
    return None


def same_expression(ctx: Context, pair: TablePair, ours: str, theirs: str) -> bool | None:
    """Whether two SQL expressions over the columns of ``pair`` (check conditions, generation
    expressions) are the same: as normalised text, else (PostgreSQL, which rewrites them) as
    the database parses them (``CompareOptions.same_check``); ``None`` when nothing can tell."""
    dialect = ctx.dialect.name
    if normalise_sql(ours, dialect) == normalise_sql(theirs, dialect):
        return True
    if dialect != "postgresql":
        # SQLite keeps the SQL as it was written (https://www.sqlite.org/schematab.html).
        return False
    if ctx.options.same_check is None:
        return None
    columns = {c.name: c.type.compiled for c in pair.model.columns if c.type.compiled}
    columns.update({c.name: c.type.compiled for c in pair.reflected.columns if c.type.compiled})
    return ctx.options.same_check(ours, theirs, columns)
