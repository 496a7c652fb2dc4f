"""The schema the migrations build: replayed into a scratch database, incrementally.

``sync`` and ``models-imported`` need no database of the user's. The revisions are run with
the real runner in a scratch database (:mod:`migguard.runtime.scratch`): a SQLite file,
or a database on the ``check_url`` PostgreSQL server (or MySQL/MariaDB server, always from
an empty database: :mod:`migguard.guard.replay.mysql_replay`). Replays are kept in the replay store
(:mod:`migguard.guard.replay.store`) by the states they pass through, each named by the chain
digests of its heads (:mod:`migguard.guard.replay.chain`), so:

* when the history's state is stored with its snapshot, nothing runs and no server is
  contacted (a commit that touches only the models);
* otherwise the replay starts from the stored state with the most revisions that the current
  history still holds unchanged (the parent history of a new revision, or the state below an
  edited one) and runs only the revisions after it; on SQLite only the tables those
  revisions changed are reflected again (:mod:`migguard.guard.replay.sqlite_changes`);
* a long SQLite replay also stores states on the way (a quarter, half and three quarters
  through, and before its last revision), and a replay that fails stores the state before
  the failing revision, so fixing it runs only that revision again.

A failed replay is never stored as a result; anything unreadable in the store is a miss.
"""

from __future__ import annotations

from collections.abc import Callable

from migguard.config import Config
from migguard.config.urls import mask_password
from migguard.errors import ConfigError
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.guard.replay.plan import make_plan
from migguard.scripts.directory import History

__all__ = ["build_schema", "scratch_dialect"]


def scratch_dialect(config: Config) -> str:
    """The kind of scratch database replays use: ``"postgresql"`` or ``"mysql"`` (MySQL and
    MariaDB) with ``check_url``, else ``"sqlite"``.

    Raises:
        ConfigError: ``check_url`` names a database other than PostgreSQL, MySQL or MariaDB.
        UsageError: ``check_url`` is not a database URL.
    """
    if not config.check_url:
        return "sqlite"
    from migguard.runtime.engine import make_url

    name = make_url(config.check_url).get_backend_name()
    if name in ("mysql", "mariadb"):
        return "mysql"
    if name != "postgresql":
        raise ConfigError(
            f"check_url {mask_password(config.check_url)} is a {name} URL: it must name a "
            "PostgreSQL, MySQL or MariaDB server (leave it unset to replay into a temporary "
            "SQLite database)"
        )
    return name


def build_schema(
    config: Config, history: History, meanwhile: Callable[[], None] | None = None
) -> BuiltSchema | ReplayFailure:
    """The schema ``history`` builds: from the replay store, or replayed from the longest
    stored state the history still holds.

    Args:
        config: the configuration (``check_url``, version locations, version table).
        history: the loaded history.
        meanwhile: work for this thread while a SQLite replay waits for SQLite to finish its
            last revisions; called at most once, and not at all when nothing waits (a stored
            schema, a server's replay). It must not raise.

    Returns:
        The schema, or why a revision could not run.

    Raises:
        ConfigError: ``check_url`` is not a PostgreSQL, MySQL or MariaDB URL.
        DatabaseError: ``check_url``'s server cannot be reached, or refuses to create or drop
            the scratch database (one line, password masked).
        OSError: a version file vanished or cannot be read while hashing.
    """
    dialect = scratch_dialect(config)
    plan = make_plan(config, history, dialect)
    stored = plan.store.state(plan.key)
    if stored is not None and stored.reflected:
        found = plan.store.reflected(stored)
        if found is not None:
            plan.store.touch(stored)
            return BuiltSchema(found[0], stored.default_schema, replayed=False)
    if dialect == "mysql" and config.check_url:
        from migguard.guard.replay.mysql_replay import replay_mysql

        return replay_mysql(config, history, plan, config.check_url)
    if config.check_url:
        from migguard.guard.replay.postgresql_replay import replay_postgresql

        return replay_postgresql(config, history, plan, config.check_url)
    from migguard.guard.replay.sqlite_replay import replay_sqlite

    return replay_sqlite(config, history, plan, meanwhile)
