"""Tables: which the models add, which the database has in excess, which are renamed (by
request) or look renamed (a hint), and the order to create and drop them in."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from migguard.autogen.diff.columns import same_shape
from migguard.autogen.diff.context import Context, TableKey, TablePair, qualified, rename_columns
from migguard.autogen.diff.options import excluded
from migguard.autogen.snapshot import ForeignKeyInfo, Snapshot, TableInfo
from migguard.ops.schema import RenameTable

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["TableMatch", "dependency_order", "match_tables", "referred"]

K = TypeVar("K")


class TableMatch(NamedTuple):
    """``pairs``: tables on both sides (renames applied); ``added``: model-only tables;
    ``dropped``: database-only tables; ``renames``: the requested ``RenameTable`` operations;
    ``hints``: ``{dropped key: added key}`` for tables that look renamed; ``ignored``: database
    tables left out of the comparison (filters, schemas)."""

    pairs: list[TablePair]
    added: list[TableInfo]
    dropped: list[TableInfo]
    renames: list[RenameTable]
    hints: dict[TableKey, TableKey]
    ignored: list[TableInfo]


def _key(info: TableInfo) -> TableKey:
    return (info.schema, info.name)


def sort_key(key: TableKey) -> tuple[str, str]:
    return (key[0] or "", key[1])


def referred(fk: ForeignKeyInfo) -> TableKey:
    return (fk.referred_schema, fk.referred_table)


def match_tables(
    ctx: Context,
    model: Snapshot,
    reflected: Snapshot,
    model_tables: Mapping[TableKey, sa.Table],
    schemas: frozenset[str | None],
) -> TableMatch:
    """Match the tables of both snapshots (see ``TableMatch``); requested renames that do not
    fit are reported in ``ctx.warnings`` and otherwise ignored."""
    models = {_key(t): t for t in model.tables if t.schema in schemas}
    databases = {_key(t): t for t in reflected.tables if t.schema in schemas}
    kept = {
        key
        for key in models.keys() | databases.keys()
        if _keep_table(
            ctx, key, model_tables.get(key) if key in models else None, databases.get(key)
        )
    }
    models = {k: v for k, v in models.items() if k in kept}
    ignored = [t for t in reflected.tables if _key(t) not in kept or t.schema not in schemas]
    databases = {k: v for k, v in databases.items() if k in kept}
    renames, column_requests = _table_renames(ctx, models, databases)
    for rename in renames:
        old = (rename.schema, rename.old_table_name)
        databases = _rename_table(databases, old, rename.new_table_name)
    pairs = [
        TablePair(models[key], databases[key], model_tables[key])
        for key in sorted(models.keys() & databases.keys(), key=sort_key)
    ]
    databases = _column_renames(ctx, column_requests, pairs, databases)
    added = [models[k] for k in sorted(models.keys() - databases.keys(), key=sort_key)]
    dropped = [databases[k] for k in sorted(databases.keys() - models.keys(), key=sort_key)]
    return TableMatch(pairs, added, dropped, renames, _hints(ctx, added, dropped), ignored)


def _keep_table(
    ctx: Context, key: TableKey, model: sa.Table | None, reflected: TableInfo | None
) -> bool:
    if excluded(ctx.options.exclude_tables, *key):
        return False
    reflected_table = ctx.reflected_table(reflected) if reflected and ctx.filtering else None
    return ctx.include("table", key[1], model, reflected_table)


def _find(tables: Iterable[TableKey], name: str) -> TableKey | None:
    """The table called ``name`` or ``schema.name`` among ``tables``."""
    for key in tables:
        if name in (key[1], qualified(*key)):
            return key
    return None


def _table_renames(
    ctx: Context, models: Mapping[TableKey, TableInfo], databases: Mapping[TableKey, TableInfo]
) -> tuple[list[RenameTable], list[tuple[str, str]]]:
    """The requested table renames that fit (old only in the database, new only in the
    models, same schema), and the requests left over (columns)."""
    renames, columns = [], []
    added = models.keys() - databases.keys()
    dropped = databases.keys() - models.keys()
    for old, new in ctx.options.renames:
        old_key, new_key = _find(dropped, old), _find(added, new)
        if old_key is not None and new_key is not None and old_key[0] == new_key[0]:
            renames.append(RenameTable(old_key[1], new_key[1], schema=old_key[0]))
        elif "." in old and "." in new:
            columns.append((old, new))
        else:
            ctx.warnings.append(
                f"rename {old}:{new} ignored: the database has no table {old!r} the models "
                f"lack, or the models have no new table {new!r} in the same schema"
            )
    return renames, columns


def _rename_table(
    tables: dict[TableKey, TableInfo], old: TableKey, new: str
) -> dict[TableKey, TableInfo]:
    """``tables`` with table ``old`` called ``new``, and foreign keys pointing at it too."""

    def repoint(fk: ForeignKeyInfo) -> ForeignKeyInfo:
        return dataclasses.replace(fk, referred_table=new) if referred(fk) == old else fk

    result = {}
    for key, info in tables.items():
        info = dataclasses.replace(info, foreign_keys=tuple(map(repoint, info.foreign_keys)))
        if key == old:
            info = dataclasses.replace(info, name=new)
            key = (old[0], new)
        result[key] = info
    return result


def _column_renames(
    ctx: Context,
    requests: list[tuple[str, str]],
    pairs: list[TablePair],
    databases: dict[TableKey, TableInfo],
) -> dict[TableKey, TableInfo]:
    """Apply the requested column renames (``table.old``, ``table.new``) to the database side
    of ``pairs`` and to foreign keys pointing at those columns; returns the updated tables."""
    by_key = {pair.key: pair for pair in pairs}
    for old, new in requests:
        table_name, _, old_column = old.rpartition(".")
        new_table, _, new_column = new.rpartition(".")
        key = _find(by_key, table_name)
        pair = by_key[key] if key is not None and _find([key], new_table) else None
        if pair is None or not _renamable(pair, old_column, new_column):
            ctx.warnings.append(
                f"rename {old}:{new} ignored: no column {old_column!r} only the database has "
                f"and {new_column!r} only the models have in one table {table_name!r}"
            )
            continue
        pair.column_renames[old_column] = new_column
        ctx.renamed_columns.setdefault(pair.key, {})[old_column] = new_column
    for key, renamed in ctx.renamed_columns.items():
        databases = {k: _rename_in(info, k, key, renamed) for k, info in databases.items()}
    for pair in pairs:
        pair.reflected = databases[pair.key]
    return databases


def _renamable(pair: TablePair, old: str, new: str) -> bool:
    """Whether column ``old`` is only in the database and ``new`` only in the models."""
    model, database = pair.model, pair.reflected
    return (
        database.column(old) is not None
        and model.column(old) is None
        and model.column(new) is not None
        and database.column(new) is None
    )


def _rename_in(
    info: TableInfo, key: TableKey, renamed_key: TableKey, renamed: Mapping[str, str]
) -> TableInfo:
    """``info`` with the columns of table ``renamed_key`` renamed where it names them."""
    own = renamed if key == renamed_key else {}
    fks = tuple(
        rename_columns(fk, own, renamed if referred(fk) == renamed_key else {})
        for fk in info.foreign_keys
    )
    if key != renamed_key:
        return dataclasses.replace(info, foreign_keys=fks)
    return dataclasses.replace(
        info,
        columns=tuple(
            dataclasses.replace(c, name=renamed.get(c.name, c.name)) for c in info.columns
        ),
        primary_key=rename_columns(info.primary_key, renamed) if info.primary_key else None,
        foreign_keys=fks,
        indexes=tuple(rename_columns(i, renamed) for i in info.indexes),
        uniques=tuple(rename_columns(u, renamed) for u in info.uniques),
    )


def _hints(
    ctx: Context, added: list[TableInfo], dropped: list[TableInfo]
) -> dict[TableKey, TableKey]:
    """Dropped tables whose columns (names, types, nullability) are exactly those of one added
    table in the same schema, matching no other: ``{dropped key: added key}``."""

    def alike(old: TableInfo, new: TableInfo) -> bool:
        if old.schema != new.schema or [c.name for c in old.columns] != [
            c.name for c in new.columns
        ]:
            return False
        return all(
            same_shape(model, database, ctx.dialect.name)
            for model, database in zip(new.columns, old.columns, strict=True)
        )

    hints = {}
    for old in dropped:
        candidates = [new for new in added if alike(old, new)]
        if len(candidates) == 1 and [o for o in dropped if alike(o, candidates[0])] == [old]:
            hints[_key(old)] = _key(candidates[0])
    return hints


def dependency_order(
    keys: Iterable[K], depends_on: Callable[[K], set[K]]
) -> tuple[list[K], set[tuple[K, K]]]:
    """``keys`` with each after the keys it depends on (among ``keys``; the given order
    otherwise), and the dependencies ``(key, dependency)`` left out to break cycles."""
    remaining = list(keys)
    members = set(remaining)
    done: set[K] = set()
    order: list[K] = []
    broken: set[tuple[K, K]] = set()
    while remaining:
        ready = [k for k in remaining if not ((depends_on(k) & members) - done - {k})]
        if not ready:
            first = remaining[0]
            broken |= {(first, d) for d in (depends_on(first) & members) - done - {first}}
            ready = [first]
        for key in ready:
            order.append(key)
            done.add(key)
            remaining.remove(key)
    return order, broken
