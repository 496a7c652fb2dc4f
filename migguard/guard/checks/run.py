"""Running the selected checks and collecting their findings.

The checks are listed in :data:`CHECKS`, a table of :class:`Check` records. Every check module
imports its heavy libraries inside its functions: ``migguard check --select graph,heads`` (the
``migguard-heads`` hook) never imports SQLAlchemy or GitPython.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from migguard.config import Config
from migguard.guard.checks.context import CheckContext, SharedWork
from migguard.guard.checks.drift import check_drift
from migguard.guard.checks.edited import check_edited
from migguard.guard.checks.graph import check_graph
from migguard.guard.checks.heads import check_heads
from migguard.guard.checks.lint import check_lint
from migguard.guard.checks.stale_parent import check_stale_parent
from migguard.guard.checks.sync import check_models_imported, check_sync
from migguard.guard.checks.unstaged import check_unstaged
from migguard.guard.findings import CODES, Finding, sort_findings
from migguard.guard.settings import CheckSettings
from migguard.scripts.directory import load_history

__all__ = ["CHECKS", "Check", "run_checks", "selected_codes"]


class Check(NamedTuple):
    """One check of the table.

    Attributes:
        code: its code (one of :data:`migguard.guard.findings.CODES`).
        function: the check itself.
        needs_db: it runs only with ``--db`` (and always then, unless ignored).
        needs_staged: it runs only with ``--staged`` (a commit being made).
    """

    code: str
    function: Callable[[CheckContext], list[Finding]]
    needs_db: bool = False
    needs_staged: bool = False


# In the order of CODES; ``graph`` is run by ``run_checks`` itself (it loads the history the
# others read, see migguard.guard.checks.graph).
CHECKS: dict[str, Check] = {
    check.code: check
    for check in (
        Check("heads", check_heads),
        Check("unstaged", check_unstaged, needs_staged=True),
        Check("sync", check_sync),
        Check("models-imported", check_models_imported),
        Check("edited", check_edited),
        Check("stale-parent", check_stale_parent),
        Check("lint", check_lint),
        Check("drift", check_drift, needs_db=True),
    )
}


def selected_codes(
    settings: CheckSettings,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    *,
    db: bool = False,
    staged: bool = False,
) -> tuple[str, ...]:
    """The codes to run, in :data:`CODES` order.

    Args:
        settings: the ``[check]`` table (its ``select``/``ignore`` are the defaults).
        select: ``--select`` codes; when given they replace the configured selection.
        ignore: ``--ignore`` codes, added to the configured ones.
        db: ``--db`` was given; ``drift`` runs only then, and always then unless ignored.
        staged: ``--staged`` was given; ``unstaged`` runs only then (unless not selected).

    Returns:
        The codes; ``graph`` is always first when the history is needed at all.
    """
    ignored = set(ignore) | set(settings.ignore)
    chosen = set(select or settings.select) - ignored
    for check in CHECKS.values():
        if check.needs_db and db and check.code not in ignored:
            chosen.add(check.code)
        elif (check.needs_db and not db) or (check.needs_staged and not staged):
            chosen.discard(check.code)
    return tuple(code for code in CODES if code in chosen)


def run_checks(
    config: Config,
    codes: Sequence[str],
    settings: CheckSettings,
    *,
    db: bool = False,
    fix: bool = False,
    staged: bool = False,
    all_revisions: bool = False,
) -> list[Finding]:
    """Run the checks named by ``codes`` and return their findings, sorted.

    The history is loaded first. When it is broken, the ``graph`` finding says why (even when
    ``graph`` is not selected: nothing else can run) and the other checks are skipped.

    Args:
        config: the resolved configuration.
        codes: from :func:`selected_codes`.
        settings: the ``[check]`` table.
        db: ``--db`` (``drift`` may connect to the configured database).
        fix: ``--fix`` (``stale-parent`` may re-parent one unpublished revision; it then runs
            first and the history is read again for the other checks).
        staged: the run checks a commit being made (see :mod:`migguard.guard.checks.unstaged`).
        all_revisions: ``lint`` judges the whole history (``--all``).

    Returns:
        The findings, ordered by :func:`migguard.guard.findings.sort_findings`.

    Raises:
        ConfigError, DatabaseError: from checks that cannot run at all (models that cannot be
            imported, an unreachable database given with ``--db``).
    """
    findings, history = check_graph(config, report_warnings="graph" in codes)
    if history is None:
        return findings
    shared = SharedWork(config)
    context = CheckContext(
        config,
        history,
        settings,
        shared,
        db=db,
        fix=fix,
        staged=staged,
        all_revisions=all_revisions,
    )
    rest = [code for code in codes if code != "graph"]
    if fix and "stale-parent" in rest:
        # The fix rewrites a script: it runs first, and the other checks see the result.
        findings.extend(CHECKS["stale-parent"].function(context))
        rest.remove("stale-parent")
        context = context._replace(history=load_history(config))
    for code in rest:
        findings.extend(CHECKS[code].function(context))
    return sort_findings(findings)
