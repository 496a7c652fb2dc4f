"""The diff's operations in words (``migguard diff``, ``revision --autogenerate``) and as JSON
(``migguard diff --format json``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from migguard.autogen.diff.context import qualified
from migguard.autogen.diff.enums import EnumTypeChange
from migguard.autogen.diff.identity import IdentityChange
from migguard.autogen.diff.options import Note
from migguard.autogen.diff.schemas import SchemaChange
from migguard.ops.base import Operation
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.data import Execute
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    AddColumn,
    AlterColumn,
    CreateTable,
    CreateTableComment,
    DropColumn,
    DropTable,
    DropTableComment,
    RenameTable,
)

if TYPE_CHECKING:
    from migguard.autogen.diff.options import DiffResult

__all__ = ["describe", "kind_of", "to_json"]

# DropConstraint's type_ -> words and JSON kind.
_CONSTRAINT = {
    "foreignkey": ("foreign key", "foreign_key"),
    "primary": ("primary key", "primary_key"),
    "unique": ("unique constraint", "unique"),
    "check": ("check constraint", "check"),
    None: ("constraint", "constraint"),
}


def _table(operation: Any) -> str:
    name = getattr(operation, "table_name", None) or "?"
    return qualified(getattr(operation, "schema", None), name)


def _columns(columns: Any) -> str:
    return ", ".join(c if isinstance(c, str) else str(c) for c in columns)


def _sql(value: Any) -> str:
    """A server default, type or comment as it reads in a message."""
    if value is None:
        return "None"
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    arg = getattr(value, "arg", None)
    if arg is not None:
        return _sql(arg)
    return repr(value) if isinstance(value, str) else str(value)


def _type(type_: Any, dialect_name: str | None) -> str:
    """A type in SQL as the database ``dialect_name`` spells it (``None``: SQLAlchemy's generic
    spelling): a named enum by its name, an array as ``item[]``, and a type the dialect cannot
    spell by its ``repr``."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import registry
    from sqlalchemy.exc import CompileError

    if isinstance(type_, sa.Enum) and type_.name:
        return str(type_.name)
    if isinstance(type_, sa.ARRAY):
        return f"{_type(type_.item_type, dialect_name)}[]"
    # The name is a ``DiffResult.dialect``: the name of a dialect SQLAlchemy loaded already.
    loaded = registry.load(dialect_name) if dialect_name is not None else None
    # A class, except for "mariadb", whose loader builds the dialect itself.
    dialect = loaded() if isinstance(loaded, type) else loaded
    try:
        return str(type_.compile(dialect=dialect))
    except CompileError:
        return repr(type_)


def _alter(operation: AlterColumn, dialect_name: str | None) -> str:
    changes = []
    if operation.new_column_name is not None:
        changes.append(f"rename to {operation.new_column_name!r}")
    if operation.type_ is not None:
        before = _type(operation.existing_type, dialect_name)
        changes.append(f"type {before} -> {_type(operation.type_, dialect_name)}")
    if operation.nullable is not None:
        changes.append(f"nullable {operation.existing_nullable} -> {operation.nullable}")
    if operation.server_default is not False:
        before, after = operation.existing_server_default, operation.server_default
        changes.append(f"server default {_sql(before)} -> {_sql(after)}")
    if operation.comment is not False:
        changes.append(f"comment {operation.existing_comment!r} -> {operation.comment!r}")
    column = f"{_table(operation)}.{operation.column_name}"
    return f"alter column '{column}': {'; '.join(changes)}"


def _enum(operation: EnumTypeChange) -> str:
    name = qualified(operation.type_schema, operation.type_name)
    if operation.kind == "add_enum":
        return f"add enum type '{name}' {tuple(operation.labels or ())}"
    if operation.kind == "drop_enum":
        return f"drop enum type '{name}'"
    return (
        f"alter enum type '{name}': {tuple(operation.old_labels or ())} -> "
        f"{tuple(operation.labels or ())}"
    )


def _identity(operation: IdentityChange) -> str:
    column = f"'{_table(operation)}.{operation.column_name}'"
    changes = "; ".join(operation.changes())
    if operation.old is None:
        return f"add identity to column {column} ({changes})"
    if operation.new is None:
        return f"drop identity of column {column}"
    return f"alter identity of column {column}: {changes}"


