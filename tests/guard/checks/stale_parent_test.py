"""The ``stale-parent`` check and its ``--fix`` on real git repositories (branches, rebases,
pushes to a bare remote)."""

from __future__ import annotations

import os

import pytest

from migguard.config.load import load_config
from migguard.guard.findings import ERROR, INFO
from migguard.scripts.directory import load_history
from tests.testing.branches import (
    branch_then_main_moves_on,
    check,
    commit_on_main,
    feature,
    two_revisions_on_main,
    versions_file,
)
from tests.testing.gitrepo import add_origin, commit, git
from tests.testing.project import Project


@pytest.fixture
def repo(project: Project) -> Project:
    """A git repository on ``main`` holding revisions ``a1`` <- ``a2`` (in place of the
    ``repo`` of ``tests/guard/conftest.py``)."""
    return two_revisions_on_main(project)


# -- stale-parent ------------------------------------------------------------------------


def test_after_a_rebase_stale_parent_names_the_head_and_fix_repairs_it(repo: Project) -> None:
    branch_then_main_moves_on(repo)
    git(repo.root, "rebase", "-q", "main")
    script = repo.versions / "f1_rev.py"
    before = script.read_bytes()

    failed = repo.run("check", "--select", "stale-parent")
    assert failed.code == 1
    assert (
        f"revision f1 ({versions_file('f1')}) is new on this branch, but its down_revision a2 "
        "is no longer the head of main: re-parent it on a3"
    ) in failed.out
    assert "migguard check --fix" in failed.out

    fixed = repo.run("check", "--select", "stale-parent", "--fix")
    assert fixed.code == 0, fixed.out
    assert f"re-parented revision f1 ({versions_file('f1')}) from a2 onto a3" in fixed.out
    assert script.read_bytes() == before.replace(b"Revises: a2", b"Revises: a3").replace(
        b"down_revision = 'a2'", b"down_revision = 'a3'"
    )
    assert load_history(load_config(cwd=repo.root)).graph.heads == ("f1",)
    assert repo.run("check", "--select", "graph,heads,edited,stale-parent").code == 0
    upgraded = repo.run("--url", f"sqlite:///{repo.root / 'app.db'}", "upgrade", "head")
    assert upgraded.code == 0, upgraded.err


def test_when_main_moved_on_the_branch_must_bring_it_in_before_a_fix(repo: Project) -> None:
    branch_then_main_moves_on(repo)
    before = (repo.versions / "f1_rev.py").read_bytes()
    [finding] = check(repo, "stale-parent", fix=True)
    assert (finding.severity, finding.file, finding.line) == (ERROR, versions_file("f1"), 12)
    assert finding.message.endswith("is no longer the head of main: re-parent it on a3")
    assert finding.hint == (
        "bring main into this branch first (git rebase main), then: migguard check --fix"
    )
    assert (repo.versions / "f1_rev.py").read_bytes() == before


def test_a_revision_already_pushed_is_not_rewritten(
    repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    add_origin(repo.root, tmp_path_factory.mktemp("remote") / "origin.git")
    git(repo.root, "push", "-q", "-u", "origin", "main")
    branch_then_main_moves_on(repo)
    git(repo.root, "push", "-q", "-u", "origin", "feature")
    git(repo.root, "push", "-q", "origin", "main")
    git(repo.root, "rebase", "-q", "origin/main")

    [finding] = check(repo, "stale-parent", fix=True)
    assert finding.severity == ERROR
    assert finding.message.endswith("no longer the head of origin/main: re-parent it on a3")
    assert finding.hint == (
        "it is already pushed to origin/feature; "
        'join the heads with: migguard merge heads -m "merge a3 and f1"'
    )
    assert b"down_revision = 'a2'" in (repo.versions / "f1_rev.py").read_bytes()


def test_on_main_a_pull_with_rebase_leaves_a_stale_local_revision(
    repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Committing straight on main: a colleague pushed a3 first; ``git pull --rebase``."""
    origin = tmp_path_factory.mktemp("remote") / "origin.git"
    add_origin(repo.root, origin)
    git(repo.root, "push", "-q", "-u", "origin", "main")
    colleague = tmp_path_factory.mktemp("colleague") / "clone"
    git(colleague.parent, "clone", "-q", "-b", "main", os.fspath(origin), colleague.name)
    git(colleague, "config", "user.name", "A Colleague")
    git(colleague, "config", "user.email", "colleague@migguard.invalid")
    Project(colleague, repo.capsys).add("a3", "a2")
    commit(colleague, "a3")
    git(colleague, "push", "-q", "origin", "main")

    repo.add("b3", "a2")
    commit(repo.root, "b3")
    git(repo.root, "pull", "-q", "--rebase")
    [finding] = check(repo, "stale-parent")
    assert finding.message == (
        f"revision b3 ({versions_file('b3')}) is new on this branch, but its down_revision a2 "
        "is no longer the head of origin/main: re-parent it on a3"
    )
    [fixed] = check(repo, "stale-parent", fix=True)
    assert fixed.severity == INFO
    assert load_history(load_config(cwd=repo.root)).graph.heads == ("b3",)


def test_several_heads_on_main_are_all_named_and_not_chosen_between(repo: Project) -> None:
    branch_then_main_moves_on(repo)
    commit_on_main(repo, "b3", "a2", branch_labels="audit")
    git(repo.root, "rebase", "-q", "main")

    [finding] = check(repo, "stale-parent", fix=True)
    assert finding.message.endswith("no longer the head of main: main has heads a3, b3 above it")
    assert finding.hint is not None
    assert finding.hint.startswith("choose one of a3, b3 for its down_revision")
    assert b"down_revision = 'a2'" in (repo.versions / "f1_rev.py").read_bytes()


def test_two_stale_revisions_are_each_reported_and_none_is_rewritten(repo: Project) -> None:
    branch_then_main_moves_on(repo)
    repo.add("g1", "a1")
    findings = check(repo, "stale-parent", fix=True)
    assert [(f.severity, f.file) for f in findings] == [
        (ERROR, versions_file("f1")),
        (ERROR, versions_file("g1")),
    ]
    assert findings[1].message.endswith(
        "down_revision a1 is no longer the head of main: re-parent it on a3"
    )
    assert all(f.hint == 'join the heads with: migguard merge heads -m "..."' for f in findings)


def test_a_stale_merge_revision_is_left_to_the_user(repo: Project) -> None:
    feature(repo)
    repo.add("g1", message="a second base")
    repo.add("m1", ("a1", "g1"))
    [finding] = check(repo, "stale-parent", fix=True)
    assert finding.message.startswith(f"revision m1 ({versions_file('m1')}) is new")
    assert finding.hint == (
        "set its down_revision to a2 in place of a1, or join the heads with: "
        'migguard merge heads -m "merge a2 and m1"'
    )


def test_revisions_on_the_head_and_revisions_from_main_are_not_stale(repo: Project) -> None:
    feature(repo)
    repo.add("f1", "a2")
    repo.add("f2", "f1")
    assert check(repo, "stale-parent") == []


def test_the_fix_rewrites_the_heads_file_too(repo: Project) -> None:
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('heads_file = "migrations/heads"\n')
    branch_then_main_moves_on(repo)
    git(repo.root, "rebase", "-q", "main")
    [finding] = check(repo, "stale-parent", fix=True)
    assert finding.severity == INFO
    assert (repo.root / "migrations" / "heads").read_text().splitlines()[-1] == "f1"
