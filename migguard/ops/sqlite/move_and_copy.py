"""SQLite move-and-copy: rebuild a table with changes SQLite's ALTER TABLE cannot make.

Follows the procedure of https://www.sqlite.org/lang_altertable.html#otheralter: create the new
table under a temporary name, copy the rows, drop the old table, rename the new one, then
recreate indexes, triggers and views. Two refinements:

- Column renames (and moving dropped columns out of the way) happen first, in place, with
  ``ALTER TABLE ... RENAME COLUMN`` (SQLite 3.25+), so that SQLite itself rewrites every
  reference to the column: CHECK constraints, index expressions and WHERE clauses, triggers,
  views, and foreign keys in other tables. The stored SQL is then read back and reused.
- Foreign-key enforcement: with ``PRAGMA foreign_keys=ON``, ``DROP TABLE`` deletes the rows
  first and fires the ON DELETE actions of referencing tables
  (https://www.sqlite.org/lang_droptable.html). When another table references the rebuilt one,
  enforcement is switched off for the rebuild and ``PRAGMA foreign_key_check`` runs before it
  commits. SQLite ignores that switch inside a transaction
  (https://www.sqlite.org/pragma.html#pragma_foreign_keys), so that rebuild commits the
  revision's transaction so far and runs in a transaction of its own (see ``_foreign_keys_off``).
- Offline, the foreign-key state of the target is unknown: apply the SQL with enforcement off
  (the default of SQLite and its ``sqlite3`` shell).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData, Table

from migguard.ops import ddl
from migguard.ops.base import TableOperation
from migguard.ops.errors import BatchError, OfflineError
from migguard.ops.executor import Executor
from migguard.ops.sqlite.catalog import master_table, query
from migguard.ops.sqlite.table_spec import ConstraintSpec, IndexSpec, TableSpec
from migguard.sqlalchemy_private import copy_schema_item

TEMP_PREFIX = "_migguard_tmp_"


def rebuild_table(
    executor: Executor,
    table_name: str,
    schema: str | None,
    operations: Sequence[TableOperation],
    *,
    copy_from: Table | None = None,
    table_args: Sequence[Any] = (),
    table_kwargs: dict[str, Any] | None = None,
    reflect_args: Sequence[Any] = (),
    naming_convention: dict[str, Any] | None = None,
) -> None:
    """Apply ``operations`` to the table by rebuilding it.

    The table's description comes from ``copy_from`` when given, else from the live database;
    offline without ``copy_from`` raises ``OfflineError``. Raises ``BatchError`` when an
    operation does not fit the table (unknown column, constraint or index) or foreign keys
    cannot be switched off safely; database errors propagate.
    """
    metadata = _metadata(executor, naming_convention)
    online = not executor.offline
    if copy_from is not None:
        spec = TableSpec.from_table(copy_from)
        spec.name, spec.schema = table_name, schema
    elif online:
        spec = _reflect(executor, table_name, schema, reflect_args)
    else:
        raise OfflineError(
            f"offline (--sql) SQLite changes to table {table_name!r} rebuild it and need its "
            "definition: pass copy_from=sa.Table(...) to batch_alter_table"
        )
    spec.table_kwargs.update(table_kwargs or {})
    convention = metadata.naming_convention
    spec.naming_convention = dict(convention)
    spec.name_conventionally(convention)
    for operation in operations:
        operation.apply_to(spec)
    spec.name_conventionally(convention)

    with _foreign_keys_off(executor, spec):
        dropped_names = _rename_in_place(executor, spec)
        if online and copy_from is None:
            _reread(executor, spec, dropped_names)
        dependents = _dependents(executor, spec, dropped_names) if online else []
        _move_and_copy(executor, spec, metadata, table_args, dependents)


def _metadata(executor: Executor, naming_convention: dict[str, Any] | None) -> MetaData:
    if naming_convention:
        return MetaData(naming_convention=naming_convention)
    return executor.metadata()


def _reflect(
    executor: Executor, table_name: str, schema: str | None, reflect_args: Sequence[Any]
) -> TableSpec:
    """Describe the live table: columns, keys, constraints (reflection), and the SQL SQLite
    stored for its indexes (kept verbatim, since reflection cannot express all of them)."""
    connection = executor.context.connection
    with warnings.catch_warnings():
        # Expression indexes are not reflected; their stored SQL is used instead.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        table = Table(
            table_name,
            MetaData(),
            *[copy_schema_item(a) for a in reflect_args],
            schema=schema,
            autoload_with=connection,
        )
    spec = TableSpec.from_table(table, with_indexes=False)
    master = master_table(executor, schema)
    rows = query(
        executor,
        f"SELECT type, name, sql FROM {master} WHERE tbl_name = :name AND sql IS NOT NULL "
        "AND type IN ('table', 'index') ORDER BY rowid",
        name=table_name,
    )
    for type_, name, sql in rows:
        if type_ == "table" and re.search(r"\bAUTOINCREMENT\b", sql, re.IGNORECASE):
            spec.table_kwargs["sqlite_autoincrement"] = True
        elif type_ == "index":
            spec.indexes.append(IndexSpec(name, sql=sql))
    return spec


@contextmanager
def _foreign_keys_off(executor: Executor, spec: TableSpec) -> Iterator[None]:
    """Run the rebuild with foreign-key enforcement off when it is on and another table
    references this one, as SQLite's procedure prescribes (steps 1, 2, 10, 11, 12).

    ``PRAGMA foreign_keys`` cannot change inside a transaction, so this part runs in the
    context's ``autocommit_block`` (the current transaction is committed first) inside an
    explicit ``BEGIN`` / ``COMMIT`` of its own; ``PRAGMA foreign_key_check`` must report nothing
    before it commits, else ``BatchError`` is raised and the rebuild rolled back.
    """
    if executor.offline or not query(executor, "PRAGMA foreign_keys")[0][0]:
        yield
        return
    if not _referenced_by_others(executor, spec):
        yield
        return
    with executor.context.autocommit_block():
        executor.execute("PRAGMA foreign_keys=OFF")
        try:
            executor.execute("BEGIN")
            try:
                yield
                violations = query(executor, "PRAGMA foreign_key_check")
                if violations:
                    raise BatchError(
                        f"rebuilding table {spec.name!r} left foreign keys that point nowhere: "
                        f"{[tuple(row) for row in violations]}"
                    )
            except BaseException:
                executor.execute("ROLLBACK")
                raise
            executor.execute("COMMIT")
        finally:
            executor.execute("PRAGMA foreign_keys=ON")


def _referenced_by_others(executor: Executor, spec: TableSpec) -> bool:
    master = master_table(executor, spec.schema)
    prefix = f"{ddl.quote(executor.dialect, spec.schema)}." if spec.schema else ""
    for (name,) in query(executor, f"SELECT name FROM {master} WHERE type = 'table'"):
        if name == spec.name:
            continue
        quoted = ddl.quote(executor.dialect, name)
        for row in query(executor, f"PRAGMA {prefix}foreign_key_list({quoted})"):
            if str(row[2]).lower() == spec.name.lower():
                return True
    return False


def _rename_in_place(executor: Executor, spec: TableSpec) -> list[str]:
    """Rename columns in the old table to their final names, and dropped ones to unique
    temporary names, with RENAME COLUMN. Returns the temporary names of dropped columns."""
    renames: list[tuple[Any, str]] = []
    dropped: list[str] = []
    for number, slot in enumerate(spec.slots):
        if slot.origin is None:
            continue
        if slot.dropped:
            temporary = f"_migguard_dropped_{number}"
            renames.append((slot, temporary))
            dropped.append(temporary)
        elif slot.origin != slot.name:
            renames.append((slot, slot.name))
    if not renames:
        return dropped
    if not executor.offline:
        version = getattr(executor.dialect.dbapi, "sqlite_version_info", (3, 25, 0))
        if tuple(version) < (3, 25, 0):
            raise BatchError("renaming or dropping columns needs SQLite 3.25 or later")
    taken = {slot.origin for slot in spec.slots if slot.origin is not None}
    # Swaps and chains (a -> b while b -> c) go through temporary names first.
    two_phase = any(target in taken and target != slot.origin for slot, target in renames)
    steps: list[tuple[Any, str]] = []
    if two_phase:
        steps += [(slot, f"_migguard_renaming_{n}") for n, (slot, _) in enumerate(renames)]
    steps += renames
    for slot, target in steps:
        executor.execute_ddl(
            ddl.rename_column_sql(executor.dialect, spec.name, spec.schema, slot.origin, target)
        )
        slot.origin = target
    return dropped


def _mentions(sql: str, names: Sequence[str]) -> bool:
    return any(re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", sql) for name in names)


def _reread(executor: Executor, spec: TableSpec, dropped: Sequence[str]) -> None:
    """Take CHECK constraints and index SQL as SQLite rewrote them during the renames; drop
    those on dropped columns."""
    inspector = sa.inspect(executor.context.connection)
    inspector.clear_cache()
    kept_names = {
        record.name
        for record in spec.constraints
        if record.kind == "check" and record.make is None and record.name is not None
    }
    had_unnamed = any(
        record.kind == "check" and record.make is None and record.name is None
        for record in spec.constraints
    )
    spec.constraints = [
        record
        for record in spec.constraints
        if not (record.kind == "check" and record.make is None)
    ]
    for check in inspector.get_check_constraints(spec.name, schema=spec.schema):
        name, sqltext = check.get("name"), check["sqltext"]
        wanted = name in kept_names if name is not None else had_unnamed
        if wanted and not _mentions(sqltext, dropped):
            spec.constraints.append(ConstraintSpec("check", name, sqltext=sqltext))
    stored: dict[str, str] = {
        name: sql
        for name, sql in query(
            executor,
            f"SELECT name, sql FROM {master_table(executor, spec.schema)} "
            "WHERE type = 'index' AND tbl_name = :name AND sql IS NOT NULL",
            name=spec.name,
        )
    }
    kept: list[IndexSpec] = []
    for index in spec.indexes:
        if index.sql is not None:
            if index.name is not None:
                index.sql = stored.get(index.name, index.sql)
            if _mentions(index.sql, dropped):
                continue
        kept.append(index)
    spec.indexes = kept


def _dependents(executor: Executor, spec: TableSpec, dropped: Sequence[str]) -> list[str]:
    """The SQL of triggers and views that mention the table; they are dropped before the old
    table goes and recreated at the end (steps 3, 8 and 9 of the SQLite procedure)."""
    rows = query(
        executor,
        f"SELECT type, name, tbl_name, sql FROM {master_table(executor, spec.schema)} "
        "WHERE type IN ('trigger', 'view') AND sql IS NOT NULL ORDER BY rowid",
    )
    found: list[tuple[str, str, str]] = []
    pattern = re.compile(rf"(?<![\w$]){re.escape(spec.name)}(?![\w$])", re.IGNORECASE)
    for type_, name, tbl_name, sql in rows:
        if tbl_name.lower() == spec.name.lower() or pattern.search(sql):
            if _mentions(sql, dropped):
                raise BatchError(
                    f"{type_} {name!r} uses a column dropped from table {spec.name!r}; "
                    f"drop or change the {type_} first"
                )
            found.append((type_, name, sql))
    for type_, name, _ in found:
        keyword = "VIEW" if type_ == "view" else "TRIGGER"
        prefix = f"{ddl.quote(executor.dialect, spec.schema)}." if spec.schema else ""
        executor.execute_ddl(
            f"DROP {keyword} IF EXISTS {prefix}{ddl.quote(executor.dialect, name)}"
        )
    return [sql for _, _, sql in found]


def _move_and_copy(
    executor: Executor,
    spec: TableSpec,
    metadata: MetaData,
    table_args: Sequence[Any],
    dependents: Sequence[str],
) -> None:
    """Steps 4 to 8: new table, copy, drop, rename, indexes; then triggers and views."""
    temporary = f"{TEMP_PREFIX}{spec.name}"
    table = spec.build_table(metadata, temporary)
    for item in table_args:
        item = copy_schema_item(item) if isinstance(item, sa.Column | sa.Constraint) else item
        if isinstance(item, sa.Column):
            table.append_column(item)
        else:
            table.append_constraint(item)
    executor.execute(sa.schema.CreateTable(table))
    copied = spec.copied_columns()
    if copied:
        source = sa.table(spec.name, *[sa.column(old) for _, old in copied], schema=spec.schema)
        executor.execute(
            sa.insert(table).from_select(
                [new for new, _ in copied], sa.select(*[source.c[old] for _, old in copied])
            )
        )
    old = Table(spec.name, MetaData(), schema=spec.schema)
    executor.execute(sa.schema.DropTable(old))
    executor.execute_ddl(ddl.rename_table_sql(executor.dialect, temporary, spec.name, spec.schema))
    for index in spec.indexes:
        if index.sql is not None:
            executor.execute_ddl(index.sql)
        else:
            index.build(spec.name, spec.schema).run(executor)
    for sql in dependents:
        executor.execute_ddl(sql)
