"""The lock-timeout rule (PostgreSQL): a revision that takes strong locks should bound its wait.

A statement that needs an ACCESS EXCLUSIVE (or SHARE) lock waits behind every transaction using
the table, and every later query on the table waits behind it: one long-running report turns a
millisecond ``ALTER TABLE`` into an outage. ``SET LOCAL lock_timeout`` makes the statement give
up instead (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT),
so the revision fails and can be retried. Reported once per revision, at its first such
operation.
"""

from __future__ import annotations

from migguard.lint.recording import Step
from migguard.lint.rule import PG, Hit, Rule
from migguard.lint.rules.names import table_name
from migguard.lint.scope import Scope, TableKey
from migguard.ops.base import TableOperation
from migguard.ops.constraints import CreateForeignKey
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    CreateTable,
    CreateTableComment,
    DropTable,
    DropTableComment,
    RenameTable,
)

__all__ = ["MISSING_LOCK_TIMEOUT"]


def _locked_tables(step: Step) -> list[TableKey]:
    """The tables whose strong lock the step takes, as ``(schema, table)``."""
    operation = step.operation
    if isinstance(operation, CreateIndex | DropIndex):
        if operation.kw.get("postgresql_concurrently") or operation.table_name is None:
            return []
        return [(operation.schema, operation.table_name)]
    if isinstance(operation, CreateTable):
        # A new table's foreign keys lock the tables they reference (SHARE ROW EXCLUSIVE).
        return _referenced(operation)
    if isinstance(operation, CreateForeignKey):
        return [
            (operation.source_schema, operation.source_table),
            (operation.referent_schema, operation.referent_table),
        ]
    if isinstance(operation, CreateTableComment | DropTableComment):
        return []
    if isinstance(operation, TableOperation | DropTable):
        return [(operation.schema, operation.table_name)]
    if isinstance(operation, RenameTable):
        return [(operation.schema, operation.old_table_name)]
    return []


def _referenced(operation: CreateTable) -> list[TableKey]:
    """The tables the foreign keys of a new table reference."""
    tables: list[TableKey] = []
    for key in operation.template.foreign_keys:
        # target_fullname: "table.column" or "schema.table.column".
        *schema, table = key.target_fullname.rsplit(".", 1)[0].rsplit(".", 1)
        tables.append((schema[0] if schema else None, table))
    return tables


def _missing(step: Step, scope: Scope) -> Hit | None:
    if scope.lock_timeout:
        return None
    locked = [
        (schema, table)
        for schema, table in _locked_tables(step)
        if not scope.table_is_new(table, schema)
    ]
    if not locked:
        return None
    schema, table = locked[0]
    return Hit(
        f"the revision locks {table_name(table, schema)} without a lock_timeout: while it "
        "waits for the lock, every query on the table queues behind it",
        "start upgrade() with op.execute(\"SET LOCAL lock_timeout = '5s'\") (or set it for "
        "every revision in env.py and ignore this rule in [check.lint])",
    )


MISSING_LOCK_TIMEOUT = Rule(
    "missing-lock-timeout",
    PG,
    "warning",
    "a revision taking strong locks on existing tables without SET lock_timeout first",
    _missing,
)
