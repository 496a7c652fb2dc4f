"""MySQL and MariaDB: how ``alter_column`` is spelled there, and ``mysql_*`` options under the
``mariadb`` dialect name.

MySQL changes a column's type, nullability or comment only by restating the whole column
(``MODIFY`` / ``CHANGE``, https://dev.mysql.com/doc/refman/8.0/en/alter-table.html#alter-table-redefine-column;
MariaDB: https://mariadb.com/kb/en/alter-table/#modify-column): whatever the new definition
leaves out is gone afterwards, so the operation must know the column's current type, and its
nullability, default and comment where they are to be kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Column
from sqlalchemy.engine import Dialect

from migguard.errors import UsageError
from migguard.ops import ddl

if TYPE_CHECKING:
    from migguard.ops.schema import AlterColumn

MYSQL_DIALECTS = frozenset({"mysql", "mariadb"})

# A default that cannot be set by ALTER COLUMN ... SET DEFAULT: ON UPDATE belongs to the
# column's definition (https://dev.mysql.com/doc/refman/8.0/en/timestamp-initialization.html).
_ON_UPDATE = re.compile(r"\bON\s+UPDATE\b", re.IGNORECASE)


def is_mysql(dialect: Dialect) -> bool:
    """Whether ``dialect`` is SQLAlchemy's MySQL dialect, under either of its names."""
    return dialect.name in MYSQL_DIALECTS


def with_mariadb_options(kw: Mapping[str, Any]) -> dict[str, Any]:
    """``kw`` with each ``mysql_<option>`` also given as ``mariadb_<option>`` (unless that is
    given too).

    SQLAlchemy's dialect named ``mariadb`` (``mariadb+pymysql://`` URLs) reads only the
    ``mariadb_`` spelling of its options and silently ignores ``mysql_engine``,
    ``mysql_length``... (https://docs.sqlalchemy.org/en/20/dialects/mysql.html#mariadb-only-mode);
    scripts written for MySQL use the ``mysql_`` spelling, which then means the same on both.
    """
    mirrored = dict(kw)
    for key, value in kw.items():
        if key.startswith("mysql_"):
            mirrored.setdefault(f"mariadb_{key[len('mysql_') :]}", value)
    return mirrored


def alter_column_statements(dialect: Dialect, alter: AlterColumn) -> list[str]:
    """The statements that carry out ``alter`` on MySQL/MariaDB, in order.

    * a change of type, nullability, comment or ``autoincrement`` (or a default with
      ``ON UPDATE``): one
      ``MODIFY`` restating the column, or ``CHANGE`` when it is also renamed; the parts not
      changed come from ``existing_*`` (nullability unknown means NULL, as MySQL itself
      assumes; ``kw`` ``autoincrement`` / ``existing_autoincrement`` add ``AUTO_INCREMENT``);
    * a rename alone: ``CHANGE`` when ``existing_type`` is given (what Alembic writes, valid
      on every version), otherwise ``RENAME COLUMN`` (MySQL 8.0, MariaDB 10.5), which keeps
      the definition as it is;
    * a default alone: ``ALTER COLUMN ... SET DEFAULT`` / ``DROP DEFAULT``.

    Raises:
        UsageError: the column must be restated and ``existing_type`` (or ``type_``) is
            missing; the message names the table and column.
    """
    table = ddl.table_sql(dialect, alter.table_name, alter.schema)
    new_default = alter.server_default is not False
    restate = (
        alter.type_ is not None
        or alter.nullable is not None
        or alter.comment is not False
        or alter.kw.get("autoincrement") is not None
        or (new_default and _has_on_update(alter.server_default))
        or (alter.new_column_name is not None and alter.existing_type is not None)
    )
    if restate:
        spec = _column_definition(dialect, alter)
        if alter.new_column_name is not None:
            return [f"ALTER TABLE {table} CHANGE {ddl.quote(dialect, alter.column_name)} {spec}"]
        return [f"ALTER TABLE {table} MODIFY {spec}"]
    statements = []
    name = alter.column_name
    if alter.new_column_name is not None:
        statements.append(
            ddl.rename_column_sql(
                dialect, alter.table_name, alter.schema, name, alter.new_column_name
            )
        )
        name = alter.new_column_name
    if new_default:
        default = ddl.default_sql(dialect, alter.server_default, alter.existing_type)
        clause = (
            "DROP DEFAULT" if default is None else f"SET DEFAULT {_default_expression(default)}"
        )
        statements.append(
            ddl.alter_column_sql(dialect, alter.table_name, alter.schema, name, clause)
        )
    return statements


