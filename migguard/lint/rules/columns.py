"""Column rules: adding, tightening and retyping columns of existing tables.

PostgreSQL's rules (https://www.postgresql.org/docs/current/sql-altertable.html): every form
here holds an ACCESS EXCLUSIVE lock on the table, so reads and writes wait for it. ``SET NOT
NULL`` scans the whole table unless a valid CHECK constraint already proves the column is not
null (PostgreSQL 12+). ``ADD COLUMN`` with a volatile default, an identity or serial column, or a
stored generated column rewrites the table; ``ALTER COLUMN TYPE`` rewrites the table and its
indexes unless the old type is binary coercible to the new one (``varchar(n)`` to a longer
``varchar``, ``varchar`` to ``text``, a wider ``numeric`` of the same scale). A ``NOT NULL``
column without a default cannot be added to a table that has rows (PostgreSQL and SQLite:
https://www.sqlite.org/lang_altertable.html#altertabaddcol).
"""

from __future__ import annotations

import re
from typing import Any

from migguard.lint.recording import Step
from migguard.lint.rule import PG, Hit, Rule
from migguard.lint.rules.defaults import default_sql, volatility
from migguard.lint.rules.names import AUTOCOMMIT, column_name
from migguard.lint.scope import Scope
from migguard.ops.schema import AddColumn, AlterColumn

__all__ = [
    "ADD_COLUMN_VOLATILE_DEFAULT",
    "ADD_IDENTITY_COLUMN",
    "ADD_NOT_NULL_WITHOUT_DEFAULT",
    "COLUMN_TYPE_CHANGE",
    "SET_NOT_NULL",
]

_SERIAL = re.compile(r"\b(?:small|big)?serial\b", re.I)
_VARCHAR = re.compile(r"^(?:VARCHAR|CHARACTER VARYING)(?:\((\d+)\))?$", re.I)
_NUMERIC = re.compile(r"^(?:NUMERIC|DECIMAL)(?:\((\d+)(?:,\s*(\d+))?\))?$", re.I)


def _existing_add(step: Step, scope: Scope) -> AddColumn | None:
    """The step's ``add_column`` when its table existed before the revisions being linted."""
    operation = step.operation
    if not isinstance(operation, AddColumn):
        return None
    return None if scope.table_is_new(operation.table_name, operation.schema) else operation


def _rewrites(operation: AddColumn, step: Step) -> str | None:
    """Why adding this column fills every row (identity, serial, stored generated), or None."""
    column = operation.column
    if column.identity is not None:
        return "an identity column"
    if column.computed is not None and column.computed.persisted is not False:
        return "a stored generated column"
    if _serial(column.name, step):
        return "a serial column"
    return None


def _serial(name: str, step: Step) -> bool:
    """Whether the step's SQL adds column ``name`` as a serial (the statement that adds this
    column, not a neighbour of a batch block or a comment, and its type, not its name)."""
    quoted = re.escape(_dialect().identifier_preparer.quote(name))
    adds = re.compile(rf"\bADD COLUMN (?:IF NOT EXISTS )?{quoted} {_SERIAL.pattern}", re.I)
    return any(adds.search(sql) for sql in step.sql)


def _identity(step: Step, scope: Scope) -> Hit | None:
    operation = _existing_add(step, scope)
    if operation is None:
        return None
    kind = _rewrites(operation, step)
    if kind is None:
        return None
    name = column_name(operation.table_name, operation.column.name, operation.schema)
    return Hit(
        f"add_column({name}) adds {kind}: PostgreSQL computes a value for every row, "
        "rewriting the whole table under an ACCESS EXCLUSIVE lock",
        "add a nullable column with no default, fill it in batches, then add the identity, "
        "generated expression or NOT NULL in later revisions (or create a new table and "
        "copy)",
    )


def _volatile_default(step: Step, scope: Scope) -> Hit | None:
    operation = _existing_add(step, scope)
    if operation is None or _rewrites(operation, step) is not None:
        return None
    sql = default_sql(operation.column.server_default, _dialect())
    if sql is None:
        return None
    kind = volatility(sql)
    if kind == "constant":
        return None
    name = column_name(operation.table_name, operation.column.name, operation.schema)
    # The default goes on before the backfill, or rows written during it stay empty.
    recipe = (
        "add the column without a default (or with a constant one), "
        "op.alter_column(..., server_default=...) for new rows, then backfill the existing "
        "rows in batches outside the revision's transaction (op.execute(...) in "
        f"{AUTOCOMMIT})"
    )
    if kind == "unknown":
        return Hit(
            f"add_column({name}) has the default {sql}, which migguard cannot tell is "
            "constant: a volatile default rewrites the whole table under an ACCESS EXCLUSIVE "
            "lock",
            recipe,
            severity="warning",
        )
    return Hit(
        f"add_column({name}) has the volatile default {sql}: PostgreSQL evaluates it for every "
        "row, rewriting the whole table under an ACCESS EXCLUSIVE lock",
        recipe,
    )


