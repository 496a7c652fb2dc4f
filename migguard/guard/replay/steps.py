"""Running the revisions in a scratch database and reflecting it: the steps both kinds of
replay share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from migguard.config import Config
from migguard.errors import HistoryError
from migguard.guard.replay.outcome import ReplayFailure
from migguard.scripts.directory import History

if TYPE_CHECKING:
    from migguard.autogen.snapshot import Snapshot
    from migguard.runtime.plan import Step

__all__ = ["Progress", "checkpoints", "reflect_all", "run_replay"]

# A replay of fewer revisions stores no states on the way (its final state is stored).
_CHECKPOINTS_FROM = 16


class Progress:
    """A runner listener that remembers which revision runs next, so that a failure raised
    before the step's transaction (a script that does not import) can still be placed.

    Args:
        on_step: called with each step's number (1-based) and the step, after it committed;
            ``None``: nothing to call.
        on_wait: called when the run's thread has nothing to do but wait for SQLite to
            finish the last steps (a pipelined replay, see
            :class:`~migguard.runtime.sqlite_pipeline.WaitingListener`); it must not raise.

    Attributes:
        pending: the revisions planned and not finished, in order.
        steps: every step planned.
        done: how many steps finished.
    """

    def __init__(
        self,
        on_step: Callable[[int, Step], None] | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> None:
        self.pending: list[str] = []
        self.steps: list[Step] = []
        self.done = 0
        self._on_step = on_step
        self._on_wait = on_wait

    def planned(self, steps: Sequence[Step]) -> None:
        self.pending = [step.revision for step in steps]
        self.steps = list(steps)

    def step_started(self, step: Step) -> None:
        """Nothing to note: a started step stays pending until it finishes."""

    def waiting(self) -> None:
        """Only SQLite's work is left (see ``on_wait``): call ``on_wait``."""
        if self._on_wait is not None:
            self._on_wait()

    def step_finished(self, step: Step, seconds: float) -> None:
        self.pending.remove(step.revision)
        self.done += 1
        if self._on_step is not None:
            self._on_step(self.done, step)


def checkpoints(count: int) -> frozenset[int]:
    """The 1-based numbers of the steps of a ``count``-step replay after which the state is
    stored on the way: a quarter, half and three quarters through, and before the last."""
    if count < _CHECKPOINTS_FROM:
        return frozenset()
    return frozenset({count // 4, count // 2, 3 * count // 4, count - 1})


def run_replay(
    config: Config, history: History, url: str, progress: Progress
) -> ReplayFailure | None:
    """``upgrade heads`` on the scratch database ``url`` with the real runner; None when it
    ran through, else the failure placed on its revision.

    On a SQLite scratch file the runner's statements run on a worker thread while the next
    revisions' Python runs (:mod:`migguard.runtime.sqlite_pipeline`): the file is the
    replay's own, and ``progress`` hears of each step once it committed."""
    from migguard.runtime.migrate import migrate
    from migguard.runtime.runner import MigrationFailedError

    try:
        migrate(
            config._replace(url=url),
            history,
            upgrade=True,
            target="heads",
            listener=progress,
            pipelined=True,
        )
    except MigrationFailedError as exc:
        rid = exc.step.revision
        return ReplayFailure(rid, history.display_path(rid), exc.reason)
    except HistoryError as exc:
        pending = progress.pending[0] if progress.pending else None
        return ReplayFailure(pending, history.display_path(pending) if pending else None, str(exc))
    return None


def reflect_all(config: Config, url: str) -> tuple[Snapshot, str | None]:
    """Every schema of the scratch database ``url`` reflected (version table left out), and
    its default schema."""
    from migguard.autogen.snapshot import database_schemas, reflect
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import version_table_names

    with connect(url) as connection:
        # Everything in the scratch database was made by the history: reflect every schema,
        # and let the comparison pick those the models (or include_schemas) ask for.
        schemas = (None, *database_schemas(connection))
        snapshot = reflect(connection, schemas=schemas, exclude=version_table_names(config))
        default_schema = connection.dialect.default_schema_name
        connection.rollback()
    return snapshot, default_schema
