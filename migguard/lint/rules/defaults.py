"""Telling whether a column's server default is volatile (PostgreSQL).

Since PostgreSQL 11, ``ADD COLUMN`` with a non-volatile default stores the value once in the
catalog instead of rewriting the table; a volatile default (``random()``, ``clock_timestamp()``,
``gen_random_uuid()``, ``nextval(...)``) is evaluated per row and rewrites the table under an
ACCESS EXCLUSIVE lock (https://www.postgresql.org/docs/current/sql-altertable.html, Notes;
function volatility: https://www.postgresql.org/docs/current/xfunc-volatility.html).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy.engine import Dialect

__all__ = ["Volatility", "default_sql", "volatility"]

Volatility = Literal["constant", "volatile", "unknown"]

# Functions PostgreSQL marks volatile that columns use as defaults.
_VOLATILE = frozenset(
    {
        "random",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "txid_current",
    }
)
# Stable functions and SQL value functions: one value per statement, no rewrite.
_STABLE = frozenset(
    {
        "now",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtimestamp",
        "localtime",
        "statement_timestamp",
        "transaction_timestamp",
        "current_user",
        "session_user",
        "current_schema",
    }
)
# A cast's type, whose modifiers (numeric(10, 2)) would otherwise read as a function call.
_CAST = re.compile(r"::\s*[a-z_][a-z0-9_ ]*(?:\([0-9, ]*\))?(?:\[\])?", re.I)
_WORD_CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(", re.I)
_STRING = re.compile(r"'(?:[^']|'')*'")
_CONSTANT = re.compile(
    r"^\(*\s*(?:[-+]?\d+(?:\.\d+)?|true|false|null|''|"
    r"current_timestamp|current_date|current_time|localtimestamp|localtime|current_user|"
    r"session_user)\s*\)*(?:\s*::\s*[a-z_][a-z0-9_ ]*(?:\([0-9, ]*\))?(?:\[\])?)*\s*$",
    re.I,
)


def default_sql(server_default: Any, dialect: Dialect) -> str | None:
    """The SQL a ``server_default`` renders as in DDL (a Python string is a quoted literal,
    ``'pending'``; a ``text()`` or SQL function its SQL; a ``DefaultClause`` of those the
    same), or ``None`` when there is none or it emits no DDL (``FetchedValue``)."""
    from sqlalchemy.schema import DefaultClause

    from migguard.ops.ddl import default_sql as rendered

    value = server_default.arg if isinstance(server_default, DefaultClause) else server_default
    if value is None or value is False:
        return None
    return rendered(dialect, value)


def volatility(sql: str) -> Volatility:
    """Whether the default ``sql`` is a constant (or stable), volatile, or unknown.

    Quoted strings are ignored; any call to a volatile function makes it volatile; a call to a
    function that is neither known volatile nor known stable makes it unknown.
    """
    bare = _STRING.sub("''", sql)
    calls = {name.lower() for name in _WORD_CALL.findall(_CAST.sub("", bare))}
    if calls & _VOLATILE:
        return "volatile"
    if calls - _STABLE:
        return "unknown"
    if calls or _CONSTANT.match(bare):
        return "constant"
    return "unknown"
