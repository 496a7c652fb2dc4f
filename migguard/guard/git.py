"""The one thin layer between migguard and git (the shape of pre-commit's ``git.py``): every
GitPython call and every git command migguard runs goes through the plain functions here, which
return plain data (paths, strings, tuples, small records). A repository is passed around as
the opaque :data:`Repo` handle :func:`open_repo` or :func:`working_repo` returns; commits and
blobs are their full hex ids. GitPython is imported inside the functions, so importing this
module stays cheap (``migguard heads`` never loads it).

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from migguard.errors import MigguardError, UsageError

if TYPE_CHECKING:
    from typing import TypeAlias

    import git

    # The handle the functions below take: a GitPython repository whose git processes run
    # with git_environment(). Callers never use its attributes.
    Repo: TypeAlias = git.Repo

__all__ = [
    "KEPT_GIT_VARIABLES",
    "CurrentBranch",
    "GitError",
    "TreeFile",
    "blob_at",
    "changed_files",
    "commit_id",
    "current_branch",
    "git_environment",
    "git_path",
    "has_commits",
    "hook_index_file",
    "is_shallow",
    "merge_base",
    "open_repo",
    "read_blob",
    "top",
    "tree_files",
    "unstaged_files",
    "untracked_files",
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


def open_repo(path: Path, *, index_file: str | None = None) -> Repo | None:
    """The git repository holding ``path`` (searched upward), worktrees included, whose git
    processes run with :func:`git_environment`.

    Args:
        path: a folder inside the working tree (usually the project folder).
        index_file: the index its git processes read (absolute; from
            :func:`hook_index_file`); ``None``: the repository's own.

    Returns:
        The repository, or ``None`` when ``path`` is not inside a working tree (outside any
        repository, or in a bare one) or git is not installed.
    """
    try:
        import git
    except ImportError:  # GitPython imports fine, but refuses to load without a git binary
        return None
    try:
        repo = _repo_class()(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.working_tree_dir is None:
        return None
    if index_file is not None:
        repo.git.update_environment(**{_INDEX: index_file})
    return repo


def working_repo(path: Path) -> Repo:
    """The repository holding ``path`` (as :func:`open_repo`), which must have a working tree.

    Raises:
        UsageError: ``path`` is not inside a git working tree (or git is not installed).
    """
    repo = open_repo(path)
    if repo is None:
        raise UsageError(f"{path} is not inside a git working tree")
    return repo


def git_path(repo: Repo, name: str) -> Path:
    """Where git keeps ``name`` (``hooks``, ``rebase-merge``, ...) for ``repo``'s working tree:
    ``git rev-parse --git-path``, which honours ``core.hooksPath`` and linked worktrees.

    Args:
        repo: a repository with a working tree (from :func:`working_repo`).
        name: a path inside the git folder.

    Returns:
        The absolute path (it may not exist).
    """
    # git prints it relative to the working tree top (where GitPython runs it) or absolute.
    return top(repo) / repo.git.rev_parse("--git-path", name)


def top(repo: Repo) -> Path:
    """The top folder of ``repo``'s working tree (as git reports it, links resolved)."""
    return Path(str(repo.working_tree_dir))


class GitError(MigguardError):
    """A git command failed; the message is git's own first line (or its exit status)."""


def has_commits(repo: Repo) -> bool:
    """Whether ``HEAD`` names a commit (a new repository has none yet)."""
    return bool(repo.head.is_valid())


def commit_id(repo: Repo, name: str) -> str | None:
    """The full id of the commit ``name`` names (a branch, ``origin/main``, a tag, an id,
    ``HEAD``, ``ORIG_HEAD``...), or ``None`` when it names no commit."""
    found = repo.git.rev_parse(
        "--verify", "--quiet", f"{name}^{{commit}}", with_exceptions=False
    ).strip()
    return found or None


class CurrentBranch(NamedTuple):
    """The branch ``HEAD`` is on.

    Attributes:
        name: its short name, e.g. ``feature``.
        path: its full ref, e.g. ``refs/heads/feature``.
        remote: its ``branch.<name>.remote`` (``"."`` for a local branch), or ``None``.
        merge: its ``branch.<name>.merge`` (e.g. ``refs/heads/main``), or ``None``.
    """

    name: str
    path: str
    remote: str | None
    merge: str | None


