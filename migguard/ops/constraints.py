"""Constraint operations: unique, foreign key, check, primary key; dropping any of them.

SQLite cannot add or drop constraints on an existing table
(https://www.sqlite.org/lang_altertable.html#otheralter), so there every one of these runs as a
move-and-copy rebuild (``needs_rebuild``).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.schema import AddConstraint, Constraint
from sqlalchemy.schema import DropConstraint as DropConstraintDDL
from sqlalchemy.types import NullType

from migguard.errors import UsageError
from migguard.ops import ddl
from migguard.ops.base import TableOperation
from migguard.ops.errors import IrreversibleError
from migguard.ops.mysql import drop_constraint_sql, is_mysql

if TYPE_CHECKING:
    from migguard.ops.executor import Executor
    from migguard.ops.sqlite.table_spec import TableSpec

CONSTRAINT_TYPES = ("foreignkey", "primary", "unique", "check")


def _stub_columns(names: Sequence[str]) -> list[Column[Any]]:
    return [Column(name, NullType()) for name in names]


class CreateConstraint(TableOperation):
    """Common behaviour of the constraint-creating operations."""

    constraint_name: str | None
    type_: str

    @abstractmethod
    def constraint(self, columns: Sequence[str] | None = None) -> Constraint:
        """A new, unattached SQLAlchemy constraint; ``columns`` replaces the local column names
        (a batch rebuild passes the names as they are at that point)."""

    @property
    def local_columns(self) -> tuple[str, ...]:
        return ()

    def needs_rebuild(self, dialect_name: str) -> bool:
        return dialect_name == "sqlite"

    def run(self, executor: Executor) -> None:
        constraint = self.constraint()
        ddl.scratch_table(
            self.table_name,
            self.schema,
            *_stub_columns(self.local_columns),
            constraint,
            metadata=executor.metadata(),
        )
        executor.execute(AddConstraint(constraint))

    def reverse(self) -> DropConstraint:
        if self.constraint_name is None:
            raise IrreversibleError(
                f"a {self.type_} constraint on {self.table_name!r} without a name cannot be "
                "reversed; name it (op.f('name') bypasses the naming convention)"
            )
        return DropConstraint(
            self.constraint_name,
            self.table_name,
            type_=self.type_,
            schema=self.schema,
            definition=self,
        )

    def apply_to(self, spec: TableSpec) -> None:
        spec.add_constraint(self)


@dataclass(frozen=True)
class CreateUniqueConstraint(CreateConstraint):
    """``ALTER TABLE t ADD CONSTRAINT name UNIQUE (cols)`` (``op.create_unique_constraint``).
    ``kw`` holds ``deferrable``, ``initially`` and dialect keywords."""

    constraint_name: str | None
    table_name: str
    columns: tuple[str, ...]
    schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    type_ = "unique"

    @property
    def local_columns(self) -> tuple[str, ...]:
        return self.columns

    def constraint(self, columns: Sequence[str] | None = None) -> Constraint:
        return sa.UniqueConstraint(*(columns or self.columns), name=self.constraint_name, **self.kw)


@dataclass(frozen=True)
class CreateForeignKey(CreateConstraint):
    """``ALTER TABLE source ADD CONSTRAINT name FOREIGN KEY ... REFERENCES referent ...``
    (``op.create_foreign_key``)."""

    constraint_name: str | None
    source_table: str
    referent_table: str
    local_cols: tuple[str, ...]
    remote_cols: tuple[str, ...]
    onupdate: str | None = None
    ondelete: str | None = None
    deferrable: bool | None = None
    initially: str | None = None
    match: str | None = None
    source_schema: str | None = None
    referent_schema: str | None = None
    dialect_kw: Mapping[str, Any] = field(default_factory=dict)
    type_ = "foreignkey"

    # Read-only properties over the dataclass fields the base declares as plain attributes:
    # mypy flags the change of kind, which is what Alembic's names need here.
    @property
    def table_name(self) -> str:  # type: ignore[override]
        return self.source_table

    @property
    def schema(self) -> str | None:  # type: ignore[override]
        return self.source_schema

    @property
    def local_columns(self) -> tuple[str, ...]:
        return self.local_cols

    def constraint(self, columns: Sequence[str] | None = None) -> Constraint:
        prefix = f"{self.referent_schema}." if self.referent_schema else ""
        return sa.ForeignKeyConstraint(
            list(columns or self.local_cols),
            [f"{prefix}{self.referent_table}.{column}" for column in self.remote_cols],
            name=self.constraint_name,
            onupdate=self.onupdate,
            ondelete=self.ondelete,
            deferrable=self.deferrable,
            initially=self.initially,
            match=self.match,
            **self.dialect_kw,
        )


@dataclass(frozen=True)
class CreateCheckConstraint(CreateConstraint):
    """``ALTER TABLE t ADD CONSTRAINT name CHECK (condition)``
    (``op.create_check_constraint``); ``condition`` is SQL text or a SQLAlchemy expression."""

    constraint_name: str | None
    table_name: str
    condition: Any
    schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    type_ = "check"

    def constraint(self, columns: Sequence[str] | None = None) -> Constraint:
        condition = sa.text(self.condition) if isinstance(self.condition, str) else self.condition
        return sa.CheckConstraint(condition, name=self.constraint_name, **self.kw)


@dataclass(frozen=True)
class CreatePrimaryKey(CreateConstraint):
    """``ALTER TABLE t ADD CONSTRAINT name PRIMARY KEY (cols)`` (``op.create_primary_key``)."""

    constraint_name: str | None
    table_name: str
    columns: tuple[str, ...]
    schema: str | None = None
    type_ = "primary"

    @property
    def local_columns(self) -> tuple[str, ...]:
        return self.columns

    def constraint(self, columns: Sequence[str] | None = None) -> Constraint:
        return sa.PrimaryKeyConstraint(*(columns or self.columns), name=self.constraint_name)


@dataclass(frozen=True)
class CreateExcludeConstraint(CreateConstraint):
    """``ALTER TABLE t ADD CONSTRAINT name EXCLUDE USING ... (element WITH operator, ...)``
    (``op.create_exclude_constraint``), PostgreSQL only
    (https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-EXCLUDE).

    ``elements`` are (column name or SQL expression, operator) pairs, as SQLAlchemy's
    ``ExcludeConstraint`` takes them; ``kw`` holds its ``using``, ``where`` (SQL text or an
    expression), ``deferrable``, ``initially`` and ``ops``. Raises ``UsageError`` on any
    other database, which has no such constraint.
    """

    constraint_name: str | None
    table_name: str
    elements: tuple[tuple[Any, str], ...]
    schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    type_ = "exclude"

    @property
    def local_columns(self) -> tuple[str, ...]:
        return tuple(element for element, _ in self.elements if isinstance(element, str))

    def needs_rebuild(self, dialect_name: str) -> bool:
        return False

    def run(self, executor: Executor) -> None:
        if not executor.is_postgresql:
            raise UsageError(
                "op.create_exclude_constraint: EXCLUDE constraints exist only on PostgreSQL, "
                f"not on {executor.dialect.name}"
            )
        super().run(executor)

    def constraint(self, columns: Sequence[str] | None = None) -> Constraint:
        from sqlalchemy.dialects.postgresql import ExcludeConstraint

        kw = dict(self.kw)
        if isinstance(kw.get("where"), str):
            kw["where"] = sa.text(kw["where"])
        return ExcludeConstraint(*self.elements, name=self.constraint_name, **kw)

    def reverse(self) -> DropConstraint:
        if self.constraint_name is None:
            return super().reverse()
        return DropConstraint(
            self.constraint_name, self.table_name, schema=self.schema, definition=self
        )

    def apply_to(self, spec: TableSpec) -> None:
        raise UsageError("op.create_exclude_constraint cannot be part of a SQLite batch rebuild")


def named_constraint(name: str, type_: str | None) -> Constraint:
    """An unattached constraint of ``type_`` carrying only ``name``, enough to drop it; typed
    so that a naming convention applies to the name as it did when the constraint was made."""
    if type_ == "foreignkey":
        return sa.ForeignKeyConstraint([], [], name=name)
    if type_ == "primary":
        return sa.PrimaryKeyConstraint(name=name)
    if type_ == "unique":
        return sa.UniqueConstraint(name=name)
    if type_ == "check":
        return sa.CheckConstraint(sa.text(""), name=name)
    return Constraint(name=name)


@dataclass(frozen=True)
class DropConstraint(TableOperation):
    """``ALTER TABLE t DROP CONSTRAINT name`` (``op.drop_constraint``).

    ``type_`` is one of ``"foreignkey"``, ``"primary"``, ``"unique"``, ``"check"`` or None;
    ``definition`` (the creating operation) makes it reversible. Raises ``UsageError`` for an
    unknown ``type_``. MySQL and MariaDB drop each kind with its own clause (see
    ``mysql.drop_constraint_sql``).
    """

    constraint_name: str
    table_name: str
    type_: str | None = None
    schema: str | None = None
    if_exists: bool | None = None
    definition: CreateConstraint | None = None

    def __post_init__(self) -> None:
        if self.type_ is not None and self.type_ not in CONSTRAINT_TYPES:
            raise UsageError(
                f"drop_constraint type_ must be one of {', '.join(CONSTRAINT_TYPES)} or None, "
                f"not {self.type_!r}"
            )

    def needs_rebuild(self, dialect_name: str) -> bool:
        return dialect_name == "sqlite"

    def run(self, executor: Executor) -> None:
        constraint = named_constraint(self.constraint_name, self.type_)
        table = Table(self.table_name, executor.metadata(), schema=self.schema)
        table.append_constraint(constraint)
        if is_mysql(executor.dialect):
            executor.execute_ddl(
                drop_constraint_sql(executor.dialect, constraint, self.type_, bool(self.if_exists))
            )
            return
        executor.execute(DropConstraintDDL(constraint, if_exists=bool(self.if_exists)))

    def reverse(self) -> CreateConstraint:
        if self.definition is None:
            raise IrreversibleError(
                f"drop_constraint({self.constraint_name!r}, {self.table_name!r}) cannot be "
                "reversed without the constraint's definition"
            )
        return self.definition

    def apply_to(self, spec: TableSpec) -> None:
        spec.drop_constraint(self.constraint_name, self.type_)
