"""Deciding whether two spellings of a type, a server default or an index expression mean the
same thing to the database; the comparison rules of ``migguard.autogen.diff``.

Both sides are text: the models' DDL (``migguard.autogen.snapshot.from_metadata``) and what the
database reports back (``migguard.autogen.snapshot.reflect``). Databases print SQL back in their
own words, so the texts are normalised before they are compared:

* PostgreSQL stores a default or an index expression as a parsed tree and prints it back with
  explicit casts and extra parentheses (``'abc'::character varying``, ``(price > (0)::numeric)``,
  ``lower((email)::text)``), see https://www.postgresql.org/docs/current/catalog-pg-attrdef.html
  ("adbin ... use pg_get_expr() to read it back"); the casts (``::type``) are removed.
* SQLite keeps the text of ``DEFAULT (expr)`` and reports it without the outer parentheses
  (https://www.sqlite.org/pragma.html#pragma_table_info, ``dflt_value``); a default written
  in double quotes is a string there, so ``"x"`` compares as ``'x'``.
* PostgreSQL's spellings of the transaction's start time are one function: ``now()`` and
  ``transaction_timestamp()`` are documented as equivalent to ``CURRENT_TIMESTAMP``
  (https://www.postgresql.org/docs/current/functions-datetime.html#FUNCTIONS-DATETIME-CURRENT),
  so a history written with ``CURRENT_TIMESTAMP`` (as autogenerate writes it on SQLite) matches
  models saying ``func.now()``.
* MySQL and MariaDB: see ``migguard.autogen.diff.mysql`` (backquotes, display widths,
  ``now()``, character sets).
* Everywhere: outer parentheses, runs of white space and the letter case of keywords and
  function names (outside quotes) do not count (https://www.postgresql.org/docs/current/
  sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS: "Key words and unquoted identifiers are case
  insensitive"; likewise https://www.sqlite.org/lang_keywords.html), and a quoted number is
  the number (``'0'`` and ``0`` make the same integer default).

Types are compared by their compiled DDL (``TypeSpec.compiled``), which SQLAlchemy already writes
the same way for a model's ``String()`` and a reflected ``VARCHAR``; ``canonical_type_sql``
folds PostgreSQL's synonyms (``FLOAT`` is ``DOUBLE PRECISION``, ``DECIMAL`` is ``NUMERIC``), and
``TYPE_SYNONYMS`` below adds the spellings the two sides may still differ in.
"""

from __future__ import annotations

import functools
import re

from migguard.autogen.diff import mysql
from migguard.autogen.snapshot import ColumnInfo, TypeSpec, strip_outer_parentheses

__all__ = [
    "RELIABLE_DEFAULTS",
    "TYPE_SYNONYMS",
    "defaults_equal",
    "is_serial_default",
    "normalise_sql",
    "strip_casts",
    "types_equal",
]

# Dialects whose reported defaults this module knows how to bring back to the models' form.
RELIABLE_DEFAULTS = frozenset({"postgresql", "sqlite", *mysql.MYSQL_DIALECTS})

# Spellings of one type, per dialect: each maps to the spelling it is compared as. PostgreSQL
# documents ``timestamp`` as ``timestamp without time zone`` and ``time`` likewise
# (https://www.postgresql.org/docs/current/datatype-datetime.html: "timestamp is accepted as an
# abbreviation for timestamp without time zone"), ``int``/``int4`` as ``integer``, ``int8`` as
# ``bigint``, ``int2`` as ``smallint``, ``bool`` as ``boolean``, ``character varying`` as
# ``varchar`` (https://www.postgresql.org/docs/current/datatype.html, table 8.1). SQLite keeps
# the declared type text and gives ``INT`` the ``INTEGER`` affinity and ``DECIMAL`` the
# ``NUMERIC`` one (https://www.sqlite.org/datatype3.html#determination_of_column_affinity);
# other spellings stay distinct there, as the text SQLite reports back differs, except that an
# unbounded ``VARCHAR`` is ``TEXT`` (``_UNBOUNDED_TEXT``).
TYPE_SYNONYMS: dict[str, dict[str, str]] = {
    "postgresql": {
        "TIMESTAMP": "TIMESTAMP WITHOUT TIME ZONE",
        "TIME": "TIME WITHOUT TIME ZONE",
        "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
        "TIMETZ": "TIME WITH TIME ZONE",
        "INT": "INTEGER",
        "INT4": "INTEGER",
        "INT8": "BIGINT",
        "INT2": "SMALLINT",
        "BOOL": "BOOLEAN",
        "CHARACTER VARYING": "VARCHAR",
        "FLOAT8": "DOUBLE PRECISION",
        "FLOAT4": "REAL",
    },
    "sqlite": {"INT": "INTEGER", "DECIMAL": "NUMERIC"},
}

# SQLite gives ``VARCHAR`` and ``TEXT`` the one TEXT affinity and no length
# (https://www.sqlite.org/datatype3.html#determination_of_column_affinity, rule 2), so a model's
# ``String()`` and ``Text`` store the same; a ``VARCHAR(n)`` keeps its length in the models'
# comparison, as the length is what the models say.
_UNBOUNDED_TEXT = {"sqlite": {"VARCHAR": "TEXT"}}

# Normalised spellings that PostgreSQL documents as the same function -> the one compared.
_PG_SAME_FUNCTION = {"now()": "current_timestamp", "transaction_timestamp()": "current_timestamp"}

