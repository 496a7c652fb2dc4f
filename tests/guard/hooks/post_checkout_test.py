"""The post-checkout hook: real ``git checkout`` runs the installed hook, which compares the
migrations of the two commits and the database's revision with the checked-out history."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from migguard.graph import Revision, RevisionGraph
from migguard.guard.hooks.install import install_hooks
from migguard.guard.hooks.post_checkout import CheckoutEvent, checkout_event, downgrade_targets
from tests.testing.gitrepo import add_revision, clone, commit, git, git_env, head, init_project
from tests.testing.listener import Listener
from tests.testing.project import run_process
from tests.testing.seeds import versions


def feature_branch(tmp_path: Path, url: str | None) -> tuple[Path, str, str]:
    """main at a1; branch feature adds b2 and c3; the post-checkout hook installed; the
    database (when ``url``) upgraded on feature to c3; main checked out again.

    Returns ``(repo, main commit, feature commit)``.
    """
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    main = commit(root, "a1")
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    add_revision(root, "c3", "b2")
    feature = commit(root, "b2, c3")
    install_hooks(root, ("post-checkout",))
    if url:
        done = run_process(["--url", url, "upgrade", "head"], root)
        assert done.returncode == 0, done.stderr
    return root, main, feature


@pytest.mark.slow
def test_the_database_ahead_of_the_checked_out_code_names_the_downgrade(
    tmp_path: Path, db_url: str
) -> None:
    root, main, feature = feature_branch(tmp_path, db_url)

    checkout = git(root, "checkout", "-q", "main", env={"MIGGUARD_URL": db_url})

    assert checkout.returncode == 0
    hint = f"git checkout {feature[:12]} && migguard downgrade a1 && git checkout -"
    assert checkout.stderr.splitlines() == [
        f"migguard: migrations changed in {feature[:7]}..{main[:7]} (2 removed)",
        f"migguard: warning: the database ({db_url}) is at c3, which this checkout lacks: "
        f"downgrade it to a1 first: {hint}",
    ]
    # The hint works as written.
    done = subprocess.run(
        hint, shell=True, cwd=root, env=git_env({"MIGGUARD_URL": db_url}), capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert versions(db_url) == ["a1"]
    assert git(root, "branch", "--show-current").stdout == "main\n"


@pytest.mark.slow
def test_nothing_shared_means_downgrade_to_base(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    root = init_project(tmp_path / "app")
    first = commit(root, "no revisions yet")
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "a1")
    commit(root, "a1")
    install_hooks(root, ("post-checkout",))
    assert run_process(["--url", url, "upgrade", "head"], root).returncode == 0

    checkout = git(root, "checkout", "-q", "main", env={"MIGGUARD_URL": url})

    assert "downgrade it to base first:" in checkout.stderr
    assert "&& migguard downgrade base &&" in checkout.stderr
    assert head(root) == first


@pytest.mark.slow
def test_a_database_behind_the_checked_out_code_is_told_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    root, main, feature = feature_branch(tmp_path, None)
    git(root, "checkout", "-q", "main")
    assert run_process(["--url", url, "upgrade", "head"], root).returncode == 0

    checkout = git(root, "checkout", "-q", "feature", env={"MIGGUARD_URL": url})

    assert checkout.stderr.splitlines() == [
        f"migguard: migrations changed in {main[:7]}..{feature[:7]} (2 added)",
        "migguard: the database is at a1; run `migguard upgrade head`",
    ]


def test_without_a_database_url_only_the_changes_are_reported(tmp_path: Path) -> None:
    root, main, feature = feature_branch(tmp_path, None)

    checkout = git(root, "checkout", "-q", "main")

    assert (
        checkout.stderr
        == f"migguard: migrations changed in {feature[:7]}..{main[:7]} (2 removed)\n"
    )


def test_an_unreachable_database_is_one_line_and_never_fails_the_checkout(tmp_path: Path) -> None:
    root, _, _ = feature_branch(tmp_path, None)
    url = "postgresql+psycopg://postgres:pw@127.0.0.1:1/nowhere"

    checkout = git(root, "checkout", "-q", "main", env={"MIGGUARD_URL": url})

    assert checkout.returncode == 0
    lines = checkout.stderr.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("migguard: warning: cannot read the database's revision: ")
    assert "pw@" not in checkout.stderr


def test_checkouts_that_move_no_revision_say_nothing(tmp_path: Path) -> None:
    root, _, _ = feature_branch(tmp_path, None)
    (root / "notes.txt").write_text("x\n", encoding="utf-8")
    commit(root, "notes on feature")

    branch = git(root, "checkout", "-q", "-b", "other")
    files = git(root, "checkout", "-q", "main", "--", "migguard.toml")
    same = git(root, "checkout", "-q", "feature")

    assert branch.stderr + files.stderr + same.stderr == ""


def test_a_clone_and_a_new_worktree_are_skipped(tmp_path: Path) -> None:
    root, _, _ = feature_branch(tmp_path, None)
    git(root, "checkout", "-q", "main")

    worktree = git(root, "worktree", "add", "-q", str(tmp_path / "wt"), "feature")

    assert worktree.stderr == ""


def test_the_checkouts_of_a_rebase_are_skipped(tmp_path: Path) -> None:
    origin = init_project(tmp_path / "origin")
    add_revision(origin, "a1")
    commit(origin, "a1")
    staging = clone(origin, tmp_path / "staging")
    install_hooks(staging, ("post-checkout",))
    (staging / "notes.txt").write_text("x\n", encoding="utf-8")
    commit(staging, "local notes")
    add_revision(origin, "b2", "a1")
    commit(origin, "b2")

    pull = git(staging, "pull", "-q", "--rebase")

    assert "migguard" not in pull.stderr


def test_checkout_event_from_git_arguments_and_from_pre_commit() -> None:
    assert checkout_event(["a" * 40, "b" * 40, "1"], {}) == CheckoutEvent("a" * 40, "b" * 40, True)
    env = {
        "PRE_COMMIT_FROM_REF": "a" * 40,
        "PRE_COMMIT_TO_REF": "b" * 40,
        "PRE_COMMIT_CHECKOUT_TYPE": "0",
    }
    assert checkout_event([], env) == CheckoutEvent("a" * 40, "b" * 40, False)


def graph(*revisions: tuple[str, tuple[str, ...]]) -> RevisionGraph:
    return RevisionGraph(Revision(rid, down, (), (), rid, rid) for rid, down in revisions)


def test_downgrade_targets() -> None:
    previous = graph(
        ("a1", ()), ("b2", ("a1",)), ("c3", ("b2",)), ("d4", ("a1",)), ("m5", ("c3", "d4"))
    )
    checked_out = graph(("a1", ()), ("b2", ("a1",)), ("d4", ("a1",)))
    assert downgrade_targets(previous, checked_out, "c3") == ("b2",)
    # A merge of two branches the checked-out code both has.
    assert downgrade_targets(previous, checked_out, "m5") == ("b2", "d4")
    assert downgrade_targets(previous, graph(("z9", ())), "c3") == ("base",)
    assert downgrade_targets(previous, checked_out, "x7") == ()


def untrusted_branch(root: Path, port: int, marker: Path) -> None:
    """Branch ``untrusted`` from the current commit: a revision whose import (the fallback for
    a non-literal ``branch_labels``) writes ``marker``, a ``git.py`` at the top that writes it
    too when imported from the working tree, and a configuration that points the database at
    ``port`` with the reviewer's ``${SECRET_TOKEN}`` as password."""
    git(root, "checkout", "-q", "-b", "untrusted")
    write = f"import pathlib\npathlib.Path({os.fspath(marker)!r}).write_text('ran')\n"
    path = add_revision(root, "b2", "a1")
    path.write_text(
        write + path.read_text(encoding="utf-8") + 'branch_labels = (str("evil"),)\n',
        encoding="utf-8",
    )
    (root / "git.py").write_text(write, encoding="utf-8")
    (root / "migguard.toml").write_text(
        'script_location = "migrations"\n'
        f'url = "postgresql://reviewer:${{SECRET_TOKEN}}@127.0.0.1:{port}/app"\n',
        encoding="utf-8",
    )
    commit(root, "looks harmless")
    git(root, "checkout", "-q", "main")


