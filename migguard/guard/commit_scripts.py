"""The revision scripts of a commit, read from git's objects with GitPython: which files they
are, their headers, and whether the working tree still holds the same content.

Used by the git-aware checks (``edited``, ``stale-parent``) and the hooks (the graph of the
commit before a checkout).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.errors import HistoryError
from migguard.graph import Revision
from migguard.scripts.directory import display_path
from migguard.scripts.header import Header, decode_source, parse_header

if TYPE_CHECKING:
    import git

__all__ = [
    "CommitRevision",
    "TreeScript",
    "header_at",
    "matches_worktree",
    "revisions_at",
    "scripts_at",
]

_SYMLINK_MODE = 0o120000


class TreeScript(NamedTuple):
    """A candidate revision script in a commit.

    Attributes:
        path: the path it has in the working tree (absolute, as text, in the same form as
            :attr:`migguard.scripts.directory.History.files`).
        shown: ``path`` relative to the project folder (posix), for findings.
        git_path: the path inside the repository (posix), for git commands in hints.
        blob: the file's content at the commit.
    """

    path: str
    shown: str
    git_path: str
    blob: git.Blob


def scripts_at(repo: git.Repo, commit: git.Commit, config: Config) -> list[TreeScript]:
    """The candidate revision scripts under the version locations in ``commit``.

    The same files :func:`migguard.scripts.directory.iter_script_files` would list in a
    checkout of ``commit``: ``*.py`` files, without ``__init__.py``, hidden names and
    ``__pycache__``; sub-folders only with ``recursive_version_locations``. Version locations
    outside the repository are left out; symbolic links are skipped.

    Returns:
        The scripts, in location order then name order.
    """
    root = os.path.realpath(str(repo.working_tree_dir))
    scripts: list[TreeScript] = []
    for location in config.version_locations:
        inside = os.path.relpath(os.path.realpath(location), root)
        if inside == os.pardir or inside.startswith(os.pardir + os.sep):
            continue
        git_folder = "" if inside == os.curdir else inside.replace(os.sep, "/")
        try:
            tree = commit.tree / git_folder if git_folder else commit.tree
        except KeyError:
            continue
        for parts, blob in _tree_files(tree, config.recursive_version_locations):
            path = os.path.join(os.fspath(location), *parts)
            git_path = "/".join([git_folder, *parts]) if git_folder else "/".join(parts)
            scripts.append(TreeScript(path, display_path(path, config.root), git_path, blob))
    return scripts


def _tree_files(tree: git.Tree, recursive: bool) -> Iterator[tuple[tuple[str, ...], git.Blob]]:
    """``(path parts below tree, blob)`` of the script files, names sorted."""
    import git

    for item in sorted(tree, key=lambda entry: entry.name):
        name = item.name
        if name.startswith(".") or name in ("__init__.py", "__pycache__"):
            continue
        if isinstance(item, git.Tree):
            if recursive:
                for parts, blob in _tree_files(item, recursive):
                    yield (name, *parts), blob
        elif isinstance(item, git.Blob) and name.endswith(".py") and item.mode != _SYMLINK_MODE:
            yield (name,), item


def header_at(script: TreeScript) -> Header | None:
    """The header of a script as it is in its commit.

    Returns:
        The header, or ``None`` when the file is not a revision script there, cannot be
        decoded, or is broken (the base branch's own problems are not the working tree's).
    """
    try:
        return parse_header(
            decode_source(script.blob.data_stream.read(), script.shown), script.shown
        )
    except (HistoryError, UnicodeDecodeError):
        return None


def matches_worktree(script: TreeScript) -> bool:
    """Whether the working-tree file at ``script.path`` holds the content of the commit.

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
    if _blob_id(data, len(script.blob.hexsha)) == script.blob.hexsha:
        return True
    committed: bytes = script.blob.data_stream.read()
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
    repo: git.Repo, commit: git.Commit, config: Config, known: Mapping[str, Revision]
) -> dict[str, CommitRevision]:
    """The revisions declared by the scripts of ``commit``.

    Args:
        repo: the repository.
        commit: the commit to read.
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
        if declared is not None and matches_worktree(script):
            found.setdefault(
                declared.revision,
                CommitRevision(declared.revision, declared.down_revisions, script),
            )
            continue
        header = header_at(script)
        if header is not None and header.revision is not None:
            revision = CommitRevision(header.revision, header.down_revisions, script)
            found.setdefault(header.revision, revision)
    return found
