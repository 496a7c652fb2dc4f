"""The base branch that ``edited`` and ``stale-parent`` compare with.

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

from typing import TYPE_CHECKING, NamedTuple

from migguard.config import Config
from migguard.errors import ConfigError, MigguardError
from migguard.guard import git

if TYPE_CHECKING:
    from migguard.guard.git import Repo

__all__ = [
    "DEFAULT_BASES",
    "BaseBranch",
    "MissingBaseBranch",
    "NoBaseBranch",
    "find_base_branch",
]

# Tried in this order when neither the configuration nor the upstream names a base branch.
DEFAULT_BASES = ("origin/main", "main", "origin/master", "master")


class NoBaseBranch(MigguardError):
    """There is nothing to compare with (no repository, no commits, no base branch); the
    git-aware checks are skipped with an info finding saying why."""


class MissingBaseBranch(ConfigError):
    """The configured ``base_branch`` names nothing in the repository (an error finding: the
    comparison the user asked for cannot be made)."""


class BaseBranch(NamedTuple):
    """The branch the working tree is compared with.

    Attributes:
        repo: the repository, opened on the project folder.
        name: the base as the user knows it, e.g. ``origin/main``.
        tip: the id of the base branch's newest commit.
        merge_base: the id of the newest commit shared by ``HEAD`` and the base branch.
        upstream: the id of the newest commit of the current branch's upstream (where its
            commits are published), or ``None`` when it has none (or ``HEAD`` is detached).
        upstream_name: the upstream's name, e.g. ``origin/feature``, or ``None``.
    """

    repo: Repo
    name: str
    tip: str
    merge_base: str
    upstream: str | None
    upstream_name: str | None


class _Upstream(NamedTuple):
    """The current branch's upstream: its name (``origin/feature``), newest commit, and the
    branch's name on its remote (``feature``)."""

    name: str
    commit: str
    branch: str


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
    repo = git.open_repo(config.root)
    if repo is None:
        raise NoBaseBranch(f"{config.root} is not inside a git working tree")
    if not git.has_commits(repo):
        raise NoBaseBranch("the git repository has no commits yet")
    current = git.current_branch(repo)
    upstream = _upstream(repo, current)
    name = _base_name(repo, config, current, upstream)
    tip = git.commit_id(repo, name)
    if tip is None:
        raise MissingBaseBranch(_missing_message(config, name))
    try:
        shared = git.merge_base(repo, "HEAD", tip)
    except git.GitError as exc:
        raise NoBaseBranch(f"git cannot find where HEAD left {name}: {exc}") from None
    if shared is None:
        raise NoBaseBranch(f"HEAD and {name} have no commit in common{_shallow_note(repo)}")
    return BaseBranch(
        repo=repo,
        name=name,
        tip=tip,
        merge_base=shared,
        upstream=upstream.commit if upstream else None,
        upstream_name=upstream.name if upstream else None,
    )


def _shallow_note(repo: Repo) -> str:
    """Why a merge-base may be missing: a shallow clone lacks the older commits."""
    if git.is_shallow(repo):
        return " in this shallow clone (fetch more history: git fetch --unshallow)"
    return ""


def _base_name(
    repo: Repo,
    config: Config,
    current: git.CurrentBranch | None,
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
        if git.commit_id(repo, candidate) is not None:
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


def _upstream(repo: Repo, current: git.CurrentBranch | None) -> _Upstream | None:
    """The current branch's upstream, or ``None`` when it has none or it was never fetched."""
    if current is None or current.remote is None or current.merge is None:
        return None
    branch = current.merge.removeprefix("refs/heads/")
    # Remote "." is this repository: the branch tracks a local branch.
    name = branch if current.remote == "." else f"{current.remote}/{branch}"
    commit = git.commit_id(repo, name)
    return _Upstream(name, commit, branch) if commit is not None else None