@functools.singledispatch
def describe(operation: Operation, dialect_name: str | None = None) -> str:
    """One line saying what ``operation`` does, e.g. ``add table 'customer'``, ``add column
    'customer.age'``, ``drop index 'ix_x' on 'product'``, ``alter column 'customer.name':
    nullable False -> True``. Tables in a schema read ``'schema.table'``; types are spelled as
    database ``dialect_name`` spells them (``DiffResult.dialect``; ``None``: generic SQL).
    An operation class without a description of its own (nor of a base class) reads as its
    class name."""
    return type(operation).__name__


@describe.register
def _(operation: CreateTable, dialect_name: str | None = None) -> str:
    return f"add table '{_table(operation)}'"


@describe.register
def _(operation: DropTable, dialect_name: str | None = None) -> str:
    return f"drop table '{_table(operation)}'"


@describe.register
def _(operation: RenameTable, dialect_name: str | None = None) -> str:
    old = qualified(operation.schema, operation.old_table_name)
    return f"rename table '{old}' to '{operation.new_table_name}'"


@describe.register
def _(operation: AddColumn, dialect_name: str | None = None) -> str:
    return f"add column '{_table(operation)}.{operation.column.name}'"


@describe.register
def _(operation: DropColumn, dialect_name: str | None = None) -> str:
    return f"drop column '{_table(operation)}.{operation.column_name}'"


@describe.register
def _(operation: AlterColumn, dialect_name: str | None = None) -> str:
    return _alter(operation, dialect_name)


@describe.register
def _(operation: CreateIndex, dialect_name: str | None = None) -> str:
    unique = "unique " if operation.unique else ""
    return (
        f"add {unique}index '{operation.index_name}' on '{_table(operation)}' "
        f"({_columns(operation.columns)})"
    )


@describe.register
def _(operation: DropIndex, dialect_name: str | None = None) -> str:
    return f"drop index '{operation.index_name}' on '{_table(operation)}'"


@describe.register
def _(operation: CreateTableComment, dialect_name: str | None = None) -> str:
    return f"set comment of table '{_table(operation)}' to {operation.comment!r}"


@describe.register
def _(operation: DropTableComment, dialect_name: str | None = None) -> str:
    return f"drop comment of table '{_table(operation)}'"


@describe.register
def _(operation: Execute, dialect_name: str | None = None) -> str:
    return f"execute SQL: {_sql(operation.sqltext)}"


@describe.register
def _(operation: EnumTypeChange, dialect_name: str | None = None) -> str:
    return _enum(operation)


@describe.register
def _(operation: IdentityChange, dialect_name: str | None = None) -> str:
    return _identity(operation)


@describe.register
def _(operation: SchemaChange, dialect_name: str | None = None) -> str:
    return f"{'add' if operation.created else 'drop'} schema '{operation.schema_name}'"


def _constraint_line(operation: CreateConstraint) -> str:
    words = _CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[0]
    name = f" '{operation.constraint_name}'" if operation.constraint_name else ""
    return f"add {words}{name} on '{_table(operation)}'"


@describe.register
def _(operation: CreateConstraint, dialect_name: str | None = None) -> str:
    return _constraint_line(operation)


@describe.register
def _(operation: CreateForeignKey, dialect_name: str | None = None) -> str:
    target = qualified(operation.referent_schema, operation.referent_table)
    return (
        f"{_constraint_line(operation)} ({_columns(operation.local_cols)}) -> '{target}' "
        f"({_columns(operation.remote_cols)})"
    )


@describe.register(CreateUniqueConstraint)
@describe.register(CreatePrimaryKey)
def _(operation: CreateUniqueConstraint | CreatePrimaryKey, dialect_name: str | None = None) -> str:
    return f"{_constraint_line(operation)} ({_columns(operation.columns)})"


@describe.register
def _(operation: CreateCheckConstraint, dialect_name: str | None = None) -> str:
    return f"{_constraint_line(operation)}: {_sql(operation.condition)}"


@describe.register
def _(operation: DropConstraint, dialect_name: str | None = None) -> str:
    words = _CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[0]
    return f"drop {words} '{operation.constraint_name}' on '{_table(operation)}'"


