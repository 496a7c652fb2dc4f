"""The safe recipes (``[autogenerate] safe = true``): on PostgreSQL, a change to a table that
already holds rows is written in the form that keeps the table readable and writable while it
runs, as the safety lint asks.

- ``create_index`` / ``drop_index``: ``postgresql_concurrently=True`` inside
  ``with op.get_context().autocommit_block():``. ``CREATE INDEX`` blocks writes to the table
  for the whole build; ``CONCURRENTLY`` does not, and cannot run inside a transaction
  (https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY,
  https://www.postgresql.org/docs/current/sql-dropindex.html).
- ``create_foreign_key`` / ``create_check_constraint``: ``postgresql_not_valid=True``, then
  ``ALTER TABLE t VALIDATE CONSTRAINT name``. Adding the constraint ``NOT VALID`` skips the scan
  of the existing rows, and the scan by ``VALIDATE`` takes a lock that lets reads and writes go
  on (https://www.postgresql.org/docs/current/sql-altertable.html, "VALIDATE CONSTRAINT"). The
  validation runs in an autocommit block: in the transaction of the ``ADD`` it would scan while
  still holding the ``ADD``'s stronger lock, which only the commit releases.
- ``create_unique_constraint``: a unique index built concurrently (autocommit block), then
  ``ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX name``, which turns the index into the
  constraint without a scan (same page, "ADD table_constraint_using_index").

A table created in the same list of operations holds no rows yet, and one dropped there is going
away: their changes stay plain. So does every other operation, and any operation on another
database. ``VALIDATE`` and ``USING INDEX`` name the constraint; one without a name keeps its
plain form, with a comment saying so. Consecutive autocommit blocks are written as one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.sql.elements import conv

from migguard.autogen.diff import Item, Note
from migguard.autogen.render.code import Call, call
from migguard.autogen.render.ops import statements
from migguard.autogen.render.scope import Block, Scope, Statement
from migguard.ops.base import Operation, TableOperation
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreateUniqueConstraint,
)
from migguard.ops.data import Execute
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import CreateTable, DropTable

__all__ = ["AUTOCOMMIT", "Writer", "merge_autocommit", "safe_writer"]

# The head of the block PostgreSQL's CONCURRENTLY and VALIDATE run in.
AUTOCOMMIT = call("op.get_context().autocommit_block")

# The keywords of a unique constraint its USING INDEX form can carry; any other keeps the
# constraint plain.
_UNIQUE_KW = frozenset({"deferrable", "initially", "postgresql_nulls_not_distinct"})

_NOT_VALID = "postgresql_not_valid"

Writer = Callable[[Operation], list[Statement]]


def safe_writer(items: Sequence[Item], scope: Scope) -> Writer:
    """The function writing each operation of ``items`` with its safe recipe (see the module
    docstring), or as ``statements`` writes it when none applies; on a dialect other than
    PostgreSQL, ``statements`` itself.

    Args:
        items: every operation of the body being written; the tables its ``create_table``
            and ``drop_table`` operations name keep plain changes.
        scope: where calls go (never a batch block: PostgreSQL has none).

    Returns:
        operation -> its statements. Raises ``RenderError`` as ``statements`` does.
    """
    if scope.dialect.name != "postgresql":
        return lambda operation: statements(operation, scope)
    # Tables the same body creates hold no rows yet; those it drops are going away, and the
    # drop locks them anyway.
    plain = {
        (item.schema, item.table_name)
        for item in items
        if isinstance(item, CreateTable | DropTable)
    }

    def write(operation: Operation) -> list[Statement]:
        table = (getattr(operation, "schema", None), getattr(operation, "table_name", None))
        if table in plain:
            return statements(operation, scope)
        if isinstance(operation, CreateIndex | DropIndex):
            return _concurrently(operation, scope)
        if isinstance(operation, CreateForeignKey):
            options = operation.dialect_kw
            marked = replace(operation, dialect_kw={**options, _NOT_VALID: True})
            return _validated(operation, marked, options, scope)
        if isinstance(operation, CreateCheckConstraint):
            checked = replace(operation, kw={**operation.kw, _NOT_VALID: True})
            return _validated(operation, checked, operation.kw, scope)
        if isinstance(operation, CreateUniqueConstraint):
            return _unique(operation, scope)
        return statements(operation, scope)

    return write


def merge_autocommit(entries: Iterable[Statement | Note]) -> list[Statement | Note]:
    """``entries`` with each run of consecutive autocommit blocks joined into one."""
    merged: list[Statement | Note] = []
    for entry in entries:
        previous = merged[-1] if merged else None
        if _is_autocommit(entry) and _is_autocommit(previous):
            assert isinstance(entry, Block) and isinstance(previous, Block)
            merged[-1] = previous._replace(body=previous.body + entry.body)
        else:
            merged.append(entry)
    return merged


def _is_autocommit(entry: object) -> bool:
    return isinstance(entry, Block) and entry.head == AUTOCOMMIT and entry.alias is None


def _autocommit(body: Iterable[Statement]) -> Block:
    return Block(AUTOCOMMIT, tuple(body), alias=None)


def _concurrently(operation: CreateIndex | DropIndex, scope: Scope) -> list[Statement]:
    concurrent = replace(operation, kw={**operation.kw, "postgresql_concurrently": True})
    return [_autocommit(statements(concurrent, scope))]


def _validated(
    operation: CreateForeignKey | CreateCheckConstraint,
    not_valid: CreateForeignKey | CreateCheckConstraint,
    options: Mapping[str, Any],
    scope: Scope,
) -> list[Statement]:
    """``not_valid`` (``operation`` added ``NOT VALID``), then the validation apart; plain
    ``operation`` when it has no name (with a comment) or ``options`` (its keywords) make it
    ``NOT VALID`` already (validating it is then the author's call)."""
    if options.get(_NOT_VALID):
        return statements(operation, scope)
    name = operation.constraint_name
    if name is None:
        return _unnamed(operation, scope, "VALIDATE CONSTRAINT")
    validate = f"{_table_sql(operation, scope)} VALIDATE CONSTRAINT {_quote(name, scope)}"
    return [*statements(not_valid, scope), _autocommit(_execute(validate, scope))]


def _unique(operation: CreateUniqueConstraint, scope: Scope) -> list[Statement]:
    """A unique index built concurrently, then made the constraint; plain when the constraint
    has no name (with a comment) or options ``USING INDEX`` cannot carry."""
    if not set(operation.kw) <= _UNIQUE_KW:
        return statements(operation, scope)
    name = operation.constraint_name
    if name is None:
        return _unnamed(operation, scope, "UNIQUE USING INDEX")
    index_kw: dict[str, object] = {"postgresql_concurrently": True}
    if operation.kw.get("postgresql_nulls_not_distinct"):
        index_kw["postgresql_nulls_not_distinct"] = True
    # The index must keep the constraint's name (USING INDEX names it): ``conv`` keeps a
    # naming convention from renaming it, as ``op.f`` does in the script.
    index = CreateIndex(
        conv(str(name)),
        operation.table_name,
        operation.columns,
        schema=operation.schema,
        unique=True,
        kw=index_kw,
    )
    quoted = _quote(name, scope)
    sql = f"{_table_sql(operation, scope)} ADD CONSTRAINT {quoted} UNIQUE USING INDEX {quoted}"
    deferrable = operation.kw.get("deferrable")
    if deferrable is not None:
        sql += " DEFERRABLE" if deferrable else " NOT DEFERRABLE"
    if operation.kw.get("initially"):
        sql += f" INITIALLY {str(operation.kw['initially']).upper()}"
    return [_autocommit(statements(index, scope)), *_execute(sql, scope)]


def _unnamed(operation: Operation, scope: Scope, form: str) -> list[Statement]:
    """The plain statements, the first carrying why the safe recipe was not written."""
    written = statements(operation, scope)
    first = written[0]
    assert isinstance(first, Call), "a constraint outside a batch block is one call"
    reason = (
        f"migguard safe: written plainly, as {form} needs the constraint's name; name it "
        "(or give the models' MetaData a naming convention) to get the safe recipe."
    )
    return [first._replace(comments=(*first.comments, reason)), *written[1:]]


def _execute(sql: str, scope: Scope) -> list[Statement]:
    return statements(Execute(sql), scope)


def _quote(name: str, scope: Scope) -> str:
    return scope.dialect.identifier_preparer.quote(str(name))


def _table_sql(operation: TableOperation, scope: Scope) -> str:
    """``ALTER TABLE`` and the operation's table, schema-qualified and quoted where needed."""
    preparer = scope.dialect.identifier_preparer
    table = preparer.quote(operation.table_name)
    if operation.schema is not None:
        table = f"{preparer.quote_schema(operation.schema)}.{table}"
    return f"ALTER TABLE {table}"
