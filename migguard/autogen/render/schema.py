"""Columns, constraints and index elements as Python source (``sa.Column(...)``,
``sa.PrimaryKeyConstraint(...)``, ...), for ``op.create_table`` and ``op.add_column``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import Constraint

from migguard.autogen.render.code import Expr, Raw, RenderError, call, str_list, string
from migguard.autogen.render.types import (
    constructor_args,
    has_name,
    kwargs_expr,
    name_expr,
    server_default_expr,
    sql_text,
    type_expr,
    value_expr,
)
from migguard.sqlalchemy_private import made_by_type

# Order of table-level constraints in create_table: primary key, uniques, foreign keys, checks.
_KIND_ORDER = {"PrimaryKeyConstraint": 0, "UniqueConstraint": 1, "ForeignKeyConstraint": 2}


def _generated(default: object, dialect: Dialect) -> Expr:
    """``sa.Identity(...)`` or ``sa.Computed('SQL', ...)`` with its non-default settings."""
    positional, keywords = constructor_args(default)
    kind = "sa.Identity" if isinstance(default, sa.Identity) else "sa.Computed"
    args = [string(sql_text(value, dialect)) for value in positional]
    return call(kind, *args, kwargs=[(k, value_expr(v, dialect)) for k, v in keywords])


def column_expr(column: sa.Column[Any], dialect: Dialect, *, standalone: bool) -> Expr:
    """``sa.Column('name', type, ..., nullable=...)``.

    ``standalone`` (``op.add_column``) also writes what the column declares about keys and
    indexes (``sa.ForeignKey``, ``sa.CheckConstraint``, ``primary_key``, ``unique``,
    ``index``); inside ``op.create_table`` these are written as table-level constraints and
    ``op.create_index`` calls instead. ``autoincrement`` appears only when set explicitly.
    """
    type_ = type_expr(column.type, dialect)
    if type_.comments:
        notes = tuple(f"Column {column.name!r}: {note}" for note in type_.comments)
        type_ = type_._replace(comments=notes)
    args: list[Expr] = [string(column.name), type_]
    generated = column.server_default
    if isinstance(generated, sa.Identity | sa.Computed):
        args.append(_generated(generated, dialect))
    kwargs: list[tuple[str, Expr]] = []
    if column.autoincrement != "auto":
        kwargs.append(("autoincrement", Raw(repr(column.autoincrement))))
    kwargs.append(("nullable", Raw(repr(bool(column.nullable)))))
    if generated is not None and not isinstance(generated, sa.Identity | sa.Computed):
        kwargs.append(("server_default", server_default_expr(generated, dialect)))
    if column.comment is not None:
        kwargs.append(("comment", string(column.comment)))
    if standalone:
        args.extend(_foreign_key(fk) for fk in sorted(column.foreign_keys, key=str))
        args.extend(
            check_expr(c, dialect)
            for c in sorted(column.constraints, key=lambda c: str(c.name))
            if isinstance(c, sa.CheckConstraint)
        )
        for flag in ("primary_key", "unique", "index"):
            if getattr(column, flag):
                kwargs.append((flag, Raw("True")))
    return call("sa.Column", *args, kwargs=kwargs)


def _options(constraint: Any, names: Iterable[str]) -> list[tuple[str, Expr]]:
    """``name=`` first, then the given options that are set (``ondelete``, ...)."""
    kwargs: list[tuple[str, Expr]] = []
    if has_name(constraint.name):
        kwargs.append(("name", name_expr(constraint.name)))
    for option in names:
        value = getattr(constraint, option, None)
        if value is not None and value is not False:
            kwargs.append((option, Raw(repr(value))))
    return kwargs


def _foreign_key(fk: sa.ForeignKey) -> Expr:
    kwargs = _options(fk, ("onupdate", "ondelete", "deferrable", "initially", "match"))
    return call("sa.ForeignKey", string(fk.target_fullname), kwargs=kwargs)


def check_expr(constraint: sa.CheckConstraint, dialect: Dialect) -> Expr:
    """``sa.CheckConstraint('SQL', name=...)``."""
    kwargs = _options(constraint, ("deferrable", "initially"))
    kwargs += kwargs_expr(constraint.dialect_kwargs.items(), dialect)
    return call("sa.CheckConstraint", string(sql_text(constraint.sqltext, dialect)), kwargs=kwargs)


def constraint_expr(constraint: Constraint, dialect: Dialect) -> Expr:
    """A table-level constraint for ``op.create_table``.

    Raises ``RenderError`` for a kind other than primary key, unique, foreign key, check."""
    extra = kwargs_expr(constraint.dialect_kwargs.items(), dialect)
    if isinstance(constraint, sa.PrimaryKeyConstraint):
        names = [string(c.name) for c in constraint.columns]
        return call("sa.PrimaryKeyConstraint", *names, kwargs=_options(constraint, ()) + extra)
    if isinstance(constraint, sa.UniqueConstraint):
        names = [string(c.name) for c in constraint.columns]
        options = _options(constraint, ("deferrable", "initially"))
        return call("sa.UniqueConstraint", *names, kwargs=options + extra)
    if isinstance(constraint, sa.ForeignKeyConstraint):
        local = str_list(element.parent.name for element in constraint.elements)
        remote = str_list(element.target_fullname for element in constraint.elements)
        fk_options = ("onupdate", "ondelete", "deferrable", "initially", "match", "use_alter")
        kwargs = _options(constraint, fk_options) + extra
        return call("sa.ForeignKeyConstraint", local, remote, kwargs=kwargs)
    if isinstance(constraint, sa.CheckConstraint):
        return check_expr(constraint, dialect)
    raise RenderError(f"cannot render a {type(constraint).__name__} in create_table")


def table_constraints(table: sa.Table) -> list[Constraint]:
    """The constraints ``op.create_table`` writes, in a stable order: primary key, uniques,
    foreign keys, checks (column-level checks included), each kind by name. Constraints a
    type creates for itself (``Boolean``/``Enum`` with ``create_constraint``) and an empty
    primary key are left out."""
    found: list[Constraint] = [
        c
        for c in table.constraints
        if not made_by_type(c) and not (isinstance(c, sa.PrimaryKeyConstraint) and not c.columns)
    ]
    for column in table.columns:
        found.extend(c for c in column.constraints if isinstance(c, sa.CheckConstraint))
    found = list(dict.fromkeys(found))

    def key(constraint: Constraint) -> tuple[int, str, str]:
        rank = _KIND_ORDER.get(type(constraint).__name__, 3)
        columns = ",".join(getattr(constraint, "columns", {}).keys())
        return rank, str(constraint.name) if has_name(constraint.name) else "", columns

    return sorted(found, key=key)


def index_element(element: object, dialect: Dialect) -> Expr:
    """One entry of an index's column list: a column name, or an expression as
    ``sa.text('lower(email)')``."""
    if isinstance(element, str):
        return string(element)
    if isinstance(element, sa.Column):
        return string(element.name)
    return call("sa.text", string(sql_text(element, dialect)))
