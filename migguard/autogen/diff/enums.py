"""PostgreSQL enum types in the diff: create, drop, and change their labels.

The operations layer has no enum-type operation (``CreateTable`` creates a missing type on the
fly and ``DropTable`` leaves types behind), so the diff writes the SQL itself: an
``EnumTypeChange`` is an ``Execute`` (rendered as ``op.execute('...')``) that knows its reverse,
so downgrades drop the types upgrades created and re-create the ones they dropped.

* A new type: ``CREATE TYPE t AS ENUM (...)``; reverse ``DROP TYPE t``.
* Labels only added, the old ones keeping their order: ``ALTER TYPE t ADD VALUE 'x'
  [BEFORE|AFTER 'y']`` for each (https://www.postgresql.org/docs/current/sql-altertype.html;
  inside a transaction from PostgreSQL 12 on, and a label added there cannot be used before
  the transaction commits).
* Labels removed or reordered, which PostgreSQL cannot do in place: the type is renamed, a
  new one created, every column using it converted through ``text`` (``USING c::text::t``,
  https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DATA-TYPE),
  with its default dropped and set again around the conversion, and the old type dropped. A
  row holding a removed label makes the conversion fail, leaving the data untouched. This is
  also the reverse of adding labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from migguard.autogen.diff.sql import strip_casts
from migguard.autogen.snapshot import EnumInfo, TableInfo, TypeSpec
from migguard.ops.data import Execute

if TYPE_CHECKING:
    from sqlalchemy.sql.compiler import IdentifierPreparer

__all__ = ["EnumTypeChange", "EnumUser", "enum_change", "enum_key", "enum_users"]

# PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1,
# https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS).
_MAX_NAME = 63
_LONE_COLON = re.compile(r"(?<![:\\]):(?!:)")


class EnumUser(NamedTuple):
    """A column whose type is the enum (``array``: an array of it) and its default's SQL."""

    schema: str | None
    table: str
    column: str
    array: bool
    default: str | None


@dataclass(frozen=True)
class EnumTypeChange(Execute):
    """An enum type created (``old_labels`` is ``None``), dropped (``labels`` is ``None``) or
    given new labels; ``sqltext`` is the SQL doing it, ``users`` the columns a re-creation
    converts. Build it with ``enum_change``."""

    type_name: str = ""
    type_schema: str | None = None
    labels: tuple[str, ...] | None = None
    old_labels: tuple[str, ...] | None = None
    users: tuple[EnumUser, ...] = ()

    @property
    def kind(self) -> str:
        """``"add_enum"``, ``"drop_enum"`` or ``"alter_enum"``."""
        if self.old_labels is None:
            return "add_enum"
        return "drop_enum" if self.labels is None else "alter_enum"

    def reverse(self) -> EnumTypeChange:
        return enum_change(
            self.type_name, self.type_schema, self.labels, self.old_labels, self.users
        )


def enum_change(
    name: str,
    schema: str | None,
    old: Sequence[str] | None,
    new: Sequence[str] | None,
    users: Iterable[EnumUser] = (),
) -> EnumTypeChange:
    """The operation turning enum type ``schema.name`` with labels ``old`` (``None``: absent)
    into one with labels ``new`` (``None``: dropped). Raises ``ValueError`` when both are
    ``None``."""
    if old is None and new is None:
        raise ValueError(f"enum type {name!r}: nothing to change from or to")
    users = tuple(users)
    old_t = tuple(old) if old is not None else None
    new_t = tuple(new) if new is not None else None
    statements = list(_statements(name, schema, old_t, new_t, users))
    sql = _LONE_COLON.sub(r"\\:", ";\n".join(statements))
    return EnumTypeChange(
        sql, type_name=name, type_schema=schema, labels=new_t, old_labels=old_t, users=users
    )


