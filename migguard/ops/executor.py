"""Running operations on an execution context, with SQLite's automatic move-and-copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, MetaData
from sqlalchemy.sql import Executable

from migguard.ops.base import Operation, TableOperation
from migguard.ops.context import ExecutionContext, Params


class Executor:
    """Runs ``Operation`` objects against one ``ExecutionContext``.

    An operation SQLite cannot apply in place (``needs_rebuild``) is run as a one-operation
    batch (move-and-copy), so revision scripts need no SQLite-specific code.
    """

    def __init__(self, context: ExecutionContext) -> None:
        self.context = context
        self.dialect = context.dialect

    @property
    def offline(self) -> bool:
        return self.context.offline

    @property
    def is_sqlite(self) -> bool:
        return self.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect.name == "postgresql"

    def execute(
        self, statement: str | Executable, params: Params | None = None
    ) -> CursorResult[Any] | None:
        """Pass one statement to the context (see ``ExecutionContext.execute``)."""
        return self.context.execute(statement, params)

    def execute_unread(self, statement: Executable) -> None:
        """Pass one statement whose result nobody reads to the context (see
        ``ExecutionContext.execute_unread``)."""
        self.context.execute_unread(statement)

    def execute_ddl(self, sql: str) -> None:
        """Pass one generated statement to the context (see ``ExecutionContext.execute_ddl``)."""
        self.context.execute_ddl(sql)

    def run(self, operation: Operation) -> Any:
        """Run ``operation``; return its result (``create_table`` returns the ``Table``)."""
        if isinstance(operation, TableOperation) and operation.runs_as_batch(self):
            from migguard.ops.batch import BatchAlterTable

            return BatchAlterTable(operation.table_name, (operation,), schema=operation.schema).run(
                self
            )
        return operation.run(self)

    def metadata(self) -> MetaData:
        """A fresh ``MetaData`` carrying the context's naming convention, if any."""
        convention = self.context.naming_convention
        return MetaData(naming_convention=convention) if convention else MetaData()

    def first_time(self, key: tuple[str, ...]) -> bool:
        """True the first time ``key`` is seen in this context (e.g. an enum type emitted
        offline), False afterwards."""
        seen: set[tuple[str, ...]] = self.context.__dict__.setdefault("_migguard_seen", set())
        if key in seen:
            return False
        seen.add(key)
        return True
