"""``migguard hook NAME`` and ``migguard install-hooks`` at the command line: exit codes,
one-line errors, and what the hooks import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.testing.gitrepo import add_revision, commit, git, git_env, init_project, init_repo
from tests.testing.project import Project, run_process

PROBE = (
    "import sys\n"
    "from migguard.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "print('SQLALCHEMY=' + str('sqlalchemy' in sys.modules), file=sys.stderr)\n"
    "raise SystemExit(code)\n"
)


def probe(args: list[str], cwd: Path) -> tuple[int, str, bool]:
    """Run the CLI in a fresh interpreter: ``(status, stderr before the probe line, whether
    SQLAlchemy was imported)``."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=git_env(),
    )
    *lines, last = done.stderr.splitlines()
    return done.returncode, "\n".join(lines), last == "SQLALCHEMY=True"


def test_hook_pre_commit_is_check_of_a_commit_being_made(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "a1")
    hook = project.run("hook", "pre-commit")
    check = project.run("check", "--staged")
    assert hook.code == check.code == 1
    assert hook.out == check.out
    assert "2 heads where one is expected" in hook.out


@pytest.mark.slow
def test_the_hooks_that_run_on_every_commit_and_pull_never_import_sqlalchemy(
    tmp_path: Path,
) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    first = commit(root, "a1")
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    second = commit(root, "b2")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "feature")

    status, err, heavy = probe(["check", "--select", "graph,heads"], root)
    assert (status, heavy) == (0, False), err
    status, err, heavy = probe(["hook", "post-merge", "0"], root)
    assert (status, heavy) == (0, False), err
    status, err, heavy = probe(["hook", "post-checkout", first, second, "1"], root)
    assert (status, heavy) == (0, False), err


def test_post_checkout_never_fails_the_checkout(tmp_path: Path) -> None:
    no_config = run_process(["hook", "post-checkout", "a" * 40, "b" * 40, "1"], tmp_path)
    assert no_config.returncode == 0
    assert no_config.stderr.startswith("migguard: warning: post-checkout: no migguard config")
    assert no_config.stderr.count("\n") == 1

    root = init_project(tmp_path / "app")
    commit(root, "start")
    bad_arguments = run_process(["hook", "post-checkout", "HEAD"], root)
    assert bad_arguments.returncode == 0
    assert bad_arguments.stderr == (
        "migguard: warning: post-checkout: post-checkout needs git's three arguments: PREVIOUS "
        "NEW FLAG (or pre-commit's PRE_COMMIT_FROM_REF, PRE_COMMIT_TO_REF and "
        "PRE_COMMIT_CHECKOUT_TYPE)\n"
    )


def test_post_merge_outside_a_repository_is_a_one_line_error(project: Project) -> None:
    result = project.run("hook", "post-merge", "0")
    assert result.code == 2
    assert result.err == f"migguard: error: {project.root} is not inside a git working tree\n"


@pytest.mark.slow
def test_install_hooks_prints_each_hook_and_refuses_foreign_ones(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    hooks = root / ".git" / "hooks"

    done = run_process(["install-hooks", "--hooks", "post-merge,pre-commit"], root)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"installed pre-commit: {hooks / 'pre-commit'}\n"
        f"installed post-merge: {hooks / 'post-merge'}\n"
    )

    (hooks / "post-checkout").write_text("#!/bin/sh\n", encoding="utf-8")
    refused = run_process(["install-hooks"], root)
    assert refused.returncode == 2
    assert refused.stderr == (
        f"migguard: error: {hooks / 'post-checkout'} exists and was not written by migguard; "
        "move it away, or overwrite it with `migguard install-hooks --force`\n"
    )

    forced = run_process(["install-hooks", "--force"], root)
    assert forced.returncode == 0
    assert f"installed post-checkout: {hooks / 'post-checkout'} (overwrote a foreign hook)\n" in (
        forced.stdout
    )
    assert f"installed pre-commit: {hooks / 'pre-commit'} (replaced)\n" in forced.stdout


def test_install_hooks_rejects_unknown_names(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    done = run_process(["install-hooks", "--hooks", "pre-push"], root)
    assert done.returncode == 2
    assert done.stderr == (
        "migguard: error: unknown hook name(s) pre-push in --hooks (known: pre-commit, "
        "pre-merge-commit, post-merge, post-rewrite, post-checkout)\n"
    )


@pytest.mark.parametrize("hook", ["pre-commit", "post-checkout", "post-merge"])
def test_the_hooks_read_alembic_ini_s_own_section(tmp_path: Path, hook: str) -> None:
    """A hook's name is not ``-n``'s section: in an Alembic project the hooks read
    ``[alembic]`` (or the section ``-n`` names), never a section named after the hook."""
    root = tmp_path / "app"
    root.mkdir()
    init_repo(root)
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\n[other]\nscript_location = elsewhere\n",
        encoding="utf-8",
    )
    add_revision(root, "a1")
    commit(root, "a1")

    done = run_process(["hook", hook], root)

    assert "section" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    if hook == "pre-commit":
        other = run_process(["-n", "other", "hook", hook], root)
        assert other.returncode == 2
        assert "elsewhere" in other.stderr
