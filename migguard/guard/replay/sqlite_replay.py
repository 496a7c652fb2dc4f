"""A replay into a SQLite scratch file, resumed from the replay store's longest usable state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.config import Config
from migguard.guard.replay.checkpoint_copies import CheckpointCopies, checkpoint_copies
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.guard.replay.plan import ReplayPlan
from migguard.guard.replay.sqlite_changes import SchemaRows, changed_tables, merged, schema_rows
from migguard.guard.replay.steps import Progress, checkpoints, reflect_all, run_replay
from migguard.guard.replay.store import StoredState, copy_hashed
from migguard.runtime.scratch import sqlite_scratch
from migguard.scripts.directory import History

if TYPE_CHECKING:
    from migguard.autogen.snapshot import Snapshot
    from migguard.runtime.plan import Step

__all__ = ["replay_sqlite"]


def replay_sqlite(
    config: Config,
    history: History,
    plan: ReplayPlan,
    meanwhile: Callable[[], None] | None = None,
) -> BuiltSchema | ReplayFailure:
    """Replay ``history`` into a temporary SQLite file, starting from a copy of the longest
    stored state the history still holds; store the states passed and the result.
    ``meanwhile`` is called while SQLite finishes the last revisions (see ``Progress``).

    Returns:
        The schema (``revisions_run`` counts the revisions run), or the failure.
    """
    with sqlite_scratch() as database:
        start = _seed(plan, database)
        applied = start.applied if start else 0
        url = f"sqlite:///{database}"
        with checkpoint_copies(plan.store, database) as copies:
            progress = _storing_progress(plan, copies, applied, meanwhile)
            failure = run_replay(config, history, url, progress)
        if failure is not None:
            _store_last_good(plan, database, progress, applied)
            return failure
        snapshot, default_schema, rows = _reflect(config, url, plan, start)
        final = plan.state_of(plan.heads, applied + progress.done, default_schema)
        plan.store.put(final, sqlite_source=database, snapshot=snapshot, rows=rows)
    plan.store.evict()
    return BuiltSchema(snapshot, default_schema, replayed=True, revisions_run=progress.done)


def _storing_progress(
    plan: ReplayPlan,
    copies: CheckpointCopies,
    applied: int,
    meanwhile: Callable[[], None] | None,
) -> Progress:
    """A listener that stores the state after the checkpoint steps of the replay (see
    :func:`migguard.guard.replay.steps.checkpoints`) through ``copies``; ``applied``: how
    many revisions the database held before the replay."""
    progress: Progress

    def on_step(number: int, step: Step) -> None:
        if number in checkpoints(len(progress.steps)):
            copies.store(plan.state_of(sorted(step.heads_after), applied + number))

    progress = Progress(on_step, meanwhile)
    return progress


def _seed(plan: ReplayPlan, database: Path) -> StoredState | None:
    """Copy the longest usable stored state to ``database``; the copy must match the sha256
    its record holds (else the next state is tried). None: start from an empty database."""
    for state in plan.starts():
        expected = state.database.get("sha256")
        try:
            copied, _ = copy_hashed(plan.store.sqlite_file(state), database)
        except OSError:
            continue  # evicted by another run meanwhile
        if copied == expected:
            plan.store.touch(state)
            return state
    # An empty file is an empty SQLite database: stored as such when nothing runs.
    database.write_bytes(b"")
    return None


def _reflect(
    config: Config, url: str, plan: ReplayPlan, start: StoredState | None
) -> tuple[Snapshot, str | None, SchemaRows]:
    """The scratch database's snapshot, default schema and schema rows: only the tables
    changed since ``start`` reflected again when its snapshot is stored, else all."""
    from migguard.autogen.snapshot import database_schemas, reflect
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import version_table_names

    before = plan.store.reflected(start) if start is not None and start.reflected else None
    with connect(url) as connection:
        rows = schema_rows(connection)
        attached = database_schemas(connection)
        default_schema = connection.dialect.default_schema_name
        if before is not None and not attached and not before[0].schemas:
            names = changed_tables(before[1], rows, before[0])
            again = reflect(connection, exclude=version_table_names(config), only=names)
            connection.rollback()
            return merged(before[0], again, names), default_schema, rows
        connection.rollback()
    snapshot, default_schema = reflect_all(config, url)
    return snapshot, default_schema, rows


def _store_last_good(plan: ReplayPlan, database: Path, progress: Progress, applied: int) -> None:
    """After a failed replay: store the state the scratch database was left at (the runner
    rolled the failing revision back), so the next replay resumes right below it."""
    if progress.done == 0:
        return
    last = progress.steps[progress.done - 1]
    state = plan.state_of(sorted(last.heads_after), applied + progress.done)
    plan.store.put(state, sqlite_source=database)
    plan.store.evict()
