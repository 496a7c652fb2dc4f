"""The post-merge and post-rewrite hooks: what to do when a pull brought revision files.

``git pull`` (a merge, fast-forward or not) runs post-merge; ``git pull --rebase`` with local
commits runs post-rewrite instead. Both leave the pre-pull head in ``ORIG_HEAD``, so the
revision files that arrived are those differing between ``ORIG_HEAD`` and ``HEAD``.

When upgrading is opted in (``[post_merge] upgrade = true``, or ``MIGGUARD_POST_MERGE_UPGRADE``
set to ``1``/``true``/``yes``: a staging server), the database is upgraded to ``head`` under
the runner's migration lock and the attempt is appended to the configured ``log`` file (no
``log`` setting: no log). With ``[post_merge] targets`` or ``tags`` the configured targets
they name are upgraded instead, in parallel (``jobs`` at once, each under its own lock), and
the log gets a line per target. Otherwise the result asks the caller to print a one-line
notice.

Library code: :func:`post_merge` returns a :class:`PostMergeResult`; the command line prints.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Final, Literal, NamedTuple

from migguard.config import Config
from migguard.config.urls import mask_password
from migguard.errors import ConfigError, MigguardError, UsageError
from migguard.guard import git
from migguard.guard.hooks.changes import RevisionChanges, graph_at, revision_changes
from migguard.guard.settings import post_merge_settings
from migguard.scripts.directory import History, load_history

if TYPE_CHECKING:
    from migguard.fleet.run import Project, TargetResult
    from migguard.guard.settings import PostMergeSettings
    from migguard.runtime.plan import Step
    from migguard.runtime.runner import Listener

__all__ = [
    "NOTICE",
    "SKIPPED",
    "UNCHANGED",
    "UPGRADED",
    "UPGRADE_ENV_VAR",
    "MergeEvent",
    "PostMergeAction",
    "PostMergeResult",
    "SeveralHeadsError",
    "merge_event",
    "post_merge",
    "several_heads_hint",
    "upgrade_opted_in",
]

UPGRADE_ENV_VAR = "MIGGUARD_POST_MERGE_UPGRADE"
_TRUE = frozenset({"1", "true", "yes"})

PostMergeAction = Literal["skipped", "unchanged", "notice", "upgraded"]
# PostMergeResult.action values.
SKIPPED: Final = "skipped"  # a squash merge, an amend, no ORIG_HEAD: nothing was looked at
UNCHANGED: Final = "unchanged"  # no revision file differs between ORIG_HEAD and HEAD
NOTICE: Final = "notice"  # revision files arrived; upgrading is not opted in
UPGRADED: Final = "upgraded"  # the upgrade ran (possibly with nothing to do)


class MergeEvent(NamedTuple):
    """Which hook fired, with git's (or pre-commit's) arguments.

    Attributes:
        hook: ``"post-merge"`` or ``"post-rewrite"``.
        squash: a ``git merge --squash`` (nothing was committed yet).
        rewrite_command: post-rewrite's ``"rebase"`` or ``"amend"``; ``None`` for post-merge.
    """

    hook: Literal["post-merge", "post-rewrite"]
    squash: bool = False
    rewrite_command: str | None = None


class PostMergeResult(NamedTuple):
    """What the hook did.

    Attributes:
        action: :data:`SKIPPED`, :data:`UNCHANGED`, :data:`NOTICE` or :data:`UPGRADED`.
        reason: why it was skipped (one line), else empty text.
        changes: the revision files that arrived (``None`` when skipped).
        heads: with :data:`NOTICE`, the heads of the history that arrived (read from git,
            never imported): several mean they must be merged before upgrading.
        steps: the upgrade's steps (empty unless upgraded and something ran).
        before: the version table's rows before the upgrade.
        after: the rows after it.
        url: the database, password masked (empty text unless upgraded).
        locked: the upgrade held a migration lock.
        warnings: what the upgrade has to tell the user (see
            :mod:`migguard.runtime.durability`).
        targets: with ``[post_merge] targets``/``tags``, one result per target upgraded
            (then ``steps``, ``before``, ``after`` and ``url`` are empty).
    """

    action: PostMergeAction
    reason: str = ""
    changes: RevisionChanges | None = None
    heads: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    url: str = ""
    locked: bool = False
    warnings: tuple[str, ...] = ()
    targets: tuple[TargetResult, ...] = ()

    @property
    def failed_targets(self) -> int:
        """How many of :attr:`targets` did not reach ``head``."""
        return sum(1 for target in self.targets if not target.succeeded)


class SeveralHeadsError(UsageError):
    """The history has several heads, so there is no single ``head`` to upgrade to (exit 2,
    as ``migguard upgrade head`` for the same history)."""

    def __init__(self, heads: Sequence[str]) -> None:
        self.heads = tuple(heads)
        super().__init__(f"not upgrading: {several_heads_hint(heads)}")


def several_heads_hint(heads: Sequence[str]) -> str:
    """What to do about several heads, e.g. ``the history has 2 heads (b2, c3); join them
    with `migguard merge heads -m "merge heads"`, commit, then run `migguard upgrade head```."""
    return (
        f"the history has {len(heads)} heads ({', '.join(heads)}); join them with "
        '`migguard merge heads -m "merge heads"`, commit, then run `migguard upgrade head`'
    )


def merge_event(hook: str, args: Sequence[str], environ: Mapping[str, str]) -> MergeEvent:
    """Read the event from git's hook arguments or pre-commit's environment.

    Plain git passes post-merge ``<squash flag>`` and post-rewrite ``<amend|rebase>`` as
    arguments. pre-commit runs both stages through one entry, passing nothing and setting
    ``PRE_COMMIT_IS_SQUASH_MERGE`` (post-merge) or ``PRE_COMMIT_REWRITE_COMMAND``
    (post-rewrite) instead.

    Args:
        hook: ``"post-merge"`` or ``"post-rewrite"`` (the name the hook was called by).
        args: the hook's arguments.
        environ: the environment (``os.environ``).

    Returns:
        The event.

    Raises:
        UsageError: ``hook`` is neither name.
    """
    rewrite = environ.get("PRE_COMMIT_REWRITE_COMMAND")
    if hook == "post-rewrite" or rewrite:
        return MergeEvent("post-rewrite", rewrite_command=rewrite or (args[0] if args else None))
    if hook != "post-merge":
        raise UsageError(f"unknown merge hook {hook!r} (post-merge or post-rewrite)")
    flag = environ.get("PRE_COMMIT_IS_SQUASH_MERGE") or (args[0] if args else "0")
    return MergeEvent("post-merge", squash=flag == "1")


def upgrade_opted_in(config: Config, environ: Mapping[str, str]) -> bool:
    """Whether the hook upgrades: ``[post_merge] upgrade = true`` or the environment variable
    :data:`UPGRADE_ENV_VAR` set to ``1``, ``true`` or ``yes`` (any case).

    Raises:
        ConfigError: the ``[post_merge]`` table is invalid.
    """
    if environ.get(UPGRADE_ENV_VAR, "").strip().lower() in _TRUE:
        return True
    return post_merge_settings(config).upgrade


def post_merge(
    config: Config,
    event: MergeEvent,
    *,
    environ: Mapping[str, str] | None = None,
    on_plan: Callable[[History, Sequence[Step]], Listener | None] | None = None,
    lock_timeout: float = 60.0,
    project: Project | None = None,
    on_target: Callable[[TargetResult], None] | None = None,
) -> PostMergeResult:
    """Handle a post-merge or post-rewrite event.

    Squash merges (not committed yet) and amends (no revision arrives) are skipped. When
    revision files differ between ``ORIG_HEAD`` and ``HEAD`` and upgrading is opted in, the
    plan to ``head`` is computed without locking and given to ``on_plan`` (to show it), then
    the upgrade runs under the migration lock, telling the listener ``on_plan`` returned about
    each step. Every upgrade attempt (done, nothing to do, refused, failed) is appended to
    ``config.log`` when it is set.

    Args:
        config: the configuration.
        event: from :func:`merge_event`.
        environ: the environment for the opt-in variable (default ``os.environ``).
        on_plan: receives the history and the planned steps before anything runs; returns
            the runner's listener (or ``None``).
        lock_timeout: seconds to wait for another run's migration lock.
        project: with ``[post_merge] targets``/``tags``, where the worker processes load the
            configuration (default: discovered from ``config.root``).
        on_target: with targets, told about each target as it finishes (``on_plan`` is not
            called then: each target has its own plan).

    Returns:
        The result. A target that fails is its result (logged), not an exception.

    Raises:
        UsageError: not in a git working tree; a ``[post_merge]`` target name or tag that
        no ``[targets.NAME]`` has. ConfigError: invalid ``[post_merge]`` or ``[targets]``,
        no database URL. SeveralHeadsError: the history has several heads (logged).
        HistoryError: the history does not load (for a notice: its headers, read from
        git). DatabaseError, MigrationFailedError: the
        upgrade failed (logged; the database stays at its last good revision).
    """
    env = os.environ if environ is None else environ
    skipped = _skip_reason(event)
    if skipped:
        return PostMergeResult(SKIPPED, reason=skipped)
    repo = git.working_repo(config.root)
    if git.commit_id(repo, "ORIG_HEAD") is None:
        return PostMergeResult(SKIPPED, reason="no ORIG_HEAD: nothing to compare HEAD with")
    changes = revision_changes(repo, config, "ORIG_HEAD", "HEAD")
    if not changes.files:
        return PostMergeResult(UNCHANGED, changes=changes)
    if not upgrade_opted_in(config, env):
        return PostMergeResult(NOTICE, changes=changes, heads=graph_at(repo, config, "HEAD").heads)
    settings = post_merge_settings(config)
    where = f"database {mask_password(config.url) if config.url else '(no database URL)'}"
    # Opened first, so that a log that cannot be written stops the hook before any change.
    with _open_log(config) as log:
        try:
            if settings.fleet:
                result = _upgrade_targets(
                    config, changes, settings, project, on_target, lock_timeout
                )
            else:
                result = _upgrade(config, changes, on_plan, lock_timeout)
        except MigguardError as exc:
            _write(
                log, event, changes, _failure(exc), _chosen(settings) if settings.fleet else where
            )
            raise
        if settings.fleet:
            for target in result.targets:
                outcome = _target_outcome(target)
                _write(log, event, changes, outcome, f"target {target.name} {target.shown_url}")
        else:
            _write(log, event, changes, _success(result), where)
    return result


def _skip_reason(event: MergeEvent) -> str:
    if event.squash:
        return "squash merge: nothing is committed yet"
    if event.hook == "post-rewrite" and event.rewrite_command != "rebase":
        return f"post-rewrite after {event.rewrite_command or 'an unknown command'}, not a rebase"
    return ""


def _upgrade(
    config: Config,
    changes: RevisionChanges,
    on_plan: Callable[[History, Sequence[Step]], Listener | None] | None,
    lock_timeout: float,
) -> PostMergeResult:
    from migguard.runtime.current import shown_url
    from migguard.runtime.migrate import migrate

    url = shown_url(config)
    history = load_history(config)
    heads = history.graph.heads
    if len(heads) > 1:
        raise SeveralHeadsError(heads)
    listener = None
    if on_plan is not None:
        planned = migrate(config, history, upgrade=True, target="head", dry_run=True)
        listener = on_plan(history, planned.steps)
    outcome = migrate(
        config,
        history,
        upgrade=True,
        target="head",
        lock_timeout=lock_timeout,
        listener=listener,
    )
    return PostMergeResult(
        UPGRADED,
        changes=changes,
        steps=tuple(outcome.steps),
        before=outcome.before,
        after=outcome.after,
        url=url,
        locked=outcome.locked,
        warnings=outcome.warnings,
    )


def _upgrade_targets(
    config: Config,
    changes: RevisionChanges,
    settings: PostMergeSettings,
    project: Project | None,
    on_target: Callable[[TargetResult], None] | None,
    lock_timeout: float,
) -> PostMergeResult:
    """Upgrade the targets ``[post_merge] targets``/``tags`` name to ``head``, in parallel."""
    from migguard.fleet.actions import Migrate
    from migguard.fleet.run import Project, run_fleet
    from migguard.fleet.schemas import expand_schemas
    from migguard.fleet.select import select_targets
    from migguard.fleet.targets import read_targets

    heads = load_history(config).graph.heads
    if len(heads) > 1:
        raise SeveralHeadsError(heads)
    targets = select_targets(
        read_targets(config), names=settings.targets, tags=settings.tags, expand=expand_schemas
    )
    if project is None:
        project = Project(config_file=None, cwd=config.root, ini_section=config.ini_section)
    results = run_fleet(
        project,
        targets,
        Migrate(upgrade=True, revision="head", lock_timeout=lock_timeout),
        jobs=settings.jobs,
        on_done=on_target,
    )
    return PostMergeResult(UPGRADED, changes=changes, targets=tuple(results))


def _chosen(settings: PostMergeSettings) -> str:
    """``targets eu, us, tag:staging``: what ``[post_merge]`` names, for the log."""
    return "targets " + ", ".join((*settings.targets, *(f"tag:{t}" for t in settings.tags)))


def _target_outcome(result: TargetResult) -> str:
    """One target's outcome for the log, in the words of the single-database lines."""
    before = ", ".join(result.before or ()) or "base"
    after = ", ".join(result.after or ()) or "base"
    if result.outcome == "upgraded":
        return f"upgraded from {before} to {after} ({result.revisions_run} revisions)"
    if result.outcome == "already at target":
        return f"up to date at {after}"
    if result.outcome == "failed":
        return f"failed: {result.reason}"
    return "not run"


