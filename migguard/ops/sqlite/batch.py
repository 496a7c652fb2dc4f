"""``batch_alter_table``: several changes to one table, applied together (``BatchAlterTable``).

On SQLite the changes are applied by rebuilding the table (move-and-copy,
https://www.sqlite.org/lang_altertable.html#otheralter, see ``migguard.ops.sqlite.move_and_copy``)
when one of them needs it; on other databases each change runs as its own ALTER statement.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Table

from migguard.errors import UsageError
from migguard.ops.base import TableOperation
from migguard.ops.constraints import CreateForeignKey, CreatePrimaryKey, CreateUniqueConstraint
from migguard.ops.errors import BatchError
from migguard.ops.indexes import CreateIndex
from migguard.ops.schema import AddColumn
from migguard.ops.sqlite.move_and_copy import rebuild_table

if TYPE_CHECKING:
    from migguard.ops.executor import Executor

Recreate = Literal["auto", "always", "never"]
RECREATE_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class BatchAlterTable(TableOperation):
    """The changes of one ``batch_alter_table`` block, in order.

    ``recreate`` (SQLite only): ``"auto"`` rebuilds when a change needs it, ``"always"``
    rebuilds anyway, ``"never"`` raises ``BatchError`` for a change that needs a rebuild. Other
    databases run each change in place whatever ``recreate`` says. ``copy_from`` describes the
    table when it cannot be reflected (offline); ``reflect_args`` override reflected columns;
    ``table_args`` / ``table_kwargs`` are added to the rebuilt table; ``naming_convention`` names
    the table's unnamed constraints so they can be dropped.
    """

    table_name: str
    operations: tuple[TableOperation, ...]
    schema: str | None = None
    recreate: Recreate = "auto"
    copy_from: Table | None = None
    table_args: tuple[Any, ...] = ()
    table_kwargs: Mapping[str, Any] = field(default_factory=dict)
    reflect_args: tuple[Any, ...] = ()
    naming_convention: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.recreate not in RECREATE_MODES:
            raise UsageError(
                f"recreate must be one of {', '.join(RECREATE_MODES)}, not {self.recreate!r}"
            )

    def rebuild_needed(self, dialect_name: str) -> bool:
        """True when this batch rebuilds the table on ``dialect_name``; raises ``BatchError``
        under ``recreate="never"`` when a change needs a rebuild."""
        if dialect_name != "sqlite":
            return False
        needing = [op for op in self.operations if op.needs_rebuild(dialect_name)]
        if self.recreate == "never" and needing:
            raise BatchError(
                f"batch_alter_table({self.table_name!r}, recreate='never'): "
                f"{type(needing[0]).__name__} needs the table to be rebuilt on SQLite"
            )
        return self.recreate == "always" or bool(needing)

    def run(self, executor: Executor) -> None:
        rebuild = self.rebuild_needed(executor.dialect.name)
        # Applied as one change (a rebuild, or recreate="always" anywhere, which Alembic also
        # runs as a rebuild), the block may name a column before the change that adds it.
        operations = (
            as_one_change(self.operations) if rebuild or self.recreate == "always" else None
        )
        if not rebuild:
            for operation in operations or self.operations:
                operation.run(executor)
            return
        rebuild_table(
            executor,
            self.table_name,
            self.schema,
            operations or self.operations,
            copy_from=self.copy_from,
            table_args=self.table_args,
            table_kwargs=dict(self.table_kwargs),
            reflect_args=self.reflect_args,
            naming_convention=dict(self.naming_convention) if self.naming_convention else None,
        )

    def reverse(self) -> BatchAlterTable:
        """The reversed changes in reverse order (``copy_from`` does not describe the table
        after the changes, so it is not carried over)."""
        reversed_ops = tuple(op.reverse() for op in reversed(self.operations))
        return BatchAlterTable(
            self.table_name,
            # Reverses of table operations are table operations; Operation.reverse's
            # annotation is the base class.
            reversed_ops,  # type: ignore[arg-type]
            schema=self.schema,
            recreate=self.recreate,
            naming_convention=self.naming_convention,
        )


def as_one_change(operations: Sequence[TableOperation]) -> tuple[TableOperation, ...]:
    """The block's changes in an order that applies them as one change of the table.

    Alembic builds a rebuilt table from the whole block, so an index or a constraint there may
    name a column that a later ``add_column`` of the block adds (its autogenerate writes
    downgrades that way). Such a change moves to just after the last ``add_column`` it waits
    for; everything else keeps its place. ``alter_column`` is not moved: Alembic refuses a
    block that alters a column before adding it, and so does migguard ("table has no
    column").

    Args:
        operations: the block's changes, as written.

    Returns:
        The same changes, reordered.
    """
    added_at: dict[str, int] = {}
    for number, operation in enumerate(operations):
        if isinstance(operation, AddColumn):
            added_at.setdefault(operation.column.name, number)
    if not added_at:
        return tuple(operations)
    after: dict[int, list[TableOperation]] = {}
    ordered: list[TableOperation] = []
    for number, operation in enumerate(operations):
        waits_for = [
            added_at[name] for name in _named_columns(operation) if added_at.get(name, -1) > number
        ]
        if waits_for:
            after.setdefault(max(waits_for), []).append(operation)
            continue
        ordered.append(operation)
        ordered.extend(after.pop(number, ()))
    return tuple(ordered)


@functools.singledispatch
def _named_columns(operation: TableOperation) -> tuple[str, ...]:
    """The column names an index or constraint creation refers to (expressions left out);
    nothing for other changes."""
    return ()


@_named_columns.register
def _(operation: CreateIndex) -> tuple[str, ...]:
    return tuple(column for column in operation.columns if isinstance(column, str))


@_named_columns.register(CreateForeignKey)
@_named_columns.register(CreateUniqueConstraint)
@_named_columns.register(CreatePrimaryKey)
def _(operation: CreateForeignKey | CreateUniqueConstraint | CreatePrimaryKey) -> tuple[str, ...]:
    return operation.local_columns
