"""The ``lint`` check: revisions new on this branch that would lock production or break the
code still running during a deploy (see :mod:`migguard.lint`).

It lints the revisions absent from the base branch's tip (see
:mod:`migguard.guard.checks.base_branch`), or every revision with ``--all``. Tables and columns
created by revisions new on this branch are not flagged in the revisions above them. When
there is no base branch to compare with, it reports one info finding saying why it was skipped
(``--all`` still lints every revision).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migguard.guard.checks.context import CheckContext, base_for
from migguard.guard.findings import INFO, Finding
from migguard.scripts.directory import display_path

if TYPE_CHECKING:
    from migguard.lint.run import LintFinding

__all__ = ["as_finding", "check_lint"]


def check_lint(context: CheckContext) -> list[Finding]:
    """Lint the new revisions (every revision with ``context.all_revisions``).

    Args:
        context: the check run.

    Returns:
        One ``lint`` finding per unsafe operation (suppressed ones included, marked), or one
        info (error for a missing configured ``base_branch``) when there is no base branch
        and ``--all`` was not given.

    Raises:
        ConfigError: ``[check.lint]`` is invalid.
    """
    from migguard.lint.run import lint_revisions
    from migguard.lint.settings import lint_settings

    settings = lint_settings(context.config)
    history = context.history
    graph = history.graph
    base = base_for(context, "lint")
    if isinstance(base, Finding):
        if not context.all_revisions:
            if base.severity == INFO:
                base = base._replace(hint="lint every revision with: migguard check --all")
            return [base]
        unreleased: list[str] = []
    else:
        at_tip = context.shared.revisions_at_tip(base, history)
        unreleased = [rid for rid in graph.ids if rid not in at_tip]
    revisions = list(graph.ids) if context.all_revisions else unreleased
    found = lint_revisions(history, revisions, unreleased, settings)
    return [as_finding(finding, history.root) for finding in found]


def as_finding(finding: LintFinding, root: Path) -> Finding:
    """The guard's form of a lint finding: code ``lint``, the message led by the revision
    id, the script shown relative to ``root``."""
    return Finding(
        "lint",
        finding.severity,
        f"{finding.revision}: {finding.message}",
        file=display_path(finding.script, root),
        line=finding.line,
        hint=finding.hint,
        details=finding.details,
        rule=finding.rule,
        suppressed=finding.suppressed,
    )
