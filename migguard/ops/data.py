"""Data operations: arbitrary SQL (``op.execute``) and row inserts (``op.bulk_insert``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import NullType

from migguard.ops.base import Operation
from migguard.ops.context import as_executable
from migguard.ops.errors import IrreversibleError

if TYPE_CHECKING:
    from migguard.ops.executor import Executor


@dataclass(frozen=True)
class Execute(Operation):
    """Run one SQL statement (``op.execute``): a string (wrapped in ``sqlalchemy.text``) or any
    executable, e.g. ``sa.insert(table).values(...)``; ``execution_options`` are applied to
    it. Offline, values must be literal-renderable (use ``op.inline_literal``)."""

    sqltext: str | Executable
    execution_options: Mapping[str, Any] | None = None

    def run(self, executor: Executor) -> None:
        statement = as_executable(self.sqltext)
        if self.execution_options:
            statement = statement.execution_options(**self.execution_options)
        executor.execute_unread(statement)

    def reverse(self) -> Operation:
        raise IrreversibleError("op.execute cannot be reversed: its SQL is opaque to migguard")


@dataclass(frozen=True)
class BulkInsert(Operation):
    """Insert rows into a table (``op.bulk_insert``).

    ``table`` is a ``Table`` or ``sa.table(...)`` clause, ``rows`` a sequence of mappings from
    column name to value. Online the rows go as one executemany (``multiinsert=True``) or one
    statement per row; offline each row becomes one ``INSERT ... VALUES`` with literal values.
    """

    table: sa.TableClause
    rows: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    multiinsert: bool = True

    def run(self, executor: Executor) -> None:
        if not self.rows:
            return
        if executor.offline or not self.multiinsert:
            for row in self.rows:
                values = {name: self._value(name, value) for name, value in row.items()}
                executor.execute(sa.insert(self.table).values(**values))
            return
        executor.execute(sa.insert(self.table), [dict(row) for row in self.rows])

    def _value(self, name: str, value: Any) -> Any:
        """``value`` as a literal of its column's type, or of its Python type when the column
        has none (``sa.column("id")``), so that it can be rendered offline."""
        if isinstance(value, ClauseElement):
            return value
        column = self.table.c.get(name)
        type_ = None if column is None or isinstance(column.type, NullType) else column.type
        return sa.literal(value, type_=type_)

    def reverse(self) -> Operation:
        raise IrreversibleError("bulk_insert cannot be reversed: the rows may not be unique")
