"""Revision files in git commits: which were added, changed or removed between two commits, and
the revision graph a commit holds.

A *revision file* is what :func:`migguard.scripts.directory.iter_script_files` would read: a
``.py`` file directly in a version location (or below it with
``recursive_version_locations``), not hidden, not ``__init__.py``, not in ``__pycache__``.
Everything is read from git objects (through :mod:`migguard.guard.git`), never from the working
tree, so it works in the middle of a merge, a rebase or a checkout.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.errors import UsageError
from migguard.guard import git
from migguard.scripts.directory import display_path

if TYPE_CHECKING:
    from migguard.graph import RevisionGraph
    from migguard.guard.git import Repo

__all__ = [
    "ADDED",
    "CHANGED",
    "REMOVED",
    "FileChange",
    "RevisionChanges",
    "graph_at",
    "resolve_commit",
    "revision_changes",
]

ADDED = "added"
CHANGED = "changed"
REMOVED = "removed"

# git diff --name-status letters; type changes (file <-> symlink) count as changes.
_STATUS = {"A": ADDED, "M": CHANGED, "T": CHANGED, "D": REMOVED}


class FileChange(NamedTuple):
    """One revision file that differs between two commits.

    Attributes:
        status: ``"added"``, ``"changed"`` or ``"removed"``.
        path: the file, relative to the project folder (posix).
    """

    status: str
    path: str


class RevisionChanges(NamedTuple):
    """The revision files that differ between two commits.

    Attributes:
        before: the first commit's full id.
        after: the second commit's full id.
        files: the differing revision files, sorted by path.
    """

    before: str
    after: str
    files: tuple[FileChange, ...]

    @property
    def span(self) -> str:
        """``before..after`` with seven-character ids, for messages and the log."""
        return f"{self.before[:7]}..{self.after[:7]}"

    def count(self, status: str) -> int:
        """How many files have ``status`` (``"added"``, ``"changed"`` or ``"removed"``)."""
        return sum(1 for change in self.files if change.status == status)

    def summary(self) -> str:
        """E.g. ``2 added, 1 changed`` (statuses with no file left out; empty text when none)."""
        counts = ((self.count(status), status) for status in (ADDED, CHANGED, REMOVED))
        return ", ".join(f"{number} {status}" for number, status in counts if number)


def resolve_commit(repo: Repo, ref: str) -> str:
    """The full id of the commit ``ref`` names (``HEAD``, ``ORIG_HEAD``, a branch, an id).

    Raises:
        UsageError: ``ref`` names no commit in ``repo``.
    """
    found = git.commit_id(repo, ref)
    if found is None:
        raise UsageError(f"{ref!r} names no commit in {git.top(repo)}")
    return found


def revision_changes(repo: Repo, config: Config, before: str, after: str) -> RevisionChanges:
    """The revision files added, changed or removed from commit ``before`` to ``after``.

    A renamed file counts as one removed and one added file. One ``git diff-tree`` over the
    version locations finds them (walking both commits' trees in Python is ten times slower
    on a history of thousands of revisions).

    Args:
        repo: the project's repository (from :func:`migguard.guard.git.working_repo`).
        config: the configuration (its version locations and project folder).
        before: a commit (any name git understands, e.g. ``ORIG_HEAD``).
        after: a commit, e.g. ``HEAD``.

    Returns:
        The changes, with both commits' full ids.

    Raises:
        UsageError: a name is no commit.
    """
    first, second = resolve_commit(repo, before), resolve_commit(repo, after)
    locations = _locations_in(config, repo)
    files: list[FileChange] = []
    if locations and first != second:
        for letter, path in git.changed_files(repo, first, second, list(locations)):
            status = _STATUS.get(letter[:1])
            script = _script_path(path, locations, config.recursive_version_locations)
            if status is not None and script is not None:
                files.append(FileChange(status, display_path(script, config.root)))
    files.sort(key=lambda change: change.path)
    return RevisionChanges(first, second, tuple(files))


def graph_at(repo: Repo, config: Config, commit: str) -> RevisionGraph:
    """The revision graph built from the revision files of ``commit`` (read from git).

    Scripts whose ``revision`` is not a literal are left out (a past commit's scripts are not
    imported to evaluate it).

    Args:
        repo: the project's repository (from :func:`migguard.guard.git.working_repo`).
        config: the configuration (its version locations).
        commit: any name git understands.

    Raises:
        UsageError: ``commit`` names no commit.
        HistoryError: a script of that commit is broken, or its graph is inconsistent.
    """
    from migguard.graph import RevisionGraph
    from migguard.guard.commit_scripts import scripts_at
    from migguard.scripts.directory import revision_from
    from migguard.scripts.header import parse_header

    revisions = []
    for script in scripts_at(repo, resolve_commit(repo, commit), config):
        shown = f"{script.shown} at {commit}"
        # A past script may not be UTF-8; its header is still worth reading.
        source = git.read_blob(repo, script.blob).decode("utf-8", errors="replace")
        header = parse_header(source, shown)
        if header is not None and header.revision is not None:
            revisions.append(revision_from(header, shown))
    return RevisionGraph(revisions)


def _locations_in(config: Config, repo: Repo) -> dict[str, str]:
    """The version locations inside the working tree: posix path from its top -> the location
    as configured (so that paths shown stay relative to a project reached through a link)."""
    top = os.path.realpath(git.top(repo))
    found = {}
    for location in config.version_locations:
        inside = os.path.relpath(os.path.realpath(location), top)
        if inside != os.pardir and not inside.startswith(os.pardir + os.sep):
            found[inside.replace(os.sep, "/")] = os.fspath(location)
    return found


def _script_path(path: str, locations: dict[str, str], recursive: bool) -> str | None:
    """The working-tree path of ``path`` (posix, from the repository top) when it would be read
    as a revision script, else ``None``."""
    pure = PurePosixPath(path)
    if pure.suffix != ".py" or pure.name == "__init__.py":
        return None
    for inside, location in locations.items():
        if not pure.is_relative_to(inside):  # "." (the top) holds every path
            continue
        parts = pure.relative_to(inside).parts
        if len(parts) > 1 and not recursive:
            continue
        if not any(part.startswith(".") or part == "__pycache__" for part in parts):
            return os.path.join(location, *parts)
    return None