@pytest.mark.slow
def test_checking_out_an_untrusted_branch_runs_none_of_its_code_nor_sends_credentials(
    tmp_path: Path, listener: Listener
) -> None:
    root = init_project(tmp_path / "app", f'url = "sqlite:///{tmp_path / "dev.db"}"\n')
    add_revision(root, "a1")
    commit(root, "a1")
    assert run_process(["upgrade", "head"], root).returncode == 0
    marker = tmp_path / "code-ran"
    untrusted_branch(root, listener.port, marker)
    install_hooks(root, ("post-checkout",))

    checkout = git(root, "checkout", "-q", "untrusted", env={"SECRET_TOKEN": "hunter2"})

    assert checkout.returncode == 0
    assert not marker.exists()
    assert listener.connections == 0
    lines = checkout.stderr.splitlines()
    assert lines[0].startswith("migguard: migrations changed in ")
    assert lines[1:] == [
        "migguard: migrations/versions/b2_rev.py: not read: branch_labels is not a literal "
        "(a checkout never runs the checked-out code)",
        "migguard: the checkout changed migguard.toml: its database is not contacted; run "
        "`migguard current` once you trust it",
    ]
    assert "hunter2" not in checkout.stdout + checkout.stderr


@pytest.mark.slow
def test_a_checkout_that_keeps_the_configuration_still_reads_the_database(
    tmp_path: Path,
) -> None:
    """The URL is in the committed configuration, the same on both commits: the database is
    read as before."""
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    root = init_project(tmp_path / "app", f'url = "{url}"\n')
    add_revision(root, "a1")
    commit(root, "a1")
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    commit(root, "b2")
    assert run_process(["upgrade", "head"], root).returncode == 0
    install_hooks(root, ("post-checkout",))

    checkout = git(root, "checkout", "-q", "main")

    assert f"migguard: warning: the database ({url}) is at b2, which this checkout lacks" in (
        checkout.stderr
    )
