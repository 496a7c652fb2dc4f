"""migguard as a hook repository of the real pre-commit program.

pre-commit clones a commit of the hook repository and pip-installs it into a virtualenv of its
own, so the hook repository here is a temporary commit of this working tree (uncommitted work
included). ``PRE_COMMIT_HOME`` is shared by the session: the environment is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.guard.gitrepo import add_revision, commit, git, git_env, init_project

WORKING_TREE = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
# Building the hook environment (pip installing migguard and its dependencies) takes a while.
TIMEOUT = 900


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding this working tree's files in one commit: ``(path, id)``."""
    destination = tmp_path_factory.mktemp("migguard-hook-repo")
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
    git(destination, "init", "-q", "-b", "main")
    return destination, commit_all(destination)


def commit_all(root: Path) -> str:
    git(root, "-c", "user.name=t", "-c", "user.email=t@t.invalid", "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "-m", "tree")
    return git(root, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def app(tmp_path: Path, hook_repository: tuple[Path, str], pre_commit_home: Path) -> Iterator[Path]:
    """A project using migguard-heads and migguard-post-merge through pre-commit."""
    path, rev = hook_repository
    root = init_project(tmp_path / "app")
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {path}\n  rev: {rev}\n  hooks:\n"
        "  - id: migguard-heads\n  - id: migguard-post-merge\n",
        encoding="utf-8",
    )
    add_revision(root, "a1")
    commit(root, "a1 and the pre-commit configuration")
    run_pre_commit(root, pre_commit_home, "install", "--hook-type", "pre-commit")
    run_pre_commit(root, pre_commit_home, "install", "--hook-type", "post-merge")
    yield root


def run_pre_commit(root: Path, home: Path, *args: str) -> None:
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


def env_for(home: Path) -> dict[str, str]:
    return {"PRE_COMMIT_HOME": str(home)}


def test_migguard_heads_blocks_a_commit_that_leaves_two_heads(
    app: Path, pre_commit_home: Path
) -> None:
    add_revision(app, "b2", "a1")
    add_revision(app, "c3", "a1")
    git(app, "add", "-A")

    blocked = git(app, "commit", "-m", "two heads", env=env_for(pre_commit_home), check=False)

    assert blocked.returncode == 1
    output = blocked.stdout + blocked.stderr
    assert "migguard heads" in output
    assert "Failed" in output
    assert "2 heads where one is expected" in output

    (app / "migrations" / "versions" / "c3_rev.py").unlink()
    git(app, "add", "-A")
    passed = git(app, "commit", "-m", "one head", env=env_for(pre_commit_home), check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "migguard heads" in passed.stdout + passed.stderr


def test_migguard_post_merge_fires_on_git_merge(app: Path, pre_commit_home: Path) -> None:
    git(app, "checkout", "-q", "-b", "feature")
    add_revision(app, "b2", "a1")
    add_revision(app, "c3", "b2")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "b2 and c3", env=env_for(pre_commit_home))
    git(app, "checkout", "-q", "main")

    merge = git(app, "merge", "feature", env=env_for(pre_commit_home))

    output = merge.stdout + merge.stderr
    assert "migguard post-merge" in output
    assert "migguard: revision files arrived (2 added, " in output
