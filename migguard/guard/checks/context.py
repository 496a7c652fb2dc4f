"""What every check receives: the configuration, the loaded history and the run's options."""

from __future__ import annotations

from typing import NamedTuple

from migguard.config import Config
from migguard.guard.settings import CheckSettings
from migguard.scripts.directory import History


class CheckContext(NamedTuple):
    """The input of one check run.

    Attributes:
        config: the resolved configuration.
        history: the loaded history (checks other than ``graph`` run only when it loaded).
        settings: the ``[check]`` table.
        db: ``--db`` was given (the ``drift`` check may connect to the configured database).
        fix: ``--fix`` was given (``stale-parent`` may rewrite one unpublished revision).
        staged: ``--staged`` was given: the run checks a commit being made (``unstaged``).
        memo: work shared between checks of the same run (e.g. the replayed schema, which
            both ``sync`` and ``models-imported`` use), keyed by the module that owns it.
    """

    config: Config
    history: History
    settings: CheckSettings
    db: bool = False
    fix: bool = False
    staged: bool = False
    memo: dict[str, object] = {}  # noqa: RUF012 - run_checks always passes a fresh dict


def with_env_py_settings(context: CheckContext) -> CheckContext:
    """``context`` whose configuration holds an Alembic project's env.py settings (the
    models, the URL, the version table), read once per run and shared through ``memo``;
    unchanged for a project without env.py. For the checks that need the models or the
    database (``sync``, ``models-imported``, ``drift``), never the git-only ones.
    """
    key = "env.py"
    config = context.memo.get(key)
    if not isinstance(config, Config):
        from migguard.alembic_compat.env_settings import with_env_py

        config = with_env_py(context.config)
        context.memo[key] = config
    return context._replace(config=config)
