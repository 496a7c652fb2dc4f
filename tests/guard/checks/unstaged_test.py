"""The ``unstaged`` check on real git repositories, alone and through the real commit hooks: a
revision the commit would leave out is named, with pre-commit and with the plain git hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.guard.checks.run import run_checks, selected_codes
from migguard.guard.findings import ERROR, INFO, Finding
from migguard.guard.hooks.install import install_hooks
from migguard.guard.settings import check_settings
from tests.testing.gitrepo import add_revision, commit, git, init_project
from tests.testing.precommit import env_for, run_pre_commit

SCRIPT = "migrations/versions/{}_rev.py"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A repository holding the committed revision ``a1``."""
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    return root


def unstaged(root: Path, *, staged: bool = True) -> list[Finding]:
    config = load_config(cwd=root)
    settings = check_settings(config)
    codes = selected_codes(settings, ("unstaged",), staged=staged)
    return run_checks(config, codes, settings, staged=staged)


def test_an_untracked_revision_is_an_error(app: Path) -> None:
    add_revision(app, "b2", "a1")
    [finding] = unstaged(app)
    assert finding == Finding(
        "unstaged",
        ERROR,
        f"revision b2 ({SCRIPT.format('b2')}) is not staged: the checks counted it, but the "
        "commit would leave it out",
        SCRIPT.format("b2"),
        hint=f"stage it: git add {SCRIPT.format('b2')}",
    )
    git(app, "add", SCRIPT.format("b2"))
    assert unstaged(app) == []


def test_changes_not_staged_are_an_error(app: Path) -> None:
    add_revision(app, "a1", upgrade="op.create_table('other', sa.Column('id', sa.Integer))")
    [finding] = unstaged(app)
    assert finding.message == (
        f"revision a1 ({SCRIPT.format('a1')}) has changes that are not staged: the checks read "
        "them, but the commit holds the staged version"
    )
    git(app, "add", "-A")
    assert unstaged(app) == []


def test_an_ignored_revision_is_one_the_commit_leaves_out_too(app: Path) -> None:
    (app / ".gitignore").write_text("*_wip.py\n", encoding="utf-8")
    path = add_revision(app, "b2", "a1")
    path.rename(path.with_name("b2_wip.py"))
    [finding] = unstaged(app)
    assert finding.file == "migrations/versions/b2_wip.py"


def test_it_runs_only_for_a_commit_being_made(app: Path) -> None:
    add_revision(app, "b2", "a1")
    assert unstaged(app, staged=False) == []
    settings = check_settings(load_config(cwd=app))
    assert "unstaged" not in selected_codes(settings)
    assert "unstaged" in selected_codes(settings, staged=True)


