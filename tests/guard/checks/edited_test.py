"""The ``edited`` check on real git repositories (branches, renames, line endings, and a real
pre-commit hook)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from migguard.guard.findings import ERROR, WARNING, Finding
from tests.testing.branches import (
    VERSIONS,
    branch_then_main_moves_on,
    check,
    commit_on_main,
    feature,
    two_revisions_on_main,
    versions_file,
)
from tests.testing.gitrepo import commit, git
from tests.testing.project import Project


@pytest.fixture
def repo(project: Project) -> Project:
    """A git repository on ``main`` holding revisions ``a1`` <- ``a2`` (in place of the
    ``repo`` of ``tests/guard/conftest.py``)."""
    return two_revisions_on_main(project)


# -- edited ------------------------------------------------------------------------------


def test_editing_a_revision_from_main_is_an_error_until_restored(repo: Project) -> None:
    feature(repo)
    repo.add("a2", "a1", branch_labels="audit", upgrade="op.drop_table('users')")

    [finding] = check(repo, "edited")
    assert finding == Finding(
        "edited",
        ERROR,
        f"revision a2 ({versions_file('a2')}) is on main and was modified",
        versions_file("a2"),
        hint="write a new revision instead of editing one that is already on main; "
        f"undo the edit with: git checkout main -- {versions_file('a2')}",
        details=("branch_labels: None -> audit",),
    )
    git(repo.root, "checkout", "main", "--", versions_file("a2"))
    assert check(repo, "edited") == []


def test_deleting_a_revision_from_main_is_an_error(repo: Project) -> None:
    feature(repo)
    (repo.versions / "a2_rev.py").unlink()
    [finding] = check(repo, "edited")
    assert (finding.severity, finding.message, finding.file) == (
        ERROR,
        f"revision a2 ({versions_file('a2')}) is on main and was deleted",
        versions_file("a2"),
    )
    assert finding.hint is not None
    assert finding.hint.startswith(f"restore it with: git checkout main -- {versions_file('a2')}")


def test_a_pure_rename_is_a_warning_and_a_rename_with_changes_an_error(repo: Project) -> None:
    feature(repo)
    git(repo.root, "mv", versions_file("a2"), f"{VERSIONS}/a2_add_user_name.py")
    [finding] = check(repo, "edited")
    assert (finding.severity, finding.file) == (WARNING, f"{VERSIONS}/a2_add_user_name.py")
    assert finding.message == (
        f"revision a2 is on main as {versions_file('a2')} and was renamed to "
        f"{VERSIONS}/a2_add_user_name.py"
    )
    assert finding.hint is not None and "git mv" in finding.hint

    repo.add("a2", "a1", filename="a2_add_user_name.py", upgrade="op.drop_table('users')")
    [finding] = check(repo, "edited")
    assert finding.severity == ERROR
    assert finding.message.endswith(
        "renamed to migrations/versions/a2_add_user_name.py and modified"
    )


def test_new_revisions_and_revisions_main_added_later_are_not_edits(repo: Project) -> None:
    branch_then_main_moves_on(repo)
    # a3 is absent here, but it was never on this branch: nothing was deleted.
    assert not (repo.versions / "a3_rev.py").exists()
    assert check(repo, "edited") == []


def test_a_change_made_on_main_itself_is_not_blamed_on_the_branch(repo: Project) -> None:
    feature(repo)
    commit_on_main(repo, "a2", "a1", message="hotfix straight on main")
    git(repo.root, "checkout", "main", "--", versions_file("a2"))
    assert check(repo, "edited") == []


def test_line_ending_conversion_alone_is_not_an_edit(repo: Project) -> None:
    feature(repo)
    path = repo.versions / "a1_rev.py"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert check(repo, "edited") == []


def test_pre_commit_sees_the_staged_content_only(
    repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A real ``git commit`` running the check through pre-commit: an unstaged edit of a
    revision from main is stashed away by pre-commit; once staged, the commit is refused."""
    (repo.root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        "- repo: local\n"
        "  hooks:\n"
        "  - id: migguard-edited\n"
        "    name: migguard edited\n"
        f"    entry: {sys.executable} -m migguard check --select edited\n"
        "    language: system\n"
        "    pass_filenames: false\n"
        "    always_run: true\n"
    )
    commit(repo.root, "pre-commit configuration")
    env = {**os.environ, "PRE_COMMIT_HOME": os.fspath(tmp_path_factory.mktemp("pre-commit"))}
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit is not None
    subprocess.run([pre_commit, "install"], cwd=repo.root, env=env, check=True)
    feature(repo)
    repo.add("f1", "a2")
    repo.add("a2", "a1", upgrade="op.drop_table('users')")  # edited, but not staged
    git(repo.root, "add", versions_file("f1"))

    committed = subprocess.run(
        ["git", "commit", "-m", "f1"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert committed.returncode == 0, committed.stdout + committed.stderr

    git(repo.root, "add", versions_file("a2"))
    refused = subprocess.run(
        ["git", "commit", "-m", "edit a2"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0
    # git runs hooks with their output sent to its stderr.
    assert f"revision a2 ({versions_file('a2')}) is on main and was modified" in refused.stderr
