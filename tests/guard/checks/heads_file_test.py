"""The heads file: written by ``revision``/``merge``, verified by the ``heads`` check, and the
reason two branches that each add a revision collide in git."""

from __future__ import annotations

import pytest

from migguard.config.load import load_config
from migguard.guard.checks.run import run_checks
from migguard.guard.findings import ERROR, INFO, Finding
from migguard.guard.settings import check_settings
from migguard.scripts.directory import load_history
from migguard.scripts.heads_file import read_heads_file, write_heads_file
from tests.testing.gitrepo import commit, git, init_repo
from tests.testing.project import Project

HEADS = "migrations/heads"


@pytest.fixture
def guarded(project: Project) -> Project:
    """A project with ``heads_file = "migrations/heads"``."""
    with (project.root / "migguard.toml").open("a") as handle:
        handle.write(f'heads_file = "{HEADS}"\n')
    return project


def _heads_findings(project: Project, *, fix: bool = False) -> list[Finding]:
    config = load_config(cwd=project.root)
    return run_checks(config, ("heads",), check_settings(config), fix=fix)


def _listed(project: Project) -> list[str]:
    return list(read_heads_file(project.root / HEADS).heads)


def _commit_revision(project: Project, rid: str, message: str) -> None:
    assert project.run("revision", "-m", message, "--rev-id", rid).code == 0
    commit(project.root, rid)


def _branches_each_add_a_revision(project: Project) -> None:
    """A repository where ``migguard revision`` wrote a1 on ``main``, then b2 on a1 on branch
    ``orders``, then c3 on a1 on ``main``, each committed; ``main`` is checked out."""
    init_repo(project.root)
    _commit_revision(project, "a1", "create users")
    git(project.root, "switch", "-q", "-c", "orders")
    _commit_revision(project, "b2", "create orders")
    git(project.root, "switch", "-q", "main")
    _commit_revision(project, "c3", "add user email")


def test_revision_and_merge_keep_the_file_up_to_date(guarded: Project) -> None:
    assert guarded.run("revision", "-m", "first", "--rev-id", "a1").code == 0
    assert _listed(guarded) == ["a1"]
    assert guarded.run("revision", "-m", "second", "--rev-id", "b2").code == 0
    assert _listed(guarded) == ["b2"]
    assert (
        guarded.run("revision", "-m", "side", "--head", "a1", "--splice", "--rev-id", "c3").code
        == 0
    )
    assert _listed(guarded) == ["b2", "c3"]
    assert guarded.run("merge", "heads", "-m", "join", "--rev-id", "m4").code == 0
    assert _listed(guarded) == ["m4"]
    assert guarded.run("revision", "-m", "new base", "--head", "base", "--rev-id", "z9").code == 0
    assert _listed(guarded) == ["m4", "z9"]
    # The file agrees with the history; only the two heads themselves are reported.
    [finding] = _heads_findings(guarded)
    assert finding.message.startswith("2 heads where one is expected: m4 ")


def test_check_flags_a_file_that_does_not_match_the_heads(guarded: Project) -> None:
    guarded.add("a1")
    guarded.add("b2", "a1")
    write_heads_file(guarded.root / HEADS, ["a1"])
    [finding] = _heads_findings(guarded)
    assert finding == Finding(
        "heads",
        ERROR,
        f"heads file {HEADS} lists a1 but the heads are b2",
        HEADS,
        hint="rewrite it with: migguard check --fix (revision and merge keep it up to date)",
    )
    [fixed] = _heads_findings(guarded, fix=True)
    assert (fixed.severity, fixed.message) == (INFO, f"heads file {HEADS} rewritten: b2")
    assert _listed(guarded) == ["b2"]
    assert _heads_findings(guarded) == []


def test_a_missing_file_is_an_error_once_there_are_revisions(guarded: Project) -> None:
    assert _heads_findings(guarded) == []
    guarded.add("a1")
    [finding] = _heads_findings(guarded)
    assert finding.message == f"heads file {HEADS} is missing (the heads are a1)"
    assert finding.hint is not None and "migguard check --fix" in finding.hint
    result = guarded.run("check", "--select", "heads", "--fix")
    assert result.code == 0, result.out
    assert _listed(guarded) == ["a1"]


