"""The thin git layer: git processes get a fresh environment (only allow-listed ``GIT_*``
variables), inside a hook too, without changing ``os.environ``; the hook's index is read when
asked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migguard.guard.git import git_environment, hook_index_file, open_repo, working_repo
from tests.guard.gitrepo import add_revision, commit, git, init_project


def test_the_git_environment_keeps_only_allow_listed_git_variables() -> None:
    hook = {
        "PATH": "/usr/bin",
        "SECRET_TOKEN": "s3cret",
        "GIT_DIR": ".git",
        "GIT_WORK_TREE": ".",
        "GIT_INDEX_FILE": ".git/index.lock",
        "GIT_PREFIX": "sub/",
        "GIT_EDITOR": ":",
        "GIT_EXEC_PATH": "/usr/lib/git-core",
        "GIT_SSH_COMMAND": "ssh -i key",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.autocrlf",
        "GIT_CONFIG_VALUE_0": "false",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }

    fresh = git_environment(hook)

    assert fresh == {
        "PATH": "/usr/bin",
        "SECRET_TOKEN": "s3cret",
        "GIT_EXEC_PATH": "/usr/lib/git-core",
        "GIT_SSH_COMMAND": "ssh -i key",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.autocrlf",
        "GIT_CONFIG_VALUE_0": "false",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    assert git_environment(hook, index_file="/app/.git/index.lock")["GIT_INDEX_FILE"] == (
        "/app/.git/index.lock"
    )
    assert "GIT_DIR" in hook  # the given mapping is not changed


def test_the_hook_index_is_made_absolute_against_the_folder_git_ran_the_hook_in() -> None:
    assert hook_index_file({"GIT_INDEX_FILE": ".git/index"}, "/app") == "/app/.git/index"
    named = "/app/.git/next-index-12.lock"
    assert hook_index_file({"GIT_INDEX_FILE": named}, "/elsewhere") == named
    assert hook_index_file({}, "/app") is None


@pytest.fixture
def two_repositories(tmp_path: Path) -> tuple[Path, Path]:
    """``(app, other)``: two repositories, each with one commit of a different revision."""
    app = init_project(tmp_path / "app")
    add_revision(app, "a1")
    commit(app, "a1")
    other = init_project(tmp_path / "other")
    add_revision(other, "z9")
    commit(other, "z9")
    return app, other


def test_inside_another_repositorys_hook_git_reads_the_project_and_os_environ_stays(
    two_repositories: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variables git sets for a hook (absolute or relative to where it ran the hook)
    name the other repository; the project's repository is read all the same."""
    app, other = two_repositories
    monkeypatch.chdir(other)
    hook = {
        "GIT_DIR": os.fspath(other / ".git"),
        "GIT_WORK_TREE": ".",
        "GIT_INDEX_FILE": os.fspath(other / ".git" / "index"),
        "GIT_PREFIX": "migrations/",
        "GIT_OBJECT_DIRECTORY": os.fspath(other / ".git" / "objects"),
    }
    for name, value in hook.items():
        monkeypatch.setenv(name, value)
    before = dict(os.environ)

    repo = working_repo(app)

    assert Path(str(repo.working_tree_dir)) == app
    assert repo.git.ls_files().splitlines() == ["migguard.toml", "migrations/versions/a1_rev.py"]
    assert repo.head.commit.message.strip() == "a1"
    assert [blob.name for blob in repo.head.commit.tree / "migrations" / "versions"] == [
        "a1_rev.py"
    ]
    assert dict(os.environ) == before


def test_the_index_asked_for_is_the_one_read(two_repositories: tuple[Path, Path]) -> None:
    app, _ = two_repositories
    add_revision(app, "b2", "a1")
    temporary = app / ".git" / "next-index-1.lock"
    git(app, "add", "-A", env={"GIT_INDEX_FILE": os.fspath(temporary)})

    repo = open_repo(app, index_file=os.fspath(temporary))
    own = open_repo(app)

    assert repo is not None and own is not None
    assert "migrations/versions/b2_rev.py" in repo.git.ls_files().splitlines()
    assert "migrations/versions/b2_rev.py" not in own.git.ls_files().splitlines()
