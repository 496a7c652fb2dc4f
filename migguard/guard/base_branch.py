"""The base branch that ``edited`` and ``stale-parent`` compare with, and the revision scripts
of a commit, read with GitPython.

Which branch is the base:

1. ``base_branch`` from the configuration (any ref or commit git knows, e.g. ``origin/main``);
2. else the upstream of the current branch when it tracks another branch (a branch made with
   ``git switch -c feature origin/main`` tracks ``origin/main``). A branch's own pushed copy
   (``feature`` tracking ``origin/feature``) is where it is published, not what it is based on;
3. else the first of ``origin/main``, ``main``, ``origin/master``, ``master`` that exists.

A branch is never its own base: on ``main`` itself (committing directly on it) the base is its
upstream, ``origin/main`` — what is already published — and with no upstream there is nothing
to compare with, so the checks are skipped rather than treating every local commit as shared.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.errors import ConfigError, HistoryError, MigguardError
from migguard.graph import Revision
from migguard.guard.repo import open_repo
from migguard.scripts.directory import display_path
from migguard.scripts.header import Header, parse_header

if TYPE_CHECKING:
    import git
    from git import GitCommandError

__all__ = [
    "DEFAULT_BASES",
    "BaseBranch",
    "CommitRevision",
    "MissingBaseBranch",
    "NoBaseBranch",
    "TreeScript",
    "find_base_branch",
    "header_at",
    "matches_worktree",
    "revisions_at",
    "scripts_at",
]

# Tried in this order when neither the configuration nor the upstream names a base branch.
DEFAULT_BASES = ("origin/main", "main", "origin/master", "master")
_SYMLINK_MODE = 0o120000


class NoBaseBranch(MigguardError):
    """There is nothing to compare with (no repository, no commits, no base branch); the
    git-aware checks are skipped with an info finding saying why."""


class MissingBaseBranch(ConfigError):
    """The configured ``base_branch`` names nothing in the repository (an error finding: the
    comparison the user asked for cannot be made)."""


class BaseBranch(NamedTuple):
    """The branch the working tree is compared with.

    Attributes:
        repo: the repository (GitPython), opened on the project folder.
        name: the base as the user knows it, e.g. ``origin/main``.
        tip: the base branch's newest commit.
        merge_base: the newest commit shared by ``HEAD`` and the base branch.
        upstream: the newest commit of the current branch's upstream (where its commits are
            published), or ``None`` when it has none (or ``HEAD`` is detached).
        upstream_name: the upstream's name, e.g. ``origin/feature``, or ``None``.
    """

    repo: git.Repo
    name: str
    tip: git.Commit
    merge_base: git.Commit
    upstream: git.Commit | None
    upstream_name: str | None


class _Upstream(NamedTuple):
    """The current branch's upstream: its name (``origin/feature``), newest commit, and the
    branch's name on its remote (``feature``)."""

    name: str
    commit: git.Commit
    branch: str


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


def find_base_branch(config: Config) -> BaseBranch:
    """The base branch of the project's repository, and where ``HEAD`` left it.

    Args:
        config: the configuration (``root`` locates the repository; ``base_branch`` is used
            when set).

    Returns:
        The base branch with its tip, the merge-base with ``HEAD`` and the current branch's
        upstream.

    Raises:
        NoBaseBranch: no repository, a repository without commits, no base branch found, the
            current branch is the base and has no upstream, or no commit is shared with it.
        MissingBaseBranch: ``base_branch`` is configured but names no commit.
    """
    from git import GitCommandError

    repo = open_repo(config.root)
    if repo is None or repo.working_tree_dir is None:
        raise NoBaseBranch(f"{config.root} is not inside a git working tree")
    if not repo.head.is_valid():
        raise NoBaseBranch("the git repository has no commits yet")
    current = None if repo.head.is_detached else repo.active_branch
    upstream = _upstream(repo, current)
    name = _base_name(repo, config, current, upstream)
    tip = _commit(repo, name)
    if tip is None:
        raise MissingBaseBranch(_missing_message(config, name))
    try:
        shared = repo.merge_base(repo.head.commit, tip)
    except GitCommandError as exc:
        raise NoBaseBranch(f"git cannot find where HEAD left {name}: {_first_line(exc)}") from None
    if not shared:
        raise NoBaseBranch(f"HEAD and {name} have no commit in common{_shallow_note(repo)}")
    return BaseBranch(
        repo=repo,
        name=name,
        tip=tip,
        merge_base=shared[0],
        upstream=upstream.commit if upstream else None,
        upstream_name=upstream.name if upstream else None,
    )


