"""MySQL and MariaDB in the comparison: the spellings the database reports back that mean
what the models say.

* Types: an integer's display width (``INT(11)``) is not part of its type, and ``BOOL`` is
  ``TINYINT(1)`` (https://dev.mysql.com/doc/refman/8.0/en/numeric-type-syntax.html: display
  width "does not constrain the range of values", ``BOOL`` "synonym for TINYINT(1)");
  ``NUMERIC`` is ``DECIMAL`` (https://dev.mysql.com/doc/refman/8.0/en/fixed-point-types.html);
  MariaDB's ``JSON`` is an alias of ``LONGTEXT`` (https://mariadb.com/kb/en/json-data-type/);
  SQLAlchemy's ``Uuid`` is ``UUID`` on MariaDB 10.7+ and ``CHAR(32)`` on MySQL, and a dialect
  that has not connected (the guard's comparison) cannot tell which server it has.
  A character set or collation counts only when the models name one: otherwise the column has
  the table's or the database's, which the models leave to the database.
* SQL (defaults, checks, generated columns, index expressions): MySQL quotes identifiers with
  backquotes when it prints SQL back; ``now()``, ``current_timestamp()`` and ``localtimestamp``
  are ``CURRENT_TIMESTAMP`` (https://dev.mysql.com/doc/refman/8.0/en/date-and-time-functions.html
  #function_now: "NOW() ... synonyms CURRENT_TIMESTAMP"), ``curdate()`` is ``CURRENT_DATE``
  and ``curtime()`` is ``CURRENT_TIME`` (the same page: "CURRENT_DATE and CURRENT_DATE() are
  synonyms for CURDATE()", likewise for CURTIME()); ``true``/``false`` are ``1``/``0``
  (https://dev.mysql.com/doc/refman/8.0/en/boolean-literals.html).
* Keys: a UNIQUE constraint is a unique index (MySQL reports it both ways, and a model's
  ``Index(unique=True)`` is the same object), and InnoDB creates an index for a foreign key
  that has none, named after the constraint, or after its first column when the constraint
  has no name of its own (https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
  : "an index is created on the referencing table automatically if it does not exist").
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from migguard.autogen.snapshot import IndexInfo, TableInfo
from migguard.autogen.snapshot.records import named_sort_key

MYSQL_DIALECTS = frozenset({"mysql", "mariadb"})

_DISPLAY_WIDTH = re.compile(r"\b(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)\(\d+\)")
_TYPE_NAMES = {"BOOL": "TINYINT", "BOOLEAN": "TINYINT", "INT": "INTEGER", "NUMERIC": "DECIMAL"}
_MARIADB_TYPE_NAMES = {"JSON": "LONGTEXT"}
_CHARSET = re.compile(r"\bCHARACTER SET \w+")
_COLLATE = re.compile(r"\bCOLLATE \w+")
_PUNCTUATION = re.compile(r"\s*([(),])\s*")
_WORD_AFTER_BRACKET = re.compile(r"\)\s*(?=\w)")
_BACKQUOTED = re.compile(r"`((?:[^`]|``)*)`")
_LITERALS = re.compile(r"'(?:[^'\\]|''|\\.)*'|[^']+")
_NOW = re.compile(
    r"\b(?:now|current_timestamp|localtimestamp|localtime)\b(?:\s*\(\s*\))?", re.IGNORECASE
)
_TODAY = re.compile(r"\b(?:curdate|current_date)\b(?:\s*\(\s*\))?", re.IGNORECASE)
_CLOCK = re.compile(r"\b(?:curtime|current_time)\b(?:\s*\(\s*\))?", re.IGNORECASE)
# MariaDB prints some functions back under another of their names
# (https://mariadb.com/kb/en/ucase/, https://mariadb.com/kb/en/lcase/).
_FUNCTIONS = re.compile(r"\b(ucase|lcase)\s*\(", re.IGNORECASE)
_FUNCTION_NAMES = {"ucase": "upper(", "lcase": "lower("}
_BOOLEANS = {"true": "1", "false": "0"}
_BARE_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_mysql(dialect_name: str) -> bool:
    """Whether ``dialect_name`` is SQLAlchemy's MySQL dialect under either of its names."""
    return dialect_name in MYSQL_DIALECTS


