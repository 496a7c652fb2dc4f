"""The SQLAlchemy columns and types the diff's operations carry, built from the models or from
snapshot records, and the names of constraints and indexes (``diff_build_tables`` builds the
constraint, index and table operations themselves).

What is added comes from the models: a column keeps the model's own type object (so a script
says ``sa.String(length=50)``, not ``sa.VARCHAR(50)``) and server default. What is dropped is
rebuilt from the reflected records (``build_type``), so every drop carries the definition its
reverse needs. Constraint and index names are the final ones (naming conventions applied), as
``conv`` when a convention produced them, so that running the operation under the same
convention does not rename them again (rendered as ``op.f('name')``).

On PostgreSQL a named native ``Enum`` becomes ``postgresql.ENUM(..., create_type=False)``: the
diff creates and drops enum types itself (``migguard.autogen.diff.enums``), before and after
the tables that use them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import conv

from migguard.autogen.snapshot.metadata_indexes import ddl_name
from migguard.autogen.snapshot.records import ColumnInfo, TypeSpec
from migguard.autogen.snapshot.types import build_type, database_type
from migguard.sqlalchemy_private import copy_schema_item, statementless_ddl_compiler

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = [
    "Names",
    "convention_names",
    "final_name",
    "model_column",
    "model_type",
    "reflected_column",
    "reflected_type",
    "server_default_value",
]

Names = Collection[str]


# --- names -------------------------------------------------------------------------------------


def convention_names(table: sa.Table, dialect: Dialect) -> frozenset[str]:
    """The final names of ``table``'s constraints and indexes that a naming convention made
    (or changed): these are given as ``conv`` so they are not converted a second time."""
    ddl = statementless_ddl_compiler(dialect)
    items: list[Any] = [*table.constraints, *table.indexes]
    items += [c for column in table.columns for c in column.constraints]
    found = set()
    for item in items:
        final = ddl_name(item, ddl)
        if final is not None and (isinstance(item.name, conv) or final != item.name):
            found.add(final)
    return frozenset(found)


def final_name(name: str | None, conventional: Names) -> str | None:
    """``name`` as an operation carries it: ``conv(name)`` when a convention produced it."""
    if name is None:
        return None
    return conv(name) if name in conventional else name


# --- types and columns ---------------------------------------------------------------------------


def model_type(type_: sa.types.TypeEngine[Any], dialect: Dialect) -> sa.types.TypeEngine[Any]:
    """The model's type as an operation carries it: unchanged, except that on PostgreSQL a
    named native enum (also as an array's item) becomes ``postgresql.ENUM(create_type=False)``."""
    if dialect.name != "postgresql":
        return type_
    resolved = database_type(type_, dialect)
    if isinstance(resolved, sa.ARRAY):
        item = _enum_without_type(database_type(resolved.item_type, dialect))
        if item is None:
            return type_
        from sqlalchemy.dialects import postgresql

        return postgresql.ARRAY(
            item, dimensions=resolved.dimensions, zero_indexes=resolved.zero_indexes
        )
    return _enum_without_type(resolved) or type_


def _enum_without_type(type_: Any) -> sa.types.TypeEngine[Any] | None:
    if not (isinstance(type_, sa.Enum) and type_.native_enum and type_.name):
        return None
    from sqlalchemy.dialects import postgresql

    schema = type_.schema or getattr(type_.metadata, "schema", None)
    return postgresql.ENUM(*type_.enums, name=type_.name, schema=schema, create_type=False)


def reflected_type(spec: TypeSpec) -> sa.types.TypeEngine[Any]:
    """The reflected type rebuilt (``build_type``), an enum with ``create_type=False``."""
    type_ = build_type(spec)
    if spec.name == "ENUM":
        return _enum_without_type(type_) or type_
    if isinstance(type_, sa.ARRAY):
        item = _enum_without_type(type_.item_type)
        if item is not None:
            from sqlalchemy.dialects import postgresql

            return postgresql.ARRAY(item, dimensions=type_.dimensions)
    return type_


def model_column(column: sa.Column[Any], info: ColumnInfo, dialect: Dialect) -> sa.Column[Any]:
    """A detached copy of a model column for ``add_column``/``create_table``: type (see
    ``model_type``), nullability as the database gets it (``info``), server default, identity
    or generated expression, comment. Keys, indexes and foreign keys are left out: the diff
    emits them as constraints and indexes of their own."""
    args: list[Any] = []
    if column.identity is not None:
        args.append(copy_schema_item(column.identity))
    elif info.computed is not None and column.computed is not None:
        args.append(sa.Computed(sa.text(info.computed), persisted=column.computed.persisted))
    default = column.server_default
    server_default = None
    if isinstance(default, sa.DefaultClause):
        server_default = sa.DefaultClause(default.arg)
    return sa.Column(
        column.name,
        model_type(column.type, dialect),
        *args,
        nullable=info.nullable,
        server_default=server_default,
        comment=column.comment,
        autoincrement=column.autoincrement,
    )


def reflected_column(
    info: ColumnInfo, dialect: Dialect, extra: Sequence[Any] = (), unique: bool | None = None
) -> sa.Column[Any]:
    """A column rebuilt from its reflected record, with ``extra`` items (``ForeignKey``,
    ``CheckConstraint``) and ``unique``. A ``SERIAL`` column's ``nextval`` default is left out
    (re-creating the column makes a new sequence); a reflected non-autoincrementing column says
    ``autoincrement=False`` so that re-creating it does not make it ``SERIAL``. A generated
    column keeps its kind (``STORED`` or ``VIRTUAL``) where the snapshot records it."""
    from migguard.autogen.diff.sql import is_serial_default

    args: list[Any] = []
    if info.identity is not None:
        # Identity options as reflected (names and values SQLAlchemy's Identity takes); the
        # snapshot stores them as generic (name, value) pairs.
        args.append(sa.Identity(**dict(info.identity)))  # type: ignore[arg-type]
    elif info.computed is not None:
        args.append(sa.Computed(sa.text(info.computed), persisted=info.persisted))
    default = info.server_default
    if is_serial_default(info) or info.identity is not None or info.computed is not None:
        default = None
    return sa.Column(
        info.name,
        reflected_type(info.type),
        *args,
        *extra,
        nullable=info.nullable,
        server_default=sa.text(default) if default is not None else None,
        comment=info.comment,
        autoincrement=False if info.autoincrement is False else "auto",
        unique=unique,
    )


def server_default_value(info: ColumnInfo) -> Any:
    """A reflected column's default as ``alter_column`` takes it (``existing_server_default``):
    ``sa.text(SQL)`` or ``None``."""
    default = info.server_default
    return sa.text(default) if default is not None else None