# String literals (kept as they are) and the code between them.
_LITERALS = re.compile(r"'(?:[^']|'')*'|[^']+")
# Quoted strings and identifiers (kept as they are) and the code between them.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^'\"]+")
_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_SIZE = r"(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?"
_WORDS = r"(?:\s+(?:varying|precision|without|with|time|zone))*"
# ``::type``: a possibly schema-qualified name, a size, the words of multi-word types, and
# array brackets (``::character varying(20)[]``, ``::timestamp(3) without time zone``).
_CAST = re.compile(rf"::\s*{_NAME}(?:\.{_NAME})?{_SIZE}{_WORDS}{_SIZE}(?:\s*\[\s*\])*", re.I)
_NUMBER = re.compile(r"'([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)'")
_ARGS = re.compile(r"\s*([(),])\s*")
# Parentheses around one name, number or (hidden) string, not those of a function call.
_REDUNDANT = re.compile(r"(?<![\w$])\(([\w$.]+|\0\d+\0)\)")


@functools.lru_cache(maxsize=4096)
def normalise_sql(sql: str | None, dialect_name: str) -> str | None:
    """``sql`` (a default, an index expression or predicate) in the form this module compares:
    on PostgreSQL without casts; everywhere without white space and letter case outside quotes,
    without parentheses around the whole or around a single name, number or string, and with a
    quoted number unquoted. ``None`` stays ``None``."""
    if sql is None:
        return None
    if dialect_name == "postgresql":
        sql = strip_casts(sql)
    elif dialect_name == "sqlite":
        sql = _single_quoted(sql)
    elif mysql.is_mysql(dialect_name):
        sql = mysql.plain_sql(sql)
    literals: list[str] = []

    def hide(token: str) -> str:
        if token[0] not in "'\"":
            return "".join(token.split()).lower()
        literals.append(token)
        return f"\0{len(literals) - 1}\0"

    code = "".join(hide(token) for token in _TOKENS.findall(sql))
    previous = None
    while previous != code:
        previous = code
        code = _REDUNDANT.sub(r"\1", strip_outer_parentheses(code))
    code = re.sub(r"\0(\d+)\0", lambda match: literals[int(match.group(1))], code)
    number = _NUMBER.fullmatch(code)
    if number:
        code = number.group(1)
    if mysql.is_mysql(dialect_name):
        return mysql.same_number(mysql.same_boolean(code))
    if number:
        return code
    return _PG_SAME_FUNCTION.get(code, code) if dialect_name == "postgresql" else code


def _single_quoted(sql: str) -> str:
    """A default that is one double-quoted token, as a string literal: SQLite takes a
    double-quoted default that names no column for a string (https://www.sqlite.org/quirks.html
    #double_quoted_string_literals_are_accepted)."""
    match = re.fullmatch(r'\s*"((?:[^"]|"")*)"\s*', sql)
    if match is None:
        return sql
    text = match.group(1).replace('""', '"').replace("'", "''")
    return f"'{text}'"


def strip_casts(sql: str) -> str:
    """``sql`` without PostgreSQL's ``::type`` casts outside quoted strings
    (``'a'::character varying`` -> ``'a'``)."""
    # Only string literals are protected: a cast may name a quoted type (``::"Mood"``).
    return "".join(
        token if token[0] == "'" else _CAST.sub("", token) for token in _LITERALS.findall(sql)
    )


def is_serial_default(column: ColumnInfo) -> bool:
    """True for the ``nextval('<table>_<column>_seq'::regclass)`` default PostgreSQL reports for
    a ``SERIAL`` column (https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL):
    part of the column's type, not a default the models declare."""
    default = column.server_default
    return bool(column.autoincrement) and default is not None and default.startswith("nextval(")


def defaults_equal(model: ColumnInfo, reflected: ColumnInfo, dialect_name: str) -> bool:
    """Whether the models' and the database's server defaults of one column agree.

    A ``SERIAL`` default and the defaults of identity and generated columns are left out (the
    database makes them). Returns ``True`` too for dialects outside ``RELIABLE_DEFAULTS``,
    where the reported text cannot be brought back to the models' form.
    """
    if dialect_name not in RELIABLE_DEFAULTS:
        return True
    if reflected.identity is not None or reflected.computed is not None:
        return True
    reflected_default = reflected.server_default
    if model.server_default is None and is_serial_default(reflected):
        reflected_default = None
    ours = normalise_sql(model.server_default, dialect_name)
    theirs = normalise_sql(reflected_default, dialect_name)
    return ours == theirs


def types_equal(model: TypeSpec, reflected: TypeSpec, dialect_name: str) -> bool:
    """Whether the database stores the same type for both: their compiled DDL is the same once
    case, white space and the synonyms of ``TYPE_SYNONYMS`` are set aside. A type that cannot be
    compiled for the dialect on either side (``None``) is not compared: ``True``."""
    if model.compiled is None or reflected.compiled is None:
        return True
    if mysql.is_mysql(dialect_name):
        ours, theirs = mysql.type_keys(
            _type_key(model.compiled, dialect_name), _type_key(reflected.compiled, dialect_name)
        )
        return ours == theirs
    return _type_key(model.compiled, dialect_name) == _type_key(reflected.compiled, dialect_name)


@functools.lru_cache(maxsize=1024)
def _type_key(compiled: str, dialect_name: str) -> str:
    text = _ARGS.sub(r"\1", " ".join(compiled.upper().split()))
    text = _UNBOUNDED_TEXT.get(dialect_name, {}).get(text, text)
    base, bracket, rest = text.partition("(")
    canonical = TYPE_SYNONYMS.get(dialect_name, {}).get(base)
    if canonical is None or (bracket and not rest.endswith(")")):
        return text
    if bracket and canonical.startswith(base + " "):
        # ``TIMESTAMP(3)`` is ``TIMESTAMP(3) WITHOUT TIME ZONE``: the size goes after the name.
        return _ARGS.sub(r"\1", f"{base}({rest}{canonical[len(base) :]}")
    return canonical + bracket + rest
