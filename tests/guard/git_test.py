"""The thin git layer: git processes get a fresh environment (only allow-listed ``GIT_*``
variables), inside a hook too, without changing ``os.environ``; the hook's index is read when
asked for; what git says comes back as plain data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migguard.guard.git import (
    CurrentBranch,
    GitError,
    blob_at,
    changed_files,
    commit_id,
    current_branch,
    git_environment,
    has_commits,
    hook_index_file,
    is_shallow,
    merge_base,
    open_repo,
    read_blob,
    top,
    tree_files,
    unstaged_files,
    untracked_files,
    working_repo,
)
from tests.testing.gitrepo import add_revision, commit, git, init_project


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


def test_commits_branches_and_trees_come_back_as_plain_data(tmp_path: Path) -> None:
    app = init_project(tmp_path / "app")
    repo = open_repo(app)
    assert repo is not None and not has_commits(repo)
    add_revision(app, "a1")
    first = commit(app, "a1")
    git(app, "switch", "-q", "-c", "feature")
    add_revision(app, "f1", "a1")
    feature = commit(app, "f1")

    assert has_commits(repo) and top(repo) == app
    assert commit_id(repo, "main") == first and commit_id(repo, "HEAD") == feature
    assert commit_id(repo, "origin/main") is None
    assert current_branch(repo) == CurrentBranch("feature", "refs/heads/feature", None, None)
    git(app, "branch", "-q", "--set-upstream-to", "main")
    assert current_branch(repo) == CurrentBranch(
        "feature", "refs/heads/feature", ".", "refs/heads/main"
    )
    assert merge_base(repo, "HEAD", "main") == first
    assert not is_shallow(repo)

    versions = "migrations/versions"
    files = tree_files(repo, feature, versions, recursive=False, skip=lambda name: False)
    assert [file.parts for file in files or ()] == [("a1_rev.py",), ("f1_rev.py",)]
    assert tree_files(repo, first, "nowhere", recursive=False, skip=lambda name: False) is None
    blob = blob_at(repo, feature, f"{versions}/f1_rev.py")
    assert blob is not None and read_blob(repo, blob) == (app / versions / "f1_rev.py").read_bytes()
    assert blob_at(repo, first, f"{versions}/f1_rev.py") is None
    assert changed_files(repo, first, feature) == [("A", f"{versions}/f1_rev.py")]

    add_revision(app, "u1", "f1")
    (app / versions / "a1_rev.py").write_text("# edited\n")
    assert untracked_files(repo, [versions]) == [f"{versions}/u1_rev.py"]
    assert unstaged_files(repo, [versions]) == [f"{versions}/a1_rev.py"]


def test_without_a_common_commit_merge_base_is_none_and_a_git_failure_says_why(
    tmp_path: Path,
) -> None:
    app = init_project(tmp_path / "app")
    add_revision(app, "a1")
    commit(app, "a1")
    git(app, "switch", "-q", "--orphan", "other")
    add_revision(app, "z9")
    commit(app, "z9")
    repo = working_repo(app)
    assert merge_base(repo, "main", "other") is None
    with pytest.raises(GitError, match="Not a valid"):
        merge_base(repo, "main", "0" * 40)
