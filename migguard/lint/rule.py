"""What a lint rule is: a stable id, the dialects it applies to, a default severity, and the
judge that looks at one recorded operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

from migguard.lint.recording import Step
from migguard.lint.scope import Scope

__all__ = ["ALL_DIALECTS", "PG", "Hit", "Rule", "RuleSeverity"]

RuleSeverity = Literal["error", "warning", "info"]
ALL_DIALECTS = frozenset({"postgresql", "sqlite", "mysql"})
PG = frozenset({"postgresql"})


class Hit(NamedTuple):
    """One operation a rule flags.

    Attributes:
        message: one line: the operation, what it does to the running system (the lock it
            takes and on what, or the code it breaks) and what that cost grows with.
        recipe: one line: the safe way, in migguard's own ops.
        details: further lines (e.g. the statement the recipe runs).
        severity: this hit's severity when it differs from the rule's (a hit the rule cannot
            be sure of is a warning), else ``None``.
    """

    message: str
    recipe: str
    details: tuple[str, ...] = ()
    severity: RuleSeverity | None = None


class Rule(NamedTuple):
    """One lint rule.

    Attributes:
        id: the stable id users write in ``safe[...]`` comments and ``[check.lint]``.
        dialects: the dialects it applies to.
        severity: the default severity (``[check.lint] severity`` may change it).
        summary: what it catches, in a few words (the README's rules table).
        judge: ``judge(step, scope)`` -> a :class:`Hit` when the step is unsafe, else
            ``None``.
    """

    id: str
    dialects: frozenset[str]
    severity: RuleSeverity
    summary: str
    judge: Callable[[Step, Scope], Hit | None]