def _success(result: PostMergeResult) -> str:
    before = ", ".join(result.before) or "base"
    after = ", ".join(result.after) or "base"
    if result.steps:
        return f"upgraded from {before} to {after} ({len(result.steps)} revisions)"
    return f"up to date at {after}"


def _failure(exc: MigguardError) -> str:
    from migguard.runtime.runner import MigrationFailedError

    text = " ".join(str(exc).split())
    if isinstance(exc, MigrationFailedError):
        return f"failed at revision {exc.step.revision}: {text}"
    if isinstance(exc, SeveralHeadsError):
        return f"refused: several heads ({', '.join(exc.heads)})"
    return f"failed: {text}"


def _open_log(config: Config) -> contextlib.AbstractContextManager[IO[str] | None]:
    """The log file opened for appending, or ``None`` when no ``log`` is configured.

    Raises:
        ConfigError: the file or its folder cannot be created or written.
    """
    if config.log is None:
        return contextlib.nullcontext()
    try:
        config.log.parent.mkdir(parents=True, exist_ok=True)
        return config.log.open("a", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot append to log {config.log}: {exc.strerror}") from None


def _write(
    log: IO[str] | None,
    event: MergeEvent,
    changes: RevisionChanges,
    outcome: str,
    where: str,
) -> None:
    """Append ``<local ISO time> <hook> <before..after> <outcome>; <where>``, ``where`` being
    ``database <masked url>`` or ``target <name> <masked url>``."""
    if log is None:
        return
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    log.write(f"{stamp} {event.hook} {changes.span} {outcome}; {where}\n")
    log.flush()
