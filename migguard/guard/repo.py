"""Opening the project's git repository with GitPython, safely inside git hooks.

Git runs hooks with ``GIT_DIR``, ``GIT_INDEX_FILE`` and friends set, often to paths relative
to the repository it was started in. Left in the environment they redirect every git command
GitPython runs, whatever repository it was opened on, so they are cleared first (as
pre-commit does for its own git calls). The working tree is what is checked: under pre-commit
it holds the staged content, since unstaged changes are stashed away.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.errors import UsageError

if TYPE_CHECKING:
    import git

__all__ = ["GIT_HOOK_ENV", "clear_git_env", "git_path", "open_repo", "working_repo"]

# Set by git for hooks; see githooks(5) and git(1) "ENVIRONMENT VARIABLES".
GIT_HOOK_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)


def clear_git_env() -> None:
    """Remove the variables of :data:`GIT_HOOK_ENV` from this process's environment."""
    for name in GIT_HOOK_ENV:
        os.environ.pop(name, None)


def open_repo(path: Path) -> git.Repo | None:
    """The git repository holding ``path`` (searched upward), worktrees included.

    Args:
        path: a folder inside the working tree (usually the project folder).

    Returns:
        The repository, or ``None`` when ``path`` is not inside one or git is not installed.
    """
    clear_git_env()
    try:
        import git
    except ImportError:  # GitPython imports fine, but refuses to load without a git binary
        return None
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def working_repo(path: Path) -> git.Repo:
    """The repository holding ``path`` (as :func:`open_repo`), which must have a working tree.

    Raises:
        UsageError: ``path`` is not inside a git working tree (or git is not installed).
    """
    repo = open_repo(path)
    if repo is None or repo.working_tree_dir is None:
        raise UsageError(f"{path} is not inside a git working tree")
    return repo


def git_path(repo: git.Repo, name: str) -> Path:
    """Where git keeps ``name`` (``hooks``, ``rebase-merge``, ...) for ``repo``'s working tree:
    ``git rev-parse --git-path``, which honours ``core.hooksPath`` and linked worktrees.

    Args:
        repo: a repository with a working tree (from :func:`working_repo`).
        name: a path inside the git folder.

    Returns:
        The absolute path (it may not exist).
    """
    # git prints it relative to the working tree top (where GitPython runs it) or absolute.
    return Path(str(repo.working_tree_dir)) / repo.git.rev_parse("--git-path", name)