def test_two_branches_each_adding_a_revision_conflict_in_git(guarded: Project) -> None:
    """The proof: with a heads file the merge that would leave two heads stops in git."""
    root = guarded.root
    _branches_each_add_a_revision(guarded)

    merged = git(root, "merge", "orders", check=False)
    assert merged.returncode == 1
    assert f"CONFLICT (content): Merge conflict in {HEADS}" in merged.stdout

    [finding] = _heads_findings(guarded, fix=True)[-1:]
    assert finding.message == (
        f"heads file {HEADS} has git conflict markers: two branches each added a revision "
        "(the heads are b2, c3)"
    )
    assert finding.line == 4
    assert finding.hint is not None
    assert finding.hint.startswith('join the heads with: migguard merge heads -m "merge b2 and c3"')
    assert "<<<<<<<" in (root / HEADS).read_text(), "--fix leaves a real conflict alone"

    assert guarded.run("merge", "heads", "-m", "merge b2 and c3", "--rev-id", "m4").code == 0
    assert _listed(guarded) == ["m4"]
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-edit")
    assert guarded.run("check", "--select", "graph,heads").code == 0


def test_a_rebase_conflicts_in_the_heads_file_and_fix_resolves_it(guarded: Project) -> None:
    """Rebasing an unpublished revision over a new head: the re-parent fix settles both the
    revision's parent and the conflicted heads file, and the rebase continues."""
    root = guarded.root
    _branches_each_add_a_revision(guarded)
    git(root, "switch", "-q", "orders")
    rebase = git(root, "rebase", "main", check=False)
    assert rebase.returncode == 1
    assert f"CONFLICT (content): Merge conflict in {HEADS}" in rebase.stdout

    config = load_config(cwd=root)
    findings = run_checks(config, ("heads", "stale-parent"), check_settings(config), fix=True)
    assert findings[-1].message == (
        "re-parented revision b2 (migrations/versions/b2_create_orders.py) from a1 onto c3, "
        "the head of main: its down_revision and Revises: line were rewritten, and the heads "
        f"file {HEADS}"
    )
    assert _listed(guarded) == ["b2"]
    assert run_checks(config, ("heads", "stale-parent"), check_settings(config)) == []
    git(root, "add", "-A")
    git(root, "-c", "core.editor=true", "rebase", "--continue")
    assert git(root, "log", "--format=%s", "-3").stdout.split() == ["b2", "c3", "a1"]


def test_without_a_heads_file_the_same_merge_silently_leaves_two_heads(project: Project) -> None:
    root = project.root
    _branches_each_add_a_revision(project)
    assert git(root, "merge", "-q", "--no-edit", "orders", check=False).returncode == 0
    assert set(load_history(load_config(cwd=root)).graph.heads) == {"b2", "c3"}


def test_conflict_markers_with_a_single_head_are_rewritten_by_fix(guarded: Project) -> None:
    guarded.add("a1")
    (guarded.root / HEADS).write_text("<<<<<<< HEAD\na1\n=======\nb2\n>>>>>>> other\n")
    [finding] = _heads_findings(guarded)
    assert (finding.line, finding.hint) == (
        1,
        f"rewrite it with: migguard check --fix, then git add {HEADS}",
    )
    [fixed] = _heads_findings(guarded, fix=True)
    assert fixed.severity == INFO
    assert _listed(guarded) == ["a1"]


def test_an_unreadable_file_is_an_error_not_a_traceback(guarded: Project) -> None:
    guarded.add("a1")
    (guarded.root / HEADS).write_bytes(b"\xff\xfe not text")
    [finding] = _heads_findings(guarded)
    assert finding.severity == ERROR
    assert finding.message.startswith(f"heads file {HEADS} cannot be read: ")
