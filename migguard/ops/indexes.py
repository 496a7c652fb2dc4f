"""Index operations: ``CREATE INDEX`` and ``DROP INDEX`` (in place on every database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Column, Index, Table
from sqlalchemy.schema import CreateIndex as CreateIndexDDL
from sqlalchemy.schema import DropIndex as DropIndexDDL
from sqlalchemy.types import NullType

from migguard.errors import UsageError
from migguard.ops import ddl
from migguard.ops.base import TableOperation
from migguard.ops.errors import IrreversibleError
from migguard.ops.mysql import is_mysql, with_mariadb_options
from migguard.sqlalchemy_private import attach_index, index_on

if TYPE_CHECKING:
    from migguard.ops.executor import Executor
    from migguard.ops.sqlite.table_spec import TableSpec


@dataclass(frozen=True)
class CreateIndex(TableOperation):
    """``CREATE [UNIQUE] INDEX name ON t (columns)`` (``op.create_index``).

    ``columns`` holds column names and SQL expressions (``sa.text("lower(email)")``); ``kw``
    holds dialect keywords such as ``postgresql_where``, ``postgresql_using``,
    ``postgresql_concurrently`` (which must run inside ``op.get_context().autocommit_block()``,
    https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY)
    and ``sqlite_where``; on MySQL/MariaDB ``mysql_length`` (prefix lengths, a number or a
    mapping column -> number), ``mysql_prefix`` (``FULLTEXT``, ``SPATIAL``) and ``mysql_using``,
    which count for the ``mariadb`` dialect name too (``mysql.with_mariadb_options``).
    """

    index_name: str | None
    table_name: str
    columns: tuple[Any, ...]
    schema: str | None = None
    unique: bool = False
    if_not_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def index(self, table: Table) -> Index:
        """The SQLAlchemy ``Index`` on ``table`` (which must hold the named columns)."""
        expressions = [table.c[c] if isinstance(c, str) else c for c in self.columns]
        return index_on(
            self.index_name,
            *expressions,
            table=table,
            unique=self.unique,
            **with_mariadb_options(self.kw),
        )

    def run(self, executor: Executor) -> None:
        # Covering columns (``postgresql_include``) are looked up on the table too.
        included = self.kw.get("postgresql_include") or ()
        names = [c for c in (*self.columns, *included) if isinstance(c, str)]
        table = ddl.scratch_table(
            self.table_name,
            self.schema,
            *[Column(name, NullType()) for name in dict.fromkeys(names)],
            metadata=executor.metadata(),
        )
        executor.execute(CreateIndexDDL(self.index(table), if_not_exists=bool(self.if_not_exists)))

    def reverse(self) -> DropIndex:
        if self.index_name is None:
            raise IrreversibleError(
                f"an index on {self.table_name!r} without a name cannot be reversed; name it "
                "(op.f('name') bypasses the naming convention)"
            )
        return DropIndex(
            self.index_name,
            self.table_name,
            schema=self.schema,
            definition=self,
            kw={k: v for k, v in self.kw.items() if k == "postgresql_concurrently"},
        )

    def apply_to(self, spec: TableSpec) -> None:
        spec.add_index(self)


@dataclass(frozen=True)
class DropIndex(TableOperation):
    """``DROP INDEX name`` (``op.drop_index``); ``definition`` (a ``CreateIndex``) makes it
    reversible. PostgreSQL qualifies the index with ``schema``; MySQL and MariaDB need the
    table (``DROP INDEX name ON table``, https://dev.mysql.com/doc/refman/8.0/en/drop-index.html).
    """

    index_name: str
    # Optional here (Alembic's drop_index needs no table), unlike the base's field.
    table_name: str | None = None  # type: ignore[assignment]
    schema: str | None = None
    if_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    definition: CreateIndex | None = None

    def run(self, executor: Executor) -> None:
        """Raises ``UsageError`` on MySQL/MariaDB when ``table_name`` is not given."""
        if self.table_name is None and is_mysql(executor.dialect):
            raise UsageError(
                f"drop_index({self.index_name!r}): MySQL and MariaDB drop an index of a table "
                "(DROP INDEX name ON table); give table_name="
            )
        index = Index(self.index_name, **self.kw)
        if self.table_name is not None or self.schema is not None:
            table = Table(self.table_name or "_", sa.MetaData(), schema=self.schema)
            attach_index(index, table)
        executor.execute(DropIndexDDL(index, if_exists=bool(self.if_exists)))

    def reverse(self) -> CreateIndex:
        if self.definition is None:
            raise IrreversibleError(
                f"drop_index({self.index_name!r}) cannot be reversed without the index's definition"
            )
        return self.definition

    def apply_to(self, spec: TableSpec) -> None:
        if self.table_name is None:
            raise UsageError("drop_index in a batch needs the index's table")
        spec.drop_index(self.index_name)
