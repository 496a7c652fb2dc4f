"""Errors raised by the revision graph.

Defects of the history itself (cycles, duplicate ids, unknown parents) are ``HistoryError``
(exit 3); identifiers a user typed that do not resolve are ``ResolutionError`` (exit 2).
Every message is one line that names the revisions and files involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from migguard.errors import HistoryError, UsageError


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)


class CycleError(HistoryError):
    """The down_revision / depends_on links form a loop; ``members`` lists it parent first."""

    def __init__(self, members: Sequence[str]) -> None:
        self.members = tuple(members)
        loop = " -> ".join([*self.members, self.members[0]])
        super().__init__(f"cycle in the revision history: {loop}")


class DuplicateRevisionError(HistoryError):
    """Two scripts declare the same revision id."""

    def __init__(self, revision: str, first: str, second: str) -> None:
        super().__init__(f"revision id {revision!r} is declared twice: in {first} and in {second}")
        self.file = second or None


class IllegalRevisionIdError(HistoryError):
    """A revision id holds a character the identifier grammar reserves."""

    def __init__(self, revision: str, source: str) -> None:
        where = f" in {source}" if source else ""
        super().__init__(
            f"revision id {revision!r}{where} must not be empty or contain '@', '+', '-', ':' "
            "or whitespace"
        )
        self.file = source or None


class UnknownParentError(HistoryError):
    """A down_revision or depends_on names a revision (or label) that does not exist."""

    def __init__(self, field: str, target: str, revision: str, source: str) -> None:
        where = f" ({source})" if source else ""
        super().__init__(
            f"revision {revision}{where} has {field} {target!r}, which is not in the history"
        )
        self.file = source or None


class DuplicateBranchLabelError(HistoryError):
    """A branch label is declared twice, or equals another revision's id."""

    def __init__(self, label: str, first: str, second: str) -> None:
        super().__init__(f"branch label {label!r} is used by both {first} and {second}")


class UnreadableFieldError(HistoryError):
    """A command needs a header field that could not be read from a script."""

    def __init__(self, revision: str, source: str, field: str, line: int, expression: str) -> None:
        super().__init__(
            f"{source}:{line}: {field} of revision {revision} is not readable "
            f"({expression}); this command needs it"
        )
        self.file, self.line = source, line


class ResolutionError(UsageError):
    """An identifier given by the user does not resolve to revisions."""


class UnknownRevisionError(ResolutionError):
    """No revision, prefix or branch label matches the identifier."""

    def __init__(self, ident: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {_ids(suggestions)}?" if suggestions else ""
        super().__init__(f"no revision or branch label {ident!r}{hint}")


class AmbiguousRevisionError(ResolutionError):
    """A partial id matches several revisions."""

    def __init__(self, ident: str, candidates: Sequence[str]) -> None:
        shown = _ids(candidates[:10]) + (", ..." if len(candidates) > 10 else "")
        super().__init__(
            f"{ident!r} matches {len(candidates)} revisions ({shown}); give more characters"
        )


class MultipleHeadsError(ResolutionError):
    """A single head was asked for while several exist."""

    def __init__(
        self, heads: Sequence[str], asked: str = "head", scope: str = "the history"
    ) -> None:
        self.heads = tuple(heads)
        super().__init__(
            f"{asked!r} is ambiguous: {scope} has {len(heads)} heads ({_ids(heads)}); "
            f'name one, or merge them with: migguard merge heads -m "merge heads"'
        )


class WalkError(ResolutionError):
    """A relative identifier (``+N``, ``-N``, ``rev+N``) cannot be walked."""


class RevisionExistsError(ResolutionError):
    """A new revision id (``--rev-id``) is already taken."""

    def __init__(self, revision: str, source: str) -> None:
        super().__init__(f"revision id {revision!r} already exists ({source})")
