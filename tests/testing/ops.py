"""The operations layer's test helpers: a live connection with an ``Operations`` bound to it
(:class:`Db`, fixtures in tests/ops/conftest.py), reflection in comparable form, and the
offline SQL migguard and Alembic write for the same calls."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from migguard.ops.base import Operation
from migguard.ops.context import OfflineContext, OnlineContext
from migguard.ops.operations import Operations


@dataclass
class Db:
    """One open connection and the ``op`` API on it; ``seen`` records invoked operations."""

    url: str
    conn: sa.Connection
    op: Operations
    seen: list[Operation]

    @property
    def name(self) -> str:
        return self.conn.dialect.name

    def inspector(self) -> sa.Inspector:
        inspector = sa.inspect(self.conn)
        inspector.clear_cache()
        return inspector

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.inspector().get_columns(table)}

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.conn.execute(sa.text(sql))]

    def schema(self, table: str) -> dict[str, Any]:
        """Everything reflection tells about ``table``, in comparable form."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            return self._schema(table)

    def _schema(self, table: str) -> dict[str, Any]:
        inspector = self.inspector()
        return {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"], c.get("comment"))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint")
            ),
            "uniques": sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "fks": sorted(
                (
                    f["name"] or "",
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    f["options"].get("ondelete") or "",
                )
                for f in inspector.get_foreign_keys(table)
            ),
            "checks": sorted(
                (c["name"] or "", c["sqltext"]) for c in inspector.get_check_constraints(table)
            ),
        }


def open_db(url: str) -> Iterator[Db]:
    """Yields a :class:`Db` on a new connection to ``url``; the engine is disposed afterwards."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            seen: list[Operation] = []
            yield Db(url, conn, Operations(OnlineContext(conn), listener=seen.append), seen)
    finally:
        engine.dispose()


def postgresql_sql(calls: Callable[[Any], None]) -> tuple[str, str]:
    """The offline PostgreSQL SQL that ``calls(op)`` writes through migguard's ``Operations``
    and through Alembic's, as ``(migguard's, Alembic's)``."""
    return offline_sql(postgresql.dialect(), calls)


def offline_sql(dialect: sa.Dialect, calls: Callable[[Any], None]) -> tuple[str, str]:
    """The offline SQL for ``dialect`` that ``calls(op)`` writes through migguard's
    ``Operations`` and through Alembic's, as ``(migguard's, Alembic's)``."""
    from alembic.operations import Operations as AlembicOperations
    from alembic.runtime.migration import MigrationContext

    buffer = io.StringIO()
    alembic = MigrationContext.configure(
        dialect=dialect, opts={"as_sql": True, "output_buffer": buffer}
    )
    calls(AlembicOperations(alembic))
    written: list[str] = []
    calls(Operations(OfflineContext(dialect, written.append)))
    return "".join(written), buffer.getvalue()
