"""``BatchOperations``: what a ``batch_alter_table`` block receives as its ``batch_op``.

The table operations of ``op`` without the table argument; they are collected and handed to
``Operations`` as one ``BatchAlterTable`` when the block ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Column, Connection
from sqlalchemy.engine.mock import MockConnection
from sqlalchemy.sql.elements import conv

from migguard.ops.base import TableOperation
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateExcludeConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    AddColumn,
    AlterColumn,
    CreateTableComment,
    DropColumn,
    DropTableComment,
)

if TYPE_CHECKING:
    from migguard.ops.context import ExecutionContext
    from migguard.ops.operations import Operations


class BatchOperations:
    """The object a ``batch_alter_table`` block receives: the table operations of ``op``
    without the table argument. Changes are collected and run when the block ends."""

    def __init__(self, operations: Operations, table_name: str, schema: str | None) -> None:
        self._operations = operations
        self.table_name = table_name
        self.schema = schema
        self.collected: list[TableOperation] = []

    def _add(self, operation: TableOperation) -> None:
        self.collected.append(operation)
        self._operations.collected(operation)

    def add_column(
        self,
        column: Column[Any],
        *,
        insert_before: str | None = None,
        insert_after: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
    ) -> None:
        """Add ``column``; ``insert_before``/``insert_after`` place it when the table is
        rebuilt; ``inline_*`` as in ``Operations.add_column``."""
        self._add(
            AddColumn(
                self.table_name,
                column,
                schema=self.schema,
                if_not_exists=if_not_exists,
                insert_before=insert_before,
                insert_after=insert_after,
                inline_references=inline_references,
                inline_primary_key=inline_primary_key,
            )
        )

    def drop_column(self, column_name: str, **kw: Any) -> None:
        """Drop a column (with the indexes and constraints on it)."""
        self._add(DropColumn(self.table_name, column_name, schema=self.schema, kw=kw))

    def alter_column(
        self,
        column_name: str,
        *,
        nullable: bool | None = None,
        comment: str | Literal[False] | None = False,
        server_default: Any = False,
        new_column_name: str | None = None,
        type_: Any = None,
        existing_type: Any = None,
        existing_server_default: Any = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        """Change a column (see ``Operations.alter_column``)."""
        self._add(
            AlterColumn(
                self.table_name,
                column_name,
                nullable=nullable,
                comment=comment,
                server_default=server_default,
                new_column_name=new_column_name,
                type_=type_,
                existing_type=existing_type,
                existing_server_default=existing_server_default,
                existing_nullable=existing_nullable,
                existing_comment=existing_comment,
                schema=self.schema,
                kw=kw,
                insert_before=insert_before,
                insert_after=insert_after,
            )
        )

    def create_index(
        self, index_name: str | None, columns: Sequence[Any], *, unique: bool = False, **kw: Any
    ) -> None:
        """Create an index on the table."""
        if_not_exists = kw.pop("if_not_exists", None)
        self._add(
            CreateIndex(
                index_name,
                self.table_name,
                tuple(columns),
                schema=self.schema,
                unique=unique,
                if_not_exists=if_not_exists,
                kw=kw,
            )
        )

    def drop_index(self, index_name: str, **kw: Any) -> None:
        """Drop an index of the table."""
        if_exists = kw.pop("if_exists", None)
        self._add(
            DropIndex(index_name, self.table_name, schema=self.schema, if_exists=if_exists, kw=kw)
        )

    def create_unique_constraint(
        self, constraint_name: str | None, columns: Sequence[str], **kw: Any
    ) -> None:
        """Add a UNIQUE constraint."""
        self._add(
            CreateUniqueConstraint(
                constraint_name, self.table_name, tuple(columns), schema=self.schema, kw=kw
            )
        )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        *,
        referent_schema: str | None = None,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        """Add a FOREIGN KEY constraint from this table to ``referent_table``."""
        self._add(
            CreateForeignKey(
                constraint_name,
                self.table_name,
                referent_table,
                tuple(local_cols),
                tuple(remote_cols),
                onupdate=onupdate,
                ondelete=ondelete,
                deferrable=deferrable,
                initially=initially,
                match=match,
                source_schema=self.schema,
                referent_schema=referent_schema,
                dialect_kw=dialect_kw,
            )
        )

    def create_check_constraint(
        self, constraint_name: str | None, condition: Any, **kw: Any
    ) -> None:
        """Add a CHECK constraint (``condition``: SQL text or expression)."""
        self._add(
            CreateCheckConstraint(
                constraint_name, self.table_name, condition, schema=self.schema, kw=kw
            )
        )

    def create_exclude_constraint(self, constraint_name: str, *elements: Any, **kw: Any) -> None:
        """Add a PostgreSQL EXCLUDE constraint (see ``Operations.create_exclude_constraint``);
        on SQLite it cannot be part of a rebuild."""
        self._add(
            CreateExcludeConstraint(
                constraint_name, self.table_name, tuple(elements), schema=self.schema, kw=kw
            )
        )

    def create_primary_key(self, constraint_name: str | None, columns: Sequence[str]) -> None:
        """Set the primary key."""
        self._add(
            CreatePrimaryKey(constraint_name, self.table_name, tuple(columns), schema=self.schema)
        )

    def drop_constraint(self, constraint_name: str, type_: str | None = None) -> None:
        """Drop a named constraint."""
        self._add(DropConstraint(constraint_name, self.table_name, type_, schema=self.schema))

    def create_table_comment(
        self, comment: str | None, *, existing_comment: str | None = None
    ) -> None:
        """Set the table's comment."""
        self._add(
            CreateTableComment(
                self.table_name, comment, existing_comment=existing_comment, schema=self.schema
            )
        )

    def drop_table_comment(self, *, existing_comment: str | None = None) -> None:
        """Remove the table's comment."""
        self._add(
            DropTableComment(self.table_name, existing_comment=existing_comment, schema=self.schema)
        )

    def execute(self, sqltext: Any, *, execution_options: Mapping[str, Any] | None = None) -> None:
        """Run SQL right away (not collected); see ``Operations.execute``."""
        self._operations.execute(sqltext, execution_options=execution_options)

    def get_bind(self) -> Connection | MockConnection:
        return self._operations.get_bind()

    def get_context(self) -> ExecutionContext:
        return self._operations.get_context()

    def f(self, name: str) -> conv:
        return self._operations.f(name)

    def inline_literal(self, value: Any, type_: Any = None) -> Any:
        return self._operations.inline_literal(value, type_)
