"""Raw SQL (``op.execute``) linted by squawk, PostgreSQL's SQL migration linter, when it is
installed (``pip install squawk-cli``; https://squawkhq.com).

migguard's own rules judge operations; the SQL text scripts pass to ``op.execute`` is handed to
squawk, whose findings are reported under rule ids ``squawk:<its rule>``. Squawk's style rules
(robust statements, bigint and identity preferences, timeouts, which migguard's own
``missing-lock-timeout`` covers) are left out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["SquawkFinding", "squawk_executable", "squawk_lint"]

# Squawk rules about style or covered by migguard's own rules.
EXCLUDED = (
    "prefer-robust-stmts",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-text-field",
    "prefer-timestamptz",
    "require-statement-timeout",
    "require-lock-timeout",
    "transaction-nesting",
)


class SquawkFinding(NamedTuple):
    """One squawk finding: the index of the statement it is about (in the list given), its
    rule name, message and help (may be empty)."""

    statement: int
    rule: str
    message: str
    help: str


class SquawkError(RuntimeError):
    """Squawk ran but its output could not be read (the message says how it failed)."""


def squawk_executable() -> str | None:
    """The squawk program: next to this Python (a virtual environment's ``bin``), else on
    ``PATH``; ``None`` when it is not installed."""
    beside = os.path.join(os.path.dirname(sys.executable), "squawk")
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which("squawk")


def squawk_lint(executable: str, statements: Sequence[str]) -> list[SquawkFinding]:
    """Lint SQL statements with squawk, as if they ran in one transaction.

    Args:
        executable: from :func:`squawk_executable`.
        statements: SQL statements (without trailing semicolons).

    Returns:
        Squawk's findings, each tied to the statement it is about.

    Raises:
        SquawkError: squawk failed or printed something that is not its JSON report.
    """
    text, starts = _script(statements)
    command = [
        executable,
        "--reporter",
        "json",
        "--assume-in-transaction",
        "--stdin-filepath",
        "revision.sql",
        f"--exclude={','.join(EXCLUDED)}",
    ]
    try:
        done = subprocess.run(
            command, input=text, capture_output=True, text=True, timeout=60, check=False
        )
        report = json.loads(done.stdout or "[]")
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise SquawkError(f"squawk failed: {exc}") from exc
    if not isinstance(report, list):
        raise SquawkError(f"squawk printed no report (exit status {done.returncode})")
    findings = []
    for entry in report:
        line = int(entry.get("line", 0))
        statement = max(index for index, start in enumerate(starts) if start <= line)
        findings.append(
            SquawkFinding(
                statement,
                str(entry.get("rule_name", "unknown")),
                str(entry.get("message", "")),
                str(entry.get("help") or ""),
            )
        )
    return findings


def _script(statements: Sequence[str]) -> tuple[str, list[int]]:
    """The statements as one SQL script, and the 0-based line each one starts on."""
    starts, lines = [], 0
    parts = []
    for statement in statements:
        starts.append(lines)
        part = f"{statement.strip()};\n"
        parts.append(part)
        lines += part.count("\n")
    return "".join(parts), starts
