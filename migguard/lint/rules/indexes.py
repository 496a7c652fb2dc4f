"""Index rules (PostgreSQL): build and drop indexes of existing tables concurrently, and never
inside a transaction.

PostgreSQL's rules: a plain ``CREATE INDEX`` holds a SHARE lock, so writes to the table wait
until the whole index is built; ``CONCURRENTLY`` lets them go on, and cannot run inside a
transaction block (https://www.postgresql.org/docs/current/sql-createindex.html). ``DROP
INDEX`` holds an ACCESS EXCLUSIVE lock unless ``CONCURRENTLY``
(https://www.postgresql.org/docs/current/sql-dropindex.html).
"""

from __future__ import annotations

from migguard.lint.recording import Step
from migguard.lint.rule import PG, Hit, Rule
from migguard.lint.rules.names import AUTOCOMMIT, table_name
from migguard.lint.scope import Scope
from migguard.ops.indexes import CreateIndex, DropIndex

__all__ = [
    "CONCURRENTLY_IN_TRANSACTION",
    "REQUIRE_CONCURRENT_INDEX",
    "REQUIRE_CONCURRENT_INDEX_DROP",
]


def _concurrently(operation: CreateIndex | DropIndex) -> bool:
    return bool(operation.kw.get("postgresql_concurrently"))


def _create_index(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, CreateIndex) or _concurrently(operation):
        return None
    if scope.table_is_new(operation.table_name, operation.schema):
        return None
    table = table_name(operation.table_name, operation.schema)
    return Hit(
        f"create_index({operation.index_name!r}) on existing table {table} takes a SHARE "
        "lock: writes to the table wait until the whole index is built, which grows with "
        "the table's rows",
        f"build it concurrently: {AUTOCOMMIT} op.create_index(..., postgresql_concurrently=True)",
    )


def _drop_index(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, DropIndex) or _concurrently(operation):
        return None
    if operation.table_name and scope.table_is_new(operation.table_name, operation.schema):
        return None
    where = f" of table {table_name(operation.table_name, operation.schema)}"
    return Hit(
        f"drop_index({operation.index_name!r}){where if operation.table_name else ''} takes "
        "an ACCESS EXCLUSIVE lock: reads and writes of the table queue behind it, and behind "
        "any long transaction using the table",
        f"drop it concurrently: {AUTOCOMMIT} op.drop_index(..., postgresql_concurrently=True)",
    )


def _in_transaction(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, CreateIndex | DropIndex) or not _concurrently(operation):
        return None
    if step.autocommit:
        return None
    verb = "CREATE" if isinstance(operation, CreateIndex) else "DROP"
    on = f" on {table_name(operation.table_name, operation.schema)}"
    return Hit(
        f"{verb} INDEX CONCURRENTLY ({operation.index_name!r}"
        f"{on if operation.table_name else ''}) runs inside the revision's transaction, where "
        "PostgreSQL refuses it: the upgrade fails",
        f"run it outside the transaction: {AUTOCOMMIT} then the op.{verb.lower()}_index(...) "
        "call inside the block",
    )


REQUIRE_CONCURRENT_INDEX = Rule(
    "require-concurrent-index",
    PG,
    "error",
    "create_index on an existing table without postgresql_concurrently (blocks writes)",
    _create_index,
)
REQUIRE_CONCURRENT_INDEX_DROP = Rule(
    "require-concurrent-index-drop",
    PG,
    "error",
    "drop_index on an existing table without postgresql_concurrently (blocks reads and writes)",
    _drop_index,
)
CONCURRENTLY_IN_TRANSACTION = Rule(
    "concurrently-in-transaction",
    PG,
    "error",
    "postgresql_concurrently outside autocommit_block() (the upgrade fails)",
    _in_transaction,
)
