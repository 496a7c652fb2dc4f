"""Which tables of a SQLite scratch database the revisions run since a stored state changed,
so that only those are reflected again.

SQLite keeps a table's whole definition as SQL text in ``sqlite_schema`` (also known as
``sqlite_master``): the ``CREATE TABLE`` statement, and one row per index and trigger naming
the table in ``tbl_name`` (https://www.sqlite.org/schematab.html). Everything reflection
reports for a table is derived from these rows, except a foreign key's referred columns
when the ``REFERENCES`` clause names none, which are the referred table's primary key; so a
table whose rows are unchanged reflects the same, unless a table it refers to changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from migguard.autogen.snapshot import Snapshot

__all__ = ["SchemaRows", "changed_tables", "merged", "schema_rows"]

# (type, name, tbl_name, sql) of every row of the main database's schema table.
SchemaRows = tuple[tuple[str, ...], ...]


def schema_rows(connection: Connection) -> SchemaRows:
    """Every row of the main database's schema table as ``(type, name, tbl_name, sql)``
    (``sql`` empty for automatic indexes), sorted."""
    from sqlalchemy import text

    rows = connection.execute(
        text("SELECT type, name, tbl_name, COALESCE(sql, '') FROM main.sqlite_master")
    )
    return tuple(sorted(tuple(str(value) for value in row) for row in rows))


def changed_tables(before: SchemaRows, after: SchemaRows, snapshot: Snapshot) -> set[str]:
    """The tables to reflect again: those whose schema rows differ between ``before`` and
    ``after`` (created, dropped or altered), and the tables of ``snapshot`` (reflected from
    ``before``) with a foreign key to one of them."""
    changed = set(_by_table(before).items() ^ _by_table(after).items())
    names = {name for name, _ in changed}
    return names | {
        table.name
        for table in snapshot.tables
        if any(fk.referred_table in names for fk in table.foreign_keys)
    }


def merged(snapshot: Snapshot, again: Snapshot, names: set[str]) -> Snapshot:
    """``snapshot`` with the tables ``names`` replaced by those of ``again`` (reflected
    anew; a name missing from ``again`` was dropped)."""
    from dataclasses import replace

    from migguard.autogen.snapshot.records import table_sort_key

    kept = [table for table in snapshot.tables if table.name not in names]
    return replace(snapshot, tables=tuple(sorted([*kept, *again.tables], key=table_sort_key)))


def _by_table(rows: SchemaRows) -> dict[str, frozenset[tuple[str, ...]]]:
    grouped: dict[str, set[tuple[str, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[2], set()).add(row)
    return {name: frozenset(group) for name, group in grouped.items()}
