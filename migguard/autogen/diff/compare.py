"""Compare the models (one or more ``MetaData``) with a database snapshot and list the
operations that bring the database to the models.

``compare`` returns a ``DiffResult``: the upgrade's operations in a safe order (the downgrade is
their ``reverse()``, last first, and every operation carries what its reverse needs), rename
hints as ``Note`` items, and warnings. ``describe`` and ``to_json`` present the operations.

Detected (the models' snapshot, ``snapshot_of_metadata``, against the reflected one):

* tables added, dropped, renamed on request (``renames``); columns added, dropped, renamed on
  request; nullability; types (compiled DDL, ``migguard.autogen.diff.sql``); server defaults,
  normalised per dialect and compared on PostgreSQL and SQLite only (``RELIABLE_DEFAULTS``;
  elsewhere ``compare_server_default`` has no effect); column and table comments; identity
  options (PostgreSQL); generated columns' expressions (as the database parses them on
  PostgreSQL) and storage (``STORED``/``VIRTUAL``), changed by drop + add;
* indexes, unique constraints, foreign keys, named check constraints, the primary key
  (matching rules in ``migguard.autogen.diff.keys``);
* PostgreSQL enum types: created, dropped, labels changed (``migguard.autogen.diff.enums``);
* tables in every schema the models name, and the schemas themselves created where missing.

Order of the upgrade: schemas created (``migguard.autogen.diff.schemas``); enum types created
or changed; tables renamed; foreign keys dropped; then
each existing table in turn (indexes and constraints dropped, columns added, altered and
dropped, constraints and indexes created, comment); new tables, those referenced first (a
cycle between new tables is broken by adding its foreign keys afterwards); foreign keys
created; tables dropped, referencing ones first; enum types dropped.

Where this differs from Alembic's ``compare_metadata`` on purpose:

* server defaults are compared by default (Alembic: off), with per-dialect normalisation;
* enum types are created, changed and dropped (Alembic: only with a ``CREATE TYPE`` implied by
  ``create_table``, never dropped or changed); check constraints and primary keys are compared;
* a dropped-and-added column or table that looks renamed gets a ``Note`` and a warning, and
  ``renames`` turns it into a rename;
* an operation on an existing table that adds an unnamed constraint names it as PostgreSQL
  would, so that the downgrade can drop it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migguard.autogen.diff.build import convention_names
from migguard.autogen.diff.build_tables import (
    create_table_from_model,
    drop_constraint,
    drop_table,
    foreign_key_op,
)
from migguard.autogen.diff.columns import compare_columns
from migguard.autogen.diff.context import Context, TableKey, qualified
from migguard.autogen.diff.enums import enum_change, enum_users
from migguard.autogen.diff.keys import compare_keys
from migguard.autogen.diff.options import CompareOptions, DiffResult, Item, Note
from migguard.autogen.diff.schemas import plan_schemas
from migguard.autogen.diff.tables import TableMatch, dependency_order, match_tables, referred
from migguard.autogen.snapshot import Snapshot, TableInfo, snapshot_of_metadata
from migguard.collector import collector_paused
from migguard.ops.base import Operation

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Dialect

__all__ = ["compare", "model_tables"]


def compare(
    metadata: sa.MetaData | Sequence[sa.MetaData],
    snapshot: Snapshot,
    dialect: Dialect,
    options: CompareOptions = CompareOptions(),  # noqa: B008 (frozen: safe to share)
    model: Snapshot | None = None,
) -> DiffResult:
    """The operations turning the database ``snapshot`` describes (reflected with the same
    ``dialect``) into what ``metadata`` describes.

    ``model`` is the models' snapshot when the caller took it already
    (``snapshot_of_metadata(metadata, dialect)``, the same models and dialect); None: it is
    taken here.

    Raises ``ValueError`` when the snapshot was taken on another kind of database or two
    MetaData define the same table, and SQLAlchemy's errors for models it cannot compile (see
    ``snapshot_of_metadata``).
    """
    import sqlalchemy as sa

    if snapshot.dialect != dialect.name:
        raise ValueError(
            f"the snapshot was taken on {snapshot.dialect}, not {dialect.name}: compare the "
            "models with a snapshot of the database they are meant for"
        )
    metadata_list = [metadata] if isinstance(metadata, sa.MetaData) else list(metadata)
    # Both snapshots' records, and the models they come from, stay alive throughout: the
    # collector's passes over them would free nothing (see collector_paused).
    with collector_paused():
        if model is None:
            model = snapshot_of_metadata(metadata_list, dialect)
        return _compare(metadata_list, model, snapshot, dialect, options)


def _compare(
    metadata_list: list[sa.MetaData],
    model: Snapshot,
    snapshot: Snapshot,
    dialect: Dialect,
    options: CompareOptions,
) -> DiffResult:
    ctx = Context(dialect, options)
    asked = {_schema(schema, dialect) for schema in options.schemas}
    schemas = plan_schemas(model, snapshot, asked, dialect, options.exclude_tables)
    ctx.warnings.extend(schemas.warnings)
    modelled = model_tables(metadata_list, dialect)
    tables = match_tables(ctx, model, snapshot, modelled, schemas.compared)
    enums_first, enums_last = _enums(ctx, model, snapshot, tables, schemas.compared)
    fk_drops: list[Item] = []
    blocks: list[Item] = []
    fk_creates: list[Item] = []
    for pair in tables.pairs:
        keys = compare_keys(ctx, pair)
        columns = compare_columns(ctx, pair)
        fk_drops += keys.fk_drops
        blocks += [*keys.before, *columns.adds, *columns.alters, *columns.drops, *keys.after]
        fk_creates += keys.fk_creates
    creates, early_drops, cycle_fks = _creates(ctx, tables, modelled)
    cycle_fk_drops, drops = _drops(ctx, tables, early_drops)
    items = [
        *schemas.creates,
        *enums_first,
        *tables.renames,
        *cycle_fk_drops,
        *fk_drops,
        *blocks,
        *creates,
        *cycle_fks,
        *fk_creates,
        *drops,
        *enums_last,
    ]
    _warn_if_everything_dropped(ctx, tables)
    return DiffResult(items, ctx.warnings, dialect.name)


def _schema(schema: str | None, dialect: Dialect) -> str | None:
    return None if schema == dialect.default_schema_name else schema


def model_tables(
    metadata_list: Sequence[sa.MetaData], dialect: Dialect
) -> dict[TableKey, sa.Table]:
    """The tables of ``metadata_list`` by ``(schema, name)`` as a comparison keys them: the
    schema is ``None`` for tables in ``dialect``'s default schema (named or not)."""
    return {
        (_schema(table.schema, dialect), table.name): table
        for metadata in metadata_list
        for table in metadata.tables.values()
    }


