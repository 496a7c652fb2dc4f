"""The diff's operations in words (``migguard diff``, ``revision --autogenerate``) and as JSON
(``migguard diff --format json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from migguard.autogen.diff.context import qualified
from migguard.autogen.diff.enums import EnumTypeChange
from migguard.autogen.diff.identity import IdentityChange
from migguard.autogen.diff.options import Note
from migguard.autogen.diff.schemas import SchemaChange
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
    from migguard.ops.base import Operation

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
    dialect = registry.load(dialect_name)() if dialect_name is not None else None
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


def _identity_kind(operation: IdentityChange) -> str:
    if operation.old is None:
        return "add_identity"
    return "drop_identity" if operation.new is None else "alter_identity"


def _constraint(operation: CreateConstraint) -> str:
    words = _CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[0]
    name = f" '{operation.constraint_name}'" if operation.constraint_name else ""
    line = f"add {words}{name} on '{_table(operation)}'"
    if isinstance(operation, CreateForeignKey):
        target = qualified(operation.referent_schema, operation.referent_table)
        return (
            f"{line} ({_columns(operation.local_cols)}) -> '{target}' "
            f"({_columns(operation.remote_cols)})"
        )
    if isinstance(operation, CreateUniqueConstraint | CreatePrimaryKey):
        return f"{line} ({_columns(operation.columns)})"
    if isinstance(operation, CreateCheckConstraint):
        return f"{line}: {_sql(operation.condition)}"
    return line


def describe(operation: Operation, dialect_name: str | None = None) -> str:
    """One line saying what ``operation`` does, e.g. ``add table 'customer'``, ``add column
    'customer.age'``, ``drop index 'ix_x' on 'product'``, ``alter column 'customer.name':
    nullable False -> True``. Tables in a schema read ``'schema.table'``; types are spelled as
    database ``dialect_name`` spells them (``DiffResult.dialect``; ``None``: generic SQL)."""
    if isinstance(operation, EnumTypeChange):
        return _enum(operation)
    if isinstance(operation, IdentityChange):
        return _identity(operation)
    if isinstance(operation, SchemaChange):
        return f"{'add' if operation.created else 'drop'} schema '{operation.schema_name}'"
    if isinstance(operation, CreateConstraint):
        return _constraint(operation)
    if isinstance(operation, DropConstraint):
        words = _CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[0]
        return f"drop {words} '{operation.constraint_name}' on '{_table(operation)}'"
    simple = {
        CreateTable: lambda o: f"add table '{_table(o)}'",
        DropTable: lambda o: f"drop table '{_table(o)}'",
        RenameTable: lambda o: (
            f"rename table '{qualified(o.schema, o.old_table_name)}' to '{o.new_table_name}'"
        ),
        AddColumn: lambda o: f"add column '{_table(o)}.{o.column.name}'",
        DropColumn: lambda o: f"drop column '{_table(o)}.{o.column_name}'",
        AlterColumn: lambda o: _alter(o, dialect_name),
        CreateIndex: lambda o: (
            f"add {'unique ' if o.unique else ''}index '{o.index_name}' on '{_table(o)}' "
            f"({_columns(o.columns)})"
        ),
        DropIndex: lambda o: f"drop index '{o.index_name}' on '{_table(o)}'",
        CreateTableComment: lambda o: f"set comment of table '{_table(o)}' to {o.comment!r}",
        DropTableComment: lambda o: f"drop comment of table '{_table(o)}'",
        Execute: lambda o: f"execute SQL: {_sql(o.sqltext)}",
    }
    for cls in type(operation).__mro__:
        if cls in simple:
            return simple[cls](operation)
    return type(operation).__name__


def kind_of(operation: Operation) -> str:
    """The JSON ``kind`` of ``operation``: ``add_table``, ``drop_table``, ``rename_table``,
    ``add_column``, ``drop_column``, ``alter_column``, ``add_index``, ``drop_index``,
    ``add_unique``/``add_foreign_key``/``add_check``/``add_primary_key`` and their ``drop_``
    forms, ``add_table_comment``, ``drop_table_comment``, ``add_enum``, ``drop_enum``,
    ``alter_enum``, ``add_identity``, ``alter_identity``, ``drop_identity``, ``add_schema``,
    ``drop_schema``, ``execute``."""
    if isinstance(operation, EnumTypeChange):
        return operation.kind
    if isinstance(operation, IdentityChange):
        return _identity_kind(operation)
    if isinstance(operation, SchemaChange):
        return "add_schema" if operation.created else "drop_schema"
    if isinstance(operation, CreateConstraint | DropConstraint):
        verb = "add" if isinstance(operation, CreateConstraint) else "drop"
        return f"{verb}_{_CONSTRAINT.get(operation.type_, _CONSTRAINT[None])[1]}"
    kinds = {
        CreateTable: "add_table",
        DropTable: "drop_table",
        RenameTable: "rename_table",
        AddColumn: "add_column",
        DropColumn: "drop_column",
        AlterColumn: "alter_column",
        CreateIndex: "add_index",
        DropIndex: "drop_index",
        CreateTableComment: "add_table_comment",
        DropTableComment: "drop_table_comment",
        Execute: "execute",
    }
    for cls in type(operation).__mro__:
        if cls in kinds:
            return kinds[cls]
    return type(operation).__name__


def _json(operation: Operation, dialect_name: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": kind_of(operation),
        "schema": getattr(operation, "schema", None),
        "table": getattr(operation, "table_name", None),
    }
    if isinstance(operation, AddColumn):
        entry["column"] = operation.column.name
    elif isinstance(operation, DropColumn | AlterColumn | IdentityChange):
        entry["column"] = operation.column_name
    elif isinstance(operation, CreateIndex | DropIndex):
        entry["name"] = operation.index_name
    elif isinstance(operation, CreateConstraint | DropConstraint):
        entry["name"] = operation.constraint_name
    elif isinstance(operation, RenameTable):
        entry.update(table=operation.old_table_name, name=operation.new_table_name)
    elif isinstance(operation, EnumTypeChange):
        entry.update(schema=operation.type_schema, table=None, name=operation.type_name)
    elif isinstance(operation, SchemaChange):
        entry.update(schema=operation.schema_name, table=None)
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