def _shallow_note(repo: git.Repo) -> str:
    """Why a merge-base may be missing: a shallow clone (as CI checkouts often are) lacks the
    older commits; git marks one with a ``shallow`` file."""
    if os.path.exists(os.path.join(repo.common_dir, "shallow")):
        return " in this shallow clone (fetch more history: git fetch --unshallow)"
    return ""


def _first_line(exc: GitCommandError) -> str:
    """Git's own message: GitPython keeps it as ``"\\n  stderr: '...'"``."""
    text = str(exc.stderr or "").strip().removeprefix("stderr:").strip().strip("'")
    return text.splitlines()[0] if text else f"exit status {exc.status}"


def _base_name(
    repo: git.Repo,
    config: Config,
    current: git.Head | None,
    upstream: _Upstream | None,
) -> str:
    """The base branch's name (the upstream stands in when the base is the current branch)."""
    own_names = (current.name, current.path) if current is not None else ()
    configured = config.base_branch
    if configured:
        if configured not in own_names:
            return configured
        if upstream is None:
            raise NoBaseBranch(_on_base_message(configured))
        return upstream.name
    if upstream is not None and upstream.branch not in own_names:
        return upstream.name
    for candidate in DEFAULT_BASES:
        if candidate in own_names:
            if upstream is not None:
                return upstream.name
            raise NoBaseBranch(_on_base_message(candidate))
        if _commit(repo, candidate) is not None:
            return candidate
    raise NoBaseBranch(
        "no base branch: set base_branch in the configuration, or create main "
        f"(tried {', '.join(DEFAULT_BASES)})"
    )


def _on_base_message(name: str) -> str:
    return (
        f"on {name}, the base branch itself, which has no upstream: nothing is published to "
        "compare with"
    )


def _missing_message(config: Config, name: str) -> str:
    where = config.sources.get("base_branch", "the configuration")
    return f"base_branch {name!r} (from {where}) names no branch or commit in this repository"


def _upstream(repo: git.Repo, current: git.Head | None) -> _Upstream | None:
    """The current branch's upstream, or ``None`` when it has none or it was never fetched."""
    if current is None:
        return None
    reader = current.config_reader()
    if not (reader.has_option("remote") and reader.has_option("merge")):
        return None
    remote = str(reader.get_value("remote"))
    branch = str(reader.get_value("merge")).removeprefix("refs/heads/")
    # Remote "." is this repository: the branch tracks a local branch.
    name = branch if remote == "." else f"{remote}/{branch}"
    commit = _commit(repo, name)
    return _Upstream(name, commit, branch) if commit is not None else None


def _commit(repo: git.Repo, name: str) -> git.Commit | None:
    """The commit ``name`` resolves to, or ``None``."""
    import git
    from gitdb.exc import BadName, BadObject

    try:
        obj = repo.rev_parse(name)
    except (BadName, BadObject, ValueError, IndexError):
        return None
    if isinstance(obj, git.TagObject):
        obj = obj.object
    return obj if isinstance(obj, git.Commit) else None


def scripts_at(repo: git.Repo, commit: git.Commit, config: Config) -> list[TreeScript]:
    """The candidate revision scripts under the version locations in ``commit``.

    The same files :func:`migguard.scripts.directory.iter_script_files` would list in a
    checkout of ``commit``: ``*.py`` files, without ``__init__.py``, hidden names and
    ``__pycache__``; sub-folders only with ``recursive_version_locations``. Version locations
    outside the repository are left out; symbolic links are skipped.

    Returns:
        The scripts, in location order then name order.
    """
    root = os.path.realpath(os.fspath(repo.working_tree_dir))
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
        return parse_header(script.blob.data_stream.read().decode("utf-8"), script.shown)
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
