"""Constraint rules (PostgreSQL): validate foreign keys and CHECKs apart from adding them, and
build UNIQUE and PRIMARY KEY indexes concurrently before attaching them.

PostgreSQL's rules (https://www.postgresql.org/docs/current/sql-altertable.html): adding a
foreign key checks every row while holding a SHARE ROW EXCLUSIVE lock on both tables, and a
CHECK while holding an ACCESS EXCLUSIVE lock on the table; with ``NOT VALID`` the constraint is
added at once and ``VALIDATE CONSTRAINT`` later checks the rows under a SHARE UPDATE EXCLUSIVE
lock, which lets reads and writes go on. ``ADD CONSTRAINT ... UNIQUE`` or ``PRIMARY KEY`` builds
its index under an ACCESS EXCLUSIVE lock; ``... USING INDEX`` attaches an index built
concurrently beforehand.
"""

from __future__ import annotations

from migguard.lint.recording import Step
from migguard.lint.rule import PG, Hit, Rule
from migguard.lint.rules.names import AUTOCOMMIT, table_name
from migguard.lint.scope import Scope
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
)

__all__ = ["ADD_PRIMARY_KEY", "CONSTRAINT_NOT_VALID", "REQUIRE_UNIQUE_VIA_INDEX"]


def _not_valid(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if isinstance(operation, CreateForeignKey):
        table, schema = operation.source_table, operation.source_schema
        options = operation.dialect_kw
        kind, call = "foreign key", "create_foreign_key"
        lock = (
            f"a SHARE ROW EXCLUSIVE lock on {table_name(table, schema)} and "
            f"{table_name(operation.referent_table, operation.referent_schema)}"
        )
    elif isinstance(operation, CreateCheckConstraint):
        table, schema = operation.table_name, operation.schema
        options = operation.kw
        kind, call = "CHECK constraint", "create_check_constraint"
        lock = f"an ACCESS EXCLUSIVE lock on {table_name(table, schema)}"
    else:
        return None
    if options.get("postgresql_not_valid") or scope.table_is_new(table, schema):
        return None
    name = operation.constraint_name or "<name>"
    return Hit(
        f"{call}({operation.constraint_name!r}) checks every existing row of "
        f"{table_name(table, schema)} while holding {lock}: writes wait for the whole scan",
        # VALIDATE in the transaction that added the constraint runs under the ADD's lock.
        f"add it with postgresql_not_valid=True, then validate it in another transaction (the "
        f"next revision, or {AUTOCOMMIT} after the add): "
        f'op.execute("ALTER TABLE {table} VALIDATE CONSTRAINT {name}")',
        (
            f"VALIDATE CONSTRAINT checks the rows under a SHARE UPDATE EXCLUSIVE lock: reads and "
            f"writes go on while the {kind} is validated",
        ),
    )


def _unique(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, CreateUniqueConstraint):
        return None
    return _via_index(operation, scope, "create_unique_constraint", "UNIQUE", "", ())


def _primary_key(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, CreatePrimaryKey):
        return None
    details = (
        "PRIMARY KEY USING INDEX sets NOT NULL on columns that are nullable, scanning the "
        "table under an ACCESS EXCLUSIVE lock: make them NOT NULL first (see set-not-null)",
    )
    scan = " (and sets NOT NULL, scanning the table)"
    return _via_index(operation, scope, "create_primary_key", "PRIMARY KEY", scan, details)


def _via_index(
    operation: CreateUniqueConstraint | CreatePrimaryKey,
    scope: Scope,
    call: str,
    kind: str,
    also: str,
    details: tuple[str, ...],
) -> Hit | None:
    """The hit of a constraint whose index PostgreSQL builds under ACCESS EXCLUSIVE, with
    the recipe that builds it concurrently and attaches it (``kind USING INDEX``)."""
    if scope.table_is_new(operation.table_name, operation.schema):
        return None
    table = operation.table_name
    name = operation.constraint_name or "<name>"
    return Hit(
        f"{call}({operation.constraint_name!r}) builds its index on "
        f"{table_name(table, operation.schema)} under an ACCESS EXCLUSIVE lock{also}: reads "
        "and writes wait while every row is indexed",
        f"build the index first: {AUTOCOMMIT} op.create_index({name!r}, {table!r}, [...], "
        f'unique=True, postgresql_concurrently=True); then op.execute("ALTER TABLE {table} '
        f'ADD CONSTRAINT {name} {kind} USING INDEX {name}")',
        details,
    )


CONSTRAINT_NOT_VALID = Rule(
    "constraint-not-valid",
    PG,
    "error",
    "create_foreign_key / create_check_constraint on an existing table validated in one step",
    _not_valid,
)
REQUIRE_UNIQUE_VIA_INDEX = Rule(
    "require-unique-via-index",
    PG,
    "error",
    "create_unique_constraint on an existing table (index built under ACCESS EXCLUSIVE)",
    _unique,
)
ADD_PRIMARY_KEY = Rule(
    "add-primary-key",
    PG,
    "error",
    "create_primary_key on an existing table (index built under ACCESS EXCLUSIVE)",
    _primary_key,
)
