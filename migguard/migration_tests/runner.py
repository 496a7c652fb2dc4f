"""``migguard_runner``: a scratch database a data-migration test moves through the history.

```python
def test_the_status_backfill(migguard_runner):
    migguard_runner.migrate_to("c5e1f3a9b7d2")           # just before the data migration
    migguard_runner.insert("order", [{"id": 1, "status": None}])
    migguard_runner.migrate_up_one()                     # runs it
    assert migguard_runner.table_rows("order") == [{"id": 1, "status": "new"}]
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from migguard.config import Config
from migguard.migration_tests.suite import Suite

__all__ = ["MigrationRunner"]


class MigrationRunner:
    """Moves one scratch database through the project's history.

    Attributes:
        config: the configuration pointing at the scratch database (``config.url``).
    """

    def __init__(self, suite: Suite, config: Config) -> None:
        self._suite = suite
        self.config = config
        self._engine: sa.Engine | None = None
        self._connection: sa.Connection | None = None

    @property
    def url(self) -> str:
        """The scratch database's URL (password included: do not print it)."""
        from migguard.runtime.migrate import database_url

        return database_url(self.config)

    @property
    def connection(self) -> sa.Connection:
        """A connection to the scratch database, opened on first use. Each ``migrate_*``
        call commits it first, so what a test wrote is visible to the revisions."""
        if self._connection is None:
            from migguard.runtime.engine import create_engine

            self._engine = create_engine(self.url)
            self._connection = self._engine.connect()
        return self._connection

    def current(self) -> tuple[str, ...]:
        """The revisions the version table holds (empty at base)."""
        from migguard.runtime.current import read_current

        return tuple(read_current(self.config))

    def migrate_to(self, revision: str) -> None:
        """Upgrade or downgrade to ``revision`` (an id, a partial id, ``head``, ``heads`` or
        ``base``): down when it is already applied (or ``base``), else up.

        Raises:
            MigguardError: the revision is unknown, or a revision failed (the message names
                it, its file and the statement).
        """
        from migguard.graph import resolve
        from migguard.runtime.plan import applied

        graph = self._suite.history.graph
        if revision == "base":
            self._migrate(upgrade=False, target="base")
            return
        targets = resolve(graph, revision)
        done = applied(graph, self.current())
        self._migrate(upgrade=not set(targets) <= done, target=revision)

    def migrate_up_one(self) -> None:
        """Run the next revision's ``upgrade()`` (``upgrade +1``)."""
        self._migrate(upgrade=True, target="+1")

    def migrate_down_one(self) -> None:
        """Run the current revision's ``downgrade()`` (``downgrade -1``)."""
        self._migrate(upgrade=False, target="-1")

    def insert(
        self, table: str, rows: Sequence[Mapping[str, Any]], schema: str | None = None
    ) -> None:
        """Insert ``rows`` (column name -> value) into ``table`` as it is now, and commit."""
        connection = self.connection
        reflected = sa.Table(table, sa.MetaData(), schema=schema, autoload_with=connection)
        connection.execute(sa.insert(reflected), [dict(row) for row in rows])
        connection.commit()

    def table_rows(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        """Every row of ``table`` as a dict, ordered by its primary key (then every column)."""
        connection = self.connection
        reflected = sa.Table(table, sa.MetaData(), schema=schema, autoload_with=connection)
        order = list(reflected.primary_key.columns) or list(reflected.columns)
        rows = connection.execute(sa.select(reflected).order_by(*order)).mappings().all()
        connection.commit()
        return [dict(row) for row in rows]

    def close(self) -> None:
        """Close the connection (the fixture does it after the test)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _migrate(self, *, upgrade: bool, target: str) -> None:
        from migguard.runtime.migrate import migrate

        if self._connection is not None:
            self._connection.commit()
        migrate(self.config, self._suite.history, upgrade=upgrade, target=target)