def _not_null_without_default(step: Step, scope: Scope) -> Hit | None:
    operation = _existing_add(step, scope)
    if operation is None or _rewrites(operation, step) is not None:
        return None
    column = operation.column
    if column.nullable or column.server_default is not None:
        return None
    name = column_name(operation.table_name, column.name, operation.schema)
    return Hit(
        f"add_column({name}) is NOT NULL without a server default: it fails on a table that "
        "has rows",
        "add it nullable, backfill it, then op.alter_column(..., nullable=False) (see "
        "set-not-null); or give it a constant server_default",
    )


def _set_not_null(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, AlterColumn) or operation.nullable is not False:
        return None
    if operation.existing_nullable is False:
        return None
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    if scope.column_is_new(table, column, schema) or (schema, table, column) in scope.new.not_null:
        return None
    check = f"ck_{table}_{column}_not_null"
    return Hit(
        f"alter_column({column_name(table, column, schema)}, nullable=False) scans every row "
        "under an ACCESS EXCLUSIVE lock: reads and writes wait for the scan",
        # VALIDATE in the transaction that added the CHECK runs under the ADD's lock.
        f"prove it first: op.create_check_constraint({check!r}, {table!r}, "
        f'"{column} IS NOT NULL", postgresql_not_valid=True); then in {AUTOCOMMIT} '
        f'op.execute("ALTER TABLE {table} VALIDATE CONSTRAINT {check}"); then '
        f"alter_column(..., nullable=False) and op.drop_constraint({check!r}, {table!r}, "
        'type_="check")',
        (
            "PostgreSQL 12+ skips the scan when a valid CHECK constraint proves the column is not "
            "null",
        ),
    )


def _type_change(step: Step, scope: Scope) -> Hit | None:
    operation = step.operation
    if not isinstance(operation, AlterColumn) or operation.type_ is None:
        return None
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    if scope.column_is_new(table, column, schema):
        return None
    name = column_name(table, column, schema)
    new = _compiled(operation.type_)
    recipe = (
        "add a new column of the new type, backfill it in batches, switch the code to it, then "
        "drop the old column in a later release"
    )
    if operation.existing_type is None:
        return Hit(
            f"alter_column({name}, type_={new}) without existing_type: migguard cannot tell "
            "whether the change rewrites the table and its indexes under an ACCESS EXCLUSIVE "
            "lock",
            f"give existing_type=...; if the change rewrites: {recipe}",
            severity="warning",
        )
    old = _compiled(operation.existing_type)
    if _binary_coercible(old, new) and "postgresql_using" not in operation.kw:
        return None
    return Hit(
        f"alter_column({name}) from {old} to {new} rewrites the table and its indexes under "
        "an ACCESS EXCLUSIVE lock: reads and writes wait, for a time that grows with the table",
        recipe,
    )


def _compiled(type_: Any) -> str:
    from sqlalchemy.types import to_instance

    return str(to_instance(type_).compile(dialect=_dialect()))


def _binary_coercible(old: str, new: str) -> bool:
    """Whether PostgreSQL changes ``old`` to ``new`` without rewriting the table."""
    if old == new:
        return True
    old_varchar, new_varchar = _VARCHAR.match(old), _VARCHAR.match(new)
    if new.upper() == "TEXT" and (old_varchar or old.upper() == "TEXT"):
        return True
    if new_varchar and (old_varchar or old.upper() == "TEXT"):
        if new_varchar.group(1) is None:
            return True
        if old_varchar and old_varchar.group(1) is not None:
            return int(new_varchar.group(1)) >= int(old_varchar.group(1))
        return False
    old_numeric, new_numeric = _NUMERIC.match(old), _NUMERIC.match(new)
    if old_numeric and new_numeric:
        if new_numeric.group(1) is None:
            return True
        if old_numeric.group(1) is None:
            return False
        same_scale = (old_numeric.group(2) or "0") == (new_numeric.group(2) or "0")
        return same_scale and int(new_numeric.group(1)) >= int(old_numeric.group(1))
    return False


def _dialect() -> Any:
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()


SET_NOT_NULL = Rule(
    "set-not-null",
    PG,
    "error",
    "alter_column(nullable=False) on an existing column (full scan under ACCESS EXCLUSIVE)",
    _set_not_null,
)
ADD_COLUMN_VOLATILE_DEFAULT = Rule(
    "add-column-volatile-default",
    PG,
    "error",
    "add_column with a volatile server default on an existing table (table rewrite)",
    _volatile_default,
)
ADD_IDENTITY_COLUMN = Rule(
    "add-identity-column",
    PG,
    "error",
    "add_column of an identity, serial or stored generated column to an existing table "
    "(table rewrite)",
    _identity,
)
ADD_NOT_NULL_WITHOUT_DEFAULT = Rule(
    "add-not-null-without-default",
    frozenset({"postgresql", "sqlite"}),
    "error",
    "add_column NOT NULL without a server default on an existing table (fails with rows)",
    _not_null_without_default,
)
COLUMN_TYPE_CHANGE = Rule(
    "column-type-change",
    PG,
    "error",
    "alter_column type change that rewrites the table (binary-coercible changes pass)",
    _type_change,
)
