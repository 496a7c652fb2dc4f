"""Fixtures for the guard's tests: git isolated from the machine's configuration for GitPython
run in-process, and a project that is a git repository."""

from __future__ import annotations

import pytest

from tests.conftest import Project
from tests.guard.gitrepo import ISOLATED, commit, init_repo


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """GitPython, run in-process, sees no user or system git configuration, like the git
    processes started by :func:`tests.guard.gitrepo.git`."""
    for name, value in ISOLATED.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def repo(project: Project) -> Project:
    """The project as a git repository on ``main`` with one committed revision ``a1``."""
    init_repo(project.root)
    project.add("a1")
    commit(project.root, "a1")
    return project
