"""The revision scripts of a commit, read from git's objects (through :mod:`migguard.guard.git`):
which files they are, their headers, and whether the working tree still holds the same content.

Used by the git-aware checks (``edited``, ``stale-parent``) and the hooks (the graph of the
commit before a checkout).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.errors import HistoryError
from migguard.graph import Revision
from migguard.guard import git
from migguard.scripts.directory import display_path
from migguard.scripts.header import Header, decode_source, parse_header

if TYPE_CHECKING:
    from migguard.guard.git import Repo

__all__ = [
    "CommitRevision",
    "TreeScript",
    "header_at",
    "matches_worktree",
    "revisions_at",
    "scripts_at",
]


class TreeScript(NamedTuple):
    """A candidate revision script in a commit.

    Attributes:
        path: the path it has in the working tree (absolute, as text, in the same form as
            :attr:`migguard.scripts.directory.History.files`).
        shown: ``path`` relative to the project folder (posix), for findings.
        git_path: the path inside the repository (posix), for git commands in hints.
        blob: the id of the file's content at the commit.
    """

    path: str
    shown: str
    git_path: str
    blob: str


def scripts_at(repo: Repo, commit: str, config: Config) -> list[TreeScript]:
    """The candidate revision scripts under the version locations in ``commit``.

    The same files :func:`migguard.scripts.directory.iter_script_files` would list in a
    checkout of ``commit``: ``*.py`` files, without ``__init__.py``, hidden names and
    ``__pycache__``; sub-folders only with ``recursive_version_locations``. Version locations
    outside the repository are left out; symbolic links are skipped.

    Args:
        repo: the repository.
        commit: a commit id.
        config: the configuration (version locations, project folder).

    Returns:
        The scripts, in location order then name order.
    """
    root = os.path.realpath(git.top(repo))
    scripts: list[TreeScript] = []
    for location in config.version_locations:
        inside = os.path.relpath(os.path.realpath(location), root)
        if inside == os.pardir or inside.startswith(os.pardir + os.sep):
            continue
        git_folder = "" if inside == os.curdir else inside.replace(os.sep, "/")
        files = git.tree_files(
            repo, commit, git_folder, recursive=config.recursive_version_locations, skip=_skipped
        )
        for parts, blob in files or ():
            if not parts[-1].endswith(".py"):
                continue
            path = os.path.join(os.fspath(location), *parts)
            git_path = "/".join([git_folder, *parts]) if git_folder else "/".join(parts)
            scripts.append(TreeScript(path, display_path(path, config.root), git_path, blob))
    return scripts


def _skipped(name: str) -> bool:
    """Names a version location's listing leaves out (files and folders)."""
    return name.startswith(".") or name in ("__init__.py", "__pycache__")


def header_at(repo: Repo, script: TreeScript) -> Header | None:
    """The header of a script as it is in its commit (in ``repo``).

    Returns:
        The header, or ``None`` when the file is not a revision script there, cannot be
        decoded, or is broken (the base branch's own problems are not the working tree's).
    """
    try:
        return parse_header(
            decode_source(git.read_blob(repo, script.blob), script.shown), script.shown
        )
    except (HistoryError, UnicodeDecodeError):
        return None


def matches_worktree(repo: Repo, script: TreeScript) -> bool:
    """Whether the working-tree file at ``script.path`` holds the content of the commit (in
    ``repo``).

    Compares git blob ids first (no blob read); on a mismatch the contents are compared with
    line endings normalised, so a checkout with ``core.autocrlf`` does not count as an edit.

    Returns:
        ``False`` when the file is missing or differs.
    """
    try:
        with open(script.path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if _blob_id(data, len(script.blob)) == script.blob:
        return True
    committed = git.read_blob(repo, script.blob)
    return data.replace(b"\r\n", b"\n") == committed.replace(b"\r\n", b"\n")


def _blob_id(data: bytes, hex_length: int) -> str:
    """Git's object id of a blob holding ``data`` (SHA-1, or SHA-256 repositories)."""
    digest = hashlib.sha256() if hex_length == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


class CommitRevision(NamedTuple):
    """A revision as declared in a commit: its id, its parents and its script."""

    revision: str
    down_revisions: tuple[str, ...]
    script: TreeScript


def revisions_at(
    repo: Repo, commit: str, config: Config, known: Mapping[str, Revision]
) -> dict[str, CommitRevision]:
    """The revisions declared by the scripts of ``commit``.

    Args:
        repo: the repository.
        commit: the id of the commit to read.
        config: the configuration (version locations).
        known: working-tree script path (as in ``History.files``) -> the revision it declares;
            a script whose working-tree content equals the commit's is taken from here
            instead of being parsed again.

    Returns:
        Revision id -> the revision (the first script wins when two declare the same id).
    """
    found: dict[str, CommitRevision] = {}
    for script in scripts_at(repo, commit, config):
        declared = known.get(script.path)
        if declared is not None and matches_worktree(repo, script):
            found.setdefault(
                declared.revision,
                CommitRevision(declared.revision, declared.down_revisions, script),
            )
            continue
        header = header_at(repo, script)
        if header is not None and header.revision is not None:
            revision = CommitRevision(header.revision, header.down_revisions, script)
            found.setdefault(header.revision, revision)
    return found