def _has_on_update(server_default: Any) -> bool:
    text = getattr(server_default, "text", None)
    return isinstance(text, str) and bool(_ON_UPDATE.search(text))


def _column_definition(dialect: Dialect, alter: AlterColumn) -> str:
    """The column as MODIFY/CHANGE restate it: name, type, NULL/NOT NULL, default, comment."""
    type_ = alter.type_ if alter.type_ is not None else alter.existing_type
    if type_ is None:
        raise UsageError(
            f"alter_column({alter.table_name!r}, {alter.column_name!r}): MySQL and MariaDB "
            "change a column by restating its whole definition (ALTER TABLE ... MODIFY/CHANGE), "
            "so give existing_type= (the column's current type), and existing_nullable=, "
            "existing_server_default=, existing_comment= for what must be kept"
        )
    nullable = alter.nullable if alter.nullable is not None else alter.existing_nullable
    default = (
        alter.server_default if alter.server_default is not False else alter.existing_server_default
    )
    comment = alter.comment if alter.comment is not False else alter.existing_comment
    column: Column[Any] = Column(
        alter.new_column_name or alter.column_name,
        sa.types.to_instance(type_),
        nullable=True if nullable is None else nullable,
        server_default=None if default is False else default,
        comment=comment,
        autoincrement=False,
    )
    ddl.scratch_table(alter.table_name, alter.schema, column)
    spec = ddl.column_spec(dialect, column)
    if alter.kw.get("autoincrement", alter.kw.get("existing_autoincrement")):
        spec += " AUTO_INCREMENT"
    return spec


def _default_expression(default: str) -> str:
    """``default`` as ``SET DEFAULT`` takes it: a literal or bare ``CURRENT_TIMESTAMP`` as it
    is, another expression in parentheses (MySQL 8.0.13+, MariaDB 10.2+:
    https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html), as SQLAlchemy's
    ``CREATE TABLE`` writes it."""
    if re.match(r"^\s*['\"(]", default) or not re.search(r"\W", default):
        return default
    return f"({default})"


def drop_constraint_sql(
    dialect: Dialect, constraint: sa.Constraint, type_: str | None, if_exists: bool
) -> str:
    """``ALTER TABLE t DROP ...`` for a named constraint attached to its (scratch) table.

    MySQL drops each kind with its own clause: ``DROP FOREIGN KEY``, ``DROP PRIMARY KEY``,
    ``DROP INDEX`` (a UNIQUE constraint is an index); a CHECK, or a constraint of no given
    type, with ``DROP CONSTRAINT``, which MariaDB takes (10.2, it has no ``DROP CHECK``) and
    MySQL too (8.0.19; https://dev.mysql.com/doc/refman/8.0/en/alter-table.html,
    https://mariadb.com/kb/en/alter-table/#drop-constraint), so that SQL written offline for
    a ``mysql://`` URL also runs on MariaDB (Alembic writes MySQL's ``DROP CHECK``). Written
    here rather than compiled from SQLAlchemy's ``DropConstraint``, which Alembic replaces for
    MySQL when it is imported in the same process.

    Raises:
        UsageError: ``if_exists`` on MySQL, which has no ``IF EXISTS`` for these clauses
            (MariaDB has).
    """
    mariadb = bool(getattr(dialect, "is_mariadb", False))
    if if_exists and not mariadb:
        raise UsageError(
            f"drop_constraint({constraint.name!r}, if_exists=True): MySQL has no DROP ... IF "
            "EXISTS for constraints (MariaDB has)"
        )
    assert isinstance(constraint.table, sa.Table)
    preparer = dialect.identifier_preparer
    table = preparer.format_table(constraint.table)
    if type_ == "primary":
        return f"ALTER TABLE {table} DROP PRIMARY KEY"
    clause = {"foreignkey": "FOREIGN KEY", "unique": "INDEX"}.get(type_ or "", "CONSTRAINT")
    exists = " IF EXISTS" if if_exists else ""
    return f"ALTER TABLE {table} DROP {clause}{exists} {preparer.format_constraint(constraint)}"
