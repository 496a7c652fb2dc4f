"""The lock-timeout rule (PostgreSQL): a revision that takes strong locks should bound its wait.

A statement that needs an ACCESS EXCLUSIVE (or SHARE) lock waits behind every transaction using
the table, and every later query on the table waits behind it: one long-running report turns a
millisecond ``ALTER TABLE`` into an outage. ``SET LOCAL lock_timeout`` makes the statement give
up instead (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT),
so the revision fails and can be retried. Reported once per revision, at its first such
operation. The locks counted: every ``op.*`` that alters, indexes (not concurrently), drops or
renames a released table; a new table's or new foreign key's lock on the released table it
references (SHARE ROW EXCLUSIVE); and ``op.execute`` SQL that takes SHARE or stronger (``ALTER
TABLE`` but ``VALIDATE CONSTRAINT``, ``CREATE INDEX`` without ``CONCURRENTLY``, ``DROP TABLE``,
``TRUNCATE``, ``LOCK``).
"""

from __future__ import annotations

import re

from migguard.lint.recording import Step
from migguard.lint.rule import PG, Hit, Rule
from migguard.lint.rules.names import table_name
from migguard.lint.scope import Scope, TableKey
from migguard.ops.base import TableOperation
from migguard.ops.constraints import CreateForeignKey
from migguard.ops.data import Execute
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    CreateTable,
    CreateTableComment,
    DropTable,
    DropTableComment,
    RenameTable,
)

__all__ = ["MISSING_LOCK_TIMEOUT"]

# A table name in SQL: optionally schema-qualified, each part plain or double-quoted.
_NAME = r'((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)'
# Statements of op.execute SQL that take a strong lock (SHARE or stronger) on a table
# (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES), and the
# group holding the table's name.
_STRONG_SQL = tuple(
    re.compile(pattern, re.I | re.S)
    for pattern in (
        # Every ALTER TABLE but VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE).
        rf"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s+(?!VALIDATE\s+CONSTRAINT\b)",
        rf"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY\b)(?:.*?\s)?ON\s+(?:ONLY\s+)?{_NAME}",
        rf"^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_NAME}",
        rf"^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?{_NAME}",
        # LOCK [TABLE] name [IN mode MODE], but the modes that let writes go on.
        rf"^\s*LOCK\s+(?:TABLE\s+)?(?:ONLY\s+)?{_NAME}(?!.*\bIN\s+(?:ACCESS\s+SHARE|ROW\s+SHARE|"
        r"ROW\s+EXCLUSIVE|SHARE\s+UPDATE\s+EXCLUSIVE)\s+MODE)",
    )
)


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
    if isinstance(operation, Execute):
        return [table for sql in step.sql if (table := _strong_sql(sql)) is not None]
    return []


def _strong_sql(sql: str) -> TableKey | None:
    """The table a SQL statement takes a strong lock on, or None."""
    for pattern in _STRONG_SQL:
        match = pattern.match(sql)
        if match:
            parts = re.findall(r'"[^"]+"|[\w$]+', match.group(1))
            *schema, table = (_identifier(part) for part in parts)
            return (schema[0] if schema else None, table)
    return None


def _identifier(part: str) -> str:
    """A SQL identifier as PostgreSQL reads it: quoted kept as is, plain folded to lower case."""
    return part[1:-1] if part.startswith('"') else part.lower()


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
