"""migguard as a hook repository of the real pre-commit program: session fixtures shared by every
test that runs ``pre-commit`` (registered as a plugin in tests/conftest.py, so the hook
environment is built once per session).

pre-commit clones a commit of the hook repository and pip-installs it into a virtualenv of its
own, so the hook repository here is a temporary commit of this working tree (uncommitted work
included). ``PRE_COMMIT_HOME`` is shared by the session: the environment is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testing.gitrepo import commit, git, git_env, init_repo

WORKING_TREE = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
# Building the hook environment (pip installing migguard and its dependencies) takes a while.
TIMEOUT = 900


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding this working tree's files in one commit: ``(path, id)``."""
    destination = tmp_path_factory.mktemp("migguard-hook-repo")
    return destination, copy_working_tree(destination)


def copy_working_tree(destination: Path) -> str:
    """Copy this working tree's files (tracked and untracked, not ignored; uncommitted edits
    included) into the empty folder ``destination``, make it a repository on ``main`` and
    commit them; returns the commit's id."""
    listed = git(
        WORKING_TREE, "ls-files", "-z", "--cached", "--others", "--exclude-standard"
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = WORKING_TREE / name
        target = destination / name
        if not source.is_symlink() and not source.is_file():
            continue  # deleted in the working tree, not yet in the index
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    init_repo(destination)
    return commit(destination, "tree")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache folder (``PRE_COMMIT_HOME``) for the whole session."""
    return tmp_path_factory.mktemp("pre-commit-home")


def run_pre_commit(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``pre-commit ARGS`` in ``root`` with ``home`` as ``PRE_COMMIT_HOME``; returns the
    finished process. Raises AssertionError (with its output) when it exits non-zero."""
    done = subprocess.run(
        [str(PRE_COMMIT), *args],
        cwd=root,
        env=git_env(env_for(home)),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def env_for(home: Path) -> dict[str, str]:
    """The environment variables that point pre-commit (and the hooks it installed) at
    ``home``."""
    return {"PRE_COMMIT_HOME": str(home)}
