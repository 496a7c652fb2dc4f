"""The revision record the graph is built from: plain data, no files, no databases."""

from __future__ import annotations

from typing import NamedTuple

# Characters that would make an id collide with the identifier grammar
# (``label@head``, ``rev+2``, ``rev-1``, ``start:end``) or with whitespace-separated lists.
ILLEGAL_ID_CHARS = frozenset("@+-: \t\n")


class Unreadable(NamedTuple):
    """A header field whose value is not a literal and could not be evaluated.

    Attributes:
        field: ``"branch_labels"`` or ``"depends_on"``.
        line: 1-based line of the assignment in the script.
        expression: the source text of the value, e.g. ``(cli.EXPAND_BRANCH,)``.
        reason: why evaluating it failed (the import error, one line).
    """

    field: str
    line: int
    expression: str
    reason: str


class Revision(NamedTuple):
    """One revision as declared by its script (immutable; a NamedTuple because histories
    hold tens of thousands and a frozen dataclass costs several times more to build).

    Attributes:
        revision: the revision id (any string without ``@ + - :`` or whitespace).
        down_revisions: parent ids; empty for a base, two or more for a merge.
        branch_labels: labels declared by this revision (inherited labels live in the graph).
        depends_on: declared dependencies: revision ids or branch labels.
        message: first line of the script's docstring.
        source: where the revision came from (a path relative to the project), for messages.
        create_date: the ``Create Date`` header text, if any.
        unreadable: header fields that could not be read; commands that need them fail.
    """

    revision: str
    down_revisions: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    message: str = ""
    source: str = ""
    create_date: str | None = None
    unreadable: tuple[Unreadable, ...] = ()

    @property
    def is_merge(self) -> bool:
        """True when the revision has two or more parents."""
        return len(self.down_revisions) > 1

    def describe(self) -> str:
        """``id (source)`` for messages, or the bare id when the source is unknown."""
        return f"{self.revision} ({self.source})" if self.source else self.revision
