"""migguard as a hook repository of the real pre-commit program: its hooks block a commit or a
merge that leaves two heads, and post-merge speaks after a merge (the hook repository and
``PRE_COMMIT_HOME`` fixtures are in tests/testing/precommit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testing.gitrepo import add_revision, commit, git, init_project
from tests.testing.precommit import env_for, run_pre_commit


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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_migguard_heads_stops_a_merge_that_would_leave_two_heads(
    app: Path, pre_commit_home: Path
) -> None:
    run_pre_commit(app, pre_commit_home, "install", "--hook-type", "pre-merge-commit")
    git(app, "checkout", "-q", "-b", "feature")
    add_revision(app, "b2", "a1")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "b2", env=env_for(pre_commit_home))
    git(app, "checkout", "-q", "main")
    add_revision(app, "c3", "a1")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "c3", env=env_for(pre_commit_home))
    before = git(app, "rev-parse", "HEAD").stdout

    merge = git(app, "merge", "--no-edit", "feature", env=env_for(pre_commit_home), check=False)

    output = merge.stdout + merge.stderr
    assert merge.returncode == 1
    assert "2 heads where one is expected" in output
    assert 'migguard merge heads -m "merge ' in output
    assert git(app, "rev-parse", "HEAD").stdout == before  # the merge was not committed
