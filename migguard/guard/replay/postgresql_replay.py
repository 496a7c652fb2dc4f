"""A replay into a scratch database on the ``check_url`` PostgreSQL server, created from the
template database of the replay store's longest usable state and kept as the template of
its final state."""

from __future__ import annotations

from migguard.config import Config
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.guard.replay.plan import ReplayPlan
from migguard.guard.replay.steps import Progress, reflect_all, run_replay
from migguard.runtime.scratch import (
    drop_templates,
    postgresql_scratch,
    server_identity,
    template_name,
)
from migguard.scripts.directory import History

__all__ = ["replay_postgresql"]


def replay_postgresql(
    config: Config, history: History, plan: ReplayPlan, server: str
) -> BuiltSchema | ReplayFailure:
    """Replay ``history`` on the ``server`` (``check_url``), from the template of the longest
    stored state the history still holds (kept on that server), or from an empty database.

    States are stored at the end only: a template can be copied only while nobody is
    connected to the database it copies, and the runner is, during the replay.

    Returns:
        The schema (``revisions_run`` counts the revisions run), or the failure.

    Raises:
        DatabaseError: the server cannot be reached, or refuses to create or drop the scratch
            database (one line, password masked).
    """
    identity = server_identity(server)
    starts = {
        state.database["name"]: state
        for state in plan.starts()
        if state.database.get("server") == identity and "name" in state.database
    }
    name = template_name(plan.key, config.root)
    with postgresql_scratch(server, list(starts)) as scratch:
        start = starts.get(scratch.template) if scratch.template else None
        if start is not None:
            plan.store.touch(start)
        progress = Progress()
        failure = run_replay(config, history, scratch.url, progress)
        if failure is not None:
            return failure
        snapshot, default_schema = reflect_all(config, scratch.url)
        scratch.keep_as(name)
    applied = (start.applied if start is not None else 0) + progress.done
    database = {"server": identity, "name": name}
    final = plan.state_of(plan.heads, applied, default_schema, database)
    plan.store.put(final, snapshot=snapshot)
    evicted = plan.store.evict()
    drop_templates(
        server,
        [state.database["name"] for state in evicted if state.database.get("server") == identity],
    )
    return BuiltSchema(snapshot, default_schema, replayed=True, revisions_run=progress.done)
