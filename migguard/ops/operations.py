"""``Operations``: the ``op.*`` API revision scripts call.

Every method builds an ``Operation`` and hands it to ``invoke``, which tells the optional
listener and runs it through the executor. Names and signatures follow Alembic's ``op`` so that
existing revision scripts run unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine.mock import MockConnection
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter, conv

from migguard.ops.base import Operation, TableOperation
from migguard.ops.binding import bind
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateExcludeConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.context import ContextImpl, ExecutionContext
from migguard.ops.data import BulkInsert, Execute
from migguard.ops.errors import UnsupportedError
from migguard.ops.executor import Executor
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
from migguard.ops.sqlite.batch import BatchAlterTable, Recreate
from migguard.ops.sqlite.batch_operations import BatchOperations


class Operations:
    """The operations of one run, bound to ``context``.

    ``listener``, when given, is called with each ``Operation`` just before it runs (a batch
    block is one ``BatchAlterTable``); ``collector``, when given, with each operation a
    ``batch_alter_table`` block collects, at the moment the script calls it (the lint uses it
    to know each batch operation's line).
    """

    def __init__(
        self,
        context: ExecutionContext,
        *,
        listener: Callable[[Operation], None] | None = None,
        collector: Callable[[TableOperation], None] | None = None,
    ) -> None:
        self._context = context
        self._executor = Executor(context)
        self._listener = listener
        self._collector = collector

    def collected(self, operation: TableOperation) -> None:
        """Tell the ``collector`` that a ``batch_alter_table`` block collected
        ``operation``."""
        if self._collector is not None:
            self._collector(operation)

    def invoke(self, operation: Operation) -> Any:
        """Run ``operation``; return its result (the ``Table`` for ``CreateTable``). An Alembic
        ``MigrateOperation`` a plugin implements runs through the plugin's implementation
        (see ``migguard.alembic_compat.plugins``)."""
        if not isinstance(operation, Operation):
            from migguard.alembic_compat.plugins import PluginOperations, invoke_registered

            return invoke_registered(PluginOperations(self), operation)
        if self._listener is not None:
            self._listener(operation)
        executor = self._executor
        # An operation SQLite cannot apply in place runs as a one-operation batch
        # (move-and-copy), so revision scripts need no SQLite-specific code.
        if isinstance(operation, TableOperation) and operation.runs_as_batch(executor):
            operation = BatchAlterTable(operation.table_name, (operation,), schema=operation.schema)
        return operation.run(executor)

    def __getattr__(self, name: str) -> Any:
        # An op.<name> migguard lacks may be an operation an Alembic plugin registered.
        from migguard.alembic_compat.plugins import registered_operation

        return registered_operation(self, name)

    # -- context -----------------------------------------------------------------------------

    def get_context(self) -> ExecutionContext:
        """The ``ExecutionContext`` of this run (the runtime may hand a subclass)."""
        return self._context

    @property
    def migration_context(self) -> ExecutionContext:
        """The same object as ``get_context()`` (Alembic's attribute; scripts reach it as
        ``op._proxy.migration_context``)."""
        return self._context

    @property
    def impl(self) -> ContextImpl:
        """``get_context().impl`` (see ``ContextImpl``)."""
        return self._context.impl

    def get_bind(self) -> Connection | MockConnection:
        """The live connection; in an offline (``--sql``) run, as in Alembic, a mock
        connection for the dialect that writes the statements executed on it into the SQL
        (``ENUM(...).create(op.get_bind())``) and returns no results."""
        return self._context.bind

    @classmethod
    @contextmanager
    def context(cls, migration_context: ExecutionContext) -> Iterator[Operations]:
        """Operations on ``migration_context``, and ``op.*`` bound to them, for the ``with``
        block (Alembic's way to use ``op`` outside a migration run). Yields the
        ``Operations``."""
        with bind(cls(migration_context)) as operations:
            yield operations

    def run_async(self, async_function: Callable[..., Any], *args: Any, **kw_args: Any) -> Any:
        """Alembic runs ``async_function`` with an ``AsyncConnection`` when env.py drives the
        migration through an async engine; migguard runs revisions on a synchronous
        connection, so there is none to give.

        Raises:
            UnsupportedError: always, naming ``op.run_async`` and what to do instead.
        """
        raise UnsupportedError(
            "op.run_async() needs an async driver's connection, and migguard runs revisions "
            "on a synchronous one: use op.get_bind() (a Connection) in the script instead"
        )

    def f(self, name: str) -> conv:
        """Mark ``name`` as final: a naming convention will not change it."""
        return conv(name)

    def inline_literal(self, value: Any, type_: Any = None) -> BindParameter[Any]:
        """A value rendered inline in the SQL rather than bound as a parameter, so that it
        appears in offline SQL too (e.g. in ``op.execute(table.update().values(...))``)."""
        return sa.literal(value, type_=type_, literal_execute=True)

    # -- tables --------------------------------------------------------------------------------

    def create_table(
        self,
        table_name: str,
        *columns: SchemaItem,
        schema: str | None = None,
        comment: str | None = None,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> Table:
        """Create a table from columns, constraints and indexes; returns the new ``Table``
        (usable with ``bulk_insert``). ``kw`` goes to ``sqlalchemy.Table``. Named ENUM types
        are created first on PostgreSQL when missing."""
        return self.invoke(
            CreateTable(
                table_name,
                tuple(columns),
                schema=schema,
                comment=comment,
                if_not_exists=if_not_exists,
                kw=kw,
            )
        )

    def drop_table(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop a table (PostgreSQL ENUM types it used are kept; see ``DropTable``)."""
        self.invoke(DropTable(table_name, schema=schema, if_exists=if_exists, kw=kw))

    def rename_table(
        self, old_table_name: str, new_table_name: str, *, schema: str | None = None
    ) -> None:
        """Rename a table within its schema."""
        self.invoke(RenameTable(old_table_name, new_table_name, schema=schema))

    def create_table_comment(
        self,
        table_name: str,
        comment: str | None,
        *,
        existing_comment: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Set a table's comment (no effect on SQLite, which keeps none)."""
        self.invoke(
            CreateTableComment(
                table_name, comment, existing_comment=existing_comment, schema=schema
            )
        )

    def drop_table_comment(
        self,
        table_name: str,
        *,
        existing_comment: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Remove a table's comment (no effect on SQLite)."""
        self.invoke(DropTableComment(table_name, existing_comment=existing_comment, schema=schema))

    # -- columns -------------------------------------------------------------------------------

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
    ) -> None:
        """Add a column, with the constraints and indexes it declares. ``inline_primary_key``
        (with ``primary_key=True`` on the column) and ``inline_references`` (a column with
        one single-column ``ForeignKey``) declare that key inside ``ADD COLUMN`` rather than
        as a separate ``ADD CONSTRAINT``; SQLite rebuilds the table for either key anyway."""
        self.invoke(
            AddColumn(
                table_name,
                column,
                schema=schema,
                if_not_exists=if_not_exists,
                inline_references=inline_references,
                inline_primary_key=inline_primary_key,
            )
        )

    def drop_column(
        self, table_name: str, column_name: str, *, schema: str | None = None, **kw: Any
    ) -> None:
        """Drop a column (SQLite: by rebuilding the table, see ``DropColumn``)."""
        self.invoke(DropColumn(table_name, column_name, schema=schema, kw=kw))

    def alter_column(
        self,
        table_name: str,
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
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Change a column's nullability, comment, server default (None drops it), name or
        type (``postgresql_using=`` gives the conversion). ``existing_*`` describe the column
        before the change and make the operation reversible."""
        self.invoke(
            AlterColumn(
                table_name,
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
                schema=schema,
                kw=kw,
            )
        )

    # -- indexes -------------------------------------------------------------------------------

    def create_index(
        self,
        index_name: str | None,
        table_name: str,
        columns: Sequence[Any],
        *,
        schema: str | None = None,
        unique: bool = False,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Create an index on column names and/or expressions; dialect keywords such as
        ``postgresql_where`` or ``postgresql_concurrently`` go in ``kw``."""
        self.invoke(
            CreateIndex(
                index_name,
                table_name,
                tuple(columns),
                schema=schema,
                unique=unique,
                if_not_exists=if_not_exists,
                kw=kw,
            )
        )

    def drop_index(
        self,
        index_name: str,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop an index."""
        self.invoke(DropIndex(index_name, table_name, schema=schema, if_exists=if_exists, kw=kw))

    # -- constraints ---------------------------------------------------------------------------

    def create_unique_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a UNIQUE constraint (``name=None``: named by the naming convention)."""
        self.invoke(
            CreateUniqueConstraint(
                constraint_name, table_name, tuple(columns), schema=schema, kw=kw
            )
        )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        *,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        source_schema: str | None = None,
        referent_schema: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        """Add a FOREIGN KEY constraint from ``source_table`` to ``referent_table``."""
        self.invoke(
            CreateForeignKey(
                constraint_name,
                source_table,
                referent_table,
                tuple(local_cols),
                tuple(remote_cols),
                onupdate=onupdate,
                ondelete=ondelete,
                deferrable=deferrable,
                initially=initially,
                match=match,
                source_schema=source_schema,
                referent_schema=referent_schema,
                dialect_kw=dialect_kw,
            )
        )

    def create_check_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: Any,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a CHECK constraint; ``condition`` is SQL text or a SQLAlchemy expression."""
        self.invoke(
            CreateCheckConstraint(constraint_name, table_name, condition, schema=schema, kw=kw)
        )

    def create_exclude_constraint(
        self, constraint_name: str, table_name: str, *elements: Any, **kw: Any
    ) -> None:
        """Add a PostgreSQL EXCLUDE constraint; ``elements`` are (column or expression,
        operator) pairs; ``kw``: ``schema``, ``using``, ``where``, ``deferrable``,
        ``initially``, ``ops`` (see ``CreateExcludeConstraint``)."""
        schema = kw.pop("schema", None)
        self.invoke(
            CreateExcludeConstraint(
                constraint_name, table_name, tuple(elements), schema=schema, kw=kw
            )
        )

    def create_primary_key(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
    ) -> None:
        """Add a PRIMARY KEY constraint."""
        self.invoke(CreatePrimaryKey(constraint_name, table_name, tuple(columns), schema=schema))

    def drop_constraint(
        self,
        constraint_name: str,
        table_name: str,
        type_: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
    ) -> None:
        """Drop a named constraint; ``type_`` is ``foreignkey``, ``primary``, ``unique`` or
        ``check`` (SQLite's rebuild uses it to find the constraint)."""
        self.invoke(
            DropConstraint(constraint_name, table_name, type_, schema=schema, if_exists=if_exists)
        )

    # -- data ----------------------------------------------------------------------------------

    def execute(
        self, sqltext: str | Executable, *, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run a SQL string or statement (e.g. ``sa.update(...)``); nothing is returned, as in
        Alembic (use ``get_bind()`` to read results)."""
        self.invoke(Execute(sqltext, execution_options=execution_options))

    def bulk_insert(
        self,
        table: sa.TableClause,
        rows: Sequence[Mapping[str, Any]],
        *,
        multiinsert: bool = True,
    ) -> None:
        """Insert ``rows`` (mappings of column name to value) into ``table``."""
        self.invoke(BulkInsert(table, tuple(rows), multiinsert=multiinsert))

    # -- batch -------------------------------------------------------------------------------

    @contextmanager
    def batch_alter_table(
        self,
        table_name: str,
        schema: str | None = None,
        recreate: Recreate = "auto",
        partial_reordering: Sequence[tuple[str, ...]] | None = None,
        copy_from: Table | None = None,
        table_args: tuple[Any, ...] = (),
        table_kwargs: Mapping[str, Any] | None = None,
        reflect_args: tuple[Any, ...] = (),
        reflect_kwargs: Mapping[str, Any] | None = None,
        naming_convention: Mapping[str, Any] | None = None,
    ) -> Iterator[BatchOperations]:
        """Collect changes to one table and apply them when the block ends.

        Yields a ``BatchOperations``. On SQLite the table is rebuilt by move-and-copy
        (https://www.sqlite.org/lang_altertable.html#otheralter) when a change needs it (see
        ``BatchAlterTable`` for ``recreate``, ``copy_from``, ``table_args``, ``table_kwargs``,
        ``reflect_args``, ``naming_convention``); other databases run each change in place.
        ``partial_reordering`` and ``reflect_kwargs`` are accepted for Alembic compatibility and
        not used. Nothing runs if the block raises.
        """
        batch = BatchOperations(self, table_name, schema)
        operation = BatchAlterTable(
            table_name,
            (),
            schema=schema,
            recreate=recreate,
            copy_from=copy_from,
            table_args=tuple(table_args),
            table_kwargs=dict(table_kwargs or {}),
            reflect_args=tuple(reflect_args),
            naming_convention=naming_convention,
        )
        yield batch
        if batch.collected or recreate == "always":
            self.invoke(dataclasses.replace(operation, operations=tuple(batch.collected)))
