"""What a check reports: findings, their severities, and the exit code they add up to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Literal, NamedTuple, get_args

from migguard.errors import EXIT_FINDINGS, EXIT_HISTORY, EXIT_OK

__all__ = [
    "CODES",
    "ERROR",
    "INFO",
    "SEVERITIES",
    "WARNING",
    "CheckCode",
    "Finding",
    "Severity",
    "active",
    "exit_code",
    "finding_record",
    "sort_findings",
]

# Most severe first: reports are sorted in this order.
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"

# Every check's code, in the order checks run and reports list them.
CheckCode = Literal[
    "graph",
    "heads",
    "unstaged",
    "sync",
    "models-imported",
    "edited",
    "stale-parent",
    "lint",
    "drift",
]
CODES: tuple[CheckCode, ...] = get_args(CheckCode)


class Finding(NamedTuple):
    """One problem (or, with severity ``info``, one remark) a check reports.

    Attributes:
        code: the check's code (one of :data:`CODES`).
        severity: ``"error"``, ``"warning"`` or ``"info"``; only errors fail a check run.
        message: one line saying what is wrong, naming the revisions, tables and files.
        file: the file concerned, relative to the project folder with forward slashes, or
            ``None``.
        line: 1-based line in ``file``, or ``None``.
        hint: one line saying what to do about it (often a command to run), or ``None``.
        details: further lines, e.g. the operations a ``sync`` finding says are missing.
        rule: the lint rule's id (``lint`` findings only), e.g. ``require-concurrent-index``.
        suppressed: why the finding is suppressed (a ``# migguard: safe[rule] reason`` comment
            or the ``[check.lint]`` configuration), or ``None``. A suppressed finding is listed
            in JSON and SARIF output only, and never fails a run.
    """

    code: CheckCode
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None
    details: tuple[str, ...] = ()
    rule: str | None = None
    suppressed: str | None = None


def active(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that count: those not suppressed."""
    return [finding for finding in findings if finding.suppressed is None]


def exit_code(findings: Iterable[Finding]) -> int:
    """The process status for a check run.

    Returns:
        3 when a ``graph`` error exists (the history itself is broken), else 1 when any error
        that is not suppressed exists, else 0 (warnings and infos never fail a run).
    """
    errors = [finding for finding in active(findings) if finding.severity == ERROR]
    if any(finding.code == "graph" for finding in errors):
        return EXIT_HISTORY
    return EXIT_FINDINGS if errors else EXIT_OK


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Findings ordered by check (the order of :data:`CODES`), then severity, then file."""
    code_rank = {code: index for index, code in enumerate(CODES)}
    severity_rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    return sorted(
        findings,
        key=lambda f: (
            code_rank.get(f.code, len(CODES)),
            severity_rank[f.severity],
            f.file or "",
            f.line or 0,
        ),
    )


def finding_record(finding: Finding) -> dict[str, object]:
    """The JSON form of a finding (``--format json``): every attribute, ``null`` when unset
    (``suppressed`` holds the reason of a suppressed finding)."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "hint": finding.hint,
        "details": list(finding.details),
        "rule": finding.rule,
        "suppressed": finding.suppressed,
    }
