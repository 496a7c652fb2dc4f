"""The ``edited`` and ``stale-parent`` checks on real git repositories (branches, rebases,
pushes to a bare remote, and a real pre-commit hook)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from migguard.config import load_config
from migguard.guard.checks.run import run_checks
from migguard.guard.findings import ERROR, INFO, WARNING, Finding
from migguard.guard.settings import check_settings
from migguard.scripts.directory import load_history
from tests.conftest import Project
from tests.guard.gitrepo import add_origin, commit, git, init_repo

VERSIONS = "migrations/versions"


@pytest.fixture
def repo(project: Project) -> Project:
    """A git repository on ``main`` holding revisions ``a1`` <- ``a2`` (in place of the
    ``repo`` of ``tests/guard/conftest.py``)."""
    init_repo(project.root)
    project.add("a1", upgrade="op.create_table('users', sa.Column('id', sa.Integer))")
    project.add("a2", "a1", upgrade="op.add_column('users', sa.Column('name', sa.Text))")
    commit(project.root, "a1, a2")
    return project


def _check(project: Project, *codes: str, fix: bool = False) -> list[Finding]:
    config = load_config(cwd=project.root)
    return run_checks(config, codes, check_settings(config), fix=fix)


def _feature(project: Project) -> None:
    git(project.root, "switch", "-q", "-c", "feature")


def _script(rid: str) -> str:
    return f"{VERSIONS}/{rid}_rev.py"


def _commit_on_main(
    project: Project,
    rid: str,
    down: str,
    *,
    message: str | None = None,
    branch_labels: str | None = None,
) -> None:
    """Switch to ``main``, commit revision ``rid`` on ``down`` there, and switch back to
    ``feature``."""
    git(project.root, "switch", "-q", "main")
    project.add(rid, down, message=message, branch_labels=branch_labels)
    commit(project.root, rid)
    git(project.root, "switch", "-q", "feature")


def _branch_then_main_moves_on(project: Project) -> None:
    """``feature`` adds f1 on a2; meanwhile ``main`` gets a3 on a2."""
    _feature(project)
    project.add("f1", "a2", upgrade="op.create_table('orders', sa.Column('id', sa.Integer))")
    commit(project.root, "f1")
    _commit_on_main(project, "a3", "a2")


# -- edited ------------------------------------------------------------------------------


def test_editing_a_revision_from_main_is_an_error_until_restored(repo: Project) -> None:
    _feature(repo)
    repo.add("a2", "a1", branch_labels="audit", upgrade="op.drop_table('users')")

    [finding] = _check(repo, "edited")
    assert finding == Finding(
        "edited",
        ERROR,
        f"revision a2 ({_script('a2')}) is on main and was modified",
        _script("a2"),
        hint="write a new revision instead of editing one that is already on main; "
        f"undo the edit with: git checkout main -- {_script('a2')}",
        details=("branch_labels: None -> audit",),
    )
    git(repo.root, "checkout", "main", "--", _script("a2"))
    assert _check(repo, "edited") == []


def test_deleting_a_revision_from_main_is_an_error(repo: Project) -> None:
    _feature(repo)
    (repo.versions / "a2_rev.py").unlink()
    [finding] = _check(repo, "edited")
    assert (finding.severity, finding.message, finding.file) == (
        ERROR,
        f"revision a2 ({_script('a2')}) is on main and was deleted",
        _script("a2"),
    )
    assert finding.hint is not None
    assert finding.hint.startswith(f"restore it with: git checkout main -- {_script('a2')}")


def test_a_pure_rename_is_a_warning_and_a_rename_with_changes_an_error(repo: Project) -> None:
    _feature(repo)
    git(repo.root, "mv", _script("a2"), f"{VERSIONS}/a2_add_user_name.py")
    [finding] = _check(repo, "edited")
    assert (finding.severity, finding.file) == (WARNING, f"{VERSIONS}/a2_add_user_name.py")
    assert finding.message == (
        f"revision a2 is on main as {_script('a2')} and was renamed to "
        f"{VERSIONS}/a2_add_user_name.py"
    )
    assert finding.hint is not None and "git mv" in finding.hint

    repo.add("a2", "a1", filename="a2_add_user_name.py", upgrade="op.drop_table('users')")
    [finding] = _check(repo, "edited")
    assert finding.severity == ERROR
    assert finding.message.endswith(
        "renamed to migrations/versions/a2_add_user_name.py and modified"
    )


def test_new_revisions_and_revisions_main_added_later_are_not_edits(repo: Project) -> None:
    _branch_then_main_moves_on(repo)
    # a3 is absent here, but it was never on this branch: nothing was deleted.
    assert not (repo.versions / "a3_rev.py").exists()
    assert _check(repo, "edited") == []


def test_a_change_made_on_main_itself_is_not_blamed_on_the_branch(repo: Project) -> None:
    _feature(repo)
    _commit_on_main(repo, "a2", "a1", message="hotfix straight on main")
    git(repo.root, "checkout", "main", "--", _script("a2"))
    assert _check(repo, "edited") == []


def test_line_ending_conversion_alone_is_not_an_edit(repo: Project) -> None:
    _feature(repo)
    path = repo.versions / "a1_rev.py"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert _check(repo, "edited") == []


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
    _feature(repo)
    repo.add("f1", "a2")
    repo.add("a2", "a1", upgrade="op.drop_table('users')")  # edited, but not staged
    git(repo.root, "add", _script("f1"))

    committed = subprocess.run(
        ["git", "commit", "-m", "f1"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert committed.returncode == 0, committed.stdout + committed.stderr

    git(repo.root, "add", _script("a2"))
    refused = subprocess.run(
        ["git", "commit", "-m", "edit a2"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0
    # git runs hooks with their output sent to its stderr.
    assert f"revision a2 ({_script('a2')}) is on main and was modified" in refused.stderr


# -- stale-parent ------------------------------------------------------------------------


def test_after_a_rebase_stale_parent_names_the_head_and_fix_repairs_it(repo: Project) -> None:
    _branch_then_main_moves_on(repo)
    git(repo.root, "rebase", "-q", "main")
    script = repo.versions / "f1_rev.py"
    before = script.read_bytes()

    failed = repo.run("check", "--select", "stale-parent")
    assert failed.code == 1
    assert (
        f"revision f1 ({_script('f1')}) is new on this branch, but its down_revision a2 is no "
        "longer the head of main: re-parent it on a3"
    ) in failed.out
    assert "migguard check --fix" in failed.out

    fixed = repo.run("check", "--select", "stale-parent", "--fix")
    assert fixed.code == 0, fixed.out
    assert f"re-parented revision f1 ({_script('f1')}) from a2 onto a3" in fixed.out
    assert script.read_bytes() == before.replace(b"Revises: a2", b"Revises: a3").replace(
        b"down_revision = 'a2'", b"down_revision = 'a3'"
    )
    assert load_history(load_config(cwd=repo.root)).graph.heads == ("f1",)
    assert repo.run("check", "--select", "graph,heads,edited,stale-parent").code == 0
    upgraded = repo.run("--url", f"sqlite:///{repo.root / 'app.db'}", "upgrade", "head")
    assert upgraded.code == 0, upgraded.err


def test_when_main_moved_on_the_branch_must_bring_it_in_before_a_fix(repo: Project) -> None:
    _branch_then_main_moves_on(repo)
    before = (repo.versions / "f1_rev.py").read_bytes()
    [finding] = _check(repo, "stale-parent", fix=True)
    assert (finding.severity, finding.file, finding.line) == (ERROR, _script("f1"), 12)
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
    _branch_then_main_moves_on(repo)
    git(repo.root, "push", "-q", "-u", "origin", "feature")
    git(repo.root, "push", "-q", "origin", "main")
    git(repo.root, "rebase", "-q", "origin/main")

    [finding] = _check(repo, "stale-parent", fix=True)
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
    [finding] = _check(repo, "stale-parent")
    assert finding.message == (
        f"revision b3 ({_script('b3')}) is new on this branch, but its down_revision a2 is no "
        "longer the head of origin/main: re-parent it on a3"
    )
    [fixed] = _check(repo, "stale-parent", fix=True)
    assert fixed.severity == INFO
    assert load_history(load_config(cwd=repo.root)).graph.heads == ("b3",)


def test_several_heads_on_main_are_all_named_and_not_chosen_between(repo: Project) -> None:
    _branch_then_main_moves_on(repo)
    _commit_on_main(repo, "b3", "a2", branch_labels="audit")
    git(repo.root, "rebase", "-q", "main")

    [finding] = _check(repo, "stale-parent", fix=True)
    assert finding.message.endswith("no longer the head of main: main has heads a3, b3 above it")
    assert finding.hint is not None
    assert finding.hint.startswith("choose one of a3, b3 for its down_revision")
    assert b"down_revision = 'a2'" in (repo.versions / "f1_rev.py").read_bytes()


def test_two_stale_revisions_are_each_reported_and_none_is_rewritten(repo: Project) -> None:
    _branch_then_main_moves_on(repo)
    repo.add("g1", "a1")
    findings = _check(repo, "stale-parent", fix=True)
    assert [(f.severity, f.file) for f in findings] == [
        (ERROR, _script("f1")),
        (ERROR, _script("g1")),
    ]
    assert findings[1].message.endswith(
        "down_revision a1 is no longer the head of main: re-parent it on a3"
    )
    assert all(f.hint == 'join the heads with: migguard merge heads -m "..."' for f in findings)


def test_a_stale_merge_revision_is_left_to_the_user(repo: Project) -> None:
    _feature(repo)
    repo.add("g1", message="a second base")
    repo.add("m1", ("a1", "g1"))
    [finding] = _check(repo, "stale-parent", fix=True)
    assert finding.message.startswith(f"revision m1 ({_script('m1')}) is new")
    assert finding.hint == (
        "set its down_revision to a2 in place of a1, or join the heads with: "
        'migguard merge heads -m "merge a2 and m1"'
    )


def test_revisions_on_the_head_and_revisions_from_main_are_not_stale(repo: Project) -> None:
    _feature(repo)
    repo.add("f1", "a2")
    repo.add("f2", "f1")
    assert _check(repo, "stale-parent") == []


def test_the_fix_rewrites_the_heads_file_too(repo: Project) -> None:
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('heads_file = "migrations/heads"\n')
    _branch_then_main_moves_on(repo)
    git(repo.root, "rebase", "-q", "main")
    [finding] = _check(repo, "stale-parent", fix=True)
    assert finding.severity == INFO
    assert (repo.root / "migrations" / "heads").read_text().splitlines()[-1] == "f1"


# -- nothing to compare with -------------------------------------------------------------


def test_without_a_repository_both_checks_say_they_were_skipped(project: Project) -> None:
    project.add("a1")
    findings = _check(project, "edited", "stale-parent")
    assert [(f.code, f.severity) for f in findings] == [("edited", INFO), ("stale-parent", INFO)]
    assert all(
        f.message == f"skipped: {project.root} is not inside a git working tree" for f in findings
    )


def test_on_main_without_upstream_the_checks_are_skipped(repo: Project) -> None:
    findings = _check(repo, "edited", "stale-parent")
    assert {f.message for f in findings} == {
        "skipped: on main, the base branch itself, which has no upstream: nothing is "
        "published to compare with"
    }


def test_a_configured_base_branch_that_is_missing_fails_both_checks(repo: Project) -> None:
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('base_branch = "origin/develop"\n')
    _feature(repo)
    findings = _check(repo, "edited", "stale-parent")
    assert [(f.code, f.severity) for f in findings] == [("edited", ERROR), ("stale-parent", ERROR)]
    assert findings[0].hint == "fetch it (git fetch origin) or fix base_branch"