@functools.singledispatch
def kind_of(operation: Operation) -> str:
    """The JSON ``kind`` of ``operation``: ``add_table``, ``drop_table``, ``rename_table``,
    ``add_column``, ``drop_column``, ``alter_column``, ``add_index``, ``drop_index``,
    ``add_unique``/``add_foreign_key``/``add_check``/``add_primary_key`` and their ``drop_``
    forms, ``add_table_comment``, ``drop_table_comment``, ``add_enum``, ``drop_enum``,
    ``alter_enum``, ``add_identity``, ``alter_identity``, ``drop_identity``, ``add_schema``,
    ``drop_schema``, ``execute``; the
    class name for an operation class without a kind."""
    return type(operation).__name__


def _fixed_kind(kind: str) -> Callable[[Operation], str]:
    """The ``kind_of`` of an operation class whose kind never varies."""

    def fixed(operation: Operation) -> str:
        return kind

    return fixed


kind_of.register(CreateTable, _fixed_kind("add_table"))
kind_of.register(DropTable, _fixed_kind("drop_table"))
kind_of.register(RenameTable, _fixed_kind("rename_table"))
kind_of.register(AddColumn, _fixed_kind("add_column"))
kind_of.register(DropColumn, _fixed_kind("drop_column"))
kind_of.register(AlterColumn, _fixed_kind("alter_column"))
kind_of.register(CreateIndex, _fixed_kind("add_index"))
kind_of.register(DropIndex, _fixed_kind("drop_index"))
kind_of.register(CreateTableComment, _fixed_kind("add_table_comment"))
kind_of.register(DropTableComment, _fixed_kind("drop_table_comment"))
kind_of.register(Execute, _fixed_kind("execute"))


@kind_of.register
def _(operation: EnumTypeChange) -> str:
    return operation.kind


@kind_of.register
def _(operation: IdentityChange) -> str:
    if operation.old is None:
        return "add_identity"
    return "drop_identity" if operation.new is None else "alter_identity"


@kind_of.register
def _(operation: SchemaChange) -> str:
    return "add_schema" if operation.created else "drop_schema"


@kind_of.register
def _(operation: CreateConstraint) -> str:
    return f"add_{_CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[1]}"


@kind_of.register
def _(operation: DropConstraint) -> str:
    return f"drop_{_CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[1]}"


@functools.singledispatch
def _subject(operation: Operation) -> dict[str, Any]:
    """The JSON fields naming what ``operation`` changes beyond its table: ``column`` or
    ``name`` (and, for a rename or an enum type, the fields it replaces)."""
    return {}


@_subject.register
def _(operation: AddColumn) -> dict[str, Any]:
    return {"column": operation.column.name}


@_subject.register(DropColumn)
@_subject.register(AlterColumn)
@_subject.register(IdentityChange)
def _(operation: DropColumn | AlterColumn | IdentityChange) -> dict[str, Any]:
    return {"column": operation.column_name}


@_subject.register(CreateIndex)
@_subject.register(DropIndex)
def _(operation: CreateIndex | DropIndex) -> dict[str, Any]:
    return {"name": operation.index_name}


@_subject.register(CreateConstraint)
@_subject.register(DropConstraint)
def _(operation: CreateConstraint | DropConstraint) -> dict[str, Any]:
    return {"name": operation.constraint_name}


@_subject.register
def _(operation: RenameTable) -> dict[str, Any]:
    return {"table": operation.old_table_name, "name": operation.new_table_name}


@_subject.register
def _(operation: EnumTypeChange) -> dict[str, Any]:
    return {"schema": operation.type_schema, "table": None, "name": operation.type_name}


@_subject.register
def _(operation: SchemaChange) -> dict[str, Any]:
    return {"schema": operation.schema_name, "table": None}


def _json(operation: Operation, dialect_name: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": kind_of(operation),
        "schema": getattr(operation, "schema", None),
        "table": getattr(operation, "table_name", None),
    }
    entry.update(_subject(operation))
    entry["detail"] = describe(operation, dialect_name)
    return entry


def to_json(result: DiffResult) -> list[dict[str, Any]]:
    """``result.items`` as JSON-ready objects, in order: ``{"kind", "schema", "table",
    "column" (column operations) or "name" (indexes, constraints, enum types, a rename's new
    table name), "detail"}`` (``detail``: the ``describe`` line); a rename hint is
    ``{"kind": "note", "detail": text}``."""
    entries = []
    for item in result.items:
        if isinstance(item, Note):
            entries.append({"kind": "note", "detail": item.text})
        else:
            entries.append(_json(item, result.dialect))
    return entries
