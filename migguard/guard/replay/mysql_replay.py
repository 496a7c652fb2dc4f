"""A replay into a scratch database on the ``check_url`` MySQL/MariaDB server: created empty
for the run and dropped afterwards (MySQL cannot copy a database, so no state is kept on the
server; the final snapshot is stored in the replay store, so an unchanged history is not
replayed again)."""

from __future__ import annotations

from migguard.config import Config
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.guard.replay.plan import ReplayPlan
from migguard.guard.replay.steps import Progress, run_replay
from migguard.runtime.scratch import mysql_scratch
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
