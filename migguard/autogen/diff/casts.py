"""PostgreSQL type changes that need a ``USING`` expression, and the ``AlterColumn`` that
carries one each way.

``ALTER TABLE ... ALTER COLUMN ... TYPE`` converts the rows with the assignment cast from the
old type to the new one and fails where there is none
(https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DATA-TYPE).
Casts exist between the numeric types, between the string types, between the date and time
types, between ``json`` and ``jsonb``, and from every type to a string type (the automatic I/O
conversion, https://www.postgresql.org/docs/current/sql-createcast.html, "automatic I/O
conversion casts to string types are treated as assignment casts"). Anything else (integer to
boolean, varchar to uuid, varchar or one enum to a native enum) gets the plain explicit cast,
``col::NEWTYPE``, and a native enum goes through ``text`` (``col::text::newtype``), since there
is no cast from another type or another enum to it. The script says to review the cast: it is
the obvious conversion, not necessarily the one the data needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migguard.ops.schema import AlterColumn

__all__ = ["CastAlterColumn", "using_cast", "with_using"]

_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"SMALLINT", "INTEGER", "BIGINT", "NUMERIC", "REAL", "DOUBLE PRECISION"}),
    frozenset(
        {
            "DATE",
            "TIMESTAMP WITHOUT TIME ZONE",
            "TIMESTAMP WITH TIME ZONE",
            "TIME WITHOUT TIME ZONE",
            "TIME WITH TIME ZONE",
            "TIMESTAMP",
            "TIME",
            "INTERVAL",
        }
    ),
    frozenset({"JSON", "JSONB"}),
    frozenset({"BIT", "BIT VARYING", "VARBIT"}),
    frozenset({"INET", "CIDR"}),
)
_STRINGS = frozenset({"VARCHAR", "CHAR", "TEXT", "CHARACTER VARYING", "CHARACTER", "NAME"})


def _base(type_sql: str) -> str:
    """``VARCHAR(20)`` -> ``VARCHAR``; ``TIMESTAMP(3) WITH TIME ZONE`` -> ``TIMESTAMP WITH
    TIME ZONE``; array brackets kept, so an array never matches its item type."""
    return " ".join(re.sub(r"\(\s*\d+(?:\s*,\s*\d+)?\s*\)", "", type_sql).upper().split())


def using_cast(
    column_sql: str, old_sql: str | None, new_sql: str | None, *, new_is_enum: bool
) -> str | None:
    """The ``USING`` expression converting column ``column_sql`` (quoted) from the type whose
    PostgreSQL DDL is ``old_sql`` to ``new_sql`` when PostgreSQL has no assignment cast for it,
    else ``None``. ``new_is_enum``: the new type is a native enum (converted through
    ``text``). ``None`` also when either type has no DDL (nothing to decide on)."""
    if old_sql is None or new_sql is None:
        return None
    old, new = _base(old_sql), _base(new_sql)
    if new_is_enum:
        return None if old == new else f"{column_sql}::text::{new_sql}"
    if old == new or new in _STRINGS:
        return None
    if old in _STRINGS and new in _STRINGS:
        return None
    if any(old in family and new in family for family in _FAMILIES):
        return None
    return f"{column_sql}::{new_sql}"


@dataclass(frozen=True)
class CastAlterColumn(AlterColumn):
    """An ``AlterColumn`` whose type change has ``postgresql_using`` in ``kw``, and whose
    reverse converts back with ``reverse_using`` (``None``: the way back needs no ``USING``)."""

    reverse_using: str | None = None

    def reverse(self) -> AlterColumn:
        back = super().reverse()
        kw = {k: v for k, v in back.kw.items() if k != "postgresql_using"}
        if self.reverse_using is not None:
            kw["postgresql_using"] = self.reverse_using
        return CastAlterColumn(
            **{f: getattr(back, f) for f in back.__dataclass_fields__ if f != "kw"},
            kw=kw,
            reverse_using=self.kw.get("postgresql_using"),
        )


def with_using(alter: AlterColumn, using: str | None, reverse_using: str | None) -> AlterColumn:
    """``alter`` carrying ``using`` as ``postgresql_using`` and ``reverse_using`` for its
    reverse; ``alter`` itself when neither is needed."""
    if using is None and reverse_using is None:
        return alter
    kw = dict(alter.kw)
    if using is not None:
        kw["postgresql_using"] = using
    fields = {f: getattr(alter, f) for f in alter.__dataclass_fields__ if f != "kw"}
    return CastAlterColumn(**fields, kw=kw, reverse_using=reverse_using)
