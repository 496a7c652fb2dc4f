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
