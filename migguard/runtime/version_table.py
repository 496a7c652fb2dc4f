"""The version table: one row per applied head, as Alembic keeps it.

``alembic_version(version_num VARCHAR(32) NOT NULL)`` with the primary key constraint named
``alembic_version_pkc``: the same table Alembic creates, so a database migrated by either tool
is recognised by the other. Name and schema are configurable (``version_table``,
``version_table_schema``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import UpdateBase

from migguard.config.urls import mask_password
from migguard.errors import DatabaseError


class VersionTableShapeError(DatabaseError):
    """A table of the version table's name exists but cannot hold revision ids: it has no
    ``version_num`` column, or that column is not text (exit 4)."""


class VersionTable:
    """The version table's definition and the statements that read and change it.

    Args:
        name: the table name.
        schema: its schema, or None for the default one.
    """

    def __init__(self, name: str = "alembic_version", schema: str | None = None) -> None:
        self.table = sa.Table(
            name,
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), nullable=False),
            sa.PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
            schema=schema,
        )
        # Built once: with bound parameters SQLAlchemy compiles each statement once per run.
        column = self.table.c.version_num
        self._update = (
            sa.update(self.table)
            .where(column == sa.bindparam("old"))
            .values(version_num=sa.bindparam("new"))
        )
        self._delete = sa.delete(self.table).where(column == sa.bindparam("old"))
        self._insert = sa.insert(self.table).values(version_num=sa.bindparam("new"))

    def exists(self, connection: Connection) -> bool:
        """Whether the table exists in the database."""
        return sa.inspect(connection).has_table(self.table.name, schema=self.table.schema)

    @property
    def label(self) -> str:
        """``name``, or ``schema.name``, as messages name the table."""
        table = self.table
        return f"{table.schema}.{table.name}" if table.schema else table.name

    def read(self, connection: Connection) -> tuple[str, ...]:
        """The rows (applied heads), or ``()`` when the table does not exist yet.

        Raises:
            VersionTableShapeError: the table has no ``version_num`` column, or one that is not
                text (revision ids are text: ``1234`` and ``01234`` are two revisions).
            sqlalchemy.exc.DBAPIError: the database's error.
        """
        inspector = sa.inspect(connection)
        table = self.table
        if not inspector.has_table(table.name, schema=table.schema):
            return ()
        columns = {c["name"]: c["type"] for c in inspector.get_columns(table.name, table.schema)}
        where = mask_password(connection.engine.url.render_as_string(hide_password=False))
        kind = columns.get("version_num")
        if kind is None:
            raise VersionTableShapeError(
                f"the version table {self.label} on {where} has no version_num column (its "
                f"columns: {', '.join(columns)}): it is not a migration version table; name "
                "another one with the version_table setting"
            )
        # A column declared without a type (SQLite) reflects as NullType and holds text.
        if not isinstance(kind, (sa.String, sa.types.NullType)):
            raise VersionTableShapeError(
                f"the version table {self.label} on {where}: its version_num column is {kind}, "
                "but revision ids are text (Alembic and migguard create it as VARCHAR(32))"
            )
        column = table.c.version_num
        return tuple(connection.execute(sa.select(column).order_by(column)).scalars())

    def create_statement(self) -> sa.schema.CreateTable:
        """``CREATE TABLE`` for the version table."""
        return sa.schema.CreateTable(self.table)

    def change(
        self,
        execute: Callable[[Any, dict[str, str]], object],
        before: Collection[str],
        after: Collection[str],
    ) -> None:
        """Turn the rows ``before`` into ``after`` (see :meth:`statements`).

        Args:
            execute: runs one statement with its parameters (a live connection's
                ``execute``, or the offline writer's).
            before: the rows now.
            after: the rows wanted.
        """
        for statement, params in self.statements(before, after):
            execute(statement, params)

    def statements(
        self, before: Collection[str], after: Collection[str]
    ) -> list[tuple[UpdateBase, dict[str, str]]]:
        """The fewest statements that turn the rows ``before`` into ``after``.

        A revision replacing its parent is an ``UPDATE`` (as Alembic writes it); rows that
        only disappear are deleted and rows that only appear are inserted. The statements are
        built once per version table, so each is the same object on every call (callers may
        cache what they compile from it); only the parameters differ.

        Returns:
            ``(statement, parameters)`` pairs, in order; empty when nothing changes.
        """
        gone = sorted(set(before) - set(after))
        new = sorted(set(after) - set(before))
        result: list[tuple[UpdateBase, dict[str, str]]] = []
        while gone and new:
            result.append((self._update, {"old": gone.pop(), "new": new.pop()}))
        result += [(self._delete, {"old": old}) for old in gone]
        result += [(self._insert, {"new": rid}) for rid in new]
        return result
