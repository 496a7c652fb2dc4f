"""What every check receives: the configuration, the loaded history, the run's options, and the
work the checks of one run share (each piece done once, by the first check that needs it)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.guard.checks.base_branch import (
    BaseBranch,
    MissingBaseBranch,
    NoBaseBranch,
    find_base_branch,
)
from migguard.guard.commit_scripts import CommitRevision, revisions_at
from migguard.guard.findings import ERROR, INFO, CheckCode, Finding
from migguard.guard.settings import CheckSettings
from migguard.scripts.directory import History

if TYPE_CHECKING:
    import sqlalchemy as sa

    from migguard.guard.checks.model_side import ModelSide
    from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure


class Compared(NamedTuple):
    """What ``sync`` and ``models-imported`` compare: the models, the replayed schema (or
    why the history could not be replayed), and the models' snapshot if taken already."""

    metadata: tuple[sa.MetaData, ...]
    built: BuiltSchema | ReplayFailure
    models: ModelSide


class SharedWork:
    """The work the checks of one run share, each piece done on first use.

    Attributes:
        config: the run's configuration, as loaded (without env.py's settings).
        compared: the models and the replayed schema, set by whichever of ``sync`` and
            ``models-imported`` runs first; ``None`` before.
        models_problem_reported: the replay failure, or the models that could not be
            compared, has been reported by one of those two checks (it is reported once).
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.compared: Compared | None = None
        self.models_problem_reported = False
        self._at_tip: dict[str, CommitRevision] | None = None

    def revisions_at_tip(self, base: BaseBranch, history: History) -> dict[str, CommitRevision]:
        """The revisions declared at the base branch's tip (read once per run, for
        ``stale-parent`` and ``lint``; see :func:`migguard.guard.commit_scripts.revisions_at`).

        Args:
            base: the run's base branch.
            history: the working tree's history (its unchanged scripts are not parsed again).

        Returns:
            Revision id -> the revision as the tip declares it.
        """
        if self._at_tip is None:
            known = {history.files[revision.revision]: revision for revision in history.graph}
            self._at_tip = revisions_at(base.repo, base.tip, self.config, known)
        return self._at_tip

    @functools.cached_property
    def env_config(self) -> Config:
        """``config`` holding an Alembic project's env.py settings (the models, the URL, the
        version table); ``config`` itself for a project without env.py. Read only by the
        checks that need the models or the database, never the git-only ones."""
        from migguard.alembic_compat.env_settings import with_env_py

        return with_env_py(self.config)

    @functools.cached_property
    def base_branch(self) -> BaseBranch | NoBaseBranch | MissingBaseBranch:
        """The branch ``edited`` and ``stale-parent`` compare with, or the error saying why
        there is none (see :func:`migguard.guard.checks.base_branch.find_base_branch`)."""
        try:
            return find_base_branch(self.config)
        except (NoBaseBranch, MissingBaseBranch) as exc:
            return exc


class CheckContext(NamedTuple):
    """The input of one check run.

    Attributes:
        config: the resolved configuration.
        history: the loaded history (checks other than ``graph`` run only when it loaded).
        settings: the ``[check]`` table.
        shared: the work shared between the run's checks (one per run).
        db: ``--db`` was given (the ``drift`` check may connect to the configured database).
        fix: ``--fix`` was given (``stale-parent`` may rewrite one unpublished revision).
        staged: ``--staged`` was given: the run checks a commit being made (``unstaged``).
        all_revisions: ``--all`` was given: ``lint`` judges every revision, not only those
            new on this branch.
    """

    config: Config
    history: History
    settings: CheckSettings
    shared: SharedWork
    db: bool = False
    fix: bool = False
    staged: bool = False
    all_revisions: bool = False


def with_env_py_settings(context: CheckContext) -> CheckContext:
    """``context`` whose configuration holds an Alembic project's env.py settings (read once
    per run, see :attr:`SharedWork.env_config`); unchanged for a project without env.py. For
    the checks that need the models or the database (``sync``, ``models-imported``,
    ``drift``), never the git-only ones.
    """
    return context._replace(config=context.shared.env_config)


def base_for(context: CheckContext, code: CheckCode) -> BaseBranch | Finding:
    """The base branch for check ``code`` (looked up once per run, see
    :attr:`SharedWork.base_branch`), or the finding saying why there is none: an info when
    there is nothing to compare with, an error when the configured ``base_branch`` names
    nothing.
    """
    found = context.shared.base_branch
    if isinstance(found, MissingBaseBranch):
        return Finding(
            code, ERROR, str(found), hint="fetch it (git fetch origin) or fix base_branch"
        )
    if isinstance(found, NoBaseBranch):
        return Finding(code, INFO, f"skipped: {found}")
    return found
