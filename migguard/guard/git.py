"""The one thin layer between migguard and git: opening the project's repository with
GitPython, and the environment of every git process it starts.

Git runs hooks with variables set for the operation at hand (``GIT_INDEX_FILE``,
``GIT_PREFIX``, ``GIT_EDITOR``, ``GIT_AUTHOR_*``; ``GIT_DIR`` and ``GIT_WORK_TREE`` in some
versions and with ``git --git-dir``), often relative to the folder git ran the hook in. Passed
on, they would redirect the git processes GitPython starts. So, as pre-commit does for its own
git calls, each git process gets a fresh environment: the variables that are not git's, and of
git's only those on :data:`KEPT_GIT_VARIABLES` (how to run git, reach remotes and find the
user's configuration), which git never sets for a hook. ``os.environ`` itself is never changed:
migguard runs the project's ``env.py`` and models in this process, and they see what the user
set.

One variable is kept on request: the index. ``git commit -a``, ``git commit <paths>``,
``--only``, ``--include``, ``-p`` and ``--amend <paths>`` stage into a temporary index and
name it in ``GIT_INDEX_FILE`` for the hook; the ``unstaged`` check must read that one, so
:func:`open_repo` takes it (see :func:`hook_index_file`).
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migguard.errors import UsageError

if TYPE_CHECKING:
    import git

__all__ = [
    "KEPT_GIT_VARIABLES",
    "git_environment",
    "git_path",
    "hook_index_file",
    "open_repo",
    "working_repo",
]

# The GIT_* variables a git process started by migguard still sees: how to run git and reach
# remotes (the ones pre-commit keeps), and where the user's configuration is. See git(1)
# "ENVIRONMENT VARIABLES" and git-config(1) "ENVIRONMENT".
KEPT_GIT_VARIABLES = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_HTTP_PROXY_AUTHMETHOD",
        "GIT_ALLOW_PROTOCOL",
        "GIT_ASKPASS",
        "GIT_TERMINAL_PROMPT",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
    }
)
# GIT_CONFIG_COUNT's numbered pairs.
_KEPT_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")
_INDEX = "GIT_INDEX_FILE"
# What GitPython's Repo constructor reads from os.environ.
_REPO_VARIABLES = frozenset({"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY"})


def git_environment(environ: Mapping[str, str], *, index_file: str | None = None) -> dict[str, str]:
    """The environment for a git process: ``environ`` without its ``GIT_*`` variables, except
    those of :data:`KEPT_GIT_VARIABLES` (and ``GIT_CONFIG_KEY_<n>``/``GIT_CONFIG_VALUE_<n>``).

    Args:
        environ: the environment to start from (usually ``os.environ``; not changed).
        index_file: the index git should read (``GIT_INDEX_FILE``), an absolute path;
            ``None``: the repository's own.

    Returns:
        A new mapping.
    """
    fresh = {
        name: value
        for name, value in environ.items()
        if not name.startswith("GIT_")
        or name in KEPT_GIT_VARIABLES
        or name.startswith(_KEPT_PREFIXES)
    }
    if index_file is not None:
        fresh[_INDEX] = index_file
    return fresh


def hook_index_file(environ: Mapping[str, str], cwd: str | None = None) -> str | None:
    """The index git named for the commit being made (``GIT_INDEX_FILE``), made absolute.

    Git gives it relative to the folder it ran the hook in (``.git/index``) or absolute
    (``/repo/.git/index.lock``, ``/repo/.git/next-index-123.lock``).

    Args:
        environ: the hook's environment (``os.environ``).
        cwd: the folder git ran the hook in (default: the current folder, which migguard never
            changes).

    Returns:
        The absolute path, or ``None`` when ``GIT_INDEX_FILE`` is unset or empty.
    """
    named = environ.get(_INDEX)
    if not named:
        return None
    return os.path.join(os.getcwd() if cwd is None else cwd, named)


def open_repo(path: Path, *, index_file: str | None = None) -> git.Repo | None:
    """The git repository holding ``path`` (searched upward), worktrees included, whose git
    processes run with :func:`git_environment`.

    Args:
        path: a folder inside the working tree (usually the project folder).
        index_file: the index its git processes read (absolute; from
            :func:`hook_index_file`); ``None``: the repository's own.

    Returns:
        The repository, or ``None`` when ``path`` is not inside one or git is not installed.
    """
    try:
        import git
    except ImportError:  # GitPython imports fine, but refuses to load without a git binary
        return None
    try:
        repo = _repo_class()(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if index_file is not None:
        repo.git.update_environment(**{_INDEX: index_file})
    return repo


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


@functools.cache
def _repo_class() -> type[git.Repo]:
    """``git.Repo`` whose git processes get :func:`git_environment` (built once, on first use,
    so that importing this module does not import GitPython)."""
    import git

    # GitPython starts every process (commands and its persistent cat-file readers) through
    # Git.execute, with a copy of os.environ updated by the instance's environment: variables
    # can be added or replaced that way, never removed. `env -u NAME` removes those of
    # os.environ that the fresh environment lacks, in the child only; names, never values,
    # reach the command line. (Without an `env` program, as on Windows, they pass through.)
    env_program = shutil.which("env")

    class FreshEnvironmentGit(git.Git):
        def execute(self, command: Any, *args: Any, **kwargs: Any) -> Any:
            fresh = git_environment(os.environ, index_file=self.environment().get(_INDEX))
            removed = sorted(name for name in os.environ if name not in fresh)
            if removed and env_program is not None and isinstance(command, list | tuple):
                unset = [part for name in removed for part in ("-u", name)]
                command = [env_program, *unset, *command]
            return super().execute(command, *args, **kwargs)

    class FreshEnvironmentRepo(git.Repo):
        GitCommandWrapperType = FreshEnvironmentGit

        def __init__(self, path: Path, **kwargs: Any) -> None:
            super().__init__(path, **kwargs)
            if _REPO_VARIABLES.isdisjoint(os.environ):
                return
            # GitPython's constructor reads these from os.environ; inside a hook they may be
            # relative to another folder. Ask git (with the fresh environment) instead.
            try:
                found = FreshEnvironmentGit(os.fspath(path)).rev_parse(
                    "--absolute-git-dir", "--git-common-dir", "--show-toplevel"
                )
            except git.GitCommandError:  # a bare repository: no working tree to check
                raise git.InvalidGitRepositoryError(os.fspath(path)) from None
            git_dir, common_dir, top = found.splitlines()
            self.git_dir = git_dir
            self._common_dir = os.path.join(os.fspath(path), common_dir)
            self._working_tree_dir = self.working_dir = top
            self.git = FreshEnvironmentGit(top)
            self.odb = git.GitCmdObjectDB(os.path.join(self._common_dir, "objects"), self.git)

    return FreshEnvironmentRepo
