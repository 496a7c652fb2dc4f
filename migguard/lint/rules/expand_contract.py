"""Expand/contract rules: dropping or renaming what the previous release's code still uses.

During a deploy the previous release keeps running until the new one replaces it, and often
runs the migration itself first: a table or column it reads that disappears or changes name
makes its queries fail. The safe order (expand, then contract): release code that no longer
uses the object, then drop it in a later release's revision; rename by adding the new object,
writing to both, and dropping the old one later. These apply to every database.
"""

from __future__ import annotations

import re

from migguard.lint.recording import Step
from migguard.lint.rule import ALL_DIALECTS, Hit, Rule
from migguard.lint.rules.names import column_name, table_name
from migguard.lint.scope import Scope
from migguard.ops.data import Execute
from migguard.ops.schema import AlterColumn, DropColumn, DropTable, RenameTable

__all__ = ["DROP_COLUMN", "DROP_TABLE", "RENAME_COLUMN", "RENAME_TABLE"]

_RUNNING = "the previous release's code, still running during the deploy,"
_CONTRACT = (
    "first release code that no longer uses it (remove it from the models), then drop it in "
    "a later release's revision"
)


def _drop_column(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, DropColumn):
        return None
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    if scope.column_is_new(table, column, schema):
        return None
    return Hit(
        f"drop_column({column_name(table, column, schema)}): {_RUNNING} fails on every query "
        "that names the column (SQLAlchemy names every mapped column)",
        _CONTRACT,
    )


def _drop_table(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, DropTable):
        return None
    if scope.table_is_new(operation.table_name, operation.schema):
        return None
    return Hit(
        f"drop_table({table_name(operation.table_name, operation.schema)}): {_RUNNING} fails "
        "on every query of the table",
        _CONTRACT,
    )


def _rename_column(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, AlterColumn) or not operation.new_column_name:
        return None
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    if scope.column_is_new(table, column, schema):
        return None
    return Hit(
        f"alter_column({column_name(table, column, schema)}, "
        f"new_column_name={operation.new_column_name!r}): {_RUNNING} still uses the old name",
        "add the new column, write to both and backfill, switch reads to it, then drop the old "
        "column in a later release",
    )


def _rename_table(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, RenameTable):
        return None
    if scope.table_is_new(operation.old_table_name, operation.schema):
        return None
    if _keeps_old_name(operation.old_table_name, scope):
        return None
    old = table_name(operation.old_table_name, operation.schema)
    return Hit(
        f"rename_table({old}, {operation.new_table_name!r}): {_RUNNING} still uses the old name",
        f'rename it and keep the old name as a view until no release uses it: op.execute("CREATE '
        f'VIEW {operation.old_table_name} AS SELECT * FROM {operation.new_table_name}")',
    )


def _keeps_old_name(old: str, scope: Scope) -> bool:
    """Whether a later step of the revision creates a view named ``old`` (the recipe)."""
    view = re.compile(
        rf'^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:\w+\.)?"?{re.escape(old)}"?\s', re.I
    )
    return any(
        isinstance(step.operation, Execute) and any(view.match(sql) for sql in step.sql)
        for step in scope.later
    )


DROP_COLUMN = Rule(
    "drop-column", ALL_DIALECTS, "warning", "drop_column of a released column", _drop_column
)
DROP_TABLE = Rule(
    "drop-table", ALL_DIALECTS, "warning", "drop_table of a released table", _drop_table
)
RENAME_COLUMN = Rule(
    "rename-column",
    ALL_DIALECTS,
    "warning",
    "alter_column(new_column_name=...) of a released column",
    _rename_column,
)
RENAME_TABLE = Rule(
    "rename-table", ALL_DIALECTS, "warning", "rename_table of a released table", _rename_table
)