def _creates(
    ctx: Context, tables: TableMatch, model_tables: dict[TableKey, sa.Table]
) -> tuple[list[Item], set[TableKey], list[Operation]]:
    """New tables, referenced ones first; a rename hint's Note before its table, followed by
    the drop of the old table when nothing else dropped refers to it. Returns the items, the
    tables dropped among them, and the foreign keys left out of a creation to break a cycle."""
    added = {(t.schema, t.name): t for t in tables.added}
    dropped = {(t.schema, t.name): t for t in tables.dropped}
    order, broken = dependency_order(
        added, lambda key: {referred(fk) for fk in added[key].foreign_keys}
    )
    hinted = {new: old for old, new in tables.hints.items()}
    items: list[Item] = []
    early: set[TableKey] = set()
    cycle_fks: list[Operation] = []
    for key in order:
        info = added[key]
        table = model_tables[key]
        skip = [fk for fk in info.foreign_keys if (key, referred(fk)) in broken]
        if key in hinted:
            items.append(_table_hint(ctx, hinted[key], key))
        items.append(create_table_from_model(table, info, ctx.dialect, skip))
        old = hinted.get(key)
        if old is not None and not _referenced(old, dropped):
            items.append(drop_table(dropped[old], ctx.dialect))
            early.add(old)
        names = convention_names(table, ctx.dialect)
        cycle_fks += [foreign_key_op(info, fk, names) for fk in skip]
    return items, early, cycle_fks


