"""A mutable description of one table while a batch rebuilds it (SQLite move-and-copy).

The description starts from the live table (reflection) or from ``copy_from``; each batched
operation changes it (``TableOperation.apply_to``); ``move_and_copy`` then creates the new table
from it. Columns are tracked as slots, so constraints and indexes follow a column through renames
and go away with it when it is dropped, as PostgreSQL does for table constraints and indexes on a
dropped column (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.schema import Constraint
from sqlalchemy.sql.elements import conv

from migguard.ops.constraints import CreateConstraint, named_constraint
from migguard.ops.ddl import stub_referents
from migguard.ops.errors import BatchError
from migguard.ops.indexes import CreateIndex
from migguard.sqlalchemy_private import copy_schema_item

if TYPE_CHECKING:
    from migguard.ops.schema import AlterColumn


@dataclass(eq=False)
class Slot:
    """One column: its current ``name``, its definition (an unattached ``Column``), and
    ``origin``, its name in the table before the batch (None for a column the batch adds)."""

    name: str
    column: Column[Any]
    origin: str | None
    dropped: bool = False


@dataclass(eq=False)
class ConstraintSpec:
    """A table constraint. ``make`` builds it from the current names of ``slots``; a
    reflected CHECK constraint has ``sqltext`` instead (its SQL as the database stores it)."""

    kind: str
    name: str | None
    slots: list[Slot] = field(default_factory=list)
    make: Callable[[list[str]], Constraint] | None = None
    sqltext: str | None = None
    named_by_convention: bool = False

    def build(self) -> Constraint:
        if self.make is None:
            return sa.CheckConstraint(sa.text(self.sqltext or ""), name=_keep(self.name))
        constraint = self.make([slot.name for slot in self.slots])
        if self.named_by_convention and self.name is not None:
            constraint.name = _keep(self.name)
        return constraint


@dataclass(eq=False)
class IndexSpec:
    """An index: either structured (``op``, with ``columns`` holding slots and expressions) or
    the ``sql`` SQLite stored for it (kept verbatim: expressions, collations, ``DESC`` and
    partial ``WHERE`` clauses survive)."""

    name: str | None
    columns: list[Any] = field(default_factory=list)
    op: CreateIndex | None = None
    sql: str | None = None

    def build(self, table_name: str, schema: str | None) -> CreateIndex:
        assert self.op is not None
        columns = tuple(c.name if isinstance(c, Slot) else c for c in self.columns)
        return dataclasses.replace(self.op, table_name=table_name, schema=schema, columns=columns)


def _keep(name: str | None) -> str | None:
    """A reflected name, marked so that a naming convention does not rename it again."""
    return conv(name) if name is not None else None


def _name_of(constraint: Constraint) -> str | None:
    """``constraint``'s name; None when it has none, which SQLAlchemy may also spell with a
    placeholder object for a name a naming convention has yet to give."""
    name = constraint.name
    return name if isinstance(name, str) else None


def detached_column(column: Column[Any]) -> Column[Any]:
    """An unattached copy of ``column`` without the parts a spec tracks itself (primary key,
    foreign keys, index flag); used for reflected columns."""
    args: list[Any] = []
    if column.computed is not None:
        args.append(copy_schema_item(column.computed))
    server_default = None
    if column.server_default is not None and column.computed is None:
        server_default = copy_schema_item(column.server_default)
    return Column(
        column.name,
        column.type,
        *args,
        nullable=column.nullable,
        server_default=server_default,
        comment=column.comment,
        autoincrement=column.autoincrement,
    )


class TableSpec:
    """The table being rebuilt: slots, primary key, constraints, indexes, comment."""

    def __init__(self, name: str, schema: str | None) -> None:
        self.name = name
        self.schema = schema
        self.slots: list[Slot] = []
        self.primary_key: ConstraintSpec | None = None
        self.constraints: list[ConstraintSpec] = []
        self.indexes: list[IndexSpec] = []
        self.comment: str | None = None
        self.table_kwargs: dict[str, Any] = {}
        self._built: list[Constraint] = []
        self.naming_convention: dict[str, Any] = {}

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_table(cls, table: Table, with_indexes: bool = True) -> TableSpec:
        """Describe ``table`` (reflected, or given as ``copy_from``). Indexes are taken from
        ``table.indexes`` when ``with_indexes`` (an online rebuild reads their SQL instead)."""
        spec = cls(table.name, table.schema)
        spec.comment = table.comment
        by_name: dict[str, Slot] = {}
        for column in table.columns:
            slot = Slot(column.name, detached_column(column), column.name)
            spec.slots.append(slot)
            by_name[column.name] = slot
        primary = table.primary_key
        if primary is not None and len(primary.columns):
            spec.primary_key = ConstraintSpec(
                "primary",
                _name_of(primary),
                [by_name[c.name] for c in primary.columns],
                _make_primary(_name_of(primary)),
            )
        for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
            if isinstance(constraint, sa.UniqueConstraint):
                spec.constraints.append(
                    ConstraintSpec(
                        "unique",
                        _name_of(constraint),
                        [by_name[c.name] for c in constraint.columns],
                        _make_unique(_name_of(constraint)),
                    )
                )
            elif isinstance(constraint, sa.CheckConstraint):
                spec.constraints.append(
                    ConstraintSpec("check", _name_of(constraint), sqltext=str(constraint.sqltext))
                )
        for foreign_key in sorted(table.foreign_key_constraints, key=lambda c: str(c.name)):
            spec.constraints.append(spec._reflected_foreign_key(foreign_key, by_name))
        if with_indexes:
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                spec.indexes.append(spec._reflected_index(index, by_name))
        return spec

    def _reflected_foreign_key(
        self, constraint: sa.ForeignKeyConstraint, by_name: dict[str, Slot]
    ) -> ConstraintSpec:
        elements = list(constraint.elements)
        referred = elements[0].column.table if elements else None
        self_referencing = (
            referred is not None and referred.name == self.name and (referred.schema == self.schema)
        )
        # A self-referencing key follows renames of the columns it points at.
        remote: list[Slot | str] = [
            by_name.get(element.column.name, element.target_fullname)
            if self_referencing
            else element.target_fullname
            for element in elements
        ]
        # ForeignKeyConstraint's keyword arguments, each of its own type.
        options: dict[str, Any] = {
            "name": _keep(_name_of(constraint)),
            "onupdate": constraint.onupdate,
            "ondelete": constraint.ondelete,
            "deferrable": constraint.deferrable,
            "initially": constraint.initially,
            "match": constraint.match,
        }
        prefix = f"{self.schema}.{self.name}" if self.schema else self.name

        def make(local: list[str]) -> Constraint:
            targets = [
                f"{prefix}.{target.name}" if isinstance(target, Slot) else target
                for target in remote
            ]
            return sa.ForeignKeyConstraint(local, targets, **options)

        return ConstraintSpec(
            "foreignkey",
            _name_of(constraint),
            [by_name[c.name] for c in constraint.columns],
            make,
        )

    def _reflected_index(self, index: sa.Index, by_name: dict[str, Slot]) -> IndexSpec:
        columns: list[Any] = [
            by_name[expression.name]
            if isinstance(expression, Column) and expression.name in by_name
            else expression
            for expression in index.expressions
        ]
        kw = {key: value for key, value in index.dialect_kwargs.items() if value is not None}
        op = CreateIndex(
            index.name, self.name, (), schema=self.schema, unique=bool(index.unique), kw=kw
        )
        return IndexSpec(index.name, columns, op=op)

    # -- lookups -----------------------------------------------------------------------------

    def slot(self, name: str) -> Slot:
        """The live column currently called ``name``; ``BatchError`` when there is none."""
        for slot in self.slots:
            if slot.name == name and not slot.dropped:
                return slot
        raise BatchError(f"table {self.name!r} has no column {name!r}")

    @property
    def live_slots(self) -> list[Slot]:
        return [slot for slot in self.slots if not slot.dropped]

    # -- changes (called by TableOperation.apply_to) -----------------------------------------

    def add_column(
        self,
        column: Column[Any],
        insert_before: str | None = None,
        insert_after: str | None = None,
    ) -> None:
        """Add ``column``; its primary-key flag joins the primary key and ``index=True``
        becomes an index. ``BatchError`` if the name is taken."""
        if any(slot.name == column.name for slot in self.live_slots):
            raise BatchError(f"table {self.name!r} already has a column {column.name!r}")
        copy = copy_schema_item(column)
        primary, index, unique = copy.primary_key, copy.index, copy.unique
        copy.primary_key = False
        copy.index = None
        copy.unique = None
        slot = Slot(column.name, copy, None)
        self._place(slot, insert_before, insert_after)
        if unique and not index:
            self.constraints.append(ConstraintSpec("unique", None, [slot], _make_unique(None)))
        if primary:
            if self.primary_key is None:
                self.primary_key = ConstraintSpec("primary", None, [], _make_primary(None))
            self.primary_key.slots.append(slot)
        if index:
            op = CreateIndex(None, self.name, (), schema=self.schema, unique=bool(copy.unique))
            self.indexes.append(IndexSpec(None, [slot], op=op))

    def _place(self, slot: Slot, before: str | None, after: str | None) -> None:
        if slot in self.slots:
            self.slots.remove(slot)
        if before is not None:
            self.slots.insert(self.slots.index(self.slot(before)), slot)
        elif after is not None:
            self.slots.insert(self.slots.index(self.slot(after)) + 1, slot)
        else:
            self.slots.append(slot)

    def drop_column(self, name: str) -> None:
        """Drop a column with the constraints and indexes that use it."""
        slot = self.slot(name)
        slot.dropped = True
        if self.primary_key is not None and slot in self.primary_key.slots:
            self.primary_key = None
        self.constraints = [c for c in self.constraints if slot not in c.slots]
        self.constraints = [
            c
            for c in self.constraints
            if c.sqltext is None
            or slot.origin is None
            or not re.search(rf"(?<![\w$]){re.escape(slot.origin)}(?![\w$])", c.sqltext, re.I)
        ]
        self.indexes = [index for index in self.indexes if slot not in index.columns]

    def alter_column(self, op: AlterColumn) -> None:
        """Change type, nullability, default, comment, name or position of a column."""
        slot = self.slot(op.column_name)
        column = slot.column
        if op.type_ is not None:
            column.type = sa.types.to_instance(op.type_)
        if op.nullable is not None:
            column.nullable = op.nullable
        if op.server_default is not False:
            default = op.server_default
            if default is not None and not isinstance(default, sa.schema.FetchedValue):
                default = sa.DefaultClause(default)
            column.server_default = default
        if op.comment is not False:
            column.comment = op.comment
        if op.new_column_name is not None:
            if any(s.name == op.new_column_name for s in self.live_slots if s is not slot):
                raise BatchError(f"table {self.name!r} already has a column {op.new_column_name!r}")
            slot.name = op.new_column_name
        if op.insert_before is not None or op.insert_after is not None:
            self._place(slot, op.insert_before, op.insert_after)

    def add_constraint(self, op: CreateConstraint) -> None:
        """Add a constraint from its creating operation; a primary key replaces the current
        one (a table has at most one)."""
        record = ConstraintSpec(
            op.type_, op.constraint_name, [self.slot(c) for c in op.local_columns], op.constraint
        )
        if op.type_ == "primary":
            self.primary_key = record
        else:
            self.constraints.append(record)

    def drop_constraint(self, name: str, type_: str | None) -> None:
        """Drop the constraint called ``name`` (of ``type_`` when given); ``BatchError`` when
        the table has none (an unnamed constraint can be named with ``naming_convention``)."""
        names = {name, self._conventional_name(name, type_)}
        if (
            self.primary_key is not None
            and type_ in (None, "primary")
            and self.primary_key.name in names
        ):
            self.primary_key = None
            return
        for record in self.constraints:
            if record.name in names and type_ in (None, record.kind):
                self.constraints.remove(record)
                return
        raise BatchError(
            f"table {self.name!r} has no {type_ or ''} constraint named {name!r}".replace("  ", " ")
        )

    def _conventional_name(self, name: str, type_: str | None) -> str:
        """``name`` as the naming convention turns it for a constraint of ``type_`` (a
        convention may embed the given name, e.g. ``ck_%(table_name)s_%(constraint_name)s``)."""
        constraint = named_constraint(name, type_)
        Table(self.name, sa.MetaData(naming_convention=self.naming_convention)).append_constraint(
            constraint
        )
        return str(constraint.name)

    def add_index(self, op: CreateIndex) -> None:
        columns = [self.slot(c) if isinstance(c, str) else c for c in op.columns]
        self.indexes.append(IndexSpec(op.index_name, columns, op=op))

    def drop_index(self, name: str) -> None:
        for index in self.indexes:
            if index.name == name:
                self.indexes.remove(index)
                return
        raise BatchError(f"table {self.name!r} has no index named {name!r}")

    # -- output -------------------------------------------------------------------------------

    def name_conventionally(self, convention: Mapping[str, Any]) -> None:
        """Fix every constraint's name as ``convention`` produces it for this table's name.

        Run before operations apply (so that a batch can drop a constraint SQLite keeps
        without a name, by its conventional name) and again before building (so that the
        temporary table's name never leaks into a conventional name).
        """
        self.build_table(sa.MetaData(naming_convention=dict(convention)), self.name)
        for record, constraint in zip(self._all_constraints(), self._built, strict=True):
            # Unnamed constraints without a convention keep a non-string placeholder name.
            if isinstance(constraint.name, str):
                record.name = str(constraint.name)
                record.named_by_convention = True

    def _all_constraints(self) -> list[ConstraintSpec]:
        primary = [self.primary_key] if self.primary_key is not None else []
        return primary + self.constraints

    def build_table(self, metadata: sa.MetaData, name: str) -> Table:
        """The new table, called ``name``, in ``metadata`` (with stubs for referenced tables)."""
        columns = []
        for slot in self.live_slots:
            column = copy_schema_item(slot.column)
            column.name = column.key = slot.name
            columns.append(column)
        self._built = [record.build() for record in self._all_constraints()]
        table = Table(
            name,
            metadata,
            *columns,
            *self._built,
            schema=self.schema,
            comment=self.comment,
            **self.table_kwargs,
        )
        stub_referents(table)
        return table

    def copied_columns(self) -> list[tuple[str, str]]:
        """(new name, name in the old table) of every column whose data is copied; the old
        table's columns must already carry their final names (``move_and_copy`` renames first)."""
        return [(slot.name, slot.name) for slot in self.live_slots if slot.origin is not None]


def _make_primary(name: str | None) -> Callable[[list[str]], Constraint]:
    return lambda columns: sa.PrimaryKeyConstraint(*columns, name=_keep(name))


def _make_unique(name: str | None) -> Callable[[list[str]], Constraint]:
    return lambda columns: sa.UniqueConstraint(*columns, name=_keep(name))
