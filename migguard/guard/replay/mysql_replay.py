"""A replay into a scratch database on the ``check_url`` MySQL/MariaDB server: created empty
for the run and dropped afterwards (MySQL cannot copy a database, so no state is kept on the
server; the final snapshot is stored in the replay store, so an unchanged history is not
replayed again)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from migguard.config import Config
from migguard.config.urls import mask_password
from migguard.errors import DatabaseError
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.guard.replay.plan import ReplayPlan
from migguard.guard.replay.steps import Progress, run_replay
from migguard.runtime.scratch import first_line
from migguard.scripts.directory import History

__all__ = ["replay_mysql"]


def replay_mysql(
    config: Config, history: History, plan: ReplayPlan, server: str
) -> BuiltSchema | ReplayFailure:
    """Replay ``history`` from an empty database on the ``server`` (``check_url``).

    Returns:
        The schema (``revisions_run`` counts the revisions run), or the failure.

    Raises:
        DatabaseError: the server cannot be reached, or refuses to create or drop the scratch
            database (one line, password masked).
    """
    from migguard.autogen.snapshot import reflect
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import version_table_names

    with mysql_scratch(server) as url:
        progress = Progress()
        failure = run_replay(config, history, url, progress)
        if failure is not None:
            return failure
        with connect(url) as connection:
            # The server's other databases are not the history's: the default one alone.
            snapshot = reflect(connection, schemas=(None,), exclude=version_table_names(config))
            connection.rollback()
    final = plan.state_of(plan.heads, progress.done)
    plan.store.put(final, snapshot=snapshot)
    plan.store.evict()
    return BuiltSchema(snapshot, None, replayed=True, revisions_run=progress.done)


@contextmanager
def mysql_scratch(server_url: str) -> Iterator[str]:
    """A new, empty database on ``server_url``'s server for the block; yields its URL
    (password included, for the runner) and drops it afterwards, also when the block raises.

    Raises:
        DatabaseError: the server cannot be reached, or refuses to create or drop the
            database (one line, password masked).
    """
    import sqlalchemy as sa

    from migguard.runtime.engine import connect, make_url

    name = f"migguard_check_{uuid.uuid4().hex[:16]}"
    masked = mask_password(server_url)
    with connect(server_url) as admin:
        try:
            admin.exec_driver_sql(f"CREATE DATABASE `{name}`")
        except sa.exc.DBAPIError as exc:
            raise DatabaseError(
                f"cannot create the scratch database {name} on {masked}: {first_line(exc)}"
            ) from None
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            try:
                admin.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            except sa.exc.DBAPIError as exc:
                raise DatabaseError(
                    f"cannot drop the scratch database {name} on {masked} (drop it by hand): "
                    f"{first_line(exc)}"
                ) from None