def _statements(
    name: str,
    schema: str | None,
    old: tuple[str, ...] | None,
    new: tuple[str, ...] | None,
    users: tuple[EnumUser, ...],
) -> Iterator[str]:
    type_sql = _qualified(schema, name)
    if old is None:
        yield f"CREATE TYPE {type_sql} AS ENUM ({', '.join(map(_literal, new or ()))})"
    elif new is None:
        yield f"DROP TYPE {type_sql}"
    elif _only_added(old, new):
        yield from _add_values(type_sql, old, new)
    else:
        yield from _recreate(name, schema, new, users)


def _only_added(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """True when ``new`` holds every label of ``old`` in the same order."""
    kept = [label for label in new if label in old]
    return kept == list(old)


def _add_values(type_sql: str, old: tuple[str, ...], new: tuple[str, ...]) -> Iterator[str]:
    present = list(old)
    for position, label in enumerate(new):
        if label in present:
            continue
        before = [b for b in new[:position] if b in present]
        if before:
            place = f" AFTER {_literal(before[-1])}"
            present.insert(present.index(before[-1]) + 1, label)
        elif present:
            place = f" BEFORE {_literal(present[0])}"
            present.insert(0, label)
        else:
            place = ""
            present.append(label)
        yield f"ALTER TYPE {type_sql} ADD VALUE {_literal(label)}{place}"


def _recreate(
    name: str, schema: str | None, labels: tuple[str, ...], users: tuple[EnumUser, ...]
) -> Iterator[str]:
    type_sql = _qualified(schema, name)
    old_name = f"{name[: _MAX_NAME - 4]}_old"
    yield f"ALTER TYPE {type_sql} RENAME TO {_quote(old_name)}"
    yield f"CREATE TYPE {type_sql} AS ENUM ({', '.join(map(_literal, labels))})"
    for user in users:
        alter = (
            f"ALTER TABLE {_qualified(user.schema, user.table)} ALTER COLUMN {_quote(user.column)}"
        )
        column = _quote(user.column)
        brackets = "[]" if user.array else ""
        if user.default is not None:
            yield f"{alter} DROP DEFAULT"
        yield (
            f"{alter} TYPE {type_sql}{brackets} "
            f"USING {column}::text{brackets}::{type_sql}{brackets}"
        )
        if user.default is not None:
            yield f"{alter} SET DEFAULT {strip_casts(user.default)}"
    yield f"DROP TYPE {_qualified(schema, old_name)}"


def _preparer() -> IdentifierPreparer:
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect().identifier_preparer


def _quote(name: str) -> str:
    return str(_preparer().quote(name))


def _qualified(schema: str | None, name: str) -> str:
    if schema is None:
        return _quote(name)
    return f"{_preparer().quote_schema(schema)}.{_quote(name)}"


def _literal(label: str) -> str:
    """A label as a SQL string literal (quotes doubled)."""
    escaped = label.replace("'", "''")
    return f"'{escaped}'"


def enum_key(spec: TypeSpec) -> tuple[str | None, str, bool] | None:
    """``(schema, name, is_array)`` of the named enum type a reflected column type is (or is an
    array of), else ``None``."""
    array = False
    if spec.name == "ARRAY":
        item = spec.arg("item_type")
        if not isinstance(item, TypeSpec):
            return None
        spec, array = item, True
    if spec.name != "ENUM" or not isinstance(spec.arg("name"), str):
        return None
    schema = spec.arg("schema")
    return (schema if isinstance(schema, str) else None, str(spec.arg("name")), array)


def enum_users(enum: EnumInfo, tables: Iterable[TableInfo]) -> tuple[EnumUser, ...]:
    """The reflected columns of ``tables`` whose type is ``enum`` or an array of it."""
    found = []
    for table in tables:
        for column in table.columns:
            key = enum_key(column.type)
            if key is not None and key[:2] == (enum.schema, enum.name):
                found.append(
                    EnumUser(table.schema, table.name, column.name, key[2], column.server_default)
                )
    return tuple(found)
