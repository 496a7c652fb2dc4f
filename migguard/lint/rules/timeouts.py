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
from migguard.lint.scope import Scope
from migguard.ops.base import TableOperation
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    CreateTableComment,
    DropTable,
    DropTableComment,
    RenameTable,
)

__all__ = ["MISSING_LOCK_TIMEOUT"]


def _locked_table(step: Step) -> tuple[str, str | None] | None:
    """The existing table whose strong lock the step takes, or None."""
    operation = step.operation
    if isinstance(operation, CreateIndex | DropIndex):
        if operation.kw.get("postgresql_concurrently") or operation.table_name is None:
            return None
        return operation.table_name, operation.schema
    if isinstance(operation, CreateTableComment | DropTableComment):
        return None
    if isinstance(operation, TableOperation | DropTable):
        return operation.table_name, operation.schema
    if isinstance(operation, RenameTable):
        return operation.old_table_name, operation.schema
    return None


def _missing(step: Step, scope: Scope) -> Hit | None:
    if scope.lock_timeout:
        return None
    locked = _locked_table(step)
    if locked is None or scope.table_is_new(*locked):
        return None
    return Hit(
        f"the revision locks {table_name(*locked)} without a lock_timeout: while it waits for "
        "the lock, every query on the table queues behind it",
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