def _referenced(key: TableKey, dropped: dict[TableKey, TableInfo]) -> bool:
    """Whether another dropped table has a foreign key to table ``key``."""
    return any(
        referred(fk) == key
        for other, info in dropped.items()
        if other != key
        for fk in info.foreign_keys
    )


def _table_hint(ctx: Context, old: TableKey, new: TableKey) -> Note:
    old_name, new_name = qualified(*old), qualified(*new)
    schema = f", schema={old[0]!r}" if old[0] else ""
    ctx.warnings.append(
        f"possible rename: table '{old_name}' -> '{new_name}' (same columns); written as "
        f"create + drop, which loses the data; --rename {old_name}:{new_name} renames instead"
    )
    return Note(
        f"Rename hint: table '{old_name}' is dropped and '{new_name}' created with the same "
        f"columns. If it was renamed, replace the operations below with "
        f"op.rename_table({old[1]!r}, {new[1]!r}{schema}) to keep its rows."
    )


def _drops(
    ctx: Context, tables: TableMatch, early: set[TableKey]
) -> tuple[list[Operation], list[Operation]]:
    """Foreign keys to drop first to break a cycle between dropped tables, and the tables to
    drop, referencing ones first (``early``: already dropped after their rename hint)."""
    dropped = {(t.schema, t.name): t for t in tables.dropped}
    order, broken = dependency_order(
        dropped, lambda key: {referred(fk) for fk in dropped[key].foreign_keys}
    )
    fk_drops: list[Operation] = []
    drops: list[Operation] = []
    for key in reversed(order):
        if key in early:
            continue
        info = dropped[key]
        skip = [fk for fk in info.foreign_keys if (key, referred(fk)) in broken]
        fk_drops += [drop_constraint(foreign_key_op(info, fk)) for fk in skip if fk.name]
        drops.append(drop_table(info, ctx.dialect, skip))
    return fk_drops, drops


def _enums(
    ctx: Context,
    model: Snapshot,
    reflected: Snapshot,
    tables: TableMatch,
    schemas: frozenset[str | None],
) -> tuple[list[Operation], list[Operation]]:
    """Enum types to create or change (first) and to drop (last); PostgreSQL only. A type a
    table left out of the comparison still uses is not dropped."""
    if ctx.dialect.name != "postgresql":
        return [], []
    wanted = {(e.schema, e.name): e for e in model.enums if e.schema in schemas}
    present = {(e.schema, e.name): e for e in reflected.enums if e.schema in schemas}
    first: list[Operation] = []
    last: list[Operation] = []
    for key in sorted(wanted.keys() | present.keys(), key=lambda k: (k[0] or "", k[1])):
        new, old = wanted.get(key), present.get(key)
        if old is None and new is not None:
            first.append(enum_change(new.name, new.schema, None, new.labels))
        elif new is None and old is not None:
            if not enum_users(old, tables.ignored):
                last.append(enum_change(old.name, old.schema, old.labels, None))
        elif new is not None and old is not None and new.labels != old.labels:
            users = enum_users(old, reflected.tables)
            first.append(enum_change(new.name, new.schema, old.labels, new.labels, users))
    return first, last


def _warn_if_everything_dropped(ctx: Context, tables: TableMatch) -> None:
    """Warn when every table of the database goes and none looks renamed: a table with a
    rename hint has its own warning, and models that name it were imported."""
    unhinted = [t for t in tables.dropped if (t.schema, t.name) not in tables.hints]
    if unhinted and not tables.pairs:
        ctx.warnings.append(
            f"would drop every table of the database ({len(tables.dropped)}): are the models "
            "imported? A MetaData whose model modules were never imported is empty; import "
            "them where the metadata is configured (e.g. in the package's models/__init__.py)"
        )
