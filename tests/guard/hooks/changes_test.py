"""Revision files that differ between two commits, and the graph a past commit holds, read from
real git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.config import Config
from migguard.config.load import load_config
from migguard.errors import HistoryError, UsageError
from migguard.graph import RevisionGraph
from migguard.guard.git import working_repo
from migguard.guard.hooks.changes import (
    ADDED,
    CHANGED,
    REMOVED,
    FileChange,
    RevisionChanges,
    graph_at,
    revision_changes,
)
from tests.testing.gitrepo import add_revision, commit, git, init_project


def config_at(root: Path) -> Config:
    return load_config(cwd=root, environ={})


def changes_in(root: Path, before: str, after: str) -> RevisionChanges:
    """The revision changes of the project at ``root`` (its repository opened here)."""
    config = config_at(root)
    return revision_changes(working_repo(config.root), config, before, after)


def graph_in(root: Path, ref: str) -> RevisionGraph:
    """The graph of the project at ``root`` at commit ``ref``."""
    config = config_at(root)
    return graph_at(working_repo(config.root), config, ref)


def test_added_changed_and_removed_revision_files(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    add_revision(root, "b2", "a1")
    first = commit(root, "a1 and b2")
    add_revision(root, "b2", "a1", upgrade='op.execute("SELECT 1")')
    add_revision(root, "c3", "b2")
    (root / "migrations" / "versions" / "a1_rev.py").unlink()
    second = commit(root, "edit b2, add c3, drop a1")

    changes = changes_in(root, first, "HEAD")

    assert changes.before == first
    assert changes.after == second
    assert changes.files == (
        FileChange(REMOVED, "migrations/versions/a1_rev.py"),
        FileChange(CHANGED, "migrations/versions/b2_rev.py"),
        FileChange(ADDED, "migrations/versions/c3_rev.py"),
    )
    assert changes.summary() == "1 added, 1 changed, 1 removed"
    assert changes.span == f"{first[:7]}..{second[:7]}"


def test_a_rename_is_a_removal_and_an_addition(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    old = add_revision(root, "a1")
    first = commit(root, "a1")
    old.rename(old.with_name("a1_first_table.py"))
    commit(root, "rename")

    changes = changes_in(root, first, "HEAD")

    assert changes.files == (
        FileChange(ADDED, "migrations/versions/a1_first_table.py"),
        FileChange(REMOVED, "migrations/versions/a1_rev.py"),
    )


def test_files_that_are_not_revision_scripts_are_left_out(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    (root / "README.md").write_text("app\n", encoding="utf-8")
    first = commit(root, "start")
    versions = root / "migrations" / "versions"
    (versions / "__init__.py").write_text("", encoding="utf-8")
    (versions / "notes.txt").write_text("notes\n", encoding="utf-8")
    (versions / ".draft.py").write_text("x = 1\n", encoding="utf-8")
    add_revision(root, "s1", folder="migrations/versions/archive")
    (root / "migrations" / "env_helpers.py").write_text("x = 1\n", encoding="utf-8")
    (root / "README.md").write_text("app, changed\n", encoding="utf-8")
    add_revision(root, "a1")
    commit(root, "noise and one revision")

    changes = changes_in(root, first, "HEAD")

    assert changes.files == (FileChange(ADDED, "migrations/versions/a1_rev.py"),)


def test_recursive_version_locations_count_sub_folders(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app", "recursive_version_locations = true\n")
    first = commit(root, "start")
    add_revision(root, "s1", folder="migrations/versions/2024")
    add_revision(root, "s2", folder="migrations/versions/__pycache__")
    commit(root, "nested")

    changes = changes_in(root, first, "HEAD")

    assert changes.files == (FileChange(ADDED, "migrations/versions/2024/s1_rev.py"),)


def test_a_project_in_a_sub_folder_of_the_repository(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "monorepo")
    root = repo / "services" / "billing"
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migguard.toml").write_text('script_location = "migrations"\n', encoding="utf-8")
    first = commit(repo, "two projects")
    add_revision(root, "a1")
    add_revision(repo, "z9")
    commit(repo, "a1 for billing, z9 for the top project")

    changes = changes_in(root, first, "HEAD")

    assert changes.files == (FileChange(ADDED, "migrations/versions/a1_rev.py"),)


def test_a_project_reached_through_a_symbolic_link_shows_relative_paths(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    first = commit(root, "start")
    add_revision(root, "a1")
    commit(root, "a1")
    (tmp_path / "link").symlink_to(root)

    changes = changes_in(tmp_path / "link", first, "HEAD")

    assert changes.files == (FileChange(ADDED, "migrations/versions/a1_rev.py"),)


def test_the_same_commit_twice_changes_nothing(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    changes = changes_in(root, "HEAD", "main")
    assert changes.files == ()
    assert changes.summary() == ""


def test_an_unknown_commit_is_a_usage_error(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    with pytest.raises(UsageError, match="'ORIG_HEAD' names no commit"):
        changes_in(root, "ORIG_HEAD", "HEAD")


def test_outside_a_git_repository_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migguard.toml").write_text('script_location = "migrations"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="is not inside a git working tree"):
        changes_in(root, "HEAD~1", "HEAD")


def test_hook_variables_pointing_elsewhere_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init_project(tmp_path / "app")
    first = commit(root, "start")
    add_revision(root, "a1")
    commit(root, "a1")
    other = init_project(tmp_path / "other")
    commit(other, "other start")
    # What git sets inside a hook run from another repository.
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))

    changes = changes_in(root, first, "HEAD")

    assert changes.files == (FileChange(ADDED, "migrations/versions/a1_rev.py"),)


def test_graph_at_reads_a_past_commit_not_the_working_tree(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    add_revision(root, "b2", "a1")
    past = commit(root, "a1, b2")
    (root / "migrations" / "versions" / "b2_rev.py").unlink()
    add_revision(root, "c3", "a1")
    commit(root, "c3 replaces b2")

    graph = graph_in(root, past)

    assert sorted(graph.ids) == ["a1", "b2"]
    assert graph.heads == ("b2",)
    assert graph.parents("b2") == ("a1",)


def test_graph_at_works_in_a_linked_worktree(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    past = commit(root, "a1")
    add_revision(root, "b2", "a1")
    commit(root, "b2")
    worktree = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "--detach", str(worktree), past)

    assert sorted(graph_in(worktree, "main").ids) == ["a1", "b2"]
    assert changes_in(worktree, "HEAD", "main").files == (
        FileChange(ADDED, "migrations/versions/b2_rev.py"),
    )


def test_graph_at_reports_a_broken_past_script(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    (root / "migrations" / "versions" / "b2_rev.py").write_text(
        'revision = "b2"\ndown_revision = "a1"\ndef upgrade(:\n', encoding="utf-8"
    )
    past = commit(root, "broken b2")
    with pytest.raises(HistoryError, match=r"b2_rev\.py at [0-9a-f]{7}.*syntax error"):
        graph_in(root, past[:7])
