"""What is new: the tables and columns no running code or production data can depend on yet.

A table created earlier in the same revision, or in a revision not yet released (new on this
branch), holds no production rows and no released code reads it, so locking it costs nothing;
the same holds for a column added there. The lint's rules ask :class:`Scope` before they flag an
operation on a table or column.
"""

from __future__ import annotations

from typing import NamedTuple

from migguard.ops.base import Operation
from migguard.ops.schema import AddColumn, AlterColumn, CreateTable, RenameTable

__all__ = ["NewObjects", "Scope", "TableKey"]

# (schema or None, table name)
TableKey = tuple[str | None, str]


class NewObjects(NamedTuple):
    """Tables and columns created by some revisions (mutable sets, filled by :func:`track`).

    Attributes:
        tables: tables created (or renamed from a new table).
        columns: ``(schema, table, column)`` of columns added to tables that existed before.
    """

    tables: set[TableKey]
    columns: set[tuple[str | None, str, str]]

    @classmethod
    def empty(cls) -> NewObjects:
        return cls(set(), set())

    def merged(self, other: NewObjects) -> NewObjects:
        """A new record holding both records' objects."""
        return NewObjects(self.tables | other.tables, self.columns | other.columns)

    def track(self, operation: Operation) -> None:
        """Record what ``operation`` creates (or renames a new object into)."""
        if isinstance(operation, CreateTable):
            self.tables.add((operation.schema, operation.table_name))
        elif isinstance(operation, RenameTable):
            old = (operation.schema, operation.old_table_name)
            if old in self.tables:
                self.tables.add((operation.schema, operation.new_table_name))
        elif isinstance(operation, AddColumn):
            self.columns.add((operation.schema, operation.table_name, operation.column.name))
        elif isinstance(operation, AlterColumn) and operation.new_column_name:
            old_column = (operation.schema, operation.table_name, operation.column_name)
            if old_column in self.columns:
                self.columns.add(
                    (operation.schema, operation.table_name, operation.new_column_name)
                )


class Scope(NamedTuple):
    """What a rule knows about the revision an operation belongs to.

    Attributes:
        dialect: ``postgresql``, ``sqlite`` or ``mysql``.
        new: the objects created before this operation, in this revision or in revisions
            new on this branch below it.
        lock_timeout: the revision set ``lock_timeout`` before this operation.
        schema_changes: how many schema operations (all but ``op.execute`` and
            ``op.bulk_insert``) the revision ran before this one.
    """

    dialect: str
    new: NewObjects
    lock_timeout: bool
    schema_changes: int = 0

    def table_is_new(self, table: str, schema: str | None) -> bool:
        """``table`` was created in this revision or a new revision below it."""
        return (schema, table) in self.new.tables

    def column_is_new(self, table: str, column: str, schema: str | None) -> bool:
        """``column`` was added (or its table created) in this revision or a new revision
        below it."""
        return self.table_is_new(table, schema) or (schema, table, column) in self.new.columns
