"""The executor: what an operation runs through (its context's dialect and statements)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, MetaData
from sqlalchemy.sql import Executable

from migguard.ops.context import ExecutionContext, Params


class Executor:
    """What an ``Operation`` runs through: one ``ExecutionContext``, its dialect, and the
    bookkeeping of the run (``first_time``). Operations call ``operation.run(executor)``;
    ``Operations.invoke`` decides when one runs as a batch instead."""

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