def test_outside_a_repository_it_says_it_was_skipped(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migguard.toml").write_text('script_location = "migrations"\n', encoding="utf-8")
    add_revision(root, "a1")
    [finding] = unstaged(root)
    assert (finding.severity, finding.message) == (
        INFO,
        "skipped: the project is not in a git working tree",
    )


@pytest.mark.slow
def test_the_plain_git_hook_refuses_a_commit_that_leaves_a_revision_out(app: Path) -> None:
    install_hooks(app, ("pre-commit",), python=sys.executable)
    (app / "models.py").write_text("# a model change\n", encoding="utf-8")
    add_revision(app, "b2", "a1")
    git(app, "add", "models.py")
    refused = git(app, "commit", "-m", "models without their revision", check=False)
    assert refused.returncode == 1
    assert f"error [unstaged] revision b2 ({SCRIPT.format('b2')}) is not staged" in (
        refused.stdout + refused.stderr
    )
    git(app, "add", SCRIPT.format("b2"))
    git(app, "commit", "-m", "models and their revision")


def test_pre_commit_refuses_a_commit_that_leaves_a_revision_out(
    app: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """pre-commit stashes unstaged changes to tracked files, not untracked files."""
    (app / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: migguard-check\n    name: migguard check\n"
        f"    entry: {sys.executable} -m migguard check --staged --select graph,heads,unstaged\n"
        "    language: system\n    pass_filenames: false\n",
        encoding="utf-8",
    )
    commit(app, "pre-commit configuration")
    home = {"PRE_COMMIT_HOME": os.fspath(tmp_path_factory.mktemp("pre-commit"))}
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit is not None
    subprocess.run([pre_commit, "install"], cwd=app, env={**os.environ, **home}, check=True)
    (app / "models.py").write_text("# a model change\n", encoding="utf-8")
    add_revision(app, "b2", "a1")
    git(app, "add", "models.py")
    refused = git(app, "commit", "-m", "models without their revision", env=home, check=False)
    assert refused.returncode == 1
    assert f"revision b2 ({SCRIPT.format('b2')}) is not staged" in refused.stdout + refused.stderr


# Each way of `git commit` that commits the changed revision, with git's answers and whether
# it is staged first. The hook is told which index to read (GIT_INDEX_FILE): a temporary one
# for -a, <paths>, --only, --include, -p and --amend <paths>, the real one for --amend.
COMMIT_FORMS = {
    "-a": (["-a"], "", False),
    "<path>": ([SCRIPT.format("b2")], "", False),
    "--only": (["--only", SCRIPT.format("b2")], "", False),
    "--include": (["--include", SCRIPT.format("b2")], "", False),
    "-p": (["-p"], "y\n", False),
    "--amend <path>": (["--amend", SCRIPT.format("b2")], "", False),
    "--amend": (["--amend"], "", True),
}


@pytest.fixture(params=["install-hooks", "pre-commit"])
def hooked(
    request: pytest.FixtureRequest, app: Path, hook_repository: tuple[Path, str], tmp_path: Path
) -> tuple[Path, dict[str, str]]:
    """``app`` with ``b2`` committed, guarded by the plain git hook or by the real pre-commit
    running migguard-check from this working tree: ``(root, environment for git)``."""
    env: dict[str, str] = {}
    if request.param == "install-hooks":
        install_hooks(app, ("pre-commit",), python=sys.executable)
    else:
        home: Path = request.getfixturevalue("pre_commit_home")
        path, rev = hook_repository
        (app / ".pre-commit-config.yaml").write_text(
            f"repos:\n- repo: {path}\n  rev: {rev}\n  hooks:\n  - id: migguard-check\n",
            encoding="utf-8",
        )
        run_pre_commit(app, home, "install", "--hook-type", "pre-commit")
        env = env_for(home)
    add_revision(app, "b2", "a1")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "b2", env=env)
    return app, env


@pytest.mark.slow
@pytest.mark.parametrize("form", list(COMMIT_FORMS))
def test_every_form_of_git_commit_that_stages_the_revision_passes(
    hooked: tuple[Path, dict[str, str]], form: str
) -> None:
    """E.g. `git commit -a` right after `migguard check --fix` rewrote a script."""
    root, env = hooked
    add_revision(root, "b2", "a1", upgrade="op.create_table('b2', sa.Column('id', sa.Integer))")
    args, answers, stage_first = COMMIT_FORMS[form]
    if stage_first:
        git(root, "add", SCRIPT.format("b2"))

    done = git(
        root, "commit", "-m", f"b2 through {form}", *args, env=env, stdin=answers, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert git(root, "status", "--porcelain").stdout == ""


@pytest.mark.slow
def test_a_commit_of_other_paths_still_names_the_revision_it_leaves_out(app: Path) -> None:
    """With the plain git hook (pre-commit stashes the change away, so the checks read what
    is committed)."""
    install_hooks(app, ("pre-commit",), python=sys.executable)
    add_revision(app, "b2", "a1")
    commit(app, "b2")
    (app / "models.py").write_text("# a model change\n", encoding="utf-8")
    git(app, "add", "models.py")
    add_revision(app, "b2", "a1", upgrade="op.create_table('b2', sa.Column('id', sa.Integer))")

    refused = git(app, "commit", "-m", "models only", "models.py", check=False)

    assert refused.returncode == 1
    assert f"revision b2 ({SCRIPT.format('b2')}) has changes that are not staged" in (
        refused.stdout + refused.stderr
    )
    amended = git(app, "commit", "--amend", "-m", "b2 as staged", check=False)
    assert amended.returncode == 1  # --amend alone commits the index, without the change
    git(app, "add", SCRIPT.format("b2"))
    git(app, "commit", "--amend", "-m", "b2 and models")
