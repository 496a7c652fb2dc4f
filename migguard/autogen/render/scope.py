"""Shared pieces of the operation renderers: where calls go (``Scope``), batch blocks, and
small helpers for the arguments every ``op.*`` call has (table name, schema, set options)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy.engine import Dialect

from migguard.autogen.render.code import Call, Expr, Raw, Seq, string


@dataclass(frozen=True)
class Scope:
    """Where calls are written: ``dialect`` compiles SQL expressions and picks the type a
    ``TypeDecorator`` stores; ``batch`` is True inside a ``batch_alter_table`` block."""

    dialect: Dialect
    batch: bool = False

    @property
    def target(self) -> str:
        return "batch_op" if self.batch else "op"

    def method(self, name: str) -> str:
        return f"{self.target}.{name}"


class Block(NamedTuple):
    """``with <head> as <alias>:`` (``with <head>:`` when ``alias`` is None) followed by
    ``body``: a batch block's statements for ``batch_op``, or those of an autocommit block."""

    head: Call
    body: tuple[Statement, ...]
    alias: str | None = "batch_op"


Statement = Expr | Block
Kwargs = list[tuple[str, Expr]]


def expr_list(items: Iterable[Expr]) -> Seq:
    """A list display of already rendered items."""
    return Seq(tuple(items))


def table_arg(scope: Scope, name: str) -> list[Expr]:
    """The table-name argument, absent inside a batch block."""
    return [] if scope.batch else [string(name)]


def schema_kw(scope: Scope, schema: str | None, keyword: str = "schema") -> Kwargs:
    """``[(keyword, 'schema')]`` when a schema is given, outside a batch block."""
    return [] if scope.batch or schema is None else [(keyword, string(schema))]


def option(name: str, value: object, unset: object = None) -> Kwargs:
    """``[(name, repr)]`` when ``value`` is not ``unset``: a literal option that is set."""
    return [] if value is unset else [(name, Raw(repr(value)))]