def current_branch(repo: Repo) -> CurrentBranch | None:
    """The branch ``HEAD`` is on with its upstream settings, or ``None`` when ``HEAD`` is
    detached."""
    if repo.head.is_detached:
        return None
    branch = repo.active_branch
    reader = branch.config_reader()
    # Both settings or neither: git needs the two to name an upstream.
    if reader.has_option("remote") and reader.has_option("merge"):
        remote, merge = str(reader.get_value("remote")), str(reader.get_value("merge"))
        return CurrentBranch(branch.name, branch.path, remote, merge)
    return CurrentBranch(branch.name, branch.path, None, None)


def merge_base(repo: Repo, first: str, second: str) -> str | None:
    """The newest commit shared by commits ``first`` and ``second``, or ``None`` when they
    share none.

    Raises:
        GitError: git cannot tell (e.g. a shallow clone lacks the commits to look through).
    """
    status, out, err = repo.git.merge_base(
        first, second, with_extended_output=True, with_exceptions=False
    )
    if status == 0:
        return str(out).split()[0]
    if status == 1:  # git's answer for "nothing in common"
        return None
    text = str(err).strip()
    raise GitError(text.splitlines()[0] if text else f"exit status {status}")


def is_shallow(repo: Repo) -> bool:
    """Whether ``repo`` is a shallow clone (as CI checkouts often are): git marks one with a
    ``shallow`` file."""
    return os.path.exists(os.path.join(repo.common_dir, "shallow"))


class TreeFile(NamedTuple):
    """A file in a commit's tree.

    Attributes:
        parts: its path below the folder asked for, one name per level.
        blob: the id of its content.
    """

    parts: tuple[str, ...]
    blob: str


_SYMLINK_MODE = 0o120000


def tree_files(
    repo: Repo, commit: str, folder: str, *, recursive: bool, skip: Callable[[str], bool]
) -> list[TreeFile] | None:
    """The regular files (symbolic links left out) in ``folder`` of ``commit``, names sorted.

    Args:
        repo: the repository.
        commit: a commit id.
        folder: a folder inside the repository (posix), ``""`` for its top.
        recursive: descend into sub-folders.
        skip: names (of files and folders) to leave out.

    Returns:
        The files, or ``None`` when ``commit`` has no such folder.
    """
    tree = repo.commit(commit).tree
    if folder:
        try:
            tree = tree / folder
        except KeyError:
            return None
    return list(_files(tree, recursive, skip))


def _files(tree: git.Tree, recursive: bool, skip: Callable[[str], bool]) -> Iterator[TreeFile]:
    import git

    for item in sorted(tree, key=lambda entry: entry.name):
        name = item.name
        if skip(name):
            continue
        if isinstance(item, git.Tree):
            if recursive:
                for found in _files(item, recursive, skip):
                    yield TreeFile((name, *found.parts), found.blob)
        elif isinstance(item, git.Blob) and item.mode != _SYMLINK_MODE:
            yield TreeFile((name,), item.hexsha)


def blob_at(repo: Repo, commit: str, path: str) -> str | None:
    """The id of what ``path`` (posix, from the repository's top) holds in ``commit``, or
    ``None`` when it holds nothing there."""
    try:
        return str((repo.commit(commit).tree / path).hexsha)
    except KeyError:
        return None


def read_blob(repo: Repo, blob: str) -> bytes:
    """The content of blob ``blob`` (an id from :func:`tree_files` or :func:`blob_at`)."""
    data: bytes = repo.odb.stream(bytes.fromhex(blob)).read()
    return data


def changed_files(
    repo: Repo, before: str, after: str, paths: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """The files that differ between commits ``before`` and ``after`` (``git diff-tree``,
    renames as a deletion and an addition).

    Args:
        repo: the repository.
        before: a commit id.
        after: a commit id.
        paths: limit to these paths (posix, from the top); empty: everything.

    Returns:
        ``(status letter, path from the top)`` pairs in git's order; the letters are git's
        (``A``, ``M``, ``T``, ``D``...).
    """
    output = repo.git.diff_tree(
        "-r", "-z", "--no-renames", "--name-status", before, after, "--", *paths
    )
    fields = output.split("\0")
    return list(zip(fields[0::2], fields[1::2], strict=False))


def untracked_files(repo: Repo, folders: Sequence[str]) -> list[str]:
    """The files under ``folders`` (relative to the top) that git does not track, ignored files
    included, as paths relative to the top (never quoted)."""
    return _names(repo.git.ls_files("--others", "-z", "--", *folders))


def unstaged_files(repo: Repo, folders: Sequence[str]) -> list[str]:
    """The tracked files under ``folders`` whose working-tree content differs from the index
    (the one :func:`open_repo` was given), as paths relative to the top."""
    return _names(repo.git.diff("--name-only", "-z", "--", *folders))


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


@functools.cache
def _repo_class() -> type[Repo]:
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
