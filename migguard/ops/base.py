"""The ``Operation`` base classes.

An operation is plain data (a frozen dataclass of table names, column objects, names and
keyword arguments). It executes itself as DDL through an ``Executor``, knows the operation that
undoes it (``reverse()``), and, when it targets one table, how it changes a ``TableSpec`` during
a SQLite move-and-copy rebuild (``apply_to``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from migguard.ops.errors import BatchError

if TYPE_CHECKING:
    from migguard.ops.executor import Executor
    from migguard.ops.sqlite.table_spec import TableSpec


class Operation(ABC):
    """One schema or data change. Subclasses are frozen dataclasses."""

    @abstractmethod
    def run(self, executor: Executor) -> Any:
        """Emit this operation's SQL through ``executor``; return what the ``op.*`` call returns.

        Database errors propagate as SQLAlchemy exceptions.
        """

    @abstractmethod
    def reverse(self) -> Operation:
        """Return the operation that undoes this one.

        Raises ``IrreversibleError`` when this operation lacks what the reverse needs (e.g. a
        dropped column's definition).
        """


class TableOperation(Operation):
    """An operation on one existing table, named by ``table_name`` and ``schema``."""

    table_name: str
    schema: str | None

    def needs_rebuild(self, dialect_name: str) -> bool:
        """True when the database cannot apply this change in place and the table must be
        rebuilt (SQLite: https://www.sqlite.org/lang_altertable.html). False by default."""
        return False

    def runs_as_batch(self, executor: Executor) -> bool:
        """True when this operation, called on its own (not in a batch block), must be run
        as a one-operation batch; by default exactly when it ``needs_rebuild``."""
        return self.needs_rebuild(executor.dialect.name)

    def apply_to(self, spec: TableSpec) -> None:
        """Apply this change to the description of a table being rebuilt.

        Raises ``BatchError`` for operations that cannot be part of a rebuild.
        """
        raise BatchError(f"{type(self).__name__} cannot be part of a batch rebuild")