def type_keys(model: str, reflected: str) -> tuple[str, str]:
    """The models' and the database's type DDL (upper case, single spaces) in the form they
    are compared in on MySQL/MariaDB (see the module's docstring)."""
    if "CHARACTER SET" not in model:
        reflected = _CHARSET.sub(" ", reflected)
    if "COLLATE" not in model:
        reflected = _COLLATE.sub(" ", reflected)
    return _type_key(model), _type_key(reflected)


def _type_key(text: str) -> str:
    text = _PUNCTUATION.sub(r"\1", " ".join(text.split()))
    text = _DISPLAY_WIDTH.sub(r"\1", _WORD_AFTER_BRACKET.sub(") ", text))
    base, bracket, rest = text.partition("(")
    word, space, tail = base.partition(" ")
    word = _TYPE_NAMES.get(word, word)
    word = _MARIADB_TYPE_NAMES.get(word, word)
    if word == "DECIMAL" and not bracket:
        # DECIMAL's default precision and scale (the MySQL page above).
        return f"DECIMAL(10,0){space}{tail}".strip()
    text = f"{word}{space}{tail}{bracket}{rest}"
    return "UUID" if text == "CHAR(32)" else text


def plain_sql(sql: str) -> str:
    """``sql`` with, outside string literals, its backquoted identifiers unquoted and the
    synonyms of the current time and of ``upper``/``lower`` in one spelling each."""
    return "".join(
        token if token[0] == "'" else _plain_code(token) for token in _LITERALS.findall(sql)
    )


def _plain_code(code: str) -> str:
    code = _BACKQUOTED.sub(lambda match: match.group(1), code)
    code = _NOW.sub("current_timestamp", code)
    code = _TODAY.sub("current_date", code)
    code = _CLOCK.sub("current_time", code)
    return _FUNCTIONS.sub(lambda match: _FUNCTION_NAMES[match.group(1).lower()], code)


def same_boolean(code: str) -> str:
    """Normalised SQL (lower case, no white space) with ``true``/``false`` as ``1``/``0``."""
    return _BOOLEANS.get(code, code)


def same_number(code: str) -> str:
    """A number literal in one spelling of its value (``0.0``, ``0.00`` and ``0`` are ``0``;
    ``1.50`` is ``1.5``): MySQL stores a column's default converted to the column's type,
    so a DECIMAL(5,2) column declared with ``DEFAULT 0`` reports ``0.00``
    (https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html). Other code is
    returned as it is."""
    if not _BARE_NUMBER.fullmatch(code):
        return code
    value = Decimal(code)
    return format(value.normalize(), "f") if value else "0"


def comparable_table(model: TableInfo, reflected: TableInfo) -> TableInfo:
    """The database's record of a table (``reflected``) in the terms of the models' record
    (``model``) on MySQL/MariaDB: a UNIQUE constraint the models declare as a unique index
    becomes that index, and the index InnoDB made for a foreign key (which the models do not
    declare) is left out."""
    model_indexes = {index.name for index in model.indexes}
    unique_indexes = {index.name for index in model.indexes if index.unique}
    as_indexes = [u for u in reflected.uniques if u.name in unique_indexes]
    implicit = {
        index.name
        for index in reflected.indexes
        for fk in reflected.foreign_keys
        if index.name not in model_indexes
        and not index.unique
        and index.columns == fk.columns
        and index.name in {fk.name, fk.columns[0]}
    }
    if not as_indexes and not implicit:
        return reflected
    kept = [index for index in reflected.indexes if index.name not in implicit]
    made = [
        IndexInfo(u.name, u.columns, unique=True, dialect_options=u.dialect_options)
        for u in as_indexes
    ]
    indexes = tuple(sorted(kept + made, key=named_sort_key))
    uniques = tuple(u for u in reflected.uniques if u.name not in unique_indexes)
    return replace(reflected, indexes=indexes, uniques=uniques)
