"""The models' side of the ``sync`` comparison, taken while a replay waits for SQLite.

A cold replay ends with the run's thread idle while SQLite finishes the last revisions on the
worker thread (:mod:`migguard.runtime.sqlite_pipeline`). The comparison's own modules and the
models' snapshot need no database, so they are prepared then instead of after the replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migguard.config import Config

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Dialect

    from migguard.autogen.snapshot import Snapshot

__all__ = ["ModelSide"]

# The default schema a SQLite scratch database reflects with: its main database is named
# "main" (https://www.sqlite.org/lang_attach.html).
_SQLITE_DEFAULT_SCHEMA = "main"


class ModelSide:
    """The models' snapshot for ``sync``, taken ahead of the comparison when a replay waits.

    Args:
        metadata: the models.
        config: the configuration (``check_url`` decides the kind of scratch database).
    """

    def __init__(self, metadata: Sequence[sa.MetaData], config: Config) -> None:
        self.metadata = tuple(metadata)
        self._config = config
        self._ahead: tuple[str, str | None, Snapshot] | None = None

    def take_ahead(self) -> None:
        """Import the comparison's modules and take the models' snapshot as a SQLite scratch
        database compares them (the only replay that waits on this thread).

        Never raises: it runs inside the replay, where an error would read as the last
        revision's. A failure is met again, and raised, by the comparison.
        """
        from migguard.collector import collector_paused

        try:
            import migguard.autogen.diff  # noqa: F401 (the comparison's modules, loaded now)
            from migguard.autogen.snapshot import snapshot_of_metadata
            from migguard.guard.replay.judges import comparison_dialect

            dialect = comparison_dialect(self._config, _SQLITE_DEFAULT_SCHEMA)
            if dialect.name != "sqlite":
                return
            with collector_paused():
                taken = snapshot_of_metadata(self.metadata, dialect)
        except Exception:  # see the docstring: the comparison meets it again and raises it
            return
        self._ahead = (dialect.name, dialect.default_schema_name, taken)

    def taken_for(self, dialect: Dialect) -> Snapshot | None:
        """The models' snapshot taken ahead, when it was taken for ``dialect``'s kind of
        database and default schema; else None (the comparison takes it)."""
        ahead = self._ahead
        if ahead is not None and ahead[:2] == (dialect.name, dialect.default_schema_name):
            return ahead[2]
        return None
