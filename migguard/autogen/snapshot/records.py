"""The records a snapshot is made of: immutable, hashable, JSON-representable plain data.

Every field holds ``None``, a ``bool``, ``int``, ``float``, ``str``, a tuple of those, another
record, or a tuple of ``(key, value)`` pairs where a mapping is meant (pairs rather than dicts so
records stay hashable and compare by value). Nothing here imports SQLAlchemy: a cached snapshot
loads without it.

How the fields are filled from a live database is described in
``migguard.autogen.snapshot.reflect``; from models, in ``migguard.autogen.snapshot.from_metadata``;
how they are stored, in ``migguard.autogen.snapshot.binary_form``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeAlias

Scalar: TypeAlias = "bool | int | float | str | None"
# A value inside ``TypeSpec.args``, ``IndexInfo.dialect_options`` or ``ColumnInfo.identity``.
Value: TypeAlias = "Scalar | TypeSpec | tuple[Value, ...]"
Pairs: TypeAlias = "tuple[tuple[str, Value], ...]"


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A SQLAlchemy type as data, enough to rebuild it
    (``migguard.autogen.snapshot.types.build_type``).

    ``module`` and ``name`` locate the class (``"sqlalchemy.sql.sqltypes"``, ``"VARCHAR"``);
    ``args`` are the constructor's keyword arguments that differ from their defaults, as
    ``(keyword, value)`` pairs in signature order; a nested type (``ARRAY``'s ``item_type``) is a
    ``TypeSpec``; an ``Enum``'s labels are the pair ``("enums", (label, ...))``.
    ``compiled`` is the type's DDL for the snapshot's dialect with the dialect's synonyms
    resolved (``"VARCHAR(255)"``, ``"TIMESTAMP WITHOUT TIME ZONE"``), or ``None`` when that
    dialect cannot render the type; it is what comparisons use.
    """

    module: str
    name: str
    args: Pairs
    compiled: str | None

    def arg(self, keyword: str, default: Value = None) -> Value:
        """The value of constructor argument ``keyword``, or ``default`` when not recorded."""
        for key, value in self.args:
            if key == keyword:
                return value
        return default


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column. ``server_default`` is the default's SQL text as the database reports it
    (``"now()"``, ``"'abc'::character varying"``); ``autoincrement`` is what the dialect
    reports (``True``/``False`` on PostgreSQL, ``None`` where nothing is reported, as on
    SQLite); ``identity`` holds the identity options (``always``, ``start``, ``increment``,
    ``minvalue``, ``maxvalue``, ``cycle``, ``cache``) as sorted pairs; ``computed`` is the
    generation expression of a generated column and ``persisted`` whether its values are
    stored (``STORED``: ``True``) or computed when read (``VIRTUAL``: ``False``); ``None`` for
    a column that is not generated, or where the kind is not known."""

    name: str
    type: TypeSpec
    nullable: bool
    server_default: str | None = None
    autoincrement: bool | str | None = None
    identity: Pairs | None = None
    comment: str | None = None
    computed: str | None = None
    persisted: bool | None = None


@dataclass(frozen=True, slots=True)
class PrimaryKeyInfo:
    """The primary key; ``name`` is ``None`` where the database keeps no name (SQLite)."""

    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForeignKeyInfo:
    """A foreign key. ``referred_schema`` is ``None`` for the default schema. ``ondelete`` and
    ``onupdate`` are upper case (``"CASCADE"``) and ``None`` for the default ``NO ACTION``;
    ``deferrable`` is ``True`` or ``None``; ``initially`` is ``"DEFERRED"`` or ``None``."""

    name: str | None
    columns: tuple[str, ...]
    referred_schema: str | None
    referred_table: str
    referred_columns: tuple[str, ...]
    ondelete: str | None = None
    onupdate: str | None = None
    deferrable: bool | None = None
    initially: str | None = None


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """An index. ``columns`` names each indexed element, ``None`` where the element is an
    expression; ``expressions`` holds the SQL of those ``None`` elements, in order.
    ``sorting`` maps an element (column name or expression SQL) to its non-default ordering
    flags (``("desc",)``, ``("desc", "nulls_last")``, ``("nulls_first",)``).
    ``dialect_options`` holds the options that differ from the database's default, e.g.
    ``("postgresql_where", "(active = true)")``, ``("postgresql_using", "gin")``,
    ``("sqlite_where", "n > 5")``."""

    name: str | None
    columns: tuple[str | None, ...]
    expressions: tuple[str, ...] = ()
    unique: bool = False
    dialect_options: Pairs = ()
    sorting: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class UniqueInfo:
    """A unique constraint (a unique *index* is an ``IndexInfo``); ``dialect_options``: the
    options reflection reports, as ``(keyword, value)`` pairs
    (``postgresql_nulls_not_distinct``)."""

    name: str | None
    columns: tuple[str, ...]
    dialect_options: Pairs = ()


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A check constraint: its name (``None`` if the database keeps none) and its SQL."""

    name: str | None
    sqltext: str


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A table. ``schema`` is ``None`` for the default schema; ``columns`` are in table order;
    ``primary_key`` is ``None`` for a table without one; the other collections are sorted by
    name (unnamed last, then by columns) so equal tables compare equal."""

    schema: str | None
    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: PrimaryKeyInfo | None = None
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    indexes: tuple[IndexInfo, ...] = ()
    uniques: tuple[UniqueInfo, ...] = ()
    checks: tuple[CheckInfo, ...] = ()
    comment: str | None = None

    def column(self, name: str) -> ColumnInfo | None:
        """The column called ``name``, or ``None``."""
        # A plain loop: comparisons ask this once per column and aspect, thousands of times.
        for column in self.columns:
            if column.name == name:
                return column
        return None


@dataclass(frozen=True, slots=True)
class EnumInfo:
    """A named enum type (PostgreSQL ``CREATE TYPE ... AS ENUM``), labels in sort order."""

    schema: str | None
    name: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """A whole database (or what the models describe) for one dialect (``"sqlite"``,
    ``"postgresql"``): tables sorted by ``(schema or "", name)``, enums likewise; ``schemas``
    the named schemas other than the default one, sorted: those that exist among the schemas
    reflected, or those the models name."""

    dialect: str
    tables: tuple[TableInfo, ...]
    enums: tuple[EnumInfo, ...] = ()
    schemas: tuple[str, ...] = ()

    def table(self, name: str, schema: str | None = None) -> TableInfo | None:
        """The table ``name`` in ``schema`` (``None``: the default schema), or ``None``."""
        return self._by_key.get((schema, name))

    @cached_property
    def _by_key(self) -> dict[tuple[str | None, str], TableInfo]:
        return {(table.schema, table.name): table for table in self.tables}


def table_sort_key(item: TableInfo | EnumInfo) -> tuple[str, str]:
    """The order of tables and enums in a snapshot: by schema (default first), then name."""
    return (item.schema or "", item.name)


def named_sort_key(item: IndexInfo | UniqueInfo | CheckInfo | ForeignKeyInfo) -> tuple[object, ...]:
    """The order of a table's indexes and constraints: named ones by name, then unnamed ones
    by their definition, so the order never depends on how the database listed them."""
    if item.name is not None:
        return (0, item.name)
    detail = item.sqltext if isinstance(item, CheckInfo) else repr(item.columns)
    return (1, detail, repr(item))


def to_pairs(mapping: Mapping[str, Any]) -> Pairs:
    """``mapping`` as ``(key, value)`` pairs sorted by key: lists become tuples, nested
    mappings become pairs, and values that are not JSON scalars become their ``str`` (a
    reflected ``TextClause`` becomes its SQL)."""
    return tuple(sorted((str(key), _plain(value)) for key, value in mapping.items()))


def _plain(value: Any) -> Value:
    if isinstance(value, Mapping):
        return to_pairs(value)
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
