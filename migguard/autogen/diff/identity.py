"""PostgreSQL identity columns in the diff: options changed in place, identity added to or
removed from an existing column.

The operations layer has no identity operation, so, as for enum types, the diff writes the
SQL (``op.execute``) as an ``IdentityChange`` that knows its reverse. ``ALTER TABLE ... ALTER
COLUMN`` takes ``SET GENERATED { ALWAYS | BY DEFAULT }`` and ``SET`` sequence options
(``START WITH``, ``INCREMENT BY``, ``MINVALUE``, ``MAXVALUE``, ``[NO] CYCLE``, ``CACHE``) on an
identity column, ``ADD GENERATED ... AS IDENTITY (options)`` on a ``NOT NULL`` column without
one and ``DROP IDENTITY`` to remove it
(https://www.postgresql.org/docs/current/sql-altertable.html). A new start value counts from
the next ``RESTART``; rows already numbered keep their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from migguard.autogen.snapshot import Pairs, Value
from migguard.ops.data import Execute

__all__ = ["IdentityChange", "identity_change"]

# ``op.execute`` wraps a string in ``text()``, where a lone colon starts a bound parameter.
_LONE_COLON = re.compile(r"(?<![:\\]):(?!:)")
# The identity options, in the order messages and ``SET`` clauses list them.
_OPTIONS = ("always", "cache", "cycle", "increment", "maxvalue", "minvalue", "start")


@dataclass(frozen=True)
class IdentityChange(Execute):
    """Identity options of column ``table_name.column_name`` going from ``old`` to ``new``
    (``None``: the column has no identity); ``serial_default`` is the ``nextval(...)`` default
    the column has without identity, dropped before identity is added and set again when it
    is removed. Build it with ``identity_change``."""

    table_name: str = ""
    column_name: str = ""
    schema: str | None = None
    old: Pairs | None = None
    new: Pairs | None = None
    serial_default: str | None = None

    def reverse(self) -> IdentityChange:
        return identity_change(
            self.table_name,
            self.column_name,
            self.schema,
            self.new,
            self.old,
            serial_default=self.serial_default,
        )

    def changes(self) -> list[str]:
        """The options that differ as ``"name old -> new"``, by name; adding or removing
        identity gives its start value alone, ``["start n"]``."""
        old, new = dict(self.old or ()), dict(self.new or ())
        if self.old is not None and self.new is not None:
            return [
                f"{k} {old.get(k)} -> {new.get(k)}" for k in _OPTIONS if old.get(k) != new.get(k)
            ]
        return [f"{k} {v}" for k, v in (self.new or self.old or ()) if k == "start"]


def identity_change(
    table: str,
    column: str,
    schema: str | None,
    old: Pairs | None,
    new: Pairs | None,
    *,
    serial_default: str | None = None,
) -> IdentityChange:
    """The operation taking column ``schema.table.column`` from identity options ``old`` to
    ``new`` (option pairs as ``ColumnInfo.identity`` holds them; ``None``: no identity).
    Raises ``ValueError`` when both are ``None``."""
    if old is None and new is None:
        raise ValueError(f"{table}.{column}: no identity before or after")
    sql = ";\n".join(_statements(table, column, schema, old, new, serial_default))
    return IdentityChange(
        _LONE_COLON.sub(r"\\:", sql),
        table_name=table,
        column_name=column,
        schema=schema,
        old=old,
        new=new,
        serial_default=serial_default,
    )


def _statements(
    table: str,
    column: str,
    schema: str | None,
    old: Pairs | None,
    new: Pairs | None,
    serial_default: str | None,
) -> Iterator[str]:
    from sqlalchemy.dialects import postgresql

    preparer = postgresql.dialect().identifier_preparer
    table_sql = preparer.quote(table)
    if schema is not None:
        table_sql = f"{preparer.quote_schema(schema)}.{table_sql}"
    alter = f"ALTER TABLE {table_sql} ALTER COLUMN {preparer.quote(column)}"
    if new is None:
        yield f"{alter} DROP IDENTITY"
        if serial_default is not None:
            yield f"{alter} SET DEFAULT {serial_default}"
        return
    options = dict(new)
    if old is None:
        if serial_default is not None:
            yield f"{alter} DROP DEFAULT"
        kind = "ALWAYS" if options.get("always") else "BY DEFAULT"
        sequence = " ".join(
            _option(k, options[k]) for k in _OPTIONS if k in options and k != "always"
        )
        yield f"{alter} ADD GENERATED {kind} AS IDENTITY ({sequence})"
        return
    before = dict(old)
    clauses = []
    for key in _OPTIONS:
        if key in options and options[key] != before.get(key):
            if key == "always":
                clauses.append("SET GENERATED " + ("ALWAYS" if options[key] else "BY DEFAULT"))
            else:
                clauses.append(f"SET {_option(key, options[key])}")
    yield f"{alter} {' '.join(clauses)}"


def _option(key: str, value: Value) -> str:
    """One sequence option as ``CREATE SEQUENCE`` spells it."""
    if key == "cycle":
        return "CYCLE" if value else "NO CYCLE"
    words = {
        "cache": "CACHE",
        "increment": "INCREMENT BY",
        "maxvalue": "MAXVALUE",
        "minvalue": "MINVALUE",
        "start": "START WITH",
    }
    # The numeric identity options hold integers; the snapshot's Value type is wider.
    return f"{words[key]} {int(value)}"  # type: ignore[arg-type]
