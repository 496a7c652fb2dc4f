"""Suppression comments: ``# migguard: safe[rule-id] reason`` in a revision script.

A comment names one or more rule ids (comma-separated) and must give a reason. It suppresses
those rules' findings on the statement it is written on (any line of it, for a call spread
over several lines) or on the statement right below it, when it stands alone on the lines
above. A comment without a reason suppresses nothing: the finding says so.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import NamedTuple

__all__ = ["Suppression", "Suppressions", "read_suppressions"]

_SAFE = re.compile(r"#\s*migguard:\s*safe\[([^\]]*)\]\s*(.*)$")


class Suppression(NamedTuple):
    """One ``safe[...]`` comment: the 1-based line, the rule ids, the reason (may be empty)."""

    line: int
    rules: frozenset[str]
    reason: str


class Suppressions(NamedTuple):
    """The suppression comments of one script, and where its statements are.

    Attributes:
        comments: line -> the comment on it.
        spans: ``(first line, last line)`` of every statement, for finding the statement a
            line belongs to.
        comment_only: lines holding nothing but a comment.
    """

    comments: dict[int, Suppression]
    spans: tuple[tuple[int, int], ...]
    comment_only: frozenset[int]

    def find(self, rule: str, line: int | None) -> Suppression | None:
        """The comment naming ``rule`` that covers ``line`` (see the module docstring), or
        ``None``."""
        if line is None or not self.comments:
            return None
        first, last = self._statement(line)
        candidates = list(range(first, last + 1))
        above = first - 1
        while above in self.comment_only:
            candidates.append(above)
            above -= 1
        for candidate in candidates:
            comment = self.comments.get(candidate)
            if comment is not None and rule in comment.rules:
                return comment
        return None

    def _statement(self, line: int) -> tuple[int, int]:
        """The innermost statement containing ``line`` (the line alone when none does)."""
        best = (line, line)
        width = None
        for first, last in self.spans:
            if first <= line <= last and (width is None or last - first < width):
                best, width = (first, last), last - first
        return best


def read_suppressions(source: str) -> Suppressions:
    """The suppression comments of a script's source (empty when it cannot be tokenized or
    parsed: the lint then reports the script as not recorded anyway)."""
    comments: dict[int, Suppression] = {}
    comment_only: set[int] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        tree = ast.parse(source)
    except (SyntaxError, tokenize.TokenError):
        return Suppressions({}, (), frozenset())
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        if not token.line[: token.start[1]].strip():
            comment_only.add(line)
        match = _SAFE.search(token.string)
        if match:
            rules = frozenset(rule.strip() for rule in match.group(1).split(",") if rule.strip())
            comments[line] = Suppression(line, rules, match.group(2).strip())
    spans = tuple(
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt)
    )
    return Suppressions(comments, spans, frozenset(comment_only))
