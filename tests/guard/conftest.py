"""Fixtures for the guard's tests: git isolated from the machine's configuration for GitPython
run in-process, a project that is a git repository, and the customer/purchase shop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.testing.gitrepo import ISOLATED, commit, init_repo
from tests.testing.project import Project
from tests.testing.shop import Shop, open_shop


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """GitPython, run in-process, sees no user or system git configuration, like the git
    processes started by :func:`tests.testing.gitrepo.git`."""
    for name, value in ISOLATED.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def repo(project: Project) -> Project:
    """The project as a git repository on ``main`` with one committed revision ``a1``."""
    init_repo(project.root)
    project.add("a1")
    commit(project.root, "a1")
    return project


@pytest.fixture
def shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """See :func:`open_shop`."""
    with open_shop(project, monkeypatch) as opened:
        yield opened
