"""What a replay gives the model checks: the schema the history builds, or why it could not
be built."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from migguard.autogen.snapshot import Snapshot

__all__ = ["BuiltSchema", "ReplayFailure"]


class BuiltSchema(NamedTuple):
    """The schema the history builds.

    Attributes:
        snapshot: the scratch database reflected after ``upgrade heads`` (version table left
            out).
        default_schema: the scratch database's default schema (``main`` on SQLite, usually
            ``public`` on PostgreSQL), needed to compare without a connection.
        replayed: True when revisions were run for this result, False when it came from the
            replay store as it was.
        revisions_run: how many revisions were run (fewer than the history holds when the
            replay started from a stored state).
    """

    snapshot: Snapshot
    default_schema: str | None
    replayed: bool
    revisions_run: int = 0


class ReplayFailure(NamedTuple):
    """Why the history could not be replayed.

    Attributes:
        revision: the revision that failed, or ``None`` when no revision had started (e.g. a
            ``depends_on`` that cannot be read).
        file: that revision's script relative to the project folder (posix), or ``None``.
        reason: one line, from the database or the exception.
    """

    revision: str | None
    file: str | None
    reason: str
