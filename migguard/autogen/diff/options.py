"""What a comparison is asked and what it answers: ``CompareOptions`` in, ``DiffResult`` out
(operations and ``Note`` items), and the ``exclude_tables`` rule callers outside the diff share."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from migguard.ops.base import Operation

__all__ = ["CompareOptions", "DiffResult", "Item", "Note", "excluded"]


class Note(NamedTuple):
    """A comment placed among the operations (e.g. a rename hint); rendered as ``# text``
    lines wrapped at 95 columns. Notes are left out of the downgrade."""

    text: str


Item = Operation | Note


@dataclass(frozen=True)
class CompareOptions:
    """What ``compare`` looks at.

    ``compare_type``/``compare_server_default``: compare column types / server defaults
    (defaults only on PostgreSQL and SQLite, see the ``compare`` module). ``exclude_tables``:
    ``fnmatch`` globs matched against ``name`` and ``schema.name``; matching tables are left
    alone on both sides. ``include_object``: Alembic's hook ``(object, name, type_, reflected,
    compare_to) -> bool``, asked for tables, columns, indexes, unique constraints and foreign
    keys (``type_`` ``"table"``, ``"column"``, ``"index"``, ``"unique_constraint"``,
    ``"foreign_key_constraint"``) on each side that has them; an object takes part only when
    every answer is true. ``renames``: ``("old_table", "new_table")`` or ``("table.old_column",
    "table.new_column")`` pairs to emit as renames instead of drop + add. ``schemas``: the
    schemas compared besides every schema the models name (``None``: the default schema; all
    of the database's for Alembic's ``include_schemas``). ``same_default``: asked, when two constant
    server defaults differ as text, whether the database holds them equal:
    ``(models' default SQL, reflected default SQL, column type SQL) -> bool``. PostgreSQL
    stores typed literals in its own form (``'false'`` reads back as ``false``), which only the
    database can judge. ``same_check``: asked, when two check conditions of one name (or two
    expressions of one generated column) differ as text on PostgreSQL, whether the database
    parses them to the same expression: ``(models' expression, reflected expression, {column:
    type SQL}) -> bool | None`` (``None``: it cannot tell; the diff then warns instead of
    guessing).
    """

    compare_type: bool = True
    compare_server_default: bool = True
    exclude_tables: tuple[str, ...] = ()
    include_object: Callable[[object, str | None, str, bool, object | None], bool] | None = None
    renames: tuple[tuple[str, str], ...] = ()
    schemas: tuple[str | None, ...] = (None,)
    same_default: Callable[[str, str, str], bool] | None = None
    same_check: Callable[[str, str, Mapping[str, str]], bool | None] | None = None


def excluded(exclude_tables: Sequence[str], schema: str | None, name: str) -> bool:
    """True when one of the ``exclude_tables`` ``fnmatch`` globs (``CompareOptions``'s)
    matches ``name`` or ``schema.name``: a comparison leaves that table alone on both sides."""
    candidates = [name] + ([f"{schema}.{name}"] if schema else [])
    return any(
        fnmatch.fnmatchcase(candidate, pattern)
        for pattern in exclude_tables
        for candidate in candidates
    )


class DiffResult(NamedTuple):
    """``items``: upgrade operations in a safe order, each rename hint's ``Note`` just before
    the operations it concerns; ``warnings``: one line each (rename hints, requested renames
    that did not fit, constraints that cannot be dropped by name, a diff dropping every
    table); ``dialect``: the name of the database compared (``describe`` names types as it
    does)."""

    items: list[Item]
    warnings: list[str]
    dialect: str | None = None

    @property
    def operations(self) -> list[Operation]:
        """The operations of ``items``, without the notes."""
        return [item for item in self.items if isinstance(item, Operation)]
