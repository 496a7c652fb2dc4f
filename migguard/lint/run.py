"""Linting revisions: record each one's ``upgrade()``, judge its operations, apply
suppressions.

:func:`lint_revisions` lints revisions of a loaded history, knowing which revisions are not yet
released (their new tables and columns are not flagged in the revisions above them);
:func:`lint_scripts` lints script files given by path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from migguard.graph import RevisionGraph
from migguard.lint.recording import Recording, Step, dialect_for, record_upgrade
from migguard.lint.rule import Hit, Rule, RuleSeverity
from migguard.lint.rules import ONCE_PER_REVISION, RULES
from migguard.lint.scope import NewObjects, Scope
from migguard.lint.settings import LintSettings
from migguard.lint.squawk import SquawkError, squawk_executable, squawk_lint
from migguard.lint.suppress import Suppressions, read_suppressions
from migguard.ops.data import BulkInsert, Execute
from migguard.scripts.directory import History

__all__ = ["LintFinding", "Target", "lint_revisions", "lint_scripts"]

_LOCK_TIMEOUT = re.compile(r"^\s*SET\s+(LOCAL\s+|SESSION\s+)?lock_timeout\b", re.I)


class LintFinding(NamedTuple):
    """One finding of the lint.

    Attributes:
        rule: the rule id (``squawk:<rule>`` for squawk's; ``raw-sql`` and
            ``upgrade-not-recorded`` for what could not be linted).
        severity: ``error``, ``warning`` or ``info``.
        revision: the revision id.
        script: the script's path.
        line: 1-based line of the operation in the script, or ``None``.
        message: one line: what the operation does to the running system.
        hint: one line: the safe recipe.
        details: further lines.
        suppressed: why it is suppressed (the comment's reason, or ``[check.lint] ignore``),
            or ``None``.
    """

    rule: str
    severity: RuleSeverity
    revision: str
    script: Path
    line: int | None
    message: str
    hint: str | None = None
    details: tuple[str, ...] = ()
    suppressed: str | None = None


class Target(NamedTuple):
    """One revision to lint: its id and script, and the objects created below it by
    revisions not yet released."""

    revision: str
    script: Path
    inherited: NewObjects


def lint_revisions(
    history: History,
    revisions: Collection[str],
    unreleased: Collection[str],
    settings: LintSettings,
) -> list[LintFinding]:
    """Lint revisions of a history.

    Args:
        history: the loaded history.
        revisions: the ids to lint.
        unreleased: the ids not yet released (new on this branch); tables and columns they
            create are not flagged in revisions above them. Every revision in ``revisions``
            that is also here is recorded once.
        settings: the ``[check.lint]`` settings.

    Returns:
        The findings, revision by revision from the base up, in operation order.
    """
    graph = history.graph
    unreleased_set = set(unreleased) & set(graph.ids)
    order = graph.bottom_up(set(revisions) | unreleased_set)
    created: dict[str, NewObjects] = {}
    findings: list[LintFinding] = []
    for rid in order:
        inherited = NewObjects.empty()
        for below in _unreleased_below(graph, rid, unreleased_set):
            inherited = inherited.merged(created.get(below, NewObjects.empty()))
        target = Target(rid, history.path(rid), inherited)
        found, made = _lint_one(target, history.root, settings)
        created[rid] = made
        if rid in revisions:
            findings.extend(found)
    return findings


def lint_scripts(
    scripts: Iterable[tuple[str, Path]], root: Path, settings: LintSettings
) -> list[LintFinding]:
    """Lint script files on their own: each revision knows only the tables it creates itself.

    Args:
        scripts: ``(revision id, script path)`` pairs.
        root: the project folder (on ``sys.path`` while scripts load).
        settings: the ``[check.lint]`` settings.

    Returns:
        The findings, script by script, in operation order.
    """
    findings = []
    for rid, script in scripts:
        found, _ = _lint_one(Target(rid, script, NewObjects.empty()), root, settings)
        findings.extend(found)
    return findings


def _lint_one(
    target: Target, root: Path, settings: LintSettings
) -> tuple[list[LintFinding], NewObjects]:
    """The findings of one revision, and the objects it creates (with those below it)."""
    recording = record_upgrade(target.script, target.revision, root, dialect_for(settings.dialect))
    try:
        source = target.script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        source = ""
    suppressions = read_suppressions(source)
    new = target.inherited.merged(NewObjects.empty())
    rules = [rule for rule in RULES if settings.dialect in rule.dialects]
    found: list[LintFinding] = []
    reported_once: set[str] = set()
    timeout = _LockTimeout()
    schema_changes = 0
    steps = recording.steps
    for index, step in enumerate(steps):
        timeout.before(step)
        scope = Scope(settings.dialect, new, timeout.in_force, schema_changes, steps, index)
        for rule in rules:
            if rule.id in reported_once:
                continue
            hit = rule.judge(step, scope)
            if hit is None:
                continue
            if rule.id in ONCE_PER_REVISION:
                reported_once.add(rule.id)
            found.append(_finding(rule, hit, target, step.line))
        timeout.after(step)
        if not isinstance(step.operation, Execute | BulkInsert):
            schema_changes += 1
        new.track(step.operation, step.sql)
    found.extend(_raw_sql(target, recording, settings))
    if recording.stopped is not None:
        found.append(_not_recorded(target, recording))
    return [_suppressed(finding, suppressions, settings) for finding in found], new


class _LockTimeout:
    """Whether a ``lock_timeout`` is in force, step by step through a revision.

    ``SET lock_timeout`` (or ``SET SESSION``) lasts for the connection; ``SET LOCAL`` only
    until its transaction ends, which ``autocommit_block()`` does by committing it, and inside
    the block each statement is its own transaction, where ``SET LOCAL`` sets nothing
    (https://www.postgresql.org/docs/current/sql-set.html).
    """

    def __init__(self) -> None:
        self.session = False
        self.local = False

    @property
    def in_force(self) -> bool:
        return self.session or self.local

    def before(self, step: Step) -> None:
        """An operation inside an autocommit block means the transaction was committed."""
        if step.autocommit:
            self.local = False

    def after(self, step: Step) -> None:
        """Take in the ``SET`` statements the step ran."""
        if not isinstance(step.operation, Execute):
            return
        for sql in step.sql:
            found = _LOCK_TIMEOUT.match(sql)
            if found is None:
                continue
            if found.group(1) and found.group(1).strip().upper() == "LOCAL":
                self.local = self.local or not step.autocommit
            else:
                self.session = True


def _finding(rule: Rule, hit: Hit, target: Target, line: int | None) -> LintFinding:
    return LintFinding(
        rule.id,
        hit.severity or rule.severity,
        target.revision,
        target.script,
        line,
        hit.message,
        hit.recipe,
        hit.details,
    )


def _raw_sql(target: Target, recording: Recording, settings: LintSettings) -> list[LintFinding]:
    """Squawk's findings on the SQL text of the revision's ``op.execute`` calls (PostgreSQL
    only), or one info finding saying that SQL was not analysed."""
    executed = [step for step in recording.steps if _is_raw_sql(step)]
    if not executed or settings.dialect != "postgresql":
        return []
    executable = squawk_executable()
    where = target.revision, target.script
    if executable is None:
        return [
            LintFinding(
                "raw-sql",
                "info",
                *where,
                executed[0].line,
                f"{len(executed)} op.execute statement(s) not analysed: the SQL linter squawk "
                "is not installed",
                "pip install squawk-cli (migguard then lints op.execute SQL with it)",
            )
        ]
    statements = [sql for step in executed for sql in step.sql]
    lines = [step.line for step in executed for _ in step.sql]
    try:
        reported = squawk_lint(executable, statements)
    except SquawkError as exc:
        return [LintFinding("raw-sql", "info", *where, executed[0].line, str(exc))]
    return [
        LintFinding(
            f"squawk:{entry.rule}",
            "warning",
            *where,
            lines[entry.statement],
            f"op.execute SQL: {entry.message} (squawk)",
            entry.help or None,
            (statements[entry.statement].splitlines()[0],),
        )
        for entry in reported
    ]


def _is_raw_sql(step: Step) -> bool:
    """An ``op.execute`` of SQL text other than ``SET ...`` (timeouts are judged by
    migguard's own rule)."""
    if not isinstance(step.operation, Execute) or not step.sql:
        return False
    return not all(sql.lstrip().upper().startswith("SET ") for sql in step.sql)


def _not_recorded(target: Target, recording: Recording) -> LintFinding:
    return LintFinding(
        "upgrade-not-recorded",
        "info",
        target.revision,
        target.script,
        recording.stopped_line,
        f"upgrade() could not run without a database ({recording.stopped}); the operations "
        "after this line were not linted",
        "scripts that read rows (op.get_bind().execute(...).fetchall()) cannot be linted "
        "past that point",
    )


def _suppressed(
    finding: LintFinding, suppressions: Suppressions, settings: LintSettings
) -> LintFinding:
    """The finding with its configured severity, suppressed when a comment or the
    configuration says so."""
    severity = settings.severity.get(finding.rule, finding.severity)
    finding = finding._replace(severity=severity)
    if finding.rule in settings.ignore:
        return finding._replace(suppressed="ignored in [check.lint]")
    comment = suppressions.find(finding.rule, finding.line)
    if comment is None:
        return finding
    if not comment.reason:
        note = (
            f"the safe[{finding.rule}] comment on line {comment.line} gives no reason, so it "
            "suppresses nothing: say why the operation is safe"
        )
        return finding._replace(details=(*finding.details, note))
    return finding._replace(suppressed=comment.reason)


def _unreleased_below(graph: RevisionGraph, rid: str, unreleased: set[str]) -> Sequence[str]:
    """The unreleased revisions below ``rid`` (reached through unreleased revisions only)."""
    below: list[str] = []
    seen = {rid}
    todo = [rid]
    while todo:
        for parent in graph.parents(todo.pop()):
            if parent in unreleased and parent not in seen:
                seen.add(parent)
                below.append(parent)
                todo.append(parent)
    return below
