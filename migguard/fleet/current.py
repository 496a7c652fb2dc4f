"""Where a fleet stands: each target's revisions, the targets grouped by revision, and the
stragglers (targets behind the newest revision any target is at)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.errors import MigguardError
from migguard.fleet.targets import Target, for_target
from migguard.graph import RevisionGraph

if TYPE_CHECKING:
    from migguard.scripts.directory import History

__all__ = ["Group", "TargetRevisions", "by_history", "group_fleet", "read_fleet"]


class TargetRevisions(NamedTuple):
    """One target's version table.

    Attributes:
        name: the target's name.
        shown_url: its URL, the password masked.
        rows: the revisions it is at (``()`` at base); ``None`` when it could not be read.
        reason: why it could not be read (one line, credentials masked), else ``None``.
    """

    name: str
    shown_url: str
    rows: tuple[str, ...] | None
    reason: str | None = None


class Group(NamedTuple):
    """The targets at one set of revisions.

    Attributes:
        rows: the revisions (``()``: base).
        names: the targets there, sorted.
        newest: whether this is the newest set any target is at; targets of the other groups
            are stragglers.
    """

    rows: tuple[str, ...]
    names: tuple[str, ...]
    newest: bool


def read_fleet(config: Config, targets: Sequence[Target]) -> list[TargetRevisions]:
    """Read every target's version table (with the driver alone where it can, see
    :func:`migguard.runtime.current.read_current`).

    Args:
        config: the project's configuration.
        targets: the targets, in the order wanted.

    Returns:
        One entry per target; a target that cannot be read is an entry with ``reason`` (its
        error's message, which masks the password), not an exception.
    """
    from migguard.runtime.current import read_current

    found = []
    for target in targets:
        try:
            rows = read_current(for_target(config, target))
        except MigguardError as exc:
            found.append(TargetRevisions(target.name, target.shown_url, None, str(exc)))
            continue
        found.append(TargetRevisions(target.name, target.shown_url, rows))
    return found


def group_fleet(graph: RevisionGraph, fleet: Sequence[TargetRevisions]) -> list[Group]:
    """Group the readable targets by the revisions they are at, newest first.

    A set of revisions is newer than another when more revisions have been applied to reach it
    (the revisions and their ancestors; revisions the history does not know count for none);
    the newest group is the one the other targets lag behind.

    Args:
        graph: the history.
        fleet: from :func:`read_fleet`.

    Returns:
        One group per distinct set of revisions, newest first (ties by revision ids).
    """

    def age(rows: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        return len(graph.ancestors(rid for rid in rows if rid in graph)), rows

    names: dict[tuple[str, ...], list[str]] = {}
    for entry in fleet:
        if entry.rows is not None:
            names.setdefault(tuple(sorted(entry.rows)), []).append(entry.name)
    ordered = sorted(names, key=age, reverse=True)
    return [Group(rows, tuple(sorted(names[rows])), i == 0) for i, rows in enumerate(ordered)]


def by_history(
    config: Config, targets: Sequence[Target], fleet: Sequence[TargetRevisions], main: History
) -> list[tuple[RevisionGraph, list[TargetRevisions]]]:
    """Split the fleet by the history each target runs, so that each part is grouped against
    its own graph: the project's history (``main``) first, then each target ``script_location``
    in the order its first target comes.

    Args:
        config: the project's configuration.
        targets: the targets, in the order of ``fleet``.
        fleet: from :func:`read_fleet`.
        main: the project's loaded history.

    Returns:
        ``(graph, entries)`` per history that has targets.

    Raises:
        HistoryError: a target's own history does not load.
    """
    from migguard.fleet.run import target_history

    parts: dict[tuple[Path, ...], tuple[RevisionGraph, list[TargetRevisions]]] = {
        config.version_locations: (main.graph, [])
    }
    for target, entry in zip(targets, fleet, strict=True):
        own = for_target(config, target)
        if own.version_locations not in parts:
            parts[own.version_locations] = (target_history(own).graph, [])
        parts[own.version_locations][1].append(entry)
    return [part for part in parts.values() if part[1]]
