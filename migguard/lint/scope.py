"""What is new: the tables and columns no running code or production data can depend on yet.

A table created earlier in the same revision, or in a revision not yet released (new on this
branch), holds no production rows and no released code reads it, so locking it costs nothing;
the same holds for a column added there. The lint's rules ask :class:`Scope` before they flag an
operation on a table or column.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from migguard.ops.base import Operation
from migguard.ops.constraints import CreateCheckConstraint
from migguard.ops.data import Execute
from migguard.ops.schema import AddColumn, AlterColumn, CreateTable, RenameTable

if TYPE_CHECKING:
    from migguard.lint.recording import Step

__all__ = ["ColumnKey", "NewObjects", "Scope", "TableKey"]

# (schema or None, table name)
TableKey = tuple[str | None, str]
# (schema or None, table name, column name)
ColumnKey = tuple[str | None, str, str]

_NOT_NULL_CONDITION = re.compile(r'^\s*\(?\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)?\s*$', re.I)
_VALIDATE = re.compile(
    r'^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?([\w."]+)\s+VALIDATE\s+CONSTRAINT\s+("?[\w]+"?)\s*;?\s*$',
    re.I,
)


class NewObjects(NamedTuple):
    """What some revisions created, and which columns they proved not null (mutable, filled
    by :meth:`track`).

    Attributes:
        tables: tables created (or renamed from a new table).
        columns: ``(schema, table, column)`` of columns added to tables that existed before.
        not_null_checks: ``(schema, table, constraint)`` -> column, for each
            ``CHECK (column IS NOT NULL)`` added ``NOT VALID`` and not yet validated.
        not_null: ``(schema, table, column)`` a validated ``CHECK (column IS NOT NULL)``
            proves, so that PostgreSQL 12+ sets NOT NULL without scanning the table.
    """

    tables: set[TableKey]
    columns: set[ColumnKey]
    not_null_checks: dict[tuple[str | None, str, str], str]
    not_null: set[ColumnKey]

    @classmethod
    def empty(cls) -> NewObjects:
        return cls(set(), set(), {}, set())

    def merged(self, other: NewObjects) -> NewObjects:
        """A new record holding both records' objects."""
        return NewObjects(
            self.tables | other.tables,
            self.columns | other.columns,
            {**self.not_null_checks, **other.not_null_checks},
            self.not_null | other.not_null,
        )

    def track(self, operation: Operation, sql: tuple[str, ...] = ()) -> None:
        """Record what ``operation`` (which rendered ``sql``) creates, renames a new object
        into, or proves."""
        if isinstance(operation, CreateCheckConstraint):
            self._track_check(operation)
        elif isinstance(operation, Execute):
            for statement in sql:
                self._track_validate(statement)
        elif isinstance(operation, CreateTable):
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

    def _track_check(self, operation: CreateCheckConstraint) -> None:
        found = _NOT_NULL_CONDITION.match(str(operation.condition))
        if found is None:
            return
        column = found.group(1)
        if not operation.kw.get("postgresql_not_valid"):
            self.not_null.add((operation.schema, operation.table_name, column))
        elif operation.constraint_name:
            key = (operation.schema, operation.table_name, str(operation.constraint_name))
            self.not_null_checks[key] = column

    def _track_validate(self, statement: str) -> None:
        found = _VALIDATE.match(statement)
        if found is None:
            return
        *qualifier, table = [part.strip('"') for part in found.group(1).split(".")]
        schema = qualifier[-1] if qualifier else None
        key = (schema, table, found.group(2).strip('"'))
        column = self.not_null_checks.pop(key, None)
        if column is not None:
            self.not_null.add((schema, table, column))


class Scope(NamedTuple):
    """What a rule knows about the revision an operation belongs to.

    Attributes:
        dialect: ``postgresql``, ``sqlite`` or ``mysql``.
        new: the objects created before this operation, in this revision or in revisions
            new on this branch below it.
        lock_timeout: the revision set ``lock_timeout`` before this operation.
        schema_changes: how many schema operations (all but ``op.execute`` and
            ``op.bulk_insert``) the revision ran before this one.
        steps: every step of the revision; ``position``: this one's index among them.
    """

    dialect: str
    new: NewObjects
    lock_timeout: bool
    schema_changes: int = 0
    steps: tuple[Step, ...] = ()
    position: int = 0

    @property
    def later(self) -> tuple[Step, ...]:
        """The revision's steps after this one (a rule may accept an operation that a later
        step completes, e.g. a view keeping a renamed table's old name)."""
        return self.steps[self.position + 1 :]

    def table_is_new(self, table: str, schema: str | None) -> bool:
        """``table`` was created in this revision or a new revision below it."""
        return (schema, table) in self.new.tables

    def column_is_new(self, table: str, column: str, schema: str | None) -> bool:
        """``column`` was added (or its table created) in this revision or a new revision
        below it."""
        return self.table_is_new(table, schema) or (schema, table, column) in self.new.columns
