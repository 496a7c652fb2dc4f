"""Helpers for the ``edited`` and ``stale-parent`` tests: a repository on ``main`` holding two
revisions, a feature branch, and commits made on ``main`` meanwhile."""

from __future__ import annotations

from migguard.config.load import load_config
from migguard.guard.checks.run import run_checks
from migguard.guard.findings import Finding
from migguard.guard.settings import check_settings
from tests.testing.gitrepo import commit, git, init_repo
from tests.testing.project import Project

VERSIONS = "migrations/versions"


def two_revisions_on_main(project: Project) -> Project:
    """``project`` as a git repository on ``main`` holding revisions ``a1`` <- ``a2``."""
    init_repo(project.root)
    project.add("a1", upgrade="op.create_table('users', sa.Column('id', sa.Integer))")
    project.add("a2", "a1", upgrade="op.add_column('users', sa.Column('name', sa.Text))")
    commit(project.root, "a1, a2")
    return project


def check(project: Project, *codes: str, fix: bool = False) -> list[Finding]:
    config = load_config(cwd=project.root)
    return run_checks(config, codes, check_settings(config), fix=fix)


def feature(project: Project) -> None:
    git(project.root, "switch", "-q", "-c", "feature")


def versions_file(rid: str) -> str:
    return f"{VERSIONS}/{rid}_rev.py"


def commit_on_main(
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


def branch_then_main_moves_on(project: Project) -> None:
    """``feature`` adds f1 on a2; meanwhile ``main`` gets a3 on a2."""
    feature(project)
    project.add("f1", "a2", upgrade="op.create_table('orders', sa.Column('id', sa.Integer))")
    commit(project.root, "f1")
    commit_on_main(project, "a3", "a2")
