"""What SQLite's catalog says about a table: its schema table (``sqlite_master``), ``PRAGMA``
answers, and whether the native ``ALTER TABLE ... DROP COLUMN`` accepts a column.

Plain queries on a live connection; both the move-and-copy rebuild and ``op.drop_column`` (which
picks between the native drop and a rebuild) read the catalog through here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from migguard.ops import ddl
from migguard.ops.executor import Executor


def master_table(executor: Executor, schema: str | None) -> str:
    """The schema table of the (possibly attached) database holding the table."""
    return f"{ddl.quote(executor.dialect, schema)}.sqlite_master" if schema else "sqlite_master"


def query(executor: Executor, sql: str, **params: Any) -> list[Sequence[Any]]:
    """The rows ``sql`` returns on the live connection, ``params`` bound by name."""
    result = executor.execute(sa.text(sql), params)
    assert result is not None
    return list(result)


def can_drop_column(executor: Executor, table_name: str, schema: str | None, column: str) -> bool:
    """True when SQLite's native ``ALTER TABLE ... DROP COLUMN`` accepts ``column``.

    Follows https://www.sqlite.org/lang_altertable.html#altertabdropcol: SQLite 3.35 or later,
    and the column is in no primary key, unique constraint, index (nor an index expression or
    WHERE clause), foreign key, CHECK constraint, trigger or view, and the table has no
    generated columns. Text is matched by name, so the answer errs towards False (a rebuild,
    which is always correct).
    """
    version = getattr(executor.dialect.dbapi, "sqlite_version_info", (0,))
    if tuple(version) < (3, 35, 0):
        return False
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        inspector = sa.inspect(executor.context.connection)
        inspector.clear_cache()
        pk = inspector.get_pk_constraint(table_name, schema=schema)["constrained_columns"]
        uniques = inspector.get_unique_constraints(table_name, schema=schema)
        foreign_keys = inspector.get_foreign_keys(table_name, schema=schema)
        checks = [c["sqltext"] for c in inspector.get_check_constraints(table_name, schema=schema)]
    keyed = [pk] + [u["column_names"] for u in uniques]
    keyed += [f["constrained_columns"] for f in foreign_keys]
    if any(column in names for names in keyed):
        return False
    master = master_table(executor, schema)
    stored = query(
        executor,
        f"SELECT sql FROM {master} WHERE sql IS NOT NULL AND "
        "(type IN ('trigger', 'view') OR (type = 'index' AND tbl_name = :name))",
        name=table_name,
    )
    prefix = f"{ddl.quote(executor.dialect, schema)}." if schema else ""
    quoted = ddl.quote(executor.dialect, table_name)
    hidden = query(executor, f"PRAGMA {prefix}table_xinfo({quoted})")
    if any(row[6] in (2, 3) for row in hidden):  # generated columns
        return False
    texts = checks + [sql for (sql,) in stored]
    return not any(
        re.search(rf"(?<![\w$]){re.escape(column)}(?![\w$])", text, re.IGNORECASE) for text in texts
    ) and not _indexed(executor, table_name, schema, column)


def _indexed(executor: Executor, table_name: str, schema: str | None, column: str) -> bool:
    """True when an index of the table (also SQLite's automatic ones) covers ``column``."""
    prefix = f"{ddl.quote(executor.dialect, schema)}." if schema else ""
    quoted = ddl.quote(executor.dialect, table_name)
    for row in query(executor, f"PRAGMA {prefix}index_list({quoted})"):
        index = ddl.quote(executor.dialect, row[1])
        names = [info[2] for info in query(executor, f"PRAGMA {prefix}index_info({index})")]
        if column in names:
            return True
    return False
