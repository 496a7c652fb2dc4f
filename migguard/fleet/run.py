"""Running one action on many targets in parallel: at most ``jobs`` at once, each target in a
worker process of its own. The actions (upgrade, downgrade, stamp in
:mod:`migguard.fleet.actions`; the drift check in :mod:`migguard.guard.fleet_drift`) each run
one target through the runtime, under that target's own migration lock.

The lock is the only coordination: two fleet runs started at once (on one machine or many)
each take a target's lock before reading its version table, so every revision runs once per
target and the later run finds nothing left to do. Workers are processes, not threads, because
revision scripts are Python code that holds the GIL and may keep module-level state.

A worker loads the configuration and the history itself (once per process) from a
:class:`Project`, which holds no secret; a target's URL reaches it in memory, through the
pool's pipe, never on a command line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

from migguard.config.urls import scrub_secrets
from migguard.errors import MigguardError
from migguard.fleet.targets import Target, for_target

if TYPE_CHECKING:
    from concurrent.futures import Future

    from migguard.config import Config
    from migguard.guard.findings import Finding
    from migguard.runtime.plan import Step
    from migguard.scripts.directory import History

__all__ = [
    "Action",
    "Done",
    "Outcome",
    "Project",
    "StepCounter",
    "TargetResult",
    "run_fleet",
    "run_target",
    "target_history",
]

Outcome = Literal[
    "upgraded",
    "downgraded",
    "stamped",
    "already at target",
    "clean",
    "drifted",
    "failed",
    "not run",
]


class Project(NamedTuple):
    """How a worker process finds the project's configuration, as the command found it.

    Attributes:
        config_file: the ``-c`` file, or ``None`` to discover from ``cwd``.
        cwd: the folder the command ran in (absolute).
        ini_section: the ``alembic.ini`` section (``-n``).
        env_py: also take an Alembic project's env.py settings.
        x_arguments: ``-x`` values for env.py.
    """

    config_file: Path | None
    cwd: Path
    ini_section: str = "alembic"
    env_py: bool = False
    x_arguments: tuple[str, ...] = ()


class Done(NamedTuple):
    """What an action did on one target (the runner adds the name, URL and time).

    Attributes:
        outcome: one of :data:`Outcome` but ``failed`` and ``not run``.
        before: the version table's rows before.
        after: the rows after.
        revisions_run: how many revisions committed.
        findings: what a check found on the target (the drift check); else empty.
    """

    outcome: Outcome
    before: tuple[str, ...] | None
    after: tuple[str, ...] | None
    revisions_run: int = 0
    findings: tuple[Finding, ...] = ()


class Action(Protocol):
    """One thing done to each target. Implementations are picklable records (they travel to
    the worker processes) whose ``run`` is called there."""

    def run(self, config: Config, history: History, counter: StepCounter) -> Done:
        """Do the action on the target ``config`` names.

        Args:
            config: the target's configuration (see :func:`migguard.fleet.targets.for_target`).
            history: the loaded history.
            counter: to pass to the runtime as the runner's listener, so a failure can still
                say how many revisions committed.

        Raises:
            Any exception: the runner turns it into a ``failed`` result.
        """
        ...


class TargetResult(NamedTuple):
    """What happened on one target.

    Attributes:
        name: the target's name.
        shown_url: its URL, the password masked.
        outcome: see :data:`Outcome`; ``not run`` for a target left out after a failure with
            ``fail_fast``.
        before: the version table's rows before the run (``None`` when unknown).
        after: the rows after it (``None`` when unknown).
        revisions_run: how many revisions committed.
        seconds: the target's wall time.
        reason: for ``failed``, the error in one line (credentials removed); else ``None``.
        findings: what a check found on the target (``drifted``); else empty.
    """

    name: str
    shown_url: str
    outcome: Outcome
    before: tuple[str, ...] | None = None
    after: tuple[str, ...] | None = None
    revisions_run: int = 0
    seconds: float = 0.0
    reason: str | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def succeeded(self) -> bool:
        """Whether the action got through on the target (drift found is still a check done)."""
        return self.outcome not in ("failed", "not run")


def run_fleet(
    project: Project,
    targets: Sequence[Target],
    action: Action,
    *,
    jobs: int,
    fail_fast: bool = False,
    on_start: Callable[[Target], None] | None = None,
    on_done: Callable[[TargetResult], None] | None = None,
) -> list[TargetResult]:
    """Run ``action`` on every target, at most ``jobs`` at a time.

    Args:
        project: where workers load the configuration and history from.
        targets: the targets (see :func:`migguard.fleet.select.select_targets`).
        action: what to do on each (the same for every target).
        jobs: the most targets run at once (at least 1).
        fail_fast: after the first failure start no other target (those running finish).
        on_start: told about each target as it is handed to a free worker.
        on_done: told about each target as it finishes, in the order they finish.

    Returns:
        One result per target, in the order of ``targets``. A target's failure (its database
        unreachable, a revision raising, its lock busy too long) is its result, not an
        exception.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    results: dict[str, TargetResult] = {}
    waiting = list(reversed(targets))
    workers = max(1, min(jobs, len(targets)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # Handed out one at a time as workers free up (not all queued at once), so after a
        # failure with fail_fast no further target has been started behind our back.
        pending: dict[Future[TargetResult], Target] = {}
        stopping = False
        while waiting or pending:
            while waiting and not stopping and len(pending) < workers:
                target = waiting.pop()
                pending[pool.submit(run_target, project, target, action)] = target
                if on_start is not None:
                    on_start(target)
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                target = pending.pop(future)
                result = _result_of(future, target)
                results[target.name] = result
                if on_done is not None:
                    on_done(result)
                stopping = stopping or (fail_fast and not result.succeeded)
    return [results.get(target.name, _not_run(target)) for target in targets]


def run_target(project: Project, target: Target, action: Action) -> TargetResult:
    """Run ``action`` on one target (in a worker process; also callable directly).

    Args:
        project: where to load the configuration and history from (cached per process).
        target: the target.
        action: what to do.

    Returns:
        The target's result; every migguard error and every exception of a revision becomes
        a ``failed`` result with a one-line reason.
    """
    started = time.perf_counter()
    counter = StepCounter()
    config: Config | None = None
    before: tuple[str, ...] | None = None
    try:
        shared = _loaded(project)
        config = for_target(shared, target)
        history = target_history(config)
        # A target's seconds are its own, not the worker's first load of the project.
        started = time.perf_counter()
        # Read before the run so a failure can say where the target started (the action
        # reads it again under the lock; a success reports that reading).
        before = _rows_or_none(config)
        done = action.run(config, history, counter)
    except Exception as exc:  # one target's failure is its result, whatever raised
        return TargetResult(
            target.name,
            target.shown_url,
            "failed",
            before=before,
            after=_rows_or_none(config),
            revisions_run=counter.finished,
            seconds=time.perf_counter() - started,
            reason=_reason(exc, target),
        )
    return TargetResult(
        target.name,
        target.shown_url,
        done.outcome,
        before=done.before,
        after=done.after,
        revisions_run=done.revisions_run,
        seconds=time.perf_counter() - started,
        findings=done.findings,
    )


class StepCounter:
    """A runner listener that counts the revisions committed."""

    def __init__(self) -> None:
        self.finished = 0

    def planned(self, steps: Sequence[Step]) -> None:
        """Nothing to do before the steps run."""

    def step_started(self, step: Step) -> None:
        """Nothing to do as a step starts."""

    def step_finished(self, step: Step, seconds: float) -> None:
        """One more revision committed."""
        self.finished += 1


# Per worker process: the configuration of each project it has served, and each history.
_LOADED: dict[Project, Config] = {}
_HISTORIES: dict[tuple[tuple[Path, ...], bool], History] = {}


def target_history(config: Config) -> History:
    """The history a target's configuration (:func:`migguard.fleet.targets.for_target`)
    runs: the project's, or the target's own (``script_location``), loaded once per process.

    Raises:
        HistoryError: the history does not load.
    """
    key = (config.version_locations, config.recursive_version_locations)
    if key not in _HISTORIES:
        from migguard.scripts.directory import load_history

        _HISTORIES[key] = load_history(config)
    return _HISTORIES[key]


def _loaded(project: Project) -> Config:
    """The configuration of ``project``, loaded once per process."""
    if project not in _LOADED:
        from migguard.config.load import load_config

        config = load_config(project.config_file, cwd=project.cwd, ini_section=project.ini_section)
        # As the command line does for its own process: the project's modules import through
        # these folders.
        sys.path[:0] = [str(path) for path in config.prepend_sys_path if str(path) not in sys.path]
        if project.env_py:
            from migguard.alembic_compat.env_settings import with_env_py

            config = with_env_py(config, x_arguments=project.x_arguments)
        _LOADED[project] = config
    return _LOADED[project]


def _rows_or_none(config: Config | None) -> tuple[str, ...] | None:
    """The version table's rows, or ``None`` when they cannot be read."""
    if config is None:
        return None
    from migguard.runtime.current import read_current

    try:
        return read_current(config)
    except MigguardError:
        return None


def _reason(exc: BaseException, target: Target) -> str:
    """A failure in one line, the target's credentials removed."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    if not isinstance(exc, MigguardError):
        line = f"{type(exc).__name__}: {line}"
    return scrub_secrets(line, target.url)


def _result_of(future: Future[TargetResult], target: Target) -> TargetResult:
    """A finished future's result; a worker that died (killed, out of memory) is a failure."""
    try:
        return future.result()
    except Exception as exc:  # the worker process itself failed (killed, out of memory)
        return TargetResult(target.name, target.shown_url, "failed", reason=_reason(exc, target))


def _not_run(target: Target) -> TargetResult:
    return TargetResult(target.name, target.shown_url, "not run")
