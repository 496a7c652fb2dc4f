"""Reading SQLite's stored ``CREATE INDEX`` and ``CREATE TABLE`` statements.

SQLite keeps each index's creating statement verbatim in ``sqlite_schema`` (a.k.a.
``sqlite_master``, https://www.sqlite.org/schematab.html). SQLAlchemy's SQLite reflection skips
expression indexes (with a warning) and reports no ``DESC`` ordering; one query for all statements
and this parser fill both gaps. The grammar followed is https://www.sqlite.org/lang_createindex.html:
``CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (indexed-column, ...) [WHERE expr]``,
where an indexed column is ``expr [COLLATE name] [ASC | DESC]``.

From a stored ``CREATE TABLE``, the expressions of generated columns: SQLAlchemy finds them
with a pattern that fails when the column's type has a comma (``NUMERIC(8, 2)``). The grammar
is https://www.sqlite.org/gencol.html: ``name type [GENERATED ALWAYS] AS (expr) [VIRTUAL |
STORED]`` among the column's constraints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import NamedTuple

_IDENTIFIER = re.compile(
    r'"(?P<dq>(?:[^"]|"")*)"|\[(?P<br>[^\]]*)\]|`(?P<bt>(?:[^`]|``)*)`|(?P<bare>[A-Za-z_][\w$]*)'
)
_ORDER = re.compile(r"\s+(ASC|DESC)$", re.IGNORECASE)
_COLLATE = re.compile(r"\s+COLLATE\s+(?:\"(?:[^\"]|\"\")*\"|[\w$]+)$", re.IGNORECASE)
_WHERE = re.compile(r"WHERE\s+(?P<where>.*)$", re.IGNORECASE | re.DOTALL)
_UNIQUE = re.compile(r"\s*CREATE\s+UNIQUE\s", re.IGNORECASE)
# Where a generated column's expression starts: ``AS (`` (``GENERATED ALWAYS`` is optional).
_GENERATED_AS = re.compile(r"\bAS\s*\($", re.IGNORECASE)


class IndexElement(NamedTuple):
    """One indexed element: ``column`` (unquoted name) or ``expression`` (SQL text)."""

    column: str | None
    expression: str | None
    descending: bool

    @property
    def key(self) -> str:
        """The name SQLAlchemy's reflection uses for this element: column name or SQL."""
        return self.column if self.column is not None else str(self.expression)


class ParsedIndex(NamedTuple):
    """What a ``CREATE INDEX`` statement says: elements in order, uniqueness, ``WHERE`` SQL."""

    elements: tuple[IndexElement, ...]
    unique: bool
    where: str | None


def parse_create_index(sql: str) -> ParsedIndex | None:
    """Parse a stored ``CREATE INDEX`` statement; ``None`` if its column list cannot be found
    (an unbalanced or unexpected statement: the caller then keeps what SQLAlchemy reported)."""
    opening = closing = None
    commas: list[int] = []
    for position, char, depth in _structure(sql):
        if char == "(" and depth == 1 and opening is None:
            opening = position
        elif char == "," and depth == 1 and opening is not None:
            commas.append(position)
        elif char == ")" and depth == 1 and opening is not None:
            closing = position
            break
    if opening is None or closing is None:
        return None
    bounds = [opening, *commas, closing]
    parts = [sql[start + 1 : end].strip() for start, end in pairwise(bounds)]
    where = _WHERE.match(sql[closing + 1 :].strip())
    return ParsedIndex(
        elements=tuple(_element(part) for part in parts),
        unique=bool(_UNIQUE.match(sql)),
        where=where.group("where").strip() if where else None,
    )


def generated_expressions(sql: str) -> dict[str, str]:
    """``{column name: expression}`` for the generated columns of a stored ``CREATE TABLE``
    statement (names unquoted, expressions as written); ``{}`` when it has none or its column
    list cannot be found."""
    found: dict[str, str] = {}
    for definition in _definitions(sql):
        name = _IDENTIFIER.match(definition)
        if name is None:
            continue
        expression = _generated_expression(definition)
        if expression is not None:
            found[_unquote(name)] = expression
    return found


def _definitions(sql: str) -> Iterator[str]:
    """The column and table-constraint definitions of a ``CREATE TABLE``, stripped."""
    start = None
    for position, char, depth in _structure(sql):
        if depth != 1:
            continue
        if char == "(" and start is None:
            start = position + 1
        elif start is not None and char in ",)":
            yield sql[start:position].strip()
            start = position + 1
            if char == ")":
                return


def _generated_expression(definition: str) -> str | None:
    """The expression inside ``AS (...)`` of one column definition, ``None`` without one."""
    opened = None
    for position, char, depth in _structure(definition):
        if char == "(" and depth == 1 and _GENERATED_AS.search(definition[: position + 1]):
            opened = position
        elif char == ")" and depth == 1 and opened is not None:
            return definition[opened + 1 : position].strip()
    return None


def strip_outer_parentheses(sql: str) -> str:
    """``sql`` without one pair of parentheses enclosing all of it (``"(1 + 2)"`` ->
    ``"1 + 2"``; ``"(1) + (2)"`` unchanged): how SQLite reports a ``DEFAULT (expr)``."""
    sql = sql.strip()
    if not sql.startswith("("):
        return sql
    for position, char, depth in _structure(sql):
        if char == ")" and depth == 1:
            return sql[1:-1].strip() if position == len(sql) - 1 else sql
    return sql


def _element(text: str) -> IndexElement:
    order = _ORDER.search(text)
    descending = bool(order and order.group(1).upper() == "DESC")
    if order:
        text = text[: order.start()]
    text = _COLLATE.sub("", text).strip()
    name = _IDENTIFIER.fullmatch(text)
    if name is None:
        return IndexElement(None, text, descending)
    return IndexElement(_unquote(name), None, descending)


def _unquote(match: re.Match[str]) -> str:
    if match.group("dq") is not None:
        return match.group("dq").replace('""', '"')
    if match.group("bt") is not None:
        return match.group("bt").replace("``", "`")
    return match.group("br") if match.group("br") is not None else match.group("bare")


def _structure(sql: str) -> Iterator[tuple[int, str, int]]:
    """``(position, char, depth)`` for each parenthesis and comma outside quotes; ``depth`` is
    the nesting level the character belongs to (1 for the outermost parentheses)."""
    depth = 0
    closing_quote: str | None = None
    for position, char in enumerate(sql):
        if closing_quote is not None:
            if char == closing_quote:
                closing_quote = None  # a doubled quote closes and reopens: same result
        elif char in "'\"`":
            closing_quote = char
        elif char == "[":
            closing_quote = "]"
        elif char == "(":
            depth += 1
            yield position, char, depth
        elif char == ")":
            yield position, char, depth
            depth -= 1
        elif char == ",":
            yield position, char, depth
